//! What the panes and the run loop may read; only `update` writes.

use std::collections::VecDeque;

use super::{App, LogEntry, Mode, Pane, Watched, Zoom};
use crate::keymap::Keymap;
use crate::model::State;
use crate::net::NetnsInfo;

impl App {
    /// The routing state shown.
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The namespace followed: its label, its state key, how it was named.
    pub fn namespace(&self) -> &NetnsInfo {
        &self.namespace
    }

    /// Whether the state was read from a snapshot file (no kernel, no namespaces).
    pub fn is_snapshot(&self) -> bool {
        self.snapshot
    }

    /// The key bindings, for the help overlay and the hints.
    pub fn keymap(&self) -> &Keymap {
        &self.keymap
    }

    /// The pane with focus.
    pub fn focus(&self) -> Pane {
        self.focus
    }

    /// What the keyboard is talking to.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// Whether the focused pane fills the screen.
    pub fn is_zoomed(&self) -> bool {
        self.zoom != Zoom::Off
    }

    /// Whether the terminal's mouse capture is on (off: the terminal selects text).
    pub fn mouse_capture(&self) -> bool {
        self.mouse_capture
    }

    /// The selected row of `pane`: an index into the rows it shows.
    pub fn selected(&self, pane: Pane) -> usize {
        self.panes[pane].selected
    }

    /// The filter of `pane` (empty: none).
    pub fn filter(&self, pane: Pane) -> &str {
        &self.panes[pane].filter
    }

    /// The event log, oldest first.
    pub fn log(&self) -> &VecDeque<LogEntry> {
        &self.log
    }

    /// The watched flow selected in the watch pane: the one the route-get panel explains.
    pub fn pinned(&self) -> Option<&Watched> {
        self.watch.get(self.panes[Pane::Watch].selected)
    }

    /// The watch list.
    pub fn watch(&self) -> &crate::watch::WatchList {
        &self.watch
    }

    /// Why the query being typed does not parse.
    pub fn prompt_error(&self) -> Option<&str> {
        self.prompt_error.as_deref()
    }

    /// How often the feed re-read the state.
    pub fn resyncs(&self) -> usize {
        self.resyncs
    }

    /// How many feed messages could not be understood.
    pub fn parse_errors(&self) -> usize {
        self.parse_errors
    }

    /// The notice on the status line.
    pub fn notice(&self) -> Option<&str> {
        self.notice.as_deref()
    }

    /// Whether the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }
}
