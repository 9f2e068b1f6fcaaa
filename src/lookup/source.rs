//! Source address selection (spec §4.3 for IPv4, §7.5 for IPv6).

use std::net::{IpAddr, Ipv6Addr};

use crate::model::{Address, AddressFlags, Family, Scope, State};

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
    for link in state.links.values() {
        let found = state
            .addresses_of(link.index, Family::V4)
            .find(|a| !a.is_secondary() && a.scope != Scope::LINK && a.scope <= scope);
        if let Some(a) = found {
            let why = format!(
                "{dev_name} has no suitable address, so the first one elsewhere: {} on {}",
                a.local, link.name
            );
            return Some((a.local, why));
        }
    }
    None
}

/// IPv6 source selection as the kernel ranks candidates (RFC 6724, `ipv6_dev_get_saddr`).
pub fn select_v6(state: &State, dev: u32, dst: IpAddr) -> Option<(IpAddr, String)> {
    let IpAddr::V6(dst6) = dst else { return None };
    let dst_scope = v6_scope(dst6);
    let only_oif = state
        .sysctls
        .either(state.name_of(dev), |s| s.ipv6_use_oif_addrs_only);
    let usable = |a: &&Address| {
        !a.flags.has(AddressFlags::TENTATIVE)
            && !a.flags.has(AddressFlags::DADFAILED)
            && a.family() == Family::V6
    };
    let candidates: Vec<&Address> = state
        .addresses
        .iter()
        .filter(usable)
        .filter(|a| !only_oif || a.index == dev)
        .filter(|a| matches!(a.local, IpAddr::V6(l) if v6_scope(l) >= dst_scope || a.index == dev))
        .collect();
    let rank = |a: &Address| {
        let IpAddr::V6(local) = a.local else {
            return (0, 0, 0, 0, 0);
        };
        let same = u8::from(local == dst6);
        let scope = v6_scope(local);
        // rule 2: prefer the smallest scope that still reaches the destination
        let scope_fit = if scope >= dst_scope { 16 - scope } else { 0 };
        let fresh = u8::from(!a.flags.has(AddressFlags::DEPRECATED));
        let on_dev = u8::from(a.index == dev);
        let common = (u128::from(local) ^ u128::from(dst6))
            .leading_zeros()
            .min(u32::from(a.prefix_len));
        (same, scope_fit, fresh, on_dev, common)
    };
    let best = candidates.into_iter().max_by_key(|a| rank(a))?;
    let why = format!(
        "the best-ranked address (RFC 6724: scope, not deprecated, on {}, longest match)",
        state.link_name(dev)
    );
    Some((best.local, why))
}

/// The IPv6 scope value of an address (`ipv6_addr_src_scope`): larger reaches further.
fn v6_scope(a: Ipv6Addr) -> u8 {
    if a.is_loopback() {
        0x1
    } else if a.segments()[0] & 0xffc0 == 0xfe80 {
        0x2
    } else if a.is_multicast() {
        a.octets()[1] & 0x0f
    } else {
        0xe
    }
}

/// Whether `addr` is one of this host's addresses, or inside a `local` route of the local table.
pub fn is_local(state: &State, addr: IpAddr) -> bool {
    state.addresses.iter().any(|a| a.local == addr)
        || state.table(Family::of(addr), 255).is_some_and(|t| {
            t.iter()
                .any(|r| r.kind == crate::model::RouteKind::Local && r.dst.contains(&addr))
        })
}
