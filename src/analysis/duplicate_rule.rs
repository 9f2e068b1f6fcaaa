//! `duplicate-rule`: rules that repeat another, or share a priority with another.

use super::commands::{rule_add_at, rule_del};
use super::{Finding, Severity, Subject};
use crate::model::{Family, Rule, State};

/// Finds rules identical to an earlier one but for priority, and rules sharing a priority.
pub fn check(state: &State) -> Vec<Finding> {
    let mut out = Vec::new();
    for family in [Family::V4, Family::V6] {
        let rules = state.rule_slice(family);
        let mut repeated = vec![false; rules.len()];
        for (j, later) in rules.iter().enumerate() {
            if let Some(first) = rules[..j].iter().find(|r| same_but_priority(r, later)) {
                repeated[j] = true;
                out.push(Finding {
                    id: "duplicate-rule",
                    severity: Severity::Warning,
                    subjects: vec![Subject::Rule(later.clone()), Subject::Rule(first.clone())],
                    message: format!(
                        "rule {} repeats rule {} ({})",
                        later.priority,
                        first.priority,
                        later.selector_text(&state.table_names.name(later.table))
                    ),
                    why: format!(
                        "Rule {} matches the same packets and does the same thing as rule {}, \
                         which comes first, so it changes nothing; it is usually left behind by \
                         a script that added the rule twice.",
                        later.priority, first.priority
                    ),
                    fix: vec![rule_del(later)],
                    evidence: None,
                });
            }
        }
        out.extend(shared_priorities(rules, &repeated));
    }
    out
}

/// Whether two rules differ only in priority.
fn same_but_priority(a: &Rule, b: &Rule) -> bool {
    let mut b = b.clone();
    b.priority = a.priority;
    *a == b
}

/// One finding per priority held by several different rules.
fn shared_priorities(rules: &[Rule], repeated: &[bool]) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < rules.len() {
        let prio = rules[i].priority;
        let end = i + rules[i..].iter().take_while(|r| r.priority == prio).count();
        let group: Vec<&Rule> = (i..end)
            .filter(|&k| !repeated[k])
            .map(|k| &rules[k])
            .collect();
        let next = rules.get(end).map_or(u32::MAX, |r| r.priority);
        if group.len() > 1 {
            let mut fix = Vec::new();
            for (n, r) in group.iter().enumerate().skip(1) {
                let to = prio.saturating_add(u32::try_from(n).unwrap_or(u32::MAX));
                if to < next {
                    fix.push(rule_del(r));
                    fix.push(rule_add_at(r, to));
                }
            }
            out.push(Finding {
                id: "duplicate-rule",
                severity: Severity::Info,
                subjects: group.iter().map(|r| Subject::Rule((*r).clone())).collect(),
                message: format!("{} rules share priority {prio}", group.len()),
                why: "Rules of one priority are tried in the order they were added, which no \
                      listing makes obvious and a reboot or script can change; give each its own \
                      priority."
                    .into(),
                fix,
                evidence: None,
            });
        }
        i = end;
    }
    out
}
