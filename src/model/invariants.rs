//! The invariants the lookup relies on, enforced where data enters (snapshots, dumps): what can
//! be repaired is repaired, what cannot is a one-line error naming the object.

use std::collections::HashSet;

use super::{Family, LinkName, RuleAction, Selector, State};

/// A state that breaks an invariant routescope cannot repair.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvariantError {
    #[error("two links are named '{0}'")]
    DuplicateLinkName(LinkName),
    #[error(
        "a route to {dst} in table {table} leaves by interface index {dev}, which is not a link"
    )]
    RouteDevice { dst: String, table: u32, dev: u32 },
    #[error("rule {priority} ({family}) has a selector of the other family: {selector}")]
    MixedFamily {
        priority: u32,
        family: &'static str,
        selector: String,
    },
    #[error("rule {priority} jumps back to {target}: goto must go forward")]
    BackwardGoto { priority: u32, target: u32 },
}

impl State {
    /// Puts rules in the kernel's order (per family, by priority, stable), recomputes which gotos
    /// are unresolved, and checks what the lookup assumes of links, routes and rules.
    pub fn enforce_invariants(&mut self) -> Result<(), InvariantError> {
        let mut names = HashSet::new();
        for link in self.links.values() {
            if !names.insert(&link.name) {
                return Err(InvariantError::DuplicateLinkName(link.name.clone()));
            }
        }
        for route in self.routes() {
            for nh in route.hops.as_slice() {
                if nh.dev != 0 && !self.links.contains_key(&nh.dev) {
                    return Err(InvariantError::RouteDevice {
                        dst: route.dst.to_string(),
                        table: route.table,
                        dev: nh.dev,
                    });
                }
            }
        }
        for rule in &self.rules {
            let foreign = rule.selectors.iter().find(|s| match s {
                Selector::From(net) | Selector::To(net) => Family::of(net.addr()) != rule.family,
                Selector::Flowlabel { .. } => rule.family == Family::V4,
                _ => false,
            });
            if let Some(selector) = foreign {
                return Err(InvariantError::MixedFamily {
                    priority: rule.priority,
                    family: rule.family.name(),
                    selector: selector.words(),
                });
            }
            if let Some(target) = rule.goto.filter(|t| *t <= rule.priority) {
                return Err(InvariantError::BackwardGoto {
                    priority: rule.priority,
                    target,
                });
            }
        }
        self.rules.sort_by_key(|r| (r.family, r.priority));
        let targets: HashSet<(Family, u32)> =
            self.rules.iter().map(|r| (r.family, r.priority)).collect();
        for rule in &mut self.rules {
            if rule.action == RuleAction::Goto {
                rule.unresolved = rule
                    .goto
                    .is_none_or(|t| !targets.contains(&(rule.family, t)));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Rule;

    #[test]
    fn rules_are_grouped_by_family_and_ordered_by_priority() {
        let mut state = State {
            rules: vec![
                Rule::lookup(Family::V6, 5, 254),
                Rule::lookup(Family::V4, 9, 254),
                Rule::lookup(Family::V4, 1, 100),
                Rule::lookup(Family::V4, 1, 200),
            ]
            .into(),
            ..State::default()
        };
        state.enforce_invariants().unwrap();
        let order: Vec<_> = state
            .rules
            .iter()
            .map(|r| (r.family, r.priority, r.table))
            .collect();
        assert_eq!(
            order,
            [
                (Family::V4, 1, 100),
                (Family::V4, 1, 200),
                (Family::V4, 9, 254),
                (Family::V6, 5, 254)
            ]
        );
        assert_eq!(state.rule_slice(Family::V4).len(), 3);
    }

    #[test]
    fn gotos_are_resolved_against_the_rules_present() {
        let mut state = State::default();
        let mut goto = Rule::lookup(Family::V4, 10, 0);
        goto.action = RuleAction::Goto;
        goto.goto = Some(20);
        state.rules = vec![goto, Rule::lookup(Family::V6, 20, 254)].into();
        state.enforce_invariants().unwrap();
        assert!(
            state.rules[0].unresolved,
            "a rule of the other family is no target"
        );
    }

    #[test]
    fn what_cannot_be_repaired_is_an_error() {
        let mut state = State {
            rules: vec![
                Rule::lookup(Family::V4, 1, 254)
                    .with(Selector::From("2001:db8::/32".parse().unwrap())),
            ]
            .into(),
            ..State::default()
        };
        let err = state.enforce_invariants().unwrap_err();
        assert_eq!(
            err.to_string(),
            "rule 1 (inet) has a selector of the other family: from 2001:db8::/32"
        );
    }
}
