//! Why the kernel changed something itself (port id 0): the link or address event that made it.
//!
//! The kernel adds and removes routes of its own when a link goes up or down or goes away and
//! when an address is added or removed (IPv4's local, broadcast and prefix routes, IPv6's
//! link-local, multicast and prefix routes), and sends those notifications right after the
//! event's own. So a kernel-made route or address change is put down to the most recent such
//! event on its device within `WINDOW`, provided it fits: an address explains only the routes
//! it implies (the route's prefix holds the address, or the route's preferred source is it).
//! When nothing fits, no cause is given: nothing is better than a wrong one.

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

use crate::model::{Address, Change, LinkFlags, Op, Route};

/// How long after a link or address event a kernel-made change may be put down to it.
pub const WINDOW: Duration = Duration::from_secs(1);
/// The most events remembered per device.
const PER_DEVICE: usize = 8;
/// Past this many devices with events, devices whose events are all old are forgotten.
const DEVICE_LIMIT: usize = 256;

/// An event that makes the kernel change routes or addresses itself.
#[derive(Debug, Clone)]
enum Event {
    /// A link state change: it explains any kernel-made change on the device.
    Link,
    /// An address added or removed: it explains only the routes it implies.
    Address(IpAddr),
}

/// One event as remembered: when, what, and its words.
#[derive(Debug, Clone)]
struct Noted {
    at: Instant,
    event: Event,
    text: String,
}

/// The recent link and address events, by device index.
#[derive(Debug, Default)]
pub struct Causes {
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
                let Some(text) = link_text(flags_before, link.flags.0, &link.name.to_string())
                else {
                    return;
                };
                (link.index, Event::Link, text)
            }
            Change::Link(Op::Del, link) => (
                link.index,
                Event::Link,
                format!("link {} was deleted", link.name),
            ),
            Change::Address(op, a) => (
                a.index,
                Event::Address(a.local),
                address_text(*op, a, &name),
            ),
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
            Change::Route(_, _, route) => {
                let devices = route.hops.as_slice().iter().map(|h| h.dev);
                devices
                    .filter_map(|dev| self.latest(dev, now, |e| fits_route(e, route)))
                    .max_by_key(|n| n.at)
                    .map(|n| n.text.clone())
            }
            Change::Address(_, a) => self
                .latest(a.index, now, |e| matches!(e, Event::Link))
                .map(|n| n.text.clone()),
            _ => None,
        }
    }

    /// The most recent event on `dev` within the window that `fits`.
    fn latest(&self, dev: u32, now: Instant, fits: impl Fn(&Event) -> bool) -> Option<&Noted> {
        self.by_device
            .get(&dev)?
            .iter()
            .rev()
            .take_while(|n| now.saturating_duration_since(n.at) <= WINDOW)
            .find(|n| fits(&n.event))
    }
}

/// Whether an event explains a kernel-made route on the same device.
fn fits_route(event: &Event, route: &Route) -> bool {
    match event {
        Event::Link => true,
        Event::Address(local) => route.dst.contains(local) || route.prefsrc == Some(*local),
    }
}

/// The words for a link whose flags went from `before` to `after`, when its state changed.
fn link_text(before: Option<u32>, after: u32, name: &str) -> Option<String> {
    let before = before?;
    let changed = |flag: u32| (before & flag != 0) != (after & flag != 0);
    let set = |flag: u32| after & flag != 0;
    if changed(LinkFlags::UP) {
        let how = if set(LinkFlags::UP) {
            "came up"
        } else {
            "went down"
        };
        Some(format!("link {name} {how}"))
    } else if changed(LinkFlags::LOWER_UP) {
        let how = if set(LinkFlags::LOWER_UP) {
            "got carrier"
        } else {
            "lost carrier"
        };
        Some(format!("link {name} {how}"))
    } else {
        None
    }
}

/// The words for an address added or removed.
fn address_text(op: Op, a: &Address, name: impl Fn(u32) -> String) -> String {
    let (how, place) = match op {
        Op::New => ("added on", name(a.index)),
        Op::Del => ("removed from", name(a.index)),
    };
    format!("address {}/{} {how} {place}", a.local, a.prefix_len)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Hop, Link, NextHop, Placement, RouteKind};

    /// A link `index` named `name` with `flags`.
    fn link(index: u32, name: &str, flags: u32) -> Link {
        let mut link = crate::model::fixtures::server().links[&1].clone();
        link.index = index;
        link.name = name.into();
        link.flags = LinkFlags(flags);
        link
    }

    /// A kernel-made route `dst` on device `dev`.
    fn route(dst: &str, dev: u32, prefsrc: Option<&str>) -> Change {
        let mut r = Route::new(254, dst.parse().unwrap(), RouteKind::Unicast);
        r.hops = Hop::One(NextHop {
            dev,
            gateway: None,
            weight: 1,
            flags: crate::model::RouteFlags::default(),
        });
        r.prefsrc = prefsrc.map(|s| s.parse().unwrap());
        Change::Route(Op::Del, Placement::Last, r)
    }

    /// An address `local/len` on device `index`.
    fn address(op: Op, index: u32, local: &str, len: u8) -> Change {
        let mut a = crate::model::fixtures::server().addresses[0].clone();
        a.index = index;
        a.local = local.parse().unwrap();
        a.prefix_len = len;
        Change::Address(op, a)
    }

    /// Names devices `ifN`.
    fn name(index: u32) -> String {
        format!("if{index}")
    }

    #[test]
    fn a_link_going_down_explains_routes_on_it_for_a_while() {
        let mut causes = Causes::default();
        let t = Instant::now();
        let up = LinkFlags::UP | LinkFlags::LOWER_UP;
        let down = Change::Link(Op::New, link(2, "eth0", 0));
        causes.note(&down, Some(up), name, t);
        let gone = route("2001:db8::/64", 2, None);
        assert_eq!(causes.of(&gone, t).as_deref(), Some("link eth0 went down"));
        assert_eq!(
            causes.of(&route("2001:db8::/64", 3, None), t),
            None,
            "another device"
        );
        assert_eq!(causes.of(&gone, t + WINDOW * 2), None, "too late");
        let unchanged = Change::Link(Op::New, link(3, "eth1", up));
        causes.note(&unchanged, Some(up), name, t);
        assert_eq!(
            causes.of(&route("10.0.0.0/8", 3, None), t),
            None,
            "no state change"
        );
        causes.note(&Change::Link(Op::New, link(4, "new", up)), None, name, t);
        assert_eq!(
            causes.of(&route("10.0.0.0/8", 4, None), t),
            None,
            "a link just seen"
        );
    }

    #[test]
    fn an_address_explains_only_the_routes_it_implies() {
        let mut causes = Causes::default();
        let t = Instant::now();
        causes.note(&address(Op::New, 2, "10.1.0.2", 24), None, name, t);
        let text = Some("address 10.1.0.2/24 added on if2");
        assert_eq!(
            causes.of(&route("10.1.0.0/24", 2, None), t).as_deref(),
            text
        );
        assert_eq!(
            causes.of(&route("10.1.0.2/32", 2, None), t).as_deref(),
            text
        );
        let broadcast = route("10.1.0.255/32", 2, Some("10.1.0.2"));
        assert_eq!(causes.of(&broadcast, t).as_deref(), text, "by its source");
        assert_eq!(
            causes.of(&route("10.9.0.0/16", 2, None), t),
            None,
            "unrelated"
        );
        causes.note(&address(Op::Del, 2, "10.1.0.2", 24), None, name, t);
        assert_eq!(
            causes.of(&route("10.1.0.0/24", 2, None), t).as_deref(),
            Some("address 10.1.0.2/24 removed from if2")
        );
    }

    #[test]
    fn the_most_recent_fitting_event_wins() {
        let mut causes = Causes::default();
        let t = Instant::now();
        let flags = Some(LinkFlags::UP);
        let carrier = Change::Link(Op::New, link(2, "v0", LinkFlags::UP | LinkFlags::LOWER_UP));
        causes.note(&carrier, flags, name, t);
        causes.note(&address(Op::New, 2, "fe80::1", 64), None, name, t);
        let link_local = route("fe80::/64", 2, None);
        assert_eq!(
            causes.of(&link_local, t).as_deref(),
            Some("address fe80::1/64 added on if2")
        );
        let multicast = route("ff00::/8", 2, None);
        assert_eq!(
            causes.of(&multicast, t).as_deref(),
            Some("link v0 got carrier"),
            "the address does not explain it, the link does"
        );
        let kernel_address = address(Op::New, 2, "fe80::2", 64);
        assert_eq!(
            causes.of(&kernel_address, t).as_deref(),
            Some("link v0 got carrier")
        );
        causes.note(&Change::Link(Op::Del, link(2, "v0", 0)), None, name, t);
        assert_eq!(
            causes.of(&multicast, t).as_deref(),
            Some("link v0 was deleted")
        );
    }
}
