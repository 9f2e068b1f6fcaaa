//! Input lookups, `ip route get … iif DEV` (spec §5; IPv6 §7.1 has no forwarding check).

use std::net::{IpAddr, Ipv4Addr};

use super::flow::Flow;
use super::output::{fail, note, with_unsure};
use super::rpf;
use super::rules::{self, Walk};
use super::table::{self, Hit};
use super::{Confidence, RuleRef, Stage, Step, StepResult, Verdict};
use crate::model::{Errno, Family, Outcome, RouteKind, State};

/// The verdict for a packet arriving on `flow.iif`.
pub fn route(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Verdict {
    if flow.family == Family::V4 && flow.dst.is_multicast() {
        return multicast_input(state, flow, steps);
    }
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
            let forwarding = state.sysctls.device(state.name_of(flow.iif)).forwarding;
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
    let mut v = super::output::winner(state, flow, steps, hit, rule);
    v.answer.src = flow.given_src;
    if flow.family == Family::V6 && route.dst.addr().is_multicast() {
        // `rt6_fill_node` asks the multicast routing cache for input routes to a group and
        // fails the whole request when there is none
        let why = format!(
            "route get cannot report input to multicast {} without a multicast route cache (EMSGSIZE)",
            flow.dst
        );
        return fail(steps, Stage::Input, Errno::Other(90), why);
    }
    let bc_forwarding = state.sysctls.both(&dev, |s| s.bc_forwarding);
    if route.kind == RouteKind::Broadcast && flow.family == Family::V4 && bc_forwarding {
        return forward_broadcast(state, flow, steps, hit, v);
    }
    let kernel_anycast = route.kind == RouteKind::Anycast && route.protocol == 2;
    if matches!(route.kind, RouteKind::Local | RouteKind::Broadcast)
        || (flow.family == Family::V6 && route.kind == RouteKind::Anycast)
    {
        if flow.family == Family::V4 {
            // broadcasts are checked with destination 0 (`brd_input`)
            let check = if route.kind == RouteKind::Broadcast {
                rpf::without_destination(flow)
            } else {
                flow.clone()
            };
            if let Some(err) = rpf::validate_source(state, &check, 0, steps) {
                return err;
            }
        }
        // only the kernel's own anycast routes (and local ones) deliver over lo
        v.answer.dev = Some(if route.kind == RouteKind::Anycast && !kernel_anycast {
            route.dev()
        } else {
            state.loopback()
        });
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
        v.candidates = super::path::candidates(hit, |_| None);
        v.add_note("multipath: the kernel picks a nexthop by a per-flow hash");
    }
    if flow.family == Family::V4 {
        if let Some(err) = rpf::validate_source(state, flow, v.answer.dev.unwrap_or(0), steps) {
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

/// A subnet broadcast forwarded out of its device (`bc_forwarding` on `all` and the arrival
/// device), which skips the forwarding check.
fn forward_broadcast(
    state: &State,
    flow: &Flow,
    steps: &mut Vec<Step>,
    hit: &Hit,
    mut v: Verdict,
) -> Verdict {
    let out = hit.nexthop().map_or(0, |n| n.dev);
    if let Some(err) = rpf::validate_source(state, flow, out, steps) {
        return err;
    }
    v.answer.dev = Some(out);
    v.summary = format!(
        "broadcast {} forwarded out of {} (bc_forwarding)",
        flow.dst,
        state.link_name(out)
    );
    v
}

/// IPv4 multicast arriving on a device (`ip_route_input_rcu`, before any other check): delivered
/// over lo when the device has joined the group, refused otherwise.
fn multicast_input(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Verdict {
    let dev = state.link_name(flow.iif);
    let IpAddr::V4(group) = flow.dst else {
        return Verdict::error(Errno::Einval, String::new());
    };
    let joined = state.joined(flow.iif, flow.dst);
    let local_group = group.octets()[..3] == [224, 0, 0];
    let mrouted = !local_group && state.sysctls.device(&dev).mc_forwarding;
    if !joined && !mrouted {
        let why = format!("{dev} has not joined multicast group {group}");
        return fail(steps, Stage::Input, Errno::Einval, why);
    }
    let src = flow.src.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let localnet = state.sysctls.either(&dev, |s| s.route_localnet);
    let bad_source = src.is_multicast()
        || src == IpAddr::V4(Ipv4Addr::BROADCAST)
        || (src.is_loopback() && !localnet)
        || (src.is_unspecified() && !local_group && flow.proto != 2);
    if bad_source {
        return fail(
            steps,
            Stage::Input,
            Errno::Einval,
            format!("martian source {src} for multicast"),
        );
    }
    if !src.is_unspecified() {
        let check = rpf::without_destination(flow);
        if let Some(err) = rpf::validate_source(state, &check, 0, steps) {
            return err;
        }
    }
    let why = if joined {
        format!("{dev} has joined {group}: delivered to this host")
    } else {
        format!("{group} on {dev}: passed to the multicast router (mc_forwarding)")
    };
    note(
        steps,
        Stage::Input,
        StepResult::Input(Outcome::Route(RouteKind::Multicast)),
        why.clone(),
    );
    let mut v = Verdict::success(RouteKind::Multicast);
    v.summary = why;
    v.answer.dev = Some(state.loopback());
    v.answer.src = flow.given_src;
    if mrouted && !joined {
        v.unsure("multicast routing (mc_forwarding) is not modelled".into());
    }
    v
}

/// A limited broadcast arriving on a device: delivered locally once the source checks out (§5 step 4).
fn broadcast_input(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Verdict {
    if flow.src.is_some() {
        let check = rpf::without_destination(flow);
        if let Some(err) = rpf::validate_source(state, &check, 0, steps) {
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
    v.answer.src = flow.given_src;
    v
}
