//! Queries that exercise a rule or a prefix, so a finding can be shown with `lookup::resolve`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::lookup::{Query, Verdict, resolve};
use crate::model::{Family, Rule, Selector, State};

/// A destination on the internet for the family, used when nothing narrows it.
pub fn remote(family: Family) -> IpAddr {
    match family {
        Family::V4 => IpAddr::V4(Ipv4Addr::new(1, 1, 1, 1)),
        Family::V6 => IpAddr::V6(Ipv6Addr::new(0x2606, 0x4700, 0, 0, 0, 0, 0, 0x1111)),
    }
}

/// An address inside `net` other than its network address (the address itself for host routes).
pub fn host_in(net: IpNet) -> IpAddr {
    if net.prefix_len() == 0 {
        return remote(Family::of(net.addr()));
    }
    if net.prefix_len() >= net.max_prefix_len() - 1 {
        return net.addr();
    }
    match net.network() {
        IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) | 1)),
        IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) | 1)),
    }
}

/// An address inside `net` that is none of `avoid` (for a neighbour on a subnet).
pub fn other_host_in(net: IpNet, avoid: &[IpAddr]) -> Option<IpAddr> {
    if net.prefix_len() + 2 > net.max_prefix_len() {
        return None;
    }
    (1u32..8)
        .map(|n| match net.network() {
            IpAddr::V4(a) => IpAddr::V4(Ipv4Addr::from(u32::from(a) + 2 * n + 5)),
            IpAddr::V6(a) => IpAddr::V6(Ipv6Addr::from(u128::from(a) + u128::from(2 * n + 5))),
        })
        .find(|h| net.contains(h) && !avoid.contains(h))
}

/// A query whose packet matches every selector of `rule`, to `dst` when given; `None` when a
/// selector cannot be expressed as `ip route get` words.
pub fn matching(state: &State, rule: &Rule, dst: Option<IpAddr>) -> Option<Query> {
    if rule.invert {
        return None;
    }
    let mut q = Query {
        dst: Some(dst.unwrap_or_else(|| remote(rule.family))),
        ..Query::default()
    };
    for s in &rule.selectors {
        match s {
            Selector::Iif { detached: true, .. } | Selector::Oif { detached: true, .. } => {
                return None;
            }
            Selector::Iif { name, .. } => q.iif = Some(name.json_text().into_owned()),
            Selector::Oif { name, .. } => q.oif = Some(name.json_text().into_owned()),
            Selector::Fwmark { mark, mask } => q.mark = Some(mark & mask),
            Selector::Uid { start, .. } => q.uid = Some(*start),
            Selector::From(net) => q.from = Some(local_in(state, *net).unwrap_or(host_in(*net))),
            Selector::To(net) if dst.is_none_or(|d| net.contains(&d)) => {
                q.dst = Some(dst.unwrap_or_else(|| host_in(*net)));
            }
            Selector::Tos(tos) if rule.family == Family::V4 => q.tos = Some(*tos),
            Selector::IpProto(p) => q.ipproto = Some(*p),
            Selector::Sport(p) if p.mask.is_none() => q.sport = Some(p.start),
            Selector::Dport(p) if p.mask.is_none() => q.dport = Some(p.start),
            Selector::TunId(0) => {}
            _ => return None,
        }
    }
    if (q.sport.is_some() || q.dport.is_some()) && q.ipproto.is_none() {
        q.ipproto = Some(6);
    }
    let local_from = q
        .from
        .is_some_and(|f| state.addresses.iter().any(|a| a.local == f));
    if q.from.is_some() && !local_from && q.iif.is_none() {
        return None;
    }
    if q.iif.is_some() && q.from.is_none() {
        q.from = Some(match rule.family {
            Family::V4 => IpAddr::V4(Ipv4Addr::new(192, 0, 2, 77)),
            Family::V6 => IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0x77)),
        });
    }
    q.validate(state).ok()?;
    Some(q)
}

/// One of this host's addresses inside `net`.
fn local_in(state: &State, net: IpNet) -> Option<IpAddr> {
    state
        .addresses
        .iter()
        .map(|a| a.local)
        .find(|a| net.contains(a))
}

/// The query and its verdict, when `proves` holds for the verdict.
pub fn shows(state: &State, q: &Query, proves: impl Fn(&Verdict) -> bool) -> Option<String> {
    proves(&resolve(state, q)).then(|| q.to_words())
}
