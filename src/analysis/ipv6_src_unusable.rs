//! `ipv6-src-unusable`: an IPv6 route's `src`, or the only source candidate, is tentative,
//! deprecated or failed duplicate address detection.

use std::net::IpAddr;

use super::probe::{host_in, shows};
use super::{Finding, Severity, Subject};
use crate::lookup::Query;
use crate::model::{Address, AddressFlags, Family, Route, RouteKind, Scope, State};

/// Routes named per finding, at most.
const SHOWN: usize = 3;

/// Why an address cannot serve as a source, if it cannot.
fn unusable(a: &Address) -> Option<&'static str> {
    let f = a.flags;
    if f.has(AddressFlags::DADFAILED) {
        Some("failed duplicate address detection")
    } else if f.has(AddressFlags::TENTATIVE) && !f.has(AddressFlags::OPTIMISTIC) {
        Some("is still tentative (duplicate address detection has not finished)")
    } else if f.has(AddressFlags::DEPRECATED) {
        Some("is deprecated (its preferred lifetime is over)")
    } else {
        None
    }
}

/// The command that makes the address usable again.
fn fix_for(state: &State, a: &Address) -> Vec<String> {
    let dev = state.link_name(a.index);
    let spec = format!("{}/{} dev {dev}", a.local, a.prefix_len);
    if a.flags.has(AddressFlags::DEPRECATED) && !a.flags.has(AddressFlags::DADFAILED) {
        vec![format!("ip -6 addr change {spec} preferred_lft forever")]
    } else {
        vec![
            format!("ip -6 addr del {spec}"),
            format!("ip -6 addr add {spec} nodad"),
        ]
    }
}

/// Finds route sources and sole source candidates that cannot be used.
pub fn check(state: &State) -> Vec<Finding> {
    let lo = state.loopback();
    let mut out = Vec::new();
    let global = |r: &Route| {
        r.family() == Family::V6
            && r.kind == RouteKind::Unicast
            && r.dev() != lo
            && !matches!(r.dst.addr(), IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80 || a.is_multicast())
    };
    let v6: Vec<&Address> = state
        .addresses
        .iter()
        .filter(|a| a.family() == Family::V6)
        .collect();
    for a in v6.iter().filter(|a| unusable(a).is_some()) {
        let routes: Vec<Route> = state
            .routes()
            .filter(|r| global(r))
            .filter(|r| r.prefsrc == Some(a.local))
            .collect();
        if let Some(first) = routes.first() {
            out.push(finding(
                state,
                a,
                &routes,
                &format!(
                    "the src of {} route{}",
                    routes.len(),
                    if routes.len() == 1 { "" } else { "s" }
                ),
                first,
            ));
        }
    }
    let candidates: Vec<&Address> = v6
        .iter()
        .copied()
        .filter(|a| a.scope == Scope::UNIVERSE && a.index != lo)
        .collect();
    let sole = candidates.len() == 1 && unusable(candidates[0]).is_some();
    if sole {
        let a = candidates[0];
        let routes: Vec<Route> = state
            .routes()
            .filter(|r| global(r))
            .filter(|r| r.prefsrc.is_none())
            .take(SHOWN)
            .collect();
        if let Some(first) = routes.first() {
            out.push(finding(
                state,
                a,
                &routes,
                "the only global source address",
                first,
            ));
        }
    }
    out
}

/// The finding for one unusable address and the routes that depend on it.
fn finding(state: &State, a: &Address, routes: &[Route], role: &str, first: &Route) -> Finding {
    let q = Query {
        dst: Some(host_in(first.dst)),
        ..Query::default()
    };
    let evidence = shows(state, &q, |v| v.answer.src.is_none_or(|s| s == a.local));
    let mut subjects = vec![Subject::Address(a.clone())];
    subjects.extend(
        routes
            .iter()
            .take(SHOWN)
            .map(|r| Subject::Route((*r).clone())),
    );
    Finding {
        id: "ipv6-src-unusable",
        severity: Severity::Warning,
        subjects,
        message: format!(
            "{} on {} is {role} but {}",
            a.local,
            state.link_name(a.index),
            unusable(a).unwrap_or("cannot be used")
        ),
        why: "IPv6 will not use a tentative or failed address as a source and avoids a \
              deprecated one for new connections, so traffic these routes carry gets another \
              source, or none, and replies may never come back."
            .into(),
        fix: fix_for(state, a),
        evidence,
    }
}
