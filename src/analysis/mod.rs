//! Diagnosis: pure checks over the model that say what is wrong before anyone asks a query.
//!
//! State in, findings out, no I/O: each check is one file with a `check(&State) -> Vec<Finding>`
//! function, listed once in `CHECKS`; `report::findings` renders what they find.

mod commands;
mod dead_nexthop;
mod default_rule_missing;
mod duplicate_rule;
mod equal_defaults;
mod ipv6_src_unusable;
mod lo_netmask;
mod lo_wide_prefix;
mod mark_without_src_valid_mark;
mod policy_table_missing_connected;
mod probe;
mod rp_filter_drop;
mod rule_detached_device;
mod rule_to_empty_table;
mod rule_unreachable;
mod table_without_rule;

use crate::model::{Address, Route, Rule, State};

/// How bad a finding is; errors come first when sorted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Traffic is broken now.
    Error,
    /// Traffic is, or will be, handled other than the configuration suggests.
    Warning,
    /// Worth knowing; often deliberate.
    Info,
}

impl Severity {
    /// The word used in text and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
            Self::Info => "info",
        }
    }
}

/// What a finding is about, as typed references into the state (rendered by `report`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Rule(Rule),
    Route(Route),
    /// A link by index.
    Link(u32),
    Address(Address),
    /// A nexthop object by id.
    Nexthop(u32),
}

/// One problem found in the state, with what to do about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The check's id, e.g. `equal-defaults`.
    pub id: &'static str,
    pub severity: Severity,
    /// The rules, routes, links, addresses and nexthops the finding is about.
    pub subjects: Vec<Subject>,
    /// One line saying what is wrong.
    pub message: String,
    /// One or two sentences a newcomer understands.
    pub why: String,
    /// The commands (`ip …`, `sysctl -w …`) that would resolve it; never run by routescope.
    pub fix: Vec<String>,
    /// The words of a `routescope get` query that shows the problem, when one does.
    pub evidence: Option<String>,
}

/// One diagnosis check.
pub type Check = fn(&State) -> Vec<Finding>;

/// Every check with its id, in the order findings are reported within a severity.
pub const CHECKS: &[(&str, Check)] = &[
    ("default-rule-missing", default_rule_missing::check),
    ("equal-defaults", equal_defaults::check),
    ("lo-netmask", lo_netmask::check),
    ("lo-wide-prefix", lo_wide_prefix::check),
    ("rp-filter-drop", rp_filter_drop::check),
    (
        "mark-without-src-valid-mark",
        mark_without_src_valid_mark::check,
    ),
    ("table-without-rule", table_without_rule::check),
    ("rule-to-empty-table", rule_to_empty_table::check),
    ("rule-unreachable", rule_unreachable::check),
    ("duplicate-rule", duplicate_rule::check),
    (
        "policy-table-missing-connected",
        policy_table_missing_connected::check,
    ),
    ("rule-detached-device", rule_detached_device::check),
    ("dead-nexthop", dead_nexthop::check),
    ("ipv6-src-unusable", ipv6_src_unusable::check),
];

/// Runs every check and returns the findings, most severe first (stable within a severity).
pub fn check(state: &State) -> Vec<Finding> {
    let mut findings: Vec<Finding> = CHECKS.iter().flat_map(|(_, run)| run(state)).collect();
    findings.sort_by_key(|f| f.severity);
    findings
}

/// Whether any finding is a warning or an error (the `check` command then exits 5).
pub fn has_problems(findings: &[Finding]) -> bool {
    findings.iter().any(|f| f.severity <= Severity::Warning)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_is_listed_once_and_the_server_fixture_has_one_gap() {
        let mut ids: Vec<&str> = CHECKS.iter().map(|(id, _)| *id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), CHECKS.len());
        // table 100 of the fixture has only a default route: its own subnet goes to a gateway
        let findings = check(&crate::model::fixtures::server());
        let ids: Vec<&str> = findings.iter().map(|f| f.id).collect();
        assert_eq!(ids, ["policy-table-missing-connected"], "{findings:#?}");
        assert_eq!(
            findings[0].evidence.as_deref(),
            Some("99.88.22.7 mark 0x10")
        );
    }
}
