//! `RTM_NEWNETCONF` / `RTM_DELNETCONF`, parsed by hand: netlink-packet-route 0.34 has no type for
//! them, and the kernel sends one whenever forwarding, `rp_filter` and a few other settings change.

use super::attributes::{Attributes, MalformedAttribute};

/// `NETCONFA_IFINDEX`: the device, or one of the two pseudo-devices below.
const NETCONFA_IFINDEX: u16 = 1;
/// `NETCONFA_FORWARDING`.
const NETCONFA_FORWARDING: u16 = 2;
/// `NETCONFA_RP_FILTER`.
const NETCONFA_RP_FILTER: u16 = 3;
/// `NETCONFA_MC_FORWARDING`.
const NETCONFA_MC_FORWARDING: u16 = 4;
/// `NETCONFA_PROXY_NEIGH`.
const NETCONFA_PROXY_NEIGH: u16 = 5;
/// `NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN`.
const NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN: u16 = 6;
/// `NETCONFA_INPUT` (MPLS only).
const NETCONFA_INPUT: u16 = 7;
/// `NETCONFA_BC_FORWARDING` (IPv4, sent in dumps and on device creation, not on change).
const NETCONFA_BC_FORWARDING: u16 = 8;

/// `NETCONFA_IFINDEX_ALL`: the `all` settings.
pub const IFINDEX_ALL: i32 = -1;
/// `NETCONFA_IFINDEX_DEFAULT`: the `default` settings new devices copy.
pub const IFINDEX_DEFAULT: i32 = -2;

/// Which settings a netconf message is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Device {
    /// `net.*.conf.all`.
    All,
    /// `net.*.conf.default`.
    Default,
    /// One device, by index.
    Index(u32),
}

/// One netconf message: the family, the device and the values it carries (`None`: not sent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Netconf {
    /// `AF_INET`, `AF_INET6` or `AF_MPLS`.
    pub family: u8,
    pub device: Device,
    pub forwarding: Option<i32>,
    pub rp_filter: Option<i32>,
    pub mc_forwarding: Option<i32>,
    pub proxy_neigh: Option<i32>,
    pub ignore_routes_with_linkdown: Option<i32>,
    pub input: Option<i32>,
    pub bc_forwarding: Option<i32>,
}

/// Parses a `netconfmsg` (one family byte, padded to 4) and its `NETCONFA_*` attributes.
pub fn parse(payload: &[u8]) -> Result<Netconf, String> {
    let family = *payload.first().ok_or("netconf message without a header")?;
    let mut device = None;
    let mut conf = Netconf {
        family,
        device: Device::All,
        forwarding: None,
        rp_filter: None,
        mc_forwarding: None,
        proxy_neigh: None,
        ignore_routes_with_linkdown: None,
        input: None,
        bc_forwarding: None,
    };
    for attribute in Attributes::new(payload.get(4..).unwrap_or_default()) {
        let (kind, value) = attribute.map_err(|MalformedAttribute(at)| {
            format!("netconf attribute at byte {} overruns the message", at + 4)
        })?;
        let number = || -> Result<i32, String> {
            let bytes: [u8; 4] = value.try_into().map_err(|_| {
                format!("netconf attribute {kind} has {} bytes, not 4", value.len())
            })?;
            Ok(i32::from_ne_bytes(bytes))
        };
        let slot = match kind {
            NETCONFA_IFINDEX => {
                device = Some(match number()? {
                    IFINDEX_ALL => Device::All,
                    IFINDEX_DEFAULT => Device::Default,
                    n => {
                        Device::Index(u32::try_from(n).map_err(|_| format!("netconf ifindex {n}"))?)
                    }
                });
                continue;
            }
            NETCONFA_FORWARDING => &mut conf.forwarding,
            NETCONFA_RP_FILTER => &mut conf.rp_filter,
            NETCONFA_MC_FORWARDING => &mut conf.mc_forwarding,
            NETCONFA_PROXY_NEIGH => &mut conf.proxy_neigh,
            NETCONFA_IGNORE_ROUTES_WITH_LINKDOWN => &mut conf.ignore_routes_with_linkdown,
            NETCONFA_INPUT => &mut conf.input,
            NETCONFA_BC_FORWARDING => &mut conf.bc_forwarding,
            // a setting newer than this list: the sysctl re-read picks up what matters
            _ => continue,
        };
        *slot = Some(number()?);
    }
    conf.device = device.ok_or("netconf message without NETCONFA_IFINDEX")?;
    Ok(conf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A netconf message as the kernel builds it: family, padding, then 8-byte `s32` attributes.
    fn message(family: u8, attributes: &[(u16, i32)]) -> Vec<u8> {
        let mut out = vec![family, 0, 0, 0];
        for (kind, value) in attributes {
            out.extend(8_u16.to_ne_bytes());
            out.extend(kind.to_ne_bytes());
            out.extend(value.to_ne_bytes());
        }
        out
    }

    #[test]
    fn a_device_change_names_the_device_and_the_value() {
        let conf = parse(&message(2, &[(1, 7), (3, 2)])).unwrap();
        assert_eq!(conf.family, 2);
        assert_eq!(conf.device, Device::Index(7));
        assert_eq!(conf.rp_filter, Some(2));
        assert_eq!(conf.forwarding, None);
        let all = parse(&message(10, &[(1, -1), (2, 1), (9, 5)])).unwrap();
        assert_eq!((all.device, all.forwarding), (Device::All, Some(1)));
        let default = parse(&message(2, &[(1, -2), (8, 1)])).unwrap();
        assert_eq!(
            (default.device, default.bc_forwarding),
            (Device::Default, Some(1))
        );
    }

    #[test]
    fn malformed_messages_say_what_is_wrong() {
        assert!(parse(&[]).unwrap_err().contains("header"));
        assert!(
            parse(&message(2, &[(3, 1)]))
                .unwrap_err()
                .contains("IFINDEX")
        );
        let mut short = message(2, &[(1, 3)]);
        short.truncate(10);
        assert!(parse(&short).unwrap_err().contains("overruns"));
        let mut odd = vec![2, 0, 0, 0];
        odd.extend(6_u16.to_ne_bytes());
        odd.extend(1_u16.to_ne_bytes());
        odd.extend([1, 0]);
        assert!(parse(&odd).unwrap_err().contains("2 bytes"));
        assert!(parse(&message(2, &[(1, -7)])).unwrap_err().contains("-7"));
    }
}
