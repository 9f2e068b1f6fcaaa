//! `dump --json` version 2, the compact form (`docs/cli-contract.md`): every route shape reads
//! back into the same state, a version-1 file is still read, the two-thread writer writes what
//! the streaming serializer writes, and a typical route is no larger than `ip -j`'s.

mod common;

use common::{TestNetns, runtime};
use routescope::fixtures;
use routescope::model::{
    Change, Hop, NextHop, Op, Placement, Route, RouteExtra, RouteFlags, RouteKind, Scope, State,
};
use routescope::report::{json, snapshot};
use serde_json::Value;

/// A route of `kind` in `table` to `dst`, through `dev` (and `gateway`) when given.
fn route(table: u32, dst: &str, kind: RouteKind, dev: u32, gateway: Option<&str>) -> Route {
    let mut r = Route::new(table, dst.parse().expect("prefix"), kind);
    r.protocol = 3; // boot, what `ip route add` gives
    if dev != 0 || gateway.is_some() {
        r.hops = Hop::from_vec(vec![hop(dev, gateway, 1, 0)]);
    }
    r
}

/// One nexthop.
fn hop(dev: u32, gateway: Option<&str>, weight: u16, flags: u32) -> NextHop {
    NextHop {
        dev,
        gateway: gateway.map(|g| g.parse().expect("address")),
        weight,
        flags: RouteFlags(flags),
    }
}

/// The server fixture with a route of every shape the compact form leaves fields out of.
fn every_shape() -> State {
    let mut state = fixtures::server();
    state.table_names.insert(1000, "uplink");
    for r in v4_shapes().into_iter().chain(v6_shapes()) {
        state.apply(Change::Route(Op::New, Placement::Last, r));
    }
    state
}

/// IPv4 routes of every type, table, protocol, scope and nexthop shape.
fn v4_shapes() -> Vec<Route> {
    let mut routes = Vec::new();
    // the typical one: everything at its default but dst, dev, gateway
    routes.push(route(
        254,
        "203.0.113.0/24",
        RouteKind::Unicast,
        2,
        Some("99.88.22.1"),
    ));
    // every field away from its default
    let mut r = route(
        1000,
        "198.51.100.0/24",
        RouteKind::Unicast,
        2,
        Some("99.88.22.3"),
    );
    r.prefsrc = "99.88.22.2".parse().ok();
    r.metric = 1024; // the IPv6 default, not IPv4's
    r.protocol = 186;
    r.scope = Scope::LINK;
    r.tos = 0x10;
    r.hops = Hop::from_vec(vec![hop(2, Some("99.88.22.3"), 3, RouteFlags::ONLINK)]);
    routes.push(r);
    // a table without a name, an unknown protocol number, a route type by number
    let mut r = route(4242, "192.0.2.0/24", RouteKind::Other(77), 0, None);
    r.protocol = 77;
    routes.push(r);
    for (i, kind) in [
        RouteKind::Blackhole,
        RouteKind::Unreachable,
        RouteKind::Prohibit,
        RouteKind::Throw,
        RouteKind::Local,
        RouteKind::Broadcast,
        RouteKind::Anycast,
        RouteKind::Multicast,
        RouteKind::Nat,
        RouteKind::Unspec,
    ]
    .into_iter()
    .enumerate()
    {
        let mut r = route(1000, &format!("10.{i}.0.0/16"), kind, 0, None);
        r.scope = Scope::HOST;
        routes.push(r);
    }
    // multipath, with a dead hop, a weight and a hop without a gateway
    let mut r = route(254, "10.99.0.0/16", RouteKind::Unicast, 0, None);
    r.hops = Hop::from_vec(vec![
        hop(2, Some("99.88.22.1"), 1, 0),
        hop(
            2,
            Some("99.88.22.3"),
            5,
            RouteFlags::DEAD | RouteFlags::LINKDOWN,
        ),
        hop(2, None, 1, 0),
    ]);
    r.protocol = 2;
    routes.push(r);
    // a nexthop object
    let mut r = route(
        254,
        "10.98.0.0/16",
        RouteKind::Unicast,
        2,
        Some("99.88.22.1"),
    );
    r.nhid = 7;
    routes.push(r);
    // a device-only route with the kernel's link scope and a flag on the route itself
    let mut r = route(254, "10.97.0.0/16", RouteKind::Unicast, 0, None);
    r.scope = Scope::LINK;
    r.hops = Hop::from_vec(vec![hop(2, None, 1, RouteFlags::LINKDOWN)]);
    routes.push(r);
    // a reject route with flags of its own (no nexthop to hold them)
    let mut r = route(254, "10.96.0.0/16", RouteKind::Unreachable, 0, None);
    r.flags = RouteFlags(RouteFlags::OFFLOAD);
    routes.push(r);
    routes
}

/// IPv6 routes: default and other metrics, expiry, preference, source prefix, multipath.
fn v6_shapes() -> Vec<Route> {
    let mut routes = Vec::new();
    // IPv6: the default metric, another metric, metric 0, expiry, preference, source prefix
    let mut r = route(
        254,
        "2001:db8:1::/48",
        RouteKind::Unicast,
        2,
        Some("fe80::1"),
    );
    r.metric = 1024;
    r.extra = Some(std::sync::Arc::new(RouteExtra {
        pref: Some(0),
        ..RouteExtra::default()
    }));
    routes.push(r);
    let mut r = route(
        254,
        "2001:db8:2::/48",
        RouteKind::Unicast,
        2,
        Some("fe80::2"),
    );
    r.metric = 0;
    r.extra = Some(std::sync::Arc::new(RouteExtra {
        src: "2001:db8:ff::/64".parse().ok(),
        pref: Some(1),
        expires: Some(600),
        realm: Some(7),
        unmodelled: vec![30, 31],
    }));
    routes.push(r);
    let mut r = route(1000, "2001:db8:3::/48", RouteKind::Unicast, 0, None);
    r.metric = 256;
    r.hops = Hop::from_vec(vec![
        hop(2, Some("fe80::1"), 1, 0),
        hop(2, Some("fe80::2"), 2, 0),
    ]);
    routes.push(r);
    let mut r = route(255, "::1/128", RouteKind::Local, 1, None);
    r.metric = 0;
    r.protocol = 2;
    routes.push(r);
    routes
}

/// The `dump --json` text of a state.
fn dump(state: &State) -> String {
    let mut out = Vec::new();
    json::write_state(state, &mut out).expect("write");
    String::from_utf8(out).expect("UTF-8")
}

#[test]
fn a_v2_dump_of_every_route_shape_reads_back_into_the_same_state() {
    let state = every_shape();
    let text = dump(&state);
    let value: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(value["version"], 2);
    let back = snapshot::parse_snapshot(&text).expect("read back");
    assert_eq!(back, state);
    assert_eq!(dump(&back), text, "a second round gives the same bytes");
}

#[test]
fn the_compact_form_leaves_out_exactly_the_documented_defaults() {
    let text = dump(&every_shape());
    let value: Value = serde_json::from_str(&text).expect("JSON");
    let routes = value["routes"].as_array().expect("routes");
    // the object as written, fields in their order
    let find = |dst: &str| {
        let at = text
            .find(&format!(r#"{{"dst":"{dst}""#))
            .unwrap_or_else(|| panic!("{dst} is dumped"));
        let mut one = serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>();
        one.next().expect("an object").expect("JSON");
        text[at..at + one.byte_offset()].to_owned()
    };
    assert_eq!(
        find("203.0.113.0/24"),
        r#"{"dst":"203.0.113.0/24","dev":"eth0","gateway":"99.88.22.1"}"#
    );
    assert_eq!(
        find("198.51.100.0/24"),
        r#"{"dst":"198.51.100.0/24","table":1000,"table_name":"uplink","dev":"eth0","gateway":"99.88.22.3","src":"99.88.22.2","metric":1024,"protocol":"bgp","scope":"link","tos":16,"flags":["onlink"],"weight":3}"#
    );
    assert_eq!(
        find("192.0.2.0/24"),
        r#"{"dst":"192.0.2.0/24","table":4242,"type":"77","protocol":"77"}"#
    );
    assert_eq!(
        find("10.99.0.0/16"),
        r#"{"dst":"10.99.0.0/16","protocol":"kernel","nexthops":[{"dev":"eth0","gateway":"99.88.22.1"},{"dev":"eth0","gateway":"99.88.22.3","weight":5,"flags":["dead","linkdown"]},{"dev":"eth0"}]}"#
    );
    assert_eq!(
        find("2001:db8:1::/48"),
        r#"{"dst":"2001:db8:1::/48","dev":"eth0","gateway":"fe80::1","pref":0}"#
    );
    assert_eq!(
        find("2001:db8:2::/48"),
        r#"{"dst":"2001:db8:2::/48","dev":"eth0","gateway":"fe80::2","metric":0,"from":"2001:db8:ff::/64","pref":1,"expires":600,"realm":7,"unmodelled":[30,31]}"#
    );
    for r in routes {
        for absent in ["family", "nhid", "nexthops", "tos", "flags", "src"] {
            if let Some(v) = r.get(absent) {
                assert!(!v.is_null() && *v != 0 && *v != Value::Array(vec![]), "{r}");
            }
        }
    }
}

#[test]
fn the_two_thread_writer_writes_what_the_serializer_writes() {
    let mut state = fixtures::large(100_000, 50);
    for r in every_shape().routes() {
        state.apply(Change::Route(Op::New, Placement::Last, r.clone()));
    }
    let streamed = serde_json::to_string(&json::StateJson(&state)).expect("serialize") + "\n";
    assert_eq!(dump(&state), streamed);
}

/// A version-1 file (routescope before the compact form; a recorded kernel state with every
/// field written, nulls and defaults included).
const V1: &str = include_str!("data/dump-v1.json");

#[test]
fn a_version_1_file_is_still_read() {
    let value: Value = serde_json::from_str(V1).expect("JSON");
    assert_eq!(value["version"], 1);
    let v1_routes = value["routes"].as_array().expect("routes");
    assert!(
        v1_routes.iter().any(|r| r["nhid"].is_null()),
        "v1 writes nulls"
    );
    let state = snapshot::parse_snapshot(V1).expect("a v1 file reads");
    assert_eq!(state.route_count(), v1_routes.len());
    // every v1 route reads as written: its table, metric, type, scope, nexthops
    for json in v1_routes {
        let r = state
            .routes()
            .find(|r| r.dst.to_string() == json["dst"] && u64::from(r.table) == json["table"])
            .unwrap_or_else(|| panic!("{json} is read"));
        assert_eq!(u64::from(r.metric), json["metric"], "{json}");
        assert_eq!(r.kind.name(), json["type"], "{json}");
        assert_eq!(r.scope.name(), json["scope"], "{json}");
        let hops = json["nexthops"]
            .as_array()
            .map_or(usize::from(!json["dev"].is_null()), Vec::len);
        assert_eq!(r.hops.as_slice().len(), hops, "{json}");
    }
    // and its v2 dump reads back into the same state
    let back = snapshot::parse_snapshot(&dump(&state)).expect("v2 reads");
    assert_eq!(back, state);
}

#[test]
fn a_typical_route_is_no_larger_than_ip_j_writes_it() {
    let Some(ns) = TestNetns::new("dumpsize") else {
        return;
    };
    ns.ip_each(&[
        "link add up0 type veth peer name up0p",
        "link set up0 up",
        "link set up0p up",
        "addr add 198.18.0.2/24 dev up0",
        "addr add 2001:db8:0:1::2/64 dev up0 nodad",
        "route add 203.0.113.0/24 via 198.18.0.1 dev up0",
        "route add 198.51.100.0/24 via 198.18.0.1 dev up0 proto bgp",
        "route add 2001:db8:77::/48 via 2001:db8:0:1::1 dev up0 proto bgp",
    ]);
    let state = runtime()
        .block_on(routescope::net::dump_state(&ns.netns()))
        .expect("dump");
    for (family, dst) in [
        ("-4", "203.0.113.0/24"),
        ("-4", "198.51.100.0/24"),
        ("-6", "2001:db8:77::/48"),
    ] {
        let ip = ns.json(&format!("{family} route show table all {dst}"));
        let ip = ip.as_array().expect("a list")[0].to_string();
        let route = state
            .routes()
            .find(|r| r.dst.to_string() == dst)
            .expect("the route is read");
        let ours = serde_json::to_string(&json::route_json(&state, &route)).expect("JSON");
        println!(
            "{dst}: routescope {} bytes {ours}, ip -j {} bytes {ip}",
            ours.len(),
            ip.len()
        );
        assert!(ours.len() <= ip.len(), "{ours} is larger than {ip}");
    }
}
