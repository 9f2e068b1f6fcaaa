//! Kernel messages to owned model values, at once: nothing from the netlink crates leaves `net/`.

use std::net::IpAddr;

use ipnet::IpNet;
use netlink_packet_core::{DefaultNla, Nla};
use netlink_packet_route::address::{AddressAttribute, AddressMessage};
use netlink_packet_route::link::{
    InfoData, InfoKind, InfoVrf, LinkAttribute, LinkInfo, LinkMessage,
};
use netlink_packet_route::neighbour::{NeighbourAddress, NeighbourAttribute, NeighbourMessage};
use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteVia};
use netlink_packet_route::rule::{
    RuleAction as NlRuleAction, RuleAttribute, RuleFlags as NlRuleFlags, RuleMessage,
    RulePortRange, RuleUidRange,
};
use netlink_packet_route::{AddressFamily, IpProtocol};

use super::raw_names::{FRA_OIFNAME, NAME, RawNames};
use crate::model::{
    Address, AddressFlags, Family, Hop, Link, LinkFlags, LinkName, MODELLED_RULE_FLAGS, Neighbour,
    NeighbourState, NextHop, OperState, PortMatch, Route, RouteExtra, RouteFlags, RouteKind, Rule,
    RuleAction, Scope, Selector,
};

/// The family of a message header, if it is IPv4 or IPv6.
pub fn family(af: AddressFamily) -> Option<Family> {
    match af {
        AddressFamily::Inet => Some(Family::V4),
        AddressFamily::Inet6 => Some(Family::V6),
        _ => None,
    }
}

/// The name a string attribute carried: as sent when it was not UTF-8, else the parsed text.
fn name_of(names: &RawNames, kind: u16, parsed: &str) -> LinkName {
    names
        .get(kind)
        .map_or_else(|| LinkName::from(parsed), LinkName::from_bytes)
}

/// A link message as a `Link`.
pub fn link(msg: &LinkMessage, names: &RawNames) -> Link {
    let mut link = Link {
        index: msg.header.index,
        flags: LinkFlags(msg.header.flags.bits()),
        ..Link::default()
    };
    for attr in &msg.attributes {
        match attr {
            LinkAttribute::IfName(name) => link.name = name_of(names, NAME, name),
            LinkAttribute::Mtu(mtu) => link.mtu = *mtu,
            LinkAttribute::Address(mac) => link.mac = Some(mac.clone()),
            LinkAttribute::OperState(state) => {
                link.operstate = OperState::from_number(u8::from(*state));
            }
            LinkAttribute::Controller(master) => link.master = Some(*master),
            LinkAttribute::Group(group) => link.group = *group,
            LinkAttribute::LinkInfo(infos) => read_link_info(infos, &mut link),
            _ => {}
        }
    }
    link
}

/// Fills the kind and VRF table from `IFLA_LINKINFO`.
fn read_link_info(infos: &[LinkInfo], link: &mut Link) {
    for info in infos {
        match info {
            LinkInfo::Kind(kind) => link.kind = Some(kind_name(kind)),
            LinkInfo::Data(InfoData::Vrf(vrf)) => {
                link.vrf_table = vrf.iter().find_map(|v| match v {
                    InfoVrf::TableId(t) => Some(*t),
                    _ => None,
                });
            }
            _ => {}
        }
    }
}

/// The kind as `ip -d link` names it (`veth`, `bridge`, `vrf` …).
fn kind_name(kind: &InfoKind) -> String {
    match kind {
        InfoKind::Other(name) => name.clone(),
        known => known.to_string(),
    }
}

/// An address message as an `Address` (IPv4 or IPv6 only).
pub fn address(msg: &AddressMessage, names: &RawNames) -> Option<Address> {
    family(msg.header.family)?;
    let (mut local, mut address, mut label, mut broadcast) = (None, None, None, None);
    let mut flags = AddressFlags(u32::from(msg.header.flags.bits()));
    let (mut valid_lft, mut preferred_lft, mut metric) = (u32::MAX, u32::MAX, 0);
    for attr in &msg.attributes {
        match attr {
            AddressAttribute::Local(ip) => local = Some(*ip),
            AddressAttribute::Address(ip) => address = Some(*ip),
            AddressAttribute::Label(l) => label = Some(name_of(names, NAME, l)),
            AddressAttribute::Broadcast(b) => broadcast = Some(*b),
            AddressAttribute::Flags(f) => flags = AddressFlags(f.bits()),
            AddressAttribute::CacheInfo(info) => {
                valid_lft = info.ifa_valid;
                preferred_lft = info.ifa_preferred;
            }
            AddressAttribute::RoutePriority(m) => metric = *m,
            _ => {}
        }
    }
    let own = local.or(address)?;
    Some(Address {
        index: msg.header.index,
        local: own,
        peer: address.filter(|a| *a != own),
        prefix_len: msg.header.prefix_len,
        scope: Scope(u8::from(msg.header.scope)),
        label,
        flags,
        broadcast,
        valid_lft,
        preferred_lft,
        metric,
    })
}

/// `RTA_ENCAP`: a route's lightweight-tunnel encapsulation.
const RTA_ENCAP: u16 = 22;

/// Rule attributes netlink-packet-route 0.34 does not model (`include/uapi/linux/fib_rules.h`).
mod fra {
    pub const DSCP: u16 = 25;
    pub const FLOWLABEL: u16 = 26;
    pub const FLOWLABEL_MASK: u16 = 27;
    pub const SPORT_MASK: u16 = 28;
    pub const DPORT_MASK: u16 = 29;
    pub const DSCP_MASK: u16 = 30;
}

/// Puts one selector into a rule message (header fields or attributes): the inverse of `rule`,
/// kept beside it so the two stay one definition of the selector's netlink form.
pub fn put_selector(m: &mut RuleMessage, s: &Selector) {
    let raw = |kind: u16, value: Vec<u8>| RuleAttribute::Other(DefaultNla::new(kind, value));
    let ports = |p: PortMatch, mask_kind: u16, source: bool| {
        let range = RulePortRange {
            start: p.start,
            end: p.end,
        };
        let mut out = vec![if source {
            RuleAttribute::SourcePortRange(range)
        } else {
            RuleAttribute::DestinationPortRange(range)
        }];
        out.extend(
            p.mask
                .map(|mask| raw(mask_kind, mask.to_ne_bytes().to_vec())),
        );
        out
    };
    let attrs = match s {
        // the crate sends names as UTF-8 strings: a name that is not is sent with U+FFFD
        Selector::Iif { name, .. } => vec![RuleAttribute::Iifname(
            String::from_utf8_lossy(name.as_bytes()).into(),
        )],
        Selector::Oif { name, .. } => vec![RuleAttribute::Oifname(
            String::from_utf8_lossy(name.as_bytes()).into(),
        )],
        Selector::Fwmark { mark, mask } => {
            vec![RuleAttribute::FwMark(*mark), RuleAttribute::FwMask(*mask)]
        }
        Selector::TunId(id) => vec![RuleAttribute::TunId(*id)],
        Selector::L3mdev => vec![RuleAttribute::L3MDev(true)],
        Selector::Uid { start, end } => vec![RuleAttribute::UidRange(RuleUidRange {
            start: *start,
            end: *end,
        })],
        Selector::From(net) => {
            m.header.src_len = net.prefix_len();
            vec![RuleAttribute::Source(net.addr())]
        }
        Selector::To(net) => {
            m.header.dst_len = net.prefix_len();
            vec![RuleAttribute::Destination(net.addr())]
        }
        Selector::Tos(tos) => {
            m.header.tos = *tos;
            Vec::new()
        }
        Selector::Dscp { value, mask } => {
            vec![
                raw(fra::DSCP, vec![*value]),
                raw(fra::DSCP_MASK, vec![*mask]),
            ]
        }
        Selector::Flowlabel { value, mask } => vec![
            raw(fra::FLOWLABEL, value.to_be_bytes().to_vec()),
            raw(fra::FLOWLABEL_MASK, mask.to_be_bytes().to_vec()),
        ],
        Selector::IpProto(p) => vec![RuleAttribute::IpProtocol(IpProtocol::from(*p))],
        Selector::Sport(p) => ports(*p, fra::SPORT_MASK, true),
        Selector::Dport(p) => ports(*p, fra::DPORT_MASK, false),
        Selector::Unknown { kind, value } => vec![raw(*kind, value.clone())],
    };
    m.attributes.extend(attrs);
}

/// Selector parts that arrive as separate attributes and are joined after the loop.
#[derive(Default)]
struct RuleParts {
    fwmark: Option<u32>,
    fwmask: Option<u32>,
    dscp: Option<u8>,
    dscp_mask: Option<u8>,
    flowlabel: Option<u32>,
    flowlabel_mask: Option<u32>,
    sport: Option<PortMatch>,
    dport: Option<PortMatch>,
    sport_mask: Option<u16>,
    dport_mask: Option<u16>,
}

/// A rule message as a `Rule`; attributes routescope does not evaluate are kept as `Unknown`.
pub fn rule(msg: &RuleMessage, names: &RawNames) -> Option<Rule> {
    let fam = family(msg.header.family)?;
    let mut rule = Rule::lookup(fam, 0, u32::from(msg.header.table));
    rule.action = RuleAction::from_number(u8::from(msg.header.action));
    let flags = msg.header.flags;
    rule.invert = flags.contains(NlRuleFlags::Invert);
    rule.unresolved = flags.contains(NlRuleFlags::Unresolved);
    rule.flags = flags.bits() & !MODELLED_RULE_FLAGS;
    let iif_detached = flags.contains(NlRuleFlags::IifDetached);
    let oif_detached = flags.contains(NlRuleFlags::OifDetached);
    if msg.header.tos != 0 {
        rule.add(Selector::Tos(msg.header.tos));
    }
    let prefix = |ip: &IpAddr, len: u8| IpNet::new(*ip, len).ok().map(|n| n.trunc());
    let mut parts = RuleParts::default();
    for attr in &msg.attributes {
        match attr {
            RuleAttribute::Priority(p) => rule.priority = *p,
            RuleAttribute::Table(t) => rule.table = *t,
            RuleAttribute::Source(ip) => {
                if let Some(net) = prefix(ip, msg.header.src_len) {
                    rule.add(Selector::From(net));
                }
            }
            RuleAttribute::Destination(ip) => {
                if let Some(net) = prefix(ip, msg.header.dst_len) {
                    rule.add(Selector::To(net));
                }
            }
            RuleAttribute::Iifname(n) => rule.add(Selector::Iif {
                name: name_of(names, NAME, n),
                detached: iif_detached,
            }),
            RuleAttribute::Oifname(n) => rule.add(Selector::Oif {
                name: name_of(names, FRA_OIFNAME, n),
                detached: oif_detached,
            }),
            RuleAttribute::FwMark(m) => parts.fwmark = Some(*m),
            RuleAttribute::FwMask(m) => parts.fwmask = Some(*m),
            RuleAttribute::TunId(id) => rule.add(Selector::TunId(*id)),
            RuleAttribute::UidRange(r) => rule.add(Selector::Uid {
                start: r.start,
                end: r.end,
            }),
            RuleAttribute::IpProtocol(p) => rule.add(Selector::IpProto(u8::from(*p))),
            RuleAttribute::SourcePortRange(r) => {
                parts.sport = Some(PortMatch::range(r.start, r.end));
            }
            RuleAttribute::DestinationPortRange(r) => {
                parts.dport = Some(PortMatch::range(r.start, r.end));
            }
            RuleAttribute::Goto(g) => rule.goto = Some(*g),
            RuleAttribute::SuppressPrefixLen(n) if *n != u32::MAX => {
                rule.suppress_prefixlength = Some(*n);
            }
            RuleAttribute::SuppressIfGroup(n) if *n != u32::MAX => rule.suppress_ifgroup = Some(*n),
            RuleAttribute::L3MDev(true) => rule.add(Selector::L3mdev),
            RuleAttribute::Realm(r) => {
                rule.realms = Some(u32::from(r.source) << 16 | u32::from(r.destination));
            }
            RuleAttribute::Protocol(p) => rule.protocol = u8::from(*p),
            RuleAttribute::Other(nla) => other_rule_attribute(&mut rule, &mut parts, nla),
            _ => {}
        }
    }
    join_rule_parts(&mut rule, &parts);
    if msg.header.action == NlRuleAction::Goto && rule.goto.is_none() {
        rule.unresolved = true;
    }
    Some(rule)
}

/// Reads an attribute the crate leaves raw: a known selector part, or an unknown selector.
fn other_rule_attribute(rule: &mut Rule, parts: &mut RuleParts, nla: &DefaultNla) {
    let value = raw(nla);
    let kind = nla.kind() & 0x3fff;
    let u8_at = |v: &[u8]| v.first().copied();
    let u16_ne = |v: &[u8]| v.get(..2).map(|b| u16::from_ne_bytes([b[0], b[1]]));
    let u32_be = |v: &[u8]| {
        v.get(..4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    };
    let parsed = match kind {
        fra::DSCP => u8_at(&value).map(|d| parts.dscp = Some(d)),
        fra::DSCP_MASK => u8_at(&value).map(|d| parts.dscp_mask = Some(d)),
        fra::FLOWLABEL => u32_be(&value).map(|d| parts.flowlabel = Some(d)),
        fra::FLOWLABEL_MASK => u32_be(&value).map(|d| parts.flowlabel_mask = Some(d)),
        fra::SPORT_MASK => u16_ne(&value).map(|d| parts.sport_mask = Some(d)),
        fra::DPORT_MASK => u16_ne(&value).map(|d| parts.dport_mask = Some(d)),
        _ => None,
    };
    if parsed.is_none() {
        rule.add(Selector::Unknown { kind, value });
    }
}

/// Joins marks, masks and ranges into their selectors.
fn join_rule_parts(rule: &mut Rule, parts: &RuleParts) {
    // the kernel leaves out FRA_FWMARK when the mark is 0 but still sends the mask
    if parts.fwmark.is_some() || parts.fwmask.is_some() {
        rule.add(Selector::Fwmark {
            mark: parts.fwmark.unwrap_or(0),
            mask: parts.fwmask.unwrap_or(u32::MAX),
        });
    }
    if let Some(value) = parts.dscp {
        rule.add(Selector::Dscp {
            value,
            mask: parts.dscp_mask.unwrap_or(0x3f),
        });
    }
    if let Some(value) = parts.flowlabel {
        rule.add(Selector::Flowlabel {
            value,
            mask: parts.flowlabel_mask.unwrap_or(0xf_ffff),
        });
    }
    for (range, mask, sport) in [
        (parts.sport, parts.sport_mask, true),
        (parts.dport, parts.dport_mask, false),
    ] {
        let ports = match (range, mask) {
            (None, None) => continue,
            (Some(r), None) => r,
            (r, Some(mask)) => {
                let start = r.map_or(0, |r| r.start);
                PortMatch {
                    start,
                    end: r.map_or(start, |r| r.end),
                    mask: Some(mask),
                }
            }
        };
        rule.add(if sport {
            Selector::Sport(ports)
        } else {
            Selector::Dport(ports)
        });
    }
}

/// The value bytes of an attribute the crate keeps as `DefaultNla`.
fn raw(nla: &DefaultNla) -> Vec<u8> {
    let mut value = vec![0; nla.value_len()];
    nla.emit_value(&mut value);
    value
}

/// An address of a route attribute.
fn route_addr(addr: &RouteAddress) -> Option<IpAddr> {
    match addr {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

/// A gateway given as `RTA_VIA` (an IPv4 route via an IPv6 nexthop, or the reverse).
fn via_addr(via: &RouteVia) -> Option<IpAddr> {
    match via {
        RouteVia::Inet(a) => Some(IpAddr::V4(*a)),
        RouteVia::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    }
}

/// A route message as a `Route` (IPv4 or IPv6 only); the table comes from `RTA_TABLE`.
pub fn route(msg: &RouteMessage) -> Option<Route> {
    let fam = family(msg.header.address_family)?;
    let unspecified: IpAddr = match fam {
        Family::V4 => std::net::Ipv4Addr::UNSPECIFIED.into(),
        Family::V6 => std::net::Ipv6Addr::UNSPECIFIED.into(),
    };
    let mut dst = unspecified;
    let mut table = u32::from(msg.header.table);
    let (mut dev, mut gateway, mut hops) = (0, None, None);
    let mut extra = RouteExtra::default();
    let mut route = Route::new(
        table,
        IpNet::from(unspecified),
        RouteKind::from_number(u8::from(msg.header.kind)),
    );
    for attr in &msg.attributes {
        match attr {
            RouteAttribute::Destination(a) => dst = route_addr(a).unwrap_or(unspecified),
            RouteAttribute::Table(t) => table = *t,
            RouteAttribute::Oif(i) => dev = *i,
            RouteAttribute::Gateway(a) => gateway = route_addr(a),
            RouteAttribute::Via(v) => gateway = via_addr(v),
            RouteAttribute::PrefSource(a) => route.prefsrc = route_addr(a),
            RouteAttribute::Priority(m) => route.metric = *m,
            RouteAttribute::NhId(id) => route.nhid = *id,
            RouteAttribute::MultiPath(list) => hops = Some(multipath(list)),
            RouteAttribute::Source(a) => {
                extra.src = route_addr(a)
                    .and_then(|ip| IpNet::new(ip, msg.header.source_prefix_length).ok());
            }
            RouteAttribute::Preference(p) => extra.pref = Some(u8::from(*p)),
            RouteAttribute::Expires(e) => extra.expires = Some(*e),
            RouteAttribute::Realm(r) => {
                extra.realm = Some(u32::from(r.source) << 16 | u32::from(r.destination));
            }
            // a lightweight-tunnel encapsulation (MPLS, seg6, ioam …) changes what the route does
            RouteAttribute::Encap(_) => extra.unmodelled.push(RTA_ENCAP),
            RouteAttribute::Other(nla) => extra.unmodelled.push(nla.kind() & 0x3fff),
            _ => {}
        }
    }
    route.dst = IpNet::new(dst, msg.header.destination_prefix_length)
        .ok()?
        .trunc();
    route.table = table;
    route.protocol = u8::from(msg.header.protocol);
    route.scope = Scope(u8::from(msg.header.scope));
    route.tos = msg.header.tos;
    let nh_flags = msg.header.flags.bits() & 0xff;
    route.flags = RouteFlags(msg.header.flags.bits() & !0xff);
    route.hops = match hops {
        Some(list) => Hop::from_vec(list),
        None if dev != 0 || gateway.is_some() => Hop::One(NextHop {
            dev,
            gateway,
            weight: 1,
            flags: RouteFlags(nh_flags),
        }),
        None => {
            route.flags.0 |= nh_flags;
            Hop::None
        }
    };
    if extra != RouteExtra::default() {
        route.extra = Some(std::sync::Arc::new(extra));
    }
    Some(route)
}

/// The nexthops of `RTA_MULTIPATH`; the kernel sends weight − 1 as `hops`.
fn multipath(list: &[netlink_packet_route::route::RouteNextHop]) -> Vec<NextHop> {
    list.iter()
        .map(|nh| NextHop {
            dev: nh.interface_index,
            gateway: nh.attributes.iter().find_map(|a| match a {
                RouteAttribute::Gateway(g) => route_addr(g),
                RouteAttribute::Via(v) => via_addr(v),
                _ => None,
            }),
            weight: u16::from(nh.hops) + 1,
            flags: RouteFlags(u32::from(nh.flags.bits())),
        })
        .collect()
}

/// A neighbour message as a `Neighbour` (IPv4 / IPv6 entries only).
///
/// Multicast entries in state NOARP are left out: the kernel creates them silently whenever it
/// sends to a group (DAD, router solicitation), they never take part in a routing decision, and
/// keeping them would make the copy drift from the kernel with no event to tell.
pub fn neighbour(msg: &NeighbourMessage) -> Option<Neighbour> {
    family(msg.header.family)?;
    let mut dst = None;
    let mut lladdr = None;
    for attr in &msg.attributes {
        match attr {
            NeighbourAttribute::Destination(NeighbourAddress::Inet(a)) => {
                dst = Some(IpAddr::V4(*a));
            }
            NeighbourAttribute::Destination(NeighbourAddress::Inet6(a)) => {
                dst = Some(IpAddr::V6(*a));
            }
            NeighbourAttribute::LinkLayerAddress(l) => lladdr = Some(l.clone()),
            _ => {}
        }
    }
    let dst = dst?;
    let noarp = u16::from(msg.header.state) & NeighbourState::NOARP != 0;
    if noarp && dst.is_multicast() {
        return None;
    }
    Some(Neighbour {
        index: msg.header.ifindex,
        dst,
        lladdr,
        state: NeighbourState(u16::from(msg.header.state)),
        flags: msg.header.flags.bits(),
    })
}

#[cfg(test)]
mod tests {
    use netlink_packet_route::AddressFamily;
    use netlink_packet_route::link::{
        InfoData, InfoKind, InfoVrf, LinkAttribute, LinkInfo, LinkMessage,
    };
    use netlink_packet_route::route::{RouteAddress, RouteAttribute, RouteMessage, RouteNextHop};
    use netlink_packet_route::rule::{RuleAttribute, RuleMessage};

    use super::*;

    fn link_of(index: u32, name: &str, infos: Vec<LinkInfo>, master: Option<u32>) -> Link {
        let mut msg = LinkMessage::default();
        msg.header.index = index;
        msg.attributes.push(LinkAttribute::IfName(name.into()));
        msg.attributes.push(LinkAttribute::LinkInfo(infos));
        msg.attributes.extend(master.map(LinkAttribute::Controller));
        link(&msg, &RawNames::default())
    }

    #[test]
    fn vrf_bond_and_vlan_links_this_kernel_cannot_create() {
        let vrf = link_of(
            7,
            "blue",
            vec![
                LinkInfo::Kind(InfoKind::Vrf),
                LinkInfo::Data(InfoData::Vrf(vec![InfoVrf::TableId(10)])),
            ],
            None,
        );
        assert_eq!(
            (vrf.kind.as_deref(), vrf.vrf_table),
            (Some("vrf"), Some(10))
        );
        let port = link_of(8, "eth1", vec![], Some(7));
        assert_eq!(port.master, Some(7));
        let bond = link_of(9, "bond0", vec![LinkInfo::Kind(InfoKind::Bond)], None);
        assert_eq!(bond.kind.as_deref(), Some("bond"));
        let vlan = link_of(10, "eth0.5", vec![LinkInfo::Kind(InfoKind::Vlan)], None);
        assert_eq!(vlan.kind.as_deref(), Some("vlan"));
    }

    #[test]
    fn l3mdev_rules_and_tables_above_255() {
        let mut msg = RuleMessage::default();
        msg.header.family = AddressFamily::Inet;
        msg.header.table = 252;
        msg.header.action = NlRuleAction::ToTable;
        msg.attributes.push(RuleAttribute::L3MDev(true));
        msg.attributes.push(RuleAttribute::Priority(1000));
        msg.attributes.push(RuleAttribute::Table(4_000_000_000));
        let rule = rule(&msg, &RawNames::default()).unwrap();
        assert!(rule.selector(crate::model::SelectorKind::L3mdev).is_some());
        assert_eq!((rule.priority, rule.table), (1000, 4_000_000_000));
        assert_eq!(rule.selector_text("x"), "from all lookup [l3mdev-table]");
    }

    #[test]
    fn unknown_attributes_make_the_answer_approximate_and_are_named() {
        use netlink_packet_core::DefaultNla;
        let mut state = crate::model::fixtures::server();
        let mut msg = RuleMessage::default();
        msg.header.family = AddressFamily::Inet;
        msg.header.action = NlRuleAction::ToTable;
        msg.attributes.push(RuleAttribute::Priority(10));
        msg.attributes.push(RuleAttribute::Table(100));
        msg.attributes
            .push(RuleAttribute::Other(DefaultNla::new(99, vec![7])));
        state.rules.push(rule(&msg, &RawNames::default()).unwrap());
        let mut route_msg = RouteMessage::default();
        route_msg.header.address_family = AddressFamily::Inet;
        route_msg.header.destination_prefix_length = 8;
        route_msg.header.kind = netlink_packet_route::route::RouteType::Unicast;
        route_msg
            .attributes
            .push(RouteAttribute::Destination(RouteAddress::Inet(
                "30.0.0.0".parse().unwrap(),
            )));
        route_msg.attributes.push(RouteAttribute::Table(254));
        route_msg.attributes.push(RouteAttribute::Oif(2));
        route_msg
            .attributes
            .push(RouteAttribute::Other(DefaultNla::new(77, vec![1])));
        state.push_route(route(&route_msg).unwrap());
        state.enforce_invariants().unwrap();
        let query = crate::lookup::Query::parse(&["30.1.1.1"]).unwrap();
        let v = crate::lookup::explain(&state, &query).verdict;
        assert_eq!(v.confidence, crate::lookup::Confidence::Approximate);
        let said = v.unmodelled.join("; ");
        assert!(
            said.contains("rule 10") && said.contains("attribute type 99"),
            "{said}"
        );
        assert!(said.contains("attribute 77"), "{said}");
        assert_eq!(crate::lookup::resolve(&state, &query), v);
    }

    #[test]
    fn every_selector_kind_survives_its_netlink_form() {
        use strum::IntoEnumIterator;
        let devices = ["e0", "e1"];
        for family in [Family::V4, Family::V6] {
            for kind in crate::model::SelectorKind::iter() {
                for pick in 0..6 {
                    let mut n = pick;
                    let s = Selector::sample(kind, family, &devices, &mut |len| {
                        n += 1;
                        n % len
                    });
                    let mut msg = RuleMessage::default();
                    msg.header.family = if family == Family::V4 {
                        AddressFamily::Inet
                    } else {
                        AddressFamily::Inet6
                    };
                    msg.header.action = NlRuleAction::ToTable;
                    put_selector(&mut msg, &s);
                    let back = rule(&msg, &RawNames::default()).unwrap();
                    assert_eq!(back.selectors, std::slice::from_ref(&s), "{s:?}");
                }
            }
        }
    }

    #[test]
    fn raw_selectors_are_joined_and_unknown_ones_kept() {
        use netlink_packet_core::DefaultNla;
        let mut msg = RuleMessage::default();
        msg.header.family = AddressFamily::Inet6;
        msg.header.flags = NlRuleFlags::from_bits_retain(0x1_0000);
        let raw = |kind, value: Vec<u8>| RuleAttribute::Other(DefaultNla::new(kind, value));
        msg.attributes.push(raw(fra::DSCP, vec![10]));
        msg.attributes.push(raw(fra::DSCP_MASK, vec![0x38]));
        msg.attributes
            .push(raw(fra::FLOWLABEL, 0x12345_u32.to_be_bytes().to_vec()));
        msg.attributes
            .push(raw(fra::FLOWLABEL_MASK, 0xfffff_u32.to_be_bytes().to_vec()));
        msg.attributes
            .push(raw(fra::DPORT_MASK, 0xfc00_u16.to_ne_bytes().to_vec()));
        msg.attributes.push(raw(99, vec![1, 2]));
        let rule = rule(&msg, &RawNames::default()).unwrap();
        assert_eq!(
            rule.selectors,
            vec![
                Selector::Dscp {
                    value: 10,
                    mask: 0x38
                },
                Selector::Flowlabel {
                    value: 0x12345,
                    mask: 0xfffff
                },
                Selector::Dport(PortMatch {
                    start: 0,
                    end: 0,
                    mask: Some(0xfc00)
                }),
                Selector::Unknown {
                    kind: 99,
                    value: vec![1, 2]
                },
            ]
        );
        assert_eq!(rule.flags, 0x1_0000);
        assert_eq!(
            rule.unmodelled(),
            ["attribute type 99", "header flags 0x10000"]
        );
    }

    #[test]
    fn multipath_weights_are_hops_plus_one() {
        let mut msg = RouteMessage::default();
        msg.header.address_family = AddressFamily::Inet;
        msg.header.destination_prefix_length = 8;
        msg.header.table = 252;
        msg.attributes
            .push(RouteAttribute::Destination(RouteAddress::Inet(
                "20.0.0.0".parse().unwrap(),
            )));
        msg.attributes.push(RouteAttribute::Table(1000));
        let hop = |dev, gw: &str, hops| {
            let mut nh = RouteNextHop::default();
            nh.interface_index = dev;
            nh.hops = hops;
            nh.attributes
                .push(RouteAttribute::Gateway(RouteAddress::Inet(
                    gw.parse().unwrap(),
                )));
            nh
        };
        msg.attributes.push(RouteAttribute::MultiPath(vec![
            hop(2, "10.0.0.1", 1),
            hop(3, "10.1.0.1", 0),
        ]));
        let route = route(&msg).unwrap();
        assert_eq!(route.table, 1000);
        let weights: Vec<u16> = route.hops.as_slice().iter().map(|h| h.weight).collect();
        assert_eq!(weights, [2, 1]);
        assert_eq!(route.dst, "20.0.0.0/8".parse::<IpNet>().unwrap());
    }
}
