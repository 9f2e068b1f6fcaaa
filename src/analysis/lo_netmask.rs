//! `lo-netmask`: lo's 127.0.0.1 with a prefix other than /8.

use std::net::{IpAddr, Ipv4Addr};

use super::probe::shows;
use super::{Finding, Severity, Subject};
use crate::lookup::Query;
use crate::model::{Family, RouteKind, State};

/// Finds 127.0.0.1 on the loopback device with a prefix length other than 8.
pub fn check(state: &State) -> Vec<Finding> {
    let lo = state.loopback();
    let home = IpAddr::V4(Ipv4Addr::LOCALHOST);
    state
        .addresses_of(lo, Family::V4)
        .filter(|a| a.local == home && a.prefix_len != 8)
        .map(|a| {
            let dev = state.link_name(lo);
            // an address the kernel treats differently than with /8
            let (probe, expect_local) = if a.prefix_len > 8 {
                (Ipv4Addr::new(127, 255, 255, 254), false)
            } else {
                (Ipv4Addr::new(126, 255, 255, 254), true)
            };
            let q = Query {
                dst: Some(IpAddr::V4(probe)),
                ..Query::default()
            };
            let evidence = shows(state, &q, |v| {
                (v.answer.outcome.kind() == Some(RouteKind::Local)) == expect_local
            });
            Finding {
                id: "lo-netmask",
                severity: Severity::Warning,
                subjects: vec![Subject::Address(a.clone()), Subject::Link(lo)],
                message: format!(
                    "{dev} has 127.0.0.1/{} instead of 127.0.0.1/8",
                    a.prefix_len
                ),
                why: format!(
                    "The kernel makes the whole prefix of lo's address local, so with /{} the \
                     loopback range 127.0.0.0/8 is {}: {probe} is {}.",
                    a.prefix_len,
                    if expect_local { "widened" } else { "cut short" },
                    if expect_local {
                        "delivered to this host"
                    } else {
                        "routed out of the host like any other address"
                    }
                ),
                fix: vec![
                    format!("ip addr add 127.0.0.1/8 dev {dev}"),
                    format!("ip addr del 127.0.0.1/{} dev {dev}", a.prefix_len),
                ],
                evidence,
            }
        })
        .collect()
}
