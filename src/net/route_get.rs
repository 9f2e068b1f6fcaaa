//! The kernel's own answer to a route lookup (`ip route get`), for checking our explanation.

use std::net::IpAddr;
use std::time::Duration;

use color_eyre::eyre::eyre;
use netlink_packet_core::NLM_F_REQUEST;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags as NlRouteFlags, RouteMessage,
};

use super::codec::RtMsg;
use super::dump::{NetlinkError, Requester, af};
use crate::lookup::Query;
use crate::model::{Family, RouteKind, State};

/// What to ask: the selectors of `ip route get`, devices already resolved to indexes.
#[derive(Debug, Clone, Default)]
pub struct RouteGetRequest {
    pub dst: Option<IpAddr>,
    pub from: Option<IpAddr>,
    pub iif: Option<u32>,
    pub oif: Option<u32>,
    pub mark: Option<u32>,
    pub uid: Option<u32>,
    pub ipproto: Option<u8>,
    pub sport: Option<u16>,
    pub dport: Option<u16>,
    pub tos: u8,
}

/// The kernel's answer, in our terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KernelAnswer {
    /// The route type, when the lookup succeeded.
    pub kind: Option<RouteKind>,
    /// The errno name (`ENETUNREACH` …), when it failed.
    pub error: Option<String>,
    /// The table the kernel used (`RTM_F_LOOKUP_TABLE`).
    pub table: Option<u32>,
    /// Output device index.
    pub dev: Option<u32>,
    /// Gateway.
    pub gateway: Option<IpAddr>,
    /// The source the packet would carry (the reply's prefsrc, or the given `from`).
    pub src: Option<IpAddr>,
}

impl RouteGetRequest {
    /// The kernel request for a query, with the same defaults our flow uses (uid 0 unless given).
    pub fn for_query(state: &State, query: &Query) -> Self {
        let index = |name: &Option<String>| {
            name.as_deref()
                .and_then(|n| state.link_by_name(n))
                .map(|l| l.index)
        };
        Self {
            dst: query.dst,
            from: query.from,
            iif: index(&query.iif),
            oif: index(&query.oif),
            mark: query.mark,
            uid: Some(query.uid.unwrap_or(0)),
            ipproto: query.ipproto,
            sport: query.sport,
            dport: query.dport,
            tos: query.tos.unwrap_or(0),
        }
    }
}

/// How long to wait for the kernel before giving up.
const TIMEOUT: Duration = Duration::from_secs(2);

impl Requester {
    /// Asks the kernel, with `RTM_F_LOOKUP_TABLE` so it reports the table it really used.
    pub async fn route_get(&self, q: &RouteGetRequest) -> color_eyre::Result<KernelAnswer> {
        let dst = q
            .dst
            .ok_or_else(|| eyre!("route get needs a destination"))?;
        let family = Family::of(dst);
        let host = family.max_prefix_len();
        let mut msg = RouteMessage::default();
        msg.header.address_family = af(family);
        msg.header.destination_prefix_length = host;
        msg.header.tos = q.tos;
        msg.header.flags = NlRouteFlags::LookupTable;
        msg.attributes
            .push(RouteAttribute::Destination(route_address(dst)));
        if let Some(src) = q.from {
            msg.header.source_prefix_length = host;
            msg.attributes
                .push(RouteAttribute::Source(route_address(src)));
        }
        let optional = [
            q.iif.map(RouteAttribute::Iif),
            q.oif.map(RouteAttribute::Oif),
            q.mark.map(RouteAttribute::Mark),
            q.uid.map(RouteAttribute::Uid),
            q.ipproto.map(RouteAttribute::IpProto),
            q.sport.map(RouteAttribute::Sport),
            q.dport.map(RouteAttribute::Dport),
        ];
        msg.attributes.extend(optional.into_iter().flatten());
        let mut reply = None;
        let request = self.request(
            RtMsg::Route(RouteNetlinkMessage::GetRoute(msg)),
            NLM_F_REQUEST,
            |m| {
                if let RtMsg::Route(RouteNetlinkMessage::NewRoute(r)) = m {
                    reply = Some(r);
                }
            },
        );
        let answer = match tokio::time::timeout(TIMEOUT, request).await {
            Err(_) => {
                return Err(eyre!(
                    "the kernel did not answer the route lookup within {TIMEOUT:?}"
                ));
            }
            Ok(Err(NetlinkError::Kernel(code))) => KernelAnswer::error(code),
            Ok(Err(err)) => return Err(err.into_report("asking the kernel")),
            Ok(Ok(_)) => {
                let reply = reply
                    .ok_or_else(|| eyre!("the kernel answered the route lookup with nothing"))?;
                KernelAnswer::from_reply(&reply, q.from)
            }
        };
        Ok(answer)
    }
}

impl KernelAnswer {
    /// An answer that is an error (netlink's negative errno).
    fn error(code: i32) -> Self {
        Self {
            kind: None,
            error: Some(errno_name(-code)),
            table: None,
            dev: None,
            gateway: None,
            src: None,
        }
    }

    /// Reads a successful reply.
    fn from_reply(r: &RouteMessage, from: Option<IpAddr>) -> Self {
        let addr = |a: &RouteAddress| match a {
            RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
            RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
            _ => None,
        };
        let mut answer = Self {
            kind: Some(RouteKind::from_number(u8::from(r.header.kind))),
            error: None,
            table: Some(u32::from(r.header.table)),
            dev: None,
            gateway: None,
            src: None,
        };
        for attr in &r.attributes {
            match attr {
                RouteAttribute::Table(t) => answer.table = Some(*t),
                RouteAttribute::Oif(i) => answer.dev = Some(*i),
                RouteAttribute::Gateway(g) => answer.gateway = addr(g),
                RouteAttribute::PrefSource(p) => answer.src = addr(p),
                _ => {}
            }
        }
        // an IPv6 reply's prefsrc is the source the kernel would pick, even when one was given
        if r.header.address_family == netlink_packet_route::AddressFamily::Inet6 && from.is_some() {
            answer.src = from;
        }
        answer.src = answer.src.or(from);
        answer
    }
}

/// The errno name the contract uses (`ENETUNREACH` …), or `E<number>`.
pub fn errno_name(code: i32) -> String {
    use nix::errno::Errno;
    let name = match Errno::from_raw(code) {
        Errno::ENETUNREACH => "ENETUNREACH",
        Errno::EHOSTUNREACH => "EHOSTUNREACH",
        Errno::EACCES => "EACCES",
        Errno::EINVAL => "EINVAL",
        Errno::ENODEV => "ENODEV",
        Errno::EPERM => "EPERM",
        Errno::EAGAIN => "EAGAIN",
        Errno::EXDEV => "EXDEV",
        Errno::ENOBUFS => "ENOBUFS",
        Errno::ENETDOWN => "ENETDOWN",
        Errno::EOPNOTSUPP => "EOPNOTSUPP",
        _ => return format!("E{code}"),
    };
    name.to_owned()
}

/// An address as a route attribute value.
fn route_address(ip: IpAddr) -> RouteAddress {
    match ip {
        IpAddr::V4(a) => RouteAddress::Inet(a),
        IpAddr::V6(a) => RouteAddress::Inet6(a),
    }
}

/// Asks the kernel of namespace `netns` once.
pub async fn route_get(
    netns: Option<&str>,
    request: RouteGetRequest,
) -> color_eyre::Result<KernelAnswer> {
    super::netns::run_in(netns, move || async move {
        Requester::open()?.route_get(&request).await
    })
    .await
}
