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

/// The largest keymap file read (a keymap is a few hundred bytes).
pub const KEYMAP_LIMIT: u64 = 1 << 20;

/// The actions a keymap must bind, or the person at the terminal could not leave or find help.
const REQUIRED: [Action; 2] = [Action::Quit, Action::Help];

impl Keymap {
    /// The shipped defaults, with the user's file (if any) on top; a file that cannot be used is
    /// refused whole, with the reason, and the defaults are kept.
    pub fn load() -> (Self, Option<String>) {
        let Some(path) = user_file().filter(|p| p.symlink_metadata().is_ok()) else {
            return (Self::default(), None);
        };
        match Self::load_file(&path) {
            Ok(map) => (map, None),
            Err(e) => {
                let shown = crate::error::cut(&path.display().to_string(), 80);
                (
                    Self::default(),
                    Some(format!("{shown}: {e} (using the default keys)")),
                )
            }
        }
    }

    /// The defaults with the keymap file at `path` on top: a regular file of at most
    /// `KEYMAP_LIMIT` bytes (never blocking on a FIFO), whose keys are unambiguous and leave quit
    /// and help a key.
    pub fn load_file(path: &std::path::Path) -> Result<Self, String> {
        let text = crate::files::read_text(path, KEYMAP_LIMIT).map_err(|e| e.to_string())?;
        Self::default().overridden_by(Self::from_toml(&text)?)
    }

    /// Parses `action = ["key", …]` lines; a key bound to two actions is an error.
    pub fn from_toml(text: &str) -> Result<Self, String> {
        let raw: BTreeMap<Action, Vec<String>> =
            toml::from_str(text).map_err(|e| e.message().trim().to_owned())?;
        let mut bindings: BTreeMap<Action, Vec<Key>> = BTreeMap::new();
        for (action, keys) in raw {
            let mut parsed = Vec::new();
            for k in &keys {
                let key = Key::parse(k)
                    .ok_or_else(|| format!("unknown key '{}'", crate::error::cut(k, 20)))?;
                if let Some((other, _)) = bindings
                    .iter()
                    .find(|(a, keys)| **a != action && keys.contains(&key))
                {
                    return Err(format!(
                        "{} is bound to both {} and {}",
                        key.label(),
                        other.name(),
                        action.name()
                    ));
                }
                parsed.push(key);
            }
            bindings.insert(action, parsed);
        }
        Ok(Self { bindings })
    }

    /// These bindings with `user`'s on top: each action the user binds gets exactly the user's
    /// keys, and a key the user gives to one action is taken from every other; quit and help
    /// must keep a key.
    pub fn overridden_by(mut self, user: Self) -> Result<Self, String> {
        for (action, keys) in user.bindings {
            for (_, others) in self.bindings.iter_mut().filter(|(a, _)| **a != action) {
                others.retain(|k| !keys.contains(k));
            }
            self.bindings.insert(action, keys);
        }
        for action in REQUIRED {
            if self.bindings.get(&action).is_none_or(Vec::is_empty) {
                return Err(format!(
                    "{} has no key left, so the file is refused",
                    action.name()
                ));
            }
        }
        Ok(self)
    }

    /// The action a key press asks for.
    pub fn action(&self, key: KeyEvent) -> Option<Action> {
        let ctrl = key.modifiers.contains(KeyModifiers::CONTROL);
        self.bindings
            .iter()
            .find(|(_, keys)| keys.iter().any(|k| k.code == key.code && k.ctrl == ctrl))
            .map(|(action, _)| *action)
    }

    /// The first key of an action as the screen shows it, if it has one.
    pub fn label(&self, action: Action) -> Option<String> {
        self.bindings
            .get(&action)
            .and_then(|keys| keys.first())
            .map(|k| k.label())
    }

    /// Every action with its keys, for the help overlay.
    pub fn help(&self) -> Vec<(String, &'static str)> {
        self.bindings
            .iter()
            .filter(|(_, keys)| !keys.is_empty())
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

/// `$XDG_CONFIG_HOME/routescope/keymap.toml`, or under `~/.config`; a relative
/// `XDG_CONFIG_HOME` is ignored, as the XDG specification says.
fn user_file() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".config"))
        })?;
    Some(base.join("routescope").join("keymap.toml"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_bind_every_action_and_resolve_keys() {
        let map = Keymap::default();
        let actions = <Action as strum::IntoEnumIterator>::iter().count();
        assert_eq!(map.help().len(), actions, "every action has a key");
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

    #[test]
    fn user_keys_replace_the_defaults_they_rebind() {
        let user = Keymap::from_toml("route-get = [\"q\"]").unwrap();
        let map = Keymap::default().overridden_by(user).unwrap();
        let key = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert_eq!(map.action(key(KeyCode::Char('q'))), Some(Action::RouteGet));
        assert_eq!(
            map.action(key(KeyCode::Char('g'))),
            None,
            "g was route-get's"
        );
        assert_eq!(map.label(Action::Quit).as_deref(), Some("Ctrl-c"));
    }

    #[test]
    fn quit_and_help_must_keep_a_key_and_conflicts_are_refused() {
        let refuse = |text: &str| {
            Keymap::from_toml(text)
                .and_then(|u| Keymap::default().overridden_by(u))
                .unwrap_err()
        };
        assert_eq!(
            refuse("quit = []"),
            "quit has no key left, so the file is refused"
        );
        assert_eq!(
            refuse("filter = [\"q\", \"ctrl-c\"]"),
            "quit has no key left, so the file is refused"
        );
        assert_eq!(
            refuse("help = []"),
            "help has no key left, so the file is refused"
        );
        assert_eq!(
            refuse("quit = [\"x\"]\nhelp = [\"x\"]"),
            "x is bound to both quit and help"
        );
    }
}
