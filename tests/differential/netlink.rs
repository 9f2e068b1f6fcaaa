//! A test-only netlink writer for the rules iproute2 6.1 cannot write (DSCP and its mask, IPv6
//! flow labels, port masks): `RTM_NEWRULE` messages built from the rule's selectors (each encoded
//! by `routescope::net::convert::put_selector`, next to its decoding).

use futures::StreamExt;
use netlink_packet_core::{
    NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL, NLM_F_REQUEST, NetlinkMessage, NetlinkPayload,
};
use netlink_packet_route::rule::{RuleAction, RuleAttribute, RuleFlags, RuleMessage};
use netlink_packet_route::{AddressFamily, RouteNetlinkMessage};
use routescope::model::Family;

use super::rules::{Action, Rule};

/// A table name of the generator as its number.
fn table_number(name: &str) -> u32 {
    match name {
        "main" => 254,
        "local" => 255,
        "default" => 253,
        n => n.parse().unwrap_or(254),
    }
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
        routescope::net::convert::put_selector(&mut m, s);
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
    let netns = routescope::net::Target::Named(ns.to_owned())
        .open()
        .expect("the namespace opens");
    routescope::net::run_in(&netns, work)
        .await
        .unwrap_or_else(|e| vec![format!("netlink writer: {e}")])
}
