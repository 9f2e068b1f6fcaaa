//! The differences of two states for people (grouped by kind, `+ - ~` lines reusing the
//! `monitor` line of each object) and for scripts (the `diff --json` contract).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use serde_json::{Value as Json, json};

use super::events::marked_line;
use super::explain::{answer_line, rule_and_confidence, verdict_json};
use super::json::{address_json, link_json, neighbour_json, nexthop_json, route_json, rule_json};
use super::names::protocol_name;
use super::text::route_line;
use crate::diff::{Changed, DeviceSettings, Diff, FieldChange, QueryDiff, Section, Value};
use crate::lookup::Verdict;
use crate::model::{
    Address, Change, Link, Neighbour, Nexthop, Op, Placement, Route, Rule, State, escape,
};

/// Where one side of the comparison came from.
#[derive(Debug, Clone, Copy)]
pub enum Source<'a> {
    /// A `dump --json` file.
    File(&'a Path),
    /// The kernel, now: of namespace NAME, or of routescope's own namespace.
    Live(Option<&'a str>),
}

impl Source<'_> {
    /// The side in words, for the `---` / `+++` header.
    fn text(self) -> String {
        match self {
            Self::File(path) => escape(&path.display().to_string()).into_owned(),
            Self::Live(Some(ns)) => format!("namespace {} (live)", escape(ns)),
            Self::Live(None) => "this namespace (live)".to_owned(),
        }
    }

    /// The side as JSON: `{"file": PATH}` or `{"netns": NAME|null}`.
    fn json(self) -> Json {
        match self {
            Self::File(path) => json!({ "file": path.to_string_lossy() }),
            Self::Live(ns) => json!({ "netns": ns }),
        }
    }
}

/// Everything `diff` reports: both sides, what differs between them, and the queries asked.
pub struct DiffReport<'a> {
    /// The earlier state.
    pub a: &'a State,
    /// The later state.
    pub b: &'a State,
    /// Where the earlier state came from.
    pub a_source: Source<'a>,
    /// Where the later state came from.
    pub b_source: Source<'a>,
    /// What differs between them.
    pub diff: Diff<'a>,
    /// Each query as the user wrote it, with its answers in both states.
    pub queries: Vec<(String, QueryDiff)>,
}

impl DiffReport<'_> {
    /// Whether the states differ in anything compared, or any query is answered differently.
    pub fn differs(&self) -> bool {
        !self.diff.is_empty() || self.queries.iter().any(|(_, q)| !q.same())
    }
}

/// Writes the text form: a header naming both sides, then each kind with differences.
pub fn write_text(out: &mut impl Write, r: &DiffReport) -> io::Result<()> {
    writeln!(out, "--- {}", r.a_source.text())?;
    writeln!(out, "+++ {}", r.b_source.text())?;
    let d = &r.diff;
    section_text(
        out,
        r,
        "Links",
        &d.links,
        object(|l: &Link| Change::Link(Op::New, l.clone())),
    )?;
    let address = object(|a: &Address| Change::Address(Op::New, a.clone()));
    section_text(out, r, "Addresses", &d.addresses, address)?;
    section_text(
        out,
        r,
        "Rules",
        &d.rules,
        object(|x: &Rule| Change::Rule(Op::New, x.clone())),
    )?;
    let route = object(|x: &Route| Change::Route(Op::New, Placement::Last, x.clone()));
    section_text(out, r, "Routes", &d.routes.as_refs(), route)?;
    let nexthop = object(|n: &Nexthop| Change::Nexthop(Op::New, n.clone()));
    section_text(out, r, "Nexthops", &d.nexthops, nexthop)?;
    let neighbour = object(|n: &Neighbour| Change::Neighbour(Op::New, n.clone()));
    section_text(out, r, "Neighbours", &d.neighbours, neighbour)?;
    section_text(
        out,
        r,
        "Sysctls",
        &d.sysctls,
        |_, mark, s: DeviceSettings| {
            format!(
                "{mark} sysctl  {}",
                s.dev.map_or_else(|| "all".to_owned(), ToString::to_string)
            )
        },
    )?;
    if d.is_empty() {
        writeln!(out, "no differences")?;
    }
    queries_text(out, r)
}

/// An object's line as `monitor` writes it (the change is only the vehicle of its text).
fn object<T>(change: impl Fn(T) -> Change) -> impl Fn(&State, char, T) -> String {
    move |state, mark, item| marked_line(mark, state, &change(item))
}

/// One kind's lines: removed, added, then changed with a line per attribute.
fn section_text<T: Copy>(
    out: &mut impl Write,
    r: &DiffReport,
    title: &str,
    section: &Section<T>,
    line: impl Fn(&State, char, T) -> String,
) -> io::Result<()> {
    if section.is_empty() {
        return Ok(());
    }
    let counts: Vec<String> = [
        (section.removed.len(), "removed"),
        (section.added.len(), "added"),
        (section.changed.len(), "changed"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    writeln!(out, "{title}: {}", counts.join(", "))?;
    for item in &section.removed {
        writeln!(out, "  {}", line(r.a, '-', *item))?;
    }
    for item in &section.added {
        writeln!(out, "  {}", line(r.b, '+', *item))?;
    }
    for Changed { after, fields, .. } in &section.changed {
        writeln!(out, "  {}", line(r.b, '~', *after))?;
        for f in fields {
            writeln!(
                out,
                "      {}: {} → {}",
                f.field,
                value_text(r.a, &f.before),
                value_text(r.b, &f.after)
            )?;
        }
    }
    Ok(())
}

/// The queries: those answered differently with both verdicts, then those answered the same.
fn queries_text(out: &mut impl Write, r: &DiffReport) -> io::Result<()> {
    if r.queries.is_empty() {
        return Ok(());
    }
    let differ = r.queries.iter().filter(|(_, q)| !q.same()).count();
    let same = r.queries.len() - differ;
    writeln!(out, "Queries: {differ} differ, {same} same")?;
    for (words, q) in r.queries.iter().filter(|(_, q)| !q.same()) {
        writeln!(out, "  ~ {} ({})", escape(words), q.differences.join(", "))?;
        writeln!(out, "      before: {}", verdict_line(r.a, &q.before))?;
        writeln!(out, "      after:  {}", verdict_line(r.b, &q.after))?;
    }
    for (words, q) in r.queries.iter().filter(|(_, q)| q.same()) {
        let line = verdict_line(r.b, &q.after);
        writeln!(out, "  = {} same: {line}", escape(words))?;
    }
    Ok(())
}

/// A verdict on one line: the answer, table, rule, route; the summary when no rule decided.
fn verdict_line(state: &State, v: &Verdict) -> String {
    let mut line = answer_line(state, &v.answer);
    if let Some(t) = v.answer.table {
        let _ = write!(line, ", table {}", state.table_names.name(t));
    }
    line.push_str(&rule_and_confidence(v));
    if let Some(route) = &v.route {
        let _ = write!(line, ", route {}", route_line(state, route));
    }
    if v.rule.is_none() && !v.summary.is_empty() {
        let _ = write!(line, " ({})", v.summary);
    }
    escape(&line).into_owned()
}

/// An attribute's value in words, with the names of `state` (its side of the comparison).
fn value_text(state: &State, v: &Value) -> String {
    match v {
        Value::Absent => "none".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::Flag(b) => if *b { "on" } else { "off" }.to_owned(),
        Value::Word(w) => escape(w).into_owned(),
        Value::Words(w) if w.is_empty() => "none".to_owned(),
        Value::Words(w) => escape(&w.join(", ")).into_owned(),
        Value::Device(name) => name.to_string(),
        Value::Address(a) => a.to_string(),
        Value::Table(t) => state.table_names.name(*t),
        Value::Protocol(p) => protocol_name(*p),
    }
}

/// An attribute's value as JSON: numbers as numbers, tables by id, devices by their JSON name.
fn value_json(v: &Value) -> Json {
    match v {
        Value::Absent => Json::Null,
        Value::Number(n) => json!(n),
        Value::Flag(b) => json!(b),
        Value::Word(w) => json!(w),
        Value::Words(w) => json!(w),
        Value::Device(name) => json!(name),
        Value::Address(a) => json!(a),
        Value::Table(t) => json!(t),
        Value::Protocol(p) => json!(protocol_name(*p)),
    }
}

/// The `diff --json` document.
pub fn to_json(r: &DiffReport) -> Json {
    let d = &r.diff;
    let sysctl = |_: &State, s: DeviceSettings| {
        let mut v = serde_json::to_value(s.values).unwrap_or_default();
        if let Json::Object(map) = &mut v {
            map.insert(
                "dev".into(),
                s.dev.map_or_else(|| json!("all"), |d| json!(d)),
            );
        }
        v
    };
    json!({
        "version": super::json::VERSION,
        "a": r.a_source.json(),
        "b": r.b_source.json(),
        "same": !r.differs(),
        "links": section_json(r, &d.links, |s, l| json!(link_json(s, l))),
        "addresses": section_json(r, &d.addresses, |s, a| json!(address_json(s, a))),
        "rules": section_json(r, &d.rules, |s, x| json!(rule_json(s, x))),
        "routes": section_json(r, &d.routes.as_refs(), |s, x| json!(route_json(s, x))),
        "nexthops": section_json(r, &d.nexthops, |s, n| json!(nexthop_json(s, n))),
        "neighbours": section_json(r, &d.neighbours, |s, n| json!(neighbour_json(s, n))),
        "sysctls": section_json(r, &d.sysctls, sysctl),
        "queries": r.queries.iter().map(|(words, q)| json!({
            "query": words,
            "same": q.same(),
            "differences": q.differences,
            "before": verdict_json(r.a, &q.before),
            "after": verdict_json(r.b, &q.after),
        })).collect::<Vec<_>>(),
    })
}

/// One kind as `{"added": […], "removed": […], "changed": [{"before", "after", "changes"}]}`,
/// each object as `dump --json` writes it with the names of its own side.
fn section_json<T: Copy>(
    r: &DiffReport,
    section: &Section<T>,
    object: impl Fn(&State, T) -> Json,
) -> Json {
    let change = |f: &FieldChange| json!({ "field": f.field, "before": value_json(&f.before), "after": value_json(&f.after) });
    json!({
        "added": section.added.iter().map(|x| object(r.b, *x)).collect::<Vec<_>>(),
        "removed": section.removed.iter().map(|x| object(r.a, *x)).collect::<Vec<_>>(),
        "changed": section.changed.iter().map(|c| json!({
            "before": object(r.a, c.before),
            "after": object(r.b, c.after),
            "changes": c.fields.iter().map(change).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}
