//! The routes filter's word-by-word matcher selects exactly the routes whose one-line text
//! (`route_line`) contains the needle, over random routes (every field, multipath, unknown and
//! oddly named devices, types and protocols by number) and random needles (pieces of the text,
//! spaces included, and short strings of the characters routes are written in).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;
use proptest::prelude::*;
use proptest::sample::select;
use routescope::model::{
    Hop, Link, LinkFlags, LinkName, NextHop, OperState, Route, RouteExtra, RouteFlags, RouteKind,
    Scope, State,
};
use routescope::report::route_match::RouteMatcher;
use routescope::report::text::route_line;

/// A state whose only objects are devices 1 to 3 (names with digits, dots and a space), and a
/// device with an index above the matcher's dense range.
fn state() -> State {
    let mut s = State::default();
    for (index, name) in [
        (1, "lo"),
        (2, "up0"),
        (3, "eth 1.100"),
        (70_000, "vrf-blue"),
    ] {
        s.links.insert(
            index,
            Link {
                index,
                name: LinkName::from(name),
                kind: None,
                flags: LinkFlags(LinkFlags::UP),
                operstate: OperState::Up,
                mtu: 1500,
                mac: None,
                master: None,
                vrf_table: None,
                group: 0,
            },
        );
    }
    s
}

/// An address of either family, from small parts so that texts share pieces.
fn addr() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<[u8; 4]>().prop_map(|o| IpAddr::V4(Ipv4Addr::from(o))),
        (any::<u16>(), 0..3_u16, any::<u16>())
            .prop_map(|(a, b, c)| { IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, a, b, 0, 0, 0, c)) }),
        Just(IpAddr::V6(Ipv6Addr::UNSPECIFIED)),
        any::<[u8; 4]>().prop_map(|o| IpAddr::V6(Ipv4Addr::from(o).to_ipv6_mapped())),
    ]
}

/// A prefix of an address with any valid length.
fn net() -> impl Strategy<Value = IpNet> {
    (addr(), any::<u8>()).prop_map(|(a, len)| {
        let max = if a.is_ipv4() { 32 } else { 128 };
        IpNet::new(a, len % (max + 1))
            .expect("valid length")
            .trunc()
    })
}

/// A nexthop through a known device, an unknown one or none, maybe via a gateway.
fn hop() -> impl Strategy<Value = NextHop> {
    (
        select(vec![0_u32, 1, 2, 3, 9, 70_000, 80_000]),
        prop::option::of(addr()),
        any::<u16>(),
        select(vec![0_u32, 1, 4, 0x10, 0x24, 0x80, 0x400]),
    )
        .prop_map(|(dev, gateway, weight, flags)| NextHop {
            dev,
            gateway,
            weight,
            flags: RouteFlags(flags),
        })
}

/// A route with every field drawn, rare attributes included.
fn route() -> impl Strategy<Value = Route> {
    let kinds = prop_oneof![
        4 => Just(RouteKind::Unicast),
        2 => any::<u8>().prop_map(RouteKind::from_number),
        1 => any::<u8>().prop_map(RouteKind::Other),
    ];
    let extra = prop::option::weighted(
        0.3,
        (
            prop::option::of(net()),
            prop::option::of(any::<u32>()),
            prop::collection::vec(any::<u16>(), 0..3),
        )
            .prop_map(|(src, realm, unmodelled)| {
                std::sync::Arc::new(RouteExtra {
                    src,
                    realm,
                    unmodelled,
                    ..RouteExtra::default()
                })
            }),
    );
    (
        (net(), kinds, any::<u8>(), any::<u8>(), any::<u8>()),
        (
            prop::option::of(addr()),
            select(vec![0_u32, 0, 1, 100, 1024, 4_294_967_295]),
            select(vec![0_u32, 0, 1, 8, 0x10, 0x200, 0x41]),
            select(vec![0_u32, 0, 7, 12_345]),
        ),
        prop::collection::vec(hop(), 0..4),
        extra,
    )
        .prop_map(
            |((dst, kind, protocol, scope, tos), (prefsrc, metric, flags, nhid), hops, extra)| {
                let mut r = Route::new(254, dst, kind);
                r.protocol = protocol;
                r.scope = Scope(scope);
                r.tos = tos;
                r.prefsrc = prefsrc;
                r.metric = metric;
                r.flags = RouteFlags(flags);
                r.nhid = nhid;
                r.hops = Hop::from_vec(hops);
                r.extra = extra;
                r
            },
        )
}

/// A needle: a piece of `text` (by character positions), or a short string of the characters
/// routes are written in.
fn needle_of(text: &str) -> impl Strategy<Value = String> + use<> {
    let chars: Vec<char> = text.chars().collect();
    let n = chars.len();
    prop_oneof![
        (0..=n, 0..=n).prop_map(move |(a, b)| {
            let (a, b) = (a.min(b), a.max(b));
            chars[a..b].iter().collect::<String>()
        }),
        "[0-9a-f.:/ ]{1,6}",
        "[a-z0-9 ]{1,8}",
        select(vec![
            "100.9.9".to_owned(),
            "dev up".to_owned(),
            "via".to_owned(),
            "eth 1".to_owned(),
            "if9".to_owned(),
            "0x".to_owned(),
            "/24".to_owned(),
        ]),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4096, ..ProptestConfig::default() })]

    /// The matcher says yes exactly when the route's text contains the needle.
    #[test]
    fn the_fast_matcher_selects_what_the_text_search_selects(
        (route, needle) in route().prop_flat_map(|r| {
            let text = route_line(&state(), &r);
            (Just(r), needle_of(&text))
        })
    ) {
        let state = state();
        let text = route_line(&state, &route);
        let matcher = RouteMatcher::new(&state, &needle);
        prop_assert_eq!(matcher.matches(&route), text.contains(&needle), "{:?} in {:?}", needle, text);
    }

    /// Over a list of routes and one needle, the routes selected are the same ones.
    #[test]
    fn a_list_filters_the_same(routes in prop::collection::vec(route(), 1..40), needle in "[0-9a-z.:/]{1,4}") {
        let state = state();
        let matcher = RouteMatcher::new(&state, &needle);
        let fast: Vec<bool> = routes.iter().map(|r| matcher.matches(r)).collect();
        let slow: Vec<bool> = routes.iter().map(|r| route_line(&state, r).contains(&needle)).collect();
        prop_assert_eq!(fast, slow);
    }
}
