//! How long an explanation takes with 1,000,000 routes in main and 1,000 rules before it.
//!
//! `cargo bench --bench lookup`. The rules all carry a fwmark the query does not have, so every
//! one is tested and passed over before main answers: the worst case for the rule walk. `explain`
//! keeps a step for every rule passed over, its sentence written when shown; the last figure
//! writes the whole explanation as `get` prints it, every one of those sentences included.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use routescope::fixtures;
use routescope::lookup::{Query, explain, resolve};
use routescope::report::explain::{TraceCheck, write_text};

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
    c.bench_function("explain 1M routes 1k rules, written as get's text", |b| {
        let mut out = Vec::with_capacity(1 << 20);
        b.iter(|| {
            out.clear();
            let e = explain(black_box(&state), black_box(&query));
            let trace = TraceCheck::Unavailable("not asked");
            write_text(&mut out, &state, &e, None, &trace).expect("in memory");
            black_box(out.len())
        });
    });
    let small = fixtures::large(1_000_000, 0);
    c.bench_function("resolve 1M routes, default rules", |b| {
        b.iter(|| resolve(black_box(&small), black_box(&query)));
    });
}

criterion_group!(benches, lookups);
criterion_main!(benches);
