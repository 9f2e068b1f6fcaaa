//! Generators for the model's property tests, drawn from small sets so that prefixes, slots,
//! devices and identities collide often.

#![allow(dead_code)] // shared by the table and the state properties

pub mod changes;
pub mod state_ref;
pub mod states;
pub mod table_ref;

use std::net::IpAddr;

use ipnet::IpNet;
use proptest::prelude::*;
use proptest::sample::select;
use routescope::model::{
    Address, AddressFlags, Change, Family, Hop, Link, LinkFlags, LinkName, Neighbour,
    NeighbourState, NextHop, Nexthop, Op, OperState, Placement, Route, RouteExtra, RouteFlags,
    RouteKind, Rule, Scope, Selector, Sysctls,
};

pub use changes::ChangeSpec;
use table_ref::TableOp;

/// A prefix of one family from a handful of addresses and lengths (host bits cleared).
pub fn net(family: Family) -> impl Strategy<Value = IpNet> {
    let (addrs, lens): (Vec<IpAddr>, Vec<u8>) = match family {
        Family::V4 => (
            [
                "10.0.0.0",
                "10.0.0.128",
                "10.0.1.0",
                "10.0.0.5",
                "0.0.0.0",
                "192.168.0.0",
            ]
            .map(|a| a.parse().expect("address"))
            .to_vec(),
            vec![0, 8, 16, 24, 25, 32],
        ),
        Family::V6 => (
            ["2001:db8::", "2001:db8:0:1::", "2001:db8::5", "::"]
                .map(|a| a.parse().expect("address"))
                .to_vec(),
            vec![0, 32, 48, 64, 128],
        ),
    };
    (select(addrs), select(lens))
        .prop_map(|(addr, len)| IpNet::new(addr, len).expect("valid length").trunc())
}

/// One nexthop through device 1 to 4, maybe via one of two gateways of the family.
fn hop(family: Family) -> impl Strategy<Value = NextHop> {
    let gateways: Vec<Option<IpAddr>> = match family {
        Family::V4 => vec![None, Some("10.0.0.1".parse().expect("ip"))],
        Family::V6 => vec![None, Some("fe80::1".parse().expect("ip"))],
    };
    (1..=4_u32, select(gateways), 1..=3_u16).prop_map(|(dev, gateway, weight)| NextHop {
        dev,
        gateway,
        weight,
        flags: RouteFlags::default(),
    })
}

/// A route of one family in table 254 or 100.
pub fn route_of(family: Family) -> impl Strategy<Value = Route> {
    let kinds = select(vec![
        RouteKind::Unicast,
        RouteKind::Unicast,
        RouteKind::Blackhole,
    ]);
    (
        (
            net(family),
            kinds,
            select(vec![254_u32, 100]),
            select(vec![0_u8, 0x10]),
        ),
        (
            0..3_u32,
            select(vec![2_u8, 4]),
            select(vec![0_u32, 0, 0, 7]),
        ),
        prop::collection::vec(hop(family), 0..=2),
        prop::option::weighted(0.1, net(family)),
    )
        .prop_map(
            move |((dst, kind, table, tos), (metric, protocol, nhid), hops, src)| {
                let mut r = Route::new(table, dst, kind);
                r.tos = tos;
                r.metric = metric;
                r.protocol = protocol;
                r.nhid = nhid;
                r.hops = distinct(family, hops);
                r.extra = src.map(|src| {
                    std::sync::Arc::new(RouteExtra {
                        src: Some(src),
                        ..RouteExtra::default()
                    })
                });
                r
            },
        )
}

/// Nexthops as the kernel keeps them: no two the same way, and gateways on every nexthop of an
/// IPv6 multipath route.
fn distinct(family: Family, hops: Vec<NextHop>) -> Hop {
    let multi = family == Family::V6 && hops.len() > 1;
    let mut unique: Vec<NextHop> = Vec::new();
    for mut h in hops {
        if multi {
            h.gateway = Some("fe80::1".parse().expect("ip"));
        }
        if !unique.iter().any(|u| u.via(&h)) {
            unique.push(h);
        }
    }
    Hop::from_vec(unique)
}

/// An IPv4 route.
pub fn route() -> impl Strategy<Value = Route> {
    route_of(Family::V4)
}

/// A route of either family.
pub fn any_route() -> impl Strategy<Value = Route> {
    prop_oneof![route_of(Family::V4), route_of(Family::V6)]
}

/// The host route `n` (an IPv4 address as a number), through device 1.
pub fn host_route(n: u32) -> Route {
    let mut r = Route::new(
        254,
        IpNet::from(IpAddr::from(n.to_be_bytes())),
        RouteKind::Unicast,
    );
    r.hops = Hop::One(NextHop {
        dev: 1,
        gateway: None,
        weight: 1,
        flags: RouteFlags::default(),
    });
    r
}

/// Where a new route goes.
pub fn placement() -> impl Strategy<Value = Placement> {
    select(vec![Placement::First, Placement::Last, Placement::Replace])
}

/// One table operation; the `*Nth` ones act on a route already in the table (index modulo len).
pub fn table_op() -> impl Strategy<Value = TableOp> {
    prop_oneof![
        4 => (route(), placement()).prop_map(|(r, p)| TableOp::Insert(r, p)),
        2 => route().prop_map(TableOp::Push),
        1 => route().prop_map(TableOp::Update),
        1 => route().prop_map(TableOp::Remove),
        3 => (any::<usize>(), any::<u8>(), placement())
            .prop_map(|(i, protocol, p)| TableOp::InsertNth(i, protocol, p)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(i, proto)| TableOp::UpdateNth(i, proto)),
        3 => (any::<usize>(), any::<bool>()).prop_map(|(i, other)| TableOp::RemoveNth(i, other)),
        1 => (0..3_u32).prop_map(TableOp::DropMetric),
        1 => net(Family::V4).prop_map(TableOp::Lookup),
        1 => (0..700_u32).prop_map(TableOp::Bulk),
    ]
}

/// A name for link `index`, unique to it: plain, not UTF-8, not ASCII, starting with `hex:`
/// (the JSON form's prefix), holding a terminal escape, or holding a backslash.
pub fn link_name(index: u32) -> impl Strategy<Value = LinkName> {
    (0..6_u8).prop_map(move |variant| {
        let bytes: Vec<u8> = match variant {
            0 => format!("l{index}").into_bytes(),
            1 => [b"e\xff".as_slice(), index.to_string().as_bytes()].concat(),
            2 => format!("caf\u{e9}{index}").into_bytes(),
            3 => format!("hex:{index}").into_bytes(),
            4 => format!("\x1b[31m{index}").into_bytes(),
            _ => format!("b\\xff{index}").into_bytes(),
        };
        LinkName::from_bytes(bytes)
    })
}

/// Link 1 to 4, up or down, under any name `link_name` makes.
pub fn link() -> impl Strategy<Value = Link> {
    (1..=4_u32)
        .prop_flat_map(|index| {
            (
                Just(index),
                link_name(index),
                any::<bool>(),
                select(vec![1500_u32, 9000]),
            )
        })
        .prop_map(|(index, name, up, mtu)| Link {
            index,
            name,
            kind: None,
            flags: LinkFlags(if up { LinkFlags::UP } else { 0 }),
            operstate: if up { OperState::Up } else { OperState::Down },
            mtu,
            mac: None,
            master: None,
            vrf_table: None,
            group: 0,
        })
}

/// An address on device 1 to 4.
pub fn address() -> impl Strategy<Value = Address> {
    let locals: Vec<IpAddr> = ["10.0.0.1", "10.0.0.2", "10.0.1.1", "2001:db8::1", "fe80::1"]
        .map(|a| a.parse().expect("address"))
        .to_vec();
    let scopes = select(vec![Scope::UNIVERSE, Scope::LINK, Scope::HOST]);
    (
        1..=4_u32,
        select(locals),
        select(vec![24_u8, 32]),
        scopes,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(index, local, prefix_len, scope, secondary, label)| Address {
                index,
                local,
                peer: None,
                prefix_len,
                scope,
                label: label.then(|| {
                    LinkName::from_bytes(
                        [b"e\xff".as_slice(), format!("{index}:x").as_bytes()].concat(),
                    )
                }),
                flags: AddressFlags(if secondary {
                    AddressFlags::SECONDARY
                } else {
                    0
                }),
                broadcast: None,
                valid_lft: u32::MAX,
                preferred_lft: u32::MAX,
                metric: 0,
            },
        )
}

/// A lookup rule of either family.
pub fn rule() -> impl Strategy<Value = Rule> {
    let families = select(vec![Family::V4, Family::V6]);
    let priorities = select(vec![0_u32, 100, 200, 32766]);
    (
        families,
        priorities,
        select(vec![100_u32, 254]),
        any::<bool>(),
    )
        .prop_map(|(family, priority, table, marked)| {
            let r = Rule::lookup(family, priority, table);
            if marked {
                r.with(Selector::Fwmark {
                    mark: 1,
                    mask: u32::MAX,
                })
            } else {
                r
            }
        })
}

/// A neighbour entry on device 1 to 4.
pub fn neighbour() -> impl Strategy<Value = Neighbour> {
    let dsts: Vec<IpAddr> = ["10.0.0.1", "10.0.0.9", "fe80::1"]
        .map(|a| a.parse().expect("address"))
        .to_vec();
    let states = select(vec![NeighbourState::REACHABLE, NeighbourState::STALE]);
    (1..=4_u32, select(dsts), any::<u8>(), states).prop_map(|(index, dst, mac, state)| Neighbour {
        index,
        dst,
        lladdr: Some(vec![2, 0, 0, 0, 0, mac]),
        state: NeighbourState(state),
        flags: 0,
    })
}

/// A nexthop object 1 to 4, through a device or not.
pub fn nexthop() -> impl Strategy<Value = Nexthop> {
    (1..=4_u32, prop::option::of(1..=4_u32)).prop_map(|(id, dev)| Nexthop {
        id,
        dev,
        ..Nexthop::default()
    })
}

/// A change to one object: a link, address, rule, route, neighbour or nexthop appearing or going.
pub fn object_change() -> impl Strategy<Value = Change> {
    let op = || select(vec![Op::New, Op::New, Op::Del]);
    prop_oneof![
        2 => (op(), link()).prop_map(|(op, l)| Change::Link(op, l)),
        3 => (op(), address()).prop_map(|(op, a)| Change::Address(op, a)),
        3 => (op(), rule()).prop_map(|(op, r)| Change::Rule(op, r)),
        6 => (op(), placement(), any_route()).prop_map(|(op, p, r)| Change::Route(op, p, r)),
        2 => (op(), neighbour()).prop_map(|(op, n)| Change::Neighbour(op, n)),
        2 => (op(), nexthop()).prop_map(|(op, nh)| Change::Nexthop(op, nh)),
    ]
}

/// Any change the feed can send, biased towards objects the state already holds.
pub fn change_spec() -> impl Strategy<Value = ChangeSpec> {
    let routes = |family| prop::collection::vec(route_of(family), 1..8);
    prop_oneof![
        12 => object_change().prop_map(ChangeSpec::Plain),
        4 => (0..6_u8, any::<usize>()).prop_map(|(kind, n)| ChangeSpec::DelNth(kind, n)),
        3 => (any::<usize>(), placement(), select(vec![2_u8, 4]))
            .prop_map(|(n, p, protocol)| ChangeSpec::RouteAgain(n, p, protocol)),
        3 => (any::<usize>(), hop(Family::V4), placement())
            .prop_map(|(n, hop, p)| ChangeSpec::RouteSibling(n, hop, p)),
        3 => (any::<usize>(), any::<usize>()).prop_map(|(n, k)| ChangeSpec::DelHop(n, k)),
        1 => routes(Family::V4).prop_map(|r| ChangeSpec::Tables(Family::V4, r)),
        1 => routes(Family::V6).prop_map(|r| ChangeSpec::Tables(Family::V6, r)),
        1 => prop::collection::vec(address(), 0..4).prop_map(|mut list| {
            let mut seen: Vec<Address> = Vec::new();
            list.retain(|a| {
                let new = !seen.iter().any(|b| b.same_object(a));
                seen.push(a.clone());
                new
            });
            ChangeSpec::Plain(Change::Addresses(list))
        }),
        1 => prop::collection::vec(neighbour(), 0..4).prop_map(|mut list| {
            list.dedup_by(|a, b| a.same_entry(b));
            ChangeSpec::Plain(Change::Neighbours(list))
        }),
        1 => prop::collection::vec(nexthop(), 0..4).prop_map(|list| {
            ChangeSpec::Plain(Change::Nexthops(list.into_iter().map(|n| (n.id, n)).collect()))
        }),
        1 => any::<bool>().prop_map(|on| {
            let mut sysctls = Sysctls::default();
            sysctls.all.forwarding = on;
            ChangeSpec::Plain(Change::Sysctls(sysctls))
        }),
        1 => prop::collection::vec(object_change(), 0..10).prop_map(ChangeSpec::Snapshot),
    ]
}
