//! Why the kernel changed something itself (port id 0): the link or address event that made it.
//!
//! The kernel adds and removes routes of its own when a link goes up or down or goes away and
//! when an address is added or removed (IPv4's local, broadcast and prefix routes, IPv6's
//! link-local, multicast and prefix routes), and sends those notifications right after the
//! event's own. So a kernel-made route or address change is put down to the most recent such
//! event on its device within `WINDOW`, provided it fits (`fits_route`, `fits_address`): the
//! same direction (a link coming up adds, going down removes), a route added on a link coming up
//! is one of the kernel's own (`proto kernel`), an address explains only the routes it implies
//! (the route's prefix holds the address, or its preferred source is the address), and the only
//! address a link coming up explains is a new, tentative IPv6 link-local one. When nothing
//! fits, no cause is given: nothing is better than a wrong one.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::model::{Address, AddressFlags, Change, LinkFlags, Op, Route};

/// How long after a link or address event a kernel-made change may be put down to it.
pub const WINDOW: Duration = Duration::from_secs(1);
/// The most events remembered per device.
const PER_DEVICE: usize = 8;
/// Past this many devices with events, devices whose events are all old are forgotten.
const DEVICE_LIMIT: usize = 256;
/// `RTPROT_KERNEL`: the protocol of the routes the kernel derives from links and addresses.
const RTPROT_KERNEL: u8 = 2;

/// An event that makes the kernel change routes or addresses itself.
#[derive(Debug, Clone, Copy)]
enum Event {
    /// A link came up or got carrier (`up`), or went down, lost carrier or was deleted.
    Link { up: bool },
    /// An address added (`added`) or removed.
    Address { local: IpAddr, added: bool },
}

/// One event as remembered: when, what, and its words.
#[derive(Debug, Clone)]
struct Noted {
    /// When the feed saw it.
    at: Instant,
    /// What it was, to see which changes it explains.
    event: Event,
    /// Its words, the cause as shown.
    text: String,
}

/// The recent link and address events, by device index.
#[derive(Debug, Default)]
pub struct Causes {
    /// The latest events of each device, oldest first, at most `PER_DEVICE`.
    by_device: HashMap<u32, VecDeque<Noted>>,
}

impl Causes {
    /// Notes a change that may make the kernel change things itself. `flags_before`: the link's
    /// `IFF_*` flags before a link change (`None` for a link not seen before); `name`: a device's
    /// name for the words.
    pub fn note(
        &mut self,
        change: &Change,
        flags_before: Option<u32>,
        name: impl Fn(u32) -> String,
        now: Instant,
    ) {
        let (index, event, text) = match change {
            Change::Link(Op::New, link) => {
                let name = link.name.to_string();
                let Some((up, text)) = link_text(flags_before, link.flags.0, &name) else {
                    return;
                };
                (link.index, Event::Link { up }, text)
            }
            Change::Link(Op::Del, link) => (
                link.index,
                Event::Link { up: false },
                format!("link {} was deleted", link.name),
            ),
            Change::Address(op, a) => {
                let event = Event::Address {
                    local: a.local,
                    added: *op == Op::New,
                };
                (a.index, event, address_text(*op, a, &name))
            }
            _ => return,
        };
        if self.by_device.len() >= DEVICE_LIMIT {
            self.by_device
                .retain(|_, events| events.back().is_some_and(|e| now < e.at + WINDOW));
        }
        let events = self.by_device.entry(index).or_default();
        if events.len() == PER_DEVICE {
            events.pop_front();
        }
        events.push_back(Noted {
            at: now,
            event,
            text,
        });
    }

    /// The cause of a change the kernel made itself, if a recent event on its device fits it.
    pub fn of(&self, change: &Change, now: Instant) -> Option<String> {
        match change {
            Change::Route(op, _, route) => {
                let devices = route.hops.as_slice().iter().map(|h| h.dev);
                devices
                    .filter_map(|dev| self.latest(dev, now, |e| fits_route(e, *op, route)))
                    .max_by_key(|n| n.at)
                    .map(|n| n.text.clone())
            }
            Change::Address(op, a) => self
                .latest(a.index, now, |e| fits_address(e, *op, a))
                .map(|n| n.text.clone()),
            _ => None,
        }
    }

    /// The most recent event on `dev` within the window that `fits`.
    fn latest(&self, dev: u32, now: Instant, fits: impl Fn(Event) -> bool) -> Option<&Noted> {
        self.by_device
            .get(&dev)?
            .iter()
            .rev()
            .take_while(|n| now.saturating_duration_since(n.at) <= WINDOW)
            .find(|n| fits(n.event))
    }
}

/// Whether an event explains a route the kernel added (`Op::New`) or removed on its device.
fn fits_route(event: Event, op: Op, route: &Route) -> bool {
    let added = op == Op::New;
    match event {
        Event::Link { up } => up == added && (!added || route.protocol == RTPROT_KERNEL),
        Event::Address { local, added: was } => {
            was == added && (route.dst.contains(&local) || route.prefsrc == Some(local))
        }
    }
}

/// Whether an event explains an address the kernel added or removed on its device: a link that
/// came up explains a new tentative IPv6 link-local address (not one announced once duplicate
/// detection is over), a link that went down or away the addresses removed with it.
fn fits_address(event: Event, op: Op, a: &Address) -> bool {
    match event {
        Event::Link { up: true } => {
            op == Op::New
                && a.flags.has(AddressFlags::TENTATIVE)
                && matches!(a.local, IpAddr::V6(v6) if v6.is_unicast_link_local())
        }
        Event::Link { up: false } => op == Op::Del,
        Event::Address { .. } => false,
    }
}

/// Whether a link whose flags went from `before` to `after` came up (true) or went down, with
/// the words for it; `None` when its state did not change or the link was not seen before.
fn link_text(before: Option<u32>, after: u32, name: &str) -> Option<(bool, String)> {
    let before = before?;
    let changed = |flag: u32| (before & flag != 0) != (after & flag != 0);
    let set = |flag: u32| after & flag != 0;
    let (up, how) = if changed(LinkFlags::UP) {
        let up = set(LinkFlags::UP);
        (up, if up { "came up" } else { "went down" })
    } else if changed(LinkFlags::LOWER_UP) {
        let up = set(LinkFlags::LOWER_UP);
        (up, if up { "got carrier" } else { "lost carrier" })
    } else {
        return None;
    };
    Some((up, format!("link {name} {how}")))
}

/// The words for an address added or removed.
fn address_text(op: Op, a: &Address, name: impl Fn(u32) -> String) -> String {
    let how = match op {
        Op::New => "added on",
        Op::Del => "removed from",
    };
    format!(
        "address {}/{} {how} {}",
        a.local,
        a.prefix_len,
        name(a.index)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Hop, Link, NextHop, Placement, RouteFlags, RouteKind};

    /// A link `index` named `name` with `flags`.
    fn link(index: u32, name: &str, flags: u32) -> Link {
        let mut link = crate::model::fixtures::server().links[&1].clone();
        link.index = index;
        link.name = name.into();
        link.flags = LinkFlags(flags);
        link
    }

    /// A route `dst` on device `dev` added or removed by the kernel (`proto kernel`).
    fn route(op: Op, dst: &str, dev: u32, prefsrc: Option<&str>) -> Change {
        let mut r = Route::new(254, dst.parse().unwrap(), RouteKind::Unicast);
        r.protocol = RTPROT_KERNEL;
        r.hops = Hop::One(NextHop {
            dev,
            gateway: None,
            weight: 1,
            flags: RouteFlags::default(),
        });
        r.prefsrc = prefsrc.map(|s| s.parse().unwrap());
        Change::Route(op, Placement::Last, r)
    }

    /// An address `local/len` on device `index` with `flags`.
    fn address(op: Op, index: u32, local: &str, len: u8, flags: u32) -> Change {
        let mut a = crate::model::fixtures::server().addresses[0].clone();
        a.index = index;
        a.local = local.parse().unwrap();
        a.prefix_len = len;
        a.flags = AddressFlags(flags);
        Change::Address(op, a)
    }

    /// Names devices `ifN`.
    fn name(index: u32) -> String {
        format!("if{index}")
    }

    const UP: u32 = LinkFlags::UP | LinkFlags::LOWER_UP;

    #[test]
    fn a_link_going_down_explains_removals_on_it_for_a_while() {
        let mut causes = Causes::default();
        let t = Instant::now();
        causes.note(
            &Change::Link(Op::New, link(2, "eth0", 0)),
            Some(UP),
            name,
            t,
        );
        let gone = route(Op::Del, "2001:db8::/64", 2, None);
        assert_eq!(causes.of(&gone, t).as_deref(), Some("link eth0 went down"));
        let added = route(Op::New, "2001:db8::/64", 2, None);
        assert_eq!(causes.of(&added, t), None, "going down adds nothing");
        let elsewhere = route(Op::Del, "2001:db8::/64", 3, None);
        assert_eq!(causes.of(&elsewhere, t), None, "another device");
        assert_eq!(causes.of(&gone, t + WINDOW * 2), None, "too late");
        causes.note(
            &Change::Link(Op::New, link(3, "eth1", UP)),
            Some(UP),
            name,
            t,
        );
        let on_eth1 = route(Op::Del, "10.0.0.0/8", 3, None);
        assert_eq!(causes.of(&on_eth1, t), None, "no state change");
        causes.note(&Change::Link(Op::New, link(4, "new", UP)), None, name, t);
        let on_new = route(Op::New, "10.0.0.0/8", 4, None);
        assert_eq!(causes.of(&on_new, t), None, "a link just seen");
    }

    #[test]
    fn a_link_coming_up_explains_only_the_kernels_own_routes() {
        let mut causes = Causes::default();
        let t = Instant::now();
        causes.note(&Change::Link(Op::New, link(2, "v0", UP)), Some(0), name, t);
        let multicast = route(Op::New, "ff00::/8", 2, None);
        assert_eq!(causes.of(&multicast, t).as_deref(), Some("link v0 came up"));
        let Change::Route(op, placement, mut learned) = multicast else {
            unreachable!()
        };
        learned.protocol = 9; // from a router advertisement
        let learned = Change::Route(op, placement, learned);
        assert_eq!(causes.of(&learned, t), None);
    }

    #[test]
    fn an_address_explains_only_the_routes_it_implies() {
        let mut causes = Causes::default();
        let t = Instant::now();
        causes.note(&address(Op::New, 2, "10.1.0.2", 24, 0), None, name, t);
        let text = Some("address 10.1.0.2/24 added on if2");
        let prefix = route(Op::New, "10.1.0.0/24", 2, None);
        assert_eq!(causes.of(&prefix, t).as_deref(), text);
        let local = route(Op::New, "10.1.0.2/32", 2, None);
        assert_eq!(causes.of(&local, t).as_deref(), text);
        let broadcast = route(Op::New, "10.1.0.255/32", 2, Some("10.1.0.2"));
        assert_eq!(causes.of(&broadcast, t).as_deref(), text, "by its source");
        let unrelated = route(Op::New, "10.9.0.0/16", 2, None);
        assert_eq!(causes.of(&unrelated, t), None);
        assert_eq!(causes.of(&route(Op::Del, "10.1.0.0/24", 2, None), t), None);
        causes.note(&address(Op::Del, 2, "10.1.0.2", 24, 0), None, name, t);
        assert_eq!(
            causes
                .of(&route(Op::Del, "10.1.0.0/24", 2, None), t)
                .as_deref(),
            Some("address 10.1.0.2/24 removed from if2")
        );
    }

    #[test]
    fn the_most_recent_fitting_event_wins() {
        let mut causes = Causes::default();
        let t = Instant::now();
        let carrier = Change::Link(Op::New, link(2, "v0", UP));
        causes.note(&carrier, Some(LinkFlags::UP), name, t);
        let tentative = AddressFlags::TENTATIVE;
        causes.note(
            &address(Op::New, 2, "fe80::1", 64, tentative),
            None,
            name,
            t,
        );
        let link_local = route(Op::New, "fe80::/64", 2, None);
        assert_eq!(
            causes.of(&link_local, t).as_deref(),
            Some("address fe80::1/64 added on if2")
        );
        let multicast = route(Op::New, "ff00::/8", 2, None);
        assert_eq!(
            causes.of(&multicast, t).as_deref(),
            Some("link v0 got carrier"),
            "the address does not explain it, the link does"
        );
        let fresh = address(Op::New, 2, "fe80::2", 64, tentative);
        assert_eq!(causes.of(&fresh, t).as_deref(), Some("link v0 got carrier"));
        let after_dad = address(Op::New, 2, "fe80::2", 64, 0);
        assert_eq!(causes.of(&after_dad, t), None, "announced after detection");
        let global = address(Op::New, 2, "2001:db8::2", 64, tentative);
        assert_eq!(causes.of(&global, t), None, "not the link's own");
        causes.note(&Change::Link(Op::Del, link(2, "v0", 0)), None, name, t);
        let removed = route(Op::Del, "ff00::/8", 2, None);
        assert_eq!(
            causes.of(&removed, t).as_deref(),
            Some("link v0 was deleted")
        );
        let address_gone = address(Op::Del, 2, "fe80::2", 64, 0);
        assert_eq!(
            causes.of(&address_gone, t).as_deref(),
            Some("link v0 was deleted")
        );
    }
}
