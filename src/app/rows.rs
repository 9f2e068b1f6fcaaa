//! What each pane shows: its rows, filtered, and the routes pane's cached filter.

use super::{App, FilterKey, Pane};
use crate::model::{Family, Route};

impl App {
    /// How many rows a pane has with its filter applied.
    pub fn row_count(&self, pane: Pane) -> usize {
        match pane {
            Pane::Interfaces => self.state.links.len(),
            Pane::Rules => self.visible_rules().len(),
            Pane::Routes => self.route_count(),
            Pane::Events => self.log.len(),
        }
    }

    /// The table the routes pane shows: the selected rule's while the rules pane has focus.
    pub fn routes_table(&self) -> Option<(Family, u32)> {
        if self.focus == Pane::Rules {
            let rules = self.visible_rules();
            if let Some(rule) = rules.get(self.panes[Pane::Rules].selected) {
                return Some((rule.family, rule.table));
            }
        }
        self.table
    }

    /// The rules shown (IPv4 then IPv6) with the filter applied.
    pub fn visible_rules(&self) -> Vec<&crate::model::Rule> {
        let filter = &self.panes[Pane::Rules].filter;
        self.state
            .rules
            .iter()
            .filter(|r| {
                filter.is_empty()
                    || r.selector_text(&self.state.table_names.name(r.table))
                        .contains(filter.as_str())
            })
            .collect()
    }

    /// The number of routes in the routes pane.
    pub fn route_count(&self) -> usize {
        match self.filtered_routes() {
            Some(list) => list.len(),
            None => self.shown_tables().map(|(_, t)| t.len()).sum(),
        }
    }

    /// The cached filter result, when a filter is set and the cache is current.
    fn filtered_routes(&self) -> Option<&[((Family, u32), usize)]> {
        if self.panes[Pane::Routes].filter.is_empty() {
            return None;
        }
        self.filtered
            .as_ref()
            .filter(|(key, _)| *key == self.filter_key())
            .map(|(_, list)| list.as_slice())
    }

    /// What the filtered route list depends on now.
    fn filter_key(&self) -> FilterKey {
        (
            self.panes[Pane::Routes].filter.clone(),
            self.routes_table(),
            self.generation,
        )
    }

    /// Rebuilds the filtered route list if the filter, the table or the state changed; `update`
    /// calls it once per message (a feed burst is one), so a million routes cost one pass per change.
    pub(super) fn refresh(&mut self) {
        if self.panes[Pane::Routes].filter.is_empty()
            || self
                .filtered
                .as_ref()
                .is_some_and(|(k, _)| *k == self.filter_key())
        {
            return;
        }
        let list: Vec<((Family, u32), usize)> = self
            .shown_tables()
            .flat_map(|(key, t)| t.iter().enumerate().map(move |(i, r)| (*key, i, r)))
            .filter(|(_, _, r)| self.route_passes(r))
            .map(|(key, i, _)| (key, i))
            .collect();
        self.filtered = Some((self.filter_key(), list));
    }

    /// The tables the routes pane draws from.
    fn shown_tables(&self) -> impl Iterator<Item = (&(Family, u32), &crate::model::RouteTable)> {
        let only = self.routes_table();
        self.state
            .tables
            .iter()
            .filter(move |(k, _)| only.is_none_or(|o| o == **k))
    }

    /// Whether a route passes the routes filter: a prefix covering or inside it, or text.
    fn route_passes(&self, r: &Route) -> bool {
        let filter = self.panes[Pane::Routes].filter.as_str();
        if let Ok(net) = filter.parse::<ipnet::IpNet>() {
            return net.contains(&r.dst) || r.dst.contains(&net);
        }
        if let Ok(addr) = filter.parse::<std::net::IpAddr>() {
            return r.dst.contains(&addr);
        }
        crate::report::text::route_line(&self.state, r).contains(filter)
    }

    /// The routes from row `start`, at most `count` (only these are ever built for drawing).
    pub fn route_window(&self, start: usize, count: usize) -> Vec<&Route> {
        if !self.panes[Pane::Routes].filter.is_empty() {
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
}
