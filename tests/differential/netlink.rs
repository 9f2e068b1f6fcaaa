//! A test-only netlink writer for the rules iproute2 6.1 cannot write (DSCP and its mask, IPv6
//! flow labels, port masks): `RTM_NEWRULE` messages built from the rule's selectors.

use futures::StreamExt;
use ipnet::IpNet;
use netlink_packet_core::{
    DefaultNla, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::rule::{
    RuleAction, RuleAttribute, RuleFlags, RuleMessage, RulePortRange, RuleUidRange,
};
use netlink_packet_route::{AddressFamily, IpProtocol, RouteNetlinkMessage};
use routescope::model::{Family, PortMatch, Selector};

use super::rules::{Action, Rule};

/// `FRA_DSCP` (u8, kernel 6.13).
const FRA_DSCP: u16 = 25;
/// `FRA_FLOWLABEL` (big-endian u32, kernel 6.14).
const FRA_FLOWLABEL: u16 = 26;
/// `FRA_FLOWLABEL_MASK` (big-endian u32).
const FRA_FLOWLABEL_MASK: u16 = 27;
/// `FRA_SPORT_MASK` (u16 in host order, kernel 6.15).
const FRA_SPORT_MASK: u16 = 28;
/// `FRA_DPORT_MASK` (u16 in host order).
const FRA_DPORT_MASK: u16 = 29;
/// `FRA_DSCP_MASK` (u8, kernel 6.15).
const FRA_DSCP_MASK: u16 = 30;

/// A table name of the generator as its number.
fn table_number(name: &str) -> u32 {
    match name {
        "main" => 254,
        "local" => 255,
        "default" => 253,
        n => n.parse().unwrap_or(254),
    }
}

/// The attributes of a port selector: the range, plus the mask if there is one.
fn ports(p: PortMatch, mask_kind: u16, source: bool) -> Vec<RuleAttribute> {
    let range = RulePortRange {
        start: p.start,
        end: p.end,
    };
    let mut out = vec![if source {
        RuleAttribute::SourcePortRange(range)
    } else {
        RuleAttribute::DestinationPortRange(range)
    }];
    if let Some(mask) = p.mask {
        out.push(RuleAttribute::Other(DefaultNla::new(
            mask_kind,
            mask.to_ne_bytes().to_vec(),
        )));
    }
    out
}

/// Puts one selector into the message (header fields or attributes).
fn add_selector(m: &mut RuleMessage, s: &Selector) {
    let prefix_len = |net: &IpNet| net.prefix_len();
    let attrs = match s {
        Selector::Iif { name, .. } => vec![RuleAttribute::Iifname(
            String::from_utf8_lossy(name.as_bytes()).into(),
        )],
        Selector::Oif { name, .. } => vec![RuleAttribute::Oifname(
            String::from_utf8_lossy(name.as_bytes()).into(),
        )],
        Selector::Fwmark { mark, mask } => {
            vec![RuleAttribute::FwMark(*mark), RuleAttribute::FwMask(*mask)]
        }
        Selector::TunId(id) => vec![RuleAttribute::TunId(*id)],
        Selector::L3mdev => vec![RuleAttribute::L3MDev(true)],
        Selector::Uid { start, end } => vec![RuleAttribute::UidRange(RuleUidRange {
            start: *start,
            end: *end,
        })],
        Selector::From(net) => {
            m.header.src_len = prefix_len(net);
            vec![RuleAttribute::Source(net.addr())]
        }
        Selector::To(net) => {
            m.header.dst_len = prefix_len(net);
            vec![RuleAttribute::Destination(net.addr())]
        }
        Selector::Tos(tos) => {
            m.header.tos = *tos;
            Vec::new()
        }
        Selector::Dscp { value, mask } => vec![
            RuleAttribute::Other(DefaultNla::new(FRA_DSCP, vec![*value])),
            RuleAttribute::Other(DefaultNla::new(FRA_DSCP_MASK, vec![*mask])),
        ],
        Selector::Flowlabel { value, mask } => vec![
            RuleAttribute::Other(DefaultNla::new(FRA_FLOWLABEL, value.to_be_bytes().to_vec())),
            RuleAttribute::Other(DefaultNla::new(
                FRA_FLOWLABEL_MASK,
                mask.to_be_bytes().to_vec(),
            )),
        ],
        Selector::IpProto(p) => vec![RuleAttribute::IpProtocol(IpProtocol::from(*p))],
        Selector::Sport(p) => ports(*p, FRA_SPORT_MASK, true),
        Selector::Dport(p) => ports(*p, FRA_DPORT_MASK, false),
        Selector::Unknown { kind, value } => {
            vec![RuleAttribute::Other(DefaultNla::new(*kind, value.clone()))]
        }
    };
    m.attributes.extend(attrs);
}

/// The `RTM_NEWRULE` message of a rule.
pub fn message(rule: &Rule) -> RuleMessage {
    let mut m = RuleMessage::default();
    m.header.family = match rule.family {
        Family::V4 => AddressFamily::Inet,
        Family::V6 => AddressFamily::Inet6,
    };
    if rule.invert {
        m.header.flags = RuleFlags::Invert;
    }
    m.attributes.push(RuleAttribute::Priority(rule.priority));
    for s in &rule.selectors {
        add_selector(&mut m, s);
    }
    m.header.action = match &rule.action {
        Action::Lookup {
            table,
            suppress_prefixlength,
            suppress_ifgroup,
        } => {
            if !table.is_empty() {
                m.attributes.push(RuleAttribute::Table(table_number(table)));
            }
            if let Some(n) = suppress_prefixlength {
                m.attributes.push(RuleAttribute::SuppressPrefixLen(*n));
            }
            if let Some(g) = suppress_ifgroup {
                m.attributes.push(RuleAttribute::SuppressIfGroup(*g));
            }
            RuleAction::ToTable
        }
        Action::Goto(target) => {
            m.attributes.push(RuleAttribute::Goto(*target));
            RuleAction::Goto
        }
        Action::Nop => RuleAction::Nop,
        Action::Blackhole => RuleAction::Blackhole,
        Action::Unreachable => RuleAction::Unreachable,
        Action::Prohibit => RuleAction::Prohibit,
    };
    m
}

/// Sends the rules inside namespace `ns`, in order; returns one line per rule the kernel refused.
pub async fn add_rules(ns: &str, rules: Vec<Rule>) -> Vec<String> {
    let work = move || async move {
        let (conn, mut handle, _) = rtnetlink::new_connection()?;
        tokio::spawn(conn);
        let mut refused = Vec::new();
        for rule in rules {
            let mut req = NetlinkMessage::from(RouteNetlinkMessage::NewRule(message(&rule)));
            req.header.flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
            let mut replies = handle
                .request(req)
                .map_err(|e| color_eyre::eyre::eyre!("netlink request: {e}"))?;
            while let Some(reply) = replies.next().await {
                if let NetlinkPayload::Error(e) = reply.payload {
                    if e.code.is_some() {
                        let errno = nix::errno::Errno::from_raw(-e.raw_code());
                        refused.push(format!("{}: {errno}", rule.line()));
                    }
                }
            }
        }
        Ok(refused)
    };
    routescope::net::run_in(Some(ns), work)
        .await
        .unwrap_or_else(|e| vec![format!("netlink writer: {e}")])
}
