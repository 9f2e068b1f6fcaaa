//! `routescope get`: explain a lookup, ask the kernel (recording the tables it looks up when
//! tracefs allows), say whether they agree.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use color_eyre::eyre::eyre;

use crate::error::{BadInput, exit};
use crate::load as state;
use crate::lookup::{Query, explain};
use crate::model::{Answer, Family};
use crate::net::{KernelTrace, RouteGetRequest};
use crate::report::explain::{self, KernelCheck, TraceCheck};
use crate::verify;

/// Explains `words` against the live namespace or a snapshot.
pub fn run(
    netns: &crate::net::Netns,
    snapshot: Option<&Path>,
    words: &[String],
    as_json: bool,
    no_kernel: bool,
    expect: &crate::cli::Expect,
) -> color_eyre::Result<ExitCode> {
    let query = Query::parse(words).map_err(|e| BadInput(e.to_string()))?;
    let family = Family::of(query.destination());
    let rt = state::runtime()?;
    // one family's rules and routes: all an explanation of this query reads
    let state = rt.block_on(state::load_for(netns, snapshot, &[family]))?;
    query
        .validate(&state)
        .map_err(|e| BadInput(e.to_string()))?;
    let explanation = explain(&state, &query);
    let (kernel, recorded): (Option<Answer>, Result<KernelTrace, String>) = if snapshot.is_some() {
        (None, Err("--snapshot: there is no kernel to trace".into()))
    } else if no_kernel {
        (None, Err("--no-kernel: the kernel is not asked".into()))
    } else {
        let request = RouteGetRequest::for_query(&state, &query);
        let asked = crate::net::shielded(crate::net::route_get_traced(netns, request));
        let waited =
            rt.block_on(async { tokio::time::timeout(crate::tui::KERNEL_TIMEOUT, asked).await });
        let Ok((traced, signal)) = waited else {
            // the question's thread may never return: do not wait for it on the way out
            rt.shutdown_background();
            return Err(eyre!(
                "the kernel did not answer within {} s",
                crate::tui::KERNEL_TIMEOUT.as_secs()
            ));
        };
        if let Some(signal) = signal {
            // the status a shell gives a process killed by the signal: 128 + its number
            eprintln!(
                "routescope: {} during the kernel request; the trace instance is removed",
                signal.name
            );
            return Ok(ExitCode::from(128 + signal.number));
        }
        let traced = traced?;
        (Some(traced.answer), traced.trace)
    };
    let diffs = kernel
        .as_ref()
        .map(|k| verify::differences(&state, &explanation.verdict, k));
    let check = kernel
        .as_ref()
        .zip(diffs.as_deref())
        .map(|(answer, differences)| KernelCheck {
            answer,
            differences,
        });
    let ours = explanation.table_lookups();
    let other = recorded
        .as_ref()
        .map(KernelTrace::other_lookups)
        .unwrap_or_default();
    let known = verify::known_tables(&state, family);
    let compared = recorded
        .as_ref()
        .map(|t| verify::compare_trace(family, &ours, &t.tables(), &known))
        .unwrap_or_default();
    let trace = match &recorded {
        Ok(t) => TraceCheck::Recorded {
            kernel: &t.walk,
            ours: &ours,
            other: &other,
            differences: &compared.differences,
            unseen_empty: &compared.unseen_empty,
            absent_empty: &compared.absent_empty,
        },
        Err(why) => TraceCheck::Unavailable(why),
    };
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(
            out,
            "{}",
            explain::to_json(&state, &explanation, check.as_ref(), &trace)
        )?;
    } else {
        explain::write_text(&mut out, &state, &explanation, check.as_ref(), &trace)?;
    }
    if let Some(failed) = unmet(&state, &explanation.verdict, expect) {
        eprintln!("routescope: expectation failed: {failed}");
        return Ok(ExitCode::from(exit::UNEXPECTED));
    }
    let disagree = diffs.is_some_and(|d| !d.is_empty()) || !compared.differences.is_empty();
    Ok(ExitCode::from(if disagree {
        exit::DISAGREE
    } else if explanation.verdict.is_ok() {
        exit::OK
    } else {
        exit::ROUTE_ERROR
    }))
}

/// The first `--expect-*` that the verdict does not meet, in words.
fn unmet(
    state: &crate::model::State,
    v: &crate::lookup::Verdict,
    e: &crate::cli::Expect,
) -> Option<String> {
    let got_dev = v
        .answer
        .dev
        .map_or_else(|| "none".into(), |d| state.link_name(d));
    let got_table = v
        .answer
        .table
        .map_or_else(|| "none".into(), |t| state.table_names.name(t));
    let got_rule = v.rule.as_ref().map(|r| r.priority);
    let got_type = v.answer.outcome.to_string();
    let table_id = e.expect_table.as_deref().map(|t| state.table_names.id(t));
    [
        e.expect_dev
            .as_ref()
            .filter(|d| **d != got_dev)
            .map(|d| format!("--expect-dev {d}: the device is {got_dev}")),
        table_id
            .filter(|t| *t != v.answer.table)
            .map(|_| format!("--expect-table: the table is {got_table}")),
        e.expect_src
            .filter(|s| Some(*s) != v.answer.src)
            .map(|s| format!("--expect-src {s}: the source is {:?}", v.answer.src)),
        e.expect_rule
            .filter(|r| Some(*r) != got_rule)
            .map(|r| format!("--expect-rule {r}: the rule is {got_rule:?}")),
        e.expect_type
            .as_ref()
            .filter(|t| **t != got_type)
            .map(|t| format!("--expect-type {t}: the answer is {got_type}")),
    ]
    .into_iter()
    .flatten()
    .next()
}
