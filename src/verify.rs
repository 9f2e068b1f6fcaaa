//! Comparing an explanation's verdict with the kernel's own answer: one `Answer` type on both sides.

use crate::lookup::{Confidence, Verdict};
use crate::model::{Answer, Outcome, State, table};

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
            "gateway: ours {:?}, kernel {:?}",
            mine.gateway, kernel.gateway
        ));
    }
    if mine.src != kernel.src {
        diffs.push(format!("src: ours {:?}, kernel {:?}", mine.src, kernel.src));
    }
    diffs
}
