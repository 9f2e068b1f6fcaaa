//! Property tests of the model against simple references: `RouteTable` against a sorted `Vec`,
//! `State::apply` against the final set of objects built into a fresh state, and `dump --json`
//! against the snapshot reader.

mod props;

use proptest::prelude::*;
use routescope::model::{
    Change, Family, Hop, NextHop, Op, Placement, Route, RouteFlags, RouteKind, RouteTable, State,
};

use routescope::report::{json, snapshot};

use props::state_ref::{Objects, normalized};
use props::table_ref::{Reference, assert_same, step};
use props::{change_spec, route, table_op};

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random inserts, replaces, updates, deletes and lookups keep `RouteTable` equal to the
    /// reference in order, length, `routes_for` and `prefix_lens`.
    #[test]
    fn route_table_matches_a_sorted_vec(ops in prop::collection::vec(table_op(), 1..80)) {
        let (mut table, mut reference) = (RouteTable::default(), Reference::default());
        for op in ops {
            let probe = step(&mut table, &mut reference, op);
            assert_same(&table, &reference, probe);
        }
    }

    /// Routes that differ only in what `same_route` ignores update each other in place.
    #[test]
    fn update_keeps_the_place(r in route(), protocol in any::<u8>()) {
        let mut table = RouteTable::default();
        table.push(r.clone());
        let mut changed = r.clone();
        changed.protocol = protocol;
        prop_assert!(table.update(&changed));
        prop_assert_eq!(table.iter().collect::<Vec<_>>(), vec![changed.clone()]);
    }

    /// `dump --json` of any state (names not UTF-8, every selector kind, nexthops, sysctls,
    /// device order, multicast groups) reads back through the snapshot reader as the same state.
    #[test]
    fn a_json_dump_reads_back_as_the_same_state(state in props::states::state()) {
        let mut out = Vec::new();
        json::write_state(&state, &mut out).expect("write");
        let text = String::from_utf8(out).expect("JSON is UTF-8");
        let back = snapshot::parse_snapshot(&text);
        prop_assert!(back.is_ok(), "{:?}\n{}", back.err(), text);
        prop_assert_eq!(back.ok(), Some(state), "{}", text);
    }

    /// Applying random changes gives the state built fresh from the objects they leave, and
    /// applying any change a second time changes nothing.
    #[test]
    fn apply_equals_a_fresh_state_and_is_idempotent(
        specs in prop::collection::vec(change_spec(), 1..60)
    ) {
        let (mut state, mut objects) = (State::default(), Objects::default());
        for spec in specs {
            let change = spec.resolve(&objects);
            state.apply(change.clone());
            objects.apply(&change);
            let mut twice = state.clone();
            twice.apply(change.clone());
            prop_assert_eq!(&twice, &state, "applied twice: {:?}", change);
            let fresh = objects.fresh();
            prop_assert_eq!(normalized(&state), normalized(&fresh), "after {:?}", change);
        }
    }
}

/// A unicast route in main through `(device, gateway)` nexthops.
fn via(dst: &str, hops: &[(u32, &str)]) -> Route {
    let mut r = Route::new(254, dst.parse().expect("prefix"), RouteKind::Unicast);
    r.hops = Hop::from_vec(
        hops.iter()
            .map(|&(dev, gw)| NextHop {
                dev,
                gateway: Some(gw.parse().expect("gateway")),
                weight: 1,
                flags: RouteFlags::default(),
            })
            .collect(),
    );
    r
}

/// The main table's routes of one family as `dev@gateway` lists.
fn main_table(state: &State, family: Family) -> Vec<String> {
    state.table(family, 254).map_or_else(Vec::new, |t| {
        t.iter()
            .map(|r| {
                let hops = r.hops.as_slice().iter();
                let text: Vec<String> =
                    hops.map(|h| format!("{}@{:?}", h.dev, h.gateway)).collect();
                text.join(",")
            })
            .collect()
    })
}

/// The cases the properties found, kept as plain examples.
#[test]
fn a_repeated_deletion_or_replacement_leaves_the_routes_beside_it() {
    let (a, b) = (
        via("0.0.0.0/0", &[(1, "10.0.0.1")]),
        via("0.0.0.0/0", &[(2, "10.0.0.2")]),
    );
    let mut state = State::default();
    state.apply(Change::Route(Op::New, Placement::Last, a.clone()));
    state.apply(Change::Route(Op::New, Placement::Last, b.clone()));
    let replace = Change::Route(Op::New, Placement::Replace, b.clone());
    state.apply(replace.clone());
    state.apply(replace);
    assert_eq!(main_table(&state, Family::V4).len(), 2, "b replaced itself");
    let delete = Change::Route(Op::Del, Placement::Last, a);
    state.apply(delete.clone());
    state.apply(delete);
    assert_eq!(
        main_table(&state, Family::V4),
        ["2@Some(10.0.0.2)"],
        "b stays"
    );
    let multi = via("0.0.0.0/0", &[(2, "10.0.0.2"), (3, "10.0.0.3")]);
    state.apply(Change::Route(Op::New, Placement::Last, multi));
    assert_eq!(
        main_table(&state, Family::V4).len(),
        2,
        "IPv4 multipath sits beside b"
    );
}

/// IPv6 siblings: an append is announced new nexthop first, a deletion names one nexthop.
#[test]
fn ipv6_siblings_keep_the_dump_order() {
    let mut state = State::default();
    let new = |r: Route| Change::Route(Op::New, Placement::Last, r);
    state.apply(new(via("2001:db8::/64", &[(1, "fe80::1")])));
    state.apply(new(via("2001:db8::/64", &[(2, "fe80::2"), (1, "fe80::1")])));
    state.apply(new(via(
        "2001:db8::/64",
        &[(3, "fe80::3"), (1, "fe80::1"), (2, "fe80::2")],
    )));
    assert_eq!(
        main_table(&state, Family::V6),
        ["1@Some(fe80::1),2@Some(fe80::2),3@Some(fe80::3)"]
    );
    let one = via("2001:db8::/64", &[(1, "fe80::1")]);
    state.apply(Change::Route(Op::Del, Placement::Last, one.clone()));
    state.apply(Change::Route(Op::Del, Placement::Last, one));
    assert_eq!(
        main_table(&state, Family::V6),
        ["2@Some(fe80::2),3@Some(fe80::3)"]
    );
}
