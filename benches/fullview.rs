//! The in-process half of `bench/fullview.sh`: loads the routing state of the namespace it runs
//! in (the script starts it with `ip netns exec`), then times `resolve` and `explain` over the
//! script's queries and `State::apply` over route changes, and prints one JSON line.
//!
//! `ip netns exec NS target/release/deps/fullview-… --queries FILE [--explain N] [--changes N]
//! [--rounds N]`. Each call is timed alone (`Instant` costs ~25 ns, included), so the medians are
//! of single cold-ish lookups over many different destinations, not of one query repeated.

use std::hint::black_box;
use std::time::Instant;

use ipnet::IpNet;
use routescope::lookup::{Query, explain, resolve};
use routescope::model::{Change, Family, Op, Placement, Route, State, table};

/// What the script asks for.
struct Args {
    queries: String,
    explain: usize,
    changes: usize,
    rounds: usize,
}

/// Reads `--name value` pairs; the defaults suit a full view on a small machine.
fn args() -> Result<Args, String> {
    let mut out = Args {
        queries: String::new(),
        explain: 2_000,
        changes: 100_000,
        rounds: 3,
    };
    let mut it = std::env::args().skip(1);
    while let Some(name) = it.next() {
        // cargo bench passes `--bench`; nothing else is expected
        if name == "--bench" {
            continue;
        }
        let value = it.next().ok_or(format!("{name} needs a value"))?;
        let number = || value.parse::<usize>().map_err(|e| format!("{name}: {e}"));
        match name.as_str() {
            "--queries" => out.queries.clone_from(&value),
            "--explain" => out.explain = number()?,
            "--changes" => out.changes = number()?,
            "--rounds" => out.rounds = number()?,
            other => return Err(format!("unknown option {other}")),
        }
    }
    if out.queries.is_empty() {
        return Err("--queries FILE is required".into());
    }
    Ok(out)
}

/// A count as a float (the counts here are far below 2^32).
fn float(n: usize) -> f64 {
    u32::try_from(n).map_or(f64::from(u32::MAX), f64::from)
}

/// The median and 99th percentile of durations in nanoseconds, in microseconds.
fn quantiles(mut ns: Vec<u64>) -> (f64, f64) {
    ns.sort_unstable();
    let at = |permille: usize| {
        let i = ns.len().saturating_sub(1) * permille / 1000;
        let value = ns.get(i).copied().unwrap_or(0);
        f64::from(u32::try_from(value).unwrap_or(u32::MAX)) / 1000.0
    };
    (at(500), at(990))
}

/// Times `work` once per query per round, each call alone.
fn time_each<T>(queries: &[Query], rounds: usize, work: impl Fn(&Query) -> T) -> Vec<u64> {
    let mut ns = Vec::with_capacity(queries.len() * rounds);
    for _ in 0..rounds {
        for q in queries {
            let t = Instant::now();
            black_box(work(black_box(q)));
            ns.push(u64::try_from(t.elapsed().as_nanos()).unwrap_or(u64::MAX));
        }
    }
    ns
}

/// `n` route additions and then their deletions: a /25 inside each of `n` existing IPv4 routes of
/// main picked evenly through the table (so the new routes land all over it, not at one end).
fn route_changes(state: &State, n: usize) -> Vec<Change> {
    let Some(main) = state.table(Family::V4, table::MAIN) else {
        return Vec::new();
    };
    let step = (main.len() / n.max(1)).max(1);
    let mut added: Vec<Route> = main
        .iter()
        .step_by(step)
        .filter(|r| r.dst.prefix_len() < 25)
        .take(n)
        .filter_map(|r| {
            let mut r = r.clone();
            r.dst = IpNet::new(r.dst.addr(), 25).ok()?;
            Some(r)
        })
        .collect();
    // a /16 and a /24 at the same address give the same /25: add it once
    let mut seen = std::collections::HashSet::new();
    added.retain(|r| seen.insert(r.dst));
    // interleave the order, so consecutive changes touch different parts of the table
    let half = added.len() / 2;
    added.rotate_left(half);
    let mut changes: Vec<Change> = added
        .iter()
        .map(|r| Change::Route(Op::New, Placement::Last, r.clone()))
        .collect();
    changes.extend(
        added
            .into_iter()
            .rev()
            .map(|r| Change::Route(Op::Del, Placement::Last, r)),
    );
    changes
}

/// Loads the namespace's state, times each part, prints the JSON line.
fn main() {
    let args = match args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("fullview: {e}");
            std::process::exit(2);
        }
    };
    let text = std::fs::read_to_string(&args.queries).unwrap_or_else(|e| {
        eprintln!("fullview: cannot read {}: {e}", args.queries);
        std::process::exit(2)
    });
    let netns = routescope::net::Netns::current();
    let loaded = routescope::load::runtime()
        .and_then(|rt| rt.block_on(routescope::load::load(&netns, None)));
    let mut state = loaded.unwrap_or_else(|e| {
        eprintln!("fullview: {e}");
        std::process::exit(1)
    });
    let queries: Vec<Query> = text
        .lines()
        .filter_map(|l| Query::parse(&l.split_whitespace().collect::<Vec<_>>()).ok())
        .filter(|q| q.validate(&state).is_ok())
        .collect();
    let (resolve_median, resolve_p99) =
        quantiles(time_each(&queries, args.rounds, |q| resolve(&state, q)));
    let few = &queries[..args.explain.min(queries.len())];
    let (explain_median, explain_p99) =
        quantiles(time_each(few, args.rounds, |q| explain(&state, q)));
    let steps: Vec<usize> = few.iter().map(|q| explain(&state, q).steps.len()).collect();
    let mean_steps = float(steps.iter().sum::<usize>()) / float(steps.len().max(1));
    let changes = route_changes(&state, args.changes);
    let count = changes.len();
    let before = state.route_count();
    let t = Instant::now();
    for change in changes {
        state.apply(change);
    }
    let apply_s = t.elapsed().as_secs_f64();
    assert_eq!(state.route_count(), before, "every route added was deleted");
    println!(
        "{{\"routes\":{before},\"queries\":{},\"resolve_median_us\":{resolve_median:.3},\
         \"resolve_p99_us\":{resolve_p99:.3},\"explain_queries\":{},\
         \"explain_median_us\":{explain_median:.3},\"explain_p99_us\":{explain_p99:.3},\
         \"explain_mean_steps\":{mean_steps:.1},\"changes\":{count},\
         \"apply_per_s\":{:.0}}}",
        queries.len(),
        few.len(),
        float(count) / apply_s
    );
}
