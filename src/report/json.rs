//! The `dump --json` contract (`docs/cli-contract.md`): state to JSON and back, for `--snapshot`.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

pub use super::json_route::route_json;
use super::names::protocol_name;
use crate::model::{
    Address, DeviceSysctls, Family, Link, LinkName, Neighbour, Nexthop, Rule, Selector, State,
};

/// The version of the JSON layout; bumped when a field is renamed or removed, or may be left out
/// where it was always written (2: the compact form, which leaves out absent and default values).
pub const VERSION: u32 = 2;

/// A link as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonLink {
    pub index: u32,
    /// A plain string, or `hex:…` for a name that is not UTF-8 (as every device name below).
    pub name: LinkName,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    pub operstate: String,
    pub mtu: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master: Option<LinkName>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub group: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vrf_table: Option<u32>,
}

/// An address as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonAddress {
    pub family: Family,
    pub dev: LinkName,
    pub local: IpAddr,
    pub prefixlen: u8,
    pub scope: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<LinkName>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secondary: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broadcast: Option<Ipv4Addr>,
    #[serde(default = "forever", skip_serializing_if = "is_forever")]
    pub valid_life_time: u32,
    #[serde(default = "forever", skip_serializing_if = "is_forever")]
    pub preferred_life_time: u32,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub metric: u32,
}

/// A rule as JSON; only the selectors the rule has are written.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonRule {
    pub family: Family,
    pub priority: u32,
    pub action: String,
    pub table: u32,
    pub table_name: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub not: bool,
    /// Each selector's own fields (`from`, `fwmark`, `dport` …), written by `Selector::json_fields`.
    #[serde(flatten)]
    pub selectors: serde_json::Map<String, serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub goto: Option<u32>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unresolved: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress_prefixlength: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub suppress_ifgroup: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realms: Option<u32>,
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub protocol: u8,
    /// Rule header flags routescope does not model, as sent (`FIB_RULE_FIND_SADDR` …).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u32,
}

/// Whether a number is zero (to leave it out of the JSON).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes fields by reference
fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// Whether a byte is zero (to leave it out of the JSON).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes fields by reference
fn is_zero_u8(n: &u8) -> bool {
    *n == 0
}

/// Whether a small number is zero (to leave it out of the JSON).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes fields by reference
fn is_zero_u16(n: &u16) -> bool {
    *n == 0
}

/// Whether a lifetime is forever (to leave it out of the JSON).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes fields by reference
fn is_forever(n: &u32) -> bool {
    *n == u32::MAX
}

/// One nexthop of a multipath route as read from JSON (v2 leaves out what v1 wrote as null,
/// `[]` or weight 1).
#[derive(Debug, Deserialize)]
pub struct JsonNextHop {
    #[serde(default)]
    pub dev: Option<LinkName>,
    #[serde(default)]
    pub gateway: Option<IpAddr>,
    #[serde(default = "one")]
    pub weight: u16,
    #[serde(default)]
    pub flags: Vec<String>,
}

/// A route as read from JSON, v1 (every field) or v2 (compact: `None` is a field left out, whose
/// default `snapshot::route` supplies); written by `json_route::RouteJson`.
#[derive(Debug, Deserialize)]
pub struct JsonRoute {
    #[serde(default)]
    pub table: Option<u32>,
    #[serde(default)]
    pub table_name: Option<String>,
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    pub dst: IpNet,
    #[serde(default)]
    pub dev: Option<LinkName>,
    #[serde(default)]
    pub gateway: Option<IpAddr>,
    #[serde(default)]
    pub src: Option<IpAddr>,
    #[serde(default)]
    pub metric: Option<u32>,
    #[serde(default)]
    pub protocol: Option<String>,
    #[serde(default)]
    pub scope: Option<String>,
    #[serde(default)]
    pub tos: u8,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub nexthops: Option<Vec<JsonNextHop>>,
    #[serde(default)]
    pub nhid: Option<u32>,
    /// The weight of a single nexthop, written only when it is not 1 (the kernel reports 1).
    #[serde(default = "one")]
    pub weight: u16,
    #[serde(default)]
    pub from: Option<IpNet>,
    #[serde(default)]
    pub pref: Option<u8>,
    #[serde(default)]
    pub expires: Option<u32>,
    #[serde(default)]
    pub realm: Option<u32>,
    /// Route attributes routescope does not evaluate, by `RTA_*` number.
    #[serde(default)]
    pub unmodelled: Vec<u16>,
}

/// A neighbour entry as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonNeighbour {
    pub dev: LinkName,
    pub dst: IpAddr,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lladdr: Option<String>,
    pub state: Vec<String>,
    #[serde(default, skip_serializing_if = "is_zero_u8")]
    pub flags: u8,
}

/// A nexthop object as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonNexthop {
    pub id: u32,
    pub family: u8,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dev: Option<LinkName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub blackhole: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub group: Vec<JsonGroupMember>,
    #[serde(default, skip_serializing_if = "is_zero_u16")]
    pub group_type: u16,
    pub protocol: String,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub flags: u32,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub fdb: bool,
}

/// A member of a nexthop group as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonGroupMember {
    pub id: u32,
    pub weight: u32,
}

/// The whole state as JSON, for reading a snapshot back.
#[derive(Debug, Deserialize)]
pub struct JsonState {
    pub version: u32,
    pub links: Vec<JsonLink>,
    pub addresses: Vec<JsonAddress>,
    pub rules: Vec<JsonRule>,
    pub routes: Vec<JsonRoute>,
    #[serde(default)]
    pub neighbours: Vec<JsonNeighbour>,
    #[serde(default)]
    pub nexthops: Vec<JsonNexthop>,
    #[serde(default)]
    pub sysctls: BTreeMap<LinkName, DeviceSysctls>,
    #[serde(default)]
    pub table_names: BTreeMap<u32, String>,
    #[serde(default)]
    pub ipv4_tables_merged: Option<bool>,
    /// The kernel's device list order by name (source selection walks it), when known.
    #[serde(default)]
    pub device_order: Vec<LinkName>,
    /// Joined multicast groups: `{"dev", "group"}`.
    #[serde(default)]
    pub multicast_groups: Vec<JsonGroup>,
}

/// One multicast membership as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonGroup {
    pub dev: LinkName,
    pub group: IpAddr,
}

/// The weight a nexthop has when none is written.
fn one() -> u16 {
    1
}

/// The lifetime an address has when none is written.
fn forever() -> u32 {
    u32::MAX
}

/// The state in its JSON form and its writer (`json_write`: routes on two threads).
pub use super::json_write::{StateJson, write_state};

/// The name of a device for JSON (`None` for index 0).
fn dev_name(state: &State, index: u32) -> Option<LinkName> {
    (index != 0).then(|| state.link_name_bytes(index))
}

pub fn link_json(state: &State, link: &Link) -> JsonLink {
    JsonLink {
        index: link.index,
        name: link.name.clone(),
        kind: link.kind.clone(),
        flags: link.flags.names().into_iter().map(str::to_owned).collect(),
        operstate: link.operstate.name().to_owned(),
        mtu: link.mtu,
        address: link.mac_text(),
        master: link.master.map(|m| state.link_name_bytes(m)),
        group: link.group,
        vrf_table: link.vrf_table,
    }
}

pub fn address_json(state: &State, a: &Address) -> JsonAddress {
    JsonAddress {
        family: a.family(),
        dev: state.link_name_bytes(a.index),
        local: a.local,
        prefixlen: a.prefix_len,
        scope: a.scope.name(),
        label: a.label.clone(),
        secondary: a.is_secondary(),
        flags: a.flags.names().into_iter().map(str::to_owned).collect(),
        peer: a.peer,
        broadcast: a.broadcast,
        valid_life_time: a.valid_lft,
        preferred_life_time: a.preferred_lft,
        metric: a.metric,
    }
}

pub fn rule_json(state: &State, r: &Rule) -> JsonRule {
    JsonRule {
        family: r.family,
        priority: r.priority,
        action: r.action.name(),
        table: r.table,
        table_name: state.table_names.name(r.table),
        not: r.invert,
        selectors: r.selectors.iter().flat_map(Selector::json_fields).collect(),
        goto: r.goto,
        unresolved: r.unresolved,
        suppress_prefixlength: r.suppress_prefixlength,
        suppress_ifgroup: r.suppress_ifgroup,
        realms: r.realms,
        protocol: r.protocol,
        flags: r.flags,
    }
}

pub fn neighbour_json(state: &State, n: &Neighbour) -> JsonNeighbour {
    JsonNeighbour {
        dev: state.link_name_bytes(n.index),
        dst: n.dst,
        lladdr: n.lladdr.as_deref().map(crate::model::hex_colon),
        state: n.state.names().into_iter().map(str::to_owned).collect(),
        flags: n.flags,
    }
}

pub fn nexthop_json(state: &State, n: &Nexthop) -> JsonNexthop {
    JsonNexthop {
        id: n.id,
        family: n.family,
        dev: n.dev.and_then(|d| dev_name(state, d)),
        gateway: n.gateway,
        blackhole: n.blackhole,
        group: n
            .group
            .iter()
            .map(|m| JsonGroupMember {
                id: m.id,
                weight: m.weight,
            })
            .collect(),
        group_type: n.group_type,
        protocol: protocol_name(n.protocol),
        flags: n.flags,
        fdb: n.fdb,
    }
}
