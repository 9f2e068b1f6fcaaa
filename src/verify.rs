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
}

/// Compares the kernel's walk with ours; `known` says which tables routescope sees.
///
/// IPv4 traces a `throw` route and a miss alike (EAGAIN), so for IPv4 they compare equal.
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
    let unseen = |&(t, r): &(u32, TableResult)| r == TableResult::NotFound && !known(t);
    let seen: Vec<(u32, TableResult)> = b.iter().filter(|l| !unseen(l)).copied().collect();
    if a == seen {
        let mut unseen_empty: Vec<u32> = b.iter().filter(|l| unseen(l)).map(|l| l.0).collect();
        unseen_empty.dedup();
        return TraceComparison {
            differences: Vec::new(),
            unseen_empty,
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
        unseen_empty: Vec::new(),
    }
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
}
