//! The kernel's own answer to a route lookup (`ip route get`), for checking our explanation.

use std::net::IpAddr;
use std::time::Duration;

use color_eyre::eyre::eyre;
use netlink_packet_core::NLM_F_REQUEST;
use netlink_packet_route::RouteNetlinkMessage;
use netlink_packet_route::route::{
    RouteAddress, RouteAttribute, RouteFlags as NlRouteFlags, RouteMessage, RouteVia,
};

use super::codec::RtMsg;
use super::dump::{NetlinkError, Requester, af};
use super::fib_event::{Asked, KernelTrace};
use super::trace::Tracer;
use crate::lookup::Query;
use crate::model::{Answer, Errno, Family, Outcome, RouteKind, State};

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

/// The kernel's answer: the same type as routescope's verdict answer, so they compare as data.
pub type KernelAnswer = Answer;

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

/// The kernel's answer and the tables its lookup consulted, or why they were not recorded.
#[derive(Debug, Clone)]
pub struct Traced {
    pub answer: KernelAnswer,
    pub trace: Result<KernelTrace, String>,
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
            RtMsg::request(RouteNetlinkMessage::GetRoute(msg)),
            NLM_F_REQUEST,
            |m| {
                if let RtMsg::Route(RouteNetlinkMessage::NewRoute(r), _) = m {
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
            Ok(Err(NetlinkError::Kernel(code))) => Answer::error(Errno::from_code(-code)),
            Ok(Err(err)) => return Err(err.into_report("asking the kernel")),
            Ok(Ok(_)) => {
                let reply = reply
                    .ok_or_else(|| eyre!("the kernel answered the route lookup with nothing"))?;
                answer_from_reply(&reply, q.from)
            }
        };
        Ok(answer)
    }
}

impl Requester {
    /// Asks the kernel while `tracer` (started on this thread) records the tables it looks up.
    pub async fn route_get_traced(
        &self,
        q: &RouteGetRequest,
        tracer: Result<&Tracer, &str>,
    ) -> color_eyre::Result<Traced> {
        // whatever an earlier, interrupted request left in the buffer is not this one's
        let drained = tracer.map_err(str::to_owned).and_then(Tracer::take);
        let answer = self.route_get(q).await?;
        let trace = drained.and_then(|_| {
            let asked = Asked {
                dst: q.dst.ok_or("route get needs a destination")?,
                src: q.from,
                iif: q.iif,
            };
            let events = tracer.map_err(str::to_owned)?.take()?;
            Ok(KernelTrace::new(events, &asked, &answer))
        });
        Ok(Traced { answer, trace })
    }
}

/// Reads a successful reply into an answer.
fn answer_from_reply(r: &RouteMessage, from: Option<IpAddr>) -> Answer {
    let addr = |a: &RouteAddress| match a {
        RouteAddress::Inet(a) => Some(IpAddr::V4(*a)),
        RouteAddress::Inet6(a) => Some(IpAddr::V6(*a)),
        _ => None,
    };
    let mut answer = Answer::of(Outcome::Route(RouteKind::from_number(u8::from(
        r.header.kind,
    ))));
    answer.table = Some(u32::from(r.header.table));
    for attr in &r.attributes {
        match attr {
            RouteAttribute::Table(t) => answer.table = Some(*t),
            RouteAttribute::Oif(i) => answer.dev = Some(*i),
            RouteAttribute::Gateway(g) => answer.gateway = addr(g),
            // an IPv4 route through an IPv6 gateway answers with RTA_VIA
            RouteAttribute::Via(RouteVia::Inet6(g)) => answer.gateway = Some(IpAddr::V6(*g)),
            RouteAttribute::Via(RouteVia::Inet(g)) => answer.gateway = Some(IpAddr::V4(*g)),
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

/// An address as a route attribute value.
fn route_address(ip: IpAddr) -> RouteAddress {
    match ip {
        IpAddr::V4(a) => RouteAddress::Inet(a),
        IpAddr::V6(a) => RouteAddress::Inet6(a),
    }
}

/// Asks the kernel of namespace `netns` once.
pub async fn route_get(
    netns: &super::Netns,
    request: RouteGetRequest,
) -> color_eyre::Result<KernelAnswer> {
    super::netns::run_in(netns, move || async move {
        Requester::open()?.route_get(&request).await
    })
    .await
}

/// Asks the kernel of namespace `netns` once, recording its fib lookups when tracing works;
/// the trace instance is gone when this returns.
pub async fn route_get_traced(
    netns: &super::Netns,
    request: RouteGetRequest,
) -> color_eyre::Result<Traced> {
    super::netns::run_in(netns, move || async move {
        let tracer = Tracer::start();
        Requester::open()?
            .route_get_traced(&request, tracer.as_ref().map_err(String::as_str))
            .await
    })
    .await
}
