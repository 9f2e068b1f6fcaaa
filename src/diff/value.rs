//! An attribute's value as the diff compares it, typed so that `report` can write it with names
//! (tables, protocols, devices) in text and as numbers or names in JSON.

use std::net::IpAddr;

use crate::model::LinkName;

/// One attribute's value: devices by name, everything else as the kernel has it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// The attribute is absent (no gateway, no master, not a multipath route …).
    Absent,
    /// A number (MTU, index, metric, weight …).
    Number(u64),
    /// A yes/no setting.
    Flag(bool),
    /// One word as `ip` prints it (a type, a scope, an operstate, a MAC address …).
    Word(String),
    /// A set of words: flag names, multipath nexthops, group members (sorted where order is
    /// not meaningful).
    Words(Vec<String>),
    /// A device, by name.
    Device(LinkName),
    /// An address.
    Address(IpAddr),
    /// A routing table, by id (shown by name).
    Table(u32),
    /// A route protocol, by number (shown by name, as `dump --json` does).
    Protocol(u8),
}

impl Value {
    /// A number, or `Absent` when there is none.
    pub fn number(n: Option<impl Into<u64>>) -> Self {
        n.map_or(Self::Absent, |n| Self::Number(n.into()))
    }

    /// An address, or `Absent` when there is none.
    pub fn address(a: Option<IpAddr>) -> Self {
        a.map_or(Self::Absent, Self::Address)
    }

    /// A word, or `Absent` when there is none.
    pub fn word(w: Option<impl Into<String>>) -> Self {
        w.map_or(Self::Absent, |w| Self::Word(w.into()))
    }

    /// Words from names (`LinkFlags::names` and alike), kept in their given order.
    pub fn names(names: Vec<&str>) -> Self {
        Self::Words(names.into_iter().map(str::to_owned).collect())
    }
}

/// One attribute that differs between the two states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    /// The attribute's name, as `dump --json` names it (`mtu`, `gateway`, `rp_filter` …).
    pub field: String,
    /// The value in the first state.
    pub before: Value,
    /// The value in the second state.
    pub after: Value,
}

/// Compares attribute lists of the same shape, keeping the ones that differ.
pub(super) fn changes(before: Vec<(&str, Value)>, after: Vec<(&str, Value)>) -> Vec<FieldChange> {
    before
        .into_iter()
        .zip(after)
        .filter(|((_, x), (_, y))| x != y)
        .map(|((field, before), (_, after))| FieldChange {
            field: field.to_owned(),
            before,
            after,
        })
        .collect()
}
