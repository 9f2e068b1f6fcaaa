//! The v2 (compact) JSON form of one route, serialized straight from the model without copies.
//!
//! A field is written only when it says something: absent values and the defaults listed in
//! `docs/cli-contract.md` are left out, and the reader (`snapshot::route`) puts them back.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use super::names::PROTOCOLS;
use crate::model::{Family, Hop, NextHop, Route, RouteFlags, RouteKind, Scope, State};

/// The main table's id: `table` (and `table_name`) are left out for its routes.
pub const DEFAULT_TABLE: u32 = 254;
/// `RTPROT_BOOT`, what `ip route add` gives: `protocol` is left out for it (as `ip` does).
pub const DEFAULT_PROTOCOL: u8 = 3;

/// The metric a route of `family` gets when none is given (IPv4 0, IPv6 1024): left out.
pub fn default_metric(family: Family) -> u32 {
    match family {
        Family::V4 => 0,
        Family::V6 => 1024,
    }
}

/// Device names in their JSON form, looked up in the state or in a table made once per dump.
#[derive(Clone, Copy)]
pub enum DevNames<'a> {
    /// Each name found in the state when written (a single object).
    State(&'a State),
    /// Names precomputed for a whole dump (a million routes name a few devices).
    Cached(&'a HashMap<u32, String>),
}

impl DevNames<'_> {
    /// The JSON text of device `index` (`ifN` for one the state does not know).
    fn with<R>(self, index: u32, f: impl FnOnce(&str) -> R) -> R {
        match self {
            Self::State(state) => match state.links.get(&index) {
                Some(link) => f(&link.name.json_text()),
                None => f(&format!("if{index}")),
            },
            Self::Cached(map) => match map.get(&index) {
                Some(text) => f(text),
                None => f(&format!("if{index}")),
            },
        }
    }
}

/// The JSON text of every device's name, for `DevNames::Cached`.
pub fn dev_name_table(state: &State) -> HashMap<u32, String> {
    state
        .links
        .values()
        .map(|l| (l.index, l.name.json_text().into_owned()))
        .collect()
}

/// One route in its JSON form (`serde_json::to_value` or a writer), borrowing the state.
pub struct RouteJson<'a> {
    /// The route written.
    pub route: &'a Route,
    /// The state it belongs to, for its table's name.
    pub state: &'a State,
    /// Where its devices' names come from.
    pub names: DevNames<'a>,
}

/// The JSON form of `route` within `state`.
pub fn route_json<'a>(state: &'a State, route: &'a Route) -> RouteJson<'a> {
    RouteJson {
        route,
        state,
        names: DevNames::State(state),
    }
}

impl Serialize for RouteJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.route;
        let family = r.family();
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("dst", &Net(r.dst))?;
        if r.table != DEFAULT_TABLE {
            map.serialize_entry("table", &r.table)?;
            if let Some(name) = self.state.table_names.known_name(r.table) {
                map.serialize_entry("table_name", name)?;
            }
        }
        if r.kind != RouteKind::Unicast {
            map.serialize_entry("type", &Text(kind_name(r.kind)))?;
        }
        let single = match &r.hops {
            Hop::Multi(_) => None,
            hops => hops.as_slice().first(),
        };
        if let Some(nh) = single {
            if nh.dev != 0 {
                map.serialize_entry("dev", &Dev(self.names, nh.dev))?;
            }
            if let Some(gw) = nh.gateway {
                map.serialize_entry("gateway", &Addr(gw))?;
            }
        }
        if let Some(src) = r.prefsrc {
            map.serialize_entry("src", &Addr(src))?;
        }
        if r.metric != default_metric(family) {
            map.serialize_entry("metric", &r.metric)?;
        }
        if r.protocol != DEFAULT_PROTOCOL {
            map.serialize_entry("protocol", &Protocol(r.protocol))?;
        }
        if r.scope != Scope::UNIVERSE {
            map.serialize_entry("scope", &r.scope.name())?;
        }
        if r.tos != 0 {
            map.serialize_entry("tos", &r.tos)?;
        }
        let flags = r.flags.0 | single.map_or(0, |nh| nh.flags.0);
        if flags != 0 {
            map.serialize_entry("flags", &Flags(RouteFlags(flags)))?;
        }
        if let Hop::Multi(hops) = &r.hops {
            map.serialize_entry("nexthops", &Hops(self.names, hops))?;
        }
        if r.nhid != 0 {
            map.serialize_entry("nhid", &r.nhid)?;
        }
        if let Some(nh) = single.filter(|nh| nh.weight != 1) {
            map.serialize_entry("weight", &nh.weight)?;
        }
        if let Some(extra) = &r.extra {
            if let Some(from) = extra.src {
                map.serialize_entry("from", &Net(from))?;
            }
            if let Some(pref) = extra.pref {
                map.serialize_entry("pref", &pref)?;
            }
            if let Some(expires) = extra.expires {
                map.serialize_entry("expires", &expires)?;
            }
            if let Some(realm) = extra.realm {
                map.serialize_entry("realm", &realm)?;
            }
            if !extra.unmodelled.is_empty() {
                map.serialize_entry("unmodelled", &extra.unmodelled)?;
            }
        }
        map.end()
    }
}

/// The word of a route type, borrowed (`RouteKind::name` allocates).
fn kind_name(kind: RouteKind) -> std::borrow::Cow<'static, str> {
    match kind {
        RouteKind::Other(n) => n.to_string().into(),
        known => match known {
            RouteKind::Unspec => "unspec",
            RouteKind::Unicast => "unicast",
            RouteKind::Local => "local",
            RouteKind::Broadcast => "broadcast",
            RouteKind::Anycast => "anycast",
            RouteKind::Multicast => "multicast",
            RouteKind::Blackhole => "blackhole",
            RouteKind::Unreachable => "unreachable",
            RouteKind::Prohibit => "prohibit",
            RouteKind::Throw => "throw",
            _ => "nat",
        }
        .into(),
    }
}

/// A string value given as text.
struct Text(std::borrow::Cow<'static, str>);

impl Serialize for Text {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// A route protocol by name (`bgp`), or its number as text, without allocating for known ones.
struct Protocol(u8);

impl Serialize for Protocol {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match PROTOCOLS.iter().find(|(n, _)| *n == self.0) {
            Some((_, name)) => serializer.serialize_str(name),
            None => serializer.serialize_str(&self.0.to_string()),
        }
    }
}

/// A device by its JSON name.
struct Dev<'a>(DevNames<'a>, u32);

impl Serialize for Dev<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.with(self.1, |name| serializer.serialize_str(name))
    }
}

/// Route flags as their names.
struct Flags(RouteFlags);

impl Serialize for Flags {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.0.names())
    }
}

/// The nexthops of a multipath route, each compact as the route itself.
struct Hops<'a>(DevNames<'a>, &'a [NextHop]);

impl Serialize for Hops<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut seq = serializer.serialize_seq(Some(self.1.len()))?;
        for nh in self.1 {
            seq.serialize_element(&HopJson(self.0, nh))?;
        }
        seq.end()
    }
}

/// One nexthop of a multipath route: `dev`, `gateway`, `weight` (not 1), `flags` (not empty).
struct HopJson<'a>(DevNames<'a>, &'a NextHop);

impl Serialize for HopJson<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let nh = self.1;
        let mut map = serializer.serialize_map(None)?;
        if nh.dev != 0 {
            map.serialize_entry("dev", &Dev(self.0, nh.dev))?;
        }
        if let Some(gw) = nh.gateway {
            map.serialize_entry("gateway", &Addr(gw))?;
        }
        if nh.weight != 1 {
            map.serialize_entry("weight", &nh.weight)?;
        }
        if nh.flags.0 != 0 {
            map.serialize_entry("flags", &Flags(nh.flags))?;
        }
        map.end()
    }
}

/// An address, written without going through `fmt` for IPv4 (a million gateways).
struct Addr(IpAddr);

impl Serialize for Addr {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            IpAddr::V4(a) => {
                let mut buf = [0; 15];
                let n = put_v4(&mut buf, a);
                serializer.serialize_str(ascii(&buf[..n]))
            }
            IpAddr::V6(a) => serializer.collect_str(&a),
        }
    }
}

/// A prefix `addr/len`, IPv4 written by hand as `Addr` is.
struct Net(IpNet);

impl Serialize for Net {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            IpNet::V4(net) => {
                let mut buf = [0; 18];
                let mut n = put_v4(&mut buf, net.addr());
                buf[n] = b'/';
                n += 1;
                n += put_u8(&mut buf[n..], net.prefix_len());
                serializer.serialize_str(ascii(&buf[..n]))
            }
            IpNet::V6(net) => serializer.collect_str(&net),
        }
    }
}

/// Writes `a` in dotted-quad form at the start of `buf`, returning its length.
fn put_v4(buf: &mut [u8], a: Ipv4Addr) -> usize {
    let mut n = 0;
    for (i, octet) in a.octets().into_iter().enumerate() {
        if i > 0 {
            buf[n] = b'.';
            n += 1;
        }
        n += put_u8(&mut buf[n..], octet);
    }
    n
}

/// Writes `v` in decimal at the start of `buf`, returning its length.
fn put_u8(buf: &mut [u8], v: u8) -> usize {
    if v >= 100 {
        buf[..3].copy_from_slice(&[b'0' + v / 100, b'0' + v / 10 % 10, b'0' + v % 10]);
        3
    } else if v >= 10 {
        buf[..2].copy_from_slice(&[b'0' + v / 10, b'0' + v % 10]);
        2
    } else {
        buf[0] = b'0' + v;
        1
    }
}

/// Digits and dots as a `str` (always ASCII here).
fn ascii(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_prefixes_are_written_as_display_writes_them() {
        for text in [
            "0.0.0.0",
            "1.2.3.4",
            "10.100.200.255",
            "255.255.255.255",
            "9.99.199.0",
        ] {
            let a: Ipv4Addr = text.parse().unwrap();
            assert_eq!(serde_json::to_value(Addr(a.into())).unwrap(), text);
            let net: IpNet = format!("{text}/24").parse().unwrap();
            assert_eq!(serde_json::to_value(Net(net)).unwrap(), net.to_string());
        }
        let v6: IpNet = "2001:db8::/32".parse().unwrap();
        assert_eq!(serde_json::to_value(Net(v6)).unwrap(), "2001:db8::/32");
    }
}
