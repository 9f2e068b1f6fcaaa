//! `routescope diff A.json [B.json]`: what changed between two states, and how queries answer
//! in each; exit 1 when they differ (as diff(1)), 0 when they do not.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use crate::diff::{self, compare_query};
use crate::error::{BadInput, cut, exit};
use crate::load as state;
use crate::lookup::Query;
use crate::net::Target;
use crate::report::diff::{self as report, DiffReport, Source};

/// Compares the file `a` with the file `b`, or with the live state of `netns` when `b` is absent.
pub fn run(
    netns: &crate::net::Netns,
    a: &Path,
    b: Option<&Path>,
    queries: &[String],
    as_json: bool,
) -> color_eyre::Result<ExitCode> {
    // every query is checked before any state is read: a typo costs no kernel dump
    let parsed = queries
        .iter()
        .map(|words| Ok((words.clone(), parse(words)?)))
        .collect::<color_eyre::Result<Vec<_>>>()?;
    let before = state::read_snapshot(a)?;
    let after = match b {
        Some(path) => state::read_snapshot(path)?,
        None => state::runtime()?.block_on(state::load(netns, None))?,
    };
    let mut answered = Vec::with_capacity(parsed.len());
    for (words, query) in parsed {
        let compared = compare_query(&before, &after, &query).map_err(|e| {
            BadInput(format!(
                "--query '{}': {e} in either state",
                cut(&words, 60)
            ))
        })?;
        answered.push((words, compared));
    }
    let report = DiffReport {
        a: &before,
        b: &after,
        a_source: Source::File(a),
        b_source: b.map_or_else(
            || Source::Live((*netns.target() != Target::Current).then(|| netns.label())),
            Source::File,
        ),
        diff: diff::diff(&before, &after),
        queries: answered,
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if as_json {
        writeln!(out, "{}", report::to_json(&report))?;
    } else {
        report::write_text(&mut out, &report)?;
    }
    out.flush()?;
    Ok(ExitCode::from(if report.differs() {
        exit::DIFFERENT
    } else {
        exit::OK
    }))
}

/// One `--query` argument parsed as the words of `get`, with a one-line error naming it.
fn parse(words: &str) -> color_eyre::Result<Query> {
    let split: Vec<&str> = words.split_whitespace().collect();
    Query::parse(&split).map_err(|e| BadInput(format!("--query '{}': {e}", cut(words, 60))).into())
}
