//! The whole routing state of one network namespace.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::{
    Address, Link, LinkName, Neighbour, Nexthop, Route, RouteTable, Rule, Rules, Sysctls,
    TableNames,
};

/// An address family, as the kernel's `AF_INET` / `AF_INET6`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    /// IPv4 (`inet`).
    #[serde(rename = "inet")]
    V4,
    /// IPv6 (`inet6`).
    #[serde(rename = "inet6")]
    V6,
}

impl Family {
    /// The family of an address.
    pub fn of(addr: IpAddr) -> Self {
        if addr.is_ipv4() { Self::V4 } else { Self::V6 }
    }

    /// The name `ip -j` uses: `inet` or `inet6`.
    pub fn name(self) -> &'static str {
        match self {
            Self::V4 => "inet",
            Self::V6 => "inet6",
        }
    }

    /// The longest prefix length of the family: 32 or 128.
    pub fn max_prefix_len(self) -> u8 {
        match self {
            Self::V4 => 32,
            Self::V6 => 128,
        }
    }
}

/// Everything routescope knows about one namespace, kept equal to a fresh kernel dump.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct State {
    /// Links by interface index (the kernel's order for source selection is index order).
    pub links: BTreeMap<u32, Link>,
    /// Addresses in the kernel's per-device order (primaries by scope, then secondaries).
    pub addresses: Vec<Address>,
    /// Policy rules, IPv4 then IPv6, each family in kernel order (priority, then insertion).
    pub rules: Rules,
    /// Every routing table of both families, keyed by (family, table id).
    pub tables: BTreeMap<(Family, u32), RouteTable>,
    /// Neighbour cache entries (ARP / NDP).
    pub neighbours: Vec<Neighbour>,
    /// Nexthop objects and groups by id.
    pub nexthops: BTreeMap<u32, Nexthop>,
    /// The per-device and global sysctls the lookup depends on.
    pub sysctls: Sysctls,
    /// Table names from `rt_tables`, for display.
    pub table_names: TableNames,
    /// Whether the kernel still keeps the IPv4 local table merged into main (`None`: unknown).
    pub ipv4_tables_merged: Option<bool>,
    /// The kernel's device list order (`dev_base`: arrival in this namespace), which source
    /// selection walks; it differs from index order for devices moved in or created with an
    /// explicit index. Empty when unknown.
    pub dev_list: Vec<u32>,
    /// Multicast groups each device has joined (`/proc/net/igmp`, `igmp6`): input lookups to a
    /// group are delivered only where it is joined.
    pub mc_groups: Vec<(u32, IpAddr)>,
}

impl State {
    /// The link with this index.
    pub fn link(&self, index: u32) -> Option<&Link> {
        self.links.get(&index)
    }

    /// The loopback device's index (1 in every namespace the kernel makes).
    pub fn loopback(&self) -> u32 {
        self.links
            .values()
            .find(|l| l.is_loopback())
            .map_or(1, |l| l.index)
    }

    /// Every link in the kernel's device list order: the known order first, then any other link
    /// by index (the order dumps give).
    pub fn device_order(&self) -> Vec<u32> {
        let mut order: Vec<u32> = self
            .dev_list
            .iter()
            .copied()
            .filter(|i| self.links.contains_key(i))
            .collect();
        order.extend(self.links.keys().filter(|i| !self.dev_list.contains(i)));
        order
    }

    /// Whether device `index` has joined multicast group `group`.
    pub fn joined(&self, index: u32, group: IpAddr) -> bool {
        self.mc_groups.contains(&(index, group))
    }

    /// The link a word names: its name exactly, else the escaped form text output shows (so a
    /// name that is not UTF-8 can be typed as `e\xff`) or the JSON form (`hex:65ff`).
    pub fn link_by_name(&self, word: &str) -> Option<&Link> {
        let mut links = self.links.values();
        links
            .clone()
            .find(|l| l.name == word)
            .or_else(|| links.find(|l| l.name.answers_to(word)))
    }

    /// The name of a link, borrowed; empty when the index is unknown (for hot paths).
    pub fn name_of(&self, index: u32) -> &LinkName {
        static EMPTY: LinkName = LinkName::EMPTY;
        self.links.get(&index).map_or(&EMPTY, |l| &l.name)
    }

    /// The name of a link for text (escaped: safe on a terminal), or `ifN` when it is unknown.
    pub fn link_name(&self, index: u32) -> String {
        self.links
            .get(&index)
            .map_or_else(|| format!("if{index}"), |l| l.name.to_string())
    }

    /// The name of a link as bytes, or `ifN` when it is unknown (for JSON, which keeps bytes).
    pub fn link_name_bytes(&self, index: u32) -> LinkName {
        self.links
            .get(&index)
            .map_or_else(|| LinkName::from(format!("if{index}")), |l| l.name.clone())
    }

    /// The addresses of one device in kernel order.
    pub fn addresses_of(&self, index: u32, family: Family) -> impl Iterator<Item = &Address> {
        self.addresses
            .iter()
            .filter(move |a| a.index == index && a.family() == family)
    }

    /// The rules of one family in kernel order, as a slice (rules are kept grouped by family).
    pub fn rule_slice(&self, family: Family) -> &[Rule] {
        self.rules.of(family)
    }

    /// The rules of one family in kernel order.
    pub fn rules_of(&self, family: Family) -> impl Iterator<Item = &Rule> {
        self.rules.iter().filter(move |r| r.family == family)
    }

    /// One routing table, if it has any routes.
    pub fn table(&self, family: Family, id: u32) -> Option<&RouteTable> {
        self.tables.get(&(family, id))
    }

    /// Every route of every table, in (family, table, prefix) order.
    pub fn routes(&self) -> impl Iterator<Item = Route> + '_ {
        self.tables.values().flat_map(RouteTable::iter)
    }

    /// The number of routes in all tables.
    pub fn route_count(&self) -> usize {
        self.tables.values().map(RouteTable::len).sum()
    }

    /// Adds a route as the kernel's dump lists it (after the routes already there for its prefix).
    pub fn push_route(&mut self, route: Route) {
        self.tables
            .entry((route.family(), route.table))
            .or_default()
            .push(route);
    }
}
