//! The policy rules of a state: a list shared cheaply with the explanations that quote it, with
//! the rule index of each family built on first use and dropped whenever the list is touched.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, OnceLock};

use super::rule_index::RuleIndex;
use super::{Family, Rule};

/// Every rule, IPv4 then IPv6, each family in kernel order; reads and writes go through
/// `Deref`/`DerefMut` to the `Vec`, and any write (even a borrow that changes nothing) forgets
/// the indexes, so they always describe the rules as they are.
///
/// The list sits behind an `Arc` so that an explanation can keep the rules it passed over without
/// copying them (`share`); a write while an explanation holds them copies the list once.
#[derive(Default)]
pub struct Rules {
    list: Arc<Vec<Rule>>,
    /// The rule index of each family (IPv4, IPv6), built by the first lookup that needs it.
    indexes: [OnceLock<RuleIndex>; 2],
}

impl Rules {
    /// The rules as a shared list, for an explanation that refers to them after the state moves
    /// on.
    pub fn share(&self) -> Arc<Vec<Rule>> {
        Arc::clone(&self.list)
    }

    /// The rules of one family in kernel order (rules are kept grouped by family).
    pub fn of(&self, family: Family) -> &[Rule] {
        let start = self.list.partition_point(|r| r.family < family);
        let end = self.list.partition_point(|r| r.family <= family);
        &self.list[start..end]
    }

    /// Where the rules of `family` start in the whole list.
    pub fn start_of(&self, family: Family) -> usize {
        self.list.partition_point(|r| r.family < family)
    }

    /// The index of one family's rules (positions as in `of`), built on first use.
    pub fn indexed(&self, family: Family) -> &RuleIndex {
        let slot = match family {
            Family::V4 => &self.indexes[0],
            Family::V6 => &self.indexes[1],
        };
        slot.get_or_init(|| RuleIndex::new(self.of(family)))
    }
}

impl Deref for Rules {
    type Target = Vec<Rule>;

    fn deref(&self) -> &Vec<Rule> {
        &self.list
    }
}

impl DerefMut for Rules {
    /// The list to change: the indexes are forgotten, and the list is copied first if an
    /// explanation still shares it.
    fn deref_mut(&mut self) -> &mut Vec<Rule> {
        self.indexes = [OnceLock::new(), OnceLock::new()];
        Arc::make_mut(&mut self.list)
    }
}

impl Clone for Rules {
    /// Shares the list (and the indexes, which describe it exactly).
    fn clone(&self) -> Self {
        Self {
            list: Arc::clone(&self.list),
            indexes: self.indexes.clone(),
        }
    }
}

impl PartialEq for Rules {
    /// Rules are equal when their lists are; the indexes only follow from them.
    fn eq(&self, other: &Self) -> bool {
        self.list == other.list
    }
}

impl Eq for Rules {}

impl std::fmt::Debug for Rules {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.list.fmt(f)
    }
}

impl From<Vec<Rule>> for Rules {
    fn from(list: Vec<Rule>) -> Self {
        Self {
            list: Arc::new(list),
            indexes: Default::default(),
        }
    }
}

impl FromIterator<Rule> for Rules {
    fn from_iter<I: IntoIterator<Item = Rule>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<_>>())
    }
}

impl<'a> IntoIterator for &'a Rules {
    type Item = &'a Rule;
    type IntoIter = std::slice::Iter<'a, Rule>;

    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}

impl<'a> IntoIterator for &'a mut Rules {
    type Item = &'a mut Rule;
    type IntoIter = std::slice::IterMut<'a, Rule>;

    fn into_iter(self) -> Self::IntoIter {
        self.deref_mut().iter_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Selector;

    #[test]
    fn a_write_forgets_the_index_and_leaves_shared_copies_alone() {
        let mut rules = Rules::from(vec![
            Rule::lookup(Family::V4, 10, 100).with(Selector::IpProto(6)),
            Rule::lookup(Family::V6, 10, 254),
        ]);
        assert_eq!(rules.indexed(Family::V4).len(), 1);
        let shared = rules.share();
        rules.push(Rule::lookup(Family::V4, 20, 254));
        rules.sort_by_key(|r| (r.family, r.priority));
        assert_eq!(
            rules.indexed(Family::V4).len(),
            2,
            "rebuilt after the write"
        );
        assert_eq!(shared.len(), 2, "an explanation keeps the rules it saw");
        assert_eq!(rules.of(Family::V6).len(), 1);
        assert_eq!(rules.start_of(Family::V6), 2);
        assert_eq!(rules.clone(), rules);
    }
}
