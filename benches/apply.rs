//! How fast the model follows route changes with 1,000,000 routes in main (issue #11: at least
//! 1,000,000 changes/s).
//!
//! `cargo bench --bench apply`. One iteration adds a /25 inside one of the table's /24s and
//! deletes it again (two changes, as a feed delivers them); the /24s are visited in a scattered
//! order, so the changes land all over the table rather than at one end.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use ipnet::IpNet;
use routescope::fixtures;
use routescope::model::{Change, Family, Op, Placement, Route, table};

/// Adds and deletes routes in a 1M-route main table.
fn apply(c: &mut Criterion) {
    let mut state = fixtures::large(1_000_000, 0);
    let main = state.table(Family::V4, table::MAIN).expect("main");
    let routes: Vec<Route> = main.iter().filter(|r| r.dst.prefix_len() == 24).collect();
    // every 4,099th /24 (prime to the table's size): scattered, and each one different
    let picked: Vec<Route> = (0..10_000)
        .map(|i| {
            let mut r = routes[(i * 4_099) % routes.len()].clone();
            r.dst = IpNet::new(r.dst.addr(), 25).expect("a /25");
            r
        })
        .collect();
    let before = state.route_count();
    let mut group = c.benchmark_group("apply 1M routes");
    group.throughput(Throughput::Elements(2));
    let mut i = 0;
    group.bench_function("add + delete a /25 (2 changes)", |b| {
        b.iter(|| {
            let route = &picked[i % picked.len()];
            i += 1;
            state.apply(black_box(Change::Route(
                Op::New,
                Placement::Last,
                route.clone(),
            )));
            state.apply(black_box(Change::Route(
                Op::Del,
                Placement::Last,
                route.clone(),
            )));
        });
    });
    group.finish();
    assert_eq!(state.route_count(), before, "every route added was deleted");
}

criterion_group!(benches, apply);
criterion_main!(benches);
