//! What the user can ask for, by name: keys map to these through the keymap.

use serde::Deserialize;

/// A named action; the keymap binds keys to these and the help overlay lists them.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Deserialize,
    strum::IntoStaticStr,
    strum::EnumIter,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum Action {
    Quit,
    Help,
    FocusNext,
    FocusPrev,
    Up,
    Down,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Filter,
    RouteGet,
    Namespaces,
    NextTable,
    Findings,
    Open,
    Remove,
    Close,
}

impl Action {
    /// The action's name as a keymap file writes it (`route-get`).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// What the action does, for the help overlay.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Quit => "quit",
            Self::Help => "show or hide this help",
            Self::FocusNext => "focus the next pane",
            Self::FocusPrev => "focus the previous pane",
            Self::Up => "move up",
            Self::Down => "move down",
            Self::PageUp => "page up",
            Self::PageDown => "page down",
            Self::Top => "go to the first row",
            Self::Bottom => "go to the last row",
            Self::Filter => {
                "filter the focused pane (text, or a prefix: routes covering or inside it)"
            }
            Self::RouteGet => "watch a flow, typed as after `ip route get`",
            Self::Namespaces => "switch network namespace",
            Self::NextTable => "routes pane: next table (all tables, then each one)",
            Self::Findings => {
                "diagnosis: what is wrong, by severity, with why and the fix; Enter shows it"
            }
            Self::Open => "watch pane: whole explanation and history",
            Self::Remove => "watch pane: stop watching the selected flow",
            Self::Close => "close what is open",
        }
    }
}
