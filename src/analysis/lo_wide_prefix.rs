//! `lo-wide-prefix`: an address on lo (outside `127.0.0.0/8` and not `::1`) with a prefix shorter than a host's.

use super::probe::{other_host_in, shows};
use super::{Finding, Severity, Subject};
use crate::lookup::Query;
use crate::model::{Family, RouteKind, State};

/// Finds non-loopback-range addresses on lo whose prefix covers more than the address itself.
pub fn check(state: &State) -> Vec<Finding> {
    let lo = state.loopback();
    state
        .addresses
        .iter()
        .filter(|a| a.index == lo && !a.local.is_loopback())
        .filter(|a| a.prefix_len < a.family().max_prefix_len())
        .map(|a| {
            let dev = state.link_name(lo);
            let host = a.family().max_prefix_len();
            let ip = super::commands::ip(a.family());
            let evidence = other_host_in(a.prefix(), &[a.local]).and_then(|other| {
                let q = Query {
                    dst: Some(other),
                    ..Query::default()
                };
                shows(state, &q, |v| {
                    v.answer.outcome.kind() == Some(RouteKind::Local) || v.answer.dev == Some(lo)
                })
            });
            Finding {
                id: "lo-wide-prefix",
                severity: Severity::Warning,
                subjects: vec![Subject::Address(a.clone()), Subject::Link(lo)],
                message: format!(
                    "{}/{} on {dev} claims the whole prefix {} for this host",
                    a.local,
                    a.prefix_len,
                    a.prefix()
                ),
                why: format!(
                    "An address on lo makes its whole prefix route to lo, so every other address \
                     in {} is answered by this host (or dropped) and its real owners become \
                     unreachable. Addresses on lo are meant to be /{host}.",
                    a.prefix()
                ),
                fix: {
                    let add = format!("{ip} addr add {}/{host} dev {dev}", a.local);
                    let del = format!("{ip} addr del {}/{} dev {dev}", a.local, a.prefix_len);
                    // IPv6 knows an address by itself alone: the wide one must go first
                    if a.family() == Family::V6 {
                        vec![del, add]
                    } else {
                        vec![add, del]
                    }
                },
                evidence,
            }
        })
        .collect()
}
