//! A route dump read on a plain blocking socket and parsed from the bytes (`route_bytes`), for the
//! loads that must be quick: a full view is a million messages, and the request connection's path
//! (a message parsed by the crate, sent through a channel, then converted) costs more than the
//! kernel's own work. It blocks its thread for the whole dump, so it serves one-shot loads, not
//! the feed, whose socket must keep being read.

use std::collections::BTreeMap;

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NetlinkDeserializable, NetlinkHeader,
    NetlinkMessage,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::route::RouteMessage;
use netlink_sys::{Socket, protocols::NETLINK_ROUTE};

use super::dump::{NetlinkError, PROGRESS_STEP, Progress, af};
use super::route_bytes::{self, Read};
use super::{convert, messages::RTM_NEWROUTE};
use crate::model::{Family, Route, RouteTable};

/// `NLMSG_ERROR`.
const NLMSG_ERROR: u16 = 2;
/// `NLMSG_DONE`.
const NLMSG_DONE: u16 = 3;
/// The netlink header's length.
const NLMSG_HEADER: usize = 16;
/// How often a dump interrupted by concurrent changes is restarted before giving up.
const RETRIES: usize = 8;

/// The tables of one family, as a dump fills them.
pub type Tables = BTreeMap<(Family, u32), RouteTable>;

/// Every route of every table of `family`, dumped in the calling thread's namespace; the count
/// read so far is told to `progress` as it grows.
pub fn routes(family: Family, progress: Progress<'_>) -> Result<Tables, NetlinkError> {
    let io = |e: std::io::Error| NetlinkError::Io(e.to_string());
    let mut socket = Socket::new(NETLINK_ROUTE).map_err(io)?;
    socket.bind_auto().map_err(io)?;
    for attempt in 0..RETRIES {
        let (tables, interrupted) = dump_once(&socket, family, attempt, progress)?;
        if !interrupted {
            return Ok(tables);
        }
        tracing::info!("route dump interrupted by concurrent changes; retrying");
    }
    Err(NetlinkError::Io(format!(
        "the dump was interrupted {RETRIES} times in a row"
    )))
}

/// One dump: the tables, and whether the kernel flagged it inconsistent (`NLM_F_DUMP_INTR`).
fn dump_once(
    socket: &Socket,
    family: Family,
    attempt: usize,
    progress: Progress<'_>,
) -> Result<(Tables, bool), NetlinkError> {
    let mut request = RouteMessage::default();
    request.header.address_family = af(family);
    let mut message = NetlinkMessage::from(RouteNetlinkMessage::GetRoute(request));
    message.header.flags = NLM_F_REQUEST | NLM_F_DUMP;
    message.header.sequence_number = u32::try_from(attempt + 1).unwrap_or(1);
    message.finalize();
    let mut bytes = vec![0; message.buffer_len()];
    message.serialize(&mut bytes);
    socket
        .send(&bytes, 0)
        .map_err(|e| NetlinkError::Io(e.to_string()))?;
    let mut tables = Tables::new();
    let mut interrupted = false;
    let mut count = 0;
    let mut buffer: Vec<u8> = Vec::with_capacity(1 << 16);
    loop {
        buffer.clear();
        buffer.reserve(1 << 16);
        socket
            .recv(&mut buffer, 0)
            .map_err(|e| NetlinkError::Io(e.to_string()))?;
        let mut rest = buffer.as_slice();
        while rest.len() >= NLMSG_HEADER {
            let word = |at: usize| {
                u32::from_ne_bytes([rest[at], rest[at + 1], rest[at + 2], rest[at + 3]])
            };
            let len = usize::try_from(word(0)).unwrap_or(usize::MAX);
            let kind = u16::from_ne_bytes([rest[4], rest[5]]);
            let flags = u16::from_ne_bytes([rest[6], rest[7]]);
            if len < NLMSG_HEADER || len > rest.len() {
                return Err(NetlinkError::Io("a malformed netlink reply".into()));
            }
            interrupted |= flags & NLM_F_DUMP_INTR != 0;
            let payload = &rest[NLMSG_HEADER..len];
            match kind {
                NLMSG_DONE => return Ok((tables, interrupted)),
                NLMSG_ERROR => {
                    let code = payload
                        .get(..4)
                        .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]));
                    if code != 0 {
                        return Err(NetlinkError::Kernel(code));
                    }
                }
                RTM_NEWROUTE => {
                    if let Some(route) = route_of(kind, flags, payload) {
                        tables
                            .entry((route.family(), route.table))
                            .or_default()
                            .push(route);
                        count += 1;
                        if count % PROGRESS_STEP == 0 {
                            progress(family, count);
                        }
                    }
                }
                _ => {}
            }
            rest = rest.get(len.next_multiple_of(4)..).unwrap_or_default();
        }
    }
}

/// The route of one `RTM_NEWROUTE` payload: read from the bytes, or by the crate and
/// `convert::route` for the shapes `route_bytes` leaves to it (a reply the crate cannot parse is
/// reported and left out, as on the request connection).
fn route_of(kind: u16, flags: u16, payload: &[u8]) -> Option<Route> {
    match route_bytes::read(payload) {
        Read::Route(route) => Some(route),
        Read::Dropped => None,
        Read::Slow => {
            let mut header = NetlinkHeader::default();
            header.message_type = kind;
            header.flags = flags;
            header.length = u32::try_from(payload.len() + NLMSG_HEADER).unwrap_or(u32::MAX);
            match RouteNetlinkMessage::deserialize(&header, payload) {
                Ok(RouteNetlinkMessage::NewRoute(message)) => convert::route(&message),
                Ok(_) => None,
                Err(error) => {
                    tracing::warn!("a reply of type {kind} could not be parsed: {error}");
                    None
                }
            }
        }
    }
}
