//! One key as a keymap file names it (`q`, `ctrl-c`, `pageup`) and as the screen shows it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// A key with its modifiers, as a keymap names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    /// The key (a character includes its Shift: `Y`).
    pub code: KeyCode,
    /// Whether Ctrl is held.
    pub ctrl: bool,
}

/// Named keys: the name a keymap file writes (any case) and the label the screen shows.
const NAMED: [(&str, KeyCode, &str); 17] = [
    ("tab", KeyCode::Tab, "Tab"),
    ("backtab", KeyCode::BackTab, "Shift-Tab"),
    ("shift-tab", KeyCode::BackTab, "Shift-Tab"),
    ("up", KeyCode::Up, "↑"),
    ("down", KeyCode::Down, "↓"),
    ("left", KeyCode::Left, "←"),
    ("right", KeyCode::Right, "→"),
    ("pageup", KeyCode::PageUp, "PgUp"),
    ("pagedown", KeyCode::PageDown, "PgDn"),
    ("home", KeyCode::Home, "Home"),
    ("end", KeyCode::End, "End"),
    ("enter", KeyCode::Enter, "Enter"),
    ("esc", KeyCode::Esc, "Esc"),
    ("space", KeyCode::Char(' '), "Space"),
    ("backspace", KeyCode::Backspace, "Backspace"),
    ("delete", KeyCode::Delete, "Del"),
    ("insert", KeyCode::Insert, "Ins"),
];

impl Key {
    /// Parses `q`, `?`, `Y`, `ctrl-c`, `tab`, `pageup`, `f5` …; names other than single
    /// characters are read in any case.
    pub fn parse(text: &str) -> Option<Self> {
        let lower = text.to_ascii_lowercase();
        let (ctrl, name) = match lower.strip_prefix("ctrl-") {
            Some(rest) if !rest.is_empty() => (true, &text[5..]),
            _ => (false, text),
        };
        let code = if name.chars().count() == 1 {
            // a control character is no key one presses as such (Enter is `enter`)
            KeyCode::Char(name.chars().next().filter(|c| !c.is_control())?)
        } else {
            let name = name.to_ascii_lowercase();
            if let Some((_, code, _)) = NAMED.iter().find(|(n, ..)| *n == name) {
                *code
            } else {
                let n: u8 = name.strip_prefix('f')?.parse().ok()?;
                if !(1..=12).contains(&n) || name.starts_with("f0") {
                    return None;
                }
                KeyCode::F(n)
            }
        };
        Some(Self { code, ctrl })
    }

    /// The key as the help overlay and the status line show it.
    pub fn label(self) -> String {
        let name = match self.code {
            KeyCode::Char(c) if c != ' ' => c.to_string(),
            KeyCode::F(n) => format!("F{n}"),
            code => NAMED
                .iter()
                .find(|(_, c, _)| *c == code)
                .map_or_else(|| format!("{code:?}"), |(.., label)| (*label).to_owned()),
        };
        if self.ctrl {
            format!("Ctrl-{name}")
        } else {
            name
        }
    }

    /// Whether a key press is this key (Shift is in the character itself: `Y`, `?`).
    pub fn matches(self, key: KeyEvent) -> bool {
        self.code == key.code && self.ctrl == key.modifiers.contains(KeyModifiers::CONTROL)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_in_any_case_and_label_back() {
        for (text, label) in [
            ("q", "q"),
            ("Y", "Y"),
            ("ctrl-c", "Ctrl-c"),
            ("CTRL-c", "Ctrl-c"),
            ("PageUp", "PgUp"),
            ("shift-tab", "Shift-Tab"),
            ("space", "Space"),
            ("f5", "F5"),
            ("up", "↑"),
        ] {
            assert_eq!(Key::parse(text).map(Key::label).as_deref(), Some(label));
        }
        for bad in ["", "ctrl-", "ctrl-nothing", "f0", "f13", "f05", "qq", "\n"] {
            assert_eq!(Key::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn a_press_matches_with_its_control_modifier_only() {
        let y = Key::parse("Y").unwrap();
        assert!(y.matches(KeyEvent::new(KeyCode::Char('Y'), KeyModifiers::SHIFT)));
        let c = Key::parse("ctrl-c").unwrap();
        assert!(c.matches(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)));
        assert!(!c.matches(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE)));
    }
}
