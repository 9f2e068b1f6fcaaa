//! Nexthop objects (`RTM_*NEXTHOP`), parsed by hand: netlink-packet-route 0.34 has no type for them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use crate::model::{Nexthop, NexthopGroupMember};

const NHA_ID: u16 = 1;
const NHA_GROUP: u16 = 2;
const NHA_GROUP_TYPE: u16 = 3;
const NHA_BLACKHOLE: u16 = 4;
const NHA_OIF: u16 = 5;
const NHA_GATEWAY: u16 = 6;
const NHA_FDB: u16 = 11;

/// Parses an `nhmsg` (family, scope, protocol, reserved, flags u32) and its attributes.
pub fn parse(payload: &[u8]) -> Option<Nexthop> {
    let header = payload.get(..8)?;
    let mut nh = Nexthop {
        family: header[0],
        protocol: header[2],
        flags: u32::from_ne_bytes(header[4..8].try_into().ok()?),
        ..Nexthop::default()
    };
    let mut rest = &payload[8..];
    while rest.len() >= 4 {
        let len = usize::from(u16::from_ne_bytes([rest[0], rest[1]]));
        let kind = u16::from_ne_bytes([rest[2], rest[3]]) & 0x3fff;
        if len < 4 || len > rest.len() {
            break;
        }
        let value = &rest[4..len];
        match kind {
            NHA_ID => nh.id = u32::from_ne_bytes(value.get(..4)?.try_into().ok()?),
            NHA_OIF => nh.dev = Some(u32::from_ne_bytes(value.get(..4)?.try_into().ok()?)),
            NHA_GATEWAY => nh.gateway = ip(value),
            NHA_BLACKHOLE => nh.blackhole = true,
            NHA_FDB => nh.fdb = true,
            NHA_GROUP_TYPE => nh.group_type = u16::from_ne_bytes(value.get(..2)?.try_into().ok()?),
            NHA_GROUP => nh.group = group(value),
            _ => {}
        }
        rest = &rest[len.next_multiple_of(4).min(rest.len())..];
    }
    (nh.id != 0).then_some(nh)
}

/// An address of 4 or 16 bytes.
fn ip(value: &[u8]) -> Option<IpAddr> {
    match value.len() {
        4 => Some(IpAddr::V4(Ipv4Addr::from(<[u8; 4]>::try_from(value).ok()?))),
        16 => Some(IpAddr::V6(Ipv6Addr::from(
            <[u8; 16]>::try_from(value).ok()?,
        ))),
        _ => None,
    }
}

/// `struct nexthop_grp { u32 id; u8 weight; u8 weight_high; u16 resvd2; }`, weight stored − 1.
fn group(value: &[u8]) -> Vec<NexthopGroupMember> {
    value
        .chunks_exact(8)
        .map(|m| NexthopGroupMember {
            id: u32::from_ne_bytes([m[0], m[1], m[2], m[3]]),
            weight: (u32::from(m[5]) << 8 | u32::from(m[4])) + 1,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
        let len = u16::try_from(4 + value.len()).unwrap();
        let mut out = [len.to_ne_bytes(), kind.to_ne_bytes()].concat();
        out.extend_from_slice(value);
        out.resize(out.len().next_multiple_of(4), 0);
        out
    }

    #[test]
    fn parses_a_gateway_nexthop_and_a_group() {
        let mut msg = vec![2, 0, 4, 0, 0, 0, 0, 0];
        msg.extend(nla(NHA_ID, &5u32.to_ne_bytes()));
        msg.extend(nla(NHA_GATEWAY, &[10, 1, 0, 254]));
        msg.extend(nla(NHA_OIF, &3u32.to_ne_bytes()));
        let nh = parse(&msg).unwrap();
        assert_eq!(
            (nh.id, nh.dev, nh.gateway),
            (5, Some(3), Some("10.1.0.254".parse().unwrap()))
        );
        assert_eq!(nh.protocol, 4);

        let mut grp = vec![0, 0, 0, 0, 0, 0, 0, 0];
        grp.extend(nla(NHA_ID, &9u32.to_ne_bytes()));
        let members: Vec<u8> = [
            [5u32.to_ne_bytes(), [0, 0, 0, 0]].concat(),
            [6u32.to_ne_bytes(), [2, 0, 0, 0]].concat(),
        ]
        .concat();
        grp.extend(nla(NHA_GROUP, &members));
        let g = parse(&grp).unwrap();
        assert_eq!(
            g.group,
            [
                NexthopGroupMember { id: 5, weight: 1 },
                NexthopGroupMember { id: 6, weight: 3 }
            ]
        );
        assert!(parse(&[1, 2]).is_none());
    }
}
