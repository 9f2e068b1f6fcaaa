//! The sections of a keymap: one per kind of thing the keyboard talks to, each with the actions
//! it may bind, the ones it must keep, and what each does there (for the help).

use crate::action::Action;

/// A group of bindings: the keys of one mode, or of several modes that work alike.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, strum::IntoStaticStr, strum::EnumIter,
)]
#[strum(serialize_all = "kebab-case")]
pub enum Section {
    /// The panes (also zoomed).
    Normal,
    /// Typing a route-get query.
    Prompt,
    /// Typing a filter.
    Filter,
    /// A list to choose from: the namespace picker, the findings.
    Picker,
    /// Text to scroll: the help, a zoomed explanation.
    View,
    /// A lesson (`routescope demo NAME`): its keys come before the panes' while it is open.
    Lesson,
}

/// The normal section's actions in the order the help lists them.
const NORMAL: [Action; 25] = [
    Action::Help,
    Action::Quit,
    Action::FocusNext,
    Action::FocusPrev,
    Action::Up,
    Action::Down,
    Action::PageUp,
    Action::PageDown,
    Action::Top,
    Action::Bottom,
    Action::Filter,
    Action::RouteGet,
    Action::Open,
    Action::Remove,
    Action::NextTable,
    Action::Findings,
    Action::Namespaces,
    Action::Zoom,
    Action::Copy,
    Action::CopyCommand,
    Action::Mouse,
    Action::Close,
    Action::DefaultRules,
    Action::Nexthops,
    Action::Follow,
];

impl Section {
    /// Every section, in the order the help lists them.
    pub const ALL: [Self; 6] = [
        Self::Normal,
        Self::Prompt,
        Self::Filter,
        Self::Picker,
        Self::View,
        Self::Lesson,
    ];

    /// The section's name as a keymap file writes it (`[picker]`).
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// The section a keymap file names.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The actions this section may bind, in the order the help lists them.
    pub fn actions(self) -> &'static [Action] {
        match self {
            Self::Normal => &NORMAL,
            Self::Prompt => &[
                Action::Accept,
                Action::Complete,
                Action::HistoryPrev,
                Action::HistoryNext,
                Action::Close,
            ],
            Self::Filter => &[Action::Accept, Action::Close],
            Self::Picker => &[
                Action::Up,
                Action::Down,
                Action::Top,
                Action::Bottom,
                Action::Accept,
                Action::Close,
            ],
            Self::View => &[
                Action::Up,
                Action::Down,
                Action::PageUp,
                Action::PageDown,
                Action::Top,
                Action::Bottom,
                Action::Close,
            ],
            Self::Lesson => &[Action::NextLesson, Action::PrevLesson],
        }
    }

    /// The actions that must keep a key, or the person at the terminal could not leave, find
    /// help, or finish what they typed.
    pub fn required(self) -> &'static [Action] {
        match self {
            Self::Normal => &[Action::Quit, Action::Help],
            Self::Prompt | Self::Filter | Self::Picker => &[Action::Accept, Action::Close],
            Self::View => &[Action::Close],
            Self::Lesson => &[],
        }
    }

    /// What the section is, for the help's headings.
    pub fn heading(self) -> &'static str {
        match self {
            Self::Normal => "panes (zoomed too)",
            Self::Prompt => "typing a query",
            Self::Filter => "typing a filter",
            Self::Picker => "lists: namespaces, findings",
            Self::View => "views: this help, a zoomed explanation",
            Self::Lesson => "a lesson (routescope demo NAME), before the panes' keys",
        }
    }

    /// The normal-mode actions that open this section's modes (their keys close them again).
    pub fn opened_by(self) -> &'static [Action] {
        match self {
            Self::Normal | Self::Lesson => &[],
            Self::Prompt => &[Action::RouteGet],
            Self::Filter => &[Action::Filter],
            Self::Picker => &[Action::Namespaces, Action::Findings],
            Self::View => &[Action::Help, Action::Zoom],
        }
    }

    /// What `action` does in this section, for the help.
    pub fn describe(self, action: Action) -> &'static str {
        match (self, action) {
            (Self::Prompt, Action::Accept) => "watch the flow typed (errors show as you type)",
            (Self::Prompt, Action::Complete) => "complete a device name after iif or oif",
            (Self::Prompt, Action::Close) => "stop typing; nothing is watched",
            (Self::Filter, Action::Accept) => "apply the filter (empty: every row)",
            (Self::Filter, Action::Close) => "drop the edit; the old filter stays",
            (Self::Picker, Action::Up) => "select the entry above",
            (Self::Picker, Action::Down) => "select the entry below",
            (Self::Picker, Action::Top) => "select the first entry",
            (Self::Picker, Action::Bottom) => "select the last entry",
            (Self::Picker, Action::Accept) => {
                "namespaces: follow the one selected; findings: select its rows and watch its query"
            }
            (Self::Picker | Self::View, Action::Close) => "close (so does the key that opened it)",
            (Self::View, Action::Up) => "scroll up a line",
            (Self::View, Action::Down) => "scroll down a line",
            (Self::View, Action::PageUp) => "scroll up a page",
            (Self::View, Action::PageDown) => "scroll down a page",
            (Self::View, Action::Top) => "scroll to the top",
            (Self::View, Action::Bottom) => "scroll to the end",
            _ => action.describe(),
        }
    }
}
