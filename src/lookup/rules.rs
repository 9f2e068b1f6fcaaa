//! The rule walk (spec §2): priority order, every selector, goto / nop / error actions, suppress.

use std::net::IpAddr;

use super::flow::Flow;
use super::table::{self, Answer, Hit};
use super::{RuleRef, Stage, Step};
use crate::model::{Family, Route, Rule, RuleAction, State};

/// How the walk ended.
pub enum Walk {
    /// A table answered with a usable route.
    Hit(Hit, RuleRef),
    /// A rule or route ended the lookup with an errno.
    Error {
        errno: &'static str,
        rule: Option<RuleRef>,
        route: Option<Route>,
        why: String,
    },
}

/// The rule as `ip rule` prints it.
pub fn rule_ref(state: &State, rule: &Rule) -> RuleRef {
    RuleRef {
        priority: rule.priority,
        text: rule.selector_text(&state.table_names.name(rule.table)),
    }
}

/// The selector of a rule that a flow fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failed {
    Iif,
    Oif,
    Fwmark,
    L3mdev,
    Uid,
    FromNoSource,
    From,
    To,
    Tos,
    Proto,
    Sport,
    Dport,
    Inverted,
}

/// Whether a rule matches the flow (after `not`), without building any text.
pub fn matches(state: &State, rule: &Rule, flow: &Flow) -> bool {
    failed(state, rule, flow).is_none()
}

/// Why a rule does not match the flow, or `None` if it matches (after `not`).
pub fn mismatch(state: &State, rule: &Rule, flow: &Flow) -> Option<String> {
    failed(state, rule, flow).map(|f| describe(state, rule, flow, f))
}

/// The first selector that fails, in the kernel's order (`fib_rule_match`, then the family part).
fn failed(state: &State, rule: &Rule, flow: &Flow) -> Option<Failed> {
    let first = first_failed_selector(state, rule, flow);
    match (rule.invert, first) {
        (false, first) => first,
        (true, Some(_)) => None,
        (true, None) => Some(Failed::Inverted),
    }
}

/// The name of device `index`, borrowed (empty for 0 or unknown).
fn name(state: &State, index: u32) -> &str {
    state.link(index).map_or("", |l| l.name.as_str())
}

/// The first failing selector of the rule itself, before `not`.
fn first_failed_selector(state: &State, rule: &Rule, flow: &Flow) -> Option<Failed> {
    if rule
        .iif
        .as_deref()
        .is_some_and(|iif| rule.iif_detached || name(state, flow.iif) != iif)
    {
        return Some(Failed::Iif);
    }
    if rule
        .oif
        .as_deref()
        .is_some_and(|oif| rule.oif_detached || flow.oif == 0 || name(state, flow.oif) != oif)
    {
        return Some(Failed::Oif);
    }
    if rule
        .fwmark
        .is_some_and(|mark| (mark ^ flow.mark) & rule.fwmask.unwrap_or(u32::MAX) != 0)
    {
        return Some(Failed::Fwmark);
    }
    if rule.l3mdev {
        return Some(Failed::L3mdev);
    }
    if rule
        .uidrange
        .is_some_and(|(lo, hi)| !(lo..=hi).contains(&flow.uid))
    {
        return Some(Failed::Uid);
    }
    if let Some(from) = rule.from {
        match (flow.family, flow.src) {
            // IPv6 checks `from` only when the flow has a source (RT6_LOOKUP_F_HAS_SADDR)
            (Family::V6, None) if from.prefix_len() > 0 => return Some(Failed::FromNoSource),
            (Family::V6, None) => {}
            (_, src) => {
                if !from.contains(&src.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))) {
                    return Some(Failed::From);
                }
            }
        }
    }
    if rule.to.is_some_and(|to| !to.contains(&flow.dst)) {
        return Some(Failed::To);
    }
    // 6.18 compares the rule's tos with the flow's DSCP masked to the legacy bits 0x1c
    if rule.tos != 0 && rule.tos != flow.tos & 0x1c {
        return Some(Failed::Tos);
    }
    if rule.ipproto.is_some_and(|p| p != flow.proto) {
        return Some(Failed::Proto);
    }
    if rule.sport.is_some_and(|r| !r.contains(flow.sport)) {
        return Some(Failed::Sport);
    }
    if rule.dport.is_some_and(|r| !r.contains(flow.dport)) {
        return Some(Failed::Dport);
    }
    None
}

/// The failed selector in words: what the rule wants and what the packet has.
fn describe(state: &State, rule: &Rule, flow: &Flow, failed: Failed) -> String {
    let proto = crate::model::ipproto_name;
    let range = |r: Option<crate::model::PortRange>| {
        r.map_or_else(String::new, |r| format!("{}-{}", r.start, r.end))
    };
    let prefix = |p: Option<ipnet::IpNet>| p.map_or_else(String::new, |p| p.to_string());
    match failed {
        Failed::Iif => format!(
            "iif {}: the packet comes from {}",
            rule.iif.as_deref().unwrap_or(""),
            name(state, flow.iif)
        ),
        Failed::Oif => {
            let bound = if flow.oif == 0 {
                "not bound to a device".into()
            } else {
                format!("bound to {}", name(state, flow.oif))
            };
            format!(
                "oif {}: the flow is {bound}",
                rule.oif.as_deref().unwrap_or("")
            )
        }
        Failed::Fwmark => format!(
            "fwmark {:#x}/{:#x}: the packet's mark is {:#x}",
            rule.fwmark.unwrap_or(0),
            rule.fwmask.unwrap_or(u32::MAX),
            flow.mark
        ),
        Failed::L3mdev => "l3mdev: the flow is not in a VRF".into(),
        Failed::Uid => {
            let (lo, hi) = rule.uidrange.unwrap_or_default();
            format!("uidrange {lo}-{hi}: uid is {}", flow.uid)
        }
        Failed::FromNoSource => format!("from {}: no source address given", prefix(rule.from)),
        Failed::From => {
            let src = flow
                .src
                .map_or_else(|| "0.0.0.0 (none yet)".into(), |s| s.to_string());
            format!("from {}: the source is {src}", prefix(rule.from))
        }
        Failed::To => format!("to {}: the destination is {}", prefix(rule.to), flow.dst),
        Failed::Tos => format!(
            "tos {:#04x}: the packet's tos is {:#04x}",
            rule.tos, flow.tos
        ),
        Failed::Proto => format!(
            "ipproto {}: the packet is {}",
            proto(rule.ipproto.unwrap_or(0)),
            proto(flow.proto)
        ),
        Failed::Sport => format!("sport {}: the port is {}", range(rule.sport), flow.sport),
        Failed::Dport => format!("dport {}: the port is {}", range(rule.dport), flow.dport),
        Failed::Inverted => "every selector matched, and the rule says `not`".into(),
    }
}

/// Walks the rules of the flow's family; `lookup` answers for one table.
pub fn walk(
    state: &State,
    flow: &Flow,
    steps: &mut Vec<Step>,
    lookup: &dyn Fn(u32) -> Answer,
) -> Walk {
    if flow.family == Family::V4 && state.ipv4_tables_merged == Some(true) {
        return walk_merged(state, flow, steps, lookup);
    }
    let rules = state.rule_slice(flow.family);
    let mut i = 0;
    while let Some(rule) = rules.get(i) {
        if !matches(state, rule, flow) {
            if flow.trace {
                let here = rule_ref(state, rule);
                let why = mismatch(state, rule, flow).unwrap_or_default();
                steps.push(Step {
                    stage: Stage::Rule,
                    text: format!("{}: {}", here.priority, here.text),
                    result: format!("skipped: {why}"),
                    rule_priority: Some(here.priority),
                    table: None,
                });
            }
            i += 1;
            continue;
        }
        // without a trace a plain lookup rule needs no text unless it ends the walk
        if !flow.trace && rule.action == RuleAction::Lookup {
            match lookup(rule.table) {
                Answer::Hit(hit) if suppressed(state, rule, &hit).is_none() => {
                    return Walk::Hit(hit, rule_ref(state, rule));
                }
                Answer::Hit(_) | Answer::Miss(_) => {
                    i += 1;
                    continue;
                }
                Answer::Error(..) => {}
            }
        }
        let here = rule_ref(state, rule);
        let step = |result: String| Step {
            stage: Stage::Rule,
            text: format!("{}: {}", here.priority, here.text),
            result,
            rule_priority: Some(here.priority),
            table: None,
        };
        match rule.action {
            RuleAction::Lookup => {
                let (answer, text) = lookup_table(state, rule, &here, lookup);
                steps.push(step(text));
                if let Some(done) = answer {
                    return done;
                }
            }
            RuleAction::Goto => {
                let target = rule.goto.and_then(|g| {
                    rules
                        .iter()
                        .position(|r| r.priority == g && !rule.unresolved)
                });
                let Some(target) = target.filter(|&t| t > i) else {
                    steps.push(step(
                        "matched; goto target has no rule (unresolved): go on".into(),
                    ));
                    i += 1;
                    continue;
                };
                steps.push(step(format!("matched; goto {}", rules[target].priority)));
                i = target;
                continue;
            }
            RuleAction::Nop => steps.push(step("matched; nop: go on".into())),
            action => {
                let errno = match action {
                    RuleAction::Unreachable => "ENETUNREACH",
                    RuleAction::Prohibit => "EACCES",
                    _ => "EINVAL",
                };
                steps.push(step(format!("matched; {} → {errno}", action.name())));
                let why = format!(
                    "{} by rule {}: {}",
                    action_words(action),
                    here.priority,
                    here.text
                );
                return Walk::Error {
                    errno,
                    rule: Some(here),
                    route: None,
                    why,
                };
            }
        }
        i += 1;
    }
    Walk::Error {
        errno: "ENETUNREACH",
        rule: None,
        route: None,
        why: "no rule led to a route".into(),
    }
}

/// Runs a `lookup` rule: `Some` ends the walk; the text says what the table answered.
fn lookup_table(
    state: &State,
    rule: &Rule,
    here: &RuleRef,
    lookup: &dyn Fn(u32) -> Answer,
) -> (Option<Walk>, String) {
    let name = state.table_names.name(rule.table);
    match lookup(rule.table) {
        Answer::Hit(hit) => match suppressed(state, rule, &hit) {
            Some(why) => (
                None,
                format!(
                    "matched; table {name} answered {}, but {why}: go on",
                    hit.route.dst
                ),
            ),
            None => (
                Some(Walk::Hit(hit, here.clone())),
                format!("matched; table {name} answers"),
            ),
        },
        Answer::Miss(why) => (None, format!("matched; table {name}: {why}: go on")),
        Answer::Error(errno, route) => {
            let text = format!("matched; table {name} has a {} route", route.kind.name());
            let why = format!("{} route {} in table {name}", route.kind.name(), route.dst);
            (
                Some(Walk::Error {
                    errno,
                    rule: Some(here.clone()),
                    route: Some(route),
                    why,
                }),
                text,
            )
        }
    }
}

/// What an error action does, in words.
fn action_words(action: RuleAction) -> &'static str {
    match action {
        RuleAction::Unreachable => "unreachable",
        RuleAction::Prohibit => "prohibited",
        _ => "dropped (blackhole)",
    }
}

/// Why a rule's suppress_* option discards a table's answer.
fn suppressed(state: &State, rule: &Rule, hit: &Hit) -> Option<String> {
    if let Some(len) = rule.suppress_prefixlength {
        if u32::from(hit.route.dst.prefix_len()) <= len {
            return Some(format!(
                "suppress_prefixlength {len} rejects the /{} answer",
                hit.route.dst.prefix_len()
            ));
        }
    }
    if let Some(group) = rule.suppress_ifgroup {
        let dev = hit.route.dev();
        if state.link(dev).is_some_and(|l| l.group == group) {
            return Some(format!(
                "suppress_ifgroup {group} rejects answers through {}",
                state.link_name(dev)
            ));
        }
    }
    None
}

/// The IPv4 fast path while local and main share one trie (spec §2.6): no rule walk at all.
fn walk_merged(
    state: &State,
    flow: &Flow,
    steps: &mut Vec<Step>,
    lookup: &dyn Fn(u32) -> Answer,
) -> Walk {
    let rule_of = |prio: u32| {
        state
            .rules_of(Family::V4)
            .find(|r| r.priority == prio)
            .map_or(
                RuleRef {
                    priority: prio,
                    text: String::new(),
                },
                |r| rule_ref(state, r),
            )
    };
    steps.push(Step {
        stage: Stage::Rule,
        text:
            "only the default rules exist: the kernel searches local and main as one merged table"
                .into(),
        result: "merged local+main".into(),
        rule_priority: None,
        table: None,
    });
    match table::lookup_merged(state, flow) {
        Answer::Hit(hit) => {
            let rule = rule_of(if hit.table == 255 { 0 } else { 32766 });
            Walk::Hit(hit, rule)
        }
        Answer::Error(errno, route) => {
            let rule = rule_of(if route.table == 255 { 0 } else { 32766 });
            let why = format!(
                "{} route {} in table {}",
                route.kind.name(),
                route.dst,
                state.table_names.name(route.table)
            );
            Walk::Error {
                errno,
                rule: Some(rule),
                route: Some(route),
                why,
            }
        }
        Answer::Miss(_) => match lookup(253) {
            Answer::Hit(hit) => Walk::Hit(hit, rule_of(32767)),
            Answer::Error(errno, route) => {
                let why = format!("{} route {} in table default", route.kind.name(), route.dst);
                Walk::Error {
                    errno,
                    rule: Some(rule_of(32767)),
                    route: Some(route),
                    why,
                }
            }
            Answer::Miss(_) => Walk::Error {
                errno: "ENETUNREACH",
                rule: None,
                route: None,
                why: "no route in local, main or default".into(),
            },
        },
    }
}
