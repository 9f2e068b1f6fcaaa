//! `policy-table-missing-connected`: a policy table sends its own subnet's neighbours to a
//! gateway because it lacks the connected route main has.

use ipnet::IpNet;

use super::commands::ip;
use super::probe::{matching, other_host_in, shows};
use super::{Finding, Severity, Subject};
use crate::model::{Address, Family, Route, RouteTable, RuleAction, Scope, State, table};

/// Finds user tables whose routes leave by a device but which send that device's subnet to a
/// gateway, shown by a query that reaches the table through one of its rules.
pub fn check(state: &State) -> Vec<Finding> {
    let mut out = Vec::new();
    for (&(family, id), routes) in &state.tables {
        if [table::LOCAL, table::MAIN, table::DEFAULT].contains(&id) {
            continue;
        }
        let mut devices: Vec<u32> = routes
            .iter()
            .flat_map(|r| r.hops.as_slice().to_vec())
            .filter(|h| h.gateway.is_some())
            .map(|h| h.dev)
            .take(64)
            .collect();
        devices.sort_unstable();
        devices.dedup();
        for dev in devices {
            let subnets = state.addresses_of(dev, family).filter(|a| {
                !a.is_secondary()
                    && a.scope == Scope::UNIVERSE
                    && a.prefix_len < family.max_prefix_len()
            });
            for a in subnets {
                if let Some(f) = gap(state, family, id, routes, dev, a) {
                    out.push(f);
                }
            }
        }
    }
    out
}

/// The finding when table `id` sends a neighbour of `a` via a gateway, shown by a lookup.
fn gap(
    state: &State,
    family: Family,
    id: u32,
    routes: &RouteTable,
    dev: u32,
    a: &Address,
) -> Option<Finding> {
    let subnet = a.prefix();
    let neighbour = other_host_in(subnet, &[a.local])?;
    let hit = longest_match(routes, neighbour)?;
    hit.gateway()?;
    let evidence = state
        .rule_slice(family)
        .iter()
        .filter(|r| r.action == RuleAction::Lookup && r.table == id)
        .filter_map(|r| matching(state, r, Some(neighbour)))
        .find_map(|q| {
            shows(state, &q, |v| {
                v.answer.table == Some(id) && v.answer.gateway.is_some()
            })
        })?;
    let name = state.link_name(dev);
    let tname = state.table_names.name(id);
    let src = if family == Family::V4 {
        format!(" scope link src {}", a.local)
    } else {
        String::new()
    };
    Some(Finding {
        id: "policy-table-missing-connected",
        severity: Severity::Warning,
        subjects: vec![
            Subject::Route(hit.clone()),
            Subject::Link(dev),
            Subject::Address(a.clone()),
        ],
        message: format!(
            "table {tname} has no route for {subnet} on {name}: neighbours there are sent to a gateway"
        ),
        why: format!(
            "Main has the connected route for {subnet}, but traffic that rules send to table \
             {tname} never sees main, so hosts on {name}'s own subnet are reached through the \
             gateway (or not at all). Copy the connected route into the table."
        ),
        fix: vec![format!(
            "{} route add {subnet} dev {name} table {id}{src}",
            ip(family)
        )],
        evidence: Some(evidence),
    })
}

/// The table's longest-prefix route for `addr` (first of its slot).
fn longest_match(routes: &RouteTable, addr: std::net::IpAddr) -> Option<Route> {
    routes.prefix_lens().find_map(|len| {
        let net = IpNet::new(addr, len).ok()?.trunc();
        routes.routes_for(net).next()
    })
}
