//! The `dump --json` contract (`docs/cli-contract.md`): state to JSON and back, for `--snapshot`.

use std::collections::BTreeMap;
use std::io::Write;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

use super::names::protocol_name;
use crate::model::{
    Address, DeviceSysctls, Family, Hop, Link, LinkName, Neighbour, Nexthop, Route, RouteFlags,
    Rule, Selector, State,
};

/// The version of the JSON layout; bumped only when a field is renamed or removed.
pub const VERSION: u32 = 1;

/// A link as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonLink {
    pub index: u32,
    /// A plain string, or `hex:…` for a name that is not UTF-8 (as every device name below).
    pub name: LinkName,
    pub kind: Option<String>,
    pub flags: Vec<String>,
    pub operstate: String,
    pub mtu: u32,
    pub address: Option<String>,
    pub master: Option<LinkName>,
    #[serde(default)]
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
    pub label: Option<LinkName>,
    pub secondary: bool,
    pub flags: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub broadcast: Option<Ipv4Addr>,
    #[serde(default = "forever")]
    pub valid_life_time: u32,
    #[serde(default = "forever")]
    pub preferred_life_time: u32,
    #[serde(default)]
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
    #[serde(default)]
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

/// One nexthop of a multipath route as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonNextHop {
    pub dev: Option<LinkName>,
    pub gateway: Option<IpAddr>,
    pub weight: u16,
    pub flags: Vec<String>,
}

/// A route as JSON: `dst` is always a prefix, `table` the real id.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonRoute {
    pub family: Family,
    pub table: u32,
    pub table_name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub dst: IpNet,
    pub dev: Option<LinkName>,
    pub gateway: Option<IpAddr>,
    pub src: Option<IpAddr>,
    pub metric: u32,
    pub protocol: String,
    pub scope: String,
    pub tos: u8,
    pub flags: Vec<String>,
    pub nexthops: Option<Vec<JsonNextHop>>,
    pub nhid: Option<u32>,
    /// The weight of a single nexthop, written only when it is not 1 (the kernel reports 1).
    #[serde(default = "one", skip_serializing_if = "is_one")]
    pub weight: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<IpNet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pref: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub realm: Option<u32>,
    /// Route attributes routescope does not evaluate, by `RTA_*` number.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unmodelled: Vec<u16>,
}

/// A neighbour entry as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonNeighbour {
    pub dev: LinkName,
    pub dst: IpAddr,
    pub lladdr: Option<String>,
    pub state: Vec<String>,
    #[serde(default)]
    pub flags: u8,
}

/// A nexthop object as JSON.
#[derive(Debug, Serialize, Deserialize)]
pub struct JsonNexthop {
    pub id: u32,
    pub family: u8,
    pub dev: Option<LinkName>,
    pub gateway: Option<IpAddr>,
    pub blackhole: bool,
    pub group: Vec<JsonGroupMember>,
    pub group_type: u16,
    pub protocol: String,
    pub flags: u32,
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

fn one() -> u16 {
    1
}

/// Whether a weight is the usual 1 (to leave it out of the JSON).
#[allow(clippy::trivially_copy_pass_by_ref)] // serde passes fields by reference
fn is_one(n: &u16) -> bool {
    *n == 1
}

fn forever() -> u32 {
    u32::MAX
}

/// The state in its JSON form, serialized as it streams (a million routes are never copied).
pub struct StateJson<'a>(pub &'a State);

impl Serialize for StateJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let state = self.0;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("version", &VERSION)?;
        map.serialize_entry(
            "links",
            &Seq(|| state.links.values().map(|l| link_json(state, l))),
        )?;
        map.serialize_entry(
            "addresses",
            &Seq(|| state.addresses.iter().map(|a| address_json(state, a))),
        )?;
        map.serialize_entry(
            "rules",
            &Seq(|| state.rules.iter().map(|r| rule_json(state, r))),
        )?;
        map.serialize_entry(
            "routes",
            &Seq(|| state.routes().map(|r| route_json(state, r))),
        )?;
        map.serialize_entry(
            "neighbours",
            &Seq(|| state.neighbours.iter().map(|n| neighbour_json(state, n))),
        )?;
        map.serialize_entry(
            "nexthops",
            &Seq(|| state.nexthops.values().map(|n| nexthop_json(state, n))),
        )?;
        let all = LinkName::from("all");
        let mut sysctls: BTreeMap<&LinkName, DeviceSysctls> = BTreeMap::new();
        sysctls.insert(&all, state.sysctls.all);
        for (dev, s) in &state.sysctls.devices {
            sysctls.insert(dev, *s);
        }
        map.serialize_entry("sysctls", &sysctls)?;
        let names: BTreeMap<u32, &str> = state.table_names.iter().collect();
        map.serialize_entry("table_names", &names)?;
        map.serialize_entry("ipv4_tables_merged", &state.ipv4_tables_merged)?;
        let order: Vec<&LinkName> = state.dev_list.iter().map(|i| state.name_of(*i)).collect();
        map.serialize_entry("device_order", &order)?;
        let groups: Vec<JsonGroup> = state
            .mc_groups
            .iter()
            .map(|(i, g)| JsonGroup {
                dev: state.link_name_bytes(*i),
                group: *g,
            })
            .collect();
        map.serialize_entry("multicast_groups", &groups)?;
        map.end()
    }
}

/// A sequence serialized from an iterator made on demand.
struct Seq<F>(F);

impl<F, I> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq((self.0)())
    }
}

/// Writes the state as one JSON object followed by a newline.
pub fn write_state(state: &State, out: impl Write) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    serde_json::to_writer(&mut out, &StateJson(state))?;
    out.write_all(b"\n")?;
    out.flush()
}

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

pub fn route_json(state: &State, r: &Route) -> JsonRoute {
    let multipath = matches!(r.hops, Hop::Multi(_));
    let flags = RouteFlags(
        r.flags.0
            | r.hops
                .as_slice()
                .first()
                .filter(|_| !multipath)
                .map_or(0, |nh| nh.flags.0),
    );
    JsonRoute {
        family: r.family(),
        table: r.table,
        table_name: state.table_names.name(r.table),
        kind: r.kind.name(),
        dst: r.dst,
        dev: if multipath {
            None
        } else {
            dev_name(state, r.dev())
        },
        gateway: if multipath { None } else { r.gateway() },
        src: r.prefsrc,
        metric: r.metric,
        protocol: protocol_name(r.protocol),
        scope: r.scope.name(),
        tos: r.tos,
        flags: flags.names().into_iter().map(str::to_owned).collect(),
        nexthops: multipath.then(|| {
            r.hops
                .as_slice()
                .iter()
                .map(|nh| JsonNextHop {
                    dev: dev_name(state, nh.dev),
                    gateway: nh.gateway,
                    weight: nh.weight,
                    flags: nh.flags.names().into_iter().map(str::to_owned).collect(),
                })
                .collect()
        }),
        nhid: (r.nhid != 0).then_some(r.nhid),
        weight: match &r.hops {
            Hop::One(nh) => nh.weight,
            _ => 1,
        },
        from: r.src_prefix(),
        pref: r.extra.as_ref().and_then(|e| e.pref),
        expires: r.extra.as_ref().and_then(|e| e.expires),
        realm: r.extra.as_ref().and_then(|e| e.realm),
        unmodelled: r
            .extra
            .as_ref()
            .map_or_else(Vec::new, |e| e.unmodelled.clone()),
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
