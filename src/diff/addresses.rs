//! Addresses: identified by device name, address, prefix length (and peer, as the kernel keys a
//! point-to-point address); remaining lifetimes, which count down, are not compared.

use std::net::IpAddr;

use super::pair::pair;
use super::value::changes;
use super::{FieldChange, Section, Value};
use crate::model::{Address, LinkName, State};

/// What names an address: its device's name, the address, the prefix length and the peer.
type Key<'s> = (&'s LinkName, IpAddr, u8, Option<IpAddr>);

/// The addresses of `a` and `b`, matched by device name and address.
pub(super) fn diff<'a>(a: &'a State, b: &'a State) -> Section<&'a Address> {
    let keyed = |s: &'a State| {
        s.addresses
            .iter()
            .map(|x| (key(s, x), x))
            .collect::<Vec<_>>()
    };
    pair(keyed(a), keyed(b), compare)
}

/// The identity of an address in its state.
fn key<'s>(state: &'s State, x: &Address) -> Key<'s> {
    (state.name_of(x.index), x.local, x.prefix_len, x.peer)
}

/// The attributes of two addresses that differ.
fn compare(x: &Address, y: &Address) -> Vec<FieldChange> {
    changes(attributes(x), attributes(y))
}

/// An address's compared attributes, named as in `dump --json`.
fn attributes<'s>(x: &Address) -> Vec<(&'s str, Value)> {
    vec![
        ("scope", Value::Word(x.scope.name())),
        ("flags", Value::names(x.flags.names())),
        (
            "label",
            Value::word(x.label.as_ref().map(ToString::to_string)),
        ),
        ("broadcast", Value::address(x.broadcast.map(IpAddr::V4))),
        ("metric", Value::Number(x.metric.into())),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AddressFlags, fixtures::server};

    #[test]
    fn added_removed_and_flag_changes() {
        let a = server();
        let mut b = a.clone();
        let mut extra = b.addresses[3].clone();
        extra.local = "99.88.22.3".parse().expect("literal");
        extra.flags.0 |= AddressFlags::SECONDARY;
        b.addresses.push(extra);
        b.addresses.retain(|x| x.local.to_string() != "11.22.33.44");
        b.addresses[0].flags.0 &= !AddressFlags::PERMANENT;
        b.addresses[0].valid_lft = 300;
        let d = diff(&a, &b);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.added[0].local.to_string(), "99.88.22.3");
        assert_eq!(d.removed[0].local.to_string(), "11.22.33.44");
        assert_eq!(d.changed.len(), 1);
        let change = &d.changed[0].fields[0];
        assert_eq!(change.field, "flags");
        assert_eq!(change.after, Value::Words(Vec::new()));
    }

    #[test]
    fn a_new_prefix_length_is_another_address() {
        let a = server();
        let mut b = a.clone();
        b.addresses[3].prefix_len = 16;
        let d = diff(&a, &b);
        assert_eq!((d.added.len(), d.removed.len(), d.changed.len()), (1, 1, 0));
    }
}
