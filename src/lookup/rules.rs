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

/// Why a rule does not match the flow, or `None` if it matches (after `not`).
pub fn mismatch(state: &State, rule: &Rule, flow: &Flow) -> Option<String> {
    let failed = first_failed_selector(state, rule, flow);
    match (rule.invert, failed) {
        (false, failed) => failed,
        (true, Some(_)) => None,
        (true, None) => Some("every selector matched, and the rule says `not`".into()),
    }
}

/// The first selector that fails, in the kernel's order (`fib_rule_match`, then the family part).
fn first_failed_selector(state: &State, rule: &Rule, flow: &Flow) -> Option<String> {
    let dev_name = |index: u32| (index != 0).then(|| state.link_name(index));
    if let Some(iif) = &rule.iif {
        if rule.iif_detached || dev_name(flow.iif).as_deref() != Some(iif) {
            return Some(format!(
                "iif {iif}: the packet comes from {}",
                dev_name(flow.iif).unwrap_or_default()
            ));
        }
    }
    if let Some(oif) = &rule.oif {
        if rule.oif_detached || dev_name(flow.oif).as_deref() != Some(oif) {
            let bound = dev_name(flow.oif).map_or_else(
                || "not bound to a device".into(),
                |d| format!("bound to {d}"),
            );
            return Some(format!("oif {oif}: the flow is {bound}"));
        }
    }
    if let Some(mark) = rule.fwmark {
        let mask = rule.fwmask.unwrap_or(u32::MAX);
        if (mark ^ flow.mark) & mask != 0 {
            return Some(format!(
                "fwmark {mark:#x}/{mask:#x}: the packet's mark is {:#x}",
                flow.mark
            ));
        }
    }
    if rule.l3mdev {
        return Some("l3mdev: the flow is not in a VRF".into());
    }
    if let Some((lo, hi)) = rule.uidrange {
        if !(lo..=hi).contains(&flow.uid) {
            return Some(format!("uidrange {lo}-{hi}: uid is {}", flow.uid));
        }
    }
    if let Some(from) = rule.from {
        match (flow.family, flow.src) {
            // IPv6 checks `from` only when the flow has a source (RT6_LOOKUP_F_HAS_SADDR)
            (Family::V6, None) if from.prefix_len() > 0 => {
                return Some(format!("from {from}: no source address given"));
            }
            (Family::V6, None) => {}
            (_, src) => {
                let src = src.unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED));
                if !from.contains(&src) {
                    return Some(format!("from {from}: the source is {src}"));
                }
            }
        }
    }
    if let Some(to) = rule.to {
        if !to.contains(&flow.dst) {
            return Some(format!("to {to}: the destination is {}", flow.dst));
        }
    }
    // 6.18 compares the rule's tos with the flow's DSCP masked to the legacy bits 0x1c
    if rule.tos != 0 && rule.tos != flow.tos & 0x1c {
        return Some(format!(
            "tos {:#04x}: the packet's tos is {:#04x}",
            rule.tos, flow.tos
        ));
    }
    if let Some(proto) = rule.ipproto {
        if proto != flow.proto {
            let name = crate::model::ipproto_name;
            return Some(format!(
                "ipproto {}: the packet is {}",
                name(proto),
                name(flow.proto)
            ));
        }
    }
    for (word, range, port) in [
        ("sport", rule.sport, flow.sport),
        ("dport", rule.dport, flow.dport),
    ] {
        if let Some(r) = range.filter(|r| !r.contains(port)) {
            return Some(format!("{word} {}-{}: the port is {port}", r.start, r.end));
        }
    }
    None
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
    let rules: Vec<&Rule> = state.rules_of(flow.family).collect();
    let mut i = 0;
    while let Some(rule) = rules.get(i) {
        let here = rule_ref(state, rule);
        let step = |result: String| Step {
            stage: Stage::Rule,
            text: format!("{}: {}", here.priority, here.text),
            result,
            rule_priority: Some(here.priority),
            table: None,
        };
        if let Some(why) = mismatch(state, rule, flow) {
            steps.push(step(format!("skipped: {why}")));
            i += 1;
            continue;
        }
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
