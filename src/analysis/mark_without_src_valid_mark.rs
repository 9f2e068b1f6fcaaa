//! `mark-without-src-valid-mark`: fwmark rules while reverse-path filtering ignores the mark.

use super::{Finding, Severity, Subject};
use crate::model::{Family, RuleAction, SelectorKind, State};

/// Finds IPv4 fwmark rules together with `rp_filter` devices that have `src_valid_mark` off.
pub fn check(state: &State) -> Vec<Finding> {
    let marked: Vec<Subject> = state
        .rule_slice(Family::V4)
        .iter()
        .filter(|r| r.action != RuleAction::Nop && r.selector(SelectorKind::Fwmark).is_some())
        .map(|r| Subject::Rule(r.clone()))
        .collect();
    if marked.is_empty() {
        return Vec::new();
    }
    let lo = state.loopback();
    let devices: Vec<u32> = state
        .links
        .values()
        .filter(|l| l.index != lo && state.sysctls.rp_filter(&l.name) != 0)
        .filter(|l| !state.sysctls.either(&l.name, |s| s.src_valid_mark))
        .map(|l| l.index)
        .collect();
    if devices.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = devices.iter().map(|d| state.link_name(*d)).collect();
    let mut subjects = marked;
    subjects.extend(devices.into_iter().map(Subject::Link));
    vec![Finding {
        id: "mark-without-src-valid-mark",
        severity: Severity::Warning,
        subjects,
        message: format!(
            "fwmark rules exist, but rp_filter on {} checks sources without the packet's mark",
            names.join(", ")
        ),
        why: "Reverse-path filtering looks up the way back to a packet's source with mark 0 \
              unless src_valid_mark is set, so marked traffic whose replies go by a marked table \
              fails the check and is dropped."
            .into(),
        fix: vec!["sysctl -w net.ipv4.conf.all.src_valid_mark=1".into()],
        evidence: None,
    }]
}
