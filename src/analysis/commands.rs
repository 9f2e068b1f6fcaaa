//! The `ip` commands findings suggest, written as an operator would type them.

use std::fmt::Write as _;

use crate::model::{Family, Route, RouteKind, Rule, State};

/// `ip` or `ip -6`, for the family.
pub fn ip(family: Family) -> &'static str {
    match family {
        Family::V4 => "ip",
        Family::V6 => "ip -6",
    }
}

/// The rule's words after its priority, as `ip rule add` takes them back (tables by number).
pub fn rule_words(rule: &Rule) -> String {
    rule.selector_text(&rule.table.to_string())
        .replace(" [detached]", "")
        .replace(" [unresolved]", "")
}

/// `ip rule del` for exactly this rule.
pub fn rule_del(rule: &Rule) -> String {
    format!(
        "{} rule del pref {} {}",
        ip(rule.family),
        rule.priority,
        rule_words(rule)
    )
}

/// `ip rule add` of this rule at another priority.
pub fn rule_add_at(rule: &Rule, priority: u32) -> String {
    format!(
        "{} rule add pref {priority} {}",
        ip(rule.family),
        rule_words(rule)
    )
}

/// The words that name a route for `ip route del` / `add`: type, prefix, tos, table, metric.
pub fn route_key(route: &Route) -> String {
    let mut words = Vec::new();
    if route.kind != RouteKind::Unicast {
        words.push(route.kind.name());
    }
    words.push(crate::model::prefix_text(route.dst));
    if route.tos != 0 {
        words.push(format!("tos {:#04x}", route.tos));
    }
    words.push(format!("table {}", route.table));
    words.push(format!("metric {}", route.metric));
    words.join(" ")
}

/// The route's single path as `via G dev D`, empty for multipath and error routes.
fn path_words(state: &State, route: &Route) -> String {
    let mut words = String::new();
    if let crate::model::Hop::One(nh) = &route.hops {
        if let Some(g) = nh.gateway {
            let _ = write!(words, " via {g}");
        }
        if nh.dev != 0 {
            let _ = write!(words, " dev {}", state.link_name(nh.dev));
        }
    }
    words
}

/// `ip route del` for exactly this route (its path too, so a tied route is not taken instead).
pub fn route_del(state: &State, route: &Route) -> String {
    format!(
        "{} route del {}{}",
        ip(route.family()),
        route_key(route),
        path_words(state, route)
    )
}

/// `ip route add` of this single-nexthop route with another metric (keeping gateway, device, src).
pub fn route_add_with_metric(state: &State, route: &Route, metric: u32) -> String {
    let mut moved = route.clone();
    moved.metric = metric;
    let src = route
        .prefsrc
        .map(|s| format!(" src {s}"))
        .unwrap_or_default();
    format!(
        "{} route add {}{}{src}",
        ip(route.family()),
        route_key(&moved),
        path_words(state, route)
    )
}

/// A priority below `before` that no rule of the family uses, if there is one.
pub fn free_priority_before(state: &State, family: Family, before: u32) -> Option<u32> {
    (1..before)
        .rev()
        .find(|p| state.rule_slice(family).iter().all(|r| r.priority != *p))
}
