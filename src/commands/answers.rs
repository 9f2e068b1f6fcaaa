//! `monitor --watch`: the watched flows' answers, re-evaluated once per batch of changes, and an
//! `answer` record whenever one changes (scriptable alerting: "tell me when my source flips").

use std::io::Write;

use serde_json::{Value, json};

use crate::error::BadInput;
use crate::lookup::Verdict;
use crate::model::{State, escape};
use crate::report::events;
use crate::report::explain::{answer_json, verdict_line};
use crate::watch::{Cause, Noted, WatchList};

/// The watched flows of a `monitor` run and how their answers were last printed.
pub struct Answers {
    queries: Vec<String>,
    list: WatchList,
    /// Each flow's answer as last printed, in the names of the state it was found in, so a
    /// `before` still names a device that has gone since.
    shown: Vec<(String, Value)>,
    as_json: bool,
}

impl Answers {
    /// The flows of `--watch`; a query that does not parse is refused here, before anything is
    /// read from the kernel.
    pub fn new(queries: &[String], as_json: bool) -> color_eyre::Result<Self> {
        crate::watch::check_queries(queries).map_err(BadInput)?;
        Ok(Self {
            queries: queries.to_vec(),
            list: WatchList::default(),
            shown: Vec::new(),
            as_json,
        })
    }

    /// Whether any flow is watched.
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty()
    }

    /// The first state was read: explain every flow and print where each stands (`before` null).
    pub fn started(
        &mut self,
        out: &mut impl Write,
        state: &State,
        time: &str,
    ) -> std::io::Result<()> {
        for text in &self.queries {
            // parsed in `new`; a device the query names may appear later
            if let Err(e) = self.list.add(state, text, false) {
                tracing::warn!("--watch '{text}': {e}");
            }
        }
        self.shown.clear();
        for at in 0..self.list.len() {
            let now = self.describe(state, at);
            self.print(out, at, None, &now, None, time)?;
            self.shown.push(now);
        }
        Ok(())
    }

    /// A batch of changes was applied to `state`: re-evaluate each flow once and print a record
    /// for each whose answer changed.
    pub fn after_batch(
        &mut self,
        out: &mut impl Write,
        state: &State,
        batch: &[Noted],
        time: &str,
    ) -> std::io::Result<()> {
        for at in self.list.refresh(state, time, batch, true) {
            let now = self.describe(state, at);
            let cause = self
                .list
                .get(at)
                .and_then(|f| f.history.back()?.cause.clone());
            let before = self.shown[at].clone();
            self.print(out, at, Some(&before), &now, cause.as_ref(), time)?;
            self.shown[at] = now;
        }
        Ok(())
    }

    /// Flow `at`'s current answer as a line and as JSON.
    fn describe(&self, state: &State, at: usize) -> (String, Value) {
        let Some(flow) = self.list.get(at) else {
            return (String::new(), Value::Null);
        };
        match &flow.invalid {
            Some(why) => (why.clone(), json!({ "invalid": why })),
            None => (
                verdict_line(state, flow.verdict()),
                verdict_json(state, flow.verdict()),
            ),
        }
    }

    /// One `answer` record.
    fn print(
        &self,
        out: &mut impl Write,
        at: usize,
        before: Option<&(String, Value)>,
        after: &(String, Value),
        cause: Option<&Cause>,
        time: &str,
    ) -> std::io::Result<()> {
        let query = self
            .list
            .get(at)
            .map(|f| f.text.as_str())
            .unwrap_or_default();
        if self.as_json {
            let record = json!({
                "kind": "answer",
                "query": query,
                "before": before.map(|b| &b.1),
                "after": after.1,
                "cause": cause.map(cause_json),
                "time": time,
            });
            return writeln!(out, "{record}");
        }
        let text = match (before, cause) {
            (None, _) => format!("* answer  {query}: {}", after.0),
            (Some(b), Some(c)) => format!(
                "* answer  {query}: {} → {}  after {}",
                b.0,
                after.0,
                c.describe()
            ),
            (Some(b), None) => format!("* answer  {query}: {} → {}", b.0, after.0),
        };
        writeln!(out, "{}", escape(&text))
    }
}

/// A verdict as an `answer` record gives it: the kernel-comparable answer, rule and confidence.
fn verdict_json(state: &State, v: &Verdict) -> Value {
    let mut value = answer_json(state, &v.answer);
    if let Value::Object(map) = &mut value {
        map.insert("rule".into(), json!(v.rule.as_ref().map(|r| r.priority)));
        map.insert("confidence".into(), json!(v.confidence));
    }
    value
}

/// The cause of a change as JSON: the change in words, who made it, and how many others came with it.
fn cause_json(cause: &Cause) -> Value {
    json!({
        "change": cause.phrase,
        "origin": events::origin_json(&cause.origin),
        "others": cause.others,
    })
}
