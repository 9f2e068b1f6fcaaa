//! The policy-routing simulator: rules → table → route → nexthop → source, every step recorded.
//!
//! Pure: it reads a `State` and a `Query` and returns an `Explanation`; the kernel's own answer is
//! fetched elsewhere and compared by the caller. The specification is `linux-lookup.md`.

mod flow;
mod input;
mod output;
mod query;
mod rules;
mod source;
mod table;

use std::net::IpAddr;

use serde::Serialize;

pub use flow::Flow;
pub use query::{Query, QueryError};

use crate::model::{Route, RouteKind, State};

/// Which part of the lookup a step belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Flow,
    Rule,
    Table,
    Route,
    Nexthop,
    Source,
    Input,
    Verdict,
}

/// One step of the explanation: a sentence, a short result, and what it refers to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    pub stage: Stage,
    pub text: String,
    pub result: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule_priority: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<u32>,
}

/// Whether the verdict is certain, or depends on state we cannot see (hashes, neighbour timing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Exact,
    Approximate,
}

/// The rule that decided, by priority and as `ip rule` prints it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleRef {
    pub priority: u32,
    pub text: String,
}

/// The answer: what the packet does, and which rule, table and route said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The route type of the answer, when it succeeds.
    pub kind: Option<RouteKind>,
    /// The errno name, when it fails.
    pub error: Option<&'static str>,
    pub table: Option<u32>,
    pub rule: Option<RuleRef>,
    pub route: Option<Route>,
    pub dev: Option<u32>,
    pub gateway: Option<IpAddr>,
    pub src: Option<IpAddr>,
    pub confidence: Confidence,
    pub note: Option<String>,
    /// For approximate answers: the (device, gateway, source) choices the kernel picks among.
    pub candidates: Vec<(u32, Option<IpAddr>, Option<IpAddr>)>,
    /// The verdict in plain words.
    pub summary: String,
}

/// The whole explanation of one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub query: Query,
    pub steps: Vec<Step>,
    pub verdict: Verdict,
}

impl Verdict {
    /// A successful lookup of this type; the caller fills in the rest.
    fn success(kind: RouteKind) -> Self {
        Self {
            kind: Some(kind),
            error: None,
            ..Self::error("", String::new())
        }
    }

    /// A failed lookup with this errno.
    fn error(errno: &'static str, summary: String) -> Self {
        Self {
            kind: None,
            error: Some(errno),
            table: None,
            rule: None,
            route: None,
            dev: None,
            gateway: None,
            src: None,
            confidence: Confidence::Exact,
            note: None,
            candidates: Vec::new(),
            summary,
        }
    }

    /// Whether the destination is reachable.
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Explains where the kernel of `state` sends a packet described by `query`, and why.
pub fn explain(state: &State, query: &Query) -> Explanation {
    let mut steps = Vec::new();
    let flow = Flow::new(state, query);
    steps.push(Step {
        stage: Stage::Flow,
        text: flow.describe(state),
        result: if flow.input {
            "input lookup".into()
        } else {
            "output lookup".into()
        },
        rule_priority: None,
        table: None,
    });
    let verdict = output::route(state, &flow, &mut steps);
    steps.push(Step {
        stage: Stage::Verdict,
        text: verdict.summary.clone(),
        result: verdict_word(&verdict),
        rule_priority: verdict.rule.as_ref().map(|r| r.priority),
        table: verdict.table,
    });
    Explanation {
        query: query.clone(),
        steps,
        verdict,
    }
}

/// The verdict alone, without writing out every rule passed over: for bulk checks and re-evaluation.
pub fn resolve(state: &State, query: &Query) -> Verdict {
    let mut flow = Flow::new(state, query);
    flow.trace = false;
    output::route(state, &flow, &mut Vec::new())
}

/// One word for the verdict: the route type or the errno.
fn verdict_word(v: &Verdict) -> String {
    v.error.map_or_else(
        || v.kind.map_or_else(|| "?".into(), RouteKind::name),
        str::to_owned,
    )
}
