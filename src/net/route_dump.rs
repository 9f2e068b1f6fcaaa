//! A route dump read on a plain blocking socket and parsed from the bytes (`route_bytes`), for the
//! loads that must be quick: a full view is a million messages, and the request connection's path
//! (a message parsed by the crate, sent through a channel, then converted) costs more than the
//! kernel's own work. It blocks its thread for the whole dump, so it serves one-shot loads, not
//! the feed, whose socket must keep being read.

use std::collections::BTreeMap;
use std::sync::mpsc;

use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NetlinkDeserializable, NetlinkHeader,
    NetlinkMessage,
};
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::route::RouteMessage;
use netlink_sys::{Socket, protocols::NETLINK_ROUTE};

use super::dump::{NetlinkError, PROGRESS_STEP, af};
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

/// Told a family and how many of its routes were read so far (the borrowed form of
/// `dump::Progress`, which the dump threads share).
pub type Told<'a> = &'a (dyn Fn(Family, usize) + Sync);

/// The tables one family's dump fills, its count of routes told to `progress` every
/// `PROGRESS_STEP` routes: what both ways of dumping routes share.
pub struct Filling<'a> {
    /// The tables so far.
    pub tables: Tables,
    family: Family,
    count: usize,
    progress: Told<'a>,
}

impl<'a> Filling<'a> {
    /// Empty tables for a dump of `family`.
    pub fn new(family: Family, progress: Told<'a>) -> Self {
        Self {
            tables: Tables::new(),
            family,
            count: 0,
            progress,
        }
    }

    /// Adds a route as the dump lists it, and counts it.
    pub fn add(&mut self, route: Route) {
        self.tables
            .entry((route.family(), route.table))
            .or_default()
            .push(route);
        self.count += 1;
        if self.count % PROGRESS_STEP == 0 {
            (self.progress)(self.family, self.count);
        }
    }
}

/// Every route of every table of `family`, dumped in the calling thread's namespace; the count
/// read so far is told to `progress` every `PROGRESS_STEP` routes.
pub fn routes(family: Family, progress: Told<'_>) -> Result<Tables, NetlinkError> {
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
/// This thread receives while a helper parses what it received (the kernel's work and ours
/// overlap); at most `IN_FLIGHT` buffers wait between the two.
fn dump_once(
    socket: &Socket,
    family: Family,
    attempt: usize,
    progress: Told<'_>,
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
    std::thread::scope(|scope| {
        let (received, to_parse) = mpsc::sync_channel::<Vec<u8>>(IN_FLIGHT);
        let parser = scope.spawn(move || parse_all(&to_parse, family, progress));
        let receiving = receive_all(socket, &received);
        drop(received); // the parser ends with what it has
        let parsed = parser
            .join()
            .map_err(|_| NetlinkError::Io("the route parser panicked".into()))?;
        receiving?;
        parsed
    })
}

/// Buffers received but not yet parsed, at most (64 KiB each).
const IN_FLIGHT: usize = 32;

/// Receives the dump's buffers and hands each to the parser, until the one holding its end
/// (`NLMSG_DONE`, or an error from the kernel, which the parser reports).
fn receive_all(socket: &Socket, parser: &mpsc::SyncSender<Vec<u8>>) -> Result<(), NetlinkError> {
    loop {
        let mut buffer: Vec<u8> = Vec::with_capacity(1 << 16);
        socket
            .recv(&mut buffer, 0)
            .map_err(|e| NetlinkError::Io(e.to_string()))?;
        let last = messages(&buffer).any(|m| match m {
            Ok((kind, _, payload)) => {
                kind == NLMSG_DONE || (kind == NLMSG_ERROR && code(payload) != 0)
            }
            Err(_) => true,
        });
        if parser.send(buffer).is_err() || last {
            return Ok(()); // the parser stopped early (its error is the dump's) or the dump ended
        }
    }
}

/// Parses the buffers as they come: the tables and whether the dump was interrupted; the count of
/// routes of `family` read so far is told to `progress`.
fn parse_all(
    buffers: &mpsc::Receiver<Vec<u8>>,
    family: Family,
    progress: Told<'_>,
) -> Result<(Tables, bool), NetlinkError> {
    let mut filling = Filling::new(family, progress);
    let mut interrupted = false;
    for buffer in buffers {
        for message in messages(&buffer) {
            let (kind, flags, payload) = message?;
            interrupted |= flags & NLM_F_DUMP_INTR != 0;
            match kind {
                NLMSG_DONE => return Ok((filling.tables, interrupted)),
                NLMSG_ERROR if code(payload) != 0 => {
                    return Err(NetlinkError::Kernel(code(payload)));
                }
                RTM_NEWROUTE => {
                    if let Some(route) = route_of(kind, flags, payload) {
                        filling.add(route);
                    }
                }
                _ => {}
            }
        }
    }
    Err(NetlinkError::Io("the dump ended without NLMSG_DONE".into()))
}

/// The errno of an `NLMSG_ERROR` payload (0: an acknowledgement).
fn code(payload: &[u8]) -> i32 {
    payload
        .get(..4)
        .map_or(0, |b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
}

/// The messages of one received buffer: (type, flags, payload), or an error for a malformed one
/// (after which nothing more is read).
fn messages(buffer: &[u8]) -> impl Iterator<Item = Result<(u16, u16, &[u8]), NetlinkError>> + '_ {
    let mut rest = buffer;
    std::iter::from_fn(move || {
        if rest.len() < NLMSG_HEADER {
            return None;
        }
        let len = u32::from_ne_bytes([rest[0], rest[1], rest[2], rest[3]]);
        let len = usize::try_from(len).unwrap_or(usize::MAX);
        let kind = u16::from_ne_bytes([rest[4], rest[5]]);
        let flags = u16::from_ne_bytes([rest[6], rest[7]]);
        if len < NLMSG_HEADER || len > rest.len() {
            rest = &[];
            return Some(Err(NetlinkError::Io("a malformed netlink reply".into())));
        }
        let payload = &rest[NLMSG_HEADER..len];
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or_default();
        Some(Ok((kind, flags, payload)))
    })
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
