//! The rules a traced walk passes over, kept as data: an explanation may pass over thousands of
//! rules, and writing each one's sentence when the walk passes it (~0.6 µs a rule) made a
//! 1,000-rule explanation cost most of a millisecond; now it is written when shown.

use std::sync::Arc;

use super::flow::Flow;
use super::rules::{mismatch, rule_ref, rule_sentence, rule_step};
use super::{Stage, Step, StepResult, StepText};
use crate::model::{Fit, Rule, State};

/// What every rule a walk passes over shares: the rules as they were (shared with the state, not
/// copied) and the flow they were matched against.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct WalkContext {
    rules: Arc<Vec<Rule>>,
    flow: Flow,
}

impl WalkContext {
    /// The context of a walk of `flow` through the rules `state` has now.
    pub(super) fn new(state: &State, flow: &Flow) -> Self {
        Self {
            rules: state.rules.share(),
            flow: flow.clone(),
        }
    }
}

/// A rule the walk passed over because a selector (or `not`) turned the packet away, kept as
/// data: its sentence is written only when shown (`sentence`), since an explanation may pass
/// over thousands of rules and most are never read.
#[derive(Clone)]
pub struct PassedOver {
    walk: Arc<WalkContext>,
    /// The rule's position in `walk.rules`.
    rule: usize,
    /// The position of the selector that failed; `None` when `not` turned the match around.
    failed: Option<usize>,
}

impl PassedOver {
    /// The step's sentence, `PRIORITY: selectors action — why`, with table and device names as
    /// `state` has them.
    pub fn sentence(&self, state: &State) -> String {
        let rule = &self.walk.rules[self.rule];
        let packet = self.walk.flow.packet(state);
        let failed = self.failed.and_then(|i| rule.selectors.get(i));
        rule_sentence(&rule_ref(state, rule), &mismatch(rule, failed, &packet))
    }
}

impl PartialEq for PassedOver {
    /// The same rule and failing selector of equal walks (the same walk, as a rule, is cheap).
    fn eq(&self, other: &Self) -> bool {
        self.rule == other.rule
            && self.failed == other.failed
            && (Arc::ptr_eq(&self.walk, &other.walk) || self.walk == other.walk)
    }
}

impl Eq for PassedOver {}

impl std::fmt::Debug for PassedOver {
    /// The rule's priority and the failed selector, not the whole list of rules.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let rule = &self.walk.rules[self.rule];
        f.debug_struct("PassedOver")
            .field("priority", &rule.priority)
            .field("failed", &self.failed.and_then(|i| rule.selectors.get(i)))
            .finish()
    }
}

/// Records a rule the walk passes over: not matching (a step whose sentence waits, when
/// `walk` is given: the walk is traced), or not evaluable (then `unsure`, and a written step).
pub(super) fn pass_over(
    state: &State,
    (at, rule): (usize, &Rule),
    (fit, failed): (Fit, Option<usize>),
    trace: Option<(&Arc<WalkContext>, &mut Vec<Step>)>,
    unsure: &mut Vec<String>,
) {
    let unknown = fit == Fit::Unknown;
    if unknown {
        unsure.push(format!(
            "rule {} has what routescope does not evaluate ({}): assumed not to match",
            rule.priority,
            rule.unmodelled().join(", ")
        ));
    }
    let Some((walk, steps)) = trace else {
        return;
    };
    if unknown {
        let why = "cannot be evaluated: assumed not to match";
        steps.push(rule_step(&rule_ref(state, rule), StepResult::Unsure, why));
        return;
    }
    let passed = PassedOver {
        walk: Arc::clone(walk),
        rule: at,
        failed,
    };
    let mut step = Step::new(Stage::Rule, StepResult::Skipped, String::new());
    step.text = StepText::PassedOver(passed);
    step.rule_priority = Some(rule.priority);
    steps.push(step);
}

#[cfg(test)]
mod tests {
    use crate::lookup::{Query, StepResult, explain};
    use crate::model::{Family, Rule, fixtures};

    #[test]
    fn a_rule_passed_over_is_written_when_shown_as_the_rules_were() {
        let mut state = fixtures::large(10, 3);
        let query = Query::parse(&["100.0.0.9"]).unwrap();
        let e = explain(&state, &query);
        let skipped: Vec<_> = e
            .steps
            .iter()
            .filter(|s| s.result == StepResult::Skipped)
            .collect();
        assert_eq!(
            skipped.len(),
            4,
            "the marked rule of the fixture and the 3 added"
        );
        let sentence = |state: &crate::model::State| skipped[1].text.sentence(state).into_owned();
        let written =
            "1000: from all fwmark 0x1000 lookup 1000 — fwmark 0x1000: the packet's mark is 0x0";
        assert_eq!(sentence(&state), written);
        // the state moves on; the explanation still shows the rule it passed over
        state.rules.retain(|r| r.priority != 1000);
        state.rules.push(Rule::lookup(Family::V6, 5, 254));
        assert_eq!(sentence(&state), written);
        assert_eq!(e, e.clone(), "explanations compare");
    }
}
