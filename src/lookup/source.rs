//! Source address selection (spec §4.3 for IPv4, §7.5 for IPv6).

use std::net::IpAddr;

use super::flow::Flow;
use super::{Query, table};
use crate::model::{Address, Family, RouteKind, Scope, State};

/// `inet_select_addr(dev, dst, scope)`: the IPv4 source the kernel picks, and why.
pub fn select_v4(
    state: &State,
    dev: u32,
    dst: Option<IpAddr>,
    scope: Scope,
) -> Option<(IpAddr, String)> {
    let localnet = state
        .sysctls
        .either(state.name_of(dev), |s| s.route_localnet);
    let eligible = |a: &&Address| {
        let own_scope = if localnet && a.scope == Scope::HOST {
            Scope::LINK
        } else {
            a.scope
        };
        !a.is_secondary() && own_scope <= scope
    };
    let on_dev: Vec<&Address> = state
        .addresses_of(dev, Family::V4)
        .filter(eligible)
        .collect();
    let dev_name = state.link_name(dev);
    if let Some(gw) = dst.filter(|d| !d.is_unspecified()) {
        if let Some(a) = on_dev.iter().find(|a| a.covers(gw)) {
            return Some((
                a.local,
                format!("the primary address of {dev_name} in the subnet of {gw}"),
            ));
        }
    }
    if let Some(a) = on_dev.first() {
        return Some((
            a.local,
            format!(
                "the first primary address of {dev_name} with scope {} or wider",
                scope.name()
            ),
        ));
    }
    for index in state.device_order() {
        let found = state
            .addresses_of(index, Family::V4)
            .find(|a| !a.is_secondary() && a.scope != Scope::LINK && a.scope <= scope);
        if let Some(a) = found {
            let why = format!(
                "{dev_name} has no suitable address, so the first one elsewhere: {} on {}",
                a.local,
                state.link_name(index)
            );
            return Some((a.local, why));
        }
    }
    None
}

/// Whether `addr` is this host's, as `__ip_dev_find` decides for a `from` address: one of its
/// addresses, or else a longest-prefix lookup of the local table that gives a `local` route —
/// while local and main are one trie that lookup sees main's routes too, so a more specific
/// main route hides a `local` range.
pub fn is_local(state: &State, addr: IpAddr) -> bool {
    if state.addresses.iter().any(|a| a.local == addr) {
        return true;
    }
    let query = Query {
        dst: Some(addr),
        ..Query::default()
    };
    let mut flow = Flow::new(state, &query);
    flow.trace = false;
    let merged = flow.family == Family::V4 && state.ipv4_tables_merged == Some(true);
    let answer = if merged {
        table::lookup_merged(state, &flow)
    } else {
        table::lookup(state, &flow, crate::model::table::LOCAL)
    };
    matches!(answer, table::Answer::Hit(hit) if hit.route.kind == RouteKind::Local)
}
