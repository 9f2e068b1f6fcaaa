//! How long an explanation takes with 1,000,000 routes in main and 1,000 rules before it.
//!
//! `cargo bench --bench lookup`. The rules all carry a fwmark the query does not have, so every
//! one is tested and passed over before main answers: the worst case for the rule walk.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use routescope::fixtures;
use routescope::lookup::{Query, explain, resolve};

fn lookups(c: &mut Criterion) {
    let state = fixtures::large(1_000_000, 1_000);
    let query = Query::parse(&["100.7.42.9"]).expect("query");
    let verdict = resolve(&state, &query);
    assert_eq!(
        verdict.rule.as_ref().map(|r| r.priority),
        Some(32766),
        "main answers after 1000 rules"
    );
    c.bench_function("resolve 1M routes 1k rules", |b| {
        b.iter(|| resolve(black_box(&state), black_box(&query)));
    });
    c.bench_function("explain 1M routes 1k rules (every step written)", |b| {
        b.iter(|| explain(black_box(&state), black_box(&query)));
    });
    let small = fixtures::large(1_000_000, 0);
    c.bench_function("resolve 1M routes, default rules", |b| {
        b.iter(|| resolve(black_box(&small), black_box(&query)));
    });
}

criterion_group!(benches, lookups);
criterion_main!(benches);
