//! Reading a `dump --json` file back into a state, for `--snapshot`.

use std::collections::HashMap;

use super::json::{JsonAddress, JsonLink, JsonNexthop, JsonRoute, JsonRule, JsonState, VERSION};
use super::json_route;
use super::names::protocol_number;
use crate::model::{
    Address, AddressFlags, DeviceSysctls, Hop, Link, LinkFlags, LinkName, Neighbour,
    NeighbourState, NextHop, Nexthop, NexthopGroupMember, OperState, Route, RouteExtra, RouteFlags,
    RouteKind, Rule, RuleAction, Scope, Selector, State, Sysctls,
};

/// Why a snapshot could not be read; each message names the object that is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("not a routescope dump: {0}")]
    Json(#[from] serde_json::Error),
    #[error("snapshot version {0} is newer than this routescope understands ({VERSION})")]
    Version(u32),
    #[error("snapshot {what} names device '{dev}', which is not among its links")]
    UnknownDevice { what: &'static str, dev: String },
    #[error("snapshot: {0}")]
    Invariant(#[from] crate::model::InvariantError),
    #[error("snapshot {what} has an unknown {field} '{value}'")]
    BadValue {
        what: &'static str,
        field: &'static str,
        value: String,
    },
}

/// Parses the text of a `dump --json` file into a state.
pub fn parse_snapshot(text: &str) -> Result<State, SnapshotError> {
    let json: JsonState = serde_json::from_str(text)?;
    if json.version > VERSION {
        return Err(SnapshotError::Version(json.version));
    }
    let index: HashMap<&LinkName, u32> = json.links.iter().map(|l| (&l.name, l.index)).collect();
    let dev = |what: &'static str, name: &LinkName| {
        index
            .get(name)
            .copied()
            .ok_or_else(|| SnapshotError::UnknownDevice {
                what,
                dev: name.to_string(),
            })
    };
    let mut state = State::default();
    for l in &json.links {
        let master = l.master.as_ref().map(|m| dev("link", m)).transpose()?;
        state.links.insert(l.index, link(l, master));
    }
    for a in &json.addresses {
        state.addresses.push(address(a, dev("address", &a.dev)?)?);
    }
    for r in &json.rules {
        state.rules.push(rule(r)?);
        state.table_names.insert(r.table, &r.table_name);
    }
    for r in &json.routes {
        let route = route(r, &dev)?;
        if let Some(name) = &r.table_name {
            state.table_names.insert(route.table, name);
        }
        state.push_route(route);
    }
    for n in &json.neighbours {
        state.neighbours.push(Neighbour {
            index: dev("neighbour", &n.dev)?,
            dst: n.dst,
            lladdr: n.lladdr.as_deref().map(parse_mac),
            state: NeighbourState::from_names(n.state.iter().map(String::as_str)),
            flags: n.flags,
        });
    }
    for n in &json.nexthops {
        state.nexthops.insert(n.id, nexthop(n, &dev)?);
    }
    state.sysctls = sysctls(&json.sysctls);
    for (id, name) in &json.table_names {
        state.table_names.insert(*id, name);
    }
    state.ipv4_tables_merged = json.ipv4_tables_merged;
    state.dev_list = json
        .device_order
        .iter()
        .map(|name| dev("device order", name))
        .collect::<Result<_, _>>()?;
    state.mc_groups = json
        .multicast_groups
        .iter()
        .map(|g| Ok((dev("multicast group", &g.dev)?, g.group)))
        .collect::<Result<_, SnapshotError>>()?;
    state.enforce_invariants()?;
    Ok(state)
}

fn link(l: &JsonLink, master: Option<u32>) -> Link {
    Link {
        index: l.index,
        name: l.name.clone(),
        kind: l.kind.clone(),
        flags: LinkFlags::from_names(l.flags.iter().map(String::as_str)),
        operstate: OperState::from_name(&l.operstate),
        mtu: l.mtu,
        mac: l.address.as_deref().map(parse_mac),
        master,
        vrf_table: l.vrf_table,
        group: l.group,
    }
}

fn address(a: &JsonAddress, index: u32) -> Result<Address, SnapshotError> {
    let mut flags = AddressFlags::from_names(a.flags.iter().map(String::as_str));
    if a.secondary {
        flags.0 |= AddressFlags::SECONDARY;
    }
    Ok(Address {
        index,
        local: a.local,
        peer: a.peer,
        prefix_len: a.prefixlen,
        scope: scope("address", &a.scope)?,
        label: a.label.clone(),
        flags,
        broadcast: a.broadcast,
        valid_lft: a.valid_life_time,
        preferred_lft: a.preferred_life_time,
        metric: a.metric,
    })
}

fn rule(r: &JsonRule) -> Result<Rule, SnapshotError> {
    let bad = |field, value: String| SnapshotError::BadValue {
        what: "rule",
        field,
        value,
    };
    let action = RuleAction::from_name(&r.action).ok_or_else(|| bad("action", r.action.clone()))?;
    let mut out = Rule::lookup(r.family, r.priority, r.table);
    out.action = action;
    out.invert = r.not;
    for selector in Selector::all_from_json(&r.selectors).map_err(|e| bad("selector", e))? {
        out.add(selector);
    }
    out.goto = r.goto;
    out.unresolved = r.unresolved;
    out.suppress_prefixlength = r.suppress_prefixlength;
    out.suppress_ifgroup = r.suppress_ifgroup;
    out.realms = r.realms;
    out.protocol = r.protocol;
    out.flags = r.flags;
    Ok(out)
}

fn route(
    r: &JsonRoute,
    dev: &impl Fn(&'static str, &LinkName) -> Result<u32, SnapshotError>,
) -> Result<Route, SnapshotError> {
    let bad = |field, value: &str| SnapshotError::BadValue {
        what: "route",
        field,
        value: value.to_owned(),
    };
    // a field v2 leaves out has its default (docs/cli-contract.md); v1 wrote every one
    let kind = match &r.kind {
        Some(name) => RouteKind::from_name(name).ok_or_else(|| bad("type", name))?,
        None => RouteKind::Unicast,
    };
    let table = r.table.unwrap_or(json_route::DEFAULT_TABLE);
    let mut route = Route::new(table, r.dst, kind);
    route.prefsrc = r.src;
    route.protocol = match &r.protocol {
        Some(name) => protocol_number(name).ok_or_else(|| bad("protocol", name))?,
        None => json_route::DEFAULT_PROTOCOL,
    };
    route.scope = match &r.scope {
        Some(name) => scope("route", name)?,
        None => Scope::UNIVERSE,
    };
    route.tos = r.tos;
    route.metric = r
        .metric
        .unwrap_or_else(|| json_route::default_metric(route.family()));
    route.nhid = r.nhid.unwrap_or(0);
    let flags = RouteFlags::from_names(r.flags.iter().map(String::as_str));
    let hops = match &r.nexthops {
        Some(list) => list
            .iter()
            .map(|nh| {
                Ok(NextHop {
                    dev: nh
                        .dev
                        .as_ref()
                        .map(|d| dev("route nexthop", d))
                        .transpose()?
                        .unwrap_or(0),
                    gateway: nh.gateway,
                    weight: nh.weight,
                    flags: RouteFlags::from_names(nh.flags.iter().map(String::as_str)),
                })
            })
            .collect::<Result<Vec<_>, SnapshotError>>()?,
        None if r.dev.is_some() || r.gateway.is_some() => vec![NextHop {
            dev: r
                .dev
                .as_ref()
                .map(|d| dev("route", d))
                .transpose()?
                .unwrap_or(0),
            gateway: r.gateway,
            weight: r.weight,
            flags,
        }],
        None => Vec::new(),
    };
    if hops.len() != 1 {
        route.flags = flags;
    }
    route.hops = Hop::from_vec(hops);
    if r.from.is_some()
        || r.pref.is_some()
        || r.expires.is_some()
        || r.realm.is_some()
        || !r.unmodelled.is_empty()
    {
        route.extra = Some(std::sync::Arc::new(RouteExtra {
            src: r.from,
            pref: r.pref,
            expires: r.expires,
            realm: r.realm,
            unmodelled: r.unmodelled.clone(),
        }));
    }
    Ok(route)
}

fn nexthop(
    n: &JsonNexthop,
    dev: &impl Fn(&'static str, &LinkName) -> Result<u32, SnapshotError>,
) -> Result<Nexthop, SnapshotError> {
    Ok(Nexthop {
        id: n.id,
        family: n.family,
        protocol: protocol_number(&n.protocol).unwrap_or(0),
        flags: n.flags,
        dev: n.dev.as_ref().map(|d| dev("nexthop", d)).transpose()?,
        gateway: n.gateway,
        blackhole: n.blackhole,
        group: n
            .group
            .iter()
            .map(|m| NexthopGroupMember {
                id: m.id,
                weight: m.weight,
            })
            .collect(),
        group_type: n.group_type,
        fdb: n.fdb,
    })
}

fn scope(what: &'static str, name: &str) -> Result<Scope, SnapshotError> {
    Scope::from_name(name).ok_or_else(|| SnapshotError::BadValue {
        what,
        field: "scope",
        value: name.to_owned(),
    })
}

fn sysctls(json: &std::collections::BTreeMap<LinkName, DeviceSysctls>) -> Sysctls {
    Sysctls {
        all: json.get(&b"all"[..]).copied().unwrap_or_default(),
        devices: json
            .iter()
            .filter(|(k, _)| **k != "all")
            .map(|(k, v)| (k.clone(), *v))
            .collect(),
    }
}

/// Parses `aa:bb:cc` into bytes (bad digits read as 0: a display value, never used for routing).
fn parse_mac(text: &str) -> Vec<u8> {
    text.split(':')
        .map(|h| u8::from_str_radix(h, 16).unwrap_or(0))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures;
    use crate::model::{Change, Op, Placement};
    use crate::report::{events, json};

    #[test]
    fn rules_out_of_order_in_a_file_are_put_back_in_kernel_order() {
        let mut state = fixtures::server();
        state.rules.push(
            Rule::lookup(crate::model::Family::V6, 1, 666)
                .with(Selector::To("2001:db8::/32".parse().unwrap())),
        );
        let mut out = Vec::new();
        json::write_state(&state, &mut out).unwrap();
        let mut value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        value["rules"].as_array_mut().unwrap().reverse();
        let back = parse_snapshot(&value.to_string()).unwrap();
        let v4 = back.rule_slice(crate::model::Family::V4);
        assert!(v4.iter().all(|r| r.family == crate::model::Family::V4));
        assert!(v4.windows(2).all(|w| w[0].priority <= w[1].priority));
        let v6 = back.rule_slice(crate::model::Family::V6);
        assert!(v6.iter().any(|r| r.table == 666));
    }

    #[test]
    fn a_dump_with_a_mixed_family_rule_is_refused_in_one_line() {
        let state = fixtures::server();
        let mut out = Vec::new();
        json::write_state(&state, &mut out).unwrap();
        let mut value: serde_json::Value = serde_json::from_slice(&out).unwrap();
        value["rules"][0]["from"] = serde_json::json!("2001:db8::/32");
        let err = parse_snapshot(&value.to_string()).unwrap_err().to_string();
        assert!(err.contains("selector of the other family"), "{err}");
        assert!(!err.contains('\n'));
    }

    #[test]
    fn a_dump_reads_back_into_the_same_state() {
        let mut state = fixtures::server();
        let mut multipath = Route::new(1000, "10.0.0.0/8".parse().unwrap(), RouteKind::Unicast);
        multipath.hops = Hop::from_vec(vec![
            NextHop {
                dev: 2,
                gateway: "99.88.22.1".parse().ok(),
                weight: 1,
                flags: RouteFlags::default(),
            },
            NextHop {
                dev: 2,
                gateway: "99.88.22.3".parse().ok(),
                weight: 3,
                flags: RouteFlags(RouteFlags::DEAD),
            },
        ]);
        state.apply(Change::Route(Op::New, Placement::Last, multipath));
        state.table_names.insert(1000, "uplink");
        let mut out = Vec::new();
        json::write_state(&state, &mut out).unwrap();
        let back = parse_snapshot(std::str::from_utf8(&out).unwrap()).unwrap();
        assert_eq!(back, state);
    }

    #[test]
    fn bad_snapshots_name_the_problem() {
        let err = parse_snapshot("{").unwrap_err().to_string();
        assert!(err.starts_with("not a routescope dump"), "{err}");
        let text = r#"{"version":1,"links":[],"addresses":[{"family":"inet","dev":"eth9","local":"10.0.0.1",
            "prefixlen":8,"scope":"global","label":null,"secondary":false,"flags":[]}],"rules":[],"routes":[]}"#;
        let err = parse_snapshot(text).unwrap_err().to_string();
        assert_eq!(
            err,
            "snapshot address names device 'eth9', which is not among its links"
        );
        let err =
            parse_snapshot(r#"{"version":9,"links":[],"addresses":[],"rules":[],"routes":[]}"#)
                .unwrap_err();
        assert!(err.to_string().contains("version 9"));
    }

    #[test]
    fn change_records_follow_the_contract() {
        let state = fixtures::server();
        let route = state.routes().find(|r| r.table == 254).unwrap().clone();
        let change = Change::Route(Op::Del, Placement::Last, route);
        let record = events::change_json(&state, &change);
        assert_eq!(record["kind"], "route");
        assert_eq!(record["action"], "del");
        assert_eq!(record["route"]["dst"], "0.0.0.0/0");
        // v2: the main table is the default, left out
        assert!(record["route"].get("table").is_none());
        assert!(record["route"].get("table_name").is_none());
        let line = events::change_line(&state, &change);
        assert!(line.starts_with("- route   table main"), "{line}");
        assert!(line.contains("via 99.88.22.1 dev eth0"), "{line}");
    }
}
