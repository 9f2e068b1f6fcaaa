//! Full dumps over a request connection: every object type, every table, both families.

use std::collections::BTreeMap;
use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};
use futures::StreamExt;
use netlink_packet_core::{
    NLM_F_DUMP, NLM_F_DUMP_INTR, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::address::AddressMessage;
use netlink_packet_route::link::LinkMessage;
use netlink_packet_route::neighbour::NeighbourMessage;
use netlink_packet_route::route::RouteMessage;
use netlink_packet_route::rule::RuleMessage;
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use netlink_proto::{ConnectionHandle, NetlinkCodec};
use netlink_sys::{SocketAddr, TokioSocket, protocols::NETLINK_ROUTE};

use super::codec::RtMsg;
use super::messages::RTM_GETNEXTHOP;
use super::{convert, nexthop, proc, route_dump};
use crate::model::{Family, RouteTable, Rule, RuleAction, State, priority, table};

/// How often a dump interrupted by concurrent changes is retried before giving up.
const DUMP_RETRIES: usize = 8;

/// How many routes a dump reads between two progress reports.
pub const PROGRESS_STEP: usize = 1 << 15;

/// Told a family and how many of its routes a dump has read so far (every `PROGRESS_STEP`
/// routes), so that a screen can show the load going on; shared with the threads that dump.
pub type Progress = Arc<dyn Fn(Family, usize) + Send + Sync>;

/// A progress report nobody reads.
pub fn unreported() -> Progress {
    Arc::new(|_, _| {})
}

/// A request connection (dumps and route get) in the current thread's namespace.
#[derive(Clone)]
pub struct Requester {
    handle: ConnectionHandle<RtMsg>,
}

impl Requester {
    /// Opens the connection and spawns its task on the current runtime.
    pub fn open() -> color_eyre::Result<Self> {
        let (conn, handle, _unsolicited) =
            netlink_proto::new_connection_with_codec::<RtMsg, TokioSocket, NetlinkCodec>(
                NETLINK_ROUTE,
            )
            .wrap_err("opening a netlink socket")?;
        tokio::spawn(conn);
        Ok(Self { handle })
    }

    /// Sends one request and collects the reply messages; `interrupted` is true if the kernel
    /// flagged the dump as inconsistent (`NLM_F_DUMP_INTR`).
    pub async fn request(
        &self,
        msg: RtMsg,
        flags: u16,
        mut each: impl FnMut(RtMsg),
    ) -> Result<bool, NetlinkError> {
        let mut req = NetlinkMessage::from(msg);
        req.header.flags = flags;
        let mut replies = self
            .handle
            .request(req, SocketAddr::new(0, 0))
            .map_err(|e| NetlinkError::Io(e.to_string()))?;
        let mut interrupted = false;
        while let Some(reply) = replies.next().await {
            interrupted |= reply.header.flags & NLM_F_DUMP_INTR != 0;
            match reply.payload {
                NetlinkPayload::InnerMessage(RtMsg::Raw {
                    kind,
                    parse_error: Some(error),
                    ..
                }) => {
                    // the object is missing from the dump: say so rather than drop it silently
                    tracing::warn!("a reply of type {kind} could not be parsed: {error}");
                }
                NetlinkPayload::InnerMessage(m) => each(m),
                NetlinkPayload::Error(e) if e.code.is_some() => {
                    return Err(NetlinkError::Kernel(e.raw_code()));
                }
                _ => {}
            }
        }
        Ok(interrupted)
    }

    /// Dumps with `msg`, restarting from `init` while the kernel reports an interrupted dump.
    async fn dump<T>(
        &self,
        msg: &RtMsg,
        init: impl Fn() -> T,
        add: impl Fn(&mut T, RtMsg),
    ) -> Result<T, NetlinkError> {
        for _ in 0..DUMP_RETRIES {
            let mut acc = init();
            let interrupted = self
                .request(msg.clone(), NLM_F_REQUEST | NLM_F_DUMP, |m| {
                    add(&mut acc, m);
                })
                .await?;
            if !interrupted {
                return Ok(acc);
            }
            tracing::info!("dump interrupted by concurrent changes; retrying");
        }
        Err(NetlinkError::Io(format!(
            "the dump was interrupted {DUMP_RETRIES} times in a row"
        )))
    }

    /// Every route of every table of one family, converted as it streams in.
    pub async fn routes(
        &self,
        family: Family,
    ) -> color_eyre::Result<BTreeMap<(Family, u32), RouteTable>> {
        self.routes_reported(family, &|_, _| {}).await
    }

    /// Every route of every table of one family, the count told to `progress` as it grows.
    async fn routes_reported(
        &self,
        family: Family,
        progress: route_dump::Told<'_>,
    ) -> color_eyre::Result<BTreeMap<(Family, u32), RouteTable>> {
        let mut req = RouteMessage::default();
        req.header.address_family = af(family);
        let msg = RtMsg::request(RouteNetlinkMessage::GetRoute(req));
        let filled = self
            .dump(
                &msg,
                || route_dump::Filling::new(family, progress),
                |filling, m| {
                    if let RtMsg::Route(RouteNetlinkMessage::NewRoute(r), _) = m {
                        if let Some(route) = convert::route(&r) {
                            filling.add(route);
                        }
                    }
                },
            )
            .await
            .map_err(|e| e.into_report(&format!("dumping {} routes", family.name())))?;
        Ok(filled.tables)
    }

    /// Every address of every device, in the kernel's order.
    pub async fn addresses(&self) -> color_eyre::Result<Vec<crate::model::Address>> {
        let addrs = RtMsg::request(RouteNetlinkMessage::GetAddress(AddressMessage::default()));
        self.dump(&addrs, Vec::new, |v, m| {
            if let RtMsg::Route(RouteNetlinkMessage::NewAddress(a), names) = m {
                v.extend(convert::address(&a, &names));
            }
        })
        .await
        .map_err(|e| e.into_report("dumping addresses"))
    }

    /// Every nexthop object (none on kernels without them, which answer the dump with an error).
    pub async fn nexthops(&self) -> BTreeMap<u32, crate::model::Nexthop> {
        let nexthops = RtMsg::Raw {
            kind: RTM_GETNEXTHOP,
            payload: vec![0; 8],
            parse_error: None,
        };
        let list = self.dump(&nexthops, Vec::new, |v, m| {
            if let RtMsg::Raw { payload, .. } = m {
                v.extend(nexthop::parse(&payload).ok());
            }
        });
        list.await
            .unwrap_or_default()
            .into_iter()
            .map(|nh| (nh.id, nh))
            .collect()
    }

    /// Every neighbour cache entry of `family`, or of both families (`None`).
    pub async fn neighbours_of(
        &self,
        family: Option<Family>,
    ) -> color_eyre::Result<Vec<crate::model::Neighbour>> {
        let mut request = NeighbourMessage::default();
        if let Some(family) = family {
            request.header.family = af(family);
        }
        let neigh = RtMsg::request(RouteNetlinkMessage::GetNeighbour(request));
        self.dump(&neigh, Vec::new, |v, m| {
            if let RtMsg::Route(RouteNetlinkMessage::NewNeighbour(n), _) = m {
                v.extend(convert::neighbour(&n));
            }
        })
        .await
        .map_err(|e| e.into_report("dumping neighbours"))
    }

    /// Every neighbour cache entry, IPv4 and IPv6.
    pub async fn neighbours(&self) -> color_eyre::Result<Vec<crate::model::Neighbour>> {
        self.neighbours_of(None).await
    }

    /// The rules of one family.
    async fn rules(&self, family: Family) -> color_eyre::Result<Vec<Rule>> {
        let mut req = RuleMessage::default();
        req.header.family = af(family);
        self.dump(
            &RtMsg::request(RouteNetlinkMessage::GetRule(req)),
            Vec::new,
            |v, m| {
                if let RtMsg::Route(RouteNetlinkMessage::NewRule(r), names) = m {
                    v.extend(convert::rule(&r, &names));
                }
            },
        )
        .await
        .map_err(|e| match e {
            NetlinkError::Kernel(code) if code == -libc_eafnosupport() => eyre!(
                "this kernel has no policy routing for {} (CONFIG_IP_MULTIPLE_TABLES is off)",
                family.name()
            ),
            e => e.into_report("dumping rules"),
        })
    }

    /// The whole state of the namespace this connection lives in.
    pub async fn state(&self) -> color_eyre::Result<State> {
        self.gather(&[Family::V4, Family::V6], Routes::Connection, unreported())
            .await
    }

    /// The whole state, as `state`, with the routes read so far told to `progress`; the routes
    /// are read on blocking sockets (`route_dump`), which is quicker: the feed's first state.
    pub async fn state_reported(&self, progress: Progress) -> color_eyre::Result<State> {
        self.gather(&[Family::V4, Family::V6], Routes::Socket, progress)
            .await
    }

    /// What lookups of `families` read, routes dumped on a blocking socket of this thread's
    /// namespace and read from their bytes (`route_dump`): links, addresses, nexthops, sysctls
    /// and table names, and of those families only the rules, routes and neighbours (an IPv4
    /// lookup reads nothing of IPv6's, nor the reverse). With both families it is the whole
    /// state, equal to `state`'s.
    pub async fn state_of(&self, families: &[Family]) -> color_eyre::Result<State> {
        self.gather(families, Routes::Socket, unreported()).await
    }

    /// The state of `families`, their routes dumped as `routes` says, their count told to
    /// `progress` as it grows.
    async fn gather(
        &self,
        families: &[Family],
        routes: Routes,
        progress: Progress,
    ) -> color_eyre::Result<State> {
        let mut state = State::default();
        let links = RtMsg::request(RouteNetlinkMessage::GetLink(LinkMessage::default()));
        let link_list = self.dump(&links, Vec::new, |v, m| {
            if let RtMsg::Route(RouteNetlinkMessage::NewLink(l), names) = m {
                v.push(convert::link(&l, &names));
            }
        });
        for link in link_list
            .await
            .map_err(|e| e.into_report("dumping links"))?
        {
            state.links.insert(link.index, link);
        }
        // on blocking sockets, each family's routes are dumped on a thread of its own (which
        // inherits this thread's namespace) while this one reads the rest: both cores work
        let mut dumping = Vec::new();
        if routes == Routes::Socket {
            for &family in families {
                let progress = Arc::clone(&progress);
                let dump = move || route_dump(family, &*progress);
                dumping.push((family, std::thread::spawn(dump)));
            }
        }
        state.addresses = self.addresses().await?;
        for &family in families {
            state.rules.extend(self.rules(family).await?);
            if routes == Routes::Connection {
                state
                    .tables
                    .extend(self.routes_reported(family, &*progress).await?);
            }
        }
        state.neighbours = match families {
            [only] => self.neighbours_of(Some(*only)).await?,
            _ => self.neighbours().await?,
        };
        state.nexthops = self.nexthops().await;
        for (family, thread) in dumping {
            let tables = thread
                .join()
                .map_err(|_| eyre!("the {} route dump thread panicked", family.name()))??;
            state.tables.extend(tables);
        }
        state.sysctls = proc::sysctls(state.links.values().map(|l| &l.name));
        state.dev_list = proc::device_list();
        state.mc_groups = proc::multicast_groups();
        state.table_names = proc::table_names();
        if families.contains(&Family::V4) {
            // `from all lookup T` at P, whoever installed it
            let plain = |r: &Rule| {
                (!r.invert && r.selectors.is_empty() && r.action == RuleAction::Lookup)
                    .then_some((r.priority, r.table))
            };
            let defaults_only = state.rules_of(Family::V4).map(plain).eq([
                Some((priority::LOCAL_RULE, table::LOCAL)),
                Some((priority::MAIN_RULE, table::MAIN)),
                Some((priority::DEFAULT_RULE, table::DEFAULT)),
            ]);
            state.ipv4_tables_merged = proc::ipv4_tables_merged(defaults_only);
        }
        Ok(state)
    }
}

/// The routes of `family` dumped on a blocking socket of this thread's namespace.
fn route_dump(
    family: Family,
    progress: route_dump::Told<'_>,
) -> color_eyre::Result<route_dump::Tables> {
    route_dump::routes(family, progress)
        .map_err(|e| e.into_report(&format!("dumping {} routes", family.name())))
}

/// Where a state's routes are dumped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Routes {
    /// On the request connection, parsed by the crate: the feed's way, which keeps its socket
    /// read while the dump runs.
    Connection,
    /// On a blocking socket, read from the bytes: the quick way for one-shot loads.
    Socket,
}

/// `EAFNOSUPPORT`, the kernel's answer to a rule dump without policy routing.
fn libc_eafnosupport() -> i32 {
    nix::errno::Errno::EAFNOSUPPORT as i32
}

/// The netlink family of ours.
pub fn af(family: Family) -> AddressFamily {
    match family {
        Family::V4 => AddressFamily::Inet,
        Family::V6 => AddressFamily::Inet6,
    }
}

/// A request that failed: the socket, or the kernel with an errno (negative, as netlink sends it).
#[derive(Debug)]
pub enum NetlinkError {
    Io(String),
    Kernel(i32),
}

impl NetlinkError {
    /// The error as a report saying what we were doing.
    pub fn into_report(self, doing: &str) -> color_eyre::Report {
        match self {
            Self::Io(e) => eyre!("{doing}: {e}"),
            Self::Kernel(code) => eyre!("{doing}: {}", nix::errno::Errno::from_raw(-code).desc()),
        }
    }
}

/// Dumps the whole state of namespace `netns`.
pub async fn dump_state(netns: &super::Netns) -> color_eyre::Result<State> {
    super::netns::run_in(netns, || async { Requester::open()?.state().await }).await
}

/// Dumps what lookups of `families` read in namespace `netns` (see `Requester::state_of`).
pub async fn dump_state_of(netns: &super::Netns, families: &[Family]) -> color_eyre::Result<State> {
    let families = families.to_vec();
    super::netns::run_in(netns, move || async move {
        Requester::open()?.state_of(&families).await
    })
    .await
}
