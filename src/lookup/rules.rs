//! The rule walk (spec §2): priority order, every selector, goto / nop / error actions, suppress.

use std::sync::Arc;

use super::flow::Flow;
use super::passed_over::{WalkContext, pass_over};
use super::table::{self as tables, Answer, Hit};
use super::{RuleRef, Stage, Step, StepResult};
use crate::model::{
    Candidates, Errno, Family, Fit, Packet, Route, Rule, RuleAction, Selector, SelectorKind, State,
    priority, table,
};

/// How the walk ended.
pub enum Walk {
    /// A table answered with a usable route.
    Hit(Hit, RuleRef),
    /// A rule or route ended the lookup with an errno.
    Error {
        errno: Errno,
        rule: Option<RuleRef>,
        route: Option<Route>,
        why: String,
    },
}

/// The end of the walk, and what it passed that routescope could not evaluate.
pub struct Walked {
    pub end: Walk,
    /// Rules whose match routescope could not decide, in words (the answer is then approximate).
    pub unsure: Vec<String>,
}

/// The rule as `ip rule` prints it.
pub fn rule_ref(state: &State, rule: &Rule) -> RuleRef {
    RuleRef {
        priority: rule.priority,
        text: rule.selector_text(&state.table_names.name_ref(rule.table)),
    }
}

/// Whether a rule matches the packet (after `not`), and the position of the selector that
/// decided a mismatch.
fn rule_fit(rule: &Rule, packet: &Packet) -> (Fit, Option<usize>) {
    let mut fit = if rule.flags == 0 {
        Fit::Yes
    } else {
        Fit::Unknown
    };
    let mut failed = None;
    for (i, selector) in rule.selectors.iter().enumerate() {
        match selector.fit(packet) {
            Fit::No => {
                failed = Some(i);
                fit = Fit::No;
                break;
            }
            Fit::Unknown => fit = Fit::Unknown,
            Fit::Yes => {}
        }
    }
    match (rule.invert, fit) {
        (false, fit) => (fit, failed),
        (true, Fit::Yes) => (Fit::No, None),
        (true, Fit::No) => (Fit::Yes, None),
        (true, Fit::Unknown) => (Fit::Unknown, None),
    }
}

/// Why a rule passed over does not match, in words.
pub(super) fn mismatch(rule: &Rule, failed: Option<&Selector>, packet: &Packet) -> String {
    match failed {
        Some(selector) => selector.mismatch(packet),
        None if rule.invert => "every selector matched, and the rule says `not`".into(),
        None => String::new(),
    }
}

/// A rule's sentence: `PRIORITY: selectors action`, and a reason after a dash.
pub(super) fn rule_sentence(here: &RuleRef, why: &str) -> String {
    if why.is_empty() {
        format!("{}: {}", here.priority, here.text)
    } else {
        format!("{}: {} — {why}", here.priority, here.text)
    }
}

/// A rule's step, with its result and sentence.
pub(super) fn rule_step(here: &RuleRef, result: StepResult, why: &str) -> Step {
    let mut step = Step::new(Stage::Rule, result, rule_sentence(here, why));
    step.rule_priority = Some(here.priority);
    step
}

/// Walks the rules of the flow's family; `lookup` answers for one table.
pub fn walk(
    state: &State,
    flow: &Flow,
    steps: &mut Vec<Step>,
    lookup: &dyn Fn(u32) -> Answer,
) -> Walked {
    if flow.family == Family::V4 && state.ipv4_tables_merged == Some(true) {
        return Walked {
            end: walk_merged(state, flow, steps, lookup),
            unsure: Vec::new(),
        };
    }
    let packet = flow.packet(state);
    let rules = state.rule_slice(flow.family);
    let first = state.rules.start_of(flow.family);
    // a traced walk keeps a step for every rule, its sentence written when shown; an untraced
    // one tests only the rules the index says can match (every other one fails a selector,
    // which debug builds check)
    let context = flow.trace.then(|| {
        steps.reserve(rules.len());
        Arc::new(WalkContext::new(state, flow))
    });
    let candidates = (!flow.trace).then(|| state.rules.indexed(flow.family).candidates(&packet));
    let mut unsure = Vec::new();
    let mut i = 0;
    let end = loop {
        i = next_to_test(rules, candidates.as_ref(), &packet, i);
        let Some(rule) = rules.get(i) else {
            break Walk::Error {
                errno: Errno::Enetunreach,
                rule: None,
                route: None,
                why: "no rule led to a route".into(),
            };
        };
        i += 1;
        let (fit, failed) = rule_fit(rule, &packet);
        if fit != Fit::Yes {
            let trace = context.as_ref().map(|c| (c, &mut *steps));
            pass_over(
                state,
                (first + i - 1, rule),
                (fit, failed),
                trace,
                &mut unsure,
            );
            continue;
        }
        // without a trace a plain lookup rule needs no text unless it ends the walk
        if !flow.trace && rule.action == RuleAction::Lookup {
            match lookup(table_of(rule)) {
                Answer::Hit(hit) if suppressed(state, rule, &hit).is_none() => {
                    break Walk::Hit(hit, rule_ref(state, rule));
                }
                Answer::Hit(_) | Answer::Miss(_) | Answer::Throw(_) | Answer::NoTable => continue,
                Answer::Error(..) => {}
            }
        }
        let here = rule_ref(state, rule);
        match rule.action {
            RuleAction::Lookup => {
                let (answer, step) = lookup_table(state, rule, &here, lookup);
                steps.push(step);
                if let Some(done) = answer {
                    break done;
                }
            }
            RuleAction::Goto => {
                let target = rule
                    .goto
                    .filter(|_| !rule.unresolved)
                    .and_then(|g| rules.iter().position(|r| r.priority == g))
                    .filter(|&t| t >= i);
                let Some(target) = target else {
                    let why = "the goto target has no rule (unresolved)";
                    steps.push(rule_step(&here, StepResult::GoOn, why));
                    continue;
                };
                let to = rules[target].priority;
                steps.push(rule_step(&here, StepResult::Goto(to), ""));
                i = target;
            }
            RuleAction::Nop => steps.push(rule_step(&here, StepResult::GoOn, "")),
            action => {
                let errno = match action {
                    RuleAction::Unreachable => Errno::Enetunreach,
                    RuleAction::Prohibit => Errno::Eacces,
                    _ => Errno::Einval,
                };
                steps.push(rule_step(&here, StepResult::Fails(errno), ""));
                let why = format!(
                    "{} by rule {}: {}",
                    action_words(action),
                    here.priority,
                    here.text
                );
                break Walk::Error {
                    errno,
                    rule: Some(here),
                    route: None,
                    why,
                };
            }
        }
    };
    Walked { end, unsure }
}

/// The position of the next rule to test from `i` on: `i` itself in a traced walk, else the next
/// candidate of the rule index (or the end); every rule skipped fails a selector, which debug
/// builds check.
fn next_to_test(
    rules: &[Rule],
    candidates: Option<&Candidates>,
    packet: &Packet,
    i: usize,
) -> usize {
    let Some(candidates) = candidates else {
        return i;
    };
    let next = candidates.next_from(i).unwrap_or(rules.len());
    debug_assert!(
        rules[i.min(next)..next]
            .iter()
            .all(|r| rule_fit(r, packet).0 == Fit::No),
        "the rule index left out a rule that can match"
    );
    next
}

/// The table a `lookup` rule consults: an `l3mdev` rule takes the VRF's table, and a flow in no
/// VRF (the only kind routescope models) has table 0, which the kernel reads as main.
fn table_of(rule: &Rule) -> u32 {
    if rule.selector(SelectorKind::L3mdev).is_some() {
        table::MAIN
    } else {
        rule.table
    }
}

/// Runs a `lookup` rule: `Some` ends the walk; the step says what the table answered and,
/// when the table exists, which table was consulted.
fn lookup_table(
    state: &State,
    rule: &Rule,
    here: &RuleRef,
    lookup: &dyn Fn(u32) -> Answer,
) -> (Option<Walk>, Step) {
    let id = table_of(rule);
    let name = state.table_names.name(id);
    let (end, result, text) = match lookup(id) {
        Answer::Hit(hit) => match suppressed(state, rule, &hit) {
            Some(why) => (
                None,
                StepResult::Suppressed,
                format!("table {name} answered {}, but {why}", hit.route.dst),
            ),
            None => (
                Some(Walk::Hit(hit, here.clone())),
                StepResult::Answered,
                String::new(),
            ),
        },
        Answer::Miss(why) => (None, StepResult::GoOn, format!("table {name}: {why}")),
        Answer::Throw(route) => (
            None,
            StepResult::Threw,
            format!("table {name}: throw route {}", route.dst),
        ),
        Answer::NoTable => {
            let why = format!("table {name} does not exist");
            return (None, rule_step(here, StepResult::GoOn, &why));
        }
        Answer::Error(errno, route) => {
            let text = format!("table {name} has a {} route", route.kind.name());
            let why = format!("{} route {} in table {name}", route.kind.name(), route.dst);
            let end = Walk::Error {
                errno,
                rule: Some(here.clone()),
                route: Some(route),
                why,
            };
            (Some(end), StepResult::Fails(errno), text)
        }
    };
    let mut step = rule_step(here, result, &text);
    step.table = Some(id);
    (end, step)
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
    steps.push(Step::new(
        Stage::Rule,
        StepResult::Merged,
        "only the default rules exist: the kernel searches local and main as one merged table"
            .into(),
    ));
    let merged = tables::lookup_merged(state, flow);
    // the kernel looks up the one trie as main (254), then default when main has nothing
    steps.push(table_step(state, table::MAIN, &merged, "local+main"));
    let of_route = |t: u32| {
        rule_of(if t == table::LOCAL {
            priority::LOCAL_RULE
        } else {
            priority::MAIN_RULE
        })
    };
    let (answer, rule) = match merged {
        Answer::Hit(hit) => {
            let rule = of_route(hit.table);
            return Walk::Hit(hit, rule);
        }
        Answer::Error(errno, route) => {
            let rule = of_route(route.table);
            return Walk::Error {
                errno,
                why: format!(
                    "{} route {} in table {}",
                    route.kind.name(),
                    route.dst,
                    state.table_names.name(route.table)
                ),
                rule: Some(rule),
                route: Some(route),
            };
        }
        Answer::Miss(_) | Answer::Throw(_) | Answer::NoTable => {
            let answer = lookup(table::DEFAULT);
            if !matches!(answer, Answer::NoTable) {
                steps.push(table_step(state, table::DEFAULT, &answer, "default"));
            }
            (answer, rule_of(priority::DEFAULT_RULE))
        }
    };
    match answer {
        Answer::Hit(hit) => Walk::Hit(hit, rule),
        Answer::Error(errno, route) => Walk::Error {
            errno,
            why: format!("{} route {} in table default", route.kind.name(), route.dst),
            rule: Some(rule),
            route: Some(route),
        },
        Answer::Miss(_) | Answer::Throw(_) | Answer::NoTable => Walk::Error {
            errno: Errno::Enetunreach,
            rule: None,
            route: None,
            why: "no route in local, main or default".into(),
        },
    }
}

/// A step for a table consulted outside the rule walk (the merged fast path).
fn table_step(state: &State, id: u32, answer: &Answer, what: &str) -> Step {
    let (result, text) = match answer {
        Answer::Hit(hit) => (
            StepResult::Answered,
            format!("{what}: {} answers", hit.route.dst),
        ),
        Answer::Miss(why) => (StepResult::GoOn, format!("{what}: {why}")),
        Answer::Throw(route) => (
            StepResult::Threw,
            format!("{what}: throw route {}", route.dst),
        ),
        Answer::NoTable => (
            StepResult::GoOn,
            format!("table {} does not exist", state.table_names.name(id)),
        ),
        Answer::Error(errno, route) => (
            StepResult::Fails(*errno),
            format!("{what}: {} route {}", route.kind.name(), route.dst),
        ),
    };
    let mut step = Step::new(Stage::Table, result, text);
    step.table = Some(id);
    step
}
