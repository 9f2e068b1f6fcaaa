//! Queries answered in both states: the same words, two verdicts, and which parts differ.

use super::routes::same_route;
use crate::lookup::{Query, QueryError, Verdict, resolve};
use crate::model::{Answer, Errno, State};

/// One query answered in the first state and in the second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryDiff {
    /// The query, as parsed.
    pub query: Query,
    /// The verdict in the first state (`a`).
    pub before: Verdict,
    /// The verdict in the second state (`b`).
    pub after: Verdict,
    /// The parts of the answer that differ, in this order: `outcome`, `rule`, `table`, `route`,
    /// `dev`, `gateway`, `src`. Empty: the same answer.
    pub differences: Vec<&'static str>,
}

impl QueryDiff {
    /// Whether the query has the same answer in both states.
    pub fn same(&self) -> bool {
        self.differences.is_empty()
    }
}

/// Answers `query` in `a` and in `b` and says where the answers differ. A device the query
/// names may exist in one state only: the other then answers `ENODEV`, as the kernel would; a
/// device neither state has is an error.
pub fn compare_query(a: &State, b: &State, query: &Query) -> Result<QueryDiff, QueryError> {
    let (in_a, in_b) = (query.validate(a), query.validate(b));
    if let (Err(e), Err(_)) = (&in_a, &in_b) {
        return Err(e.clone());
    }
    let answer = |state: &State, valid: Result<(), QueryError>| match valid {
        Ok(()) => resolve(state, query),
        Err(e) => no_device(&e),
    };
    let before = answer(a, in_a);
    let after = answer(b, in_b);
    let differences = differences(a, &before, b, &after);
    Ok(QueryDiff {
        query: query.clone(),
        before,
        after,
        differences,
    })
}

/// The verdict of a query whose device the state does not have.
fn no_device(e: &QueryError) -> Verdict {
    Verdict::of(Answer::error(Errno::Enodev), e.to_string())
}

/// Which parts of two verdicts differ, devices compared by name and routes as the diff does.
fn differences(a: &State, before: &Verdict, b: &State, after: &Verdict) -> Vec<&'static str> {
    let (was, now) = (&before.answer, &after.answer);
    let route_differs = match (&before.route, &after.route) {
        (Some(old), Some(new)) => !same_route(a, old, b, new),
        (old, new) => old.is_some() != new.is_some(),
    };
    let dev = |state: &State, answer: &Answer| answer.dev.map(|d| state.name_of(d).clone());
    [
        ("outcome", was.outcome != now.outcome),
        ("rule", before.rule != after.rule),
        ("table", was.table != now.table),
        ("route", route_differs),
        ("dev", dev(a, was) != dev(b, now)),
        ("gateway", was.gateway != now.gateway),
        ("src", was.src != now.src),
    ]
    .into_iter()
    .filter_map(|(part, differs)| differs.then_some(part))
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Family, Hop, NextHop, fixtures::server};

    fn query(words: &str) -> Query {
        Query::parse(&words.split_whitespace().collect::<Vec<_>>()).expect("query parses")
    }

    #[test]
    fn a_deleted_rule_and_a_new_gateway_change_the_answers() {
        let a = server();
        let mut b = a.clone();
        b.rules.retain(|r| r.priority != 100);
        b.tables.clear();
        for r in a.routes() {
            let mut r = r.clone();
            if r.table == 254 && r.dst.prefix_len() == 0 && r.family() == Family::V4 {
                r.hops = Hop::One(NextHop {
                    gateway: "99.88.22.9".parse().ok(),
                    ..r.hops.as_slice()[0]
                });
            }
            b.push_route(r);
        }
        let marked = compare_query(&a, &b, &query("8.8.8.8 mark 0x10")).expect("valid");
        assert_eq!(marked.differences, ["rule", "table", "route", "gateway"]);
        let plain = compare_query(&a, &b, &query("8.8.8.8")).expect("valid");
        assert_eq!(plain.differences, ["route", "gateway"]);
        let local = compare_query(&a, &b, &query("127.0.0.1")).expect("valid");
        assert!(local.same(), "{:?}", local.differences);
    }

    #[test]
    fn a_device_in_one_state_only_answers_enodev_there() {
        let a = server();
        let mut b = a.clone();
        let mut eth1 = b.links[&2].clone();
        eth1.index = 3;
        eth1.name = "eth1".into();
        b.links.insert(3, eth1);
        let q = compare_query(&a, &b, &query("8.8.8.8 oif eth1")).expect("eth1 is in b");
        assert_eq!(q.before.answer.outcome.errno(), Some(Errno::Enodev));
        assert!(q.before.summary.contains("eth1"), "{}", q.before.summary);
        assert!(q.after.is_ok());
        assert!(compare_query(&a, &b, &query("8.8.8.8 oif eth9")).is_err());
    }
}
