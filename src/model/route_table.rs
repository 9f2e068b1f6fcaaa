//! The routes of one table: compact slots per family (`route_chunks.rs`) pointing into the
//! attribute sets they share (`route_attrs.rs`), with the lookups a longest-prefix match needs.
//! Routes come out as owned `Route` values, built on the way without allocating.

use std::net::IpAddr;

use ipnet::IpNet;

use super::Family;
use super::route::{Hop, Placement, Route};
use super::route_attrs::{AttrPool, RouteAttrs};
use super::route_chunks::{Pos, Slot, SlotAddr, Slots, V6Words, key_of};

/// The routes of one table, sorted (prefix, tos, metric, kernel order).
///
/// A route costs its slot (16 bytes for IPv4, 28 for IPv6) and a share of its attribute set;
/// a full view's million routes share a few hundred sets.
#[derive(Debug, Clone, Default)]
pub struct RouteTable {
    v4: Slots<u32>,
    v6: Slots<V6Words>,
    pool: AttrPool,
}

/// Tables are equal when they hold the same routes in the same order, however they were built.
impl PartialEq for RouteTable {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for RouteTable {}

impl RouteTable {
    /// The number of routes.
    pub fn len(&self) -> usize {
        self.v4.len() + self.v6.len()
    }

    /// Whether the table has no routes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// All routes in table order.
    pub fn iter(&self) -> impl Iterator<Item = Route> + '_ {
        let v4 = self.v4.iter().map(|s| route_of(&self.pool, s));
        v4.chain(self.v6.iter().map(|s| route_of(&self.pool, s)))
    }

    /// The routes from position `n` on, skipping whole chunks (cheap for windows into big tables).
    pub fn iter_from(&self, n: usize) -> impl Iterator<Item = Route> + '_ {
        let before = self.v4.len();
        let v4 = self.v4.iter_from(n.min(before));
        let v6 = self.v6.iter_from(n.saturating_sub(before));
        v4.map(|s| route_of(&self.pool, s))
            .chain(v6.map(|s| route_of(&self.pool, s)))
    }

    /// The prefix lengths present, longest first, for longest-prefix matching.
    pub fn prefix_lens(&self) -> impl Iterator<Item = u8> + '_ {
        let bound = self.v4.len_bound().max(self.v6.len_bound());
        (0..bound)
            .rev()
            .filter(|&len| self.v4.count_of(len) + self.v6.count_of(len) > 0)
            .map(|len| u8::try_from(len).unwrap_or(u8::MAX))
    }

    /// The IPv4 prefix lengths present (bit `len`) that may match `addr`: in a big table, only
    /// those its length filter holds near the address. No allocation: a lookup's hot path.
    pub fn v4_lengths_for(&self, addr: IpAddr) -> u64 {
        let present = (0..self.v4.len_bound().min(33))
            .filter(|&len| self.v4.count_of(len) > 0)
            .fold(0u64, |mask, len| mask | 1 << len);
        present & self.v4.lengths_for(addr).unwrap_or(u64::MAX)
    }

    /// The routes of exactly this prefix, in kernel order.
    pub fn routes_for(&self, dst: IpNet) -> impl Iterator<Item = Route> + '_ {
        let dst = dst.trunc();
        let v4 = self.v4.run(dst).map(|s| route_of(&self.pool, s));
        v4.chain(self.v6.run(dst).map(|s| route_of(&self.pool, s)))
    }

    /// The routes, with their positions, for which `keep` holds, where `keep` looks only at what
    /// routes share (table, type, protocol, scope, flags, source, nexthops), never at the prefix,
    /// tos or metric: it is asked once per attribute set, so a pass over a full view reads each
    /// route's slot and copies out only the routes that pass.
    pub fn select_shared(&self, keep: impl Fn(&Route) -> bool) -> Vec<(usize, Route)> {
        let mut verdicts = vec![None; self.pool.id_bound()];
        let mut out = Vec::new();
        let mut pick = |at: usize, slot_attrs: u32, route: &dyn Fn() -> Route| {
            let verdict = &mut verdicts[slot_attrs as usize];
            if *verdict.get_or_insert_with(|| keep(&route())) {
                out.push((at, route()));
            }
        };
        for (i, s) in self.v4.iter().enumerate() {
            pick(i, s.attrs, &|| route_of(&self.pool, s));
        }
        let before = self.v4.len();
        for (i, s) in self.v6.iter().enumerate() {
            pick(before + i, s.attrs, &|| route_of(&self.pool, s));
        }
        out
    }

    /// Appends a route after the routes of its slot, as a dump lists them.
    pub fn push(&mut self, route: Route) {
        self.insert(route, Placement::Last);
    }

    /// Inserts a route, or replaces the first of its slot with `Placement::Replace`.
    pub fn insert(&mut self, route: Route, placement: Placement) {
        match route.family() {
            Family::V4 => insert(&mut self.v4, &mut self.pool, route, placement),
            Family::V6 => insert(&mut self.v6, &mut self.pool, route, placement),
        }
    }

    /// Applies a route as a notification brings it: overwrites the route it names in place if
    /// present (whatever the placement), else inserts it like `insert`. One search of the table,
    /// where `update` then `insert` make two.
    pub fn upsert(&mut self, route: Route, placement: Placement) {
        match route.family() {
            Family::V4 => upsert(&mut self.v4, &mut self.pool, route, placement),
            Family::V6 => upsert(&mut self.v6, &mut self.pool, route, placement),
        }
    }

    /// Overwrites the route that `route` names, if present (keeping its place); true if it was.
    pub fn update(&mut self, route: &Route) -> bool {
        match route.family() {
            Family::V4 => update(&mut self.v4, &mut self.pool, route),
            Family::V6 => update(&mut self.v6, &mut self.pool, route),
        }
    }

    /// Removes the route the record names, if present; nothing else, so a repeated deletion
    /// (a notification replayed after a re-read) cannot take a sibling of the same slot.
    pub fn remove(&mut self, route: &Route) -> Option<Route> {
        match route.family() {
            Family::V4 => remove(&mut self.v4, &mut self.pool, route),
            Family::V6 => remove(&mut self.v6, &mut self.pool, route),
        }
    }

    /// Removes the one nexthop of `sibling` from the multipath route of its slot and type that
    /// has it, keeping that route's place; true if one had it. A route through a nexthop object
    /// is never a sibling (`rt6_qualify_for_ecmp`), so its deletion takes no nexthop from another.
    pub fn remove_sibling(&mut self, sibling: &Route) -> bool {
        match sibling.family() {
            Family::V4 => remove_sibling(&mut self.v4, &mut self.pool, sibling),
            Family::V6 => remove_sibling(&mut self.v6, &mut self.pool, sibling),
        }
    }

    /// Keeps only the routes for which `keep` is true; returns how many were removed.
    pub fn retain(&mut self, mut keep: impl FnMut(&Route) -> bool) -> usize {
        let before = self.len();
        let mut released = Vec::new();
        let pool = &self.pool;
        let mut sift = |attrs: u32, route: Route| {
            let kept = keep(&route);
            if !kept {
                released.push(attrs);
            }
            kept
        };
        self.v4.retain(|s| sift(s.attrs, route_of(pool, s)));
        self.v6.retain(|s| sift(s.attrs, route_of(pool, s)));
        for attrs in released {
            self.pool.release(attrs);
        }
        before - self.len()
    }
}

/// The route a slot stores.
fn route_of<A: SlotAddr>(pool: &AttrPool, slot: &Slot<A>) -> Route {
    pool.get(slot.attrs)
        .route(slot.dst(), slot.tos(), slot.metric())
}

/// The position of the first route of prefix `dst` for which `want` holds.
fn locate<A: SlotAddr>(
    chunks: &Slots<A>,
    pool: &AttrPool,
    dst: IpNet,
    want: impl Fn(&Route) -> bool,
) -> Option<Pos> {
    let start = chunks.start(dst.trunc());
    chunks
        .positions_from(start, dst.trunc())
        .find(|&at| want(&route_of(pool, chunks.get(at))))
}

/// Puts `route` at `at` among the slots.
fn add_at<A: SlotAddr>(chunks: &mut Slots<A>, pool: &mut AttrPool, at: Pos, route: Route) {
    let (dst, tos, metric, attrs) = RouteAttrs::split(route);
    if let Some(mut slot) = Slot::new(dst.trunc(), tos, metric, 0) {
        slot.attrs = pool.intern(attrs);
        chunks.insert_at(at, slot);
    }
}

/// Overwrites the route at `at` with `route`, which has its prefix, tos and metric.
fn replace_at<A: SlotAddr>(chunks: &mut Slots<A>, pool: &mut AttrPool, at: Pos, route: Route) {
    let id = pool.intern(RouteAttrs::split(route).3);
    let old = chunks.set_attrs(at, id);
    pool.release(old);
}

/// `RouteTable::insert` in one family's slots.
fn insert<A: SlotAddr>(
    chunks: &mut Slots<A>,
    pool: &mut AttrPool,
    route: Route,
    placement: Placement,
) {
    if placement == Placement::Replace {
        if let Some(at) = locate(chunks, pool, route.dst, |r| r.same_slot(&route)) {
            replace_at(chunks, pool, at, route);
            return;
        }
    }
    let at = chunks.place(
        key_of(route.dst.trunc(), route.tos, route.metric),
        placement,
    );
    add_at(chunks, pool, at, route);
}

/// `RouteTable::upsert` in one family's slots: one search finds both the route it names and
/// where a new one goes.
fn upsert<A: SlotAddr>(
    chunks: &mut Slots<A>,
    pool: &mut AttrPool,
    route: Route,
    placement: Placement,
) {
    let dst = route.dst.trunc();
    let start = chunks.start(dst);
    let run = || chunks.positions_from(start, dst);
    let same_key = |at| {
        let slot = chunks.get(at);
        slot.tos() == route.tos && slot.metric() == route.metric
    };
    let found = run()
        .filter(|&at| same_key(at))
        .find(|&at| route_of(pool, chunks.get(at)).same_route(&route))
        .or_else(|| {
            (placement == Placement::Replace).then(|| {
                run()
                    .filter(|&at| same_key(at))
                    .find(|&at| route_of(pool, chunks.get(at)).same_slot(&route))
            })?
        });
    if let Some(at) = found {
        replace_at(chunks, pool, at, route);
        return;
    }
    // a new route goes after the routes of its slot (before them with `First`)
    let key = key_of(dst, route.tos, route.metric);
    let after = |at| match placement {
        Placement::First => chunks.get(at).key() >= key,
        Placement::Last | Placement::Replace => chunks.get(at).key() > key,
    };
    let at = run()
        .find(|&at| after(at))
        .or_else(|| run().last().map(|(c, j)| (c, j + 1)))
        .unwrap_or(start);
    add_at(chunks, pool, at, route);
}

/// `RouteTable::update` in one family's slots.
fn update<A: SlotAddr>(chunks: &mut Slots<A>, pool: &mut AttrPool, route: &Route) -> bool {
    let Some(at) = locate(chunks, pool, route.dst, |r| r.same_route(route)) else {
        return false;
    };
    replace_at(chunks, pool, at, route.clone());
    true
}

/// `RouteTable::remove` in one family's slots.
fn remove<A: SlotAddr>(chunks: &mut Slots<A>, pool: &mut AttrPool, route: &Route) -> Option<Route> {
    let at = locate(chunks, pool, route.dst, |r| r.same_route(route))?;
    let slot = chunks.remove_at(at);
    let removed = route_of(pool, &slot);
    pool.release(slot.attrs);
    Some(removed)
}

/// `RouteTable::remove_sibling` in one family's slots.
fn remove_sibling<A: SlotAddr>(
    chunks: &mut Slots<A>,
    pool: &mut AttrPool,
    sibling: &Route,
) -> bool {
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
    let Some(at) = locate(chunks, pool, sibling.dst, has) else {
        return false;
    };
    let mut route = route_of(pool, chunks.get(at));
    let rest = route.hops.as_slice().iter().filter(|h| !h.via(hop));
    route.hops = Hop::from_vec(rest.copied().collect());
    replace_at(chunks, pool, at, route);
    true
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;
    use crate::model::{NextHop, RouteFlags, RouteKind};

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
        assert!(!t.v4.directed());
        assert_eq!(t.routes_for("10.0.7.0/24".parse().unwrap()).count(), 1);
        assert!(t.v4.directed(), "a lookup of a big table builds it");
        // a change that moves a fence drops it, and further changes search without it: a
        // storm of changes must not rebuild it once per change
        for k in 0..200u32 {
            let a = IpAddr::V4((0x0a00_0080 + (k << 8) * 50).into());
            t.upsert(
                route(&IpNet::new(a, 25).unwrap().to_string(), 0, 1),
                Placement::Last,
            );
            assert!(!t.v4.directed(), "change {k} built the directory");
        }
        fences_hold(&t);
        assert_eq!(t.routes_for("10.0.50.128/25".parse().unwrap()).count(), 1);
        assert!(t.v4.directed());
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

    /// In a table big enough for a length filter, every length at which a route matches an
    /// address is among `v4_lengths_for` it, through additions and removals after the build.
    #[test]
    fn the_lengths_for_an_address_hold_every_match() {
        let mut t = RouteTable::default();
        let mut x: u64 = 7;
        let mut next = || {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            x >> 32
        };
        let mut nets = Vec::new();
        let lens = [0u8, 8, 12, 16, 19, 22, 24, 25, 28, 32];
        for _ in 0..12_000 {
            let addr = 0x0a00_0000 | (u32::try_from(next()).unwrap() & 0x00ff_ffff);
            let len = lens[usize::try_from(next()).unwrap() % lens.len()];
            let net = IpNet::new(IpAddr::V4(addr.into()), len).unwrap().trunc();
            if !nets.contains(&net) {
                nets.push(net);
                t.push(route(&net.to_string(), 0, 1));
            }
        }
        let check = |t: &RouteTable, nets: &[IpNet], rounds: u64, next: &mut dyn FnMut() -> u64| {
            for _ in 0..rounds {
                let addr = IpAddr::V4(
                    (0x0a00_0000 | (u32::try_from(next()).unwrap() & 0x00ff_ffff)).into(),
                );
                let may = t.v4_lengths_for(addr);
                for net in nets.iter().filter(|n| n.contains(&addr)) {
                    assert_ne!(may >> net.prefix_len() & 1, 0, "{net} matches {addr}");
                }
            }
        };
        check(&t, &nets, 2000, &mut next);
        // changes after the filter was built: new prefixes of known lengths, a new length, removals
        for k in 0..300u32 {
            let net: IpNet = format!("10.{}.{}.0/24", k % 256, (k * 7) % 256)
                .parse()
                .unwrap();
            if !nets.contains(&net) {
                nets.push(net);
                t.push(route(&net.to_string(), 0, 1));
            }
        }
        check(&t, &nets, 2000, &mut next);
        let odd: IpNet = "10.77.1.0/27".parse().unwrap();
        nets.push(odd);
        t.push(route(&odd.to_string(), 0, 1));
        check(&t, &nets, 2000, &mut next);
        for net in nets.drain(..5000) {
            t.remove(&route(&net.to_string(), 0, 1)).unwrap();
        }
        check(&t, &nets, 2000, &mut next);
        let probe: IpAddr = "10.77.1.5".parse().unwrap();
        assert_ne!(t.v4_lengths_for(probe) >> 27 & 1, 0);
    }

    /// A pass that asks once per attribute set picks the routes a pass over every route picks.
    #[test]
    fn select_shared_picks_what_a_whole_pass_picks() {
        let mut t = RouteTable::default();
        for k in 0..3000u32 {
            let dst = if k % 3 == 0 {
                format!("2001:db8:{k:x}::/48")
            } else {
                format!("10.{}.{}.0/24", k / 256, k % 256)
            };
            let mut r = route(&dst, k % 4, k % 5);
            if k % 7 == 0 {
                r.kind = RouteKind::Unreachable;
                r.hops = Hop::None;
            }
            t.push(r);
        }
        let keep = |r: &Route| r.kind == RouteKind::Unicast && r.dev() % 2 == 1;
        let whole: Vec<(usize, Route)> = t.iter().enumerate().filter(|(_, r)| keep(r)).collect();
        assert!(whole.len() > 500);
        assert_eq!(t.select_shared(keep), whole);
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

    /// Every chunk of both families is sorted, within its capacity, and its fence is its last
    /// key.
    fn fences_hold(t: &RouteTable) {
        t.v4.assert_fences_hold();
        t.v6.assert_fences_hold();
    }
}
