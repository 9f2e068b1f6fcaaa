//! `routescope get --batch FILE`: one state load, then one answer per query line — for smoke
//! tests of many flows and for scripts (JSON lines with `--json`).

use std::io::{BufRead, Write};
use std::path::Path;
use std::process::ExitCode;

use serde_json::json;

use crate::error::{BadInput, exit};
use crate::load as state;
use crate::lookup::{Query, Verdict, resolve};
use crate::model::{Answer, Family, State, escape};
use crate::net::{Requester, RouteGetRequest};
use crate::report::explain::{answer_json, answer_line, rule_and_confidence};
use crate::verify;

/// One query line's result.
struct Line<'w> {
    words: &'w str,
    outcome: Result<(Verdict, Option<Answer>), String>,
}

/// Answers every query of `file` (`-`: standard input) against one load of the state, each
/// written as soon as it is answered (a million verdicts are never held at once).
pub fn run(
    netns: &crate::net::Netns,
    snapshot: Option<&Path>,
    file: &Path,
    as_json: bool,
    no_kernel: bool,
) -> color_eyre::Result<ExitCode> {
    let queries = read_queries(file)?;
    let rt = state::runtime()?;
    let both = [Family::V4, Family::V6];
    let state = rt.block_on(state::load_for(netns, snapshot, &both))?;
    let parse = |words: &str| {
        Query::parse(&words.split_whitespace().collect::<Vec<_>>())
            .and_then(|q| q.validate(&state).map(|()| q))
            .map_err(|e| e.to_string())
    };
    let ask_kernel = snapshot.is_none() && !no_kernel;
    let kernel = if ask_kernel {
        let requests: Vec<Option<RouteGetRequest>> = queries
            .iter()
            .map(|words| {
                parse(words)
                    .ok()
                    .map(|q| RouteGetRequest::for_query(&state, &q))
            })
            .collect();
        rt.block_on(crate::net::run_in(netns, move || async move {
            let requester = Requester::open()?;
            let mut answers = Vec::with_capacity(requests.len());
            for request in requests {
                answers.push(match request {
                    Some(r) => Some(requester.route_get(&r).await?),
                    None => None,
                });
            }
            Ok(answers)
        }))?
    } else {
        Vec::new()
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut worst = exit::OK;
    for (n, words) in queries.iter().enumerate() {
        let answer = kernel.get(n).cloned().flatten();
        let line = Line {
            words,
            outcome: parse(words).map(|q| (resolve(&state, &q), answer)),
        };
        write(&mut out, &state, &line, as_json)?;
        worst = worst.max(status(&state, &line));
    }
    out.flush()?;
    Ok(ExitCode::from(worst))
}

/// The query lines of the file: blank lines and `#` comments are skipped.
fn read_queries(file: &Path) -> color_eyre::Result<Vec<String>> {
    let read = |r: &mut dyn BufRead| -> std::io::Result<Vec<String>> {
        let mut out = Vec::new();
        for line in r.lines() {
            let line = line?;
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                out.push(line.to_owned());
            }
        }
        Ok(out)
    };
    let cannot = |e: std::io::Error| BadInput(format!("cannot read {}: {e}", file.display()));
    if file == Path::new("-") {
        return Ok(read(&mut std::io::stdin().lock()).map_err(cannot)?);
    }
    let f = std::fs::File::open(file).map_err(cannot)?;
    Ok(read(&mut std::io::BufReader::new(f)).map_err(cannot)?)
}

/// Writes one answer: a line of text, or a JSON object on one line.
fn write(out: &mut impl Write, state: &State, line: &Line, as_json: bool) -> std::io::Result<()> {
    if as_json {
        return writeln!(out, "{}", record(state, line));
    }
    let text = match &line.outcome {
        Err(e) => format!("bad query: {e}"),
        Ok((v, kernel)) => {
            let check = kernel.as_ref().map_or(String::new(), |k| {
                let diffs = verify::differences(state, v, k);
                if diffs.is_empty() {
                    "  kernel: agree".into()
                } else {
                    format!("  kernel: DISAGREE: {}", diffs.join("; "))
                }
            });
            format!(
                "{}{}{check}",
                answer_line(state, &v.answer),
                rule_and_confidence(v)
            )
        }
    };
    writeln!(out, "{} => {}", escape(line.words), escape(&text))
}

/// One line's JSON record: the query, routescope's answer, and the kernel's when asked.
fn record(state: &State, line: &Line) -> serde_json::Value {
    match &line.outcome {
        Err(e) => json!({ "query": line.words, "error": e }),
        Ok((v, kernel)) => json!({
            "query": line.words,
            "verdict": answer_json(state, &v.answer),
            "rule": v.rule.as_ref().map(|r| r.priority),
            "confidence": v.confidence,
            "kernel": kernel.as_ref().map(|k| answer_json(state, k)),
            "agree": kernel.as_ref().map(|k| verify::differences(state, v, k).is_empty()),
        }),
    }
}

/// The exit status of one line; the batch exits with the worst (bad input, disagreement, a
/// routing error).
fn status(state: &State, line: &Line) -> u8 {
    match &line.outcome {
        Err(_) => exit::BAD_INPUT,
        Ok((v, Some(k))) if !verify::differences(state, v, k).is_empty() => exit::DISAGREE,
        Ok((v, _)) if !v.is_ok() => exit::ROUTE_ERROR,
        Ok(_) => exit::OK,
    }
}
