//! Nexthop objects: identified by id, as routes and groups refer to them.

use super::pair::pair;
use super::value::changes;
use super::{FieldChange, Section, Value};
use crate::model::{Nexthop, State};

/// The nexthop objects of `a` and `b`, matched by id.
pub(super) fn diff<'a>(a: &'a State, b: &'a State) -> Section<&'a Nexthop> {
    let keyed = |s: &'a State| s.nexthops.values().map(|n| (n.id, n)).collect::<Vec<_>>();
    pair(keyed(a), keyed(b), |x, y| compare(a, x, b, y))
}

/// The attributes of two nexthop objects that differ, the device compared by name.
fn compare(a: &State, x: &Nexthop, b: &State, y: &Nexthop) -> Vec<FieldChange> {
    changes(attributes(a, x), attributes(b, y))
}

/// A nexthop object's compared attributes, named as in `dump --json`.
fn attributes<'s>(state: &State, n: &Nexthop) -> Vec<(&'s str, Value)> {
    let members = n
        .group
        .iter()
        .map(|m| format!("{},{}", m.id, m.weight))
        .collect();
    vec![
        ("family", Value::Number(n.family.into())),
        (
            "dev",
            n.dev
                .map_or(Value::Absent, |d| Value::Device(state.name_of(d).clone())),
        ),
        ("gateway", Value::address(n.gateway)),
        ("blackhole", Value::Flag(n.blackhole)),
        ("group", Value::Words(members)),
        ("group_type", Value::Number(n.group_type.into())),
        ("protocol", Value::Protocol(n.protocol)),
        ("flags", Value::Number(n.flags.into())),
        ("fdb", Value::Flag(n.fdb)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NexthopGroupMember, fixtures::server};

    #[test]
    fn nexthops_by_id() {
        let mut a = server();
        let one = Nexthop {
            id: 1,
            family: 2,
            dev: Some(2),
            gateway: "99.88.22.1".parse().ok(),
            ..Nexthop::default()
        };
        let group = Nexthop {
            id: 10,
            group: vec![NexthopGroupMember { id: 1, weight: 1 }],
            ..Nexthop::default()
        };
        a.nexthops.insert(1, one.clone());
        let mut b = a.clone();
        b.nexthops.insert(10, group);
        b.nexthops.get_mut(&1).expect("nh 1").gateway = "99.88.22.5".parse().ok();
        let d = diff(&a, &b);
        assert_eq!(d.added.len(), 1);
        assert_eq!(d.changed[0].fields[0].field, "gateway");
    }
}
