//! `rule-unreachable`: a rule no packet reaches, because an earlier rule matching at least the
//! same packets always ends the walk.

use ipnet::IpNet;

use super::commands::{free_priority_before, rule_add_at, rule_del};
use super::probe::{matching, remote, shows};
use super::{Finding, Severity, Subject};
use crate::model::{Family, RouteKind, Rule, RuleAction, Selector, State, priority, table};

/// Finds rules shadowed by an earlier rule with covering selectors that always decides.
pub fn check(state: &State) -> Vec<Finding> {
    let mut out = Vec::new();
    for family in [Family::V4, Family::V6] {
        let rules = state.rule_slice(family);
        let ends: Vec<bool> = rules.iter().map(|r| ends_walk(state, r)).collect();
        for (j, later) in rules.iter().enumerate() {
            let kernel_default = later.priority == priority::DEFAULT_RULE
                && later.table == table::DEFAULT
                && later.selectors.is_empty();
            if kernel_default || later.invert {
                continue;
            }
            let shadow = (0..j).find(|&i| {
                ends[i]
                    && rules[i] != *later
                    && covers(&rules[i], later)
                    && !jumped_over(rules, rules[i].priority, later.priority)
            });
            if let Some(i) = shadow {
                out.push(finding(state, &rules[i], later));
            }
        }
    }
    out
}

/// Whether every packet that reaches `rule` and matches it ends the walk there.
fn ends_walk(state: &State, rule: &Rule) -> bool {
    if rule.invert || rule.selector(crate::model::SelectorKind::L3mdev).is_some() {
        return false;
    }
    match rule.action {
        RuleAction::Blackhole | RuleAction::Unreachable | RuleAction::Prohibit => true,
        RuleAction::Lookup
            if rule.suppress_prefixlength.is_none() && rule.suppress_ifgroup.is_none() =>
        {
            let Ok(any) = IpNet::new(remote(rule.family), 0).map(|n| n.trunc()) else {
                return false;
            };
            state.table(rule.family, rule.table).is_some_and(|t| {
                t.routes_for(any)
                    .any(|r| r.kind != RouteKind::Throw && r.tos == 0 && r.src_prefix().is_none())
            })
        }
        _ => false,
    }
}

/// Whether a `goto` can jump past `from` to reach `to`.
fn jumped_over(rules: &[Rule], from: u32, to: u32) -> bool {
    rules
        .iter()
        .filter(|r| r.action == RuleAction::Goto && r.priority < from)
        .filter_map(|r| r.goto)
        .any(|target| target > from && target <= to)
}

/// Whether every packet `narrow` matches also matches `wide`.
fn covers(wide: &Rule, narrow: &Rule) -> bool {
    !wide.invert
        && !narrow.invert
        && wide
            .selectors
            .iter()
            .all(|w| narrow.selectors.iter().any(|n| selector_covers(w, n)))
}

/// Whether every packet selector `n` lets through also passes `w`.
fn selector_covers(w: &Selector, n: &Selector) -> bool {
    match (w, n) {
        (
            Selector::Iif {
                name: a,
                detached: false,
            },
            Selector::Iif { name: b, .. },
        )
        | (
            Selector::Oif {
                name: a,
                detached: false,
            },
            Selector::Oif { name: b, .. },
        ) => a == b,
        (Selector::Fwmark { mark: wm, mask: wk }, Selector::Fwmark { mark: nm, mask: nk }) => {
            wk & !nk == 0 && (wm ^ nm) & wk == 0
        }
        (
            Selector::Uid {
                start: w_start,
                end: w_end,
            },
            Selector::Uid {
                start: n_start,
                end: n_end,
            },
        ) => w_start <= n_start && n_end <= w_end,
        (Selector::From(a), Selector::From(b)) | (Selector::To(a), Selector::To(b)) => {
            a.contains(b)
        }
        (Selector::Sport(a), Selector::Sport(b)) | (Selector::Dport(a), Selector::Dport(b))
            if a.mask.is_none() && b.mask.is_none() =>
        {
            a.start <= b.start && b.end <= a.end
        }
        (Selector::L3mdev | Selector::Unknown { .. }, _) => false,
        _ => w == n,
    }
}

/// The finding for `later`, shadowed by `earlier`.
fn finding(state: &State, earlier: &Rule, later: &Rule) -> Finding {
    let evidence = matching(state, later, None).and_then(|q| {
        shows(state, &q, |v| {
            v.rule
                .as_ref()
                .is_some_and(|r| r.priority == earlier.priority)
        })
    });
    let mut fix = vec![rule_del(later)];
    if let Some(p) = free_priority_before(state, later.family, earlier.priority) {
        fix.push(rule_add_at(later, p));
    }
    Finding {
        id: "rule-unreachable",
        severity: Severity::Warning,
        subjects: vec![Subject::Rule(later.clone()), Subject::Rule(earlier.clone())],
        message: format!(
            "rule {} can never match: rule {} takes all of its packets first",
            later.priority, earlier.priority
        ),
        why: format!(
            "Rules are tried in priority order and the walk stops at the first that decides. \
             Rule {} matches every packet rule {} would and always decides, so rule {} is dead; \
             move it before rule {} if it is meant to win.",
            earlier.priority, later.priority, later.priority, earlier.priority
        ),
        fix,
        evidence,
    }
}
