//! One IPv6 table lookup as `fib6_table_lookup()` makes it (docs/kernel-notes.md §1): the node
//! the destination and source select, the scoring of its routes (`rt6_select`), backtracking to
//! shorter prefixes, and the retry without the reachability check on hosts.

use std::net::{IpAddr, Ipv6Addr};

use ipnet::IpNet;

use super::flow::Flow;
use super::table::{Answer, Hit, hops, type_error};
use crate::model::{NeighbourState, NextHop, Route, RouteFlags, RouteKind, RouteTable, State};

/// `rt6_score_route`'s hard failure: the route is not on the device a strict lookup requires.
const FAIL_HARD: i32 = -3;
/// `rt6_check_neigh`'s answer for a gateway whose neighbour entry FAILED: never chosen.
const FAIL_PROBE: i32 = -2;

/// How the lookup scores routes (`ip6_pol_route` flags).
struct Scoring {
    /// The device routes are scored against: the bound device (output) or the arrival device
    /// (input, `ip6_pol_route_input`); 0 for none.
    oif: u32,
    /// `RT6_LOOKUP_F_IFACE`: routes on other devices fail.
    strict: bool,
    /// `RT6_LOOKUP_F_REACHABLE` (hosts: `all.forwarding` off): a FAILED gateway is passed over.
    reachable: bool,
}

/// The route a node selection settled on.
enum Selected<'r> {
    /// A route and the nexthop that scored best.
    Route(u32, &'r Route, NextHop),
    /// A route through a blackhole nexthop object: ends the lookup with EINVAL.
    Blackhole(&'r Route),
}

/// Whether the kernel keeps an IPv6 lookup on the bound device (`rt6_need_strict`).
pub fn need_strict(dst: IpAddr) -> bool {
    match dst {
        IpAddr::V6(d) => d.is_loopback() || d.is_multicast() || is_link_local(d),
        IpAddr::V4(_) => false,
    }
}

/// Whether an address is link-local unicast (`fe80::/10`).
fn is_link_local(a: Ipv6Addr) -> bool {
    a.segments()[0] & 0xffc0 == 0xfe80
}

/// Looks up one IPv6 table for the flow.
pub fn lookup(state: &State, flow: &Flow, id: u32, table: &RouteTable) -> Answer {
    let bound = if flow.input { flow.iif } else { flow.oif };
    let strict = need_strict(flow.dst) || (!flow.input && flow.oif != 0 && flow.src.is_none());
    let reachable = !state.sysctls.all.ipv6_forwarding;
    let nodes = nodes(table, flow);
    let mut scoring = Scoring {
        oif: bound,
        strict,
        reachable,
    };
    let mut found = walk_nodes(state, &nodes, id, &scoring);
    if found.is_none() && reachable {
        scoring.reachable = false;
        found = walk_nodes(state, &nodes, id, &scoring);
    }
    match found {
        Some(Selected::Blackhole(route)) => {
            Answer::Error(crate::model::Errno::Einval, route.clone())
        }
        Some(Selected::Route(id, route, nexthop)) => result(state, id, route, nexthop, &scoring),
        None if flow.trace => Answer::Miss(format!("no route to {}", flow.dst)),
        None => Answer::Miss(String::new()),
    }
}

/// The answer for the selected route: an error or throw route, or a hit with its paths.
fn result(state: &State, id: u32, route: &Route, nexthop: NextHop, scoring: &Scoring) -> Answer {
    if route.kind == RouteKind::Throw {
        return Answer::Throw(route.clone());
    }
    if let Some(errno) = type_error(route.kind) {
        return Answer::Error(errno, route.clone());
    }
    let paths = paths(state, route, nexthop, scoring);
    Answer::Hit(Hit {
        route: route.clone(),
        table: id,
        nexthop: Some(nexthop),
        paths,
    })
}

/// The nexthops `fib6_select_path` may pick by hash: a group's usable members (the oif is not
/// honoured for groups on 6.18), or the ECMP siblings that score; just the one otherwise.
fn paths(state: &State, route: &Route, chosen: NextHop, scoring: &Scoring) -> Vec<NextHop> {
    let hops = hops(state, route);
    if route.nhid != 0 {
        let good: Vec<NextHop> = hops
            .iter()
            .filter(|nh| gateway_neighbour_valid(state, nh))
            .copied()
            .collect();
        return if good.is_empty() { hops.to_vec() } else { good };
    }
    if hops.len() < 2 {
        return vec![chosen];
    }
    let mut paths: Vec<NextHop> = hops
        .iter()
        .filter(|nh| !nh.flags.has(RouteFlags::DEAD) && score(state, route, nh, scoring) >= 0)
        .copied()
        .collect();
    if !paths.contains(&chosen) {
        paths.insert(0, chosen);
    }
    paths
}

/// Whether a group member's gateway has no neighbour entry or a valid one (`nexthop_is_good_nh`).
fn gateway_neighbour_valid(state: &State, nh: &NextHop) -> bool {
    let Some(gw) = nh.gateway else { return true };
    state
        .neighbours
        .iter()
        .find(|n| n.index == nh.dev && n.dst == gw)
        .is_none_or(|n| n.state.is_valid())
}

/// The nodes the lookup visits, in order (`fib6_node_lookup`, then `fib6_backtrack`): for each
/// destination prefix, longest first, its source-specific routes by source prefix (longest
/// first) and then its plain routes. Before the first node is found, a prefix that has
/// source-specific routes none of which fits the source is passed over whole, plain routes
/// included; only the table root (`::/0`) falls back to its plain routes.
fn nodes(table: &RouteTable, flow: &Flow) -> Vec<Vec<Route>> {
    let saddr = flow.src.unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
    let mut nodes = Vec::new();
    let mut started = false;
    for len in table.prefix_lens() {
        let Ok(net) = IpNet::new(flow.dst, len).map(|n| n.trunc()) else {
            continue;
        };
        let routes: Vec<Route> = table.routes_for(net).collect();
        let source = |r: &Route| r.src_prefix().filter(|s| s.prefix_len() > 0);
        let plain: Vec<Route> = routes
            .iter()
            .filter(|r| source(r).is_none())
            .cloned()
            .collect();
        let has_subtree = routes.iter().any(|r| source(r).is_some());
        let mut sources: Vec<IpNet> = routes
            .iter()
            .filter_map(source)
            .filter(|s| s.contains(&saddr))
            .collect();
        sources.sort_by_key(|s| std::cmp::Reverse(s.prefix_len()));
        sources.dedup();
        if !started && has_subtree && sources.is_empty() && len != 0 {
            continue;
        }
        for s in sources {
            let node: Vec<Route> = routes
                .iter()
                .filter(|r| source(r) == Some(s))
                .cloned()
                .collect();
            nodes.push(node);
        }
        if !plain.is_empty() {
            nodes.push(plain);
        }
        started = !nodes.is_empty();
    }
    nodes
}

/// The first node in which a route is selected.
fn walk_nodes<'r>(
    state: &State,
    nodes: &'r [Vec<Route>],
    id: u32,
    scoring: &Scoring,
) -> Option<Selected<'r>> {
    nodes
        .iter()
        .find_map(|node| select(state, node, id, scoring))
}

/// `rt6_select` over one node's routes (kept in metric order): the routes of the first metric,
/// then, if none fits, every route of higher metric; within a pass the best score wins and the
/// first of equal scores is kept.
fn select<'r>(
    state: &State,
    node: &'r [Route],
    id: u32,
    scoring: &Scoring,
) -> Option<Selected<'r>> {
    let first_metric = node.first()?.metric;
    let split = node
        .iter()
        .position(|r| r.metric != first_metric)
        .unwrap_or(node.len());
    let mut best = -1;
    let mut chosen = None;
    for pass in [&node[..split], &node[split..]] {
        for route in pass {
            if route.nhid != 0 && state.nexthops.get(&route.nhid).is_some_and(|n| n.blackhole) {
                return Some(Selected::Blackhole(route));
            }
            // a group's members are tried in order and the first that improves the score counts;
            // error routes sit on lo (a snapshot may leave their device out)
            let mut hops = hops(state, route).into_owned();
            if hops.is_empty() {
                hops.push(NextHop {
                    dev: state.loopback(),
                    gateway: None,
                    weight: 1,
                    flags: RouteFlags::default(),
                });
            }
            for nh in &hops {
                if usable(state, nh) {
                    let m = score(state, route, nh, scoring);
                    if m > best {
                        best = m;
                        chosen = Some(Selected::Route(id, route, *nh));
                        if route.nhid != 0 {
                            break;
                        }
                    }
                }
            }
        }
        if chosen.is_some() {
            return chosen;
        }
    }
    None
}

/// `find_match`'s first checks: a dead nexthop, or one without carrier when the device ignores
/// such routes, never matches.
fn usable(state: &State, nh: &NextHop) -> bool {
    let ignore_linkdown = state
        .sysctls
        .device(state.name_of(nh.dev))
        .ipv6_ignore_routes_with_linkdown;
    let down = nh.flags.has(RouteFlags::LINKDOWN) && ignore_linkdown;
    !(nh.flags.has(RouteFlags::DEAD) || down)
}

/// `rt6_score_route`: 2 for the scored device, plus the router preference shifted by two, or a
/// failure (strict lookup on another device, a FAILED gateway on a host).
fn score(state: &State, route: &Route, nh: &NextHop, scoring: &Scoring) -> i32 {
    let on_dev = scoring.oif == 0 || nh.dev == scoring.oif;
    if !on_dev && scoring.strict {
        return FAIL_HARD;
    }
    let pref = match route.extra.as_ref().and_then(|e| e.pref).unwrap_or(0) {
        0 => 2, // medium
        1 => 3, // high
        3 => 1, // low
        _ => 0,
    };
    if scoring.reachable {
        if let Some(gw) = nh.gateway {
            let failed = state.neighbours.iter().any(|n| {
                n.index == nh.dev && n.dst == gw && n.state.0 & NeighbourState::FAILED != 0
            });
            if failed {
                return FAIL_PROBE;
            }
        }
    }
    (i32::from(on_dev) * 2) | (pref << 2)
}
