//! Nexthop objects and groups (`ip nexthop`).

use std::collections::BTreeMap;
use std::net::IpAddr;

use super::{Family, State};

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

impl Nexthop {
    /// The object's family (`AF_INET6` is 10); `None` for a group, which has none of its own.
    pub fn family(&self) -> Option<Family> {
        match self.family {
            2 => Some(Family::V4),
            10 => Some(Family::V6),
            _ => None,
        }
    }
}

/// What uses one nexthop object: the routes that name it by `nhid` and the groups that list it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NexthopUsers {
    /// How many routes name it.
    pub routes: usize,
    /// The first few of those routes, each by its table (family and id) and position there.
    pub first_routes: Vec<((Family, u32), usize)>,
    /// The groups that list it as a member, by id.
    pub groups: Vec<u32>,
}

/// How many routes of each nexthop object `NexthopUsers::first_routes` keeps.
pub const FIRST_USERS: usize = 3;

/// What uses each nexthop object of `state`, in one pass over the routes (objects nothing uses
/// are left out).
pub fn nexthop_users(state: &State) -> BTreeMap<u32, NexthopUsers> {
    let mut users: BTreeMap<u32, NexthopUsers> = BTreeMap::new();
    if state.nexthops.is_empty() {
        return users;
    }
    for (key, table) in &state.tables {
        for (at, route) in table.iter().enumerate().filter(|(_, r)| r.nhid != 0) {
            let entry = users.entry(route.nhid).or_default();
            entry.routes += 1;
            if entry.first_routes.len() < FIRST_USERS {
                entry.first_routes.push((*key, at));
            }
        }
    }
    for group in state.nexthops.values() {
        for member in &group.group {
            let groups = &mut users.entry(member.id).or_default().groups;
            if !groups.contains(&group.id) {
                groups.push(group.id);
            }
        }
    }
    users
}
