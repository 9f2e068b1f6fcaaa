//! `rule-detached-device`: a rule matching an iif or oif that does not exist.

use super::commands::rule_del;
use super::{Finding, Severity, Subject};
use crate::model::{Selector, State};

/// Finds rules whose iif or oif names no device now.
pub fn check(state: &State) -> Vec<Finding> {
    state
        .rules
        .iter()
        .filter_map(|r| {
            let (word, name) = r.selectors.iter().find_map(|s| match s {
                Selector::Iif {
                    name,
                    detached: true,
                } => Some(("iif", name)),
                Selector::Oif {
                    name,
                    detached: true,
                } => Some(("oif", name)),
                _ => None,
            })?;
            Some(Finding {
                id: "rule-detached-device",
                severity: Severity::Warning,
                subjects: vec![Subject::Rule(r.clone())],
                message: format!(
                    "rule {} matches {word} {name}, but no device is called {name}",
                    r.priority
                ),
                why: format!(
                    "A rule naming a missing device never matches until a device of that name \
                     appears; the device was probably renamed or deleted, so the traffic meant \
                     for rule {} now takes the rules after it.",
                    r.priority
                ),
                fix: vec![rule_del(r)],
                evidence: None,
            })
        })
        .collect()
}
