//! Nexthop objects (`RTM_*NEXTHOP`), parsed by hand: netlink-packet-route 0.34 has no type for them.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use super::attributes::{Attributes, MalformedAttribute};
use crate::model::{Nexthop, NexthopGroupMember};

const NHA_ID: u16 = 1;
const NHA_GROUP: u16 = 2;
const NHA_GROUP_TYPE: u16 = 3;
const NHA_BLACKHOLE: u16 = 4;
const NHA_OIF: u16 = 5;
const NHA_GATEWAY: u16 = 6;
const NHA_FDB: u16 = 11;

/// Parses an `nhmsg` (family, scope, protocol, reserved, flags u32) and its attributes; the error
/// says what is malformed.
pub fn parse(payload: &[u8]) -> Result<Nexthop, String> {
    let header = payload
        .get(..8)
        .ok_or("nexthop message shorter than its header")?;
    let mut nh = Nexthop {
        family: header[0],
        protocol: header[2],
        flags: u32::from_ne_bytes([header[4], header[5], header[6], header[7]]),
        ..Nexthop::default()
    };
    for attribute in Attributes::new(&payload[8..]) {
        let (kind, value) = attribute.map_err(|MalformedAttribute(at)| {
            format!("nexthop attribute at byte {} overruns the message", at + 8)
        })?;
        let short = || format!("nexthop attribute {kind} is too short");
        let u32_of = |v: &[u8]| -> Result<u32, String> {
            let b = v.get(..4).ok_or_else(short)?;
            Ok(u32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
        };
        match kind {
            NHA_ID => nh.id = u32_of(value)?,
            NHA_OIF => nh.dev = Some(u32_of(value)?),
            NHA_GATEWAY => nh.gateway = ip(value),
            NHA_BLACKHOLE => nh.blackhole = true,
            NHA_FDB => nh.fdb = true,
            NHA_GROUP_TYPE => {
                let b = value.get(..2).ok_or_else(short)?;
                nh.group_type = u16::from_ne_bytes([b[0], b[1]]);
            }
            NHA_GROUP => nh.group = group(value),
            _ => {}
        }
    }
    if nh.id == 0 {
        return Err("nexthop message without NHA_ID".into());
    }
    Ok(nh)
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
    use crate::net::attributes::nla;

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
        assert!(parse(&[1, 2]).unwrap_err().contains("header"));
        assert!(parse(&[0; 8]).unwrap_err().contains("NHA_ID"));
        let mut cut = msg.clone();
        cut.truncate(cut.len() - 2);
        assert!(parse(&cut).unwrap_err().contains("overruns"));
    }
}
