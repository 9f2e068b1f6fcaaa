//! Whole random states for the `dump --json` round trip: links 1 to 4 under every kind of name
//! (`link_name`), rules with every selector kind `Selector::sample` knows (devices present or
//! gone), routes, nexthops, neighbours, sysctls, the device order and multicast groups.

use std::collections::BTreeMap;
use std::net::IpAddr;

use proptest::prelude::*;
use proptest::sample::select;
use routescope::model::{
    DeviceSysctls, Family, LinkFlags, LinkName, Rule, RuleAction, Selector, SelectorKind, State,
};
use strum::IntoEnumIterator;

use super::{address, any_route, link_name, neighbour, nexthop};

/// Links 1 to 4 (every route and nexthop device exists), each maybe enslaved to another.
fn links() -> impl Strategy<Value = Vec<routescope::model::Link>> {
    (1..=4_u32)
        .map(|index| {
            (
                link_name(index),
                any::<bool>(),
                prop::option::weighted(0.3, 1..=4_u32),
                prop::option::of(any::<[u8; 6]>()),
                select(vec![None, Some("veth"), Some("bridge")]),
                0..3_u32,
            )
                .prop_map(move |(name, up, master, mac, kind, group)| {
                    let flags = if up {
                        LinkFlags::UP | LinkFlags::LOWER_UP | LinkFlags::MULTICAST
                    } else {
                        LinkFlags::BROADCAST
                    };
                    routescope::model::Link {
                        index,
                        name,
                        kind: kind.map(str::to_owned),
                        flags: LinkFlags(flags),
                        operstate: if up {
                            routescope::model::OperState::Up
                        } else {
                            routescope::model::OperState::Down
                        },
                        mtu: 1500,
                        mac: mac.map(|m| m.to_vec()),
                        master: master.filter(|m| *m != index),
                        vrf_table: None,
                        group,
                    }
                })
        })
        .collect::<Vec<_>>()
}

/// A rule before its devices are named: selectors of random kinds (the device of an `iif`/`oif`
/// is a slot: 1 to 4 a link, 5 and 6 a device that does not exist).
#[derive(Debug, Clone)]
pub struct RuleSpec {
    family: Family,
    priority: u32,
    action: u8,
    table: u32,
    invert: bool,
    kinds: Vec<bool>,
    picks: Vec<usize>,
    slots: (u32, u32),
    suppress: (Option<u32>, Option<u32>),
    realms: Option<u32>,
    protocol: u8,
    flags: u32,
}

/// A rule spec of either family.
fn rule_spec() -> impl Strategy<Value = RuleSpec> {
    let kinds = SelectorKind::iter().count();
    (
        (
            select(vec![Family::V4, Family::V6]),
            select(vec![0_u32, 100, 150, 200, 32766]),
            0..6_u8,
            select(vec![100_u32, 254, 4_000_000_000]),
            any::<bool>(),
        ),
        (
            prop::collection::vec(prop::bool::weighted(0.25), kinds),
            prop::collection::vec(any::<usize>(), 8),
            (1..=6_u32, 1..=6_u32),
        ),
        (
            (prop::option::of(0..=32_u32), prop::option::of(0..3_u32)),
            prop::option::of(any::<u32>()),
            select(vec![0_u8, 4, 186]),
            select(vec![0_u32, 0x20, 0x8000]),
        ),
    )
        .prop_map(
            |(
                (family, priority, action, table, invert),
                (kinds, picks, slots),
                (suppress, realms, protocol, flags),
            )| RuleSpec {
                family,
                priority,
                action,
                table,
                invert,
                kinds,
                picks,
                slots,
                suppress,
                realms,
                protocol,
                flags,
            },
        )
}

impl RuleSpec {
    /// The rule, its devices named after `links` (a missing slot is a detached name).
    fn build(&self, links: &BTreeMap<u32, routescope::model::Link>) -> Rule {
        let mut rule = Rule::lookup(self.family, self.priority, self.table);
        rule.action = match self.action {
            0 => RuleAction::Goto,
            1 => RuleAction::Nop,
            2 => RuleAction::Blackhole,
            3 => RuleAction::Unreachable,
            4 => RuleAction::Prohibit,
            _ => RuleAction::Lookup,
        };
        if rule.action == RuleAction::Goto {
            // forward only (an invariant); the target may or may not exist
            rule.goto = Some(self.priority + 25);
        }
        rule.invert = self.invert;
        rule.suppress_prefixlength = self.suppress.0;
        rule.suppress_ifgroup = self.suppress.1;
        rule.realms = self.realms;
        rule.protocol = self.protocol;
        rule.flags = self.flags;
        let mut n = 0;
        let mut pick = |bound: usize| {
            n += 1;
            self.picks[n % self.picks.len()] % bound
        };
        let device = |slot: u32| {
            links.get(&slot).map_or_else(
                || {
                    let name = [b"gone\xff".as_slice(), slot.to_string().as_bytes()].concat();
                    (LinkName::from_bytes(name), true)
                },
                |link| (link.name.clone(), false),
            )
        };
        for (kind, wanted) in SelectorKind::iter().zip(&self.kinds) {
            let foreign = kind == SelectorKind::Flowlabel && self.family == Family::V4;
            if !wanted || foreign {
                continue;
            }
            let selector = match Selector::sample(kind, self.family, &["x"], &mut pick) {
                Selector::Iif { .. } => {
                    let (name, detached) = device(self.slots.0);
                    Selector::Iif { name, detached }
                }
                Selector::Oif { .. } => {
                    let (name, detached) = device(self.slots.1);
                    Selector::Oif { name, detached }
                }
                other => other,
            };
            rule.add(selector);
        }
        rule
    }
}

/// Sysctls for `all` and some devices, any values.
fn device_sysctls() -> impl Strategy<Value = DeviceSysctls> {
    (
        prop::array::uniform8(any::<bool>()),
        prop::array::uniform6(any::<bool>()),
        0..3_u8,
        -1..3_i32,
    )
        .prop_map(|(a, b, rp_filter, tempaddr)| DeviceSysctls {
            forwarding: a[0],
            rp_filter,
            route_localnet: a[1],
            accept_local: a[2],
            src_valid_mark: a[3],
            ignore_routes_with_linkdown: a[4],
            promote_secondaries: a[5],
            send_redirects: a[6],
            bc_forwarding: a[7],
            mc_forwarding: b[0],
            ipv6_forwarding: b[1],
            ipv6_use_oif_addrs_only: b[2],
            ipv6_ignore_routes_with_linkdown: b[3],
            ipv6_use_tempaddr: tempaddr,
            ipv6_optimistic_dad: b[4],
            ipv6_use_optimistic: b[5],
        })
}

/// A whole state that keeps the model's invariants (as a dump would give it).
pub fn state() -> impl Strategy<Value = State> {
    let groups: Vec<IpAddr> = ["224.0.0.1", "ff02::1", "239.1.2.3"]
        .map(|a| a.parse().expect("address"))
        .to_vec();
    (
        links(),
        prop::collection::vec(address(), 0..6),
        prop::collection::vec(rule_spec(), 0..8),
        prop::collection::vec(any_route(), 0..12),
        prop::collection::vec(neighbour(), 0..4),
        prop::collection::vec(nexthop(), 0..3),
        (
            device_sysctls(),
            prop::collection::vec((1..=4_u32, device_sysctls()), 0..4),
        ),
        (
            prop::option::of(any::<bool>()),
            prop::collection::vec(1..=4_u32, 0..5),
            prop::collection::vec((1..=4_u32, select(groups)), 0..4),
            any::<bool>(),
        ),
    )
        .prop_map(
            |(links, addresses, rules, routes, neighbours, nexthops, sysctls, extra)| {
                let (merged, order, mc_groups, named_tables) = extra;
                let mut state = State {
                    links: links.into_iter().map(|l| (l.index, l)).collect(),
                    addresses,
                    neighbours,
                    nexthops: nexthops.into_iter().map(|n| (n.id, n)).collect(),
                    ipv4_tables_merged: merged,
                    mc_groups,
                    ..State::default()
                };
                state.rules = rules.iter().map(|r| r.build(&state.links)).collect();
                for route in routes {
                    state.push_route(route);
                }
                state.sysctls.all = sysctls.0;
                for (index, values) in sysctls.1 {
                    let name = state.links[&index].name.clone();
                    state.sysctls.devices.insert(name, values);
                }
                let mut seen = Vec::new();
                state.dev_list = order
                    .into_iter()
                    .filter(|i| {
                        !seen.contains(i) && {
                            seen.push(*i);
                            true
                        }
                    })
                    .collect();
                if named_tables {
                    state.table_names.insert(100, "uplink");
                    state.table_names.insert(4_000_000_000, "caf\u{e9}");
                }
                state
                    .enforce_invariants()
                    .expect("the generated state keeps the invariants");
                state
            },
        )
}
