//! `check` at scale: 1M routes and 1000 rules (`fixtures::large`) in under a second after the load.
//! Run with `cargo test --release --test check_speed -- --nocapture`; a debug build only reports.

use std::time::Instant;

#[test]
fn check_of_a_million_routes_takes_under_a_second() {
    let state = routescope::fixtures::large(1_000_000, 1000);
    let start = Instant::now();
    let findings = routescope::analysis::check(&state);
    let took = start.elapsed();
    eprintln!(
        "check: {} routes, {} rules, {} findings in {took:?}",
        state.route_count(),
        state.rules.len(),
        findings.len()
    );
    // every rule of the fixture looks up a table that does not exist
    assert!(findings.iter().any(|f| f.id == "rule-to-empty-table"));
    if !cfg!(debug_assertions) {
        assert!(took.as_secs_f64() < 1.0, "check took {took:?}");
    }
}
