//! `equal-defaults`: two default routes in one table that tie, so the kernel alternates.

use ipnet::IpNet;

use super::commands::{route_add_with_metric, route_del};
use super::probe::{remote, shows};
use super::{Finding, Severity, Subject};
use crate::lookup::Query;
use crate::model::{Family, Route, RouteKind, State};

/// Finds tables with several unicast default routes of one metric and tos that differ in gateway
/// or source.
pub fn check(state: &State) -> Vec<Finding> {
    let mut out = Vec::new();
    for (&(family, table), routes) in &state.tables {
        let any = IpNet::new(remote(family), 0).map(|n| n.trunc());
        let Ok(any) = any else { continue };
        let defaults: Vec<Route> = routes
            .routes_for(any)
            .filter(|r| r.kind == RouteKind::Unicast && r.src_prefix().is_none())
            .collect();
        let mut seen: Vec<(u32, u8)> = Vec::new();
        for r in &defaults {
            if seen.contains(&(r.metric, r.tos)) {
                continue;
            }
            seen.push((r.metric, r.tos));
            let tied: Vec<&Route> = defaults
                .iter()
                .filter(|o| o.metric == r.metric && o.tos == r.tos)
                .collect();
            let differ = tied
                .iter()
                .any(|o| o.gateway() != r.gateway() || o.prefsrc != r.prefsrc);
            if tied.len() > 1 && differ {
                out.push(finding(state, family, table, &tied));
            }
        }
    }
    out
}

/// The finding for one set of tied default routes.
fn finding(state: &State, family: Family, table: u32, tied: &[&Route]) -> Finding {
    let metric = tied[0].metric;
    let mut fix = Vec::new();
    for (n, r) in tied.iter().enumerate().skip(1) {
        let n = u32::try_from(n).unwrap_or(u32::MAX);
        fix.push(route_del(state, r));
        fix.push(route_add_with_metric(state, r, metric.saturating_add(n)));
    }
    let q = Query {
        dst: Some(remote(family)),
        ..Query::default()
    };
    let evidence = shows(state, &q, |v| {
        v.answer.table == Some(table) && v.candidates.len() > 1
    });
    let names = state.table_names.name(table);
    Finding {
        id: "equal-defaults",
        severity: Severity::Warning,
        subjects: tied.iter().map(|r| Subject::Route((*r).clone())).collect(),
        message: format!(
            "{} default routes in table {names} tie at metric {metric}: the kernel alternates between them",
            tied.len()
        ),
        why: "When default routes have the same metric the kernel picks one per new flow by \
              neighbour state and its last choice, so the gateway and the source address of new \
              connections change from one moment to the next. Give each route its own metric."
            .into(),
        fix,
        evidence,
    }
}
