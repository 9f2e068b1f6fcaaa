//! `routescope get`: explain a lookup, ask the kernel, say whether they agree.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use color_eyre::eyre::eyre;

use crate::error::{BadInput, exit};
use crate::load as state;
use crate::lookup::{Query, explain};
use crate::net::RouteGetRequest;
use crate::report::explain::{self, KernelCheck};
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
        let asked = crate::net::route_get(netns, RouteGetRequest::for_query(&state, &query));
        let waited =
            rt.block_on(async { tokio::time::timeout(crate::tui::KERNEL_TIMEOUT, asked).await });
        let Ok(answer) = waited else {
            // the question's thread may never return: do not wait for it on the way out
            rt.shutdown_background();
            return Err(eyre!(
                "the kernel did not answer within {} s",
                crate::tui::KERNEL_TIMEOUT.as_secs()
            ));
        };
        Some(answer?)
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
    let mut out = std::io::stdout().lock();
    if as_json {
        writeln!(
            out,
            "{}",
            explain::to_json(&state, &explanation, check.as_ref())
        )?;
    } else {
        explain::write_text(&mut out, &state, &explanation, check.as_ref())?;
    }
    Ok(ExitCode::from(if diffs.is_some_and(|d| !d.is_empty()) {
        exit::DISAGREE
    } else if explanation.verdict.is_ok() {
        exit::OK
    } else {
        exit::ROUTE_ERROR
    }))
}
