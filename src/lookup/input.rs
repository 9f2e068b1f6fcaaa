//! Input lookups, `ip route get … iif DEV` (spec §5; IPv6 §7.1 has no forwarding check).

use std::net::{IpAddr, Ipv4Addr};

use super::flow::Flow;
use super::output::{fail, note, with_unsure};
use super::rules::{self, Walk};
use super::table::{self, Hit};
use super::{Candidate, Confidence, RuleRef, Stage, Step, StepResult, Verdict};
use crate::model::{Errno, Family, Outcome, RouteKind, State, table as tables};

/// The verdict for a packet arriving on `flow.iif`.
pub fn route(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Verdict {
    if flow.family == Family::V4 {
        if let Some(early) = martians(state, flow, steps) {
            return early;
        }
    }
    let walked = rules::walk(state, flow, steps, &|id| table::lookup(state, flow, id));
    let verdict = match walked.end {
        Walk::Error {
            errno,
            rule,
            route,
            why,
        } => {
            let forwarding = state.sysctls.device(&state.link_name(flow.iif)).forwarding;
            // IPv4 turns every failure into "no route to host" when it would not forward anyway
            let errno = if flow.family == Family::V4 && !forwarding {
                Errno::Ehostunreach
            } else {
                errno
            };
            let mut v = fail(steps, Stage::Verdict, errno, why);
            v.rule = rule;
            v.route = route;
            v
        }
        Walk::Hit(hit, rule) => deliver_or_forward(state, flow, steps, &hit, &rule),
    };
    with_unsure(verdict, walked.unsure)
}

/// The IPv4 checks before the table lookup (§5 steps 1-6); `Some` ends the lookup.
fn martians(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Option<Verdict> {
    let dev = state.link_name(flow.iif);
    let broadcast = IpAddr::V4(Ipv4Addr::BROADCAST);
    if let Some(src) = flow.src.filter(|s| s.is_multicast() || *s == broadcast) {
        return Some(fail(
            steps,
            Stage::Input,
            Errno::Einval,
            format!("martian source {src}"),
        ));
    }
    if flow.dst == broadcast || (flow.src.is_none() && flow.dst.is_unspecified()) {
        return Some(broadcast_input(state, flow, steps));
    }
    let Some(src) = flow.src else {
        let why = format!(
            "a packet arriving on {dev} needs a source address (`from`): 0.0.0.0 is martian"
        );
        return Some(fail(steps, Stage::Input, Errno::Einval, why));
    };
    if flow.dst.is_unspecified() {
        return Some(fail(
            steps,
            Stage::Input,
            Errno::Einval,
            format!("martian destination 0.0.0.0 arriving on {dev}"),
        ));
    }
    if flow.dst.is_multicast() {
        let why = format!(
            "multicast {} arriving on {dev}: group membership is not modelled",
            flow.dst
        );
        let mut v = fail(steps, Stage::Input, Errno::Einval, why);
        v.confidence = Confidence::Approximate;
        return Some(v);
    }
    let localnet = state.sysctls.either(&dev, |s| s.route_localnet);
    if (flow.dst.is_loopback() || src.is_loopback()) && !localnet {
        let why = format!("127/8 arriving on {dev} is martian (route_localnet is off)");
        return Some(fail(steps, Stage::Input, Errno::Einval, why));
    }
    None
}

/// Local delivery or forwarding of an input packet whose lookup found a route.
fn deliver_or_forward(
    state: &State,
    flow: &Flow,
    steps: &mut Vec<Step>,
    hit: &Hit,
    rule: &RuleRef,
) -> Verdict {
    let route = &hit.route;
    let dev = state.link_name(flow.iif);
    let table_name = state.table_names.name(hit.table);
    let mut v = super::output::winner(flow, steps, hit, rule);
    v.answer.src = flow.src;
    if matches!(route.kind, RouteKind::Local | RouteKind::Broadcast) {
        if flow.family == Family::V4 {
            if let Some(err) = validate_source(state, flow, 0, steps) {
                return err;
            }
        }
        v.answer.dev = Some(state.loopback());
        v.summary = format!(
            "delivered locally: {} (table {table_name}, rule {})",
            route.dst, rule.priority
        );
        return v;
    }
    if flow.family == Family::V4 && !state.sysctls.device(&dev).forwarding {
        let why = format!("{} is not local and forwarding is off on {dev}", flow.dst);
        return fail(steps, Stage::Input, Errno::Ehostunreach, why);
    }
    if flow.family == Family::V4 && route.kind != RouteKind::Unicast {
        return fail(
            steps,
            Stage::Input,
            Errno::Einval,
            format!("a {} route cannot forward", route.kind.name()),
        );
    }
    let nh = hit.nexthop().copied();
    v.answer.dev = nh.map(|n| n.dev);
    v.answer.gateway = nh.and_then(|n| n.gateway);
    if hit.is_multipath() {
        v.confidence = Confidence::Approximate;
        v.candidates = hit
            .paths
            .iter()
            .map(|n| Candidate {
                dev: n.dev,
                gateway: n.gateway,
                src: None,
            })
            .collect();
        v.note = Some("multipath: the kernel picks a nexthop by a per-flow hash".into());
    }
    if flow.family == Family::V4 {
        if let Some(err) = validate_source(state, flow, v.answer.dev.unwrap_or(0), steps) {
            return err;
        }
    }
    let via = v
        .answer
        .gateway
        .map(|g| format!(" via {g}"))
        .unwrap_or_default();
    let out = state.link_name(v.answer.dev.unwrap_or(0));
    v.summary = format!(
        "forwarded{via} out of {out}: table {table_name} route {} (rule {})",
        route.dst, rule.priority
    );
    v
}

/// A limited broadcast arriving on a device: delivered locally once the source checks out (§5 step 4).
fn broadcast_input(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Verdict {
    if flow.src.is_some() {
        let mut check = flow.clone();
        check.dst = IpAddr::V4(Ipv4Addr::UNSPECIFIED);
        if let Some(err) = validate_source(state, &check, 0, steps) {
            return err;
        }
    }
    let why = format!(
        "{} arriving on {} is a broadcast for this host",
        flow.dst,
        state.link_name(flow.iif)
    );
    note(
        steps,
        Stage::Input,
        StepResult::Input(Outcome::Route(RouteKind::Broadcast)),
        why.clone(),
    );
    let mut v = Verdict::success(RouteKind::Broadcast);
    v.summary = why;
    v.answer.dev = Some(state.loopback());
    v.answer.src = Some(flow.src.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
    v
}

/// Reverse-path validation of an input packet's source (`fib_validate_source`, §5);
/// `out_dev` is the forward device, or 0 for local delivery and broadcasts.
fn validate_source(
    state: &State,
    flow: &Flow,
    out_dev: u32,
    steps: &mut Vec<Step>,
) -> Option<Verdict> {
    let src = flow.src?;
    let dev = state.link_name(flow.iif);
    let rp = state.sysctls.rp_filter(&dev);
    let accept_local = state.sysctls.either(&dev, |s| s.accept_local);
    // user-added local routes and custom rules make the kernel do the full reverse lookup
    let custom_local = state.table(Family::V4, tables::LOCAL).is_some_and(|t| {
        t.iter()
            .any(|r| r.kind == RouteKind::Local && r.protocol != 2)
    });
    let custom_rules = state.ipv4_tables_merged != Some(true) || custom_local;
    // forwarding back out of the arrival device could need a redirect: never for local delivery
    let redirect_candidate = out_dev != 0 && out_dev == flow.iif;
    let own = format!("martian source: {src} is this host's own address, arriving on {dev}");
    if rp == 0 && !custom_rules && !redirect_candidate {
        if accept_local || !state.addresses.iter().any(|a| a.local == src) {
            note(
                steps,
                Stage::Input,
                StepResult::Input(Outcome::Route(RouteKind::Unicast)),
                format!("source {src} accepted (rp_filter off)"),
            );
            return None;
        }
        return Some(fail(steps, Stage::Input, Errno::Einval, own));
    }
    let reverse = reverse_flow(state, flow, out_dev);
    let answer = rules::walk(state, &reverse, &mut Vec::new(), &|id| {
        table::lookup(state, &reverse, id)
    });
    let rejection = match answer.end {
        Walk::Error { .. } => (rp != 0).then(|| format!("rp_filter: no route back to {src}")),
        Walk::Hit(hit, _) => match hit.route.kind {
            RouteKind::Local if !accept_local => Some(own),
            RouteKind::Unicast | RouteKind::Local => {
                let back_on_dev = hit.route.hops.as_slice().iter().any(|n| n.dev == flow.iif);
                (!back_on_dev && rp == 1).then(|| {
                    format!("strict rp_filter: the route back to {src} does not leave by {dev}")
                })
            }
            other => Some(format!("the route back to {src} is {}", other.name())),
        },
    };
    match rejection {
        None => {
            note(
                steps,
                Stage::Input,
                StepResult::Input(Outcome::Route(RouteKind::Unicast)),
                format!("source {src} passes the reverse-path check"),
            );
            None
        }
        Some(why) => Some(fail(steps, Stage::Input, Errno::Einval, why)),
    }
}

/// The reverse lookup `fib_validate_source` makes: to the source, from the destination.
fn reverse_flow(state: &State, flow: &Flow, out_dev: u32) -> Flow {
    let mut reverse = flow.clone();
    reverse.dst = flow.src.unwrap_or(flow.dst);
    reverse.src = Some(flow.dst).filter(|d| !d.is_unspecified());
    // `fib_validate_source` looks up with iif = the forward device, or lo for local delivery
    reverse.iif = if out_dev == 0 {
        state.loopback()
    } else {
        out_dev
    };
    reverse.oif = 0;
    reverse.uid = 0;
    reverse.input = true;
    if !state
        .sysctls
        .either(&state.link_name(flow.iif), |s| s.src_valid_mark)
    {
        reverse.mark = 0;
    }
    std::mem::swap(&mut reverse.sport, &mut reverse.dport);
    reverse
}
