//! The panes of the screen, and per-pane state keyed by pane rather than by number.

use std::ops::{Index, IndexMut};

/// The panes that take focus, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Interfaces,
    Rules,
    Routes,
    /// The watch list and the selected flow's explanation (the route-get panel).
    Watch,
    Events,
}

impl Pane {
    /// Every pane in focus order, built from `PaneMap` so that a new pane cannot be left out.
    pub const ALL: [Self; 5] = PaneMap::KEYS.in_order();

    /// The pane after this one in focus order, wrapping around.
    #[must_use]
    pub fn next(self) -> Self {
        Self::ALL
            .into_iter()
            .cycle()
            .skip_while(|p| *p != self)
            .nth(1)
            .unwrap_or(self)
    }

    /// The pane before this one in focus order, wrapping around.
    #[must_use]
    pub fn prev(self) -> Self {
        Self::ALL
            .into_iter()
            .rev()
            .cycle()
            .skip_while(|p| *p != self)
            .nth(1)
            .unwrap_or(self)
    }
}

/// One value per pane; a new `Pane` variant does not compile until it has a field here.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaneMap<T> {
    pub interfaces: T,
    pub rules: T,
    pub routes: T,
    pub watch: T,
    pub events: T,
}

impl PaneMap<Pane> {
    /// Each pane stored under itself: the source of `Pane::ALL`.
    const KEYS: Self = Self {
        interfaces: Pane::Interfaces,
        rules: Pane::Rules,
        routes: Pane::Routes,
        watch: Pane::Watch,
        events: Pane::Events,
    };

    /// The values in focus order; the pattern names every field, so a new one must be listed.
    const fn in_order(self) -> [Pane; 5] {
        let Self {
            interfaces,
            rules,
            routes,
            watch,
            events,
        } = self;
        [interfaces, rules, routes, watch, events]
    }
}

impl<T> Index<Pane> for PaneMap<T> {
    type Output = T;

    fn index(&self, pane: Pane) -> &T {
        match pane {
            Pane::Interfaces => &self.interfaces,
            Pane::Rules => &self.rules,
            Pane::Routes => &self.routes,
            Pane::Watch => &self.watch,
            Pane::Events => &self.events,
        }
    }
}

impl<T> IndexMut<Pane> for PaneMap<T> {
    fn index_mut(&mut self, pane: Pane) -> &mut T {
        match pane {
            Pane::Interfaces => &mut self.interfaces,
            Pane::Rules => &mut self.rules,
            Pane::Routes => &mut self.routes,
            Pane::Watch => &mut self.watch,
            Pane::Events => &mut self.events,
        }
    }
}

/// What one pane remembers between frames.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PaneState {
    /// The selected row: an index into the rows the pane shows (after its filter).
    pub selected: usize,
    /// The pane's filter text; empty shows every row.
    pub filter: String,
}

#[cfg(test)]
mod tests {
    use super::{Pane, PaneMap};

    #[test]
    fn every_pane_is_listed_once_under_its_own_field() {
        for pane in Pane::ALL {
            assert_eq!(PaneMap::KEYS[pane], pane);
            assert_eq!(Pane::ALL.iter().filter(|p| **p == pane).count(), 1);
        }
    }

    #[test]
    fn focus_order_cycles_both_ways() {
        for pane in Pane::ALL {
            assert_eq!(pane.next().prev(), pane);
        }
        assert_eq!(Pane::Events.next(), Pane::Interfaces);
        assert_eq!(Pane::Interfaces.prev(), Pane::Events);
        assert_eq!(Pane::Routes.next(), Pane::Watch);
        assert_eq!(Pane::Watch.next(), Pane::Events);
    }
}
