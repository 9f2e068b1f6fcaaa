//! The watch list: flows whose answers routescope keeps current while the state changes, each
//! with the kernel's check and the history of its changes with their causes. The TUI and
//! `monitor --watch` share it; a batch of changes costs one `resolve` per flow, and the full
//! explanation is rebuilt only for a flow whose answer changed.

mod cause;
pub mod store;

use std::collections::VecDeque;

pub use cause::{Cause, Noted, Touch};

use crate::lookup::{Explanation, Query, Verdict, explain, resolve};
use crate::model::{Answer, State};

/// The most flows one watch list holds.
pub const LIMIT: usize = 64;

/// The most answer changes remembered per flow.
pub const HISTORY: usize = 50;

/// One change of a watched flow's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerChange {
    /// When it was seen (`HH:MM:SS.mmm`, or RFC 3339 in `monitor`).
    pub time: String,
    pub before: Verdict,
    pub after: Verdict,
    /// The change that most plausibly caused it, and who made it.
    pub cause: Option<Cause>,
}

/// A watched flow: its query, its current explanation, the kernel's answer, its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Watched {
    /// The query as it was typed, which is what the saved list holds.
    pub text: String,
    pub query: Query,
    pub explanation: Explanation,
    /// Why the query cannot be asked of this state (a device it names does not exist).
    pub invalid: Option<String>,
    /// The kernel's answer for the current state, once it arrives.
    pub kernel: Option<Answer>,
    /// Why the kernel gave no answer (it failed, or did not answer in time).
    pub kernel_error: Option<String>,
    /// The answer's changes, oldest first, at most `HISTORY`.
    pub history: VecDeque<AnswerChange>,
}

impl Watched {
    /// A flow explained in `state` now, with no history.
    fn new(state: &State, text: String, query: Query) -> Self {
        Self {
            invalid: query.validate(state).err().map(|e| e.to_string()),
            explanation: explain(state, &query),
            text,
            query,
            kernel: None,
            kernel_error: None,
            history: VecDeque::new(),
        }
    }

    /// The current verdict.
    pub fn verdict(&self) -> &Verdict {
        &self.explanation.verdict
    }

    /// The last change as a sentence: `the answer changed at 12:03:04.217 after rule 5270 was
    /// deleted by networkd (pid 612)`.
    pub fn changed(&self) -> Option<String> {
        let last = self.history.back()?;
        let after = last.cause.as_ref().map_or_else(
            || " after a change of the state".to_owned(),
            |c| format!(" after {}", c.describe()),
        );
        Some(format!("the answer changed at {}{after}", last.time))
    }

    /// Re-evaluates the flow after `batch`; returns whether its answer changed (where the packet
    /// goes, by which rule, how sure): a detail of the same answer, such as a route's metric
    /// or flags, refreshes the explanation without counting as a change. The change goes into the
    /// history only when `record` (the first state of a namespace is not a change); `earlier`
    /// are changes of previous batches, for a re-read whose reason came before it.
    fn refresh(
        &mut self,
        state: &State,
        time: &str,
        batch: &[Noted],
        earlier: &VecDeque<Noted>,
        record: bool,
    ) -> bool {
        self.invalid = self.query.validate(state).err().map(|e| e.to_string());
        let now = resolve(state, &self.query);
        if now == self.explanation.verdict {
            return false;
        }
        let explanation = explain(state, &self.query);
        let before = std::mem::replace(&mut self.explanation, explanation).verdict;
        if same_answer(&before, &self.explanation.verdict) {
            return false;
        }
        self.kernel = None;
        self.kernel_error = None;
        if record {
            let after = self.explanation.verdict.clone();
            let cause = Cause::pick(state, &self.query, &before, &after, batch, earlier);
            if self.history.len() == HISTORY {
                self.history.pop_front();
            }
            self.history.push_back(AnswerChange {
                time: time.to_owned(),
                before,
                after,
                cause,
            });
        }
        true
    }
}

/// Checks that every query of `--watch` parses, before anything is read; `Err` is the one line
/// to print, naming the query.
pub fn check_queries(queries: &[String]) -> Result<(), String> {
    for text in queries {
        let words: Vec<&str> = text.split_whitespace().collect();
        Query::parse(&words)
            .map_err(|e| format!("--watch '{}': {e}", crate::model::escape(text)))?;
    }
    Ok(())
}

/// Whether two verdicts give the same answer: outcome, table, device, gateway and source, the
/// deciding rule and the confidence.
fn same_answer(a: &Verdict, b: &Verdict) -> bool {
    a.answer == b.answer
        && a.rule.as_ref().map(|r| r.priority) == b.rule.as_ref().map(|r| r.priority)
        && a.confidence == b.confidence
}

/// How many changes of earlier batches are kept to name the reason of a re-read.
const EARLIER: usize = 64;

/// Why a flow was not added.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddError {
    #[error("{0}")]
    Query(#[from] crate::lookup::QueryError),
    #[error("the watch list holds at most {LIMIT} flows: remove one first (d)")]
    Full,
}

/// The watched flows of one namespace, in the order they were added.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WatchList {
    flows: Vec<Watched>,
    /// The last changes of earlier batches (not re-reads), newest last.
    earlier: VecDeque<Noted>,
}

impl WatchList {
    /// The flows, in the order they were added.
    pub fn flows(&self) -> &[Watched] {
        &self.flows
    }

    /// How many flows are watched.
    pub fn len(&self) -> usize {
        self.flows.len()
    }

    /// Whether nothing is watched.
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty()
    }

    /// Adds the flow `text` (the words of `ip route get`), explained in `state`, and returns
    /// its position; a flow already watched is not added twice. With `strict`, a device the
    /// query names must exist (typed at the prompt); a saved list is restored without it, so a
    /// flow whose device is gone for now is kept and shown as such.
    pub fn add(&mut self, state: &State, text: &str, strict: bool) -> Result<usize, AddError> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let query = Query::parse(&words)?;
        if strict {
            query.validate(state)?;
        }
        if let Some(at) = self.flows.iter().position(|f| f.query == query) {
            return Ok(at);
        }
        if self.flows.len() >= LIMIT {
            return Err(AddError::Full);
        }
        self.flows.push(Watched::new(state, words.join(" "), query));
        Ok(self.flows.len() - 1)
    }

    /// Stops watching the flow at `at` (nothing happens past the end).
    pub fn remove(&mut self, at: usize) {
        if at < self.flows.len() {
            self.flows.remove(at);
        }
    }

    /// Forgets every flow (another namespace is followed).
    pub fn clear(&mut self) {
        self.flows.clear();
        self.earlier.clear();
    }

    /// The queries as typed, in order: what is saved.
    pub fn texts(&self) -> Vec<String> {
        self.flows.iter().map(|f| f.text.clone()).collect()
    }

    /// Re-evaluates every flow once after `batch` was applied to `state`; returns the
    /// positions of the flows whose answer changed (with `record`, each one's change is the last
    /// of its history).
    pub fn refresh(
        &mut self,
        state: &State,
        time: &str,
        batch: &[Noted],
        record: bool,
    ) -> Vec<usize> {
        let earlier = &self.earlier;
        let changed = self
            .flows
            .iter_mut()
            .enumerate()
            .filter_map(|(i, f)| f.refresh(state, time, batch, earlier, record).then_some(i))
            .collect();
        for noted in batch.iter().filter(|n| n.touch != Touch::Reread) {
            if self.earlier.len() == EARLIER {
                self.earlier.pop_front();
            }
            self.earlier.push_back(noted.clone());
        }
        changed
    }

    /// Records the kernel's answer (or why there is none) for every flow asking `query`.
    pub fn kernel_replied(&mut self, query: &Query, reply: &Result<Answer, String>) {
        for f in self.flows.iter_mut().filter(|f| f.query == *query) {
            match reply {
                Ok(answer) => {
                    f.kernel = Some(answer.clone());
                    f.kernel_error = None;
                }
                Err(why) => f.kernel_error = Some(why.clone()),
            }
        }
    }

    /// A flow by position.
    pub fn get(&self, at: usize) -> Option<&Watched> {
        self.flows.get(at)
    }
}
