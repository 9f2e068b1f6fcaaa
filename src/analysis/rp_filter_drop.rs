//! `rp-filter-drop`: strict reverse-path filtering on a device where packets from sources that
//! routes lead to through it would be dropped, because the way back leaves by another device.

use super::probe::{host_in, shows};
use super::{Finding, Severity, Subject};
use crate::lookup::Query;
use crate::model::{Errno, Family, RouteKind, State};

/// Routes looked at per device and table before giving up (keeps big tables fast).
const BUDGET: usize = 256;

/// Finds strict-rp_filter devices with a route through them whose sources the filter rejects.
pub fn check(state: &State) -> Vec<Finding> {
    let lo = state.loopback();
    let mut out = Vec::new();
    for link in state.links.values() {
        if link.index == lo || state.sysctls.rp_filter(&link.name) != 1 {
            continue;
        }
        let Some(me) = state.addresses_of(link.index, Family::V4).next() else {
            continue;
        };
        for (&(family, _), table) in &state.tables {
            if family != Family::V4 {
                continue;
            }
            let through = table
                .iter()
                .filter(|r| r.kind == RouteKind::Unicast)
                .filter(|r| r.hops.as_slice().iter().any(|h| h.dev == link.index))
                .take(BUDGET);
            for route in through {
                let q = Query {
                    dst: Some(me.local),
                    from: Some(host_in(route.dst)),
                    iif: Some(link.name.json_text().into_owned()),
                    ..Query::default()
                };
                let evidence = shows(state, &q, |v| {
                    v.answer.outcome.errno() == Some(Errno::Einval)
                        && v.summary.contains("strict rp_filter")
                });
                if let Some(evidence) = evidence {
                    out.push(finding(state, link.index, &route, evidence));
                    break;
                }
            }
        }
    }
    out
}

/// The finding for one device and the route whose sources it drops.
fn finding(state: &State, dev: u32, route: &crate::model::Route, evidence: String) -> Finding {
    let name = state.link_name(dev);
    Finding {
        id: "rp-filter-drop",
        severity: Severity::Warning,
        subjects: vec![Subject::Link(dev), Subject::Route(route.clone())],
        message: format!(
            "strict rp_filter on {name} drops packets from {} arriving there: the way back leaves by another device",
            crate::model::prefix_text(route.dst)
        ),
        why: format!(
            "With rp_filter=1 the kernel accepts a packet only if its reply would leave by the \
             device it came in on. Table {} sends {} out of {name}, but the lookup back to those \
             sources picks another device, so their packets are dropped silently.",
            state.table_names.name(route.table),
            crate::model::prefix_text(route.dst)
        ),
        fix: vec![format!("sysctl -w net.ipv4.conf.{name}.rp_filter=2")],
        evidence: Some(evidence),
    }
}
