//! An explanation for people (the `get` text) and for scripts (`get --json`), rendered from the
//! typed steps and answers: the only place that turns them into words.

use std::io::{self, Write};

use serde_json::{Value, json};

use super::json::route_json;
use super::text::route_line;
use crate::lookup::{
    Confidence, Explanation, PathChoice, SourceChoice, Stage, Step, StepResult, TableResult,
    Verdict,
};
use crate::model::{Answer, Errno, Outcome, RouteKind, State, addr_or_none, escape, push_addr};
use crate::verify::table_result_word;

/// The short result word of a step (`skipped`, `goto 100`, `EACCES`, `route src` …).
pub fn result_word(result: &StepResult) -> String {
    match result {
        StepResult::Flow { input: true } => "input lookup".into(),
        StepResult::Flow { input: false } => "output lookup".into(),
        StepResult::Skipped => "skipped".into(),
        StepResult::Unsure => "not evaluated".into(),
        StepResult::GoOn => "go on".into(),
        StepResult::Threw => "throw: go on".into(),
        StepResult::Suppressed => "suppressed: go on".into(),
        StepResult::Goto(p) => format!("goto {p}"),
        StepResult::Answered => "answers".into(),
        StepResult::Merged => "merged local+main".into(),
        StepResult::Winner => "winner".into(),
        StepResult::Nexthop(PathChoice::OnLink) => "on-link".into(),
        StepResult::Nexthop(PathChoice::Direct) => "no lookup".into(),
        StepResult::Nexthop(PathChoice::OneOfSeveral) => "one of several".into(),
        StepResult::Nexthop(PathChoice::Alternates) => "alternates".into(),
        StepResult::Source(SourceChoice::Given) => "given".into(),
        StepResult::Source(SourceChoice::RouteSrc) => "route src".into(),
        StepResult::Source(SourceChoice::Selected) => "selected".into(),
        StepResult::Source(SourceChoice::None) => "none".into(),
        StepResult::Input(outcome) | StepResult::Verdict(outcome) => outcome.to_string(),
        StepResult::Fails(errno) => errno.to_string(),
    }
}

/// The sentence of a step: its text, or for the winning route the route as `ip route` prints it.
pub fn step_text(state: &State, step: &Step) -> String {
    match (&step.route, &step.result) {
        (Some(route), StepResult::Winner) => format!(
            "table {}: {}",
            state.table_names.name(step.table.unwrap_or(route.table)),
            route_line(state, route)
        ),
        _ => step.text.sentence(state).into_owned(),
    }
}

/// The label of a stage in the text form.
fn stage_label(stage: Stage) -> &'static str {
    match stage {
        Stage::Flow => "Flow",
        Stage::Rule => "Rule",
        Stage::Table => "Table",
        Stage::Route => "Route",
        Stage::Nexthop => "Nexthop",
        Stage::Source => "Source",
        Stage::Input => "Input",
        Stage::Verdict => "Verdict",
    }
}

/// An answer in the words of `ip route get`: `unicast via G dev D src S` or `error E`.
pub fn answer_line(state: &State, a: &Answer) -> String {
    if let Some(errno) = a.outcome.errno() {
        return format!("error {errno}");
    }
    // one string written word by word: `get --batch` writes one of these a query
    let mut line = a.outcome.to_string();
    if let Some(g) = a.gateway {
        line.push_str(" via ");
        push_addr(&mut line, g);
    }
    if let Some(d) = a.dev {
        line.push_str(" dev ");
        line.push_str(&state.link_name(d));
    }
    if let Some(s) = a.src {
        line.push_str(" src ");
        push_addr(&mut line, s);
    }
    line
}

/// The kernel's side of a check: its answer and where ours differs (empty: agree).
pub struct KernelCheck<'a> {
    pub answer: &'a Answer,
    pub differences: &'a [String],
}

/// The kernel's fib trace of the request compared with the rule walk, or why there is none.
pub enum TraceCheck<'a> {
    Recorded {
        /// The kernel's walk: table, err as traced, and what that means.
        kernel: &'a [(u32, i32, TableResult)],
        /// The tables our rule walk consults.
        ours: &'a [(u32, TableResult)],
        /// Lookups the request caused outside its walk: why, table, err.
        other: &'a [(&'static str, u32, i32)],
        /// Where the two walks differ (empty: agree).
        differences: &'a [String],
        /// Empty tables the kernel consulted that routescope cannot see (left out of the check).
        unseen_empty: &'a [u32],
        /// IPv4 tables the rule walk consults, with no routes, that the kernel does not have
        /// (left out of the check).
        absent_empty: &'a [u32],
    },
    Unavailable(&'a str),
}

impl TraceCheck<'_> {
    /// Whether the walks agree; `None` when nothing was recorded.
    pub fn agrees(&self) -> Option<bool> {
        match self {
            Self::Recorded { differences, .. } => Some(differences.is_empty()),
            Self::Unavailable(_) => None,
        }
    }
}

/// Table lookups in words: `local (no route), main (found)`, or `no table`.
fn lookups_text(state: &State, seq: impl Iterator<Item = (u32, String)>) -> String {
    let words: Vec<String> = seq
        .map(|(t, what)| format!("{} ({what})", state.table_names.name(t)))
        .collect();
    if words.is_empty() {
        "no table".into()
    } else {
        words.join(", ")
    }
}

/// A traced err in a word: `found`, `no route` (EAGAIN), or the errno.
fn err_word(err: i32) -> String {
    match err {
        0 => "found".into(),
        -11 => "no route".into(),
        e => Errno::from_code(e.saturating_neg()).to_string(),
    }
}

/// The `Trace` lines: what the kernel looked up, and whether our rule walk agrees.
fn write_trace(out: &mut impl Write, state: &State, trace: &TraceCheck) -> io::Result<()> {
    let (kernel, ours, other, differences, unseen, absent) = match trace {
        TraceCheck::Recorded {
            kernel,
            ours,
            other,
            differences,
            unseen_empty,
            absent_empty,
        } => (kernel, ours, other, differences, unseen_empty, absent_empty),
        TraceCheck::Unavailable(why) => return writeln!(out, "Trace    not recorded: {why}"),
    };
    let seen = lookups_text(
        state,
        kernel.iter().map(|&(t, _, r)| (t, table_result_word(r))),
    );
    if differences.is_empty() {
        writeln!(
            out,
            "Trace    kernel looked up {seen} — agrees with the rule walk"
        )?;
    } else {
        let walk = lookups_text(state, ours.iter().map(|&(t, r)| (t, table_result_word(r))));
        writeln!(out, "Trace    kernel looked up {seen}")?;
        writeln!(out, "         DISAGREE: the rule walk looks up {walk}")?;
    }
    for &t in *unseen {
        let name = state.table_names.name(t);
        writeln!(
            out,
            "         table {name} exists but is empty: netlink lists routes, not tables, so the \
             rule walk cannot see it"
        )?;
    }
    for &t in *absent {
        let name = state.table_names.name(t);
        writeln!(
            out,
            "         table {name} has no routes and the kernel has no such table (an IPv4 \
             table exists only once a route was added to it): nothing to look up"
        )?;
    }
    let mut purposes: Vec<&str> = Vec::new();
    for &(purpose, ..) in *other {
        if !purposes.contains(&purpose) {
            purposes.push(purpose);
        }
    }
    for purpose in purposes {
        let of = other
            .iter()
            .filter(|o| o.0 == purpose)
            .map(|&(_, t, err)| (t, err_word(err)));
        writeln!(out, "         also {purpose}: {}", lookups_text(state, of))?;
    }
    Ok(())
}

/// The explanation for people, top to bottom; every line is escaped, since steps quote device
/// and table names and the query echoes the words it was given.
pub fn write_text(
    out: &mut impl Write,
    state: &State,
    e: &Explanation,
    kernel: Option<&KernelCheck>,
    trace: &TraceCheck,
) -> io::Result<()> {
    line(out, &format!("Query    {}", e.query.to_words()))?;
    for step in e.steps.iter().filter(|s| s.stage != Stage::Verdict) {
        let label = stage_label(step.stage);
        let text = step_text(state, step);
        if step.rule_priority.is_some() && step.stage == Stage::Rule {
            line(
                out,
                &format!("{label:<8} {text:<44} {}", result_word(&step.result)),
            )?;
        } else {
            line(out, &format!("{label:<8} {text}"))?;
        }
    }
    write_verdict(out, state, &e.verdict)?;
    if let Some(k) = kernel {
        let table = k
            .answer
            .table
            .filter(|t| *t != 0)
            .map(|t| format!(", table {}", state.table_names.name(t)))
            .unwrap_or_default();
        line(
            out,
            &format!("Kernel   {}{table}", answer_line(state, k.answer)),
        )?;
        if k.differences.is_empty()
            && k.answer.src != e.verdict.answer.src
            && e.verdict.other_sources.contains(&k.answer.src)
        {
            let src = addr_or_none(k.answer.src);
            line(
                out,
                &format!("         agree, with the other source named above ({src})"),
            )?;
        } else if k.differences.is_empty() {
            line(out, "         agree")?;
        } else {
            line(
                out,
                &format!("         DISAGREE: {}", k.differences.join("; ")),
            )?;
        }
    }
    write_trace(out, state, trace)
}

/// A verdict on one line: `unicast via 10.0.0.1 dev eth0 src 10.0.0.2, table main, rule 32766`.
pub fn verdict_line(state: &State, v: &Verdict) -> String {
    let table = v
        .answer
        .table
        .map(|t| format!(", table {}", state.table_names.name(t)))
        .unwrap_or_default();
    format!(
        "{}{table}{}",
        answer_line(state, &v.answer),
        rule_and_confidence(v)
    )
}

/// What follows a verdict's answer: `, rule P` and ` (approximate)` where they apply.
pub fn rule_and_confidence(v: &Verdict) -> String {
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
    format!("{rule}{approx}")
}

/// The paths the kernel picks among, one phrase each with the source it would give:
/// `path 1 of 2: via 198.51.100.1 dev eth0 src 198.51.100.2` (none for a single path).
pub fn candidate_lines(state: &State, v: &Verdict) -> Vec<String> {
    let count = v.candidates.len();
    if count < 2 {
        return Vec::new();
    }
    v.candidates
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut words = vec![format!("path {} of {count}:", i + 1)];
            if let Some(g) = c.gateway {
                words.push(format!("via {g}"));
            }
            words.push(format!("dev {}", state.link_name(c.dev)));
            words.push(match c.src {
                Some(src) => format!("src {src}"),
                None => "src as selected for the path".to_owned(),
            });
            words.join(" ")
        })
        .collect()
}

/// The verdict lines: the answer with table and rule, the summary, and every caveat.
fn write_verdict(out: &mut impl Write, state: &State, v: &Verdict) -> io::Result<()> {
    let table = v
        .answer
        .table
        .map(|t| format!(", table {}", state.table_names.name(t)))
        .unwrap_or_default();
    line(
        out,
        &format!(
            "Verdict  {}{table}{}",
            answer_line(state, &v.answer),
            rule_and_confidence(v)
        ),
    )?;
    line(out, &format!("         {}", v.summary))?;
    if let Some(note) = &v.note {
        line(out, &format!("         note: {note}"))?;
    }
    for path in candidate_lines(state, v) {
        line(out, &format!("         {path}"))?;
    }
    for what in &v.unmodelled {
        line(out, &format!("         not evaluated: {what}"))?;
    }
    Ok(())
}

/// Writes one line of text, escaped (`escape`: idempotent, so escaped names inside stay as they
/// are).
fn line(out: &mut impl Write, text: &str) -> io::Result<()> {
    writeln!(out, "{}", escape(text))
}

/// An answer as JSON: `type` is the route type or `error`, with `error` the errno name.
pub fn answer_json(state: &State, a: &Answer) -> Value {
    let errno = a.outcome.errno().map(|e| e.to_string());
    json!({
        "type": if errno.is_some() { "error".to_owned() } else { a.outcome.to_string() },
        "error": errno,
        "table": a.table,
        "table_name": a.table.map(|t| state.table_names.name(t)),
        "dev": a.dev.map(|d| state.link_name_bytes(d)),
        "gateway": a.gateway,
        "src": a.src,
    })
}

/// Reads an answer written by `answer_json` back, naming devices by the state's links.
pub fn answer_from_json(state: &State, v: &Value) -> Result<Answer, String> {
    let text = |k: &str| v.get(k).and_then(Value::as_str);
    let addr = |k: &str| {
        text(k)
            .map(|t| {
                t.parse()
                    .map_err(|_| format!("{k}: '{t}' is not an address"))
            })
            .transpose()
    };
    let outcome = match (text("type"), text("error")) {
        (_, Some(e)) => Outcome::Error(Errno::from_name(e).ok_or_else(|| format!("errno '{e}'"))?),
        (Some(t), None) => {
            Outcome::Route(RouteKind::from_name(t).ok_or_else(|| format!("type '{t}'"))?)
        }
        (None, None) => return Err("an answer needs a type or an error".into()),
    };
    let dev = text("dev")
        .map(|d| {
            state
                .link_by_name(d)
                .map(|l| l.index)
                .ok_or_else(|| format!("dev '{d}' is not a link"))
        })
        .transpose()?;
    let table = v
        .get("table")
        .and_then(Value::as_u64)
        .map(|t| u32::try_from(t).map_err(|_| format!("table {t}")))
        .transpose()?;
    Ok(Answer {
        outcome,
        table,
        dev,
        gateway: addr("gateway")?,
        src: addr("src")?,
    })
}

/// A step as JSON: stage, result word, sentence, and the rule or table it refers to.
fn step_json(state: &State, step: &Step) -> Value {
    json!({
        "stage": step.stage,
        "result": result_word(&step.result),
        "text": step_text(state, step),
        "rule_priority": step.rule_priority,
        "table": step.table,
    })
}

/// The kernel object's trace fields: `tables` and `other_lookups`, null when not recorded.
fn trace_json(trace: &TraceCheck) -> Value {
    let TraceCheck::Recorded { kernel, other, .. } = trace else {
        return json!({ "tables": null, "other_lookups": null });
    };
    json!({
        "tables": kernel.iter().map(|&(t, err, _)| json!({ "table": t, "err": err }))
            .collect::<Vec<_>>(),
        "other_lookups": other.iter()
            .map(|&(purpose, t, err)| json!({ "purpose": purpose, "table": t, "err": err }))
            .collect::<Vec<_>>(),
    })
}

/// A verdict as `get --json` writes it: the answer, then rule, route, confidence and caveats.
pub fn verdict_json(state: &State, v: &Verdict) -> Value {
    let mut verdict = answer_json(state, &v.answer);
    if let Value::Object(map) = &mut verdict {
        let extra = json!({
            "rule": v.rule.as_ref().map(|r| json!({ "priority": r.priority, "text": r.text })),
            "route": v.route.as_ref().map(|r| route_json(state, r)),
            "confidence": v.confidence,
            "note": v.note,
            "unmodelled": v.unmodelled,
            "other_sources": v.other_sources,
            "candidates": v.candidates.iter().map(|c| json!({
                "dev": state.link_name_bytes(c.dev), "gateway": c.gateway, "src": c.src,
            })).collect::<Vec<_>>(),
            "summary": v.summary,
        });
        if let Value::Object(extra) = extra {
            map.extend(extra);
        }
    }
    verdict
}

/// The `get --json` record of the contract.
pub fn to_json(
    state: &State,
    e: &Explanation,
    kernel: Option<&KernelCheck>,
    trace: &TraceCheck,
) -> Value {
    let verdict = verdict_json(state, &e.verdict);
    let kernel_json = kernel.map(|k| {
        let mut answer = answer_json(state, k.answer);
        if let (Value::Object(map), Value::Object(traced)) = (&mut answer, trace_json(trace)) {
            map.extend(traced);
        }
        answer
    });
    let (trace_differences, unseen, absent, trace_unavailable) = match trace {
        TraceCheck::Recorded {
            differences,
            unseen_empty,
            absent_empty,
            ..
        } => (
            Some(differences),
            Some(unseen_empty),
            Some(absent_empty),
            None,
        ),
        TraceCheck::Unavailable(why) => (None, None, None, Some(why)),
    };
    json!({
        "version": 2,
        "query": e.query,
        "verdict": verdict,
        "kernel": kernel_json,
        "agree": kernel.map(|k| k.differences.is_empty()),
        "differences": kernel.map(|k| k.differences),
        "trace_agree": trace.agrees(),
        "trace_differences": trace_differences,
        "trace_unseen_tables": unseen,
        "trace_absent_tables": absent,
        "trace_unavailable": trace_unavailable,
        "steps": e.steps.iter().map(|s| step_json(state, s)).collect::<Vec<_>>(),
    })
}
