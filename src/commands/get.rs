//! `routescope get`: explain a lookup, ask the kernel (recording the tables it looks up when
//! tracefs allows), say whether they agree.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::error::{BadInput, exit};
use crate::load as state;
use crate::lookup::{Query, explain};
use crate::model::{Answer, Family};
use crate::net::{KernelTrace, RouteGetRequest};
use crate::report::explain::{self, KernelCheck, TraceCheck};
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
    let (kernel, recorded): (Option<Answer>, Result<KernelTrace, String>) = if snapshot.is_some() {
        (None, Err("--snapshot: there is no kernel to trace".into()))
    } else if no_kernel {
        (None, Err("--no-kernel: the kernel is not asked".into()))
    } else {
        let request = RouteGetRequest::for_query(&state, &query);
        let (traced, signal) = rt.block_on(crate::net::shielded(crate::net::route_get_traced(
            netns, request,
        )));
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
    let family = query.dst.map_or(Family::V4, Family::of);
    let other = recorded
        .as_ref()
        .map(KernelTrace::other_lookups)
        .unwrap_or_default();
    let known = |id: u32| state.table(family, id).is_some();
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
    let disagree = diffs.is_some_and(|d| !d.is_empty()) || !compared.differences.is_empty();
    Ok(ExitCode::from(if disagree {
        exit::DISAGREE
    } else if explanation.verdict.is_ok() {
        exit::OK
    } else {
        exit::ROUTE_ERROR
    }))
}
