//! The policy-routing simulator: rules → table → route → nexthop → source, every step recorded.
//!
//! Pure: it reads a `State` and a `Query` and returns an `Explanation`; the kernel's own answer is
//! fetched elsewhere and compared by the caller. The specification is `docs/linux-lookup.md`.

mod flow;
mod input;
mod output;
mod passed_over;
mod path;
mod query;
mod rpf;
mod rules;
mod source;
mod source_v6;
mod table;
mod table_v6;

use std::net::IpAddr;

use serde::Serialize;

pub use flow::Flow;
pub use output::MERGED_NOTE;
pub use passed_over::PassedOver;
pub use query::{Query, QueryError};

use crate::model::{Answer, Errno, Outcome, Route, RouteKind, State};

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

/// What a step found: the typed result the text of the step explains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepResult {
    /// The flow the kernel builds: an input (`iif`) or output lookup.
    Flow { input: bool },
    /// A rule whose selectors do not match the packet.
    Skipped,
    /// A rule with a selector routescope does not evaluate: assumed not to match.
    Unsure,
    /// A rule matched but the walk goes on (nop, a miss, a missing table, unresolved goto).
    GoOn,
    /// The table answered with a `throw` route: the walk goes on.
    Threw,
    /// The table answered, but the rule's suppress_* option discards the answer.
    Suppressed,
    /// A rule matched and jumps to this priority.
    Goto(u32),
    /// A rule matched and its table answered: the walk ends.
    Answered,
    /// Local and main are searched as one trie, without a rule walk.
    Merged,
    /// The route the lookup settled on (the step's `route`).
    Winner,
    /// How the nexthop or device was chosen.
    Nexthop(PathChoice),
    /// How the source address was chosen.
    Source(SourceChoice),
    /// An input-path check passed or decided delivery or forwarding.
    Input(Outcome),
    /// The lookup ends with this errno.
    Fails(Errno),
    /// The final answer.
    Verdict(Outcome),
}

/// How the path of a successful lookup was chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PathChoice {
    /// The kernel assumes the destination is on-link on the bound device.
    OnLink,
    /// Sent without a table lookup (broadcast or multicast on a known device).
    Direct,
    /// One of several nexthops, by hash.
    OneOfSeveral,
    /// Equal-metric defaults the kernel alternates between.
    Alternates,
}

/// Where the source address came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceChoice {
    /// The application gave it (`from`).
    Given,
    /// The route's `src`.
    RouteSrc,
    /// The kernel's selection.
    Selected,
    /// No usable address.
    None,
}

/// One step of the explanation: what it found, a sentence saying why, and what it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub stage: Stage,
    pub result: StepResult,
    /// The sentence (for a rule: `PRIORITY: selectors action`); empty for a `Winner` step.
    pub text: StepText,
    pub rule_priority: Option<u32>,
    pub table: Option<u32>,
    /// The route a `Winner` step names (formatted by `report`).
    pub route: Option<Route>,
}

/// A step's sentence: written when the step was made, or, for a rule the walk passed over, kept
/// as data and written when shown (`sentence`): the same words, without writing a thousand
/// sentences nobody reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepText {
    Written(String),
    PassedOver(PassedOver),
}

impl StepText {
    /// The sentence, with table and device names as `state` has them.
    pub fn sentence(&self, state: &State) -> std::borrow::Cow<'_, str> {
        match self {
            Self::Written(text) => text.into(),
            Self::PassedOver(passed) => passed.sentence(state).into(),
        }
    }
}

impl Step {
    /// A step with a sentence and no rule, table or route.
    pub fn new(stage: Stage, result: StepResult, text: String) -> Self {
        Self {
            stage,
            result,
            text: StepText::Written(text),
            rule_priority: None,
            table: None,
            route: None,
        }
    }
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

/// One path the kernel may take when it picks by hash or neighbour state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub dev: u32,
    pub gateway: Option<IpAddr>,
    /// The source the packet would carry on this path, when routescope can tell (alternating
    /// defaults: the given one, the route's `src` or the one selected on the path's device;
    /// IPv6 multipath: the one selected on the path's device).
    pub src: Option<IpAddr>,
}

/// The answer: what the packet does, and which rule, table and route said so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// Where the packet goes: comparable with the kernel's own answer.
    pub answer: Answer,
    pub rule: Option<RuleRef>,
    pub route: Option<Route>,
    pub confidence: Confidence,
    /// Why the answer is approximate, or another caveat.
    pub note: Option<String>,
    /// For approximate answers: the paths the kernel picks among.
    pub candidates: Vec<Candidate>,
    /// What routescope does not evaluate and could change this answer.
    pub unmodelled: Vec<String>,
    /// Sources the kernel may give instead of `answer.src` on the same path, by a history
    /// routescope cannot see (a nexthop object's cached source gone stale).
    pub other_sources: Vec<Option<IpAddr>>,
    /// The verdict in plain words.
    pub summary: String,
}

/// What one table lookup gave, as the kernel's fib tracepoint reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TableResult {
    /// A route was found (err 0), even when the rule then suppressed it.
    Found,
    /// No route, or a `throw` route (EAGAIN).
    NotFound,
    /// A `throw` route (IPv6 traces it apart from a plain miss).
    Threw,
    /// An error route ended the lookup.
    Failed(Errno),
}

/// The whole explanation of one query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    pub query: Query,
    pub steps: Vec<Step>,
    pub verdict: Verdict,
}

impl Explanation {
    /// The tables the kernel consults for this flow, in order, with what each gave: the sequence
    /// its `fib_table_lookup` tracepoints show (a table that does not exist is never consulted).
    pub fn table_lookups(&self) -> Vec<(u32, TableResult)> {
        self.steps
            .iter()
            .filter(|s| matches!(s.stage, Stage::Rule | Stage::Table))
            .filter_map(|s| {
                let result = match s.result {
                    StepResult::Answered | StepResult::Suppressed => TableResult::Found,
                    StepResult::GoOn => TableResult::NotFound,
                    StepResult::Threw => TableResult::Threw,
                    StepResult::Fails(errno) => TableResult::Failed(errno),
                    _ => return None,
                };
                Some((s.table?, result))
            })
            .collect()
    }
}

impl Verdict {
    /// A successful lookup of this type; the caller fills in the rest.
    fn success(kind: RouteKind) -> Self {
        Self::of(Answer::of(Outcome::Route(kind)), String::new())
    }

    /// A failed lookup with this errno.
    fn error(errno: Errno, summary: String) -> Self {
        Self::of(Answer::error(errno), summary)
    }

    /// A verdict of this answer, exact until the caller says otherwise.
    pub fn of(answer: Answer, summary: String) -> Self {
        Self {
            answer,
            rule: None,
            route: None,
            confidence: Confidence::Exact,
            note: None,
            candidates: Vec::new(),
            unmodelled: Vec::new(),
            other_sources: Vec::new(),
            summary,
        }
    }

    /// Whether the destination is reachable.
    pub fn is_ok(&self) -> bool {
        self.answer.outcome.is_ok()
    }

    /// Adds a caveat to the note, after any already there, so that none is lost.
    fn add_note(&mut self, text: &str) {
        self.note = Some(match self.note.take() {
            Some(before) if before != text => format!("{before}; {text}"),
            _ => text.to_owned(),
        });
    }

    /// Marks the verdict approximate because of something routescope does not evaluate.
    fn unsure(&mut self, what: String) {
        self.confidence = Confidence::Approximate;
        if !self.unmodelled.contains(&what) {
            self.unmodelled.push(what);
        }
    }
}

/// Explains where the kernel of `state` sends a packet described by `query`, and why.
pub fn explain(state: &State, query: &Query) -> Explanation {
    let mut steps = Vec::new();
    let flow = Flow::new(state, query);
    steps.push(Step::new(
        Stage::Flow,
        StepResult::Flow { input: flow.input },
        flow.describe(state),
    ));
    let verdict = caveats(state, output::route(state, &flow, &mut steps));
    let mut last = Step::new(
        Stage::Verdict,
        StepResult::Verdict(verdict.answer.outcome),
        verdict.summary.clone(),
    );
    last.rule_priority = verdict.rule.as_ref().map(|r| r.priority);
    last.table = verdict.answer.table;
    steps.push(last);
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
    caveats(state, output::route(state, &flow, &mut Vec::new()))
}

/// What routescope does not model anywhere in this state and could change any answer.
fn caveats(state: &State, mut verdict: Verdict) -> Verdict {
    if state
        .links
        .values()
        .any(|l| l.kind.as_deref() == Some("vrf"))
    {
        verdict.unsure("VRF devices exist: routing through an l3mdev is not modelled".into());
    }
    verdict
}
