//! `diff` at scale: two states of 1M routes and 1000 rules (`fixtures::large`) compared in under
//! a second. Run with `cargo test --release --test diff_speed -- --nocapture`; debug only reports.

use std::time::Instant;

#[test]
fn diff_of_a_million_routes_takes_under_a_second() {
    let a = routescope::fixtures::large(1_000_000, 1000);
    let mut b = a.clone();
    b.rules.pop();
    let start = Instant::now();
    let d = routescope::diff::diff(&a, &b);
    let took = start.elapsed();
    eprintln!(
        "diff: {} routes, {} rules a side, {} differences in {took:?}",
        a.route_count(),
        a.rules.len(),
        d.rules.len()
    );
    assert_eq!(d.rules.removed.len(), 1);
    assert!(d.routes.is_empty());
    if !cfg!(debug_assertions) {
        assert!(took.as_secs_f64() < 1.0, "diff took {took:?}");
    }
}
