//! The routes of one table as a sorted chunked vector, with the lookups a longest-prefix match
//! needs: the routes of one prefix, in kernel order, found without searching the whole table.

use std::sync::OnceLock;

use ipnet::IpNet;

use super::fences::{Fences, Key};
use super::length_filter::LengthFilter;
use super::route::{Hop, Placement, Route, RouteKind};

/// How many routes a table has before its lookups use a `LengthFilter` (smaller ones are searched
/// quickly enough, and need not carry one).
const FILTERED: usize = 4096;

/// The most routes one chunk holds; chunks keep inserts cheap without a pointer per route, and
/// small ones keep each insert's or deletion's move of the routes after it short (~6 KiB).
const CHUNK: usize = 128;

/// A route with its insertion sequence, which orders routes of the same slot.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    seq: i64,
    route: Route,
}

impl Entry {
    /// Where the entry sorts.
    fn key(&self) -> Key {
        let (bits, len, tos, metric) = self.route.order();
        (bits, len, tos, metric, self.seq)
    }
}

/// The routes of one table, sorted (prefix, tos, metric, insertion), in chunks of at most 128.
///
/// A hand-written chunked vector rather than a `BTreeMap`: routes arrive from dumps in sorted
/// order, so chunks fill completely and a million routes cost about their own size, where a
/// `BTreeMap` filled in order leaves nodes half empty. The last key of every chunk is kept in
/// one small array (`fences`), so finding a chunk reads that array, not a route in every chunk.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    chunks: Vec<Vec<Entry>>,
    /// The key of the last entry of each chunk.
    fences: Fences,
    len: usize,
    prefix_len_counts: Vec<u32>,
    /// Which prefixes the table may hold, for tables of `FILTERED` routes or more: built by the
    /// first lookup, kept up by inserts and deletions, dropped when stale.
    filter: OnceLock<LengthFilter>,
    next_seq: i64,
    first_seq: i64,
}

/// Tables are equal when they hold the same routes in the same order, however they were built.
impl PartialEq for RouteTable {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}

impl Eq for RouteTable {}

impl RouteTable {
    /// The number of routes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the table has no routes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All routes in table order.
    pub fn iter(&self) -> impl Iterator<Item = &Route> {
        self.chunks.iter().flatten().map(|e| &e.route)
    }

    /// The routes from position `n` on, skipping whole chunks (cheap for windows into big tables).
    pub fn iter_from(&self, mut n: usize) -> impl Iterator<Item = &Route> {
        let mut first = 0;
        while first < self.chunks.len() && n >= self.chunks[first].len() {
            n -= self.chunks[first].len();
            first += 1;
        }
        self.chunks[first..]
            .iter()
            .flatten()
            .skip(n)
            .map(|e| &e.route)
    }

    /// The prefix lengths present, longest first, for longest-prefix matching.
    pub fn prefix_lens(&self) -> impl Iterator<Item = u8> + '_ {
        (0..self.prefix_len_counts.len())
            .rev()
            .filter(|&len| self.prefix_len_counts[len] > 0)
            .map(|len| u8::try_from(len).unwrap_or(u8::MAX))
    }

    /// The routes of exactly this prefix, in kernel order.
    pub fn routes_for(&self, dst: IpNet) -> impl Iterator<Item = &Route> {
        let dst = dst.trunc();
        let held = self.len < FILTERED
            || self
                .filter
                .get_or_init(|| {
                    LengthFilter::new(&self.prefix_len_counts, self.iter().map(|r| &r.dst))
                })
                .may_hold(dst);
        let (ci, i) = if held {
            self.prefix_start(dst, true)
        } else {
            (self.chunks.len(), 0)
        };
        self.chunks
            .get(ci..)
            .unwrap_or_default()
            .iter()
            .enumerate()
            .flat_map(move |(n, c)| c.get(if n == 0 { i } else { 0 }..).unwrap_or_default())
            .map(|e| &e.route)
            .take_while(move |r| r.dst == dst)
    }

    /// Appends a route after the routes of its slot, as a dump lists them.
    pub fn push(&mut self, route: Route) {
        self.insert(route, Placement::Last);
    }

    /// Inserts a route, or replaces the first of its slot with `Placement::Replace`.
    pub fn insert(&mut self, route: Route, placement: Placement) {
        if placement == Placement::Replace {
            if let Some((ci, i)) = self.locate(route.dst, |r| r.same_slot(&route)) {
                self.chunks[ci][i].route = route;
                return;
            }
        }
        let entry = self.entry(route, placement);
        let key = entry.key();
        // the first chunk whose last key is greater (none: the entry goes last, as in a dump)
        let ci = self.fences.keys().partition_point(|f| *f < key);
        let i = self.search_chunk(ci, key.0, |e| e.key() < key);
        self.insert_at(ci, i, entry);
    }

    /// Applies a route as a notification brings it: overwrites the route it names in place if
    /// present (whatever the placement), else inserts it like `insert`. One search of the table,
    /// where `update` then `insert` make two.
    pub fn upsert(&mut self, route: Route, placement: Placement) {
        let (ci, i) = self.prefix_start(route.dst, false);
        let run = || self.positions_from(ci, i, route.dst);
        let route_at = |(c, j): (usize, usize)| &self.chunks[c][j].route;
        let found = run()
            .find(|&at| route_at(at).same_route(&route))
            .or_else(|| {
                (placement == Placement::Replace)
                    .then(|| run().find(|&at| route_at(at).same_slot(&route)))?
            });
        // a new route goes after the routes of its slot (before them with `First`)
        let order = route.order();
        let after = |at| match placement {
            Placement::First => route_at(at).order() >= order,
            Placement::Last | Placement::Replace => route_at(at).order() > order,
        };
        let place = run()
            .find(|&at| after(at))
            .or_else(|| run().last().map(|(c, j)| (c, j + 1)))
            .unwrap_or((ci, i));
        if let Some((c, j)) = found {
            self.chunks[c][j].route = route;
            return;
        }
        let entry = self.entry(route, placement);
        self.insert_at(place.0, place.1, entry);
    }

    /// A new entry for `route` with the sequence its placement gives, counted in.
    fn entry(&mut self, route: Route, placement: Placement) -> Entry {
        let seq = if placement == Placement::First {
            self.first_seq -= 1;
            self.first_seq
        } else {
            self.next_seq += 1;
            self.next_seq
        };
        self.count(&route, true);
        self.len += 1;
        Entry { seq, route }
    }

    /// The positions of the routes of prefix `dst`, from `(ci, i)` (its first) on.
    fn positions_from(
        &self,
        mut ci: usize,
        mut i: usize,
        dst: IpNet,
    ) -> impl Iterator<Item = (usize, usize)> + '_ {
        let dst = dst.trunc();
        std::iter::from_fn(move || {
            if self.chunks.get(ci).is_some_and(|c| i == c.len()) {
                (ci, i) = (ci + 1, 0);
            }
            let entry = self.chunks.get(ci)?.get(i)?;
            (entry.route.dst == dst).then(|| {
                i += 1;
                (ci, i - 1)
            })
        })
    }

    /// Puts `entry` at position `i` of chunk `ci` (`i` may be the chunk's length: after its last
    /// entry; `ci` may be the number of chunks: after every entry), splitting a full chunk first
    /// so no chunk grows past its capacity, and keeping the fences.
    fn insert_at(&mut self, mut ci: usize, mut i: usize, entry: Entry) {
        let key = entry.key();
        if ci == self.chunks.len() {
            match self.chunks.last() {
                // a table that filled a chunk is large: allocate whole chunks, since growing
                // each by doubling leaves the freed halves scattered through the heap
                Some(last) if last.len() >= CHUNK => {
                    let mut chunk = Vec::with_capacity(CHUNK);
                    chunk.push(entry);
                    self.chunks.push(chunk);
                    self.fences.push(key);
                    return;
                }
                Some(last) => (ci, i) = (ci - 1, last.len()),
                None => {
                    self.chunks.push(vec![entry]);
                    self.fences.push(key);
                    return;
                }
            }
        }
        if self.chunks[ci].len() >= CHUNK {
            let tail = self.chunks[ci].split_off(CHUNK / 2);
            self.chunks.insert(ci + 1, tail);
            self.fences.insert(ci + 1, self.fences.get(ci));
            let last = self.chunks[ci]
                .last()
                .map_or(self.fences.get(ci), Entry::key);
            self.fences.set(ci, last);
            if i > CHUNK / 2 {
                (ci, i) = (ci + 1, i - CHUNK / 2);
            }
        }
        let chunk = &mut self.chunks[ci];
        chunk.insert(i, entry);
        if i + 1 == chunk.len() {
            self.fences.set(ci, key);
        }
    }

    /// Overwrites the route that `route` names, if present (keeping its place); true if it was.
    pub fn update(&mut self, route: &Route) -> bool {
        let Some((ci, i)) = self.locate(route.dst, |r| r.same_route(route)) else {
            return false;
        };
        self.chunks[ci][i].route = route.clone();
        true
    }

    /// Removes the route the record names, if present; nothing else, so a repeated deletion
    /// (a notification replayed after a re-read) cannot take a sibling of the same slot.
    pub fn remove(&mut self, route: &Route) -> Option<Route> {
        let found = self.locate(route.dst, |r| r.same_route(route))?;
        Some(self.remove_at(found))
    }

    /// Removes the one nexthop of `sibling` from the multipath route of its slot and type that
    /// has it, keeping that route's place; true if one had it. A route through a nexthop object
    /// is never a sibling (`rt6_qualify_for_ecmp`), so its deletion takes no nexthop from another.
    pub fn remove_sibling(&mut self, sibling: &Route) -> bool {
        let [hop] = sibling.hops.as_slice() else {
            return false;
        };
        if sibling.nhid != 0 {
            return false;
        }
        let has = |r: &Route| {
            r.same_slot(sibling)
                && r.kind == sibling.kind
                && r.nhid == 0
                && r.hops.as_slice().len() > 1
                && r.hops.as_slice().iter().any(|h| h.via(hop))
        };
        let Some((ci, i)) = self.locate(sibling.dst, has) else {
            return false;
        };
        let route = &mut self.chunks[ci][i].route;
        let rest = route.hops.as_slice().iter().filter(|h| !h.via(hop));
        route.hops = Hop::from_vec(rest.copied().collect());
        true
    }

    /// Keeps only the routes for which `keep` is true; returns how many were removed.
    pub fn retain(&mut self, mut keep: impl FnMut(&Route) -> bool) -> usize {
        let before = self.len;
        for chunk in &mut self.chunks {
            chunk.retain(|e| {
                let kept = keep(&e.route);
                if !kept {
                    let len = usize::from(e.route.dst.prefix_len());
                    self.prefix_len_counts[len] -= 1;
                }
                kept
            });
        }
        self.chunks.retain(|c| !c.is_empty());
        self.filter = OnceLock::new();
        self.fences = Fences::from_keys(
            self.chunks
                .iter()
                .filter_map(|c| c.last().map(Entry::key))
                .collect(),
        );
        self.len = self.chunks.iter().map(Vec::len).sum();
        before - self.len
    }

    fn count(&mut self, route: &Route, add: bool) {
        let len = usize::from(route.dst.prefix_len());
        if self.prefix_len_counts.len() <= len {
            self.prefix_len_counts.resize(len + 1, 0);
        }
        if add {
            self.prefix_len_counts[len] += 1;
        } else {
            self.prefix_len_counts[len] -= 1;
        }
        if let Some(filter) = self.filter.get_mut() {
            let kept = if add {
                filter.add(route.dst)
            } else {
                filter.remove()
            };
            if !kept {
                self.filter = OnceLock::new();
            }
        }
    }

    /// The (chunk, index) of the first route of prefix `dst`, or where it would go. A lookup
    /// (`directed`) finds the chunk through the fences' directory; a change searches the fences
    /// plainly, since building the directory for it would be undone by the change itself.
    fn prefix_start(&self, dst: IpNet, directed: bool) -> (usize, usize) {
        let probe = Route::new(0, dst, RouteKind::Unspec).order();
        let probe = (probe.0, probe.1);
        let ci = if directed {
            self.fences.chunk_of(probe)
        } else {
            self.fences.keys().partition_point(|f| (f.0, f.1) < probe)
        };
        let i = self.search_chunk(ci, probe.0, |e| {
            let o = e.route.order();
            (o.0, o.1) < probe
        });
        (ci, i)
    }

    /// The partition point of `before` in chunk `ci` (0 if there is no such chunk), for an entry
    /// whose address bits are `bits`. It starts where `bits` falls between the previous chunk's
    /// last address and this chunk's, then gallops: a table's addresses are spread evenly
    /// enough that it reads two or three routes where bisecting 128 reads seven, and in a big
    /// table each read is a cache miss.
    fn search_chunk(&self, ci: usize, bits: u128, before: impl Fn(&Entry) -> bool) -> usize {
        let Some(chunk) = self.chunks.get(ci) else {
            return 0;
        };
        let n = chunk.len();
        let low = ci.checked_sub(1).map_or(0, |p| self.fences.get(p).0);
        let high = self.fences.get(ci).0;
        let span = high.saturating_sub(low);
        // keep 56 bits of the span, so the product below fits in 64
        let shift = (128 - span.leading_zeros()).saturating_sub(56);
        let part = |x: u128| u64::try_from(x >> shift).unwrap_or(u64::MAX);
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        let guess = match part(span) {
            0 => 0,
            whole => part(bits.saturating_sub(low).min(span)) * n64 / whole,
        };
        let g = usize::try_from(guess).unwrap_or(n).min(n.saturating_sub(1));
        let mut step = 1;
        let (lo, hi) = if before(&chunk[g]) {
            // the answer is after g: double the stride until an entry is not before
            let mut lo = g + 1;
            while lo + step - 1 < n && before(&chunk[lo + step - 1]) {
                lo += step;
                step *= 2;
            }
            (lo, (lo + step - 1).min(n))
        } else {
            // the answer is g or before it: double the stride back until an entry is before
            let mut hi = g;
            while hi >= step && !before(&chunk[hi - step]) {
                hi -= step;
                step *= 2;
            }
            (hi.saturating_sub(step), hi)
        };
        lo + chunk[lo..hi].partition_point(before)
    }

    /// The position of the first route of prefix `dst` for which `want` holds.
    fn locate(&self, dst: IpNet, want: impl Fn(&Route) -> bool) -> Option<(usize, usize)> {
        let dst = dst.trunc();
        let (mut ci, mut i) = self.prefix_start(dst, false);
        while let Some(entry) = self.chunks.get(ci).and_then(|c| c.get(i)) {
            if entry.route.dst != dst {
                return None;
            }
            if want(&entry.route) {
                return Some((ci, i));
            }
            i += 1;
            if i == self.chunks[ci].len() {
                (ci, i) = (ci + 1, 0);
            }
        }
        None
    }

    fn remove_at(&mut self, (ci, i): (usize, usize)) -> Route {
        let entry = self.chunks[ci].remove(i);
        match self.chunks[ci].last() {
            None => {
                self.chunks.remove(ci);
                self.fences.remove(ci);
            }
            Some(last) => self.fences.set(ci, last.key()),
        }
        self.len -= 1;
        self.count(&entry.route, false);
        entry.route
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::model::{NextHop, RouteFlags};

    fn route(dst: &str, metric: u32, dev: u32) -> Route {
        let mut r = Route::new(254, dst.parse().unwrap(), RouteKind::Unicast);
        r.metric = metric;
        r.hops = Hop::One(NextHop {
            dev,
            gateway: None,
            weight: 1,
            flags: RouteFlags::default(),
        });
        r
    }

    fn dsts(t: &RouteTable) -> Vec<String> {
        t.iter()
            .map(|r| format!("{}:{}:{}", r.dst, r.metric, r.dev()))
            .collect()
    }

    #[test]
    fn keeps_prefix_order_longest_first_then_metric_then_placement() {
        let mut t = RouteTable::default();
        t.push(route("10.0.0.0/8", 0, 1));
        t.push(route("10.0.0.0/24", 5, 1));
        t.push(route("10.0.0.0/24", 1, 1));
        t.insert(route("10.0.0.0/24", 1, 2), Placement::First);
        t.insert(route("10.0.0.0/24", 1, 3), Placement::Last);
        assert_eq!(
            dsts(&t),
            [
                "10.0.0.0/24:1:2",
                "10.0.0.0/24:1:1",
                "10.0.0.0/24:1:3",
                "10.0.0.0/24:5:1",
                "10.0.0.0/8:0:1"
            ]
        );
        assert_eq!(t.prefix_lens().collect::<Vec<_>>(), [24, 8]);
        assert_eq!(t.routes_for("10.0.0.0/24".parse().unwrap()).count(), 4);
        t.insert(route("10.0.0.0/24", 1, 9), Placement::Replace);
        assert_eq!(dsts(&t)[0], "10.0.0.0/24:1:9");
        assert!(t.remove(&route("10.0.0.0/24", 5, 1)).is_some());
        assert!(t.remove(&route("10.0.0.0/24", 5, 1)).is_none());
        assert_eq!(t.len(), 4);
    }

    #[test]
    fn chunks_split_and_stay_sorted_under_random_inserts() {
        let mut t = RouteTable::default();
        let mut x: u32 = 12345;
        let mut expected = Vec::new();
        for _ in 0..5000 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
            let net = IpNet::new(IpAddr::V4((x & 0xffff_ff00).into()), 24).unwrap();
            if !expected.contains(&net) {
                expected.push(net);
                t.push(route(&net.to_string(), 0, 1));
            }
        }
        expected.sort_by_key(|n| {
            u32::from(match n.addr() {
                IpAddr::V4(a) => a,
                IpAddr::V6(_) => unreachable!(),
            })
        });
        assert_eq!(t.iter().map(|r| r.dst).collect::<Vec<_>>(), expected);
        fences_hold(&t);
        // the length filter, built by the first lookup, follows routes added after it
        assert_eq!(t.routes_for(expected[0]).count(), 1);
        let late = route("10.99.0.0/25", 0, 1);
        t.push(late.clone());
        assert_eq!(t.routes_for(late.dst).count(), 1, "a new length");
        t.push(route("10.99.1.0/24", 0, 1));
        assert_eq!(t.routes_for("10.99.1.0/24".parse().unwrap()).count(), 1);
        t.remove(&late).unwrap();
        t.remove(&route("10.99.1.0/24", 0, 1)).unwrap();
        for net in &expected[..expected.len() / 2] {
            assert_eq!(t.routes_for(*net).count(), 1, "{net}");
            t.remove(&route(&net.to_string(), 0, 1)).unwrap();
            t.insert(route(&net.to_string(), 7, 2), Placement::First);
            t.remove(&route(&net.to_string(), 7, 2)).unwrap();
        }
        fences_hold(&t);
        assert_eq!(t.len(), expected.len() - expected.len() / 2);
        assert_eq!(
            t.retain(|r| r.dst.addr() < expected[expected.len() - 1].addr()),
            1
        );
        fences_hold(&t);
    }

    /// `upsert` does what `update` and, failing that, `insert` did, whatever the placement, on
    /// routes sharing prefixes, slots and chunk boundaries.
    #[test]
    fn lookups_build_the_fence_directory_and_changes_do_not() {
        let mut t = RouteTable::default();
        for k in 0..10_000u32 {
            let a = IpAddr::V4((0x0a00_0000 + (k << 8)).into());
            t.push(route(&IpNet::new(a, 24).unwrap().to_string(), 0, 1));
        }
        assert!(!t.fences.directed());
        assert_eq!(t.routes_for("10.0.7.0/24".parse().unwrap()).count(), 1);
        assert!(t.fences.directed(), "a lookup of a big table builds it");
        // a change that moves a fence drops it, and further changes search without it: a
        // storm of changes must not rebuild it once per change
        for k in 0..200u32 {
            let a = IpAddr::V4((0x0a00_0080 + (k << 8) * 50).into());
            t.upsert(
                route(&IpNet::new(a, 25).unwrap().to_string(), 0, 1),
                Placement::Last,
            );
            assert!(!t.fences.directed(), "change {k} built the directory");
        }
        fences_hold(&t);
        assert_eq!(t.routes_for("10.0.50.128/25".parse().unwrap()).count(), 1);
        assert!(t.fences.directed());
    }

    #[test]
    fn upsert_is_update_or_insert() {
        let (mut one, mut two) = (RouteTable::default(), RouteTable::default());
        let mut x: u64 = 99;
        let mut pick = |n: u64| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            (x >> 33) % n
        };
        for _ in 0..20_000 {
            let net = format!("10.{}.{}.0/24", pick(3), pick(200));
            let metric = u32::try_from(pick(3)).unwrap();
            let mut r = route(&net, metric, u32::try_from(pick(3)).unwrap());
            r.tos = [0, 4][usize::try_from(pick(2)).unwrap()];
            let placement = [Placement::First, Placement::Last, Placement::Replace]
                [usize::try_from(pick(3)).unwrap()];
            if pick(4) == 0 {
                assert_eq!(one.remove(&r), two.remove(&r));
                continue;
            }
            one.upsert(r.clone(), placement);
            if !two.update(&r) {
                two.insert(r, placement);
            }
        }
        assert_eq!(one, two);
        assert!(one.len() > 500, "the tables grew past a few chunks");
        fences_hold(&one);
    }

    /// IPv6 prefixes far apart and close together: every one is found where it was put.
    #[test]
    fn ipv6_prefixes_are_found_across_the_whole_space() {
        let mut t = RouteTable::default();
        let mut x: u64 = 5;
        let mut nets = Vec::new();
        for k in 0..3000u32 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            // half spread over 2000::/3, half crowded into one /32
            let high = if k % 2 == 0 {
                0x2000 | (x >> 52)
            } else {
                0x2a00
            };
            let addr = (u128::from(high) << 112) | (u128::from(x >> 16) << 64);
            let net = IpNet::new(IpAddr::V6(addr.into()), [32, 48][(k % 4 / 2) as usize])
                .unwrap()
                .trunc();
            if !nets.contains(&net) {
                nets.push(net);
                t.push(route(&net.to_string(), 0, 1));
            }
        }
        fences_hold(&t);
        for net in &nets {
            assert_eq!(t.routes_for(*net).count(), 1, "{net}");
        }
    }

    /// Every chunk is sorted, within its capacity, and its fence is its last key.
    fn fences_hold(t: &RouteTable) {
        assert_eq!(t.fences.keys().len(), t.chunks.len());
        for (chunk, fence) in t.chunks.iter().zip(t.fences.keys()) {
            assert!(!chunk.is_empty() && chunk.len() <= CHUNK);
            assert!(chunk.windows(2).all(|w| w[0].key() < w[1].key()));
            assert_eq!(chunk.last().map(Entry::key), Some(*fence));
        }
        assert!(t.fences.keys().windows(2).all(|w| w[0] < w[1]));
    }
}
