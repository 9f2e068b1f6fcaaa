//! Reading a keymap file (sections of `action = [keys]`, or the older flat form, read as
//! `[normal]`) and laying it over other bindings.

use super::{Bindings, Key, Section};
use crate::action::Action;
use crate::error::cut;

/// One line of a keymap file: a section's action and the keys it gets, in the order written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub section: Section,
    pub action: Action,
    pub keys: Vec<Key>,
}

/// Parses a keymap file into its lines; anything it cannot use (bad TOML, an unknown section,
/// action or key, an action given twice) refuses the file with the reason.
pub fn parse(text: &str) -> Result<Vec<Line>, String> {
    let table: toml::Table = toml::from_str(text).map_err(|e| e.message().trim().to_owned())?;
    let mut lines: Vec<Line> = Vec::new();
    for (name, value) in &table {
        match value {
            // the older flat form: the normal section's actions at the top
            toml::Value::Array(keys) => {
                lines.push(line(Section::Normal, name, keys)?);
            }
            toml::Value::Table(actions) => {
                let section = Section::from_name(name)
                    .ok_or_else(|| format!("unknown section [{}]", cut(name, 20)))?;
                for (action, keys) in actions {
                    let toml::Value::Array(keys) = keys else {
                        return Err(format!(
                            "[{}] {}: expected a list of keys",
                            section.name(),
                            cut(action, 20)
                        ));
                    };
                    lines.push(line(section, action, keys)?);
                }
            }
            _ => {
                return Err(format!(
                    "{}: expected a list of keys or a [section]",
                    cut(name, 20)
                ));
            }
        }
    }
    for (i, l) in lines.iter().enumerate() {
        if lines[..i]
            .iter()
            .any(|o| o.section == l.section && o.action == l.action)
        {
            return Err(format!(
                "{} is given twice in [{}]",
                l.action.name(),
                l.section.name()
            ));
        }
    }
    Ok(lines)
}

/// One `action = [keys]` of `section`.
fn line(section: Section, name: &str, keys: &[toml::Value]) -> Result<Line, String> {
    let action = <Action as strum::IntoEnumIterator>::iter()
        .find(|a| a.name() == name)
        .ok_or_else(|| format!("unknown action '{}'", cut(name, 20)))?;
    if !section.actions().contains(&action) {
        return Err(format!(
            "{} is not an action of [{}]",
            action.name(),
            section.name()
        ));
    }
    let mut parsed: Vec<Key> = Vec::new();
    for value in keys {
        let text = value
            .as_str()
            .ok_or_else(|| format!("{}: keys are written as strings", action.name()))?;
        let key = Key::parse(text).ok_or_else(|| format!("unknown key '{}'", cut(text, 20)))?;
        if !parsed.contains(&key) {
            parsed.push(key);
        }
    }
    Ok(Line {
        section,
        action,
        keys: parsed,
    })
}

/// Lays `lines` over `base`: each action a line names gets exactly that line's keys, and those
/// keys are taken from the other actions of its section. Two lines of one section that give the
/// same key are both ignored (their actions keep the keys they had) and said in the warnings,
/// as is an action left without a key; a section whose required actions lose their keys
/// refuses the file.
pub fn apply(mut base: Bindings, lines: &[Line]) -> Result<(Bindings, Vec<String>), String> {
    let mut warnings = Vec::new();
    let mut ignored: Vec<(Section, Action)> = Vec::new();
    for (i, l) in lines.iter().enumerate() {
        for other in &lines[i + 1..] {
            let shared = l.keys.iter().find(|k| other.keys.contains(k));
            if let (true, Some(key)) = (other.section == l.section, shared) {
                warnings.push(format!(
                    "{} is bound to both {} and {}{}: both keep their keys",
                    key.label(),
                    l.action.name(),
                    other.action.name(),
                    in_section(l.section)
                ));
                ignored.extend([(l.section, l.action), (other.section, other.action)]);
            }
        }
    }
    for l in lines
        .iter()
        .filter(|l| !ignored.contains(&(l.section, l.action)))
    {
        for (_, keys) in base
            .iter_mut()
            .filter(|((s, a), _)| *s == l.section && *a != l.action)
        {
            keys.retain(|k| !l.keys.contains(k));
        }
        base.insert((l.section, l.action), l.keys.clone());
    }
    for section in Section::ALL {
        for &action in section.actions() {
            if !base.get(&(section, action)).is_none_or(Vec::is_empty) {
                continue;
            }
            if section.required().contains(&action) {
                return Err(format!(
                    "{}{} has no key left, so the file is refused",
                    action.name(),
                    in_section(section)
                ));
            }
            warnings.push(format!(
                "{}{} has no key",
                action.name(),
                in_section(section)
            ));
        }
    }
    Ok((base, warnings))
}

/// ` in [section]` for the sections other than normal, which most files are about.
fn in_section(section: Section) -> String {
    if section == Section::Normal {
        String::new()
    } else {
        format!(" in [{}]", section.name())
    }
}
