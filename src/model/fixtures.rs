//! A small, realistic state built in code, shared by unit tests, screen tests and benchmarks.

use std::net::IpAddr;

use super::{
    Address, AddressFlags, Family, Hop, Link, LinkFlags, NextHop, Nexthop, NexthopGroupMember,
    OperState, Origin, Owner, Process, Route, RouteFlags, RouteKind, Rule, Scope, Selector, State,
};

/// A change made by the running process `pid` (`comm`, `cmdline`) on the socket whose port id is
/// its pid, as attribution resolves it.
pub fn by_process(pid: u32, comm: &str, cmdline: &str) -> Origin {
    Origin::Socket {
        portid: pid,
        owner: Owner::Running(Process {
            pid,
            comm: comm.into(),
            cmdline: cmdline.into(),
        }),
    }
}

/// A state like a small server's: `lo` with 127.0.0.1/8 and 11.22.33.44/32, `eth0` with
/// 99.88.22.2/24 and a default route via 99.88.22.1, the kernel's local routes, the default rules
/// and one policy rule sending marked traffic to table 100.
pub fn server() -> State {
    let mut s = State::default();
    s.links.insert(
        1,
        link(
            1,
            "lo",
            LinkFlags::LOOPBACK | LinkFlags::UP | LinkFlags::LOWER_UP,
            None,
        ),
    );
    let eth_flags =
        LinkFlags::BROADCAST | LinkFlags::MULTICAST | LinkFlags::UP | LinkFlags::LOWER_UP;
    s.links.insert(
        2,
        link(2, "eth0", eth_flags, Some(vec![0x02, 0, 0, 0, 0, 0x02])),
    );
    s.addresses.push(address(1, "127.0.0.1", 8, Scope::HOST));
    s.addresses
        .push(address(1, "11.22.33.44", 32, Scope::UNIVERSE));
    s.addresses.push(address(1, "::1", 128, Scope::HOST));
    let mut eth = address(2, "99.88.22.2", 24, Scope::UNIVERSE);
    eth.broadcast = Some("99.88.22.255".parse().expect("literal"));
    s.addresses.push(eth);
    s.addresses.push(address(2, "fe80::2", 64, Scope::LINK));
    for (family, prio, table) in [
        (Family::V4, 0, 255),
        (Family::V4, 32766, 254),
        (Family::V4, 32767, 253),
    ] {
        s.rules.push(Rule::lookup(family, prio, table));
    }
    let mut marked = Rule::lookup(Family::V4, 100, 100);
    marked.add(Selector::Fwmark {
        mark: 0x10,
        mask: u32::MAX,
    });
    s.rules.insert(1, marked);
    s.rules.push(Rule::lookup(Family::V6, 0, 255));
    s.rules.push(Rule::lookup(Family::V6, 32766, 254));
    for (dst, kind, dev, src) in [
        ("11.22.33.44/32", RouteKind::Local, 1, "11.22.33.44"),
        ("99.88.22.2/32", RouteKind::Local, 2, "99.88.22.2"),
        ("99.88.22.255/32", RouteKind::Broadcast, 2, "99.88.22.2"),
        ("127.0.0.0/8", RouteKind::Local, 1, "127.0.0.1"),
        ("127.0.0.1/32", RouteKind::Local, 1, "127.0.0.1"),
        ("127.255.255.255/32", RouteKind::Broadcast, 1, "127.0.0.1"),
    ] {
        let mut r = route(255, dst, kind, dev, None);
        r.protocol = 2;
        r.scope = if kind == RouteKind::Local {
            Scope::HOST
        } else {
            Scope::LINK
        };
        r.prefsrc = src.parse().ok();
        s.push_route(r);
    }
    s.push_route(route(
        254,
        "0.0.0.0/0",
        RouteKind::Unicast,
        2,
        Some("99.88.22.1"),
    ));
    let mut connected = route(254, "99.88.22.0/24", RouteKind::Unicast, 2, None);
    connected.protocol = 2;
    connected.scope = Scope::LINK;
    connected.prefsrc = "99.88.22.2".parse().ok();
    s.push_route(connected);
    s.push_route(route(
        100,
        "0.0.0.0/0",
        RouteKind::Unicast,
        2,
        Some("99.88.22.254"),
    ));
    let mut v6 = route(254, "fe80::/64", RouteKind::Unicast, 2, None);
    v6.metric = 256;
    v6.protocol = 2;
    s.push_route(v6);
    s.ipv4_tables_merged = Some(false);
    s
}

fn link(index: u32, name: &str, flags: u32, mac: Option<Vec<u8>>) -> Link {
    Link {
        index,
        name: name.into(),
        kind: None,
        flags: LinkFlags(flags),
        operstate: if index == 1 {
            OperState::Unknown
        } else {
            OperState::Up
        },
        mtu: if index == 1 { 65536 } else { 1500 },
        mac,
        master: None,
        vrf_table: None,
        group: 0,
    }
}

fn address(index: u32, local: &str, prefix_len: u8, scope: Scope) -> Address {
    Address {
        index,
        local: local.parse().expect("literal address"),
        peer: None,
        prefix_len,
        scope,
        label: None,
        flags: AddressFlags(AddressFlags::PERMANENT),
        broadcast: None,
        valid_lft: u32::MAX,
        preferred_lft: u32::MAX,
        metric: 0,
    }
}

fn route(table: u32, dst: &str, kind: RouteKind, dev: u32, gateway: Option<&str>) -> Route {
    let mut r = Route::new(table, dst.parse().expect("literal prefix"), kind);
    r.hops = Hop::One(NextHop {
        dev,
        gateway: gateway.map(|g| g.parse::<IpAddr>().expect("literal gateway")),
        weight: 1,
        flags: RouteFlags::default(),
    });
    r
}

/// The server state plus `routes` /24 routes in main (from 100.0.0.0/24 up) and `rules` policy rules that do not match
/// unmarked traffic, for benchmarks of the lookup and the screens at scale.
pub fn large(routes: u32, rules: u32) -> State {
    let mut s = server();
    let mut table = std::mem::take(s.tables.entry((Family::V4, 254)).or_default());
    for i in 0..routes {
        let net = ipnet::Ipv4Net::new(std::net::Ipv4Addr::from((i + (100 << 16)) << 8), 24)
            .expect("valid /24");
        let mut r = route(254, "0.0.0.0/0", RouteKind::Unicast, 2, Some("99.88.22.1"));
        r.dst = net.into();
        table.push(r);
    }
    s.tables.insert((Family::V4, 254), table);
    for i in 0..rules {
        let mut rule = Rule::lookup(Family::V4, 1000 + i, 1000 + i);
        rule.add(Selector::Fwmark {
            mark: 0x1000 + i,
            mask: u32::MAX,
        });
        let at = s
            .rules
            .iter()
            .position(|r| r.priority > rule.priority)
            .unwrap_or(s.rules.len());
        s.rules.insert(at, rule);
    }
    s
}

/// The `loopback-127` scenario as the kernel shows it: lo up with 127.0.0.1/8 and `::1`, the
/// kernel's local routes, the default rules, and IPv4 local and main still one trie.
pub fn loopback() -> State {
    let mut s = State::default();
    s.links.insert(
        1,
        link(
            1,
            "lo",
            LinkFlags::LOOPBACK | LinkFlags::UP | LinkFlags::LOWER_UP,
            None,
        ),
    );
    s.addresses.push(address(1, "127.0.0.1", 8, Scope::HOST));
    s.addresses.push(address(1, "::1", 128, Scope::HOST));
    push_default_rules(&mut s);
    for (dst, kind) in [
        ("127.0.0.0/8", RouteKind::Local),
        ("127.0.0.1/32", RouteKind::Local),
        ("127.255.255.255/32", RouteKind::Broadcast),
        ("::1/128", RouteKind::Local),
    ] {
        let mut r = route(255, dst, kind, 1, None);
        r.protocol = 2;
        if r.family() == Family::V4 {
            r.scope = if kind == RouteKind::Local {
                Scope::HOST
            } else {
                Scope::LINK
            };
            r.prefsrc = "127.0.0.1".parse().ok();
        }
        s.push_route(r);
    }
    s.ipv4_tables_merged = Some(true);
    s
}

/// Adds the rules every namespace starts with: IPv4 local, main, default; IPv6 local, main.
fn push_default_rules(s: &mut State) {
    for (family, prio, table) in [
        (Family::V4, 0, 255),
        (Family::V4, 32766, 254),
        (Family::V4, 32767, 253),
        (Family::V6, 0, 255),
        (Family::V6, 32766, 254),
    ] {
        s.rules.push(Rule::lookup(family, prio, table));
    }
}

/// A brand-new namespace as the kernel shows it: lo down with no address, no route, the default
/// rules, and IPv4 local and main one trie (the kernel has no IPv4 table at all yet).
pub fn fresh() -> State {
    let mut s = State::default();
    s.links.insert(1, link(1, "lo", LinkFlags::LOOPBACK, None));
    push_default_rules(&mut s);
    s.ipv4_tables_merged = Some(true);
    s
}

/// The server with sixteen rules: ten more IPv4 policy rules to table 100 (from, fwmark, to)
/// between 100 and 32766, so that the rules pane has more rows than a small screen shows.
pub fn many_rules() -> State {
    let mut s = server();
    let extra = (0..10u32).map(|i| {
        let mut rule = Rule::lookup(Family::V4, 200 + 100 * i, 100);
        let selector = match i % 3 {
            0 => Selector::From(format!("10.{i}.0.0/16").parse().expect("literal prefix")),
            1 => Selector::Fwmark {
                mark: 0x100 + i,
                mask: u32::MAX,
            },
            _ => Selector::To(format!("172.16.{i}.0/24").parse().expect("literal prefix")),
        };
        rule.add(selector);
        rule
    });
    // after rule 100 (index 1), before 32766
    let tail = s.rules.split_off(2);
    s.rules.extend(extra);
    s.rules.extend(tail);
    s
}

/// The server with nexthop objects: 1 via 99.88.22.1 and 2 via 99.88.22.254 on eth0, 3 on lo
/// without a gateway, group 10 of 1 (weight 1) and 2 (weight 3); main routes 10.10.0.0/16
/// through group 10 and 10.20.0.0/16 through nexthop 1, and nexthop 3 unused.
pub fn nexthops() -> State {
    let mut s = server();
    let plain = |id: u32, dev: u32, gateway: Option<&str>| Nexthop {
        id,
        family: 2,
        protocol: 4,
        dev: Some(dev),
        gateway: gateway.map(|g| g.parse::<IpAddr>().expect("literal gateway")),
        ..Nexthop::default()
    };
    s.nexthops.insert(1, plain(1, 2, Some("99.88.22.1")));
    s.nexthops.insert(2, plain(2, 2, Some("99.88.22.254")));
    s.nexthops.insert(3, plain(3, 1, None));
    s.nexthops.insert(
        10,
        Nexthop {
            id: 10,
            protocol: 4,
            group: vec![
                NexthopGroupMember { id: 1, weight: 1 },
                NexthopGroupMember { id: 2, weight: 3 },
            ],
            ..Nexthop::default()
        },
    );
    for (dst, nhid) in [("10.10.0.0/16", 10), ("10.20.0.0/16", 1)] {
        let mut r = Route::new(
            254,
            dst.parse().expect("literal prefix"),
            RouteKind::Unicast,
        );
        r.nhid = nhid;
        r.protocol = 4;
        s.push_route(r);
    }
    s
}

#[cfg(test)]
mod tests {
    #[test]
    fn large_state_has_what_it_says() {
        let s = super::large(10_000, 50);
        assert_eq!(
            s.table(crate::model::Family::V4, 254)
                .map(crate::model::RouteTable::len),
            Some(10_002)
        );
        assert_eq!(s.rules_of(crate::model::Family::V4).count(), 54);
        let prios: Vec<u32> = s
            .rules_of(crate::model::Family::V4)
            .map(|r| r.priority)
            .collect();
        assert!(prios.windows(2).all(|w| w[0] <= w[1]));
    }
}
