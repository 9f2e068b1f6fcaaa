//! Changes as the kernel would send them, resolved against the objects a state holds.

use routescope::model::{Change, Family, Hop, NextHop, Op, Placement, Route};

use super::state_ref::Objects;

/// A change to generate: a plain one, or one naming an object the state already holds.
#[derive(Debug, Clone)]
pub enum ChangeSpec {
    Plain(Change),
    /// Deletes the n-th object (modulo their count) of a kind: link, address, rule, route,
    /// neighbour, nexthop.
    DelNth(u8, usize),
    /// Announces the n-th route again, with another protocol and placement.
    RouteAgain(usize, Placement, u8),
    /// Adds a route to the slot of the n-th route, of its type, through another nexthop.
    RouteSibling(usize, NextHop, Placement),
    /// Deletes one nexthop of the n-th route, named alone (as IPv6 announces it).
    DelHop(usize, usize),
    /// Every table of a family, as a re-read returns them.
    Tables(Family, Vec<Route>),
    /// A whole state made of the objects these changes leave.
    Snapshot(Vec<Change>),
}

impl ChangeSpec {
    /// The change this stands for, given the objects present.
    pub fn resolve(self, objects: &Objects) -> Change {
        let nth = |n: usize, len: usize| n.checked_rem(len);
        match self {
            Self::Plain(Change::Route(op, placement, r)) => kernel_route(objects, op, placement, r),
            Self::Plain(change) => change,
            Self::DelNth(kind, n) => {
                let routes: Vec<&Route> = objects.routes.values().flatten().collect();
                let found = match kind % 6 {
                    0 => nth(n, objects.links.len())
                        .and_then(|i| objects.links.values().nth(i))
                        .map(|l| Change::Link(Op::Del, l.clone())),
                    1 => nth(n, objects.addresses.len())
                        .map(|i| Change::Address(Op::Del, objects.addresses[i].clone())),
                    2 => nth(n, objects.rules.len())
                        .map(|i| Change::Rule(Op::Del, objects.rules[i].clone())),
                    3 => nth(n, routes.len())
                        .map(|i| Change::Route(Op::Del, Placement::Last, routes[i].clone())),
                    4 => nth(n, objects.neighbours.len())
                        .map(|i| Change::Neighbour(Op::Del, objects.neighbours[i].clone())),
                    _ => nth(n, objects.nexthops.len())
                        .and_then(|i| objects.nexthops.values().nth(i))
                        .map(|nh| Change::Nexthop(Op::Del, nh.clone())),
                };
                found.unwrap_or_else(|| Change::Sysctls(objects.sysctls.clone()))
            }
            Self::RouteAgain(n, placement, protocol) => {
                let routes: Vec<&Route> = objects.routes.values().flatten().collect();
                nth(n, routes.len()).map_or_else(
                    || Change::Sysctls(objects.sysctls.clone()),
                    |i| {
                        let mut r = routes[i].clone();
                        r.protocol = protocol;
                        Change::Route(Op::New, placement, r)
                    },
                )
            }
            Self::RouteSibling(n, hop, placement) => {
                let routes: Vec<&Route> = objects.routes.values().flatten().collect();
                nth(n, routes.len()).map_or_else(
                    || Change::Sysctls(objects.sysctls.clone()),
                    |i| {
                        let mut r = routes[i].clone();
                        r.hops = Hop::One(hop);
                        kernel_route(objects, Op::New, placement, r)
                    },
                )
            }
            Self::DelHop(n, k) => {
                let routes: Vec<&Route> = objects.routes.values().flatten().collect();
                let hops = |i: usize| routes[i].hops.as_slice();
                nth(n, routes.len())
                    .filter(|&i| !hops(i).is_empty())
                    .map_or_else(
                        || Change::Sysctls(objects.sysctls.clone()),
                        |i| {
                            let mut r = routes[i].clone();
                            r.hops = Hop::One(hops(i)[k % hops(i).len()]);
                            Change::Route(Op::Del, Placement::Last, r)
                        },
                    )
            }
            Self::Tables(family, routes) => {
                let mut made = Objects::default();
                for r in routes {
                    made.apply(&kernel_route(&made, Op::New, Placement::Last, r));
                }
                let mut tables = made.fresh().tables;
                tables.retain(|(f, _), _| *f == family);
                Change::Tables(family, tables)
            }
            Self::Snapshot(changes) => {
                let mut made = Objects::default();
                for change in changes {
                    made.apply(&Self::Plain(change).resolve(&made));
                }
                Change::Snapshot(Box::new(made.fresh()))
            }
        }
    }
}

/// Whether every nexthop of a route has a gateway (IPv6 makes siblings only of such routes).
fn gatewayed(r: &Route) -> bool {
    r.nhid == 0
        && !r.hops.as_slice().is_empty()
        && r.hops.as_slice().iter().all(|h| h.gateway.is_some())
}

/// The notification the kernel sends for a route change: an IPv6 gateway route added to a slot
/// that has one already becomes its sibling, announced as one multipath route with the new
/// nexthops first (nothing, if it adds none); everything else as it is.
fn kernel_route(objects: &Objects, op: Op, placement: Placement, route: Route) -> Change {
    let plain = |route| Change::Route(op, placement, route);
    if op == Op::Del || placement == Placement::Replace || route.family() == Family::V4 {
        return plain(route);
    }
    let list = objects.routes.get(&(Family::V6, route.table));
    let existing = list.and_then(|l| {
        l.iter().find(|r| {
            r.same_slot(&route) && r.kind == route.kind && gatewayed(r) && gatewayed(&route)
        })
    });
    let Some(existing) = existing.filter(|e| !e.same_route(&route)) else {
        return plain(route);
    };
    let mut hops = route.hops.as_slice().to_vec();
    let known = existing.hops.as_slice();
    if hops.iter().all(|h| known.iter().any(|k| k.via(h))) {
        return Change::Sysctls(objects.sysctls.clone()); // the kernel refuses it (EEXIST)
    }
    hops.extend(
        known
            .iter()
            .filter(|k| !route.hops.as_slice().iter().any(|h| h.via(k))),
    );
    let mut merged = route;
    merged.hops = Hop::from_vec(hops);
    Change::Route(Op::New, Placement::Last, merged)
}
