//! `table-without-rule`: a table holding routes that no rule ever looks up.

use super::commands::ip;
use super::{Finding, Severity, Subject};
use crate::model::{RuleAction, SelectorKind, State, table};

/// Routes named as subjects, at most (a table may hold a million).
const SHOWN: usize = 3;

/// Finds non-reserved tables with routes and no rule of their family that looks them up.
pub fn check(state: &State) -> Vec<Finding> {
    let l3mdev = |family| {
        state
            .rule_slice(family)
            .iter()
            .any(|r| r.selector(SelectorKind::L3mdev).is_some())
    };
    let vrf_tables: Vec<u32> = state.links.values().filter_map(|l| l.vrf_table).collect();
    state
        .tables
        .iter()
        .filter(|((_, id), t)| !t.is_empty() && ![table::LOCAL, table::MAIN].contains(id))
        .filter(|((family, id), _)| {
            let looked_up = state
                .rule_slice(*family)
                .iter()
                .any(|r| r.action == RuleAction::Lookup && r.table == *id);
            let vrf = l3mdev(*family) && vrf_tables.contains(id);
            !looked_up && !vrf
        })
        .map(|(&(family, id), t)| {
            let name = state.table_names.name(id);
            Finding {
                id: "table-without-rule",
                severity: Severity::Warning,
                subjects: t.iter().take(SHOWN).map(Subject::Route).collect(),
                message: format!(
                    "table {name} holds {} {} route{} but no rule looks it up",
                    t.len(),
                    family.name(),
                    if t.len() == 1 { "" } else { "s" }
                ),
                why: format!(
                    "The kernel only consults a table when a rule sends a packet there, so the \
                     routes in table {name} are never used. Add a rule that selects the traffic \
                     meant for it (`{} rule add … lookup {id}`), or remove the table.",
                    ip(family)
                ),
                fix: vec![format!("{} route flush table {id}", ip(family))],
                evidence: None,
            }
        })
        .collect()
}
