//! What changed between two states: every link, address, rule, route, nexthop object, permanent
//! neighbour and sysctl added, removed or changed, and how chosen queries answer in each.
//!
//! Pure: two `State`s in, typed differences out (`report::diff` renders them). Objects are matched
//! by what the kernel identifies them by, never by position or interface index, and compared by
//! device NAME, since indexes differ between two dumps or two hosts. One file per kind says what
//! its identity and its compared attributes are; `pair` matches them all the same way.

mod addresses;
mod links;
mod neighbours;
mod nexthops;
mod pair;
mod queries;
mod routes;
mod rules;
mod sysctls;
mod value;

pub use queries::{QueryDiff, compare_query};
pub use sysctls::DeviceSettings;
pub use value::{FieldChange, Value};

use crate::model::{Address, Link, Neighbour, Nexthop, Route, Rule, State};

/// One object present in both states whose attributes differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changed<T> {
    /// The object in the first state (`a`).
    pub before: T,
    /// The object in the second state (`b`).
    pub after: T,
    /// Each attribute that differs, with both values; never empty.
    pub fields: Vec<FieldChange>,
}

/// The differences of one kind of object, each list in the kind's identity order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Section<T> {
    /// Objects only the second state has (borrowed from it, or copied: routes).
    pub added: Vec<T>,
    /// Objects only the first state has (borrowed from it).
    pub removed: Vec<T>,
    /// Objects both have, with different attributes.
    pub changed: Vec<Changed<T>>,
}

impl<T> Default for Section<T> {
    fn default() -> Self {
        Self {
            added: Vec::new(),
            removed: Vec::new(),
            changed: Vec::new(),
        }
    }
}

impl<T> Section<T> {
    /// The same differences, borrowed (a section of owned objects rendered like the others).
    pub fn as_refs(&self) -> Section<&T> {
        Section {
            added: self.added.iter().collect(),
            removed: self.removed.iter().collect(),
            changed: self
                .changed
                .iter()
                .map(|c| Changed {
                    before: &c.before,
                    after: &c.after,
                    fields: c.fields.clone(),
                })
                .collect(),
        }
    }

    /// The same differences with each object of the first state mapped by `a` and each of the
    /// second by `b`.
    fn map<U>(self, a: impl Fn(T) -> U, b: impl Fn(T) -> U) -> Section<U> {
        Section {
            added: self.added.into_iter().map(&b).collect(),
            removed: self.removed.into_iter().map(&a).collect(),
            changed: self
                .changed
                .into_iter()
                .map(|c| Changed {
                    before: a(c.before),
                    after: b(c.after),
                    fields: c.fields,
                })
                .collect(),
        }
    }

    /// Whether nothing of this kind differs.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }

    /// How many objects differ (added, removed and changed together).
    pub fn len(&self) -> usize {
        self.added.len() + self.removed.len() + self.changed.len()
    }
}

/// Every difference between two states, kind by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff<'a> {
    /// Links, by name.
    pub links: Section<&'a Link>,
    /// Addresses, by device name, address, prefix length and peer.
    pub addresses: Section<&'a Address>,
    /// Rules of both families, by priority and selectors.
    pub rules: Section<&'a Rule>,
    /// Routes of every table of both families, by the kernel's key.
    pub routes: Section<Route>,
    /// Nexthop objects and groups, by id.
    pub nexthops: Section<&'a Nexthop>,
    /// Permanent neighbour entries only: learned ones are a cache, not configuration.
    pub neighbours: Section<&'a Neighbour>,
    /// Per-device sysctls (`all` first) of devices both states have.
    pub sysctls: Section<DeviceSettings<'a>>,
}

impl Diff<'_> {
    /// Whether the two states are the same in everything compared.
    pub fn is_empty(&self) -> bool {
        self.links.is_empty()
            && self.addresses.is_empty()
            && self.rules.is_empty()
            && self.routes.is_empty()
            && self.nexthops.is_empty()
            && self.neighbours.is_empty()
            && self.sysctls.is_empty()
    }
}

/// Compares state `a` (before) with state `b` (after).
pub fn diff<'a>(a: &'a State, b: &'a State) -> Diff<'a> {
    Diff {
        links: links::diff(a, b),
        addresses: addresses::diff(a, b),
        rules: rules::diff(a, b),
        routes: routes::diff(a, b),
        nexthops: nexthops::diff(a, b),
        neighbours: neighbours::diff(a, b),
        sysctls: sysctls::diff(a, b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::server;

    #[test]
    fn a_state_does_not_differ_from_itself_or_its_copy() {
        let a = server();
        let b = a.clone();
        assert!(diff(&a, &a).is_empty());
        assert!(diff(&a, &b).is_empty());
        assert!(diff(&State::default(), &State::default()).is_empty());
    }

    #[test]
    fn everything_is_added_to_an_empty_state() {
        let empty = State::default();
        let b = server();
        let d = diff(&empty, &b);
        assert_eq!(d.links.added.len(), b.links.len());
        assert_eq!(d.addresses.added.len(), b.addresses.len());
        assert_eq!(d.rules.added.len(), b.rules.len());
        assert_eq!(d.routes.added.len(), b.route_count());
        let back = diff(&b, &empty);
        assert_eq!(back.routes.removed.len(), b.route_count());
        assert!(back.routes.added.is_empty() && back.routes.changed.is_empty());
    }
}
