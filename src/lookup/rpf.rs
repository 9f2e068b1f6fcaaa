//! Source validation of IPv4 input, as `fib_validate_source()` and `__fib_validate_source()` do
//! it (docs/kernel-notes.md §4.1): the fast path, the reverse lookup, strict and loose checks.

use std::net::{IpAddr, Ipv4Addr};

use super::flow::Flow;
use super::output::{fail, note};
use super::rules::{self, Walk};
use super::table;
use super::{Stage, Step, StepResult, Verdict};
use crate::model::{Errno, Family, Outcome, RouteKind, State};

/// What the check decides: accept, or reject with the reason.
type Decision = Result<(), String>;

/// Validates the source of an input packet; `out_dev` is the forward device (0 for local
/// delivery and broadcasts). `Some` is the error verdict when the source is refused.
pub fn validate_source(
    state: &State,
    flow: &Flow,
    out_dev: u32,
    steps: &mut Vec<Step>,
) -> Option<Verdict> {
    let src = flow.src?;
    let (decision, unsure) = decide(state, flow, src, out_dev);
    match decision {
        Ok(()) => {
            note(
                steps,
                Stage::Input,
                StepResult::Input(Outcome::Route(RouteKind::Unicast)),
                format!("source {src} passes the source check"),
            );
            if let Some(what) = unsure {
                steps.push(Step::new(Stage::Input, StepResult::Unsure, what));
            }
            None
        }
        Err(why) => {
            let mut v = fail(steps, Stage::Input, Errno::Einval, why);
            if let Some(what) = unsure {
                v.unsure(what);
            }
            Some(v)
        }
    }
}

/// The decision, and what routescope cannot know that could change it.
fn decide(state: &State, flow: &Flow, src: IpAddr, out_dev: u32) -> (Decision, Option<String>) {
    let dev = state.name_of(flow.iif);
    let rp = state.sysctls.rp_filter(dev);
    let realms = state
        .routes()
        .any(|r| r.extra.as_ref().is_some_and(|e| e.realm.is_some()))
        || state.rules.iter().any(|r| r.realms.is_some());
    let redirect = flow.iif == out_dev && state.sysctls.either(dev, |s| s.send_redirects);
    if rp != 0 || realms || redirect {
        return (full_check(state, flow, src, out_dev, rp), None);
    }
    if state.sysctls.either(dev, |s| s.accept_local) {
        return (Ok(()), None);
    }
    let custom_rules = state.ipv4_tables_merged != Some(true);
    // `fib_has_custom_local_routes` is set by any `local` route a user ever added, never cleared
    let user_local = state
        .routes()
        .any(|r| r.family() == Family::V4 && r.kind == RouteKind::Local && r.protocol != 2);
    if custom_rules || user_local {
        return (full_check(state, flow, src, out_dev, rp), None);
    }
    let fast = if state.addresses.iter().any(|a| a.local == src) {
        Err(format!(
            "martian source: {src} is this host's own address, arriving on {dev}"
        ))
    } else {
        Ok(())
    };
    let full = full_check(state, flow, src, out_dev, rp);
    let unsure = (fast.is_ok() != full.is_ok()).then(|| {
        "the source check takes its full path if a `local` route was ever added in this \
         namespace (the kernel keeps no record routescope can read); it would then decide otherwise"
            .to_owned()
    });
    (fast, unsure)
}

/// `__fib_validate_source`: the reverse lookup from the destination back to the source.
fn full_check(state: &State, flow: &Flow, src: IpAddr, out_dev: u32, rp: u8) -> Decision {
    let dev = state.name_of(flow.iif);
    let accept_local = state.sysctls.either(dev, |s| s.accept_local);
    let reverse = reverse_flow(state, flow, out_dev);
    let no_addr = state.addresses_of(flow.iif, Family::V4).next().is_none();
    let last_resort = |why: String| if rp == 0 { Ok(()) } else { Err(why) };
    let walked = rules::walk(state, &reverse, &mut Vec::new(), &|id| {
        table::lookup(state, &reverse, id)
    });
    let hit = match walked.end {
        Walk::Error { .. } => {
            return last_resort(format!("rp_filter: no route back to {src}"));
        }
        Walk::Hit(hit, _) => hit,
    };
    let kind = hit.route.kind;
    if kind != RouteKind::Unicast && (kind != RouteKind::Local || !accept_local) {
        return Err(if kind == RouteKind::Local {
            format!("martian source: {src} is this host's own address, arriving on {dev}")
        } else {
            format!("the route back to {src} is {}", kind.name())
        });
    }
    let back_on_dev = table::hops(state, &hit.route)
        .iter()
        .any(|n| n.dev == flow.iif)
        || (kind == RouteKind::Local && flow.iif == state.loopback());
    if back_on_dev {
        return Ok(());
    }
    if no_addr {
        return last_resort(format!(
            "rp_filter: {dev} has no IPv4 address and the route back to {src} does not use it"
        ));
    }
    if rp == 1 {
        return Err(format!(
            "strict rp_filter: the route back to {src} does not leave by {dev}"
        ));
    }
    Ok(())
}

/// The reverse lookup `fib_validate_source` makes: to the source, from the destination (0 for
/// broadcasts and multicast), arriving on the forward device or on lo for local delivery.
fn reverse_flow(state: &State, flow: &Flow, out_dev: u32) -> Flow {
    let mut reverse = flow.clone();
    reverse.dst = flow.src.unwrap_or(flow.dst);
    reverse.src = Some(flow.dst).filter(|d| !d.is_unspecified());
    reverse.iif = if out_dev == 0 {
        state.loopback()
    } else {
        out_dev
    };
    reverse.oif = 0;
    reverse.uid = 0;
    reverse.input = true;
    reverse.trace = false;
    if !state
        .sysctls
        .either(state.name_of(flow.iif), |s| s.src_valid_mark)
    {
        reverse.mark = 0;
    }
    std::mem::swap(&mut reverse.sport, &mut reverse.dport);
    reverse
}

/// The flow with destination 0.0.0.0: how broadcasts and multicast are checked.
pub fn without_destination(flow: &Flow) -> Flow {
    let mut check = flow.clone();
    check.dst = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    check
}
