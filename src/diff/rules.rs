//! Rules: identified by family, priority and selectors (`not` included); the action and what it
//! leads to are attributes. Identical rules are counted, not merged.

use super::pair::pair;
use super::value::changes;
use super::{FieldChange, Section, Value};
use crate::model::{Family, Rule, Selector, State};

/// What names a rule: family, priority, `not`, and its selectors' words in kernel order.
type Key = (Family, u32, bool, Vec<String>);

/// The rules of `a` and `b`, matched by family, priority and selectors.
pub(super) fn diff<'a>(a: &'a State, b: &'a State) -> Section<&'a Rule> {
    let keyed = |s: &'a State| s.rules.iter().map(|r| (key(r), r)).collect::<Vec<_>>();
    pair(keyed(a), keyed(b), compare)
}

/// The identity of a rule. A device selector is its name alone: whether a device of that name
/// exists (`[detached]`) follows the links, which are compared on their own.
fn key(r: &Rule) -> Key {
    let words = r
        .selectors
        .iter()
        .map(|s| match s {
            Selector::Iif { name, .. } => Selector::Iif {
                name: name.clone(),
                detached: false,
            }
            .words(),
            Selector::Oif { name, .. } => Selector::Oif {
                name: name.clone(),
                detached: false,
            }
            .words(),
            other => other.words(),
        })
        .collect();
    (r.family, r.priority, r.invert, words)
}

/// The attributes of two rules of one identity that differ.
fn compare(x: &Rule, y: &Rule) -> Vec<FieldChange> {
    changes(attributes(x), attributes(y))
}

/// A rule's compared attributes, named as in `dump --json`; `unresolved` is left out, since it
/// follows from the other rules.
fn attributes<'s>(r: &Rule) -> Vec<(&'s str, Value)> {
    vec![
        ("action", Value::Word(r.action.name())),
        ("table", Value::Table(r.table)),
        ("goto", Value::number(r.goto)),
        (
            "suppress_prefixlength",
            Value::number(r.suppress_prefixlength),
        ),
        ("suppress_ifgroup", Value::number(r.suppress_ifgroup)),
        ("realms", Value::number(r.realms)),
        ("protocol", Value::Number(r.protocol.into())),
        ("flags", Value::Number(r.flags.into())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RuleAction, fixtures::server};

    #[test]
    fn a_new_table_is_a_changed_rule_and_a_new_selector_another_rule() {
        let a = server();
        let mut b = a.clone();
        b.rules[1].table = 200;
        b.rules[2].add(Selector::IpProto(6));
        let d = diff(&a, &b);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].after.priority, 100);
        let f = &d.changed[0].fields[0];
        assert_eq!(
            (f.field.as_str(), &f.before, &f.after),
            ("table", &Value::Table(100), &Value::Table(200))
        );
        assert_eq!(d.removed.len(), 1);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].priority, 32766);
    }

    #[test]
    fn duplicate_rules_are_counted() {
        let a = server();
        let mut b = a.clone();
        let twin = b.rules[1].clone();
        b.rules.insert(1, twin.clone());
        let d = diff(&a, &b);
        assert_eq!((d.added.len(), d.removed.len(), d.changed.len()), (1, 0, 0));
        assert_eq!(*d.added[0], twin);
        // three copies against two: one removed, whichever it was
        let mut c = b.clone();
        c.rules.insert(1, twin);
        let back = diff(&c, &b);
        assert_eq!((back.added.len(), back.removed.len()), (0, 1));
        // of two rules at one identity, the one whose action changed is paired
        let mut d2 = b.clone();
        d2.rules[2].action = RuleAction::Prohibit;
        let one = diff(&b, &d2);
        assert_eq!(one.changed.len(), 1);
        assert_eq!(one.changed[0].fields[0].field, "action");
    }

    #[test]
    fn a_detached_device_selector_is_the_same_rule() {
        let mut a = server();
        a.rules[1].add(Selector::Iif {
            name: "wg0".into(),
            detached: true,
        });
        let mut b = a.clone();
        b.rules[1].selectors[0] = Selector::Iif {
            name: "wg0".into(),
            detached: false,
        };
        assert!(diff(&a, &b).is_empty());
    }
}
