//! Building the rows' states: devices, addresses with the routes the kernel adds for them,
//! routes, nexthop objects and sysctls, each change one call.

use std::net::IpAddr;

use ipnet::{IpNet, Ipv4Net};
use routescope::model::{
    Address, AddressFlags, DeviceSysctls, Family, Hop, Link, LinkFlags, Neighbour, NeighbourState,
    NextHop, Nexthop, NexthopGroupMember, OperState, Route, RouteFlags, RouteKind, Scope, State,
};

use crate::prelude::{ETH0, LO, LOCAL, MAIN, V1};

/// An address literal.
pub fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address literal")
}

/// A prefix literal.
pub fn net(text: &str) -> IpNet {
    text.parse::<IpNet>().expect("a prefix literal").trunc()
}

/// Adds an up veth device with carrier, as `ip link add NAME type veth` with its peer up.
pub fn link(s: &mut State, index: u32, name: &str) {
    let flags = LinkFlags::UP | LinkFlags::BROADCAST | LinkFlags::MULTICAST | LinkFlags::LOWER_UP;
    let link = Link {
        index,
        name: name.into(),
        kind: Some("veth".into()),
        flags: LinkFlags(flags),
        operstate: OperState::Up,
        mtu: 1500,
        ..Link::default()
    };
    s.links.insert(index, link);
}

/// Clears flags of a device: `LinkFlags::UP` (`ip link set DEV down`) or `LOWER_UP` (no carrier).
pub fn lose(s: &mut State, index: u32, flag: u32) {
    let link = s.links.get_mut(&index).expect("the device exists");
    link.flags.0 &= !flag;
    link.operstate = OperState::Down;
}

/// An address record as the kernel dumps it.
fn address(dev: u32, local: IpAddr, prefix_len: u8, scope: Scope, flags: u32) -> Address {
    Address {
        index: dev,
        local,
        peer: None,
        prefix_len,
        scope,
        label: None,
        flags: AddressFlags(AddressFlags::PERMANENT | flags),
        broadcast: None,
        valid_lft: u32::MAX,
        preferred_lft: u32::MAX,
        metric: 0,
    }
}

/// A route the kernel adds for an address (`proto kernel`), with its scope and `src`.
fn kernel_route(table: u32, dst: IpNet, kind: RouteKind, dev: u32, src: IpAddr) -> Route {
    let mut r = Route::new(table, dst, kind);
    r.hops = Hop::One(hop(dev, None));
    r.protocol = 2;
    r.scope = if kind == RouteKind::Local {
        Scope::HOST
    } else {
        Scope::LINK
    };
    r.prefsrc = (dst.addr().is_ipv4()).then_some(src);
    if !dst.addr().is_ipv4() {
        r.scope = Scope::UNIVERSE;
        r.metric = if table == LOCAL { 0 } else { 256 };
    }
    r
}

/// `ip addr add CIDR dev DEV`: the address and its local, broadcast and prefix routes; an
/// address in the subnet of a primary becomes secondary and only gets a local route.
pub fn addr4(s: &mut State, dev: u32, cidr: &str) {
    addr4_scope(s, dev, cidr, Scope::UNIVERSE);
}

/// `ip addr add CIDR dev DEV scope SCOPE`.
pub fn addr4_scope(s: &mut State, dev: u32, cidr: &str, scope: Scope) {
    let n: Ipv4Net = cidr.parse().expect("an IPv4 prefix");
    let local = IpAddr::V4(n.addr());
    let primary = s
        .addresses
        .iter()
        .find(|a| a.index == dev && !a.is_secondary() && a.prefix_len == n.prefix_len())
        .filter(|a| a.covers(local))
        .map(|a| a.local);
    let secondary = if primary.is_some() {
        AddressFlags::SECONDARY
    } else {
        0
    };
    let mut a = address(dev, local, n.prefix_len(), scope, secondary);
    a.broadcast = (n.prefix_len() < 31).then(|| n.broadcast());
    s.addresses.push(a);
    let src = primary.unwrap_or(local);
    s.push_route(kernel_route(
        LOCAL,
        local.into(),
        RouteKind::Local,
        dev,
        src,
    ));
    if primary.is_none() && n.prefix_len() < 31 {
        let brd = IpAddr::V4(n.broadcast()).into();
        s.push_route(kernel_route(LOCAL, brd, RouteKind::Broadcast, dev, src));
    }
    if primary.is_none() && n.prefix_len() < 32 {
        let prefix = IpNet::V4(n.trunc());
        s.push_route(kernel_route(MAIN, prefix, RouteKind::Unicast, dev, src));
    }
}

/// `ip addr add CIDR dev DEV nodad [preferred_lft 0]`: newest first within its scope, as the
/// kernel lists IPv6 addresses, with its local and prefix routes.
pub fn addr6(s: &mut State, dev: u32, cidr: &str, deprecated: bool) {
    let n = net(cidr);
    let local = ip(cidr.split('/').next().unwrap_or(cidr));
    let scope = if local.to_string().starts_with("fe80") {
        Scope::LINK
    } else {
        Scope::UNIVERSE
    };
    let mut a = address(dev, local, n.prefix_len(), scope, AddressFlags::NODAD);
    if deprecated {
        a.flags.0 |= AddressFlags::DEPRECATED;
        a.preferred_lft = 0;
    }
    let mine = |x: &Address| x.index == dev && x.family() == Family::V6;
    let at = s
        .addresses
        .iter()
        .position(|x| mine(x) && x.scope >= scope)
        .or_else(|| s.addresses.iter().rposition(mine).map(|i| i + 1))
        .unwrap_or(s.addresses.len());
    s.addresses.insert(at, a);
    s.push_route(kernel_route(
        LOCAL,
        local.into(),
        RouteKind::Local,
        dev,
        local,
    ));
    let covered = s
        .table(Family::V6, MAIN)
        .is_some_and(|t| t.routes_for(n).any(|r| r.dev() == dev));
    if !covered {
        s.push_route(kernel_route(MAIN, n, RouteKind::Unicast, dev, local));
    }
}

/// One nexthop.
fn hop(dev: u32, gw: Option<&str>) -> NextHop {
    NextHop {
        dev,
        gateway: gw.map(ip),
        weight: 1,
        flags: RouteFlags::default(),
    }
}

/// A route in `main` with no nexthop; IPv6 routes get the metric `ip -6 route add` gives (1024).
pub fn typed(dst: &str, kind: RouteKind) -> Route {
    let n = net(dst);
    let mut r = Route::new(MAIN, n, kind);
    if !n.addr().is_ipv4() {
        r.metric = 1024;
    }
    r
}

/// `ip route add DST via GW dev DEV`.
pub fn via(dst: &str, gw: &str, dev: u32) -> Route {
    let mut r = typed(dst, RouteKind::Unicast);
    r.hops = Hop::One(hop(dev, Some(gw)));
    r
}

/// `ip route add DST dev DEV` (scope link, no gateway).
pub fn direct(dst: &str, dev: u32) -> Route {
    let mut r = typed(dst, RouteKind::Unicast);
    r.hops = Hop::One(hop(dev, None));
    r.scope = Scope::LINK;
    r
}

/// `ip route add DST nexthop via GW dev DEV …`.
pub fn multipath(dst: &str, paths: &[(&str, u32)]) -> Route {
    let mut r = typed(dst, RouteKind::Unicast);
    r.hops = Hop::from_vec(paths.iter().map(|(g, d)| hop(*d, Some(g))).collect());
    r
}

/// `ip route add DST nhid ID` (the route carries only the id, as with `nexthop_compat_mode=0`).
pub fn nhid(dst: &str, id: u32) -> Route {
    let mut r = typed(dst, RouteKind::Unicast);
    r.nhid = id;
    r
}

/// `ip nexthop add id ID via GW dev DEV`.
pub fn nexthop(s: &mut State, id: u32, gw: &str, dev: u32) {
    let nh = Nexthop {
        id,
        family: 2,
        dev: Some(dev),
        gateway: Some(ip(gw)),
        ..Nexthop::default()
    };
    s.nexthops.insert(id, nh);
}

/// `ip nexthop add id ID blackhole` (`members` empty) or `group A/B/…`.
pub fn nexthop_group(s: &mut State, id: u32, members: &[u32]) {
    let group = members
        .iter()
        .map(|&id| NexthopGroupMember { id, weight: 1 })
        .collect();
    let nh = Nexthop {
        id,
        family: 2,
        blackhole: members.is_empty(),
        group,
        ..Nexthop::default()
    };
    s.nexthops.insert(id, nh);
}

/// Route fields rows change after building a route.
pub trait RouteExt {
    /// Puts the route in another table.
    #[must_use]
    fn table(self, table: u32) -> Self;
    /// Sets the metric.
    #[must_use]
    fn metric(self, metric: u32) -> Self;
    /// Sets the route's tos selector.
    #[must_use]
    fn tos(self, tos: u8) -> Self;
    /// Sets the route's `src`.
    #[must_use]
    fn src(self, src: &str) -> Self;
    /// Sets `RTNH_F_*` flags on the nexthops whose device is `dev`.
    #[must_use]
    fn nh_flags(self, dev: u32, flags: u32) -> Self;
}

impl RouteExt for Route {
    fn table(mut self, table: u32) -> Self {
        self.table = table;
        self
    }

    fn metric(mut self, metric: u32) -> Self {
        self.metric = metric;
        self
    }

    fn tos(mut self, tos: u8) -> Self {
        self.tos = tos;
        self
    }

    fn src(mut self, src: &str) -> Self {
        self.prefsrc = Some(ip(src));
        self
    }

    fn nh_flags(mut self, dev: u32, flags: u32) -> Self {
        let hops = self.hops.as_slice().iter().map(|h| {
            let mut h = *h;
            if h.dev == dev {
                h.flags.0 |= flags;
            }
            h
        });
        self.hops = Hop::from_vec(hops.collect());
        self
    }
}

/// Removes the routes of `table` (IPv4) to exactly `dst`.
pub fn del(s: &mut State, table: u32, dst: &str) {
    let dst = net(dst);
    if let Some(t) = s.tables.get_mut(&(Family::of(dst.addr()), table)) {
        t.retain(|r| r.dst != dst);
    }
}

/// Changes the sysctls of one device (`net.ipv4.conf.DEV.*`).
pub fn sysctl(s: &mut State, dev: &str, set: fn(&mut DeviceSysctls)) {
    set(s.sysctls.devices.entry(dev.into()).or_default());
}

/// Adds `v1` (index 3) with 10.1.0.1/24.
pub fn v1(s: &mut State) {
    link(s, V1, "v1");
    addr4(s, V1, "10.1.0.1/24");
}

/// Adds `v1` with forwarding on: the usual base of input rows.
pub fn v1_fwd(s: &mut State) {
    v1(s);
    sysctl(s, "v1", |d| d.forwarding = true);
}

/// IPv6 on the server: `2001:db8:1::2/64` and `fe80::2` on eth0 with their local routes, `::1`,
/// and `default via fe80::1 dev eth0` (metric 1024).
pub fn v6(s: &mut State) {
    addr6(s, ETH0, "2001:db8:1::2/64", false);
    s.push_route(kernel_route(
        LOCAL,
        net("::1/128"),
        RouteKind::Local,
        LO,
        ip("::1"),
    ));
    s.push_route(kernel_route(
        LOCAL,
        net("fe80::2/128"),
        RouteKind::Local,
        ETH0,
        ip("fe80::2"),
    ));
    s.push_route(via("::/0", "fe80::1", ETH0));
}

/// `v1` (added if missing) with `fe80::1:1/64` and `2001:db8:2::2/64`, to go with [`v6`].
pub fn v6_v1(s: &mut State) {
    if s.link(V1).is_none() {
        link(s, V1, "v1");
    }
    addr6(s, V1, "fe80::1:1/64", false);
    addr6(s, V1, "2001:db8:2::2/64", false);
}

/// `ip route append default via 99.88.22.253 dev eth0`, with the first gateway's neighbour
/// STALE (`ip neigh add 99.88.22.1 lladdr 02:00:00:00:00:01 dev eth0 nud stale`).
pub fn second_default(s: &mut State) {
    s.push_route(via("0.0.0.0/0", "99.88.22.253", ETH0));
    s.neighbours.push(Neighbour {
        index: ETH0,
        dst: ip("99.88.22.1"),
        lladdr: Some(vec![2, 0, 0, 0, 0, 1]),
        state: NeighbourState(NeighbourState::STALE),
        flags: 0,
    });
}
