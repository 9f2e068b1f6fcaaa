//! Source address selection (spec §4.3 for IPv4, §7.5 for IPv6).

use std::net::IpAddr;

use super::flow::Flow;
use super::{Query, table};
use crate::model::{Address, Family, RouteKind, Scope, State};

/// Why source selection picked its address, kept as data: only an explanation writes it out
/// (`text`), and `resolve` runs this on every lookup.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceWhy {
    /// The primary address of `dev` in the subnet of the gateway `gw`.
    InSubnet { dev: u32, gw: IpAddr },
    /// The first primary address of `dev` with `scope` or wider.
    FirstOf { dev: u32, scope: Scope },
    /// `dev` has none, so the first suitable address elsewhere, `addr` on `on`.
    Elsewhere { dev: u32, addr: IpAddr, on: u32 },
    /// IPv6: the best candidate by the kernel's rules, on `on`, or among `dev`'s own addresses
    /// only (`only_oif`).
    BestV6 { only_oif: bool, dev: u32, on: u32 },
}

impl SourceWhy {
    /// The reason in words.
    pub fn text(self, state: &State) -> String {
        match self {
            Self::InSubnet { dev, gw } => format!(
                "the primary address of {} in the subnet of {gw}",
                state.link_name(dev)
            ),
            Self::FirstOf { dev, scope } => format!(
                "the first primary address of {} with scope {} or wider",
                state.link_name(dev),
                scope.name()
            ),
            Self::Elsewhere { dev, addr, on } => format!(
                "{} has no suitable address, so the first one elsewhere: {addr} on {}",
                state.link_name(dev),
                state.link_name(on)
            ),
            Self::BestV6 { only_oif, dev, on } => {
                let whose = if only_oif {
                    format!(
                        "only {}'s addresses count for this destination",
                        state.link_name(dev)
                    )
                } else {
                    format!("on {}", state.link_name(on))
                };
                format!(
                    "the best candidate by the kernel's rules (same address, scope, not deprecated, outgoing device, label, privacy, longest match) — {whose}"
                )
            }
        }
    }
}

/// `inet_select_addr(dev, dst, scope)`: the IPv4 source the kernel picks, and why.
pub fn select_v4(
    state: &State,
    dev: u32,
    dst: Option<IpAddr>,
    scope: Scope,
) -> Option<(IpAddr, SourceWhy)> {
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
    let on_dev = || state.addresses_of(dev, Family::V4).filter(eligible);
    if let Some(gw) = dst.filter(|d| !d.is_unspecified()) {
        if let Some(a) = on_dev().find(|a| a.covers(gw)) {
            return Some((a.local, SourceWhy::InSubnet { dev, gw }));
        }
    }
    if let Some(a) = on_dev().next() {
        return Some((a.local, SourceWhy::FirstOf { dev, scope }));
    }
    for index in state.device_order() {
        let found = state
            .addresses_of(index, Family::V4)
            .find(|a| !a.is_secondary() && a.scope != Scope::LINK && a.scope <= scope);
        if let Some(a) = found {
            let why = SourceWhy::Elsewhere {
                dev,
                addr: a.local,
                on: index,
            };
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
