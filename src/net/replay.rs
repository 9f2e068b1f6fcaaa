//! Netlink notifications read from bytes through the feed's own codec and conversion, so that
//! recorded or generated messages (the fuzz harness) reach `State::apply` as the kernel's do.

use std::collections::HashMap;

use netlink_packet_core::{NetlinkBuffer, NetlinkMessage, NetlinkPayload};

use super::codec::RtMsg;
use super::messages::{self, Handled, RTM_DELNEXTHOP, RTM_NEWNEXTHOP};
use super::nexthop;
use super::pending::Due;
use crate::model::{Change, Op};

/// The changes a buffer of netlink messages stands for, each message parsed and converted as
/// the live feed does it; reading stops at the first header that does not hold together.
pub fn changes(bytes: &[u8]) -> Vec<Change> {
    let mut out = Vec::new();
    let mut links = HashMap::new();
    let mut due = Due::default();
    let mut rest = bytes;
    while let Ok(buffer) = NetlinkBuffer::new_checked(rest) {
        // at least a header long and within `rest`, as new_checked verified
        let len = usize::try_from(buffer.length()).unwrap_or(usize::MAX);
        let Some(frame) = rest.get(..len) else { break };
        if let Ok(message) = NetlinkMessage::<RtMsg>::deserialize(frame) {
            let header_flags = message.header.flags;
            match message.payload {
                NetlinkPayload::InnerMessage(RtMsg::Route(msg, names)) => {
                    let handled =
                        messages::classify(msg, &names, header_flags, &mut links, &mut due);
                    if let Handled::Change(change) = handled {
                        out.push(change);
                    }
                }
                NetlinkPayload::InnerMessage(RtMsg::Raw { kind, payload, .. })
                    if kind == RTM_NEWNEXTHOP || kind == RTM_DELNEXTHOP =>
                {
                    let op = if kind == RTM_NEWNEXTHOP {
                        Op::New
                    } else {
                        Op::Del
                    };
                    out.extend(nexthop::parse(&payload).map(|nh| Change::Nexthop(op, nh)));
                }
                _ => {}
            }
        }
        rest = rest.get(len.next_multiple_of(4)..).unwrap_or_default();
    }
    out
}
