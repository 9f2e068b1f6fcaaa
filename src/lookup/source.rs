//! Source address selection (spec §4.3 for IPv4, §7.5 for IPv6).

use std::net::IpAddr;

use crate::model::{Address, Family, Scope, State};

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

/// Whether `addr` is one of this host's addresses, or inside a `local` route of the local table.
pub fn is_local(state: &State, addr: IpAddr) -> bool {
    state.addresses.iter().any(|a| a.local == addr)
        || state.table(Family::of(addr), 255).is_some_and(|t| {
            t.iter()
                .any(|r| r.kind == crate::model::RouteKind::Local && r.dst.contains(&addr))
        })
}
