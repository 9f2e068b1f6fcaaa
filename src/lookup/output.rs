//! Building the answer from the rule walk (spec §4 output, §5 input, §7 IPv6).

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use super::flow::Flow;
use super::rules::{self, Walk};
use super::source;
use super::table::{self, Hit};
use super::{Confidence, RuleRef, Stage, Step, Verdict};
use super::{PathChoice, SourceChoice, StepResult};
use crate::model::{
    Errno, Family, Outcome, RouteKind, Scope, State, push_addr, push_net, table as tables,
};

/// Records a step.
pub(super) fn note(steps: &mut Vec<Step>, stage: Stage, result: StepResult, text: String) {
    steps.push(Step::new(stage, result, text));
}

/// An error verdict, recorded as a step too.
pub(super) fn fail(steps: &mut Vec<Step>, stage: Stage, errno: Errno, why: String) -> Verdict {
    note(steps, stage, StepResult::Fails(errno), why.clone());
    Verdict::error(errno, why)
}

/// Carries what the rule walk could not evaluate into the verdict.
pub(super) fn with_unsure(mut v: Verdict, unsure: Vec<String>) -> Verdict {
    for what in unsure {
        v.unsure(what);
    }
    v
}

/// The verdict for a flow: input (`iif`) or output, IPv4 or IPv6.
pub fn route(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Verdict {
    // `rtm_getroute_parse_ip_proto`: route get takes only tcp, udp and the family's icmp
    let icmp = if flow.family == Family::V4 { 1 } else { 58 };
    if ![6, 17, icmp].contains(&flow.proto) && (flow.proto != 0 || flow.family == Family::V4) {
        let why = format!(
            "the kernel's route get accepts only tcp, udp and icmp for this family, not ipproto {}",
            flow.proto
        );
        return fail(steps, Stage::Flow, Errno::Eopnotsupp, why);
    }
    if flow.input {
        return super::input::route(state, flow, steps);
    }
    if flow.family == Family::V4 {
        if let Some(early) = output_v4_checks(state, flow, steps) {
            return early;
        }
    }
    let preset = multicast_source(state, flow, steps);
    let flow = preset.as_ref().unwrap_or(flow);
    let walked = rules::walk(state, flow, steps, &|id| table::lookup(state, flow, id));
    let verdict = match walked.end {
        Walk::Error { why, .. } if flow.family == Family::V4 && flow.oif != 0 => {
            on_link(state, flow, steps, &why)
        }
        Walk::Error {
            errno,
            rule,
            route,
            why,
        } => {
            let mut v = fail(steps, Stage::Verdict, errno, why);
            v.rule = rule;
            v.answer.table = route.as_ref().map(|r| r.table);
            v.route = route;
            v
        }
        Walk::Hit(hit, rule) => finish_output(state, flow, steps, &hit, &rule),
    };
    with_unsure(verdict, walked.unsure)
}

/// IPv4 multicast beyond 224.0.0.x on a bound device: the kernel picks the source on that
/// device (universe scope) before the lookup, so rules and routes see it.
fn multicast_source(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Option<Flow> {
    if flow.family != Family::V4 || flow.oif == 0 || flow.src.is_some() || !flow.dst.is_multicast()
    {
        return None;
    }
    let (src, why) = source::select_v4(state, flow.oif, None, Scope::UNIVERSE)?;
    note(
        steps,
        Stage::Source,
        StepResult::Source(SourceChoice::Selected),
        format!(
            "{src}: chosen before the lookup for multicast on a bound device — {}",
            why.text(state)
        ),
    );
    let mut preset = flow.clone();
    preset.src = Some(src);
    preset.src_preset = true;
    Some(preset)
}

/// IPv4 output checks before the FIB lookup (§4.1 steps 1-3); `Some` ends the lookup early.
fn output_v4_checks(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Option<Verdict> {
    if let Some(src) = flow.src {
        if src.is_multicast() || src == IpAddr::V4(Ipv4Addr::BROADCAST) {
            return Some(fail(
                steps,
                Stage::Source,
                Errno::Einval,
                format!("the source {src} is multicast or broadcast"),
            ));
        }
        if !source::is_local(state, src) {
            let why =
                format!("the source {src} is not an address of this host (nor in a local route)");
            return Some(fail(steps, Stage::Source, Errno::Enetunreach, why));
        }
    }
    if flow.oif != 0 && !state.link(flow.oif).is_some_and(crate::model::Link::is_up) {
        let why = format!("the bound device {} is down", state.link_name(flow.oif));
        return Some(fail(steps, Stage::Nexthop, Errno::Enetunreach, why));
    }
    if let Some(v) = group_without_lookup(state, flow, steps) {
        return Some(v);
    }
    if flow.dst.is_unspecified() {
        let bound = (flow.oif != 0)
            .then(|| source::select_v4(state, flow.oif, None, Scope::HOST))
            .flatten();
        let src = flow
            .src
            .or(bound.map(|(a, _)| a))
            .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST));
        let loopback = state
            .links
            .values()
            .find(|l| l.is_loopback())
            .map_or(1, |l| l.index);
        note(
            steps,
            Stage::Route,
            StepResult::Verdict(Outcome::Route(RouteKind::Local)),
            "0.0.0.0 means this host: delivered over lo".into(),
        );
        let mut v = Verdict::success(RouteKind::Local);
        v.summary = "0.0.0.0 is this host".into();
        v.answer.dev = Some(loopback);
        v.answer.src = Some(src);
        return Some(v);
    }
    None
}

/// Multicast and broadcast sent from a given source or bound device skip the FIB (§4.1 1-2).
fn group_without_lookup(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Option<Verdict> {
    let IpAddr::V4(dst) = flow.dst else {
        return None;
    };
    let broadcast = dst == Ipv4Addr::BROADCAST;
    let kind = if broadcast {
        RouteKind::Broadcast
    } else {
        RouteKind::Multicast
    };
    let local_group = dst.is_multicast() && dst.octets()[..3] == [224, 0, 0];
    let (dev, src, why) = if flow.oif != 0 && (broadcast || local_group) {
        let src = flow
            .src
            .or_else(|| source::select_v4(state, flow.oif, None, Scope::LINK).map(|(a, _)| a));
        let why = format!(
            "{dst} on a bound device: sent out of {} without a table lookup",
            state.link_name(flow.oif)
        );
        (flow.oif, src, why)
    } else if flow.oif == 0 && (broadcast || dst.is_multicast()) {
        let src = flow.src?;
        let owner = state.addresses.iter().find(|a| a.local == src)?;
        let why = format!(
            "{dst} from {src}: sent out of {}, the device that owns the source, without a table lookup",
            state.link_name(owner.index)
        );
        (owner.index, Some(src), why)
    } else {
        return None;
    };
    note(
        steps,
        Stage::Nexthop,
        StepResult::Nexthop(PathChoice::Direct),
        why.clone(),
    );
    let mut v = Verdict::success(kind);
    v.summary = why;
    v.answer.dev = Some(dev);
    v.answer.src = src;
    Some(v)
}

/// The kernel's on-link assumption for a bound device when the lookup failed (§4.1 step 4).
fn on_link(state: &State, flow: &Flow, steps: &mut Vec<Step>, why: &str) -> Verdict {
    let dev = state.link_name(flow.oif);
    let text = format!(
        "{why}; but the flow is bound to {dev}, so the kernel assumes {} is on-link there",
        flow.dst
    );
    note(
        steps,
        Stage::Nexthop,
        StepResult::Nexthop(PathChoice::OnLink),
        text.clone(),
    );
    let src = flow
        .src
        .or_else(|| source::select_v4(state, flow.oif, None, Scope::LINK).map(|(a, _)| a));
    let kind = if flow.dst.is_multicast() {
        RouteKind::Multicast
    } else {
        RouteKind::Unicast
    };
    let mut v = Verdict::success(kind);
    v.answer.dev = Some(flow.oif);
    v.answer.src = src;
    v.summary = format!("sent on-link out of {dev} (bound device; no route through it matched)");
    v
}

/// Why the kernel names table main for a route of table local while the two are one trie: said
/// in the verdict's note wherever the answer is shown (text, JSON, the TUI).
pub const MERGED_NOTE: &str =
    "local and main are one trie until a rule is added; the kernel reports it as main";

/// Records the route a table answered with and starts the verdict from it (output and input).
pub(super) fn winner(
    state: &State,
    flow: &Flow,
    steps: &mut Vec<Step>,
    hit: &Hit,
    rule: &RuleRef,
) -> Verdict {
    if flow.trace {
        let mut step = Step::new(Stage::Route, StepResult::Winner, String::new());
        step.table = Some(hit.table);
        step.route = Some(hit.route.clone());
        steps.push(step);
    }
    let mut v = Verdict::success(hit.route.kind);
    v.answer.table = Some(hit.table);
    let merged = flow.family == Family::V4 && state.ipv4_tables_merged == Some(true);
    if merged && hit.table == tables::LOCAL {
        // the one trie is main's: the kernel reports main for a route of the local table
        v.answer.table = Some(tables::MAIN);
        v.add_note(MERGED_NOTE);
    }
    v.rule = Some(rule.clone());
    v.route = Some(hit.route.clone());
    for kind in hit.route.extra.iter().flat_map(|e| &e.unmodelled) {
        v.unsure(format!(
            "route {} carries attribute {kind} (RTA_*) that routescope does not evaluate",
            hit.route.dst
        ));
    }
    v
}

/// Completes a successful output lookup: local delivery, path selection, source.
fn finish_output(
    state: &State,
    flow: &Flow,
    steps: &mut Vec<Step>,
    hit: &Hit,
    rule: &RuleRef,
) -> Verdict {
    let route = &hit.route;
    let table_name = state.table_names.name_ref(hit.table);
    let mut v = winner(state, flow, steps, hit, rule);
    if route.kind == RouteKind::Anycast && route.family() == Family::V6 && route.protocol == 2 {
        // the kernel's own IPv6 anycast addresses are delivered over lo like local ones
        v.answer.dev = Some(state.loopback());
        v.answer.src = flow
            .src
            .or(route.prefsrc)
            .or_else(|| super::source_v6::select(state, route.dev(), flow.dst).map(|(a, _)| a));
        v.summary = format!(
            "delivered locally: {} is an anycast address of this host (table {table_name}, rule {})",
            flow.dst, rule.priority
        );
        return v;
    }
    if route.kind == RouteKind::Local {
        v.answer.dev = Some(state.loopback());
        v.answer.src = flow.src.or(route.prefsrc).or(Some(flow.dst));
        v.summary = format!(
            "delivered locally: {} is in local route {} (table {table_name}, rule {})",
            flow.dst, route.dst, rule.priority
        );
        return v;
    }
    let nh = hit.nexthop().copied();
    v.answer.dev = nh.map(|n| n.dev);
    v.answer.gateway = nh.and_then(|n| n.gateway);
    // broadcasts never use a gateway; multicast only through a route shorter than /4
    if (flow.dst.is_multicast() && route.dst.prefix_len() < 4)
        || flow.dst == IpAddr::V4(Ipv4Addr::BROADCAST)
        || route.kind == RouteKind::Broadcast
    {
        v.answer.gateway = None;
    }
    if flow.dst == IpAddr::V4(Ipv4Addr::BROADCAST) {
        v.answer.outcome = Outcome::Route(RouteKind::Broadcast);
    } else if flow.dst.is_multicast() {
        v.answer.outcome = Outcome::Route(RouteKind::Multicast);
        v.confidence = Confidence::Approximate;
        v.add_note("multicast: group membership decides local delivery");
    }
    super::path::choose_path(state, flow, hit, &mut v, steps);
    super::path::pick_source(state, flow, hit, &mut v, steps);
    if let (Some(IpAddr::V4(src)), Some(dev)) = (v.answer.src, v.answer.dev) {
        let looped = state.link(dev).is_some_and(crate::model::Link::is_loopback);
        let localnet = state
            .sysctls
            .either(state.name_of(dev), |s| s.route_localnet);
        if src.is_loopback() && !looped && !localnet {
            return fail(
                steps,
                Stage::Source,
                Errno::Einval,
                format!(
                    "source {src} is a loopback address but the packet would leave by {}",
                    state.link_name(dev)
                ),
            );
        }
    }
    // `sent via G out of DEV from S: table T route P (rule N)`, written into one string: this
    // runs for every answer `resolve` gives
    let mut summary = String::with_capacity(96);
    summary.push_str("sent");
    if let Some(g) = v.answer.gateway {
        summary.push_str(" via ");
        push_addr(&mut summary, g);
    }
    summary.push_str(" out of ");
    if let Some(d) = v.answer.dev {
        summary.push_str(&state.link_name(d));
    }
    if let Some(s) = v.answer.src {
        summary.push_str(" from ");
        push_addr(&mut summary, s);
    }
    let _ = write!(summary, ": table {table_name} route ");
    push_net(&mut summary, route.dst);
    let _ = write!(summary, " (rule {})", rule.priority);
    v.summary = summary;
    v
}
