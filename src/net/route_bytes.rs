//! Route messages read straight from their bytes into `Route`s: a full view's dump is a million
//! messages, and building netlink-packet-route's attribute list for each (then converting it)
//! costs about as much as the kernel's side of the dump.
//!
//! Only the shapes a dump is made of are read here (header, `RTA_TABLE`, `RTA_DST`,
//! `RTA_SRC`, `RTA_GATEWAY`, `RTA_OIF`, `RTA_PRIORITY`, `RTA_PREFSRC`, `RTA_NH_ID`, `RTA_PREF`,
//! `RTA_EXPIRES`, `RTA_CACHEINFO`), each checked as the crate checks it. Anything else — multipath,
//! `RTA_VIA`, encapsulations, metrics, realms, an attribute of odd length — is `Slow`: the caller
//! parses that message with the crate and `convert::route`, so both paths give the same route
//! (`tests/explain.rs` compares whole dumps both ways on every differential configuration).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::model::{Family, Hop, NextHop, Route, RouteExtra, RouteFlags, RouteKind, Scope};

/// `AF_INET`.
const AF_INET: u8 = 2;
/// `AF_INET6`.
const AF_INET6: u8 = 10;
/// `RTN_MULTICAST`: its `RTA_EXPIRES` is 64 bits and not kept.
const RTN_MULTICAST: u8 = 5;
/// The `rtmsg` header's length.
const HEADER: usize = 12;
/// The bits of an attribute's type that are its kind (`NLA_TYPE_MASK`).
const KIND_MASK: u16 = 0x3fff;
/// `sizeof(struct rta_cacheinfo)`.
const CACHEINFO: usize = 32;

/// What reading one `RTM_NEWROUTE` payload gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Read {
    /// The route.
    Route(Route),
    /// Not an IPv4 or IPv6 route, or an impossible prefix: `convert::route` drops it too.
    Dropped,
    /// Something only the crate reads: parse this message with it.
    Slow,
}

/// A little-endian (host order) `u32` of exactly four bytes.
fn u32_of(value: &[u8]) -> Option<u32> {
    Some(u32::from_ne_bytes(value.try_into().ok()?))
}

/// An address of the message's family, of exactly its length.
fn addr_of(v6: bool, value: &[u8]) -> Option<IpAddr> {
    if v6 {
        let bytes: [u8; 16] = value.try_into().ok()?;
        Some(IpAddr::V6(Ipv6Addr::from(bytes)))
    } else {
        let bytes: [u8; 4] = value.try_into().ok()?;
        Some(IpAddr::V4(Ipv4Addr::from(bytes)))
    }
}

/// The attributes of a route message, as `NlasIterator` walks them: `None` for a malformed one
/// (the crate then fails the whole message, which the slow path reports).
fn attributes(mut rest: &[u8]) -> impl Iterator<Item = Option<(u16, &[u8])>> {
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let len = rest
            .get(..2)
            .map(|b| usize::from(u16::from_ne_bytes([b[0], b[1]])));
        let kind = rest.get(2..4).map(|b| u16::from_ne_bytes([b[0], b[1]]));
        let (Some(len), Some(kind)) = (len, kind) else {
            rest = &[];
            return Some(None);
        };
        if len < 4 || len > rest.len() {
            rest = &[];
            return Some(None);
        }
        let value = &rest[4..len];
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or_default();
        Some(Some((kind & KIND_MASK, value)))
    })
}

/// Reads one `RTM_NEWROUTE` payload (after the netlink header), as `convert::route` would read
/// the crate's parse of it.
pub fn read(payload: &[u8]) -> Read {
    let Some(header) = payload.get(..HEADER) else {
        return Read::Slow;
    };
    let v6 = match header[0] {
        AF_INET => false,
        AF_INET6 => true,
        _ => return Read::Slow,
    };
    let (dst_len, src_len, tos, kind) = (header[1], header[2], header[3], header[7]);
    let flags = u32::from_ne_bytes([header[8], header[9], header[10], header[11]]);
    let unspecified = if v6 {
        IpAddr::V6(Ipv6Addr::UNSPECIFIED)
    } else {
        IpAddr::V4(Ipv4Addr::UNSPECIFIED)
    };
    let mut dst = unspecified;
    let mut table = u32::from(header[4]);
    let (mut dev, mut gateway) = (0, None);
    let mut extra = RouteExtra::default();
    let mut route = Route::new(
        table,
        IpNet::from(unspecified),
        RouteKind::from_number(kind),
    );
    for attribute in attributes(&payload[HEADER..]) {
        let Some((code, value)) = attribute else {
            return Read::Slow;
        };
        let read = match code {
            1 => addr_of(v6, value).map(|a| dst = a),
            2 => addr_of(v6, value).map(|a| extra.src = IpNet::new(a, src_len).ok()),
            4 => u32_of(value).map(|i| dev = i),
            5 => addr_of(v6, value).map(|a| gateway = Some(a)),
            6 => u32_of(value).map(|m| route.metric = m),
            7 => addr_of(v6, value).map(|a| route.prefsrc = Some(a)),
            12 => (value.len() >= CACHEINFO).then_some(()),
            15 => u32_of(value).map(|t| table = t),
            20 => <[u8; 1]>::try_from(value)
                .ok()
                .map(|[p]| extra.pref = Some(p)),
            23 if kind == RTN_MULTICAST => (value.len() == 8).then_some(()),
            23 => u32_of(value).map(|e| extra.expires = Some(e)),
            30 => u32_of(value).map(|id| route.nhid = id),
            _ => None,
        };
        if read.is_none() {
            return Read::Slow;
        }
    }
    let Ok(net) = IpNet::new(dst, dst_len) else {
        return Read::Dropped;
    };
    route.dst = net.trunc();
    route.table = table;
    route.protocol = header[5];
    route.scope = Scope(header[6]);
    route.tos = tos;
    let nh_flags = flags & 0xff;
    route.flags = RouteFlags(flags & !0xff);
    route.hops = if dev != 0 || gateway.is_some() {
        Hop::One(NextHop {
            dev,
            gateway,
            weight: 1,
            flags: RouteFlags(nh_flags),
        })
    } else {
        route.flags.0 |= nh_flags;
        Hop::None
    };
    if extra != RouteExtra::default() {
        route.extra = Some(std::sync::Arc::new(extra));
    }
    debug_assert_eq!(route.family(), if v6 { Family::V6 } else { Family::V4 });
    Read::Route(route)
}

#[cfg(test)]
mod tests {
    use std::net::{Ipv4Addr, Ipv6Addr};

    use netlink_packet_core::{Emitable, NetlinkDeserializable, NetlinkHeader};
    use netlink_packet_route::route::{
        RouteAddress, RouteAttribute, RouteCacheInfo, RouteFlags as Flags, RouteMessage,
        RouteNextHop, RoutePreference, RouteProtocol, RouteRealm, RouteScope, RouteType, RouteVia,
    };
    use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};

    use super::{Read, read};
    use crate::net::convert;

    /// The crate's reading of a payload, as the slow path does it (`Err`: the crate fails it).
    fn by_crate(payload: &[u8]) -> Result<Option<crate::model::Route>, String> {
        let mut header = NetlinkHeader::default();
        header.message_type = 24;
        match RouteNetlinkMessage::deserialize(&header, payload) {
            Ok(RouteNetlinkMessage::NewRoute(m)) => Ok(convert::route(&m)),
            other => Err(format!("{other:?}")),
        }
    }

    /// Whether the byte reader read the payload itself, agreeing with the crate: a route or a
    /// drop it reads must be what the crate gives, and what the crate fails it must leave to it.
    fn agrees(payload: &[u8]) -> Result<bool, String> {
        match (read(payload), by_crate(payload)) {
            (Read::Route(r), Ok(Some(c))) if r == c => Ok(true),
            (Read::Dropped, Ok(None)) | (Read::Slow, _) => Ok(false),
            (fast, slow) => Err(format!("{payload:?}: bytes {fast:?}, crate {slow:?}")),
        }
    }

    /// A number below `n` from a fixed sequence.
    fn picker() -> impl FnMut(usize) -> usize {
        let mut x: u64 = 3;
        move |n| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            usize::try_from(x >> 33).unwrap_or(0) % n
        }
    }

    /// A random route message of the shapes the kernel sends, and odd ones, built by the crate.
    fn message(pick: &mut impl FnMut(usize) -> usize) -> Vec<u8> {
        let v6 = pick(2) == 0;
        let (family, any) = if v6 {
            let a = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 9);
            (AddressFamily::Inet6, RouteAddress::Inet6(a))
        } else {
            let a = Ipv4Addr::new(10, 1, 2, 3);
            (AddressFamily::Inet, RouteAddress::Inet(a))
        };
        let mut hop = RouteNextHop::default();
        hop.interface_index = 2;
        let candidates = [
            RouteAttribute::Table(1000),
            RouteAttribute::Destination(any.clone()),
            RouteAttribute::Source(any.clone()),
            RouteAttribute::Gateway(any.clone()),
            RouteAttribute::Oif(3),
            RouteAttribute::Oif(0),
            RouteAttribute::Priority(1024),
            RouteAttribute::PrefSource(any),
            RouteAttribute::CacheInfo(RouteCacheInfo::parse(&[0; 32]).unwrap()),
            RouteAttribute::Preference(RoutePreference::High),
            RouteAttribute::Expires(77),
            RouteAttribute::NhId(9),
            RouteAttribute::Realm(RouteRealm {
                source: 1,
                destination: 2,
            }),
            RouteAttribute::Mark(5),
            RouteAttribute::Via(RouteVia::Inet(Ipv4Addr::new(10, 9, 9, 9))),
            RouteAttribute::MultiPath(vec![hop]),
        ];
        let mut message = RouteMessage::default();
        let h = &mut message.header;
        h.address_family = family;
        h.destination_prefix_length = [0, 8, 24, 32, 48, 64, 129][pick(7)];
        h.source_prefix_length = [0, 16, 56][pick(3)];
        h.tos = [0, 4, 16][pick(3)];
        h.table = [254, 255, 0, 100][pick(4)];
        h.protocol = [RouteProtocol::Kernel, RouteProtocol::Other(186)][pick(2)];
        h.scope = [RouteScope::Universe, RouteScope::Link, RouteScope::Host][pick(3)];
        h.kind = [RouteType::Unicast, RouteType::Local, RouteType::Multicast][pick(3)];
        h.flags = Flags::from_bits_retain([0, 0x10, 0x200, 0x11][pick(4)]);
        message.attributes = (0..pick(6))
            .map(|_| candidates[pick(candidates.len())].clone())
            .collect();
        let mut payload = vec![0; message.buffer_len()];
        message.emit(&mut payload);
        payload
    }

    /// Messages read both ways; then each with a byte changed or cut short, which must never make
    /// the two disagree.
    #[test]
    fn the_byte_reader_reads_what_the_crate_reads() {
        let mut pick = picker();
        let (mut fast, total) = (0, 4000);
        for _ in 0..total {
            let payload = message(&mut pick);
            fast += usize::from(agrees(&payload).unwrap());
            for _ in 0..4 {
                let mut bent = payload.clone();
                let at = pick(bent.len());
                bent[at] = u8::try_from(pick(256)).unwrap();
                if pick(3) == 0 {
                    bent.truncate(pick(bent.len() + 1));
                }
                agrees(&bent).unwrap();
            }
        }
        assert!(
            fast * 3 > total,
            "the bytes were read for only {fast} of {total}"
        );
    }
}
