//! The routes filter applied to every shown route: parsed once per pass, matched without
//! building each route's text, and split over two threads for big states.

use std::net::IpAddr;
use std::ops::Range;

use ipnet::IpNet;

use super::RoutePos;
use crate::model::{Family, Route, RouteTable, State};
use crate::report::route_match::{Memo, RouteMatcher};

/// Below this many routes one thread filters alone (a thread costs more than it saves).
const PARALLEL_FROM: usize = 50_000;

/// A routes filter as typed: a prefix (routes covering or inside it), an address (routes
/// containing it), or text (routes whose one-line form contains it).
pub enum RouteFilter<'a> {
    /// A prefix: the routes covering it or inside it.
    Net(IpNet),
    /// An address: the routes containing it.
    Addr(IpAddr),
    /// Text: the routes whose one-line form contains it.
    Text(Box<RouteMatcher<'a>>),
}

impl<'a> RouteFilter<'a> {
    /// The filter `text` over the routes of `state`.
    pub fn new(state: &'a State, text: &'a str) -> Self {
        if let Ok(net) = text.parse::<IpNet>() {
            return Self::Net(net);
        }
        if let Ok(addr) = text.parse::<IpAddr>() {
            return Self::Addr(addr);
        }
        Self::Text(Box::new(RouteMatcher::new(state, text)))
    }

    /// Whether route `r` passes (`memo`: the text matcher's, one per thread).
    pub fn passes(&self, r: &Route, memo: &mut Memo) -> bool {
        match self {
            Self::Net(net) => net.contains(&r.dst) || r.dst.contains(net),
            Self::Addr(addr) => r.dst.contains(addr),
            Self::Text(matcher) => matcher.matches_with(r, memo),
        }
    }

    /// The positions of the routes of `tables` that pass, in order; a big list is split in two
    /// halves filtered on two threads.
    pub fn select(&self, tables: &[(&(Family, u32), &RouteTable)]) -> Vec<RoutePos> {
        let total: usize = tables.iter().map(|(_, t)| t.len()).sum();
        if total < PARALLEL_FROM {
            return self.select_range(tables, 0..total);
        }
        let half = total / 2;
        std::thread::scope(|scope| {
            let second = scope.spawn(|| self.select_range(tables, half..total));
            let mut list = self.select_range(tables, 0..half);
            match second.join() {
                Ok(rest) => list.extend(rest),
                // cannot happen (matching does not panic); if it did, the half is done here
                Err(_) => list.extend(self.select_range(tables, half..total)),
            }
            list
        })
    }

    /// The passing routes among rows `rows` of `tables` counted as one list.
    fn select_range(
        &self,
        tables: &[(&(Family, u32), &RouteTable)],
        rows: Range<usize>,
    ) -> Vec<RoutePos> {
        let mut list = Vec::new();
        let mut memo = Memo::default();
        let mut first = 0;
        for (key, table) in tables {
            let (start, end) = (first, first + table.len());
            first = end;
            let from = rows.start.max(start);
            let to = rows.end.min(end);
            if from >= to {
                continue;
            }
            list.extend(
                table
                    .iter_from(from - start)
                    .take(to - from)
                    .enumerate()
                    .filter(|(_, r)| self.passes(r, &mut memo))
                    .map(|(i, _)| (**key, from - start + i)),
            );
        }
        list
    }
}
