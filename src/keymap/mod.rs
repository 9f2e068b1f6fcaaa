//! Keys as data: every mode's bindings come from `assets/keymap.toml`, one section per mode,
//! overridable per user; the help and the status line are generated from them.

mod key;
mod section;
mod user;

use std::collections::BTreeMap;

use crossterm::event::KeyEvent;

use crate::action::Action;
pub use key::Key;
pub use section::Section;

/// The bindings shipped with routescope.
const DEFAULTS: &str = include_str!("../../assets/keymap.toml");

/// The largest keymap file read (a keymap is a few hundred bytes).
pub const KEYMAP_LIMIT: u64 = 1 << 20;

/// Each section's actions with their keys, first key first.
type Bindings = BTreeMap<(Section, Action), Vec<Key>>;

/// Keys bound to actions, per section.
#[derive(Debug, Clone)]
pub struct Keymap {
    bindings: Bindings,
}

/// One section of the help: its heading and each action's keys and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpSection {
    /// The section.
    pub section: Section,
    /// Each action of the section: its keys as shown, and what it does there.
    pub rows: Vec<(String, &'static str)>,
}

impl Keymap {
    /// The shipped defaults with the user's file (if any) on top, and one line saying what in
    /// the file was not used (the file is refused whole when it cannot be read or parsed, or
    /// would leave quit or help without a key).
    pub fn load() -> (Self, Option<String>) {
        let Some(path) = crate::config::dir()
            .map(|d| d.join("keymap.toml"))
            .filter(|p| p.symlink_metadata().is_ok())
        else {
            return (Self::default(), None);
        };
        let shown = crate::error::cut(&path.display().to_string(), 80);
        match Self::load_file(&path) {
            Ok((map, None)) => (map, None),
            Ok((map, Some(warning))) => (map, Some(format!("{shown}: {warning}"))),
            Err(e) => (
                Self::default(),
                Some(format!("{shown}: {e} (using the default keys)")),
            ),
        }
    }

    /// The defaults with the keymap file at `path` on top: a regular file of at most
    /// `KEYMAP_LIMIT` bytes (never blocking on a FIFO). `Ok` may carry a warning.
    pub fn load_file(path: &std::path::Path) -> Result<(Self, Option<String>), String> {
        let text = crate::files::read_text(path, KEYMAP_LIMIT).map_err(|e| e.to_string())?;
        Self::with_user(&text)
    }

    /// The defaults with a keymap file's text on top: each action the file binds gets exactly
    /// its keys, taken from the other actions of the section. `Err` refuses the file; the
    /// warning of `Ok` names the lines that were ignored (one key given to two actions) and
    /// actions left without a key.
    pub fn with_user(text: &str) -> Result<(Self, Option<String>), String> {
        let lines = user::parse(text)?;
        let (bindings, warnings) = user::apply(Self::default().bindings, &lines)?;
        let warning = (!warnings.is_empty()).then(|| warnings.join("; "));
        Ok((Self { bindings }, warning))
    }

    /// The action a key press asks for in `section`.
    pub fn action(&self, section: Section, key: KeyEvent) -> Option<Action> {
        section
            .actions()
            .iter()
            .copied()
            .find(|a| self.keys(section, *a).iter().any(|k| k.matches(key)))
    }

    /// The keys of `action` in `section`, first the one the screen shows.
    pub fn keys(&self, section: Section, action: Action) -> &[Key] {
        self.bindings
            .get(&(section, action))
            .map_or(&[], Vec::as_slice)
    }

    /// The first key of a normal-mode action as the screen shows it, if it has one.
    pub fn label(&self, action: Action) -> Option<String> {
        self.label_in(Section::Normal, action)
    }

    /// The first key of `action` in `section` as the screen shows it, if it has one.
    pub fn label_in(&self, section: Section, action: Action) -> Option<String> {
        self.keys(section, action).first().map(|k| k.label())
    }

    /// The first key of `action` in `section`, or `-` when it has none (for hints in titles).
    pub fn shown(&self, section: Section, action: Action) -> String {
        self.label_in(section, action)
            .unwrap_or_else(|| "-".to_owned())
    }

    /// Every section with each of its actions, their keys and what they do, for the help
    /// overlay; an action without a key is listed with none.
    pub fn help(&self) -> Vec<HelpSection> {
        Section::ALL
            .into_iter()
            .map(|section| HelpSection {
                section,
                rows: section
                    .actions()
                    .iter()
                    .map(|&action| {
                        let keys: Vec<String> = self
                            .keys(section, action)
                            .iter()
                            .map(|k| k.label())
                            .collect();
                        (keys.join(" "), section.describe(action))
                    })
                    .collect(),
            })
            .collect()
    }
}

impl Default for Keymap {
    fn default() -> Self {
        let bindings = user::parse(DEFAULTS)
            .and_then(|lines| user::apply(Bindings::new(), &lines))
            .map(|(bindings, _)| bindings)
            .unwrap_or_default();
        Self { bindings }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use super::*;

    /// A key press without modifiers.
    fn press(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn the_defaults_give_every_action_of_every_section_a_key_without_conflict() {
        let lines = user::parse(DEFAULTS).expect("the defaults parse");
        let (map, warnings) = user::apply(Bindings::new(), &lines).expect("the defaults apply");
        assert!(warnings.is_empty(), "{warnings:?}");
        for section in Section::ALL {
            for &action in section.actions() {
                assert!(
                    map.get(&(section, action)).is_some_and(|k| !k.is_empty()),
                    "{action:?} in [{}] has no key",
                    section.name()
                );
            }
        }
        let help = Keymap::default().help();
        for section in &help {
            assert_eq!(section.rows.len(), section.section.actions().len());
            assert!(section.rows.iter().all(|(keys, _)| !keys.is_empty()));
        }
        for action in <Action as strum::IntoEnumIterator>::iter() {
            let anywhere = help.iter().any(|s| s.section.actions().contains(&action));
            assert!(anywhere, "{action:?} is in no section");
        }
    }

    #[test]
    fn keys_resolve_per_section() {
        let map = Keymap::default();
        let g = press(KeyCode::Char('g'));
        assert_eq!(map.action(Section::Normal, g), Some(Action::RouteGet));
        assert_eq!(map.action(Section::Prompt, g), None, "typed");
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(map.action(Section::Normal, ctrl_c), Some(Action::Quit));
        let enter = press(KeyCode::Enter);
        assert_eq!(map.action(Section::Prompt, enter), Some(Action::Accept));
        assert_eq!(map.action(Section::Normal, enter), Some(Action::Open));
        assert_eq!(
            map.action(Section::View, press(KeyCode::PageDown)),
            Some(Action::PageDown)
        );
        assert_eq!(map.action(Section::Normal, press(KeyCode::Char('x'))), None);
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let refuse = |text: &str| Keymap::with_user(text).unwrap_err();
        assert!(refuse("quit = [\"ctrl-nothing\"]").contains("ctrl-nothing"));
        assert_eq!(refuse("jump = [\"j\"]"), "unknown action 'jump'");
        assert_eq!(
            refuse("[prompt]\nquit = [\"x\"]"),
            "quit is not an action of [prompt]"
        );
        assert_eq!(refuse("[pane]\nup = [\"x\"]"), "unknown section [pane]");
        assert_eq!(
            refuse("up = [\"x\"]\n[normal]\nup = [\"y\"]"),
            "up is given twice in [normal]"
        );
        assert_eq!(
            refuse("up = 3"),
            "up: expected a list of keys or a [section]"
        );
    }

    #[test]
    fn user_keys_replace_the_defaults_of_the_action_they_rebind() {
        let (map, warning) = Keymap::with_user("route-get = [\"q\"]\nquit = [\"x\"]").unwrap();
        assert_eq!(warning, None);
        let key = |c| press(KeyCode::Char(c));
        assert_eq!(
            map.action(Section::Normal, key('q')),
            Some(Action::RouteGet)
        );
        assert_eq!(
            map.action(Section::Normal, key('g')),
            None,
            "g was route-get's"
        );
        assert_eq!(map.action(Section::Normal, key('x')), Some(Action::Quit));
        assert_eq!(map.label(Action::Quit).as_deref(), Some("x"));
        // a section's keys are its own: the view's q still closes
        assert_eq!(map.action(Section::View, key('q')), Some(Action::Close));
        // the new section form does the same, and rebinding the prompt's Enter moves it
        let (map, _) = Keymap::with_user("[prompt]\naccept = [\"ctrl-j\"]").unwrap();
        let enter = press(KeyCode::Enter);
        assert_eq!(map.action(Section::Prompt, enter), None);
        assert_eq!(map.action(Section::Filter, enter), Some(Action::Accept));
    }

    #[test]
    fn a_key_given_twice_in_a_section_is_a_warning_and_both_keep_their_keys() {
        let (map, warning) =
            Keymap::with_user("up = [\"x\"]\ndown = [\"x\"]\nzoom = [\"Z\"]").unwrap();
        assert_eq!(
            warning.as_deref(),
            Some("x is bound to both up and down: both keep their keys")
        );
        let key = |c| press(KeyCode::Char(c));
        assert_eq!(map.action(Section::Normal, key('x')), None);
        assert_eq!(map.action(Section::Normal, key('k')), Some(Action::Up));
        assert_eq!(map.action(Section::Normal, key('j')), Some(Action::Down));
        assert_eq!(
            map.action(Section::Normal, key('Z')),
            Some(Action::Zoom),
            "the rest applies"
        );
        // one key in two sections is no conflict
        let (_, warning) = Keymap::with_user("[view]\ntop = [\"g\"]").unwrap();
        assert_eq!(warning, None);
    }

    #[test]
    fn required_actions_keep_a_key_and_others_left_keyless_are_said() {
        let refuse = |text: &str| Keymap::with_user(text).unwrap_err();
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
            refuse("[prompt]\nclose = []"),
            "close in [prompt] has no key left, so the file is refused"
        );
        let (map, warning) = Keymap::with_user("filter = [\"g\"]").unwrap();
        assert_eq!(warning.as_deref(), Some("route-get has no key"));
        assert_eq!(map.label(Action::RouteGet), None);
        assert_eq!(map.shown(Section::Normal, Action::RouteGet), "-");
    }
}
