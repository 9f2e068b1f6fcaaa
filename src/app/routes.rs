//! The routes pane's rows: every table or one, filtered through a cache so that a filter over a
//! million routes costs one pass per change, and drawn as a window.

use super::route_filter::RouteFilter;
use super::{App, FilterKey, Pane};
use crate::model::{Family, Route, RouteTable};

impl App {
    /// The number of routes the routes pane shows.
    pub fn route_count(&self) -> usize {
        if self.filter(Pane::Routes).is_empty() {
            self.shown_tables().map(|(_, t)| t.len()).sum()
        } else {
            self.filtered_routes().map_or(0, <[_]>::len)
        }
    }

    /// The routes from row `start` of the routes pane, at most `count` (only these are built).
    pub fn route_window(&self, start: usize, count: usize) -> Vec<Route> {
        if !self.filter(Pane::Routes).is_empty() {
            let Some(list) = self.filtered_routes() else {
                return Vec::new();
            };
            return list
                .iter()
                .skip(start)
                .take(count)
                .filter_map(|(key, i)| {
                    self.state
                        .tables
                        .get(key)
                        .and_then(|t| t.iter_from(*i).next())
                })
                .collect();
        }
        let mut skip = start;
        let mut out = Vec::with_capacity(count);
        for (_, table) in self.shown_tables() {
            if skip >= table.len() {
                skip -= table.len();
                continue;
            }
            out.extend(table.iter_from(skip).take(count - out.len()));
            skip = 0;
            if out.len() == count {
                break;
            }
        }
        out
    }

    /// The cached filter result, when a filter is set and the cache is current.
    fn filtered_routes(&self) -> Option<&[((Family, u32), usize)]> {
        if self.filter(Pane::Routes).is_empty() {
            return None;
        }
        // throttled, a list built for an older state stands in until the next refresh
        self.filtered
            .as_ref()
            .filter(|(key, _, _)| *key == self.filter_key())
            .map(|(_, _, list)| list.as_slice())
    }

    /// What the filtered route list depends on now.
    fn filter_key(&self) -> FilterKey {
        (self.filter(Pane::Routes).to_owned(), self.routes_table())
    }

    /// Rebuilds the filtered route list if the filter or the table changed, or the state did and
    /// `state_too`; `update` calls it once per message (a feed burst is one), so a million routes
    /// cost one pass per change (throttled: per refresh).
    pub(super) fn refresh(&mut self, state_too: bool) {
        if self.filter(Pane::Routes).is_empty()
            || self.filtered.as_ref().is_some_and(|(k, generation, _)| {
                *k == self.filter_key() && (*generation == self.generation || !state_too)
            })
        {
            return;
        }
        let tables: Vec<_> = self.shown_tables().collect();
        let list = RouteFilter::new(&self.state, self.filter(Pane::Routes)).select(&tables);
        self.filtered = Some((self.filter_key(), self.generation, list));
    }

    /// Whether the diagnosis or the routes filter is behind the state (only while throttled).
    pub fn stale(&self) -> bool {
        let filter_behind = !self.filter(Pane::Routes).is_empty()
            && self
                .filtered
                .as_ref()
                .is_none_or(|(_, generation, _)| *generation != self.generation);
        let users_behind = matches!(self.routes_view, super::RoutesView::Nexthops { .. })
            && self.nexthop_users.0 != self.generation;
        self.findings.0 != self.generation || filter_behind || users_behind
    }

    /// The routes each family's first dump has read so far, while the first state is loading
    /// (`None` once it is in, and for a snapshot).
    pub fn loading(&self) -> Option<(usize, usize)> {
        (!self.loaded).then_some(self.loading)
    }

    /// The tables the routes pane draws from.
    pub(super) fn shown_tables(&self) -> impl Iterator<Item = (&(Family, u32), &RouteTable)> {
        let only = self.routes_table();
        self.state
            .tables
            .iter()
            .filter(move |(k, _)| only.is_none_or(|o| o == **k))
    }
}
