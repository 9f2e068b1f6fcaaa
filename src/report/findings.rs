//! Findings of `routescope check` as text grouped by severity, or as the JSON contract.

use std::io::Write;

use serde_json::{Value, json};

use crate::analysis::{Finding, Severity, Subject};
use crate::model::State;
use crate::report::json::{address_json, link_json, nexthop_json, route_json, rule_json};

/// A subject as `dump --json` renders it, tagged with what it is (`"subject": "route"`).
pub fn subject_json(state: &State, subject: &Subject) -> Value {
    let (kind, value) = match subject {
        Subject::Rule(r) => ("rule", serde_json::to_value(rule_json(state, r))),
        Subject::Route(r) => ("route", serde_json::to_value(route_json(state, r))),
        Subject::Address(a) => ("address", serde_json::to_value(address_json(state, a))),
        Subject::Link(i) => (
            "link",
            state.link(*i).map_or_else(
                || Ok(json!({ "index": i })),
                |l| serde_json::to_value(link_json(state, l)),
            ),
        ),
        Subject::Nexthop(id) => (
            "nexthop",
            state.nexthops.get(id).map_or_else(
                || Ok(json!({ "id": id })),
                |n| serde_json::to_value(nexthop_json(state, n)),
            ),
        ),
    };
    let mut value = value.unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.insert("subject".into(), json!(kind));
    }
    value
}

/// One finding as its JSON object.
pub fn finding_json(state: &State, f: &Finding) -> Value {
    json!({
        "id": f.id,
        "severity": f.severity.name(),
        "subjects": f.subjects.iter().map(|s| subject_json(state, s)).collect::<Vec<_>>(),
        "message": f.message,
        "why": f.why,
        "fix": f.fix,
        "evidence": f.evidence,
    })
}

/// The `check --json` document of one state.
pub fn to_json(state: &State, findings: &[Finding]) -> Value {
    json!({
        "version": crate::report::json::VERSION,
        "findings": findings.iter().map(|f| finding_json(state, f)).collect::<Vec<_>>(),
    })
}

/// A subject in a few words, for text output.
pub fn subject_text(state: &State, subject: &Subject) -> String {
    match subject {
        Subject::Rule(r) => format!(
            "rule {}: {}",
            r.priority,
            r.selector_text(&state.table_names.name(r.table))
        ),
        Subject::Route(r) => {
            let via = r.gateway().map(|g| format!(" via {g}")).unwrap_or_default();
            let dev = if r.dev() == 0 {
                String::new()
            } else {
                format!(" dev {}", state.link_name(r.dev()))
            };
            format!(
                "route {}{via}{dev} table {} metric {}",
                crate::model::prefix_text(r.dst),
                state.table_names.name(r.table),
                r.metric
            )
        }
        Subject::Address(a) => format!(
            "address {}/{} dev {}",
            a.local,
            a.prefix_len,
            state.link_name(a.index)
        ),
        Subject::Link(i) => format!("link {}", state.link_name(*i)),
        Subject::Nexthop(id) => format!("nexthop {id}"),
    }
}

/// Writes the findings as text, grouped by severity (errors first).
pub fn write_text(
    out: &mut impl Write,
    state: &State,
    findings: &[Finding],
) -> std::io::Result<()> {
    if findings.is_empty() {
        return writeln!(out, "no findings");
    }
    for severity in [Severity::Error, Severity::Warning, Severity::Info] {
        let group: Vec<&Finding> = findings.iter().filter(|f| f.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(out, "{} ({})", severity.name(), group.len())?;
        for f in group {
            writeln!(out, "  [{}] {}", f.id, f.message)?;
            for s in &f.subjects {
                writeln!(out, "      about: {}", subject_text(state, s))?;
            }
            writeln!(out, "      why:   {}", f.why)?;
            for cmd in &f.fix {
                writeln!(out, "      fix:   {cmd}")?;
            }
            if let Some(q) = &f.evidence {
                writeln!(out, "      see:   routescope get {q}")?;
            }
        }
    }
    Ok(())
}
