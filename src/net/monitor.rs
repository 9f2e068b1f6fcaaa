//! The live feed: subscribe first, then dump, then turn every notification into a `Change`.
//!
//! Recovers by re-dumping when the socket overran (ENOBUFS), when the listener died, and after
//! the events on which the kernel changes IPv4 routes without telling (a link going down or
//! away, an IPv4 address removed): those re-reads start a fixed delay after their first cause,
//! however many notifications follow (see `pending`).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use color_eyre::eyre::{WrapErr, eyre};
use futures::StreamExt;
use netlink_packet_core::{NLM_F_APPEND, NLM_F_REPLACE, NetlinkMessage, NetlinkPayload};
use netlink_packet_route::RouteNetlinkMessage as Nl;
use netlink_proto::NetlinkCodec;
use netlink_sys::{AsyncSocket, SocketAddr, TokioSocket, protocols::NETLINK_ROUTE};
use tokio::sync::mpsc;

use super::codec::{RTM_DELNEXTHOP, RTM_NEWNETCONF, RTM_NEWNEXTHOP, RtMsg};
use super::dump::Requester;
use super::pending::{Due, Pending};
use super::{convert, nexthop, proc};
use crate::model::{Change, Family, LinkFlags, Op, Placement, State};

/// What the feed reports.
#[derive(Debug)]
pub enum FeedEvent {
    /// A change to apply to the state (the first one is a whole `Snapshot`).
    Change(Change),
    /// The state is being re-read from the kernel, and why.
    Resync { reason: String },
    /// A message netlink-packet-route could not parse (kept, counted and logged, never dropped silently).
    ParseError { kind: u16, error: String },
}

/// Knobs of the feed; the defaults are what the program uses, the others exist for tests.
#[derive(Debug, Clone)]
pub struct FeedOptions {
    /// Receive buffer of the listening socket in bytes.
    pub receive_buffer: usize,
    /// Wait this long after subscribing before reading notifications (tests use it to force ENOBUFS).
    pub delay_listening: Option<Duration>,
    /// How long after the first cause of a silent change the re-read starts; the causes that
    /// follow join it and never push it back.
    pub resync_delay: Duration,
}

impl Default for FeedOptions {
    fn default() -> Self {
        Self {
            receive_buffer: 8 << 20,
            delay_listening: None,
            resync_delay: Duration::from_millis(50),
        }
    }
}

/// Multicast groups joined through the legacy bitmask (group n is bit n-1).
const GROUPS: [u32; 10] = [
    1,  // RTNLGRP_LINK
    3,  // RTNLGRP_NEIGH
    5,  // RTNLGRP_IPV4_IFADDR
    7,  // RTNLGRP_IPV4_ROUTE
    8,  // RTNLGRP_IPV4_RULE
    9,  // RTNLGRP_IPV6_IFADDR
    11, // RTNLGRP_IPV6_ROUTE
    19, // RTNLGRP_IPV6_RULE
    24, // RTNLGRP_IPV4_NETCONF
    25, // RTNLGRP_IPV6_NETCONF
];
/// `RTNLGRP_NEXTHOP`, above 31, so joined with `NETLINK_ADD_MEMBERSHIP`.
const GROUP_NEXTHOP: u32 = 32;

/// Runs the feed for namespace `netns` until `tx` is closed; reconnects if the listener dies.
pub async fn watch(
    netns: Option<&str>,
    options: FeedOptions,
    tx: mpsc::Sender<FeedEvent>,
) -> color_eyre::Result<()> {
    super::netns::run_in(netns, move || async move {
        let mut first = true;
        loop {
            match session(&options, &tx, first).await {
                Ok(()) => return Ok(()),
                Err(err) if first => return Err(err),
                Err(err) => {
                    tracing::warn!("netlink feed failed, reconnecting: {err:#}");
                    let reason = format!("reconnecting after: {err}");
                    if tx.send(FeedEvent::Resync { reason }).await.is_err() {
                        return Ok(());
                    }
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
            first = false;
        }
    })
    .await
}

/// One connection's life: subscribe, dump, follow. `Ok` means the receiver went away.
async fn session(
    options: &FeedOptions,
    tx: &mpsc::Sender<FeedEvent>,
    first: bool,
) -> color_eyre::Result<()> {
    let (mut conn, _handle, mut events) =
        netlink_proto::new_connection_with_codec::<RtMsg, TokioSocket, NetlinkCodec>(NETLINK_ROUTE)
            .wrap_err("opening the netlink listener")?;
    let socket = conn.socket_mut().socket_mut();
    let mask = GROUPS.iter().fold(0, |m, g| m | 1 << (g - 1));
    socket
        .bind(&SocketAddr::new(0, mask))
        .wrap_err("subscribing to routing changes")?;
    socket.add_membership(GROUP_NEXTHOP).ok(); // kernels without nexthop objects refuse it
    let size = i32::try_from(options.receive_buffer).unwrap_or(i32::MAX);
    socket.set_rx_buf_sz(size).ok(); // capped by net.core.rmem_max; larger is only better
    let requester = Requester::open()?;
    let state = requester.state().await?;
    let mut flags: HashMap<u32, u32> = state.links.values().map(|l| (l.index, l.flags.0)).collect();
    if !first
        && tx
            .send(FeedEvent::Resync {
                reason: "connection re-opened".into(),
            })
            .await
            .is_err()
    {
        return Ok(());
    }
    if send(tx, Change::Snapshot(Box::new(state))).await.is_err() {
        return Ok(());
    }
    if let Some(delay) = options.delay_listening {
        tokio::time::sleep(delay).await;
    }
    let listener = tokio::spawn(conn);
    let mut pending = Pending::new(options.resync_delay);
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    loop {
        // biased: once the deadline has passed, the re-read goes before any further notification
        tokio::select! {
            biased;
            () = &mut timer, if pending.deadline().is_some() => {
                let started = Instant::now();
                if catch_up(tx, &requester, pending.start()).await.is_err() {
                    return Ok(());
                }
                pending.finished(started, Instant::now());
            }
            () = tx.closed() => {
                listener.abort();
                return Ok(());
            }
            message = events.next() => {
                let Some((message, _)) = message else {
                    return Err(eyre!("the netlink listener stopped"));
                };
                if handle(message, tx, &requester, &mut flags, &mut pending).await.is_err() {
                    return Ok(());
                }
                if let Some(deadline) = pending.noted(Instant::now()) {
                    timer.as_mut().reset(deadline.into());
                }
            }
        }
        if listener.is_finished() {
            return Err(eyre!("the netlink listener task ended"));
        }
    }
}

/// Sends one change; an error means the receiver is gone.
async fn send(tx: &mpsc::Sender<FeedEvent>, change: Change) -> Result<(), ()> {
    tx.send(FeedEvent::Change(change)).await.map_err(|_| ())
}

/// Handles one notification (or overrun); an error means the receiver is gone.
async fn handle(
    message: NetlinkMessage<RtMsg>,
    tx: &mpsc::Sender<FeedEvent>,
    requester: &Requester,
    flags: &mut HashMap<u32, u32>,
    pending: &mut Pending,
) -> Result<(), ()> {
    let header_flags = message.header.flags;
    match message.payload {
        NetlinkPayload::Overrun(_) => {
            // the whole state is read again, which covers every re-read that was due
            pending.clear();
            resync_all(
                tx,
                requester,
                flags,
                "the kernel's notification queue overflowed (ENOBUFS)",
            )
            .await
        }
        NetlinkPayload::InnerMessage(RtMsg::Route(msg)) => {
            let Some(change) = change_of(msg, header_flags, flags, &mut pending.due) else {
                return Ok(());
            };
            send(tx, change).await
        }
        NetlinkPayload::InnerMessage(RtMsg::Raw {
            kind,
            payload,
            parse_error,
        }) => {
            if let Some(error) = parse_error {
                tracing::warn!("netlink message of type {kind} could not be parsed: {error}");
                return tx
                    .send(FeedEvent::ParseError { kind, error })
                    .await
                    .map_err(|_| ());
            }
            match kind {
                RTM_NEWNEXTHOP | RTM_DELNEXTHOP => {
                    let op = if kind == RTM_NEWNEXTHOP {
                        Op::New
                    } else {
                        Op::Del
                    };
                    let Some(nh) = nexthop::parse(&payload) else {
                        return Ok(());
                    };
                    // deleting a nexthop removes the routes using it, without notifications
                    pending.due.ipv4_routes |= op == Op::Del;
                    send(tx, Change::Nexthop(op, nh)).await
                }
                RTM_NEWNETCONF => {
                    pending.due.sysctls = true;
                    Ok(())
                }
                _ => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// The change a notification stands for, noting which silent changes it implies.
pub(super) fn change_of(
    msg: Nl,
    header_flags: u16,
    flags: &mut HashMap<u32, u32>,
    due: &mut Due,
) -> Option<Change> {
    Some(match msg {
        Nl::NewLink(m) => {
            let link = convert::link(&m);
            let watched = LinkFlags::UP | LinkFlags::LOWER_UP;
            let before = flags.insert(link.index, link.flags.0);
            if before.is_none_or(|b| b & watched != link.flags.0 & watched) {
                // routes through a link that goes down vanish (IPv4) or turn linkdown (IPv6)
                *due = Due {
                    ipv4_routes: true,
                    ipv6_routes: true,
                    link_objects: true,
                    sysctls: true,
                };
            }
            Change::Link(Op::New, link)
        }
        Nl::DelLink(m) => {
            let link = convert::link(&m);
            flags.remove(&link.index);
            due.ipv4_routes = true;
            due.ipv6_routes = true;
            due.link_objects = true;
            Change::Link(Op::Del, link)
        }
        Nl::NewAddress(m) => Change::Address(Op::New, convert::address(&m)?),
        Nl::DelAddress(m) => {
            let address = convert::address(&m)?;
            due.ipv4_routes |= address.family() == Family::V4;
            Change::Address(Op::Del, address)
        }
        Nl::NewRule(m) => Change::Rule(Op::New, convert::rule(&m)?),
        Nl::DelRule(m) => Change::Rule(Op::Del, convert::rule(&m)?),
        Nl::NewRoute(m) => {
            let route = convert::route(&m)?;
            // IPv6 puts a new route after the others of equal metric; IPv4 before, unless appended
            let placement = if header_flags & NLM_F_REPLACE != 0 {
                Placement::Replace
            } else if header_flags & NLM_F_APPEND != 0 || route.family() == Family::V6 {
                Placement::Last
            } else {
                Placement::First
            };
            Change::Route(Op::New, placement, route)
        }
        Nl::DelRoute(m) => Change::Route(Op::Del, Placement::Last, convert::route(&m)?),
        Nl::NewNeighbour(m) => Change::Neighbour(Op::New, convert::neighbour(&m)?),
        Nl::DelNeighbour(m) => Change::Neighbour(Op::Del, convert::neighbour(&m)?),
        _ => return None,
    })
}

/// Re-reads what the kernel may have changed silently, IPv4 routes first.
async fn catch_up(tx: &mpsc::Sender<FeedEvent>, requester: &Requester, due: Due) -> Result<(), ()> {
    for (family, due) in [(Family::V4, due.ipv4_routes), (Family::V6, due.ipv6_routes)] {
        if due {
            match requester.routes(family).await {
                Ok(tables) => send(tx, Change::Tables(family, tables)).await?,
                Err(err) => tracing::warn!("re-reading {} routes: {err:#}", family.name()),
            }
        }
    }
    if due.link_objects {
        // what the kernel changes silently around links: IPv6 addresses announced only after
        // DAD, multicast neighbour entries, nexthops removed with their device
        match requester.addresses().await {
            Ok(list) => send(tx, Change::Addresses(list)).await?,
            Err(err) => tracing::warn!("re-reading addresses: {err:#}"),
        }
        match requester.neighbours().await {
            Ok(list) => send(tx, Change::Neighbours(list)).await?,
            Err(err) => tracing::warn!("re-reading neighbours: {err:#}"),
        }
        send(tx, Change::Nexthops(requester.nexthops().await)).await?;
    }
    if due.sysctls {
        // device names come with the state the consumer holds; read every device directory
        let names = std::fs::read_dir("/proc/sys/net/ipv4/conf")
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        let devices = names
            .iter()
            .map(String::as_str)
            .filter(|n| *n != "all" && *n != "default");
        send(tx, Change::Sysctls(proc::sysctls(devices))).await?;
        send(tx, Change::Groups(proc::multicast_groups())).await?;
    }
    Ok(())
}

/// Re-dumps everything after an overrun and sends the new state.
async fn resync_all(
    tx: &mpsc::Sender<FeedEvent>,
    requester: &Requester,
    flags: &mut HashMap<u32, u32>,
    reason: &str,
) -> Result<(), ()> {
    tracing::info!("resync: {reason}");
    tx.send(FeedEvent::Resync {
        reason: reason.to_owned(),
    })
    .await
    .map_err(|_| ())?;
    match requester.state().await {
        Ok(state) => {
            *flags = state.links.values().map(|l| (l.index, l.flags.0)).collect();
            send(tx, Change::Snapshot(Box::new(state))).await
        }
        Err(err) => {
            tracing::warn!("resync failed: {err:#}");
            Ok(())
        }
    }
}

/// Applies feed events to a state, as the consumers of the feed do.
pub fn apply(state: &mut State, event: FeedEvent) {
    if let FeedEvent::Change(change) = event {
        state.apply(change);
    }
}
