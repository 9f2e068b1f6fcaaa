//! Routes of every table: identified by the kernel's key (family, table, destination, tos,
//! metric, and the IPv6 source prefix); type, devices (by name), gateways and the rest are
//! attributes. The seconds an expiring route has left are not compared.

use ipnet::IpNet;

use super::pair::pair;
use super::value::changes;
use super::{FieldChange, Section, Value};
use crate::model::{Family, Hop, Route, RouteFlags, State};

/// What names a route: family, table, destination, tos, metric, source prefix.
type Key = (Family, u32, IpNet, u8, u32, Option<IpNet>);

/// The routes of every table of `a` and `b`, matched by their key.
pub(super) fn diff(a: &State, b: &State) -> Section<Route> {
    let (mine, theirs): (Vec<Route>, Vec<Route>) = (a.routes().collect(), b.routes().collect());
    let keyed = |v: &[Route]| v.iter().enumerate().map(|(i, r)| (key(r), i)).collect();
    let by_index = pair(keyed(&mine), keyed(&theirs), |x, y| {
        route_changes(a, &mine[x], b, &theirs[y])
    });
    by_index.map(|x| mine[x].clone(), |y| theirs[y].clone())
}

/// The identity of a route.
fn key(r: &Route) -> Key {
    (r.family(), r.table, r.dst, r.tos, r.metric, r.src_prefix())
}

/// Whether route `x` of state `a` and route `y` of state `b` are the same route, alike in
/// everything compared.
pub(super) fn same_route(a: &State, x: &Route, b: &State, y: &Route) -> bool {
    key(x) == key(y) && route_changes(a, x, b, y).is_empty()
}

/// The attributes of route `x` of state `a` and route `y` of state `b` that differ, devices
/// compared by name (a route of the same key is assumed).
pub(super) fn route_changes(a: &State, x: &Route, b: &State, y: &Route) -> Vec<FieldChange> {
    // the common case, cheaply: the same route through devices of the same names
    let same_names = x
        .hops
        .as_slice()
        .iter()
        .all(|h| h.dev == 0 || a.name_of(h.dev) == b.name_of(h.dev));
    if x == y && same_names {
        return Vec::new();
    }
    changes(attributes(a, x), attributes(b, y))
}

/// A route's compared attributes, named as in `dump --json`.
fn attributes<'s>(state: &State, r: &Route) -> Vec<(&'s str, Value)> {
    let device = |dev: u32| {
        if dev == 0 {
            Value::Absent
        } else {
            Value::Device(state.name_of(dev).clone())
        }
    };
    let (one_dev, one_gateway, weight, hop_flags) = match &r.hops {
        Hop::One(nh) => (
            device(nh.dev),
            Value::address(nh.gateway),
            Value::Number(nh.weight.into()),
            nh.flags.0,
        ),
        _ => (Value::Absent, Value::Absent, Value::Absent, 0),
    };
    let multipath = match &r.hops {
        Hop::Multi(hops) => {
            let mut words: Vec<String> = hops
                .iter()
                .map(|nh| {
                    let via = nh.gateway.map(|g| format!("via {g} ")).unwrap_or_default();
                    let flags = nh.flags.names();
                    let gap = if flags.is_empty() { "" } else { " " };
                    format!(
                        "{via}dev {} weight {}{gap}{}",
                        state.name_of(nh.dev),
                        nh.weight,
                        flags.join(" ")
                    )
                })
                .collect();
            // the kernel lists a multipath route's nexthops in different orders in different
            // messages: the set is what counts
            words.sort();
            Value::Words(words)
        }
        _ => Value::Absent,
    };
    let extra = r.extra.as_deref();
    vec![
        ("type", Value::Word(r.kind.name())),
        ("dev", one_dev),
        ("gateway", one_gateway),
        ("src", Value::address(r.prefsrc)),
        ("protocol", Value::Protocol(r.protocol)),
        ("scope", Value::Word(r.scope.name())),
        (
            "flags",
            Value::names(RouteFlags(r.flags.0 | hop_flags).names()),
        ),
        ("nexthops", multipath),
        ("nhid", Value::number((r.nhid != 0).then_some(r.nhid))),
        ("weight", weight),
        ("pref", Value::number(extra.and_then(|e| e.pref))),
        ("realm", Value::number(extra.and_then(|e| e.realm))),
        (
            "unmodelled",
            Value::Words(
                extra
                    .map(|e| e.unmodelled.iter().map(ToString::to_string).collect())
                    .unwrap_or_default(),
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NextHop, RouteExtra, RouteKind, fixtures::server};

    /// `s` with its main default route edited by `edit`.
    fn with_default(s: &State, edit: impl Fn(&mut Route)) -> State {
        let mut out = s.clone();
        out.tables.clear();
        for r in s.routes() {
            let mut r = r.clone();
            if r.table == 254 && r.dst.prefix_len() == 0 && r.family() == Family::V4 {
                edit(&mut r);
            }
            out.push_route(r);
        }
        out
    }

    #[test]
    fn a_new_gateway_is_changed_and_a_new_metric_is_another_route() {
        let a = server();
        let b = with_default(&a, |r| {
            r.hops = Hop::One(NextHop {
                gateway: "99.88.22.9".parse().ok(),
                ..r.hops.as_slice()[0]
            });
        });
        let d = diff(&a, &b);
        assert_eq!(d.changed.len(), 1);
        let fields = &d.changed[0].fields;
        assert_eq!(fields.len(), 1);
        assert_eq!(fields[0].field, "gateway");
        assert_eq!(
            fields[0].after,
            Value::Address("99.88.22.9".parse().expect("lit"))
        );
        // routes that differ only by metric are two routes: one gone, one new
        let c = with_default(&a, |r| r.metric = 100);
        let d = diff(&a, &c);
        assert_eq!((d.added.len(), d.removed.len(), d.changed.len()), (1, 1, 0));
        assert_eq!(d.added[0].metric, 100);
        assert_eq!(d.removed[0].metric, 0);
    }

    #[test]
    fn ipv6_routes_with_from_are_keyed_by_their_source_prefix() {
        let a = server();
        let mut b = a.clone();
        let mut specific = Route::new(254, "::/0".parse().expect("lit"), RouteKind::Unicast);
        specific.metric = 1024;
        specific.hops = Hop::One(NextHop {
            dev: 2,
            gateway: "fe80::1".parse().ok(),
            weight: 1,
            flags: RouteFlags::default(),
        });
        let plain = specific.clone();
        specific.extra = Some(std::sync::Arc::new(RouteExtra {
            src: "2001:db8::/64".parse().ok(),
            ..RouteExtra::default()
        }));
        b.push_route(plain.clone());
        b.push_route(specific.clone());
        let d = diff(&a, &b);
        assert_eq!(
            d.added.len(),
            2,
            "the same destination and metric, two sources"
        );
        // the source-specific one gets a new gateway: only it is changed
        let mut c = a.clone();
        c.push_route(plain);
        let mut moved = specific;
        moved.hops = Hop::One(NextHop {
            gateway: "fe80::2".parse().ok(),
            ..moved.hops.as_slice()[0]
        });
        c.push_route(moved);
        let d = diff(&b, &c);
        assert_eq!((d.added.len(), d.removed.len(), d.changed.len()), (0, 0, 1));
        assert_eq!(
            d.changed[0].after.src_prefix(),
            "2001:db8::/64".parse().ok()
        );
    }

    #[test]
    fn multipath_nexthops_compare_as_a_set_by_device_name() {
        let hop = |dev, gw: &str| NextHop {
            dev,
            gateway: gw.parse().ok(),
            weight: 1,
            flags: RouteFlags::default(),
        };
        let a = with_default(&server(), |r| {
            r.hops = Hop::Multi(vec![hop(1, "99.88.22.1"), hop(2, "99.88.22.3")].into());
        });
        let b = with_default(&a, |r| {
            r.hops = Hop::Multi(vec![hop(2, "99.88.22.3"), hop(1, "99.88.22.1")].into());
        });
        assert!(diff(&a, &b).is_empty(), "order of nexthops does not count");
        let c = with_default(&a, |r| {
            r.hops = Hop::Multi(vec![hop(2, "99.88.22.3"), hop(2, "99.88.22.1")].into());
        });
        let d = diff(&a, &c);
        assert_eq!(d.changed[0].fields[0].field, "nexthops");
    }
}
