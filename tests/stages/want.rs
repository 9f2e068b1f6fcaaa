//! What a row expects, and the runner that checks every row and names each one that fails.

use routescope::fixtures;
use routescope::lookup::{Candidate, Confidence, Query, Stage, StepResult, explain, resolve};
use routescope::model::{Answer, Errno, Outcome, RouteKind, State};

use crate::prelude::{ETH0, LO, MAIN, ip};

/// What a row expects; every field left `None` is not checked.
#[derive(Debug, Clone, Default)]
pub struct Want {
    answer: Option<Answer>,
    outcome: Option<Outcome>,
    rule: Option<u32>,
    no_rule: bool,
    steps: Vec<(u32, StepResult)>,
    seen: Vec<StepResult>,
    unvisited: Vec<u32>,
    approximate: bool,
    candidates: Option<Vec<Candidate>>,
    unmodelled: Option<&'static str>,
}

/// A successful answer of `kind`, with everything `ip route get` reports.
fn answer(kind: RouteKind, table: Option<u32>, dev: u32, gw: Option<&str>, src: &str) -> Want {
    let answer = Answer {
        outcome: Outcome::Route(kind),
        table,
        dev: Some(dev),
        gateway: gw.map(ip),
        src: Some(ip(src)),
    };
    Want {
        outcome: Some(answer.outcome),
        answer: Some(answer),
        ..Want::default()
    }
}

/// Unicast through a gateway.
pub fn goes(table: u32, dev: u32, gw: &str, src: &str) -> Want {
    answer(RouteKind::Unicast, Some(table), dev, Some(gw), src)
}

/// Unicast without a gateway; `table` is `None` when no route backs the answer (on-link by oif).
pub fn on_link(table: Option<u32>, dev: u32, src: &str) -> Want {
    answer(RouteKind::Unicast, table, dev, None, src)
}

/// Local delivery over `lo`.
pub fn local(table: Option<u32>, src: &str) -> Want {
    answer(RouteKind::Local, table, LO, None, src)
}

/// A broadcast or multicast answer (never through a gateway unless the row says so).
pub fn cast(kind: RouteKind, table: Option<u32>, dev: u32, src: &str) -> Want {
    answer(kind, table, dev, None, src)
}

/// The lookup fails with `errno`.
pub fn fails(errno: Errno) -> Want {
    Want {
        outcome: Some(Outcome::Error(errno)),
        ..Want::default()
    }
}

/// Test table `table` answered (its default via 99.88.22.TABLE) for rule `rule`.
pub fn t(table: u32, rule: u32) -> Want {
    goes(table, ETH0, &format!("99.88.22.{table}"), "99.88.22.2").rule(rule)
}

/// Main answered with the server's default route, by the main rule.
pub fn main_default() -> Want {
    goes(MAIN, ETH0, "99.88.22.1", "99.88.22.2").rule(32766)
}

/// Rule `pref` did not match, and main answered.
pub fn skipped(pref: u32) -> Want {
    main_default().step(pref, StepResult::Skipped)
}

/// IPv6 test table `table` answered (default via `fe80::TABLE`) for rule `rule`.
pub fn t6(table: u32, rule: u32) -> Want {
    goes(table, ETH0, &format!("fe80::{table}"), "2001:db8:1::2").rule(rule)
}

/// IPv6 main answered with `default via fe80::1 dev eth0`.
pub fn main6() -> Want {
    goes(MAIN, ETH0, "fe80::1", "2001:db8:1::2").rule(32766)
}

/// An approximate unicast answer: the kernel picks one of `paths` (dev, gateway, and the source
/// that path gives).
pub fn among(paths: &[(u32, &str, Option<&str>)]) -> Want {
    let candidates = paths
        .iter()
        .map(|(dev, gw, src)| Candidate {
            dev: *dev,
            gateway: Some(ip(gw)),
            src: src.map(ip),
        })
        .collect();
    Want {
        outcome: Some(Outcome::Route(RouteKind::Unicast)),
        approximate: true,
        candidates: Some(candidates),
        ..Want::default()
    }
}

impl Want {
    /// The deciding rule's priority.
    #[must_use]
    pub fn rule(mut self, pref: u32) -> Self {
        self.rule = Some(pref);
        self
    }

    /// No rule decided (checks before the rules, or the walk ran out).
    #[must_use]
    pub fn no_rule(mut self) -> Self {
        self.no_rule = true;
        self
    }

    /// The source the answer carries (the given `from`).
    #[must_use]
    pub fn src(mut self, src: &str) -> Self {
        if let Some(a) = self.answer.as_mut() {
            a.src = Some(ip(src));
        }
        self
    }

    /// The answer carries no source (the kernel sends no `RTA_PREFSRC` and none was given).
    #[must_use]
    pub fn no_src(mut self) -> Self {
        if let Some(a) = self.answer.as_mut() {
            a.src = None;
        }
        self
    }

    /// The gateway the answer carries.
    #[must_use]
    pub fn gateway(mut self, gw: &str) -> Self {
        if let Some(a) = self.answer.as_mut() {
            a.gateway = Some(ip(gw));
        }
        self
    }

    /// Rule `pref` has a step with this result.
    #[must_use]
    pub fn step(mut self, pref: u32, result: StepResult) -> Self {
        self.steps.push((pref, result));
        self
    }

    /// Some step has this result.
    #[must_use]
    pub fn seen(mut self, result: StepResult) -> Self {
        self.seen.push(result);
        self
    }

    /// The walk never looked at rule `pref` (jumped over by a goto).
    #[must_use]
    pub fn unvisited(mut self, pref: u32) -> Self {
        self.unvisited.push(pref);
        self
    }

    /// The verdict is approximate.
    #[must_use]
    pub fn approx(mut self) -> Self {
        self.approximate = true;
        self
    }

    /// The verdict is approximate and names what it could not evaluate (this text is the only
    /// place the verdict names it).
    #[must_use]
    pub fn unmodelled(mut self, needle: &'static str) -> Self {
        self.approximate = true;
        self.unmodelled = Some(needle);
        self
    }
}

/// One row: a change to `fixtures::server()`, the words of `ip route get`, the expected result.
pub struct Row {
    edit: Box<dyn Fn(&mut State)>,
    query: &'static str,
    want: Want,
}

/// The fixture as it is.
pub fn as_is(_: &mut State) {}

/// A row.
pub fn r(edit: impl Fn(&mut State) + 'static, query: &'static str, want: Want) -> Row {
    Row {
        edit: Box::new(edit),
        query,
        want,
    }
}

/// What is wrong with one row's explanation (empty: nothing).
fn problems(row: &Row) -> Vec<String> {
    let mut s = fixtures::server();
    (row.edit)(&mut s);
    let words: Vec<&str> = row.query.split_whitespace().collect();
    let query = Query::parse(&words).expect("row queries parse");
    query
        .validate(&s)
        .expect("row queries name existing devices");
    let e = explain(&s, &query);
    let v = &e.verdict;
    let w = &row.want;
    let mut out = Vec::new();
    let mut expect = |ok: bool, what: String| {
        if !ok {
            out.push(what);
        }
    };
    expect(
        resolve(&s, &query) == *v,
        "resolve() differs from explain()".into(),
    );
    if let Some(a) = &w.answer {
        expect(v.answer == *a, format!("answer {:?}, want {a:?}", v.answer));
    }
    if let Some(o) = w.outcome {
        expect(
            v.answer.outcome == o,
            format!("outcome {}, want {o}", v.answer.outcome),
        );
    }
    let got = v.rule.as_ref().map(|r| r.priority);
    if let Some(rule) = w.rule {
        expect(got == Some(rule), format!("rule {got:?}, want {rule}"));
    }
    if w.no_rule {
        expect(got.is_none(), format!("rule {got:?}, want none"));
    }
    let rule_steps = || e.steps.iter().filter(|st| st.stage == Stage::Rule);
    for (pref, result) in &w.steps {
        let found = rule_steps().any(|st| st.rule_priority == Some(*pref) && st.result == *result);
        expect(found, format!("no step {result:?} for rule {pref}"));
    }
    for result in &w.seen {
        let found = e.steps.iter().any(|st| st.result == *result);
        expect(found, format!("no step {result:?}"));
    }
    for pref in &w.unvisited {
        let visited = rule_steps().any(|st| st.rule_priority == Some(*pref));
        expect(!visited, format!("rule {pref} was visited"));
    }
    let approximate = v.confidence == Confidence::Approximate;
    expect(
        approximate == w.approximate,
        format!("confidence {:?}, note {:?}", v.confidence, v.note),
    );
    if let Some(c) = &w.candidates {
        expect(
            v.candidates == *c,
            format!("candidates {:?}, want {c:?}", v.candidates),
        );
    }
    if let Some(needle) = w.unmodelled {
        let named = v.unmodelled.iter().any(|u| u.contains(needle));
        expect(
            named,
            format!("unmodelled {:?} does not name {needle}", v.unmodelled),
        );
    }
    out
}

/// Checks every row and fails naming each row that is wrong and why.
pub fn check(rows: &[Row]) {
    let failures: Vec<String> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let p = problems(row);
            (!p.is_empty()).then(|| format!("row {i} `{}`:\n    {}", row.query, p.join("\n    ")))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} rows fail:\n{}",
        failures.len(),
        rows.len(),
        failures.join("\n")
    );
}
