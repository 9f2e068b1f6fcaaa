//! The panes of the screen.

/// The panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Interfaces,
    Rules,
    Routes,
    Events,
}

impl Pane {
    pub(super) const ALL: [Self; 4] = [Self::Interfaces, Self::Rules, Self::Routes, Self::Events];

    pub(super) fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}
