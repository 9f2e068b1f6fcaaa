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
    Zoom,
    Copy,
    CopyCommand,
    Mouse,
    Accept,
    Complete,
    HistoryPrev,
    HistoryNext,
    DefaultRules,
    Nexthops,
    Follow,
    NextLesson,
    PrevLesson,
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
                "diagnosis: what is wrong, by severity, with why and the fix (see lists below)"
            }
            Self::Open => "watch pane: the whole explanation and history, full screen",
            Self::Remove => "watch pane: stop watching the selected flow",
            Self::Close => {
                "close what is open; else clear the focused pane's filter and the notice"
            }
            Self::Zoom => "zoom: the focused pane full screen, and back",
            Self::Copy => {
                "copy the selected row (in the watch pane: the whole explanation) to the \
                 clipboard, through the terminal (OSC 52, works over SSH)"
            }
            Self::CopyCommand => {
                "copy the ip command for the selection: ip route get (watch), ip rule add, \
                 ip route add, ip addr add (interfaces)"
            }
            Self::Mouse => "mouse capture off (the terminal selects text) or on again",
            Self::Accept => "accept what was typed or chosen",
            Self::Complete => "complete a device name",
            Self::HistoryPrev => "the previous query typed",
            Self::HistoryNext => "the next query typed",
            Self::DefaultRules => "rules pane: next default rule (0, 32766, 32767; each family)",
            Self::Nexthops => "routes pane: nexthop objects and what uses them, or routes",
            Self::Follow => "routes pane: a route to its nexthop, a nexthop to its device",
            Self::NextLesson => "the next step of the lesson",
            Self::PrevLesson => "the step before in the lesson",
        }
    }
}
