//! IPv6 multipath routes as notifications describe them: the kernel keeps each nexthop as a
//! sibling route, announces an append with the whole set (the new nexthop first), and a
//! deletion of one nexthop by naming it alone (`RouteTable::remove_sibling`).

use super::{Hop, NextHop, Route, RouteTable};

/// Fits an IPv6 multipath notification to the table: the other routes of its slot and type
/// whose nexthops it holds are siblings it absorbs, and the nexthops already known keep their
/// order, new ones going last, as a dump lists them.
pub fn absorb(table: &mut RouteTable, mut route: Route) -> Route {
    let hops: Vec<NextHop> = match &route.hops {
        Hop::Multi(hops) if route.nhid == 0 => hops.to_vec(),
        _ => return route,
    };
    let related: Vec<Route> = table
        .routes_for(route.dst)
        .filter(|r| {
            r.same_slot(&route)
                && r.kind == route.kind
                && r.hops
                    .as_slice()
                    .iter()
                    .all(|h| hops.iter().any(|n| n.via(h)))
        })
        .collect();
    let mut ordered: Vec<NextHop> = Vec::with_capacity(hops.len());
    let known = related.iter().flat_map(|r| r.hops.as_slice());
    for n in known
        .filter_map(|k| hops.iter().find(|n| n.via(k)))
        .chain(&hops)
    {
        if !ordered.iter().any(|o| o.via(n)) {
            ordered.push(*n);
        }
    }
    for sibling in related.iter().filter(|r| !r.same_route(&route)) {
        table.remove(sibling);
    }
    route.hops = Hop::from_vec(ordered);
    route
}
