//! The state as text for people: grouped by table, aligned, fit for 80 columns over SSH.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::names::protocol_name;
use crate::model::{
    Address, Family, Hop, Link, Nexthop, Route, RouteKind, Rule, Scope, State, escape,
};

/// Writes the whole state: links, addresses, rules, every table, neighbours, nexthops.
pub fn write_state(state: &State, out: impl Write) -> io::Result<()> {
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    writeln!(out, "Links")?;
    for link in state.links.values() {
        writeln!(out, "  {}", link_line(state, link))?;
    }
    writeln!(out, "\nAddresses")?;
    for link in state.links.values() {
        for (i, a) in state
            .addresses
            .iter()
            .filter(|a| a.index == link.index)
            .enumerate()
        {
            let dev = if i == 0 {
                link.name.to_string()
            } else {
                String::new()
            };
            writeln!(out, "  {dev:<10} {}", address_line(a))?;
        }
    }
    for family in [Family::V4, Family::V6] {
        writeln!(out, "\nRules ({})", family_label(family))?;
        for rule in state.rules_of(family) {
            writeln!(out, "  {}", rule_line(state, rule))?;
        }
    }
    for ((family, id), table) in &state.tables {
        let name = state.table_names.name(*id);
        let count = table.len();
        let plural = if count == 1 { "" } else { "s" };
        let title = if name == id.to_string() {
            name
        } else {
            format!("{name} ({id})")
        };
        writeln!(
            out,
            "\nTable {title}, {}: {count} route{plural}",
            family_label(*family)
        )?;
        for route in table.iter() {
            writeln!(out, "  {}", route_row(state, &route))?;
        }
    }
    if !state.neighbours.is_empty() {
        writeln!(out, "\nNeighbours")?;
        for n in &state.neighbours {
            let lladdr = n
                .lladdr
                .as_deref()
                .map(crate::model::hex_colon)
                .unwrap_or_default();
            let dev = state.link_name(n.index);
            writeln!(
                out,
                "  {:<28} dev {dev:<10} {lladdr:<17} {}",
                n.dst,
                n.state.names().join(",")
            )?;
        }
    }
    if !state.nexthops.is_empty() {
        writeln!(out, "\nNexthops")?;
        for nh in state.nexthops.values() {
            writeln!(out, "  {}", nexthop_line(state, nh))?;
        }
    }
    out.flush()
}

/// `IPv4` or `IPv6`.
pub fn family_label(family: Family) -> &'static str {
    match family {
        Family::V4 => "IPv4",
        Family::V6 => "IPv6",
    }
}

/// One link: index, name, state, kind, MAC, MTU, master.
pub fn link_line(state: &State, link: &Link) -> String {
    // a kind read from a snapshot can be any text
    let kind =
        escape(
            link.kind
                .as_deref()
                .unwrap_or(if link.is_loopback() { "loopback" } else { "" }),
        );
    let updown = if link.is_up() { "UP" } else { "DOWN" };
    let mut line = format!(
        "{:>3}  {:<12} {updown:<4} {:<14} {kind:<8} mtu {:<5}",
        link.index,
        link.name,
        link.operstate.name().to_lowercase(),
        link.mtu
    );
    if let Some(mac) = link.mac_text().filter(|m| m != "00:00:00:00:00:00") {
        let _ = write!(line, " {mac}");
    }
    if let Some(master) = link.master {
        let _ = write!(line, " master {}", state.link_name(master));
    }
    line.trim_end().to_owned()
}

/// One address: family, prefix, scope and flags.
pub fn address_line(a: &Address) -> String {
    let family = a.family().name();
    let prefix = match a.peer {
        Some(peer) => format!("{} peer {peer}/{}", a.local, a.prefix_len),
        None => format!("{}/{}", a.local, a.prefix_len),
    };
    let mut line = format!("{family:<5} {prefix:<30} {}", a.scope.name());
    let flags: Vec<&str> = a
        .flags
        .names()
        .into_iter()
        .filter(|f| *f != "permanent")
        .collect();
    if !flags.is_empty() {
        line.push(' ');
        line.push_str(&flags.join(" "));
    }
    if let Some(label) = a.label.as_ref().filter(|l| l.as_bytes().contains(&b':')) {
        let _ = write!(line, " label {label}");
    }
    line
}

/// One rule as `ip rule` prints it, priority first.
pub fn rule_line(state: &State, rule: &Rule) -> String {
    format!(
        "{:>5}: {}",
        rule.priority,
        rule.selector_text(&state.table_names.name(rule.table))
    )
}

/// One route on one line, in the words of `ip route`, with its type in front when it is not
/// unicast: one space between words, so it reads the same inside a sentence (explanations,
/// events, the routes pane); only `route_row` aligns columns.
pub fn route_line(state: &State, r: &Route) -> String {
    let parts = route_parts(state, r);
    let mut line = parts.head;
    for words in std::iter::once(&parts.rest).chain(&parts.hops) {
        if !words.is_empty() {
            line.push(' ');
            line.push_str(words);
        }
    }
    line
}

/// A route as `dump` aligns it: type and destination in one column, the rest after, and each
/// nexthop on a line of its own below (a multipath route's, or the members of the nexthop
/// object the route names).
pub fn route_row(state: &State, r: &Route) -> String {
    let parts = route_parts(state, r);
    let mut row = format!("{:<30} {}", parts.head, parts.rest)
        .trim_end()
        .to_owned();
    let members: Vec<String> = nexthop_members(state, r.nhid)
        .into_iter()
        .map(|m| format!("nexthop {m}"))
        .collect();
    let below = if members.is_empty() {
        &parts.hops
    } else {
        &members
    };
    for hop in below {
        let _ = write!(row, "\n{:13}{hop}", "");
    }
    row
}

/// A route in words: its type and destination (`unreachable 10.66.0.0/16`), what follows them,
/// and one phrase per nexthop of a multipath route; every part single-spaced.
struct RouteParts {
    head: String,
    rest: String,
    hops: Vec<String>,
}

/// Splits a route into the parts `route_line` and `route_row` lay out.
fn route_parts(state: &State, r: &Route) -> RouteParts {
    let dst = if r.dst.prefix_len() == 0 {
        "default".to_owned()
    } else if r.dst.prefix_len() == r.dst.max_prefix_len() {
        r.dst.addr().to_string()
    } else {
        r.dst.to_string()
    };
    let head = if r.kind == RouteKind::Unicast {
        dst
    } else {
        format!("{} {dst}", r.kind.name())
    };
    let mut words: Vec<String> = Vec::new();
    if let Some(src) = r.src_prefix() {
        words.push(format!("from {src}"));
    }
    if r.tos != 0 {
        words.push(format!("tos {:#04x}", r.tos));
    }
    if r.nhid != 0 {
        words.push(format!("nhid {}", r.nhid));
    }
    if let Hop::One(nh) = &r.hops {
        if let Some(gw) = nh.gateway {
            words.push(format!("via {gw}"));
        }
        if nh.dev != 0 {
            words.push(format!("dev {}", state.link_name(nh.dev)));
        }
    }
    words.extend(attribute_words(r, 4));
    for kind in r.extra.iter().flat_map(|e| &e.unmodelled) {
        words.push(format!("attribute{kind}"));
    }
    let flags = crate::model::RouteFlags(r.flags.0 | single_hop_flags(r));
    words.extend(flags.names().into_iter().map(str::to_owned));
    let hops = match &r.hops {
        Hop::Multi(hops) => hops
            .iter()
            .map(|nh| {
                let mut phrase = vec!["nexthop".to_owned()];
                if let Some(g) = nh.gateway {
                    phrase.push(format!("via {g}"));
                }
                phrase.push(format!("dev {}", state.link_name(nh.dev)));
                phrase.push(format!("weight {}", nh.weight));
                phrase.extend(nh.flags.names().into_iter().map(str::to_owned));
                phrase.join(" ")
            })
            .collect(),
        _ => Vec::new(),
    };
    RouteParts {
        head,
        rest: words.join(" "),
        hops,
    }
}

/// A route's protocol (unless it is `implied`: the one the printed form takes for granted),
/// scope, preferred source, metric and realm in the words of `ip route`.
pub fn attribute_words(r: &Route, implied: u8) -> Vec<String> {
    let mut words = Vec::new();
    if r.protocol != 0 && r.protocol != implied {
        words.push(format!("proto {}", protocol_name(r.protocol)));
    }
    if r.scope != Scope::UNIVERSE {
        words.push(format!("scope {}", r.scope.name()));
    }
    if let Some(src) = r.prefsrc {
        words.push(format!("src {src}"));
    }
    if r.metric != 0 {
        words.push(format!("metric {}", r.metric));
    }
    if let Some(realm) = r.extra.as_ref().and_then(|e| e.realm) {
        words.push(format!("realm {realm}"));
    }
    words
}

/// The nexthops a route's nexthop object `nhid` stands for, one phrase each: the object itself,
/// or a group's members with their weights (`id 1 via 10.0.0.1 dev eth0 weight 2`); empty when
/// the route names no object or the object is not known.
pub fn nexthop_members(state: &State, nhid: u32) -> Vec<String> {
    let Some(object) = state.nexthops.get(&nhid).filter(|_| nhid != 0) else {
        return Vec::new();
    };
    if object.group.is_empty() {
        return vec![nexthop_line(state, object)];
    }
    object
        .group
        .iter()
        .map(|m| match state.nexthops.get(&m.id) {
            Some(member) => format!("{} weight {}", nexthop_line(state, member), m.weight),
            None => format!("id {} (not known) weight {}", m.id, m.weight),
        })
        .collect()
}

/// The nexthop flags of a single-nexthop route (shown on the route itself, as `ip` does).
fn single_hop_flags(r: &Route) -> u32 {
    match &r.hops {
        Hop::One(nh) => nh.flags.0,
        _ => 0,
    }
}

/// One nexthop object as `ip nexthop` prints it.
pub fn nexthop_line(state: &State, nh: &Nexthop) -> String {
    let mut words = vec![format!("id {}", nh.id)];
    if !nh.group.is_empty() {
        let members: Vec<String> = nh
            .group
            .iter()
            .map(|m| {
                if m.weight > 1 {
                    format!("{},{}", m.id, m.weight)
                } else {
                    m.id.to_string()
                }
            })
            .collect();
        words.push(format!("group {}", members.join("/")));
        if nh.group_type == 1 {
            words.push("type resilient".into());
        }
    }
    if let Some(gw) = nh.gateway {
        words.push(format!("via {gw}"));
    }
    if let Some(dev) = nh.dev {
        words.push(format!("dev {}", state.link_name(dev)));
    }
    if nh.blackhole {
        words.push("blackhole".into());
    }
    if nh.fdb {
        words.push("fdb".into());
    }
    words.join(" ")
}
