//! The routes pane's rows: every table or one, filtered through a cache so that a filter over a
//! million routes costs one pass per change, and drawn as a window.

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
    pub fn route_window(&self, start: usize, count: usize) -> Vec<&Route> {
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
        self.filtered
            .as_ref()
            .filter(|(key, _)| *key == self.filter_key())
            .map(|(_, list)| list.as_slice())
    }

    /// What the filtered route list depends on now.
    fn filter_key(&self) -> FilterKey {
        (
            self.filter(Pane::Routes).to_owned(),
            self.routes_table(),
            self.generation,
        )
    }

    /// Rebuilds the filtered route list if the filter, the table or the state changed; `update`
    /// calls it once per message (a feed burst is one), so a million routes cost one pass per change.
    pub(super) fn refresh(&mut self) {
        if self.filter(Pane::Routes).is_empty()
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
    pub(super) fn shown_tables(&self) -> impl Iterator<Item = (&(Family, u32), &RouteTable)> {
        let only = self.routes_table();
        self.state
            .tables
            .iter()
            .filter(move |(k, _)| only.is_none_or(|o| o == **k))
    }

    /// Whether a route passes the routes filter: a prefix covering or inside it, or text.
    fn route_passes(&self, r: &Route) -> bool {
        let filter = self.filter(Pane::Routes);
        if let Ok(net) = filter.parse::<ipnet::IpNet>() {
            return net.contains(&r.dst) || r.dst.contains(&net);
        }
        if let Ok(addr) = filter.parse::<std::net::IpAddr>() {
            return r.dst.contains(&addr);
        }
        crate::report::text::route_line(&self.state, r).contains(filter)
    }
}
