//! Comparing an explanation's verdict with the kernel's own answer: one `Answer` type on both
//! sides; and the tables our rule walk consults with those the kernel's fib trace recorded.

use crate::lookup::{Confidence, TableResult, Verdict};
use crate::model::{Answer, Family, Outcome, State, addr_or_none, table};

/// Where our verdict and the kernel's answer differ (empty: they agree).
pub fn differences(state: &State, ours: &Verdict, kernel: &Answer) -> Vec<String> {
    let mine = &ours.answer;
    match (mine.outcome, kernel.outcome) {
        (a, b) if a == b && !a.is_ok() => return Vec::new(),
        (Outcome::Error(a), Outcome::Error(b)) => {
            return vec![format!("error: ours {a}, kernel {b}")];
        }
        (Outcome::Error(a), Outcome::Route(_)) => {
            return vec![format!("ours fails with {a}, the kernel routes it")];
        }
        (Outcome::Route(_), Outcome::Error(b)) => {
            return vec![format!("ours routes it, the kernel fails with {b}")];
        }
        (a, b) if a != b => {
            return vec![format!("type: ours {a}, kernel {b}")];
        }
        _ => {}
    }
    let mut diffs = Vec::new();
    if let (Some(a), Some(b)) = (mine.table, kernel.table.filter(|t| *t != table::UNSPEC)) {
        if a != b {
            diffs.push(format!(
                "table: ours {}, kernel {}",
                state.table_names.name(a),
                state.table_names.name(b)
            ));
        }
    }
    if ours.confidence == Confidence::Approximate && !ours.candidates.is_empty() {
        let listed = ours.candidates.iter().any(|c| {
            Some(c.dev) == kernel.dev
                && c.gateway == kernel.gateway
                && (c.src.is_none() || c.src == kernel.src)
        });
        if !listed {
            diffs.push("the kernel's choice is not among the listed candidates".into());
        }
        return diffs;
    }
    if mine.dev != kernel.dev {
        let name = |d: Option<u32>| d.map_or_else(|| "none".into(), |d| state.link_name(d));
        diffs.push(format!(
            "dev: ours {}, kernel {}",
            name(mine.dev),
            name(kernel.dev)
        ));
    }
    if mine.gateway != kernel.gateway {
        diffs.push(format!(
            "gateway: ours {}, kernel {}",
            addr_or_none(mine.gateway),
            addr_or_none(kernel.gateway)
        ));
    }
    if mine.src != kernel.src && !ours.other_sources.contains(&kernel.src) {
        diffs.push(format!(
            "src: ours {}, kernel {}",
            addr_or_none(mine.src),
            addr_or_none(kernel.src)
        ));
    }
    diffs
}

/// The tables the kernel's fib trace shows against those our rule walk consults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TraceComparison {
    /// Where the two walks differ (empty: they agree).
    pub differences: Vec<String>,
    /// Tables the kernel consulted and found empty that routescope does not know exist: netlink
    /// dumps routes, not tables, so a table that was emptied, or created by a `route add` that
    /// failed, is invisible; they are left out of the kernel's walk before comparing.
    pub unseen_empty: Vec<u32>,
    /// Tables our walk looks up, with no routes in the dump, that the kernel did not look up at
    /// all: an IPv4 table exists only once a route was added to it (`fib_new_table`), and the
    /// kernel passes over a missing one untraced; they are left out of our walk before comparing.
    /// Never for IPv6, whose main and local always exist and whose rules create their tables.
    pub absent_empty: Vec<u32>,
}

impl TraceComparison {
    /// Whether the walks agree only once tables no dump can tell exist or not are set aside.
    pub fn agrees_but_for_empty_tables(&self) -> bool {
        self.differences.is_empty()
            && !(self.unseen_empty.is_empty() && self.absent_empty.is_empty())
    }
}

/// Which tables of `family` routescope knows the kernel has, for `compare_trace`: those with
/// routes in the dump, and IPv4 main while local and main are one trie and local has routes (a
/// route in the merged local table made main first: `fib_new_table()` creates local as main's
/// alias). Any other table may exist empty, or not at all.
pub fn known_tables(state: &State, family: Family) -> impl Fn(u32) -> bool + '_ {
    let merged_main = family == Family::V4
        && state.ipv4_tables_merged == Some(true)
        && state.table(family, table::LOCAL).is_some();
    move |id| state.table(family, id).is_some() || (merged_main && id == table::MAIN)
}

/// Compares the kernel's walk with ours; `known` says which tables routescope knows exist
/// (`known_tables`).
///
/// IPv4 traces a `throw` route and a miss alike (EAGAIN), so for IPv4 they compare equal. A
/// table the dump shows no route in may or may not exist in the kernel: a lookup of it finds
/// nothing, and is traced only if it exists. So a table only one side looks up, every time with
/// nothing found, and that routescope has no routes in, is set aside: on the kernel's side
/// (`unseen_empty`), or for IPv4 on ours (`absent_empty`). A table both sides look up is
/// compared lookup by lookup, as is every table with routes.
pub fn compare_trace(
    family: Family,
    ours: &[(u32, TableResult)],
    kernel: &[(u32, TableResult)],
    known: &dyn Fn(u32) -> bool,
) -> TraceComparison {
    let plain = |seq: &[(u32, TableResult)]| -> Vec<(u32, TableResult)> {
        seq.iter()
            .map(|&(t, r)| match r {
                TableResult::Threw if family == Family::V4 => (t, TableResult::NotFound),
                other => (t, other),
            })
            .collect()
    };
    let (a, b) = (plain(ours), plain(kernel));
    if a == b {
        return TraceComparison::default();
    }
    let unseen_empty = one_sided_empty(&b, &a, known);
    let absent_empty = if family == Family::V4 {
        one_sided_empty(&a, &b, known)
    } else {
        Vec::new()
    };
    let without = |seq: &[(u32, TableResult)], aside: &[u32]| -> Vec<(u32, TableResult)> {
        seq.iter()
            .filter(|l| !aside.contains(&l.0))
            .copied()
            .collect()
    };
    if without(&a, &absent_empty) == without(&b, &unseen_empty) {
        return TraceComparison {
            differences: Vec::new(),
            unseen_empty,
            absent_empty,
        };
    }
    let at = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    TraceComparison {
        differences: vec![format!(
            "tables looked up differ from lookup {}: ours [{}], kernel [{}]",
            at + 1,
            sequence(&a),
            sequence(&b)
        )],
        ..TraceComparison::default()
    }
}

/// The tables, in order of first lookup, that `side` looks up and `other` never does, each time
/// finding nothing, and that routescope has no routes in: whether they exist no dump shows.
fn one_sided_empty(
    side: &[(u32, TableResult)],
    other: &[(u32, TableResult)],
    known: &dyn Fn(u32) -> bool,
) -> Vec<u32> {
    let mut tables: Vec<u32> = Vec::new();
    for &(t, _) in side {
        let aside = !known(t)
            && !other.iter().any(|l| l.0 == t)
            && side
                .iter()
                .all(|&(u, r)| u != t || r == TableResult::NotFound);
        if aside && !tables.contains(&t) {
            tables.push(t);
        }
    }
    tables
}

/// A sequence of table lookups as `255 no route, 254 found`.
pub fn sequence(seq: &[(u32, TableResult)]) -> String {
    seq.iter()
        .map(|&(t, r)| format!("{t} {}", table_result_word(r)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What a table lookup gave, in a word or two (`found`, `no route`, `throw`, `EACCES`).
pub fn table_result_word(result: TableResult) -> String {
    match result {
        TableResult::Found => "found".into(),
        TableResult::NotFound => "no route".into(),
        TableResult::Threw => "throw".into(),
        TableResult::Failed(errno) => errno.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Errno;
    use TableResult::{Failed, Found, NotFound, Threw};

    /// Every table is known to routescope.
    fn all(_: u32) -> bool {
        true
    }

    #[test]
    fn equal_walks_agree_and_ipv4_throw_is_a_miss() {
        let ours = [(255, NotFound), (100, Threw), (254, Found)];
        let kernel = [(255, NotFound), (100, NotFound), (254, Found)];
        assert_eq!(
            compare_trace(Family::V4, &ours, &kernel, &all),
            TraceComparison::default()
        );
        let diff = compare_trace(Family::V6, &ours, &kernel, &all).differences;
        assert_eq!(
            diff,
            [
                "tables looked up differ from lookup 2: ours [255 no route, 100 throw, 254 found], \
              kernel [255 no route, 100 no route, 254 found]"
            ]
        );
    }

    #[test]
    fn a_missing_or_extra_lookup_is_a_difference() {
        let ours = [(254, Found)];
        let kernel = [(100, NotFound), (254, Found)];
        assert_eq!(
            compare_trace(Family::V4, &ours, &kernel, &all)
                .differences
                .len(),
            1
        );
        let failed = [(254, Failed(Errno::Eacces))];
        let diff = compare_trace(Family::V4, &ours, &failed, &all).differences;
        assert!(diff[0].contains("kernel [254 EACCES]"), "{diff:?}");
        assert_eq!(
            compare_trace(Family::V4, &[], &[], &all),
            TraceComparison::default()
        );
    }

    #[test]
    fn an_empty_table_routescope_cannot_see_is_set_apart() {
        let ours = [(255, NotFound), (254, Found)];
        let kernel = [(255, NotFound), (4_000_000_000, NotFound), (254, Found)];
        let known = |t: u32| t != 4_000_000_000;
        let c = compare_trace(Family::V4, &ours, &kernel, &known);
        assert_eq!(
            (c.differences.len(), c.unseen_empty),
            (0, vec![4_000_000_000])
        );
        // a table routescope knows, or one that answered, is still a disagreement
        assert_eq!(
            compare_trace(Family::V4, &ours, &kernel, &all)
                .differences
                .len(),
            1
        );
        let answered = [(255, NotFound), (4_000_000_000, Found)];
        assert_eq!(
            compare_trace(Family::V4, &ours, &answered, &known)
                .differences
                .len(),
            1
        );
    }

    #[test]
    fn an_ipv4_table_the_kernel_does_not_have_is_set_apart() {
        // a new namespace: the merged walk looks up main, which no route ever created
        let empty = |_: u32| false;
        let c = compare_trace(Family::V4, &[(254, NotFound)], &[], &empty);
        assert!(c.differences.is_empty(), "{c:?}");
        assert!(c.agrees_but_for_empty_tables());
        assert_eq!((c.absent_empty, c.unseen_empty), (vec![254], vec![]));
        // main exists (lo is up), default was emptied: both sides look up main, the kernel
        // also default
        let c = compare_trace(
            Family::V4,
            &[(254, NotFound)],
            &[(254, NotFound), (253, NotFound)],
            &empty,
        );
        assert_eq!((c.differences.len(), c.unseen_empty), (0, vec![253]));
        assert!(c.absent_empty.is_empty());
        // set aside on both sides at once, in the middle of a walk
        let known = |t: u32| t == 255 || t == 100;
        let ours = [(255, NotFound), (300, NotFound), (100, Found)];
        let kernel = [(255, NotFound), (400, NotFound), (100, Found)];
        let c = compare_trace(Family::V4, &ours, &kernel, &known);
        assert_eq!(
            (c.differences.len(), c.absent_empty, c.unseen_empty),
            (0, vec![300], vec![400])
        );
    }

    #[test]
    fn only_empty_lookups_of_one_side_are_set_apart() {
        let empty = |_: u32| false;
        let known = |t: u32| t == 254;
        // IPv6 has main, local and every rule's table: a lookup the kernel lacks is a difference
        let c = compare_trace(Family::V6, &[(254, NotFound)], &[], &empty);
        assert_eq!(c.differences.len(), 1);
        // a table with routes, or one that answered, stays in the comparison
        let c = compare_trace(Family::V4, &[(254, NotFound)], &[], &known);
        assert_eq!(c.differences.len(), 1);
        let c = compare_trace(Family::V4, &[(300, Found)], &[], &empty);
        assert_eq!(c.differences.len(), 1);
        // a table both sides look up is compared lookup by lookup: the kernel traces every
        // lookup of a table that exists
        let twice = [(300, NotFound), (254, Found), (300, NotFound)];
        let c = compare_trace(Family::V4, &twice, &[(300, NotFound), (254, Found)], &known);
        assert_eq!(c.differences.len(), 1);
        // and the order of the tables with routes still counts
        let ours = [
            (300, NotFound),
            (100, NotFound),
            (200, NotFound),
            (254, Found),
        ];
        let kernel = [(200, NotFound), (100, NotFound), (254, Found)];
        let known = |t: u32| t != 300;
        let c = compare_trace(Family::V4, &ours, &kernel, &known);
        assert_eq!(c.differences.len(), 1);
        assert_eq!(
            c,
            TraceComparison {
                differences: c.differences.clone(),
                ..Default::default()
            }
        );
    }
}
