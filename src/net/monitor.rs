//! The live feed: subscribe first, then dump, then turn every notification into a `Change`
//! (`messages` says what each message type becomes, or why it is ignored).
//!
//! Recovers by re-dumping when the socket overran (ENOBUFS), when the listener died, and after
//! the events on which the kernel changes IPv4 routes without telling (a link going down or
//! away, an IPv4 address removed): those re-reads start a fixed delay after their first cause,
//! however many notifications follow (see `pending`).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use color_eyre::eyre::{WrapErr, eyre};
use futures::StreamExt;
use netlink_packet_core::{NetlinkMessage, NetlinkPayload};
use netlink_proto::NetlinkCodec;
use netlink_sys::{AsyncSocket, SocketAddr, TokioSocket, protocols::NETLINK_ROUTE};
use tokio::sync::mpsc;

use super::attribution::Attribution;
use super::codec::RtMsg;
use super::dump::{Progress, Requester};
use super::messages::{
    self, Handled, RTM_DELNETCONF, RTM_DELNEXTHOP, RTM_NEWNETCONF, RTM_NEWNEXTHOP,
    RTM_NEWNEXTHOPBUCKET, Seen,
};
use super::pending::{Due, Pending};
use super::{netconf, nexthop, proc};
use crate::model::{Change, Family, Op, Origin, State, escape};

/// What the feed reports.
#[derive(Debug)]
pub enum FeedEvent {
    /// A change to apply to the state (the first one is a whole `Snapshot`), and who made it.
    Change { change: Change, origin: Origin },
    /// The state is being re-read from the kernel, and why.
    Resync { reason: String },
    /// The first state is being read: `routes` of `family` so far (only with
    /// `FeedOptions::progress`, every `PROGRESS_STEP` routes), for a screen to show the load.
    Loading { family: Family, routes: usize },
    /// A malformed message of a type the feed expects (`docs/feed.md`): counted and logged, never
    /// dropped silently. Types the feed ignores on purpose never show up here.
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
    /// Report the first state's load as it goes (`FeedEvent::Loading`), and read it the quick
    /// way (routes from their bytes on a blocking socket): the TUI's feed.
    pub progress: bool,
}

impl Default for FeedOptions {
    fn default() -> Self {
        Self {
            receive_buffer: 8 << 20,
            delay_listening: None,
            resync_delay: Duration::from_millis(50),
            progress: false,
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
    netns: &super::Netns,
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
                    let reason = escape(&format!("reconnecting after: {err}")).into_owned();
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
    let state = if options.progress && first {
        let reports = tx.clone();
        let told: Progress = Arc::new(move |family, routes| {
            // a report that does not fit the queue is dropped: the next one says more
            let _ = reports.try_send(FeedEvent::Loading { family, routes });
        });
        let started = Instant::now();
        let state = requester.state_reported(told).await?;
        tracing::info!(
            "first state read in {:.1} ms: {} routes",
            started.elapsed().as_secs_f64() * 1000.0,
            state.route_count()
        );
        state
    } else {
        requester.state().await?
    };
    let mut links = messages::seen(&state);
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
    let mut attribution = Attribution::from_environment();
    let timer = tokio::time::sleep(Duration::ZERO);
    tokio::pin!(timer);
    loop {
        // biased: once the deadline has passed, the re-read goes before any further notification
        tokio::select! {
            biased;
            () = &mut timer, if pending.deadline().is_some() => {
                let started = Instant::now();
                if catch_up(tx, &requester, pending.start(), &links).await.is_err() {
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
                let state = Feed { links: &mut links, pending: &mut pending, attribution: &mut attribution };
                if handle(message, tx, &requester, state).await.is_err() {
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

/// Sends one change routescope read itself (a dump or re-read); an error means the receiver is
/// gone.
async fn send(tx: &mpsc::Sender<FeedEvent>, change: Change) -> Result<(), ()> {
    send_from(tx, change, Origin::Reread).await
}

/// Sends one change with its origin; an error means the receiver is gone.
async fn send_from(tx: &mpsc::Sender<FeedEvent>, change: Change, origin: Origin) -> Result<(), ()> {
    tx.send(FeedEvent::Change { change, origin })
        .await
        .map_err(|_| ())
}

/// What the feed keeps between notifications.
struct Feed<'a> {
    /// The links as last notified.
    links: &'a mut HashMap<u32, Seen>,
    /// The re-reads due.
    pending: &'a mut Pending,
    /// Who made the changes.
    attribution: &'a mut Attribution,
}

/// Handles one notification (or overrun); an error means the receiver is gone.
async fn handle(
    message: NetlinkMessage<RtMsg>,
    tx: &mpsc::Sender<FeedEvent>,
    requester: &Requester,
    feed: Feed<'_>,
) -> Result<(), ()> {
    let Feed {
        links,
        pending,
        attribution,
    } = feed;
    let header_flags = message.header.flags;
    let portid = message.header.port_number;
    match message.payload {
        NetlinkPayload::Overrun(_) => {
            // the whole state is read again, which covers every re-read that was due
            pending.clear();
            resync_all(
                tx,
                requester,
                links,
                "the kernel's notification queue overflowed (ENOBUFS)",
            )
            .await
        }
        NetlinkPayload::InnerMessage(RtMsg::Route(msg, names)) => {
            let flags_before = messages::link_index(&msg)
                .and_then(|index| links.get(&index))
                .map(|seen| seen.flags);
            match messages::classify(msg, &names, header_flags, links, &mut pending.due) {
                Handled::Change(change) => {
                    let origin = attribution.origin(portid, &change);
                    attribution.note(&change, flags_before, |index| {
                        links
                            .get(&index)
                            .map_or_else(|| format!("if{index}"), |l| l.name.to_string())
                    });
                    send_from(tx, change, origin).await
                }
                Handled::Ignored(why) => {
                    tracing::debug!("notification ignored: {why}");
                    Ok(())
                }
            }
        }
        NetlinkPayload::InnerMessage(RtMsg::Raw {
            kind,
            payload,
            parse_error: Some(error),
        }) => {
            let Some(name) = messages::name(kind) else {
                tracing::warn!(
                    "netlink message of type {kind}, which no joined group should carry, ignored"
                );
                return Ok(());
            };
            tracing::warn!("malformed {name} ({} bytes): {error}", payload.len());
            parse_error(tx, kind, error).await
        }
        NetlinkPayload::InnerMessage(RtMsg::Raw {
            kind,
            payload,
            parse_error: None,
        }) => match kind {
            RTM_NEWNEXTHOP | RTM_DELNEXTHOP => {
                let op = if kind == RTM_NEWNEXTHOP {
                    Op::New
                } else {
                    Op::Del
                };
                match nexthop::parse(&payload) {
                    Ok(nh) => {
                        // deleting a nexthop removes the routes using it, without notifications
                        pending.due.ipv4_routes |= op == Op::Del;
                        let change = Change::Nexthop(op, nh);
                        let origin = attribution.origin(portid, &change);
                        send_from(tx, change, origin).await
                    }
                    Err(error) => parse_error(tx, kind, error).await,
                }
            }
            RTM_NEWNETCONF | RTM_DELNETCONF => match netconf::parse(&payload) {
                Ok(conf) => {
                    // re-read rather than applied: a change of `default` reaches every device
                    // that never had the setting written, and only `default` is announced
                    tracing::debug!("netconf {conf:?}: sysctls due");
                    pending.due.sysctls = true;
                    Ok(())
                }
                Err(error) => parse_error(tx, kind, error).await,
            },
            RTM_NEWNEXTHOPBUCKET => {
                tracing::debug!("notification ignored: {}", messages::NEXTHOP_BUCKET);
                Ok(())
            }
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// Reports a malformed message (the reason escaped: it may quote the message's bytes); an error
/// means the receiver is gone.
async fn parse_error(tx: &mpsc::Sender<FeedEvent>, kind: u16, error: String) -> Result<(), ()> {
    let error = escape(&error).into_owned();
    tx.send(FeedEvent::ParseError { kind, error })
        .await
        .map_err(|_| ())
}

/// Re-reads what the kernel may have changed silently, IPv4 routes first.
async fn catch_up(
    tx: &mpsc::Sender<FeedEvent>,
    requester: &Requester,
    due: Due,
    links: &HashMap<u32, Seen>,
) -> Result<(), ()> {
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
        // the devices of the state the consumer holds, as a dump reads them
        let names = links.values().map(|l| &l.name);
        send(tx, Change::Sysctls(proc::sysctls(names))).await?;
        send(tx, Change::Groups(proc::multicast_groups())).await?;
    }
    Ok(())
}

/// Re-dumps everything after an overrun and sends the new state.
async fn resync_all(
    tx: &mpsc::Sender<FeedEvent>,
    requester: &Requester,
    links: &mut HashMap<u32, Seen>,
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
            *links = messages::seen(&state);
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
    if let FeedEvent::Change { change, .. } = event {
        state.apply(change);
    }
}
