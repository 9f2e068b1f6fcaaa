//! Building the answer from the rule walk (spec §4 output, §5 input, §7 IPv6).

use std::net::{IpAddr, Ipv4Addr};

use super::flow::Flow;
use super::rules::{self, Walk};
use super::source;
use super::table::{self, Hit};
use super::{Confidence, RuleRef, Stage, Step, Verdict};
use crate::model::{Family, RouteKind, Scope, State};

/// Records a step.
pub(super) fn note(steps: &mut Vec<Step>, stage: Stage, text: String, result: &str) {
    steps.push(Step {
        stage,
        text,
        result: result.to_owned(),
        rule_priority: None,
        table: None,
    });
}

/// An error verdict, recorded as a step too.
pub(super) fn fail(
    steps: &mut Vec<Step>,
    stage: Stage,
    errno: &'static str,
    why: String,
) -> Verdict {
    note(steps, stage, why.clone(), errno);
    Verdict::error(errno, why)
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
        return fail(steps, Stage::Flow, "EOPNOTSUPP", why);
    }
    if flow.input {
        return super::input::route(state, flow, steps);
    }
    if flow.family == Family::V4 {
        if let Some(early) = output_v4_checks(state, flow, steps) {
            return early;
        }
    }
    let walk = rules::walk(state, flow, steps, &|id| table::lookup(state, flow, id));
    match walk {
        Walk::Error {
            errno,
            rule,
            route,
            why,
        } => {
            if flow.family == Family::V4 && flow.oif != 0 {
                return on_link(state, flow, steps, &why);
            }
            if flow.family == Family::V6 && errno == "ENETUNREACH" && flow.dst.is_loopback() {
                return Verdict::error(errno, why);
            }
            let mut v = fail(steps, Stage::Verdict, errno, why);
            v.rule = rule;
            v.table = route.as_ref().map(|r| r.table);
            v.route = route;
            v
        }
        Walk::Hit(hit, rule) => finish_output(state, flow, steps, &hit, &rule),
    }
}

/// IPv4 output checks before the FIB lookup (§4.1 steps 1-3); `Some` ends the lookup early.
fn output_v4_checks(state: &State, flow: &Flow, steps: &mut Vec<Step>) -> Option<Verdict> {
    if let Some(src) = flow.src {
        if src.is_multicast() || src == IpAddr::V4(Ipv4Addr::BROADCAST) {
            return Some(fail(
                steps,
                Stage::Source,
                "EINVAL",
                format!("the source {src} is multicast or broadcast"),
            ));
        }
        if !source::is_local(state, src) {
            let why =
                format!("the source {src} is not an address of this host (nor in a local route)");
            return Some(fail(steps, Stage::Source, "ENETUNREACH", why));
        }
    }
    if flow.oif != 0 && !state.link(flow.oif).is_some_and(crate::model::Link::is_up) {
        let why = format!("the bound device {} is down", state.link_name(flow.oif));
        return Some(fail(steps, Stage::Nexthop, "ENETUNREACH", why));
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
            "0.0.0.0 means this host: delivered over lo".into(),
            "local",
        );
        let mut v = Verdict::error("", "0.0.0.0 is this host".into());
        v.error = None;
        v.kind = Some(RouteKind::Local);
        v.dev = Some(loopback);
        v.src = Some(src);
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
    note(steps, Stage::Nexthop, why.clone(), &kind.name());
    let mut v = Verdict::error("", why);
    v.error = None;
    v.kind = Some(kind);
    v.dev = Some(dev);
    v.src = src;
    Some(v)
}

/// The kernel's on-link assumption for a bound device when the lookup failed (§4.1 step 4).
fn on_link(state: &State, flow: &Flow, steps: &mut Vec<Step>, why: &str) -> Verdict {
    let dev = state.link_name(flow.oif);
    let text = format!(
        "{why}; but the flow is bound to {dev}, so the kernel assumes {} is on-link there",
        flow.dst
    );
    note(steps, Stage::Nexthop, text.clone(), "on-link");
    let src = flow
        .src
        .or_else(|| source::select_v4(state, flow.oif, None, Scope::LINK).map(|(a, _)| a));
    let mut v = Verdict::error("", text);
    v.error = None;
    v.kind = Some(RouteKind::Unicast);
    v.dev = Some(flow.oif);
    v.src = src;
    v.summary = format!("sent on-link out of {dev} (bound device; no route through it matched)");
    v
}

/// Records the route a table answered with and starts the verdict from it (output and input).
pub(super) fn winner(
    state: &State,
    flow: &Flow,
    steps: &mut Vec<Step>,
    hit: &Hit,
    rule: &RuleRef,
) -> Verdict {
    if flow.trace {
        let line = crate::report::text::route_line(state, &hit.route);
        let text = format!(
            "table {}: {}",
            state.table_names.name(hit.table),
            line.trim()
        );
        note(steps, Stage::Route, text, "winner");
    }
    let mut v = Verdict::success(hit.route.kind);
    v.table = Some(hit.table);
    v.rule = Some(rule.clone());
    v.route = Some(hit.route.clone());
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
    let table_name = state.table_names.name(hit.table);
    let mut v = winner(state, flow, steps, hit, rule);
    if route.kind == RouteKind::Local {
        v.dev = Some(state.loopback());
        v.src = flow.src.or(route.prefsrc).or(Some(flow.dst));
        v.summary = format!(
            "delivered locally: {} is in local route {} (table {table_name}, rule {})",
            flow.dst, route.dst, rule.priority
        );
        return v;
    }
    let nh = hit.nexthop().copied();
    v.dev = nh.map(|n| n.dev);
    v.gateway = nh.and_then(|n| n.gateway);
    if flow.dst.is_multicast()
        || flow.dst == IpAddr::V4(Ipv4Addr::BROADCAST)
        || route.kind == RouteKind::Broadcast
    {
        v.gateway = None;
    }
    if flow.dst == IpAddr::V4(Ipv4Addr::BROADCAST) {
        v.kind = Some(RouteKind::Broadcast);
    } else if flow.dst.is_multicast() {
        v.kind = Some(RouteKind::Multicast);
        v.confidence = Confidence::Approximate;
        v.note = Some("multicast: group membership decides local delivery".into());
    }
    choose_path(state, flow, hit, &mut v, steps);
    pick_source(state, flow, hit, &mut v, steps);
    if let (Some(IpAddr::V4(src)), Some(dev)) = (v.src, v.dev) {
        let looped = state.link(dev).is_some_and(crate::model::Link::is_loopback);
        let localnet = state
            .sysctls
            .either(state.name_of(dev), |s| s.route_localnet);
        if src.is_loopback() && !looped && !localnet {
            return fail(
                steps,
                Stage::Source,
                "EINVAL",
                format!(
                    "source {src} is a loopback address but the packet would leave by {}",
                    state.link_name(dev)
                ),
            );
        }
    }
    let via = v.gateway.map(|g| format!(" via {g}")).unwrap_or_default();
    let dev = v.dev.map(|d| state.link_name(d)).unwrap_or_default();
    let src = v.src.map(|s| format!(" from {s}")).unwrap_or_default();
    v.summary = format!(
        "sent{via} out of {dev}{src}: table {table_name} route {} (rule {})",
        route.dst, rule.priority
    );
    v
}

/// Multipath and alternating equal-metric defaults: list the candidates (§3.3).
fn choose_path(state: &State, flow: &Flow, hit: &Hit, v: &mut Verdict, steps: &mut Vec<Step>) {
    if flow.oif != 0 {
        return;
    }
    let route = &hit.route;
    if table::is_multipath(route) {
        v.candidates = route
            .hops
            .as_slice()
            .iter()
            .map(|n| (n.dev, n.gateway, None))
            .collect();
        v.confidence = Confidence::Approximate;
        v.note = Some(
            "multipath: the kernel picks a nexthop by a per-flow hash with a per-boot key".into(),
        );
        note(
            steps,
            Stage::Nexthop,
            v.note.clone().unwrap_or_default(),
            "one of several",
        );
        return;
    }
    if flow.family != Family::V4 || route.dst.prefix_len() != 0 || route.kind != RouteKind::Unicast
    {
        return;
    }
    let Some(table) = state.table(Family::V4, hit.table) else {
        return;
    };
    let defaults: Vec<_> = table
        .routes_for(route.dst)
        .filter(|r| {
            r.kind == RouteKind::Unicast
                && r.tos == route.tos
                && r.metric == route.metric
                && r.gateway().is_some()
        })
        .collect();
    if defaults.len() > 1 {
        v.candidates = defaults
            .iter()
            .map(|r| (r.dev(), r.gateway(), r.prefsrc))
            .collect();
        v.confidence = Confidence::Approximate;
        let srcs: Vec<String> = defaults
            .iter()
            .filter_map(|r| r.prefsrc.map(|s| s.to_string()))
            .collect();
        let flap = if srcs.len() > 1 {
            format!("; the source flaps between {}", srcs.join(" and "))
        } else {
            String::new()
        };
        let text = format!(
            "{} default routes with metric {}: the kernel alternates between them by neighbour state (fib_select_default){flap}",
            defaults.len(),
            route.metric
        );
        note(steps, Stage::Nexthop, text.clone(), "alternates");
        v.note = Some(text);
    }
}

/// The source address: the given one, the route's `src`, or the kernel's choice (§3.4, §4.3).
fn pick_source(state: &State, flow: &Flow, hit: &Hit, v: &mut Verdict, steps: &mut Vec<Step>) {
    if let Some(src) = flow.src {
        v.src = Some(src);
        note(
            steps,
            Stage::Source,
            format!("{src}: the application chose it (`from`, a bound socket)"),
            "given",
        );
        return;
    }
    if let Some(prefsrc) = hit.route.prefsrc {
        v.src = Some(prefsrc);
        note(
            steps,
            Stage::Source,
            format!("{prefsrc}: the route's `src` (RTA_PREFSRC) applies to every application"),
            "route src",
        );
        return;
    }
    let dev = v.dev.unwrap_or(0);
    let chosen = match flow.family {
        Family::V4 => source::select_v4(state, dev, v.gateway, hit.route.scope),
        Family::V6 => source::select_v6(state, dev, flow.dst),
    };
    if let Some((src, why)) = chosen {
        v.src = Some(src);
        note(steps, Stage::Source, format!("{src}: {why}"), "selected");
    } else {
        note(
            steps,
            Stage::Source,
            "no usable address: the packet would carry no source".into(),
            "none",
        );
    }
}
