//! Applying kernel notifications to the state, idempotently.

use std::collections::{BTreeMap, HashSet};

use super::{
    Address, Family, Link, LinkName, Neighbour, Nexthop, Placement, Route, RouteTable, Rule,
    Selector, State, Sysctls, siblings,
};

/// Whether an object appeared (or changed) or went away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    New,
    Del,
}

/// One change to the state, as the netlink feed reports it.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Link(Op, Link),
    Address(Op, Address),
    Rule(Op, Rule),
    /// A route added (where it goes among routes of its slot), or deleted.
    Route(Op, Placement, Route),
    Neighbour(Op, Neighbour),
    Nexthop(Op, Nexthop),
    /// Every table of one family, re-read because the kernel changed them without telling.
    Tables(Family, BTreeMap<(Family, u32), RouteTable>),
    /// Every address, re-read because IPv6 announces new ones only after DAD.
    Addresses(Vec<Address>),
    /// The whole neighbour cache, re-read because the kernel fills it without telling.
    Neighbours(Vec<Neighbour>),
    /// Every nexthop object, re-read because they vanish with their device without telling.
    Nexthops(BTreeMap<u32, Nexthop>),
    /// Fresh sysctl values.
    Sysctls(Sysctls),
    /// Fresh multicast memberships (the kernel announces none over rtnetlink).
    Groups(Vec<(u32, std::net::IpAddr)>),
    /// A whole new state (start-up, or recovery after an overrun).
    Snapshot(Box<State>),
}

impl State {
    /// Applies one change; applying the same change twice leaves the same state.
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Link(Op::New, link) => {
                // a device new to the namespace joins the end of the kernel's device list
                if !self.links.contains_key(&link.index) && !self.dev_list.is_empty() {
                    self.dev_list.retain(|i| *i != link.index);
                    self.dev_list.push(link.index);
                }
                self.links.insert(link.index, link);
                self.attach_rules();
            }
            Change::Link(Op::Del, link) => {
                self.forget_link(link.index);
                self.attach_rules();
            }
            Change::Address(op, address) => self.apply_address(op, address),
            Change::Rule(op, rule) => {
                // the first rule added splits the merged local/main trie for good (fib_unmerge)
                if op == Op::New && rule.family == Family::V4 {
                    self.ipv4_tables_merged = Some(false);
                }
                self.apply_rule(op, rule);
            }
            Change::Route(op, placement, route) => self.apply_route(op, placement, route),
            Change::Neighbour(op, neighbour) => {
                self.neighbours.retain(|n| !n.same_entry(&neighbour));
                if op == Op::New {
                    self.neighbours.push(neighbour);
                }
            }
            Change::Nexthop(Op::New, nexthop) => {
                self.nexthops.insert(nexthop.id, nexthop);
            }
            Change::Nexthop(Op::Del, nexthop) => {
                self.nexthops.remove(&nexthop.id);
            }
            Change::Tables(family, tables) => {
                self.tables.retain(|(f, _), _| *f != family);
                self.tables.extend(tables);
            }
            Change::Addresses(list) => self.addresses = list,
            Change::Neighbours(list) => self.neighbours = list,
            Change::Nexthops(map) => self.nexthops = map,
            Change::Sysctls(sysctls) => self.sysctls = sysctls,
            Change::Groups(groups) => self.mc_groups = groups,
            Change::Snapshot(state) => *self = *state,
        }
    }

    /// Marks each `iif`/`oif` selector detached exactly when no link has its name: the kernel
    /// attaches and detaches rules as devices of that name appear, go or are renamed, without a
    /// notification (`fib_rules_event`).
    ///
    /// The rules are written only when a flag changes, so a link change that moves no rule
    /// keeps the rule index (`Rules` forgets it on every write).
    fn attach_rules(&mut self) {
        let names: HashSet<&LinkName> = self.links.values().map(|l| &l.name).collect();
        let stale = |s: &Selector| match s {
            Selector::Iif { name, detached } | Selector::Oif { name, detached } => {
                *detached == names.contains(name)
            }
            _ => false,
        };
        if !self.rules.iter().any(|r| r.selectors.iter().any(stale)) {
            return;
        }
        for rule in &mut self.rules {
            for selector in &mut rule.selectors {
                if let Selector::Iif { name, detached } | Selector::Oif { name, detached } =
                    selector
                {
                    *detached = !names.contains(name);
                }
            }
        }
    }

    /// Drops a deleted link and everything the kernel removes with it.
    fn forget_link(&mut self, index: u32) {
        self.links.remove(&index);
        self.dev_list.retain(|i| *i != index);
        self.addresses.retain(|a| a.index != index);
        self.neighbours.retain(|n| n.index != index);
        for table in self.tables.values_mut() {
            table.retain(|r| r.hops.as_slice().iter().all(|nh| nh.dev != index));
        }
        self.tables.retain(|_, t| !t.is_empty());
    }

    /// Adds, updates or removes an address, keeping the kernel's per-device order.
    fn apply_address(&mut self, op: Op, address: Address) {
        let existing = self.addresses.iter().position(|a| a.same_object(&address));
        match (op, existing) {
            (Op::Del, Some(i)) => {
                self.addresses.remove(i);
            }
            (Op::Del, None) => {}
            (Op::New, Some(i)) if self.addresses[i].is_secondary() == address.is_secondary() => {
                self.addresses[i] = address;
            }
            (Op::New, existing) => {
                if let Some(i) = existing {
                    self.addresses.remove(i);
                }
                let at = self.address_slot(&address);
                self.addresses.insert(at, address);
            }
        }
    }

    /// Where the kernel puts a new address among the device's addresses.
    ///
    /// IPv4 (`__inet_insert_ifa`): a primary goes after the last primary of equal or smaller
    /// scope, a secondary at the end. IPv6 (`ipv6_link_dev_addr`): before the first address of
    /// equal or wider scope.
    fn address_slot(&self, new: &Address) -> usize {
        let same_dev = |a: &&Address| a.index == new.index && a.family() == new.family();
        let positions: Vec<usize> = (0..self.addresses.len())
            .filter(|&i| same_dev(&&self.addresses[i]))
            .collect();
        let after_all = positions.last().map_or(self.addresses.len(), |&i| i + 1);
        match new.family() {
            Family::V4 if new.is_secondary() => after_all,
            Family::V4 => positions
                .iter()
                .rev()
                .find(|&&i| {
                    let a = &self.addresses[i];
                    !a.is_secondary() && a.scope >= new.scope
                })
                .map_or_else(
                    || positions.first().copied().unwrap_or(after_all),
                    |&i| i + 1,
                ),
            Family::V6 => positions
                .iter()
                .find(|&&i| ipv6_scope_rank(new) >= ipv6_scope_rank(&self.addresses[i]))
                .copied()
                .unwrap_or(after_all),
        }
    }

    /// Adds or removes a rule; a new rule goes after the rules of lower or equal priority.
    fn apply_rule(&mut self, op: Op, rule: Rule) {
        if let Some(i) = self.rules.iter().position(|r| *r == rule) {
            if op == Op::Del {
                self.rules.remove(i);
            }
            return;
        }
        if op == Op::New {
            let at = self
                .rules
                .iter()
                .rposition(|r| (r.family, r.priority) <= (rule.family, rule.priority))
                .map_or(0, |i| i + 1);
            self.rules.insert(at, rule);
        }
    }

    /// Adds, replaces or removes a route; a route already present (the kernel's exact match) is
    /// updated in place whatever the placement, never duplicated or moved. IPv6 multipath routes
    /// follow the kernel's siblings (see `siblings`).
    fn apply_route(&mut self, op: Op, placement: Placement, route: Route) {
        let key = (route.family(), route.table);
        match op {
            Op::Del => {
                if let Some(table) = self.tables.get_mut(&key) {
                    if table.remove(&route).is_none() && route.family() == Family::V6 {
                        // IPv6 deletes one nexthop of a multipath route with a notification
                        // naming that nexthop alone
                        table.remove_sibling(&route);
                    }
                    if table.is_empty() {
                        self.tables.remove(&key);
                    }
                }
            }
            Op::New => {
                let table = self.tables.entry(key).or_default();
                let route = if route.family() == Family::V6 {
                    siblings::absorb(table, route)
                } else {
                    route
                };
                table.upsert(route, placement);
            }
        }
    }
}

/// The kernel's IPv6 source-scope value of an address (`ipv6_addr_src_scope`): larger is wider.
fn ipv6_scope_rank(address: &Address) -> u8 {
    match address.local {
        std::net::IpAddr::V6(a) if a.is_loopback() => 0x1,
        std::net::IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfe80 => 0x2,
        std::net::IpAddr::V6(a) if a.segments()[0] & 0xffc0 == 0xfec0 => 0x5,
        _ => 0xe,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;

    #[test]
    fn rules_follow_devices_of_their_name_and_a_rule_splits_the_trie() {
        let mut state = fixtures::server();
        state.ipv4_tables_merged = Some(true);
        let rule = Rule::lookup(Family::V4, 123, 100).with(Selector::Iif {
            name: "new0".into(),
            detached: true,
        });
        state.apply(Change::Rule(Op::New, rule));
        assert_eq!(state.ipv4_tables_merged, Some(false), "fib_unmerge");
        let detached = |s: &State| match s.rules.iter().find(|r| r.priority == 123) {
            Some(r) => r
                .selectors
                .iter()
                .any(|s| matches!(s, Selector::Iif { detached, .. } if *detached)),
            None => panic!("the rule is there"),
        };
        assert!(detached(&state));
        let link = Link {
            index: 77,
            name: "new0".into(),
            ..Link::default()
        };
        state.apply(Change::Link(Op::New, link.clone()));
        assert!(!detached(&state), "a device of that name attaches it");
        let renamed = Link {
            name: "other".into(),
            ..link.clone()
        };
        state.apply(Change::Link(Op::New, renamed));
        assert!(detached(&state), "renamed away");
        state.apply(Change::Link(Op::New, link.clone()));
        state.apply(Change::Link(Op::Del, link));
        assert!(detached(&state), "deleted");
    }
}
