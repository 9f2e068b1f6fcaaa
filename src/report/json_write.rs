//! The state as one JSON object: `StateJson` streams it through serde (the final record of
//! `monitor --json`), and `write_state` writes the same bytes fast for `dump --json`, routes
//! serialized in chunks on two threads straight from the model.

use std::collections::BTreeMap;
use std::io::{self, BufWriter, Write};
use std::sync::mpsc;

use serde::Serialize;

use super::json::{
    JsonGroup, VERSION, address_json, link_json, neighbour_json, nexthop_json, rule_json,
};
use super::json_route::{DevNames, RouteJson, dev_name_table};
use crate::model::{DeviceSysctls, LinkName, Route, RouteTable, State};

/// Routes per chunk: a few MiB of text, so two chunks in flight stay small next to the state.
const CHUNK: usize = 32 * 1024;

/// Writes the state as one JSON object followed by a newline.
pub fn write_state(state: &State, out: impl Write) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut head = serde_json::to_vec(&Part::Head(state))?;
    head.pop(); // its closing brace: the routes and the tail follow
    out.write_all(&head)?;
    out.write_all(b",\"routes\":[")?;
    let names = dev_name_table(state);
    write_routes(state, DevNames::Cached(&names), &mut out)?;
    out.write_all(b"],")?;
    let tail = serde_json::to_vec(&Part::Tail(state))?;
    out.write_all(&tail[1..])?; // without its opening brace
    out.write_all(b"\n")?;
    out.flush()
}

/// A run of up to `CHUNK` routes of one table, from a position.
type Span<'a> = (&'a RouteTable, usize);

/// Writes every route, comma-separated: even chunks on this thread, odd ones on a helper that
/// hands each over when done (at most two chunks wait), so both cores serialize.
fn write_routes(state: &State, names: DevNames<'_>, out: &mut impl Write) -> io::Result<()> {
    let spans: Vec<Span<'_>> = state
        .tables
        .values()
        .flat_map(|t| (0..t.len()).step_by(CHUNK).map(move |at| (t, at)))
        .collect();
    let mut buf = Vec::new();
    if spans.len() < 2 {
        for (i, span) in spans.iter().enumerate() {
            chunk(&mut buf, state, names, *span, i == 0)?;
        }
        return out.write_all(&buf);
    }
    std::thread::scope(|scope| {
        let (done, ready) = mpsc::sync_channel::<io::Result<Vec<u8>>>(1);
        let helper_spans = &spans;
        scope.spawn(move || {
            for span in helper_spans.iter().skip(1).step_by(2) {
                let mut buf = Vec::with_capacity(CHUNK * 64);
                let result = chunk(&mut buf, state, names, *span, false).map(|()| buf);
                if done.send(result).is_err() {
                    break; // the writer stopped (an error): nothing more is wanted
                }
            }
        });
        for (i, span) in spans.iter().enumerate() {
            if i % 2 == 0 {
                buf.clear();
                chunk(&mut buf, state, names, *span, i == 0)?;
                out.write_all(&buf)?;
            } else {
                let theirs = ready
                    .recv()
                    .map_err(|_| io::Error::other("the route writer thread stopped"))??;
                out.write_all(&theirs)?;
            }
        }
        Ok(())
    })
}

/// Appends the routes of `span`, each preceded by a comma unless it is the very first route.
fn chunk(
    buf: &mut Vec<u8>,
    state: &State,
    names: DevNames<'_>,
    (table, at): Span<'_>,
    first: bool,
) -> io::Result<()> {
    for (i, route) in table.iter_from(at).take(CHUNK).enumerate() {
        if i > 0 || !first {
            buf.push(b',');
        }
        let json = RouteJson {
            route: &route,
            state,
            names,
        };
        serde::Serialize::serialize(&json, &mut serde_json::Serializer::new(&mut *buf))?;
    }
    Ok(())
}

/// The state in its JSON form, serialized as it streams (a million routes are never copied).
pub struct StateJson<'a>(pub &'a State);

impl Serialize for StateJson<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let state = self.0;
        let mut map = serializer.serialize_map(None)?;
        head_entries(&mut map, state)?;
        let names = dev_name_table(state);
        let names = DevNames::Cached(&names);
        map.serialize_entry(
            "routes",
            &Seq(|| {
                state.routes().map(move |route| TableRoute {
                    route,
                    state,
                    names,
                })
            }),
        )?;
        tail_entries(&mut map, state)?;
        map.end()
    }
}

/// The part of the state object before `routes`, or after it, as an object of its own (the
/// dump writer writes the routes between the two itself).
#[derive(Clone, Copy)]
pub enum Part<'a> {
    /// `version`, `links`, `addresses`, `rules`.
    Head(&'a State),
    /// `neighbours`, `nexthops`, `sysctls`, `table_names`, `ipv4_tables_merged`,
    /// `device_order`, `multicast_groups`.
    Tail(&'a State),
}

impl Serialize for Part<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(None)?;
        match *self {
            Self::Head(state) => head_entries(&mut map, state)?,
            Self::Tail(state) => tail_entries(&mut map, state)?,
        }
        map.end()
    }
}

/// Writes the entries before `routes`.
fn head_entries<M: serde::ser::SerializeMap>(map: &mut M, state: &State) -> Result<(), M::Error> {
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
    )
}

/// Writes the entries after `routes`.
fn tail_entries<M: serde::ser::SerializeMap>(map: &mut M, state: &State) -> Result<(), M::Error> {
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
    map.serialize_entry("multicast_groups", &groups)
}

/// A sequence serialized from an iterator made on demand.
struct Seq<F>(F);

/// A route copied out of its table, written as `RouteJson` writes it.
struct TableRoute<'a> {
    route: Route,
    state: &'a State,
    names: DevNames<'a>,
}

impl Serialize for TableRoute<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let json = RouteJson {
            route: &self.route,
            state: self.state,
            names: self.names,
        };
        json.serialize(serializer)
    }
}

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
