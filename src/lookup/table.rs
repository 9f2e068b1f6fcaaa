//! Looking up one table (spec §3, §7.2): longest prefix, alias order, type errors, nexthop checks.

use ipnet::IpNet;

use super::flow::Flow;
use crate::model::{
    Errno, Family, Hop, NextHop, Route, RouteFlags, RouteKind, RouteTable, State, table,
};

/// A usable route found in a table.
#[derive(Debug, Clone)]
pub struct Hit {
    pub route: Route,
    pub table: u32,
    /// Index of the nexthop the lookup settled on.
    pub nh: usize,
}

impl Hit {
    /// The chosen nexthop.
    pub fn nexthop(&self) -> Option<&NextHop> {
        self.route.hops.as_slice().get(self.nh)
    }
}

/// What a table says.
pub enum Answer {
    Hit(Hit),
    /// No usable route (or a `throw`): the rule walk goes on (the kernel's -EAGAIN).
    Miss(String),
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

/// Looks up table `id` for the flow.
pub fn lookup(state: &State, flow: &Flow, id: u32) -> Answer {
    match state.table(flow.family, id) {
        None => Answer::Miss(format!(
            "table {} does not exist",
            state.table_names.name(id)
        )),
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

/// Longest-prefix search over one table (or the merged pair), first usable alias wins.
fn search(state: &State, flow: &Flow, tables: &[(u32, &RouteTable)]) -> Answer {
    // one table yields its lengths sorted already; the merged pair needs them combined
    let mut lens: Vec<u8> = match tables {
        [(_, only)] => only.prefix_lens().collect(),
        _ => tables.iter().flat_map(|(_, t)| t.prefix_lens()).collect(),
    };
    if tables.len() > 1 {
        lens.sort_unstable_by(|a, b| b.cmp(a));
        lens.dedup();
    }
    for len in lens {
        let Ok(net) = IpNet::new(flow.dst, len).map(|n| n.trunc()) else {
            continue;
        };
        let mut aliases = tables
            .iter()
            .flat_map(|(id, t)| t.routes_for(net).map(move |r| (*id, r)))
            .peekable();
        if flow.family == Family::V6 {
            if let Some(answer) = pick_v6(state, flow, &mut aliases) {
                return answer;
            }
            continue;
        }
        for (id, route) in aliases {
            if route.tos != 0 && route.tos != flow.tos & 0x1c {
                continue;
            }
            if route.kind == RouteKind::Throw {
                return Answer::Miss(format!("throw route {}", route.dst));
            }
            if let Some(errno) = type_error(route.kind) {
                return Answer::Error(errno, route.clone());
            }
            if route.nhid != 0 && state.nexthops.get(&route.nhid).is_some_and(|n| n.blackhole) {
                return Answer::Error(Errno::Einval, route.clone());
            }
            if let Some(nh) = first_good_nexthop(state, flow, route) {
                return Answer::Hit(Hit {
                    route: route.clone(),
                    table: id,
                    nh,
                });
            }
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

/// The first nexthop the kernel accepts for this flow (`fib_lookup_good_nhc`).
fn first_good_nexthop(state: &State, flow: &Flow, route: &Route) -> Option<usize> {
    if route.flags.has(RouteFlags::DEAD) {
        return None;
    }
    let hops = route.hops.as_slice();
    if hops.is_empty() {
        return (flow.oif == 0).then_some(0);
    }
    hops.iter().position(|nh| {
        let ignore_linkdown = state
            .sysctls
            .either(state.name_of(nh.dev), |s| s.ignore_routes_with_linkdown);
        let unusable = nh.flags.has(RouteFlags::DEAD)
            || (nh.flags.has(RouteFlags::LINKDOWN) && ignore_linkdown);
        !unusable && (flow.oif == 0 || nh.dev == flow.oif)
    })
}

/// IPv6 route selection among the routes of one prefix (lowest metric first, spec §7.3).
///
/// Strict (device-bound) lookups reject routes on other devices; a bound device with a source
/// given is only a preference. `None` means nothing usable here: back off to shorter prefixes.
fn pick_v6(
    state: &State,
    flow: &Flow,
    aliases: &mut dyn Iterator<Item = (u32, &Route)>,
) -> Option<Answer> {
    let special = match flow.dst {
        std::net::IpAddr::V6(d) => {
            d.is_loopback() || d.is_multicast() || d.segments()[0] & 0xffc0 == 0xfe80
        }
        std::net::IpAddr::V4(_) => false,
    };
    // input lookups to link-local, loopback or multicast must stay on the arrival device
    let bound = if flow.input && special {
        flow.iif
    } else {
        flow.oif
    };
    // rt6_need_strict: link-local, loopback and multicast destinations stay on the bound device
    let strict = special || (flow.oif != 0 && flow.src.is_none());
    let usable: Vec<(u32, &Route)> = aliases
        .filter(|(_, r)| {
            r.src_prefix()
                .is_none_or(|p| flow.src.is_some_and(|s| p.contains(&s)))
        })
        .collect();
    let best_metric = usable.first().map(|(_, r)| r.metric)?;
    let mut preferred = None;
    for &(id, route) in &usable {
        if route.kind == RouteKind::Throw {
            return Some(Answer::Miss(format!("throw route {}", route.dst)));
        }
        if let Some(errno) = type_error(route.kind) {
            return Some(Answer::Error(errno, route.clone()));
        }
        let on_oif = bound == 0 || route.hops.as_slice().iter().any(|nh| nh.dev == bound);
        let dead = route
            .hops
            .as_slice()
            .iter()
            .all(|nh| nh.flags.has(RouteFlags::DEAD));
        if dead || (strict && !on_oif) {
            continue;
        }
        let hit = Hit {
            route: route.clone(),
            table: id,
            nh: 0,
        };
        if on_oif {
            return Some(Answer::Hit(hit));
        }
        if preferred.is_none() && route.metric == best_metric {
            preferred = Some(hit);
        }
    }
    let _ = state;
    preferred.map(Answer::Hit)
}

/// Whether a route has several nexthops the kernel chooses among by hash.
pub fn is_multipath(route: &Route) -> bool {
    matches!(route.hops, Hop::Multi(_))
}
