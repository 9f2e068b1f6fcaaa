//! `default-rule-missing`: the rule to the local or main table deleted or moved.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::commands::{ip, rule_add_at, rule_del};
use super::probe::{remote, shows};
use super::{Finding, Severity, Subject};
use crate::lookup::Query;
use crate::model::{Family, RouteKind, Rule, RuleAction, State, priority, table};

/// Finds a family without its `lookup local` or `lookup main` rule, or with one moved.
pub fn check(state: &State) -> Vec<Finding> {
    let mut out = Vec::new();
    for family in [Family::V4, Family::V6] {
        if state.rule_slice(family).is_empty() {
            // a snapshot without rules of this family says nothing about them
            continue;
        }
        for (prio, id) in [
            (priority::LOCAL_RULE, table::LOCAL),
            (priority::MAIN_RULE, table::MAIN),
        ] {
            let plain: Vec<&Rule> = state
                .rule_slice(family)
                .iter()
                .filter(|r| r.action == RuleAction::Lookup && r.table == id)
                .filter(|r| r.selectors.is_empty() && !r.invert)
                .collect();
            if plain.is_empty() {
                out.push(missing(state, family, prio, id));
            } else if plain.iter().all(|r| r.priority != prio) {
                out.push(moved(family, prio, plain[0]));
            }
        }
    }
    out
}

/// The finding for a rule that is gone.
fn missing(state: &State, family: Family, prio: u32, id: u32) -> Finding {
    let name = if id == table::LOCAL { "local" } else { "main" };
    let probe = if id == table::LOCAL {
        match family {
            Family::V4 => IpAddr::V4(Ipv4Addr::LOCALHOST),
            Family::V6 => IpAddr::V6(Ipv6Addr::LOCALHOST),
        }
    } else {
        remote(family)
    };
    let q = Query {
        dst: Some(probe),
        ..Query::default()
    };
    let main_used = state.table(family, id).is_some_and(|t| !t.is_empty());
    let evidence = shows(state, &q, |v| {
        if id == table::LOCAL {
            v.answer.outcome.kind() != Some(RouteKind::Local)
        } else {
            main_used && v.answer.table != Some(id)
        }
    });
    Finding {
        id: "default-rule-missing",
        severity: if id == table::LOCAL {
            Severity::Error
        } else {
            Severity::Warning
        },
        subjects: Vec::new(),
        message: format!(
            "there is no {} rule `from all lookup {name}`",
            family.name()
        ),
        why: if id == table::LOCAL {
            "Without a rule to the local table nothing is recognised as this host's own \
             address: packets to it are routed away instead of delivered."
                .into()
        } else {
            "Without a rule to the main table the routes `ip route` shows by default (the \
             connected subnets and the default route) are never used."
                .into()
        },
        fix: vec![format!(
            "{} rule add pref {prio} from all lookup {id}",
            ip(family)
        )],
        evidence,
    }
}

/// The finding for a rule found at another priority.
fn moved(family: Family, prio: u32, rule: &Rule) -> Finding {
    let name = if rule.table == table::LOCAL {
        "local"
    } else {
        "main"
    };
    Finding {
        id: "default-rule-missing",
        severity: Severity::Info,
        subjects: vec![Subject::Rule(rule.clone())],
        message: format!(
            "the {} rule `lookup {name}` is at priority {} instead of {prio}",
            family.name(),
            rule.priority
        ),
        why: format!(
            "Rules before priority {} now see packets before the {name} table does; this is \
             deliberate with VRFs, but elsewhere it usually is not.",
            rule.priority
        ),
        fix: vec![rule_add_at(rule, prio), rule_del(rule)],
        evidence: None,
    }
}
