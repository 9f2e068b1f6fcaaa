//! Keys as data: the default bindings from `assets/keymap.toml`, overridable per user.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::action::Action;

/// The bindings shipped with routescope.
const DEFAULTS: &str = include_str!("../assets/keymap.toml");

/// A key with its modifiers, as a keymap names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub ctrl: bool,
}

impl Key {
    /// Parses `q`, `?`, `ctrl-c`, `tab`, `pageup` …
    pub fn parse(text: &str) -> Option<Self> {
        let (ctrl, name) = text
            .strip_prefix("ctrl-")
            .map_or((false, text), |rest| (true, rest));
        let code = match name {
            "tab" => KeyCode::Tab,
            "backtab" => KeyCode::BackTab,
            "up" => KeyCode::Up,
            "down" => KeyCode::Down,
            "left" => KeyCode::Left,
            "right" => KeyCode::Right,
            "pageup" => KeyCode::PageUp,
            "pagedown" => KeyCode::PageDown,
            "home" => KeyCode::Home,
            "end" => KeyCode::End,
            "enter" => KeyCode::Enter,
            "esc" => KeyCode::Esc,
            one if one.chars().count() == 1 => KeyCode::Char(one.chars().next()?),
            _ => return None,
        };
        Some(Self { code, ctrl })
    }

    /// The key as the help overlay shows it.
    pub fn label(self) -> String {
        let name = match self.code {
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Char(c) => c.to_string(),
            other => format!("{other:?}"),
        };
        if self.ctrl {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }
}

/// Keys bound to actions.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: BTreeMap<Action, Vec<Key>>,
}

impl Keymap {
    /// The shipped defaults, with the user's file (if any) on top; a bad user file is reported.
    pub fn load() -> (Self, Option<String>) {
        let mut map = Self::from_toml(DEFAULTS).unwrap_or_else(|_| Self {
            bindings: BTreeMap::new(),
        });
        let Some(path) = user_file().filter(|p| p.exists()) else {
            return (map, None);
        };
        match std::fs::read_to_string(&path)
            .map_err(|e| e.to_string())
            .and_then(|t| Self::from_toml(&t))
        {
            Ok(user) => {
                map.bindings.extend(user.bindings);
                (map, None)
            }
            Err(e) => (
                map,
                Some(format!("{}: {e} (using the default keys)", path.display())),
            ),
        }
    }

    /// Parses `action = ["key", …]` lines.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let raw: BTreeMap<Action, Vec<String>> =
            toml::from_str(text).map_err(|e| e.message().to_owned())?;
        let mut bindings = BTreeMap::new();
        for (action, keys) in raw {
            let parsed: Result<Vec<Key>, String> = keys
                .iter()
                .map(|k| Key::parse(k).ok_or_else(|| format!("unknown key '{k}'")))
                .collect();
            bindings.insert(action, parsed?);
        }
        Ok(Self { bindings })
    }

    /// The action a key press asks for.
    pub fn action(&self, key: KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        self.bindings
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k.code == key.code && k.ctrl == ctrl))
            .map(|(action, _)| *action)
    }

    /// Every action with its keys, for the help overlay.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .map(|(action, keys)| {
                (
                    keys.iter().map(|k| k.label()).collect::<Vec<_>>().join(" "),
                    action.describe(),
                )
            })
            .collect()
    }
}

impl Default for Keymap {
    fn default() -> Self {
        Self::from_toml(DEFAULTS).unwrap_or_else(|_| Self {
            bindings: BTreeMap::new(),
        })
    }
}

/// `$XDG_CONFIG_HOME/routescope/keymap.toml`, or under `~/.config`.
fn user_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
    Some(base.join("routescope").join("keymap.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bind_every_action_and_resolve_keys() {
        let map = Keymap::default();
        assert_eq!(map.help().len(), 15, "every action has a key");
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert_eq!(map.action(key(KeyCode::Char('g'))), Some(Action::RouteGet));
        assert_eq!(
            map.action(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
            Some(Action::Quit)
        );
        assert_eq!(map.action(key(KeyCode::Char('x'))), None);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        assert!(
            Keymap::from_toml("quit = [\"ctrl-nothing\"]")
                .unwrap_err()
                .contains("ctrl-nothing")
        );
        assert!(Keymap::from_toml("jump = [\"j\"]").is_err());
    }
}
