//! The reference for `State::apply`: the final set of objects, kept as plain lists and maps, and
//! a fresh state built from them the way a dump builds one.

use std::collections::BTreeMap;

use routescope::model::{
    Address, Change, Family, Hop, Link, LinkName, Neighbour, NextHop, Nexthop, Op, Placement,
    Route, Rule, Selector, State, Sysctls, TableNames,
};

/// Every object a sequence of changes leaves, each collection in the order its semantics give.
#[derive(Debug, Clone, Default)]
pub struct Objects {
    pub links: BTreeMap<u32, Link>,
    /// Addresses; their order among a device's is the kernel's business, so compared as a set.
    pub addresses: Vec<Address>,
    /// Rules in the order they were (last) added.
    pub rules: Vec<Rule>,
    /// Routes of each table; among routes of equal sort key, this order is the table's.
    pub routes: BTreeMap<(Family, u32), Vec<Route>>,
    /// Neighbours in the order they were last announced.
    pub neighbours: Vec<Neighbour>,
    pub nexthops: BTreeMap<u32, Nexthop>,
    pub sysctls: Sysctls,
    pub mc_groups: Vec<(u32, std::net::IpAddr)>,
    pub table_names: TableNames,
    pub ipv4_tables_merged: Option<bool>,
}

impl Objects {
    /// The objects of a state.
    pub fn of(state: &State) -> Self {
        Self {
            links: state.links.clone(),
            addresses: state.addresses.clone(),
            rules: state.rules.to_vec(),
            routes: routes_of(&state.tables),
            neighbours: state.neighbours.clone(),
            nexthops: state.nexthops.clone(),
            sysctls: state.sysctls.clone(),
            mc_groups: state.mc_groups.clone(),
            table_names: state.table_names.clone(),
            ipv4_tables_merged: state.ipv4_tables_merged,
        }
    }

    /// A state built from nothing but these objects: rules sorted by priority (stable), routes
    /// pushed as a dump lists them.
    pub fn fresh(&self) -> State {
        let mut state = State {
            links: self.links.clone(),
            addresses: self.addresses.clone(),
            rules: self.rules.clone().into(),
            neighbours: self.neighbours.clone(),
            nexthops: self.nexthops.clone(),
            sysctls: self.sysctls.clone(),
            mc_groups: self.mc_groups.clone(),
            table_names: self.table_names.clone(),
            ipv4_tables_merged: self.ipv4_tables_merged,
            ..State::default()
        };
        state.rules.sort_by_key(|r| (r.family, r.priority));
        for route in self.routes.values().flatten() {
            state.push_route(route.clone());
        }
        state
    }

    /// What a change does to the set of objects.
    pub fn apply(&mut self, change: &Change) {
        match change {
            Change::Link(Op::New, link) => {
                self.links.insert(link.index, link.clone());
                self.attach_rules();
            }
            Change::Link(Op::Del, link) => {
                self.forget_link(link.index);
                self.attach_rules();
            }
            Change::Address(op, a) => {
                let found = self.addresses.iter().position(|b| b.same_object(a));
                match (op, found) {
                    (Op::New, Some(i)) => self.addresses[i] = a.clone(),
                    (Op::New, None) => self.addresses.push(a.clone()),
                    (Op::Del, Some(i)) => drop(self.addresses.remove(i)),
                    (Op::Del, None) => {}
                }
            }
            Change::Rule(op, rule) => {
                if *op == Op::New && rule.family == Family::V4 {
                    self.ipv4_tables_merged = Some(false);
                }
                let found = self.rules.iter().position(|r| r == rule);
                match (op, found) {
                    (Op::New, None) => self.rules.push(rule.clone()),
                    (Op::Del, Some(i)) => drop(self.rules.remove(i)),
                    _ => {}
                }
            }
            Change::Route(op, placement, route) => self.route(*op, *placement, route),
            Change::Neighbour(op, n) => {
                self.neighbours.retain(|m| !m.same_entry(n));
                if *op == Op::New {
                    self.neighbours.push(n.clone());
                }
            }
            Change::Nexthop(Op::New, nh) => drop(self.nexthops.insert(nh.id, nh.clone())),
            Change::Nexthop(Op::Del, nh) => drop(self.nexthops.remove(&nh.id)),
            Change::Tables(family, tables) => {
                self.routes.retain(|(f, _), _| f != family);
                self.routes.extend(routes_of(tables));
            }
            Change::Addresses(list) => self.addresses.clone_from(list),
            Change::Neighbours(list) => self.neighbours.clone_from(list),
            Change::Nexthops(map) => self.nexthops.clone_from(map),
            Change::Sysctls(sysctls) => self.sysctls.clone_from(sysctls),
            Change::Groups(groups) => self.mc_groups.clone_from(groups),
            Change::Snapshot(state) => *self = Self::of(state),
        }
    }

    /// A rule's `iif`/`oif` is detached while no link has the name.
    fn attach_rules(&mut self) {
        let names: Vec<LinkName> = self.links.values().map(|l| l.name.clone()).collect();
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

    /// A deleted link takes its addresses, neighbours and every route through it along.
    fn forget_link(&mut self, index: u32) {
        self.links.remove(&index);
        self.addresses.retain(|a| a.index != index);
        self.neighbours.retain(|n| n.index != index);
        for list in self.routes.values_mut() {
            list.retain(|r| r.hops.as_slice().iter().all(|h| h.dev != index));
        }
        self.routes.retain(|_, list| !list.is_empty());
    }

    /// A route notification: an IPv6 multipath route absorbs its siblings (see `siblings`); a
    /// known route is updated in place, a new one goes first or last among
    /// its equals, a replacement takes the place of the first of its slot; a deletion removes
    /// the route it names, or (IPv6) the one nexthop it names from a multipath route.
    fn route(&mut self, op: Op, placement: Placement, route: &Route) {
        let key = (route.family(), route.table);
        let list = self.routes.entry(key).or_default();
        let find = |list: &[Route], want: &dyn Fn(&Route) -> bool| list.iter().position(want);
        match op {
            Op::Del => {
                if let Some(i) = find(list, &|r| r.same_route(route)) {
                    list.remove(i);
                } else if let (Family::V6, [hop]) = (route.family(), route.hops.as_slice()) {
                    // IPv6 deletes one nexthop of a multipath route by naming it alone
                    let multi = find(list, &|r| {
                        r.same_slot(route)
                            && r.kind == route.kind
                            && r.nhid == 0
                            && r.hops.as_slice().len() > 1
                            && r.hops.as_slice().iter().any(|h| h.via(hop))
                    });
                    if let Some(i) = multi {
                        let rest = list[i].hops.as_slice().iter().filter(|h| !h.via(hop));
                        list[i].hops = Hop::from_vec(rest.copied().collect());
                    }
                }
            }
            Op::New => {
                let route = &match (&route.hops, route.family(), route.nhid) {
                    (Hop::Multi(hops), Family::V6, 0) => siblings(list, route, hops),
                    _ => route.clone(),
                };
                let slot = find(list, &|r| r.same_slot(route));
                let same = find(list, &|r| r.same_route(route));
                match (placement, slot, same) {
                    (_, _, Some(i)) | (Placement::Replace, Some(i), None) => {
                        list[i] = route.clone();
                    }
                    (Placement::First, ..) => list.insert(0, route.clone()),
                    _ => list.push(route.clone()),
                }
            }
        }
        if list.is_empty() {
            self.routes.remove(&key);
        }
    }
}

/// An IPv6 multipath route absorbs the other routes of its slot and type whose nexthops it
/// holds; the nexthops they had keep their order and new ones go last.
fn siblings(list: &mut Vec<Route>, route: &Route, hops: &[NextHop]) -> Route {
    let related = |r: &Route| {
        r.same_slot(route)
            && r.kind == route.kind
            && r.hops
                .as_slice()
                .iter()
                .all(|h| hops.iter().any(|n| n.via(h)))
    };
    let known: Vec<NextHop> = list
        .iter()
        .filter(|r| related(r))
        .flat_map(|r| r.hops.as_slice().iter().copied())
        .collect();
    let mut ordered: Vec<NextHop> = Vec::new();
    let fresh = known
        .iter()
        .map(|k| *hops.iter().find(|n| n.via(k)).expect("held"));
    for n in fresh.chain(hops.iter().copied()) {
        if !ordered.iter().any(|o| o.via(&n)) {
            ordered.push(n);
        }
    }
    list.retain(|r| !related(r) || r.same_route(route));
    let mut route = route.clone();
    route.hops = Hop::from_vec(ordered);
    route
}

/// The routes of each table in table order.
fn routes_of(
    tables: &BTreeMap<(Family, u32), routescope::model::RouteTable>,
) -> BTreeMap<(Family, u32), Vec<Route>> {
    tables
        .iter()
        .map(|(key, table)| (*key, table.iter().collect()))
        .collect()
}

/// A state with its addresses in a canonical order, for comparing as sets.
pub fn normalized(state: &State) -> State {
    let mut state = state.clone();
    state.addresses.sort_by_key(|a| format!("{a:?}"));
    state
}
