//! `rule-to-empty-table`: a rule that looks up a table with no routes.

use super::commands::rule_del;
use super::{Finding, Severity, Subject};
use crate::model::{RuleAction, SelectorKind, State, table};

/// Finds lookup rules to a non-reserved table that holds nothing.
pub fn check(state: &State) -> Vec<Finding> {
    state
        .rules
        .iter()
        .filter(|r| r.action == RuleAction::Lookup && r.selector(SelectorKind::L3mdev).is_none())
        .filter(|r| ![table::LOCAL, table::MAIN, table::DEFAULT].contains(&r.table))
        .filter(|r| {
            state
                .table(r.family, r.table)
                .is_none_or(crate::model::RouteTable::is_empty)
        })
        .map(|r| {
            let name = state.table_names.name(r.table);
            Finding {
                id: "rule-to-empty-table",
                severity: Severity::Warning,
                subjects: vec![Subject::Rule(r.clone())],
                message: format!(
                    "rule {} looks up table {name}, which has no {} routes",
                    r.priority,
                    r.family.name()
                ),
                why: format!(
                    "The traffic rule {} selects finds nothing in table {name} and falls through \
                     to the next rules, usually main. IPv4 routes vanish silently when their \
                     device goes down, which empties tables like this one.",
                    r.priority
                ),
                fix: vec![rule_del(r)],
                evidence: None,
            }
        })
        .collect()
}
