//! One change as a line for people and as an NDJSON record for scripts (`monitor`).

use serde_json::{Value, json};

use super::json::{address_json, link_json, neighbour_json, nexthop_json, route_json, rule_json};
use super::text::{address_line, family_label, link_line, nexthop_line, route_line, rule_line};
use crate::model::{Change, Op, Origin, State};

/// `+` for a new object, `-` for a deleted one.
fn sign(op: Op) -> char {
    match op {
        Op::New => '+',
        Op::Del => '-',
    }
}

/// `new` or `del`, as the JSON contract names the action.
fn action(op: Op) -> &'static str {
    match op {
        Op::New => "new",
        Op::Del => "del",
    }
}

/// A readable one-line description of a change; `state` supplies device and table names.
pub fn change_line(state: &State, change: &Change) -> String {
    let sign = match change {
        Change::Link(op, _)
        | Change::Address(op, _)
        | Change::Rule(op, _)
        | Change::Route(op, _, _)
        | Change::Neighbour(op, _)
        | Change::Nexthop(op, _) => sign(*op),
        // re-reads are not one object: `marked_line` writes their own `=` line
        _ => '=',
    };
    marked_line(sign, state, change)
}

/// An object's line with `mark` in front: `+` and `-` for `monitor`, `~` for an object `diff`
/// found changed; a re-read is written as its own `=` line whatever the mark.
pub fn marked_line(mark: char, state: &State, change: &Change) -> String {
    match change {
        Change::Link(_, link) => format!("{mark} link    {}", link_line(state, link)),
        Change::Address(_, a) => {
            format!(
                "{mark} address {:<10} {}",
                state.link_name(a.index),
                address_line(a)
            )
        }
        Change::Rule(_, rule) => {
            format!(
                "{mark} rule    {} {}",
                family_label(rule.family),
                rule_line(state, rule).trim_start()
            )
        }
        Change::Route(_, _, route) => format!(
            "{mark} route   table {:<8} {}",
            state.table_names.name(route.table),
            route_line(state, route)
        ),
        Change::Neighbour(_, n) => {
            let state_names = n.state.names().join(",");
            format!(
                "{mark} neigh   {} dev {} {state_names}",
                n.dst,
                state.link_name(n.index)
            )
        }
        Change::Nexthop(_, nh) => format!("{mark} nexthop {}", nexthop_line(state, nh)),
        Change::Tables(family, tables) => {
            let routes: usize = tables.values().map(crate::model::RouteTable::len).sum();
            format!(
                "= routes  {} re-read from the kernel: {routes} routes",
                family_label(*family)
            )
        }
        Change::Addresses(list) => format!("= addresses re-read: {}", list.len()),
        Change::Neighbours(list) => format!("= neighbours re-read: {} entries", list.len()),
        Change::Nexthops(map) => format!("= nexthops re-read: {}", map.len()),
        Change::Sysctls(_) => "= sysctls re-read".to_owned(),
        Change::Groups(_) => "= multicast memberships re-read".to_owned(),
        Change::Snapshot(s) => format!(
            "= state   {} links, {} addresses, {} rules, {} routes",
            s.links.len(),
            s.addresses.len(),
            s.rules.len(),
            s.route_count()
        ),
    }
}

/// A change in a few words, for "the answer changed after …": `rule 5270 (from all lookup 100)
/// was deleted`, `route 10.0.0.0/8 table main was added`; `state` supplies the names.
pub fn change_phrase(state: &State, change: &Change) -> String {
    let done = |op: &Op| match op {
        Op::New => "added",
        Op::Del => "deleted",
    };
    match change {
        Change::Link(Op::New, l) => match state.link(l.index) {
            Some(old) if old.is_up() != l.is_up() => {
                let how = if l.is_up() { "set up" } else { "set down" };
                format!("link {} was {how}", l.name)
            }
            Some(old) if old.operstate != l.operstate => {
                format!("link {} is now {}", l.name, l.operstate.name())
            }
            Some(_) => format!("link {} changed", l.name),
            None => format!("link {} was added", l.name),
        },
        Change::Link(op, l) => format!("link {} was {}", l.name, done(op)),
        Change::Address(op, a) => format!(
            "address {}/{} on {} was {}",
            a.local,
            a.prefix_len,
            state.link_name(a.index),
            done(op)
        ),
        Change::Rule(op, r) => format!(
            "{} rule {} ({}) was {}",
            family_label(r.family),
            r.priority,
            r.selector_text(&state.table_names.name(r.table)),
            done(op)
        ),
        Change::Route(op, _, r) => format!(
            "route {} table {} was {}",
            if r.dst.prefix_len() == 0 {
                "default".to_owned()
            } else {
                crate::model::prefix_text(r.dst)
            },
            state.table_names.name(r.table),
            done(op)
        ),
        Change::Neighbour(op, n) => format!(
            "neighbour {} on {} was {}",
            n.dst,
            state.link_name(n.index),
            if *op == Op::New { "updated" } else { "deleted" }
        ),
        Change::Nexthop(op, n) => format!("nexthop {} was {}", n.id, done(op)),
        Change::Tables(family, _) => format!("{} routes were re-read", family_label(*family)),
        Change::Addresses(_) => "addresses were re-read".to_owned(),
        Change::Neighbours(_) => "neighbours were re-read".to_owned(),
        Change::Nexthops(_) => "nexthops were re-read".to_owned(),
        Change::Sysctls(_) => "sysctls were re-read".to_owned(),
        Change::Groups(_) => "multicast memberships were re-read".to_owned(),
        Change::Snapshot(_) => "the whole state was re-read".to_owned(),
    }
}

/// The NDJSON record of a change (`kind`, `action`, and the object as in `dump --json`).
///
/// Whole-table and whole-state replacements become a `resync` record; their content is in the
/// final `state` record, so a million routes are not printed twice.
pub fn change_json(state: &State, change: &Change) -> Value {
    let record = |kind: &str, op: Op, object: Value| json!({ "kind": kind, "action": action(op), kind: object });
    match change {
        Change::Link(op, l) => record("link", *op, json!(link_json(state, l))),
        Change::Address(op, a) => record("address", *op, json!(address_json(state, a))),
        Change::Rule(op, r) => record("rule", *op, json!(rule_json(state, r))),
        Change::Route(op, _, r) => record("route", *op, json!(route_json(state, r))),
        Change::Neighbour(op, n) => record("neighbour", *op, json!(neighbour_json(state, n))),
        Change::Nexthop(op, n) => record("nexthop", *op, json!(nexthop_json(state, n))),
        Change::Tables(family, _) => {
            json!({ "kind": "resync", "reason": format!("{} routes re-read: the kernel changed them without notifications", family_label(*family)) })
        }
        Change::Addresses(_) => json!({ "kind": "resync", "reason": "addresses re-read" }),
        Change::Neighbours(_) => json!({ "kind": "resync", "reason": "neighbours re-read" }),
        Change::Nexthops(_) => json!({ "kind": "resync", "reason": "nexthops re-read" }),
        Change::Sysctls(_) => json!({ "kind": "resync", "reason": "sysctls re-read" }),
        Change::Groups(_) => {
            json!({ "kind": "resync", "reason": "multicast memberships re-read" })
        }
        Change::Snapshot(_) => json!({ "kind": "resync", "reason": "full state re-read" }),
    }
}

/// What a change line ends with: `   by netwatchd (pid 612)`, `   by port 4242 (no longer
/// running)`, `   by kernel (link eth0 went down)`; nothing for routescope's own re-reads, whose
/// lines say so already.
pub fn by_suffix(origin: &Origin) -> String {
    match origin {
        Origin::Reread => String::new(),
        Origin::Socket { .. } | Origin::Kernel { .. } => format!("   by {}", origin.who()),
    }
}

/// The JSON form of who made a change: `by` (`socket`, `kernel`, `reread`), `portid`, the
/// process's `pid`, `comm` and `cmdline` when it was found, `running` (true, false, or null when
/// not known), and the kernel's `cause` (`docs/cli-contract.md`, `monitor --json`).
pub fn origin_json(origin: &Origin) -> Value {
    let by = match origin {
        Origin::Socket { .. } => "socket",
        Origin::Kernel { .. } => "kernel",
        Origin::Reread => "reread",
    };
    let process = origin.process();
    json!({
        "by": by,
        "portid": origin.portid(),
        "pid": process.map(|p| p.pid),
        "comm": process.map(|p| p.comm.as_str()),
        "cmdline": process.map(|p| p.cmdline.as_str()),
        "running": origin.running(),
        "cause": origin.cause(),
    })
}

/// A change's NDJSON record (`change_json`) with when it was read and who made it.
pub fn change_record(state: &State, change: &Change, origin: &Origin, time: &str) -> Value {
    let mut record = change_json(state, change);
    if let Value::Object(fields) = &mut record {
        fields.insert("time".into(), Value::from(time));
        fields.insert("origin".into(), origin_json(origin));
    }
    record
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Owner;

    #[test]
    fn origins_in_text_and_json() {
        let running = crate::model::fixtures::by_process(612, "netwatchd", "netwatchd -batch -");
        assert_eq!(by_suffix(&running), "   by netwatchd (pid 612)");
        assert_eq!(
            origin_json(&running),
            json!({"by": "socket", "portid": 612, "pid": 612, "comm": "netwatchd",
                   "cmdline": "netwatchd -batch -", "running": true, "cause": null})
        );
        let gone = Origin::Socket {
            portid: 4242,
            owner: Owner::Gone,
        };
        assert_eq!(by_suffix(&gone), "   by port 4242 (no longer running)");
        assert_eq!(origin_json(&gone)["running"], json!(false));
        assert_eq!(origin_json(&gone)["pid"], Value::Null);
        let kernel = Origin::Kernel {
            cause: Some("link eth0 went down".into()),
        };
        assert_eq!(by_suffix(&kernel), "   by kernel (link eth0 went down)");
        assert_eq!(
            origin_json(&kernel),
            json!({"by": "kernel", "portid": 0, "pid": null, "comm": null, "cmdline": null,
                   "running": null, "cause": "link eth0 went down"})
        );
        assert_eq!(by_suffix(&Origin::Reread), "");
        assert_eq!(origin_json(&Origin::Reread)["by"], json!("reread"));
    }

    #[test]
    fn a_record_carries_time_and_origin() {
        let state = crate::model::fixtures::server();
        let route = state.routes().next().unwrap().clone();
        let change = Change::Route(Op::New, crate::model::Placement::Last, route);
        let record = change_record(
            &state,
            &change,
            &Origin::of_portid(7),
            "2026-11-24T23:40:01.217Z",
        );
        assert_eq!(record["kind"], json!("route"));
        assert_eq!(record["time"], json!("2026-11-24T23:40:01.217Z"));
        assert_eq!(record["origin"]["portid"], json!(7));
        assert_eq!(record["origin"]["running"], Value::Null);
    }
}
