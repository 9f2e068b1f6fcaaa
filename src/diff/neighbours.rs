//! Permanent neighbour entries (`ip neigh add … nud permanent`): identified by device name and
//! address. Learned entries come and go with traffic; they are a cache, and not compared.

use std::net::IpAddr;

use super::pair::pair;
use super::value::changes;
use super::{FieldChange, Section, Value};
use crate::model::{LinkName, Neighbour, NeighbourState, State};

/// The permanent neighbours of `a` and `b`, matched by device name and address.
pub(super) fn diff<'a>(a: &'a State, b: &'a State) -> Section<&'a Neighbour> {
    let keyed = |s: &'a State| {
        s.neighbours
            .iter()
            .filter(|n| n.state.0 & NeighbourState::PERMANENT != 0)
            .map(|n| (key(s, n), n))
            .collect::<Vec<_>>()
    };
    pair(keyed(a), keyed(b), compare)
}

/// The identity of a neighbour entry in its state.
fn key<'s>(state: &'s State, n: &Neighbour) -> (&'s LinkName, IpAddr) {
    (state.name_of(n.index), n.dst)
}

/// The attributes of two entries that differ.
fn compare(x: &Neighbour, y: &Neighbour) -> Vec<FieldChange> {
    changes(attributes(x), attributes(y))
}

/// An entry's compared attributes, named as in `dump --json`.
fn attributes<'s>(n: &Neighbour) -> Vec<(&'s str, Value)> {
    vec![
        (
            "lladdr",
            Value::word(n.lladdr.as_deref().map(crate::model::hex_colon)),
        ),
        ("state", Value::names(n.state.names())),
        ("flags", Value::Number(n.flags.into())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::server;

    #[test]
    fn only_permanent_entries_count() {
        let a = server();
        let mut b = a.clone();
        let entry = |dst: &str, state| Neighbour {
            index: 2,
            dst: dst.parse().expect("literal"),
            lladdr: Some(vec![2, 0, 0, 0, 0, 9]),
            state: NeighbourState(state),
            flags: 0,
        };
        b.neighbours
            .push(entry("99.88.22.1", NeighbourState::REACHABLE));
        b.neighbours
            .push(entry("99.88.22.7", NeighbourState::PERMANENT));
        let d = diff(&a, &b);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].dst.to_string(), "99.88.22.7");
        let mut c = b.clone();
        c.neighbours[1].lladdr = Some(vec![2, 0, 0, 0, 0, 10]);
        let d = diff(&b, &c);
        assert_eq!(d.changed[0].fields[0].field, "lladdr");
    }
}
