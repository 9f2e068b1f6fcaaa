//! Every message type the kernel sends on the groups the feed joins, and what the feed does with
//! each: applied, or ignored for a stated reason. `docs/feed.md` is this file in words, and a test
//! checks that it names every type listed here.

use std::collections::HashMap;

use netlink_packet_core::{NLM_F_APPEND, NLM_F_REPLACE};
use netlink_packet_route::AddressFamily;
use netlink_packet_route::RouteNetlinkMessage as Nl;
use netlink_packet_route::link::{LinkAttribute, LinkMessage};

use super::convert;
use super::pending::Due;
use super::raw_names::RawNames;
use crate::model::{Change, Family, LinkFlags, LinkName, Op, Placement};

/// `RTM_NEWLINK`.
pub const RTM_NEWLINK: u16 = 16;
/// `RTM_DELLINK`.
pub const RTM_DELLINK: u16 = 17;
/// `RTM_NEWADDR`.
pub const RTM_NEWADDR: u16 = 20;
/// `RTM_DELADDR`.
pub const RTM_DELADDR: u16 = 21;
/// `RTM_NEWROUTE`.
pub const RTM_NEWROUTE: u16 = 24;
/// `RTM_DELROUTE`.
pub const RTM_DELROUTE: u16 = 25;
/// `RTM_NEWNEIGH`.
pub const RTM_NEWNEIGH: u16 = 28;
/// `RTM_DELNEIGH`.
pub const RTM_DELNEIGH: u16 = 29;
/// `RTM_GETNEIGH`: sent to the neighbour group when `app_solicit` asks user space to resolve.
pub const RTM_GETNEIGH: u16 = 30;
/// `RTM_NEWRULE`.
pub const RTM_NEWRULE: u16 = 32;
/// `RTM_DELRULE`.
pub const RTM_DELRULE: u16 = 33;
/// `RTM_NEWNETCONF`: forwarding, `rp_filter` or another netconf setting changed.
pub const RTM_NEWNETCONF: u16 = 80;
/// `RTM_DELNETCONF`: a device's settings went away with it.
pub const RTM_DELNETCONF: u16 = 81;
/// `RTM_GETNETCONF` (requests only; listed so the codec keeps the whole range raw).
pub const RTM_GETNETCONF: u16 = 82;
/// `RTM_NEWNEXTHOP`.
pub const RTM_NEWNEXTHOP: u16 = 104;
/// `RTM_DELNEXTHOP`.
pub const RTM_DELNEXTHOP: u16 = 105;
/// `RTM_GETNEXTHOP` (requests only).
pub const RTM_GETNEXTHOP: u16 = 106;
/// `RTM_NEWNEXTHOPBUCKET`: a bucket of a resilient nexthop group moved to another member.
pub const RTM_NEWNEXTHOPBUCKET: u16 = 116;

/// Every type the kernel sends on the joined groups, by number and name.
pub const TYPES: [(u16, &str); 16] = [
    (RTM_NEWLINK, "RTM_NEWLINK"),
    (RTM_DELLINK, "RTM_DELLINK"),
    (RTM_NEWADDR, "RTM_NEWADDR"),
    (RTM_DELADDR, "RTM_DELADDR"),
    (RTM_NEWROUTE, "RTM_NEWROUTE"),
    (RTM_DELROUTE, "RTM_DELROUTE"),
    (RTM_NEWNEIGH, "RTM_NEWNEIGH"),
    (RTM_DELNEIGH, "RTM_DELNEIGH"),
    (RTM_GETNEIGH, "RTM_GETNEIGH"),
    (RTM_NEWRULE, "RTM_NEWRULE"),
    (RTM_DELRULE, "RTM_DELRULE"),
    (RTM_NEWNETCONF, "RTM_NEWNETCONF"),
    (RTM_DELNETCONF, "RTM_DELNETCONF"),
    (RTM_NEWNEXTHOP, "RTM_NEWNEXTHOP"),
    (RTM_DELNEXTHOP, "RTM_DELNEXTHOP"),
    (RTM_NEWNEXTHOPBUCKET, "RTM_NEWNEXTHOPBUCKET"),
];

/// The name of a type the feed expects, `None` for a type no joined group carries.
pub fn name(kind: u16) -> Option<&'static str> {
    TYPES.iter().find(|(k, _)| *k == kind).map(|(_, n)| *n)
}

/// Why `RTM_NEWLINK` / `RTM_DELLINK` of family `AF_BRIDGE` are ignored.
pub const BRIDGE_PORT: &str = "bridge port state (AF_BRIDGE); the link itself is described by \
     its AF_UNSPEC messages, and an AF_BRIDGE RTM_DELLINK only means the port left its bridge";
/// Why a wireless-extensions `RTM_NEWLINK` is ignored.
pub const WIRELESS_EVENT: &str = "a wireless-extensions event (IFLA_WIRELESS), which carries \
     only the name, not a description of the link";
/// Why `RTM_GETNEIGH` is ignored.
pub const NEIGHBOUR_REQUEST: &str =
    "a request to resolve a neighbour in user space (app_solicit), not a change";
/// Why `RTM_NEWNEXTHOPBUCKET` is ignored.
pub const NEXTHOP_BUCKET: &str = "which member a bucket of a resilient group points at is not \
     modelled (the group's members and weights are)";
/// Why a rule of another family is ignored.
pub const MULTICAST_RULE: &str =
    "a multicast routing rule (RTNL_FAMILY_IPMR / IP6MR), not modelled";
/// Why a neighbour entry of another family, or a multicast one, is ignored.
pub const OTHER_NEIGHBOUR: &str = "a bridge or VXLAN forwarding entry (AF_BRIDGE), or a \
     multicast entry (NOARP), which play no part in routing";
/// Why an address or route routescope cannot read is ignored.
pub const OTHER_FAMILY: &str = "not an IPv4 or IPv6 object";

/// What the feed knows of each link: its flags and name, to see what a notification changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    pub flags: u32,
    pub name: LinkName,
}

/// The links of a dump as the feed tracks them.
pub fn seen(state: &crate::model::State) -> HashMap<u32, Seen> {
    state
        .links
        .values()
        .map(|l| {
            let seen = Seen {
                flags: l.flags.0,
                name: l.name.clone(),
            };
            (l.index, seen)
        })
        .collect()
}

/// What the feed does with one parsed message.
#[derive(Debug)]
pub enum Handled {
    /// A change to send to the consumer.
    Change(Change),
    /// Nothing to apply, for this reason.
    Ignored(&'static str),
}

/// The change a notification stands for, noting which silent changes it implies in `due`.
pub fn classify(
    msg: Nl,
    names: &RawNames,
    header_flags: u16,
    links: &mut HashMap<u32, Seen>,
    due: &mut Due,
) -> Handled {
    let ignored_unless =
        |change: Option<Change>, why| change.map_or(Handled::Ignored(why), Handled::Change);
    match msg {
        Nl::NewLink(m) | Nl::DelLink(m) if m.header.interface_family != AddressFamily::Unspec => {
            Handled::Ignored(BRIDGE_PORT)
        }
        Nl::NewLink(m) if is_wireless_event(&m) => Handled::Ignored(WIRELESS_EVENT),
        Nl::NewLink(m) => {
            let link = convert::link(&m, names);
            let watched = LinkFlags::UP | LinkFlags::LOWER_UP;
            let seen = Seen {
                flags: link.flags.0,
                name: link.name.clone(),
            };
            let before = links.insert(link.index, seen);
            if before
                .as_ref()
                .is_none_or(|b| b.flags & watched != link.flags.0 & watched)
            {
                // routes through a link that goes down vanish (IPv4) or turn linkdown (IPv6);
                // a new device starts with the `default` sysctls
                *due = Due {
                    ipv4_routes: true,
                    ipv6_routes: true,
                    link_objects: true,
                    sysctls: true,
                };
            }
            // sysctls are kept by device name
            due.sysctls |= before.is_some_and(|b| b.name != link.name);
            Handled::Change(Change::Link(Op::New, link))
        }
        Nl::DelLink(m) => {
            let link = convert::link(&m, names);
            links.remove(&link.index);
            due.ipv4_routes = true;
            due.ipv6_routes = true;
            due.link_objects = true;
            due.sysctls = true;
            Handled::Change(Change::Link(Op::Del, link))
        }
        Nl::NewAddress(m) => ignored_unless(
            convert::address(&m, names).map(|a| Change::Address(Op::New, a)),
            OTHER_FAMILY,
        ),
        Nl::DelAddress(m) => {
            let address = convert::address(&m, names);
            due.ipv4_routes |= address.as_ref().is_some_and(|a| a.family() == Family::V4);
            ignored_unless(address.map(|a| Change::Address(Op::Del, a)), OTHER_FAMILY)
        }
        Nl::NewRule(m) => ignored_unless(
            convert::rule(&m, names).map(|r| Change::Rule(Op::New, r)),
            MULTICAST_RULE,
        ),
        Nl::DelRule(m) => ignored_unless(
            convert::rule(&m, names).map(|r| Change::Rule(Op::Del, r)),
            MULTICAST_RULE,
        ),
        Nl::NewRoute(m) => ignored_unless(
            convert::route(&m).map(|route| {
                // IPv6 puts a new route after the others of equal metric; IPv4 before, unless
                // appended
                let placement = if header_flags & NLM_F_REPLACE != 0 {
                    Placement::Replace
                } else if header_flags & NLM_F_APPEND != 0 || route.family() == Family::V6 {
                    Placement::Last
                } else {
                    Placement::First
                };
                Change::Route(Op::New, placement, route)
            }),
            OTHER_FAMILY,
        ),
        Nl::DelRoute(m) => ignored_unless(
            convert::route(&m).map(|r| Change::Route(Op::Del, Placement::Last, r)),
            OTHER_FAMILY,
        ),
        Nl::NewNeighbour(m) => ignored_unless(
            convert::neighbour(&m).map(|n| Change::Neighbour(Op::New, n)),
            OTHER_NEIGHBOUR,
        ),
        Nl::DelNeighbour(m) => ignored_unless(
            convert::neighbour(&m).map(|n| Change::Neighbour(Op::Del, n)),
            OTHER_NEIGHBOUR,
        ),
        Nl::GetNeighbour(_) => Handled::Ignored(NEIGHBOUR_REQUEST),
        _ => Handled::Ignored("a message type none of the joined groups carries"),
    }
}

/// The device index of a link message that describes the link itself (`AF_UNSPEC`), to look up
/// what was known of it before the message.
pub fn link_index(msg: &Nl) -> Option<u32> {
    match msg {
        Nl::NewLink(m) | Nl::DelLink(m) if m.header.interface_family == AddressFamily::Unspec => {
            Some(m.header.index)
        }
        _ => None,
    }
}

/// Whether a link message is a wireless-extensions event rather than a description of the link.
fn is_wireless_event(m: &LinkMessage) -> bool {
    m.attributes
        .iter()
        .any(|a| matches!(a, LinkAttribute::Wireless(_)))
        && !m
            .attributes
            .iter()
            .any(|a| matches!(a, LinkAttribute::Mtu(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_feed_document_names_every_type() {
        let doc = include_str!("../../docs/feed.md");
        for (_, name) in TYPES {
            assert!(doc.contains(name), "docs/feed.md does not mention {name}");
        }
    }

    #[test]
    fn bridge_port_messages_never_touch_the_link() {
        let mut msg = LinkMessage::default();
        msg.header.index = 5;
        msg.header.interface_family = AddressFamily::Bridge;
        let (mut links, mut due) = (HashMap::new(), Due::default());
        let handled = classify(
            Nl::DelLink(msg.clone()),
            &RawNames::default(),
            0,
            &mut links,
            &mut due,
        );
        assert!(matches!(handled, Handled::Ignored(BRIDGE_PORT)));
        let handled = classify(
            Nl::NewLink(msg),
            &RawNames::default(),
            0,
            &mut links,
            &mut due,
        );
        assert!(matches!(handled, Handled::Ignored(BRIDGE_PORT)));
        assert!(!due.any() && links.is_empty());
    }

    #[test]
    fn a_rename_re_reads_the_sysctls() {
        let mut msg = LinkMessage::default();
        msg.header.index = 5;
        msg.attributes.push(LinkAttribute::IfName("a".into()));
        let (mut links, mut due) = (HashMap::new(), Due::default());
        classify(
            Nl::NewLink(msg.clone()),
            &RawNames::default(),
            0,
            &mut links,
            &mut due,
        );
        assert!(due.sysctls, "a new link");
        due = Due::default();
        classify(
            Nl::NewLink(msg.clone()),
            &RawNames::default(),
            0,
            &mut links,
            &mut due,
        );
        assert!(!due.any(), "nothing changed");
        msg.attributes = vec![LinkAttribute::IfName("b".into())];
        classify(
            Nl::NewLink(msg),
            &RawNames::default(),
            0,
            &mut links,
            &mut due,
        );
        assert!(due.sysctls && !due.ipv4_routes, "renamed");
    }
}
