//! `routescope get`: explain a lookup, ask the kernel, say whether they agree.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use serde_json::{Value, json};

use crate::error::{BadInput, exit};
use crate::load as state;
use crate::lookup::{Confidence, Explanation, Query, Stage, explain};
use crate::model::{RouteKind, State};
use crate::net::{KernelAnswer, RouteGetRequest};
use crate::report::json::route_json;
use crate::verify;

/// Explains `words` against the live namespace or a snapshot.
pub fn run(
    netns: Option<&str>,
    snapshot: Option<&Path>,
    words: &[String],
    as_json: bool,
    no_kernel: bool,
) -> color_eyre::Result<ExitCode> {
    let query = Query::parse(words).map_err(|e| BadInput(e.to_string()))?;
    let rt = state::runtime()?;
    let state = rt.block_on(state::load(netns, snapshot))?;
    query
        .validate(&state)
        .map_err(|e| BadInput(e.to_string()))?;
    let explanation = explain(&state, &query);
    let kernel = if no_kernel || snapshot.is_some() {
        None
    } else {
        Some(rt.block_on(crate::net::route_get(
            netns,
            RouteGetRequest::for_query(&state, &query),
        ))?)
    };
    let diffs = kernel
        .as_ref()
        .map(|k| verify::differences(&state, &explanation.verdict, k));
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(
            out,
            "{}",
            to_json(&state, &explanation, kernel.as_ref(), diffs.as_deref())
        )?;
    } else {
        write_text(
            &mut out,
            &state,
            &explanation,
            kernel.as_ref(),
            diffs.as_deref(),
        )?;
    }
    Ok(ExitCode::from(if diffs.is_some_and(|d| !d.is_empty()) {
        exit::DISAGREE
    } else if explanation.verdict.is_ok() {
        exit::OK
    } else {
        exit::ROUTE_ERROR
    }))
}

/// A verdict or kernel answer in the words of `ip route get`.
fn answer_line(
    state: &State,
    kind: Option<RouteKind>,
    error: Option<&str>,
    dev: Option<u32>,
    gw: Option<std::net::IpAddr>,
    src: Option<std::net::IpAddr>,
) -> String {
    if let Some(e) = error {
        return format!("error {e}");
    }
    let mut words = vec![kind.map_or_else(|| "?".into(), RouteKind::name)];
    if let Some(g) = gw {
        words.push(format!("via {g}"));
    }
    if let Some(d) = dev {
        words.push(format!("dev {}", state.link_name(d)));
    }
    if let Some(s) = src {
        words.push(format!("src {s}"));
    }
    words.join(" ")
}

/// The explanation for people, top to bottom.
fn write_text(
    out: &mut impl Write,
    state: &State,
    e: &Explanation,
    kernel: Option<&KernelAnswer>,
    diffs: Option<&[String]>,
) -> std::io::Result<()> {
    writeln!(out, "Query    {}", e.query.to_words())?;
    for step in &e.steps {
        let label = match step.stage {
            Stage::Flow => "Flow",
            Stage::Rule => "Rule",
            Stage::Table => "Table",
            Stage::Route => "Route",
            Stage::Nexthop => "Nexthop",
            Stage::Source => "Source",
            Stage::Input => "Input",
            Stage::Verdict => continue,
        };
        if step.stage == Stage::Rule && step.rule_priority.is_some() {
            writeln!(out, "{label:<8} {:<44} {}", step.text, step.result)?;
        } else {
            writeln!(out, "{label:<8} {}", step.text)?;
        }
    }
    let v = &e.verdict;
    let line = answer_line(state, v.kind, v.error, v.dev, v.gateway, v.src);
    let table = v
        .table
        .map(|t| format!(", table {}", state.table_names.name(t)))
        .unwrap_or_default();
    let rule = v
        .rule
        .as_ref()
        .map(|r| format!(", rule {}", r.priority))
        .unwrap_or_default();
    let approx = if v.confidence == Confidence::Approximate {
        " (approximate)"
    } else {
        ""
    };
    writeln!(out, "Verdict  {line}{table}{rule}{approx}")?;
    writeln!(out, "         {}", v.summary)?;
    if let Some(note) = &v.note {
        writeln!(out, "         note: {note}")?;
    }
    if let Some(k) = kernel {
        let table = k
            .table
            .filter(|t| *t != 0)
            .map(|t| format!(", table {}", state.table_names.name(t)))
            .unwrap_or_default();
        writeln!(
            out,
            "Kernel   {}{table}",
            answer_line(state, k.kind, k.error.as_deref(), k.dev, k.gateway, k.src)
        )?;
        match diffs {
            Some([]) | None => writeln!(out, "         agree")?,
            Some(list) => writeln!(out, "         DISAGREE: {}", list.join("; "))?,
        }
    }
    Ok(())
}

/// The `get --json` record of the contract.
fn to_json(
    state: &State,
    e: &Explanation,
    kernel: Option<&KernelAnswer>,
    diffs: Option<&[String]>,
) -> Value {
    let v = &e.verdict;
    let name = |d: Option<u32>| d.map(|d| state.link_name(d));
    let verdict = json!({
        "type": v.error.map_or_else(|| v.kind.map_or_else(|| "?".into(), RouteKind::name), |_| "error".into()),
        "error": v.error,
        "table": v.table,
        "table_name": v.table.map(|t| state.table_names.name(t)),
        "rule": v.rule.as_ref().map(|r| json!({ "priority": r.priority, "text": r.text })),
        "route": v.route.as_ref().map(|r| route_json(state, r)),
        "dev": name(v.dev),
        "gateway": v.gateway,
        "src": v.src,
        "confidence": v.confidence,
        "note": v.note,
        "candidates": v.candidates.iter().map(|(d, g, s)| json!({ "dev": state.link_name(*d), "gateway": g, "src": s })).collect::<Vec<_>>(),
        "summary": v.summary,
    });
    let kernel = kernel.map(|k| {
        json!({
            "type": k.error.as_ref().map_or_else(|| k.kind.map_or_else(|| "?".into(), RouteKind::name), |_| "error".into()),
            "error": k.error, "table": k.table, "dev": name(k.dev), "gateway": k.gateway, "src": k.src,
        })
    });
    json!({
        "version": 1,
        "query": e.query,
        "verdict": verdict,
        "kernel": kernel,
        "agree": diffs.map(<[String]>::is_empty),
        "differences": diffs,
        "steps": e.steps,
    })
}
