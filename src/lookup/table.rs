//! Looking up one table (spec §3, §7.2): longest prefix, alias order, type errors, nexthop checks.

use std::borrow::Cow;

use ipnet::IpNet;

use super::flow::Flow;
use crate::model::{
    Errno, Family, LEGACY_TOS_MASK, NextHop, Nexthop, Route, RouteFlags, RouteKind, RouteTable,
    RuleAction, State, table,
};

/// A usable route found in a table.
#[derive(Debug, Clone)]
pub struct Hit {
    pub route: Route,
    pub table: u32,
    /// The nexthop the lookup settled on (none for routes without one, e.g. `local` on lo).
    pub nexthop: Option<NextHop>,
    /// Every usable nexthop: more than one means the kernel picks by hash (multipath).
    pub paths: Vec<NextHop>,
}

impl Hit {
    /// The chosen nexthop.
    pub fn nexthop(&self) -> Option<&NextHop> {
        self.nexthop.as_ref()
    }

    /// Whether the kernel chooses among several nexthops by hash.
    pub fn is_multipath(&self) -> bool {
        self.paths.len() > 1
    }
}

/// The nexthops a route forwards through: its own, or those of its nexthop object (a group's
/// members in order), which is all a dump carries with `nexthop_compat_mode=0`.
pub fn hops<'s>(state: &'s State, route: &'s Route) -> Cow<'s, [NextHop]> {
    if route.nhid == 0 {
        return Cow::Borrowed(route.hops.as_slice());
    }
    let Some(object) = state.nexthops.get(&route.nhid) else {
        return Cow::Borrowed(&[]);
    };
    let hop = |n: &Nexthop, weight: u32| NextHop {
        dev: n.dev.unwrap_or(0),
        gateway: n.gateway,
        weight: u16::try_from(weight).unwrap_or(u16::MAX),
        flags: RouteFlags(n.flags),
    };
    if object.group.is_empty() {
        return Cow::Owned(vec![hop(object, 1)]);
    }
    Cow::Owned(
        object
            .group
            .iter()
            .filter_map(|m| state.nexthops.get(&m.id).map(|n| hop(n, m.weight)))
            .collect(),
    )
}

/// What a table says.
pub enum Answer {
    Hit(Hit),
    /// No usable route: the rule walk goes on (the kernel's -EAGAIN).
    Miss(String),
    /// A `throw` route: the walk goes on.
    Throw(Route),
    /// The table does not exist: the kernel passes over it without a lookup.
    NoTable,
    /// An error route ends the lookup.
    Error(Errno, Route),
}

/// The errno of an error route type; `None` for types that forward or deliver, and for `throw`.
pub fn type_error(kind: RouteKind) -> Option<Errno> {
    match kind {
        RouteKind::Unreachable => Some(Errno::Ehostunreach),
        RouteKind::Prohibit => Some(Errno::Eacces),
        RouteKind::Blackhole | RouteKind::Nat | RouteKind::Other(_) | RouteKind::Unspec => {
            Some(Errno::Einval)
        }
        _ => None,
    }
}

/// Whether a table with no routes still exists, so the kernel consults it (and traces it):
/// IPv6 always has local and main, and an IPv6 rule creates the table it looks up.
fn exists_empty(state: &State, family: Family, id: u32) -> bool {
    family == Family::V6
        && (id == table::LOCAL
            || id == table::MAIN
            || state
                .rule_slice(Family::V6)
                .iter()
                .any(|r| r.action == RuleAction::Lookup && r.table == id))
}

/// Looks up table `id` for the flow.
pub fn lookup(state: &State, flow: &Flow, id: u32) -> Answer {
    match state.table(flow.family, id) {
        None if exists_empty(state, flow.family, id) => Answer::Miss(if flow.trace {
            format!("table {} is empty", state.table_names.name(id))
        } else {
            String::new()
        }),
        None => Answer::NoTable,
        Some(table) if flow.family == Family::V6 => super::table_v6::lookup(state, flow, id, table),
        Some(table) => search(state, flow, &[(id, table)]),
    }
}

/// Looks up the merged IPv4 local+main trie: local aliases come first for equal prefixes.
pub fn lookup_merged(state: &State, flow: &Flow) -> Answer {
    let tables: Vec<(u32, &RouteTable)> = [table::LOCAL, table::MAIN]
        .into_iter()
        .filter_map(|id| state.table(Family::V4, id).map(|t| (id, t)))
        .collect();
    search(state, flow, &tables)
}

/// IPv4 longest-prefix search over one table (or the merged pair), first usable alias wins.
fn search(state: &State, flow: &Flow, tables: &[(u32, &RouteTable)]) -> Answer {
    // the lengths of both tables of the merged pair together, tried longest first
    let mut lens = tables
        .iter()
        .fold(0u64, |mask, (_, t)| mask | t.v4_lengths_for(flow.dst));
    let longest = std::iter::from_fn(move || {
        let len = 63u32.checked_sub(lens.leading_zeros())?;
        lens &= !(1 << len);
        u8::try_from(len).ok()
    });
    let mut skip_key = None;
    for len in longest {
        let Ok(net) = IpNet::new(flow.dst, len).map(|n| n.trunc()) else {
            continue;
        };
        let aliases = tables
            .iter()
            .flat_map(|(id, t)| t.routes_for(net).map(move |r| (*id, r)));
        // a nexthop object that does not fit ends the whole trie leaf: shorter prefixes with the
        // same key are passed over too (`fib_table_lookup`: `goto miss`)
        if skip_key == Some(net.addr()) {
            continue;
        }
        match pick_v4(state, flow, aliases) {
            V4Pick::Answer(answer) => return answer,
            V4Pick::LeafMissed => skip_key = Some(net.addr()),
            V4Pick::Next => {}
        }
    }
    if !flow.trace {
        return Answer::Miss(String::new());
    }
    let pinned = if flow.oif == 0 {
        String::new()
    } else {
        format!(" through {}", state.link_name(flow.oif))
    };
    Answer::Miss(format!("no route to {}{pinned}", flow.dst))
}

/// What the aliases of one IPv4 prefix give.
enum V4Pick {
    Answer(Answer),
    /// A nexthop object did not fit the flow: the rest of the leaf is skipped.
    LeafMissed,
    /// Nothing usable: go on to shorter prefixes.
    Next,
}

/// The first usable alias of one IPv4 prefix, in the kernel's order (`fib_table_lookup`).
fn pick_v4(state: &State, flow: &Flow, aliases: impl Iterator<Item = (u32, Route)>) -> V4Pick {
    for (id, route) in aliases {
        let route = &route;
        if route.tos != 0 && route.tos != flow.tos & LEGACY_TOS_MASK {
            continue;
        }
        if route.kind == RouteKind::Throw {
            return V4Pick::Answer(Answer::Throw(route.clone()));
        }
        if let Some(errno) = type_error(route.kind) {
            return V4Pick::Answer(Answer::Error(errno, route.clone()));
        }
        if route.flags.has(RouteFlags::DEAD) {
            continue;
        }
        let object = (route.nhid != 0).then(|| state.nexthops.get(&route.nhid));
        if object.flatten().is_some_and(|n| n.blackhole) {
            return V4Pick::Answer(Answer::Error(Errno::Einval, route.clone()));
        }
        let hops = hops(state, route);
        if let Some(hit) = hit(state, flow, id, route, &hops) {
            return V4Pick::Answer(Answer::Hit(hit));
        }
        if object.is_some() {
            return V4Pick::LeafMissed;
        }
    }
    V4Pick::Next
}

/// Whether the kernel accepts a nexthop for this flow (`fib_lookup_good_nhc`); `oif` is not
/// checked when `bound` is false (multipath candidates).
fn good_nexthop(state: &State, flow: &Flow, nh: &NextHop, bound: bool) -> bool {
    let ignore_linkdown = state
        .sysctls
        .either(state.name_of(nh.dev), |s| s.ignore_routes_with_linkdown);
    let unusable =
        nh.flags.has(RouteFlags::DEAD) || (nh.flags.has(RouteFlags::LINKDOWN) && ignore_linkdown);
    !unusable && (!bound || flow.oif == 0 || nh.dev == flow.oif)
}

/// Whether a multipath nexthop the dump shows `dead linkdown` only because its device lost carrier
/// and ignores such routes may still get flows: the kernel computes the hash split when the
/// carrier goes (`fib_rebalance`), so if `ignore_routes_with_linkdown` was turned on after that
/// the old split stands, and a dump cannot tell the two orders apart.
fn stale_path(state: &State, nh: &NextHop, hops: &[NextHop]) -> bool {
    hops.len() > 1
        && nh.flags.has(RouteFlags::LINKDOWN)
        && state.link(nh.dev).is_some_and(crate::model::Link::is_up)
}

/// The route as a hit when one of its nexthops fits the flow; a route without nexthops (a
/// `local` route) fits unless the flow is bound to a device.
fn hit(state: &State, flow: &Flow, table: u32, route: &Route, hops: &[NextHop]) -> Option<Hit> {
    let nexthop = if hops.is_empty() {
        if flow.oif != 0 {
            return None;
        }
        None
    } else {
        Some(*hops.iter().find(|nh| good_nexthop(state, flow, nh, true))?)
    };
    let paths = if flow.oif == 0 {
        hops.iter()
            .filter(|nh| good_nexthop(state, flow, nh, false) || stale_path(state, nh, hops))
            .copied()
            .collect()
    } else {
        nexthop.into_iter().collect()
    };
    Some(Hit {
        route: route.clone(),
        table,
        nexthop,
        paths,
    })
}
