//! Links: identified by name (a device re-created under a new index is the same link, changed).

use super::pair::pair;
use super::value::changes;
use super::{FieldChange, Section, Value};
use crate::model::{Link, State};

/// The links of `a` and `b`, matched by name.
pub(super) fn diff<'a>(a: &'a State, b: &'a State) -> Section<&'a Link> {
    let keyed = |s: &'a State| s.links.values().map(|l| (&l.name, l)).collect();
    pair(keyed(a), keyed(b), |x, y| compare(a, x, b, y))
}

/// The attributes of two links that differ; the master is compared by name.
fn compare(a: &State, x: &Link, b: &State, y: &Link) -> Vec<FieldChange> {
    changes(attributes(a, x), attributes(b, y))
}

/// A link's compared attributes, named as in `dump --json`.
fn attributes<'s>(state: &State, l: &Link) -> Vec<(&'s str, Value)> {
    vec![
        ("index", Value::Number(l.index.into())),
        ("kind", Value::word(l.kind.clone())),
        ("flags", Value::names(l.flags.names())),
        ("operstate", Value::Word(l.operstate.name().to_owned())),
        ("mtu", Value::Number(l.mtu.into())),
        ("address", Value::word(l.mac_text())),
        (
            "master",
            l.master
                .map_or(Value::Absent, |m| Value::Device(state.name_of(m).clone())),
        ),
        ("group", Value::Number(l.group.into())),
        ("vrf_table", l.vrf_table.map_or(Value::Absent, Value::Table)),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::server;

    #[test]
    fn a_link_recreated_under_a_new_index_is_changed_not_replaced() {
        let a = server();
        let mut b = a.clone();
        let mut eth0 = b.links.remove(&2).expect("eth0");
        eth0.index = 7;
        b.links.insert(7, eth0);
        // everything on it moves with it: compared by name, only the index differs
        for addr in &mut b.addresses {
            if addr.index == 2 {
                addr.index = 7;
            }
        }
        let tables = std::mem::take(&mut b.tables);
        for route in tables.values().flat_map(crate::model::RouteTable::iter) {
            let mut route = route.clone();
            if let crate::model::Hop::One(nh) = &mut route.hops {
                if nh.dev == 2 {
                    nh.dev = 7;
                }
            }
            b.push_route(route);
        }
        let d = crate::diff::diff(&a, &b);
        assert!(d.links.added.is_empty() && d.links.removed.is_empty());
        assert_eq!(d.links.changed.len(), 1);
        let fields = &d.links.changed[0].fields;
        assert_eq!(fields.len(), 1, "{fields:?}");
        assert_eq!(fields[0].field, "index");
        assert_eq!(
            (&fields[0].before, &fields[0].after),
            (&Value::Number(2), &Value::Number(7))
        );
        assert!(d.addresses.is_empty(), "{:?}", d.addresses);
        assert!(d.routes.is_empty(), "{:?}", d.routes);
    }

    #[test]
    fn mtu_and_flags_changes_name_the_fields() {
        let a = server();
        let mut b = a.clone();
        let eth0 = b.links.get_mut(&2).expect("eth0");
        eth0.mtu = 9000;
        eth0.flags.0 &= !crate::model::LinkFlags::UP;
        let d = diff(&a, &b);
        let names: Vec<&str> = d.changed[0].fields.iter().map(|f| &*f.field).collect();
        assert_eq!(names, ["flags", "mtu"]);
    }
}
