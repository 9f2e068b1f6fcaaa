//! `dead-nexthop`: routes whose every nexthop is down, and nexthop groups with no live member.

use std::collections::BTreeMap;

use super::commands::{ip, route_del};
use super::{Finding, Severity, Subject};
use crate::model::{Family, LinkFlags, Nexthop, Route, RouteFlags, State};

/// Routes named as subjects per finding, at most.
const SHOWN: usize = 3;

/// Whether flags say a nexthop cannot carry traffic.
fn down(flags: u32) -> bool {
    flags & (RouteFlags::DEAD | RouteFlags::LINKDOWN) != 0
}

/// Whether a nexthop object (or every member of a group) is down or missing.
fn object_dead(state: &State, id: u32, depth: u8) -> bool {
    let Some(nh) = state.nexthops.get(&id) else {
        return true;
    };
    if nh.group.is_empty() {
        return !nh.blackhole && down(nh.flags);
    }
    depth < 4 && nh.group.iter().all(|m| object_dead(state, m.id, depth + 1))
}

/// Whether every path of a route is down.
fn route_dead(state: &State, r: &Route) -> bool {
    if r.kind != crate::model::RouteKind::Unicast {
        return false;
    }
    if r.nhid != 0 {
        return object_dead(state, r.nhid, 0);
    }
    let hops = r.hops.as_slice();
    !hops.is_empty() && hops.iter().all(|h| down(h.flags.0 | r.flags.0))
}

/// Finds dead routes (grouped by table and first device) and dead nexthop groups.
pub fn check(state: &State) -> Vec<Finding> {
    let mut groups: BTreeMap<(Family, u32, u32), Vec<Route>> = BTreeMap::new();
    let dead = state
        .tables
        .values()
        .flat_map(|t| t.select_shared(|r| route_dead(state, r)));
    for (_, r) in dead {
        groups
            .entry((r.family(), r.table, r.dev()))
            .or_default()
            .push(r);
    }
    let mut out: Vec<Finding> = groups
        .into_iter()
        .map(|((family, table, dev), routes)| dead_routes(state, family, table, dev, &routes))
        .collect();
    out.extend(
        state
            .nexthops
            .values()
            .filter(|n| !n.group.is_empty() && object_dead(state, n.id, 0))
            .map(dead_group),
    );
    out
}

/// The finding for dead routes of one table through one device.
fn dead_routes(state: &State, family: Family, table: u32, dev: u32, routes: &[Route]) -> Finding {
    let name = state.link_name(dev);
    let admin_down = state.link(dev).is_some_and(|l| !l.flags.has(LinkFlags::UP));
    let fix = if admin_down {
        vec![format!("ip link set {name} up")]
    } else {
        routes.iter().map(|r| route_del(state, r)).collect()
    };
    Finding {
        id: "dead-nexthop",
        severity: Severity::Warning,
        subjects: routes
            .iter()
            .take(SHOWN)
            .map(|r| Subject::Route((*r).clone()))
            .collect(),
        message: format!(
            "{} {} route{} in table {} only lead through {name}, which is down",
            routes.len(),
            family.name(),
            if routes.len() == 1 { "" } else { "s" },
            state.table_names.name(table)
        ),
        why: format!(
            "Every nexthop of these routes is dead or has no carrier, yet the routes stay in the \
             table and still win lookups (unless ignore_routes_with_linkdown is set), so the \
             packets they match go nowhere. Bring {name} back, or remove the routes so others \
             can take over."
        ),
        fix,
        evidence: None,
    }
}

/// The finding for a nexthop group with no live member.
fn dead_group(n: &Nexthop) -> Finding {
    let members: Vec<String> = n.group.iter().map(|m| m.id.to_string()).collect();
    Finding {
        id: "dead-nexthop",
        severity: Severity::Warning,
        subjects: std::iter::once(n.id)
            .chain(n.group.iter().map(|m| m.id))
            .map(Subject::Nexthop)
            .collect(),
        message: format!(
            "nexthop group {} has no live member ({})",
            n.id,
            members.join(", ")
        ),
        why: "Every member of the group is down or gone, so routes through it reach nothing."
            .into(),
        fix: vec![format!("{} nexthop del id {}", ip(Family::V4), n.id)],
        evidence: None,
    }
}
