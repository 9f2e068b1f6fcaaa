//! Our netlink message type: route messages, plus raw bytes for everything the crate cannot parse.
//!
//! netlink-packet-route has no nexthop or netconf messages and drops anything it fails to parse
//! with only a log line; this wrapper keeps such messages so they can be parsed by hand and parse
//! errors are counted and shown, never lost.

use netlink_packet_core::{
    NetlinkDeserializable, NetlinkHeader, NetlinkPayload, NetlinkSerializable,
};
use netlink_packet_route::RouteNetlinkMessage;

use super::messages::{
    RTM_GETNETCONF, RTM_GETNEXTHOP, RTM_NEWNETCONF, RTM_NEWNEXTHOP, RTM_NEWNEXTHOPBUCKET,
};
use super::raw_names::{self, RawNames};

/// A route-netlink message, parsed or raw.
#[derive(Debug, Clone)]
pub enum RtMsg {
    /// A message netlink-packet-route understands, with the names it held that are not UTF-8
    /// (the message itself then holds a stand-in; see `raw_names`).
    Route(RouteNetlinkMessage, RawNames),
    /// A nexthop, nexthop-bucket or netconf message (parsed by hand), or one the crate failed to
    /// parse (with the error).
    Raw {
        kind: u16,
        payload: Vec<u8>,
        parse_error: Option<String>,
    },
}

impl NetlinkSerializable for RtMsg {
    fn message_type(&self) -> u16 {
        match self {
            Self::Route(m, _) => m.message_type(),
            Self::Raw { kind, .. } => *kind,
        }
    }

    fn buffer_len(&self) -> usize {
        match self {
            Self::Route(m, _) => NetlinkSerializable::buffer_len(m),
            Self::Raw { payload, .. } => payload.len(),
        }
    }

    fn serialize(&self, buffer: &mut [u8]) {
        match self {
            Self::Route(m, _) => m.serialize(buffer),
            Self::Raw { payload, .. } => buffer.copy_from_slice(payload),
        }
    }
}

impl NetlinkDeserializable for RtMsg {
    type Error = std::convert::Infallible;

    fn deserialize(header: &NetlinkHeader, payload: &[u8]) -> Result<Self, Self::Error> {
        let kind = header.message_type;
        if is_raw(kind) {
            return Ok(Self::Raw {
                kind,
                payload: payload.to_vec(),
                parse_error: None,
            });
        }
        let error = match RouteNetlinkMessage::deserialize(header, payload) {
            Ok(m) => return Ok(Self::Route(m, RawNames::default())),
            Err(e) => e.to_string(),
        };
        let repaired = raw_names::repair(kind, payload).and_then(|(fixed, names)| {
            let m = RouteNetlinkMessage::deserialize(header, &fixed).ok()?;
            Some(Self::Route(m, names))
        });
        Ok(repaired.unwrap_or_else(|| Self::Raw {
            kind,
            payload: payload.to_vec(),
            parse_error: Some(error),
        }))
    }
}

impl RtMsg {
    /// A request (or any message we build): nothing in it needs raw names.
    pub fn request(msg: RouteNetlinkMessage) -> Self {
        Self::Route(msg, RawNames::default())
    }
}

impl From<RtMsg> for NetlinkPayload<RtMsg> {
    fn from(m: RtMsg) -> Self {
        NetlinkPayload::InnerMessage(m)
    }
}

/// Whether a message type is left raw for our own parsers: the crate has no type for it.
fn is_raw(kind: u16) -> bool {
    (RTM_NEWNEXTHOP..=RTM_GETNEXTHOP).contains(&kind)
        || (RTM_NEWNETCONF..=RTM_GETNETCONF).contains(&kind)
        || kind == RTM_NEWNEXTHOPBUCKET
}
