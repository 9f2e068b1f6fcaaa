//! `routescope check`: diagnose the state of a namespace or of snapshot files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::analysis;
use crate::error::{BadInput, exit};
use crate::load as state;
use crate::report::findings;

/// Checks the live namespace, or each snapshot in turn (one section per file).
pub fn run(
    netns: &crate::net::Netns,
    snapshots: &[PathBuf],
    as_json: bool,
) -> color_eyre::Result<ExitCode> {
    let rt = state::runtime()?;
    let mut sections = Vec::new();
    if snapshots.is_empty() {
        sections.push((None, rt.block_on(state::load(netns, None))?));
    } else {
        for path in snapshots {
            sections.push((Some(host_of(path)?), state::read_snapshot(path)?));
        }
    }
    let mut problems = false;
    let mut out = std::io::stdout().lock();
    let several = sections.len() > 1;
    let mut docs = Vec::new();
    for (host, st) in &sections {
        let found = analysis::check(st);
        problems |= analysis::has_problems(&found);
        if as_json {
            let mut doc = findings::to_json(st, &found);
            if let (Some(h), serde_json::Value::Object(map)) = (host, &mut doc) {
                map.insert("host".into(), serde_json::json!(h));
            }
            docs.push(doc);
        } else {
            if let Some(h) = host.as_ref().filter(|_| several) {
                writeln!(out, "== {h} ==")?;
            }
            findings::write_text(&mut out, st, &found)?;
        }
    }
    if as_json {
        let doc = if several {
            serde_json::json!({ "version": crate::report::json::VERSION, "hosts": docs })
        } else {
            docs.pop().unwrap_or_default()
        };
        writeln!(out, "{doc}")?;
    }
    Ok(ExitCode::from(if problems {
        exit::FINDINGS
    } else {
        exit::OK
    }))
}

/// The host a snapshot was taken on: its `hostname` field, or else the file's name.
fn host_of(path: &Path) -> color_eyre::Result<String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read snapshot {}: {e}", path.display())))?;
    let named = serde_json::from_str::<serde_json::Value>(&text)
        .ok()
        .and_then(|v| {
            v.get("hostname")
                .and_then(|h| h.as_str())
                .map(str::to_owned)
        });
    Ok(named.unwrap_or_else(|| {
        path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        )
    }))
}
