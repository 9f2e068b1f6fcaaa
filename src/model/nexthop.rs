//! Nexthop objects and groups (`ip nexthop`).

use std::net::IpAddr;

/// One member of a nexthop group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NexthopGroupMember {
    /// The member's nexthop id.
    pub id: u32,
    /// Its weight (1–65536).
    pub weight: u32,
}

/// One nexthop object: a device and gateway, a blackhole, or a group of other nexthops.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nexthop {
    /// The object id.
    pub id: u32,
    /// `AF_INET` / `AF_INET6` / 0 for groups.
    pub family: u8,
    /// Who installed it (`RTPROT_*`).
    pub protocol: u8,
    /// `RTNH_F_*` flags (dead, onlink, linkdown …).
    pub flags: u32,
    /// Output device.
    pub dev: Option<u32>,
    /// Gateway.
    pub gateway: Option<IpAddr>,
    /// A blackhole nexthop.
    pub blackhole: bool,
    /// Group members, empty for a plain nexthop.
    pub group: Vec<NexthopGroupMember>,
    /// Group type: 0 multipath (hash-threshold), 1 resilient.
    pub group_type: u16,
    /// An FDB nexthop (for VXLAN), never used for routing.
    pub fdb: bool,
}
