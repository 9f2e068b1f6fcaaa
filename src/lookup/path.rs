//! The path and the source of a successful output lookup: which of several nexthops or
//! equal-metric defaults the kernel may take, and the source address each gives (§3.3, §4.3).

use std::net::IpAddr;

use super::flow::Flow;
use super::output::note;
use super::source::{self, SourceWhy};
use super::table::Hit;
use super::{Candidate, Confidence, PathChoice, SourceChoice, Stage, Step, StepResult, Verdict};
use crate::model::{Family, NextHop, RouteKind, Scope, State, addr_or_none};

/// Multipath and alternating equal-metric defaults: list the candidates (§3.3).
pub(super) fn choose_path(
    state: &State,
    flow: &Flow,
    hit: &Hit,
    v: &mut Verdict,
    steps: &mut Vec<Step>,
) {
    let route = &hit.route;
    if hit.is_multipath() {
        v.candidates = candidates(hit, |n| path_source(state, flow, hit, n));
        v.confidence = Confidence::Approximate;
        let text = "multipath: the kernel picks a nexthop by a per-flow hash with a per-boot key";
        v.add_note(text);
        note(
            steps,
            Stage::Nexthop,
            StepResult::Nexthop(PathChoice::OneOfSeveral),
            text.into(),
        );
        return;
    }
    if flow.oif != 0
        || flow.family != Family::V4
        || route.dst.prefix_len() != 0
        || route.kind != RouteKind::Unicast
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
        // each path gives its own source: the flow's, else the route's `src`, else the one
        // the kernel selects on that path's device towards its gateway
        v.candidates = defaults
            .iter()
            .map(|r| Candidate {
                dev: r.dev(),
                gateway: r.gateway(),
                src: flow.src.or(r.prefsrc).or_else(|| {
                    source::select_v4(state, r.dev(), r.gateway(), r.scope).map(|(a, _)| a)
                }),
            })
            .collect();
        v.confidence = Confidence::Approximate;
        let mut srcs: Vec<String> = Vec::new();
        for src in v.candidates.iter().filter_map(|c| c.src) {
            if !srcs.contains(&src.to_string()) {
                srcs.push(src.to_string());
            }
        }
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
        note(
            steps,
            Stage::Nexthop,
            StepResult::Nexthop(PathChoice::Alternates),
            text.clone(),
        );
        v.add_note(&text);
    }
}

/// The IPv4 source the kernel gives one path (`fib_result_prefsrc`, docs/linux-lookup.md §3.4).
struct V4Source {
    /// The address and why, as the kernel holds it now (as far as routescope can know).
    chosen: Option<(IpAddr, SourceWhy)>,
    /// What an IPv4 nexthop object would hold instead once an IPv4 address or a link change has
    /// made its cached source stale.
    after_change: AfterChange,
}

/// A nexthop object's source after its cache goes stale, against the one it holds.
enum AfterChange {
    /// The same address (or nothing is cached: not a nexthop object, or an IPv6 one).
    Same,
    /// Another address, or none.
    Other(Option<IpAddr>),
}

/// The IPv4 source of `path` of `hit`: a plain route selects with its own scope; an IPv6
/// nexthop object keeps none and selects with the route's scope and no gateway to match; an
/// IPv4 nexthop object caches the one selected at its creation with the scope just below its
/// own (`nh_create_ipv4`), and reselects with the route's scope once addresses change.
fn v4_source(state: &State, hit: &Hit, path: &NextHop) -> V4Source {
    let route = &hit.route;
    let with_route_scope = |gw| source::select_v4(state, path.dev, gw, route.scope);
    if route.nhid == 0 {
        return V4Source {
            chosen: with_route_scope(path.gateway),
            after_change: AfterChange::Same,
        };
    }
    if object_family(state, route.nhid, path) == Some(Family::V6) {
        return V4Source {
            chosen: with_route_scope(None),
            after_change: AfterChange::Same,
        };
    }
    let creation = if path.gateway.is_some() {
        Scope(Scope::LINK.0 - 1)
    } else {
        Scope::LINK
    };
    let chosen = source::select_v4(state, path.dev, path.gateway, creation);
    let reselected = with_route_scope(path.gateway).map(|(a, _)| a);
    let after_change = if chosen.map(|(a, _)| a) == reselected {
        AfterChange::Same
    } else {
        AfterChange::Other(reselected)
    };
    V4Source {
        chosen,
        after_change,
    }
}

/// The family of the nexthop object behind `path` of a route through object `nhid`: the object
/// itself, or the group member with the path's device and gateway.
fn object_family(state: &State, nhid: u32, path: &NextHop) -> Option<Family> {
    let object = state.nexthops.get(&nhid)?;
    if object.group.is_empty() {
        return object.family();
    }
    object
        .group
        .iter()
        .filter_map(|m| state.nexthops.get(&m.id))
        .find(|n| n.dev.unwrap_or(0) == path.dev && n.gateway == path.gateway)
        .and_then(crate::model::Nexthop::family)
}

/// The device IPv6 source selection starts from: the path's, except that a route through a
/// nexthop group uses its first member's device whichever member carries the packet.
fn source_device(state: &State, hit: &Hit, path_dev: u32) -> u32 {
    if hit.route.family() == Family::V6 && hit.route.nhid != 0 {
        if let Some(first) = super::table::hops(state, &hit.route).first() {
            return first.dev;
        }
    }
    path_dev
}

/// The source a path of a multipath route would give: the flow's, else the route's `src`, else
/// the one selected on the path (IPv4: its device towards its gateway, as `fib_result_prefsrc`
/// does once the path is chosen; IPv6: from the device `source_device` names).
fn path_source(state: &State, flow: &Flow, hit: &Hit, path: &NextHop) -> Option<IpAddr> {
    if let Some(src) = flow.src.or(hit.route.prefsrc) {
        return Some(src);
    }
    match flow.family {
        Family::V4 => v4_source(state, hit, path).chosen.map(|(a, _)| a),
        Family::V6 => {
            let dev = source_device(state, hit, path.dev);
            super::source_v6::select(state, dev, flow.dst).map(|(a, _)| a)
        }
    }
}

/// The source address: the given one, the route's `src`, or the kernel's choice (§3.4, §4.3).
pub(super) fn pick_source(
    state: &State,
    flow: &Flow,
    hit: &Hit,
    v: &mut Verdict,
    steps: &mut Vec<Step>,
) {
    // `resolve` keeps no steps: their sentences are written only for an explanation
    let say = |steps: &mut Vec<Step>, choice, text: &dyn Fn() -> String| {
        if flow.trace {
            note(steps, Stage::Source, StepResult::Source(choice), text());
        }
    };
    if let Some(src) = flow.src.filter(|_| !flow.src_preset) {
        v.answer.src = Some(src);
        say(steps, SourceChoice::Given, &|| {
            format!("{src}: the application chose it (`from`, a bound socket)")
        });
        return;
    }
    if let Some(src) = flow.src {
        // chosen before the lookup (multicast on a bound device), already explained
        v.answer.src = Some(src);
        return;
    }
    if let Some(prefsrc) = hit.route.prefsrc {
        v.answer.src = Some(prefsrc);
        say(steps, SourceChoice::RouteSrc, &|| {
            format!("{prefsrc}: the route's `src` (RTA_PREFSRC) applies to every application")
        });
        return;
    }
    let dev = source_device(state, hit, v.answer.dev.unwrap_or(0));
    let chosen = match (flow.family, hit.paths.first()) {
        (Family::V4, Some(path)) => {
            let picked = v4_source(state, hit, path);
            if let AfterChange::Other(other) = picked.after_change {
                v.other_sources.push(other);
                let other = addr_or_none(other);
                v.unsure(format!(
                    "nexthop {}'s cached source: after an IPv4 address or link change the kernel reselects it with the route's scope ({other})",
                    hit.route.nhid
                ));
            }
            picked.chosen
        }
        (Family::V4, None) => source::select_v4(state, dev, v.answer.gateway, hit.route.scope),
        (Family::V6, _) => super::source_v6::select(state, dev, flow.dst),
    };
    if let Some((src, why)) = chosen {
        v.answer.src = Some(src);
        say(steps, SourceChoice::Selected, &|| {
            format!("{src}: {}", why.text(state))
        });
    } else {
        say(steps, SourceChoice::None, &|| {
            "no usable address: the packet would carry no source".into()
        });
    }
}

/// The paths of a multipath hit as candidates, each with the source `src` gives it.
pub fn candidates(hit: &Hit, src: impl Fn(&NextHop) -> Option<IpAddr>) -> Vec<Candidate> {
    hit.paths
        .iter()
        .map(|n| Candidate {
            dev: n.dev,
            gateway: n.gateway,
            src: src(n),
        })
        .collect()
}
