//! What each pane shows: one function per pane gives its rows, and render, the detail lines and
//! the selection all use it, so a selection is always an index into the rows on screen.

use std::ops::Range;

use super::{App, LogEntry, Pane};
use crate::model::{Family, Link, Route, Rule};

impl App {
    /// How many rows `pane` shows with its filter applied.
    pub fn row_count(&self, pane: Pane) -> usize {
        match pane {
            Pane::Interfaces => self.visible_links().count(),
            Pane::Rules => self.visible_rules().count(),
            Pane::Routes => match self.routes_view {
                super::RoutesView::Routes => self.route_count(),
                super::RoutesView::Nexthops { .. } => self.visible_nexthops().count(),
            },
            Pane::Watch => self.watch.len(),
            Pane::Events => self.visible_events().count(),
        }
    }

    /// The rows of `pane` to draw in `height` lines: a window that keeps the selection in view,
    /// or the newest entries for the event log without focus.
    pub fn window(&self, pane: Pane, height: usize) -> Range<usize> {
        let rows = self.row_count(pane);
        let start = if pane == Pane::Events && self.focus != Pane::Events {
            rows.saturating_sub(height)
        } else {
            self.selected(pane).saturating_sub(height.saturating_sub(1))
        }
        .min(rows);
        start..start.saturating_add(height).min(rows)
    }

    /// The links the interfaces pane shows: those whose name (as shown) contains its filter.
    pub fn visible_links(&self) -> impl Iterator<Item = &Link> {
        let filter = self.filter(Pane::Interfaces);
        self.state
            .links
            .values()
            .filter(move |l| l.name.to_string().contains(filter))
    }

    /// The rules the rules pane shows (IPv4 then IPv6): those whose text contains its filter.
    pub fn visible_rules(&self) -> impl Iterator<Item = &Rule> {
        let filter = self.filter(Pane::Rules);
        self.state.rules.iter().filter(move |r| {
            filter.is_empty()
                || r.selector_text(&self.state.table_names.name(r.table))
                    .contains(filter)
        })
    }

    /// The log entries the events pane shows, oldest first: those whose line or author contains
    /// its filter.
    pub fn visible_events(&self) -> impl Iterator<Item = &LogEntry> {
        let filter = self.filter(Pane::Events);
        self.log.iter().filter(move |e| {
            e.line.contains(filter) || e.who.as_deref().is_some_and(|w| w.contains(filter))
        })
    }

    /// The selected link of the interfaces pane.
    pub fn selected_link(&self) -> Option<&Link> {
        self.visible_links().nth(self.selected(Pane::Interfaces))
    }

    /// The selected rule of the rules pane.
    pub fn selected_rule(&self) -> Option<&Rule> {
        self.visible_rules().nth(self.selected(Pane::Rules))
    }

    /// The selected route of the routes pane (none while it lists nexthop objects).
    pub fn selected_route(&self) -> Option<Route> {
        if self.routes_view != super::RoutesView::Routes {
            return None;
        }
        self.route_window(self.selected(Pane::Routes), 1)
            .into_iter()
            .next()
    }

    /// The table the routes pane shows: the selected rule's while the rules pane has focus.
    pub fn routes_table(&self) -> Option<(Family, u32)> {
        if self.focus == Pane::Rules {
            if let Some(rule) = self.selected_rule() {
                return Some((rule.family, rule.table));
            }
        }
        self.table
    }

    /// Puts the selection of `pane` back on a row that exists, if its rows went away.
    pub(super) fn clamp(&mut self, pane: Pane) {
        let last = self.row_count(pane).saturating_sub(1);
        let selected = &mut self.panes[pane].selected;
        *selected = (*selected).min(last);
    }
}
