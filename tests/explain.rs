//! The lookup against the kernel: the teaching scenarios, and (below) the differential test.
//!
//! Kernel tests build throwaway network namespaces (root needed) through `TestNetns::new`, which
//! fails them under CI and otherwise counts and prints them as skipped.

mod common;
mod differential;

use std::fmt::Write as _;
use std::process::Command;
use std::sync::Arc;

use common::{TestNetns, runtime};
use routescope::lookup::{Confidence, Query, explain};
use routescope::model::State;
use routescope::scenario::{self, Try};
use routescope::{net, verify};

/// What `ip -j route get` says: the route type or the errno name, the device and the source.
#[derive(Debug)]
struct IpAnswer {
    kind: String,
    dev: Option<String>,
    src: Option<String>,
    table: Option<String>,
}

/// Namespace `ns` opened as `-n ns` opens it.
fn named(ns: &str) -> net::Netns {
    net::Target::Named(ns.to_owned())
        .open()
        .expect("the namespace opens")
}

/// Asks iproute2 in namespace `ns`, turning its error messages back into errno names.
fn ip_route_get(ns: &str, query: &str) -> IpAnswer {
    let out = Command::new("ip")
        .args(["-n", ns, "-j", "route", "get"])
        .args(query.split_whitespace())
        .output()
        .expect("ip runs");
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let errno = [
            ("Network is unreachable", "ENETUNREACH"),
            ("No route to host", "EHOSTUNREACH"),
            ("Permission denied", "EACCES"),
            ("Invalid argument", "EINVAL"),
            ("No such device", "ENODEV"),
        ]
        .iter()
        .find(|(text, _)| err.contains(text))
        .map_or_else(
            || format!("unknown error: {err}"),
            |(_, name)| (*name).to_owned(),
        );
        return IpAnswer {
            kind: errno,
            dev: None,
            src: None,
            table: None,
        };
    }
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("ip -j prints JSON");
    let route = &json[0];
    let text = |key: &str| route[key].as_str().map(str::to_owned);
    IpAnswer {
        kind: text("type").unwrap_or_else(|| "unicast".into()),
        dev: text("dev"),
        src: text("prefsrc").or_else(|| text("from")),
        table: text("table"),
    }
}

/// Checks one suggested query of a scenario against the kernel's answer.
fn check_try_against_kernel(ns: &str, scenario: &str, t: &Try) {
    let got = ip_route_get(ns, &t.query);
    let context = format!(
        "scenario {scenario}, `ip route get {}`: kernel says {got:?}",
        t.query
    );
    assert_eq!(got.kind, t.kind, "{context}");
    if let Some(dev) = &t.dev {
        assert_eq!(got.dev.as_ref(), Some(dev), "{context}");
    }
    if let Some(src) = &t.src {
        assert_eq!(got.src.as_ref(), Some(src), "{context}");
    }
    if let Some(table) = t.table.filter(|&t| t != 254 && t != 255) {
        assert_eq!(got.table, Some(table.to_string()), "{context}");
    }
}

/// Checks routescope's explanation of one suggested query: the rule and table it names, the
/// answer's type, and agreement with the kernel.
fn check_try_against_routescope(ns: &str, state: &State, scenario: &str, t: &Try) {
    let words: Vec<&str> = t.query.split_whitespace().collect();
    let query = Query::parse(&words).expect("scenario queries parse");
    let e = explain(state, &query);
    let v = &e.verdict;
    let context = format!(
        "scenario {scenario}, `get {}`: routescope says {v:#?}",
        t.query
    );
    let word = v.answer.outcome.to_string();
    assert_eq!(word, t.kind, "{context}");
    if let Some(rule) = t.rule {
        assert_eq!(
            v.rule.as_ref().map(|r| r.priority),
            Some(rule),
            "the rule named: {context}"
        );
    }
    if let Some(table) = t.table {
        // the table the route belongs to (the kernel may report main for it while merged)
        let named = v.route.as_ref().map(|r| r.table).or(v.answer.table);
        assert_eq!(named, Some(table), "the table named: {context}");
    }
    assert_eq!(
        v.confidence == Confidence::Approximate,
        t.approximate,
        "{context}"
    );
    let request = routescope::net::RouteGetRequest::for_query(state, &query);
    let kernel = runtime()
        .block_on(net::route_get(&named(ns), request))
        .expect("kernel answers");
    let diffs = verify::differences(state, v, &kernel);
    assert!(
        diffs.is_empty(),
        "{context}\nkernel: {kernel:?}\ndifferences: {diffs:?}"
    );
}

#[test]
fn every_teaching_scenario_answers_as_its_data_says() {
    for scenario in scenario::all() {
        let Some(ns) = TestNetns::new(&scenario.name) else {
            return;
        };
        scenario::apply_setup(&ns.name, &scenario).expect("scenario builds");
        let state = runtime()
            .block_on(net::dump_state(&ns.netns()))
            .expect("dump");
        for t in &scenario.tries {
            check_try_against_kernel(&ns.name, &scenario.name, t);
            check_try_against_routescope(&ns.name, &state, &scenario.name, t);
        }
    }
}

/// A number from the environment, or the default.
fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Random configurations × random queries, each verdict compared with the kernel's.
///
/// `ROUTESCOPE_DIFF_CONFIGS` / `ROUTESCOPE_DIFF_QUERIES` / `ROUTESCOPE_DIFF_SEED` make the run
/// larger or different; the default is the CI run (200 × 20, fixed seed).
/// `ROUTESCOPE_DIFF_VERBOSE=1` also prints the commands the kernel refused;
/// `ROUTESCOPE_DIFF_LOG=FILE` appends every disagreement to FILE as one JSON object a line.
#[test]
fn the_explainer_agrees_with_the_kernel_on_random_configurations() {
    let configs = usize::try_from(env_number("ROUTESCOPE_DIFF_CONFIGS", 200)).unwrap_or(200);
    let queries = usize::try_from(env_number("ROUTESCOPE_DIFF_QUERIES", 20)).unwrap_or(20);
    let seed = env_number("ROUTESCOPE_DIFF_SEED", 0x5eed);
    let verbose = std::env::var("ROUTESCOPE_DIFF_VERBOSE").is_ok_and(|v| v == "1");
    let mut log = std::env::var("ROUTESCOPE_DIFF_LOG").ok().map(|path| {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("the log file opens")
    });
    let (mut total, mut approximate, mut disagree) = (0, 0, 0);
    let mut report = String::new();
    let tracer = Arc::new(net::Tracer::start());
    let mut trace = TraceTally::default();
    let mut lo = LoTally::default();
    for index in 0..configs {
        let Some(run) = differential::run::run_config(seed, index, queries, &tracer) else {
            return;
        };
        if verbose {
            for r in &run.refused {
                println!("REFUSED seed {seed} config {index}: {r}");
            }
        }
        let (mut this_config, mut this_trace) = (0, 0);
        lo.add(&run);
        for o in &run.outcomes {
            total += 1;
            approximate += usize::from(o.approximate);
            this_trace += usize::from(trace.add(seed, index, o, &mut report));
            if o.differences.is_empty() {
                continue;
            }
            disagree += 1;
            this_config += 1;
            let _ = writeln!(
                report,
                "DISAGREE seed {seed} config {index}: get {}\n  {}",
                o.words,
                o.differences.join("\n  ")
            );
            if let Some(file) = log.as_mut() {
                let line = serde_json::json!({
                    "seed": seed, "config": index, "query": o.words,
                    "differences": o.differences, "script": run.script,
                });
                std::io::Write::write_all(file, format!("{line}\n").as_bytes())
                    .expect("the log is written");
            }
        }
        if this_config + this_trace > 0 {
            let _ = writeln!(
                report,
                "REBUILD seed {seed} config {index} ({this_config} disagreements, {this_trace} with the fib trace):\n{}",
                run.script
            );
        }
    }
    let agree = total - disagree;
    println!(
        "differential: {configs} configurations, {total} queries: {agree} agree ({approximate} approximate), {disagree} disagree; {}",
        trace.summary()
    );
    lo.print();
    print!("{report}");
    assert!(
        disagree == 0,
        "{disagree} of {total} verdicts disagree with the kernel (each listed above with its seed, configuration and rebuild script)"
    );
    assert!(
        trace.disagree == 0,
        "{} of {total} rule walks disagree with the kernel's fib trace (listed above)",
        trace.disagree
    );
    assert!(
        trace.unrecorded.is_none() || std::env::var("CI").map_or(true, |v| v.is_empty()),
        "CI is set but the kernel's fib trace was not recorded: {:?}",
        trace.unrecorded
    );
}

/// The fib-trace side of the differential run.
#[derive(Default)]
struct TraceTally {
    agree: usize,
    /// Agree once empty tables are left out: the kernel has them but no dump shows them, or
    /// (IPv4) the walk looks one up that the kernel does not have.
    unseen_empty: usize,
    /// Of those, the queries with such a table on the kernel's side, and on the walk's.
    kernel_side: usize,
    walk_side: usize,
    disagree: usize,
    unrecorded: Option<String>,
}

impl TraceTally {
    /// Counts one query's trace comparison, reporting a disagreement; true if it disagreed.
    fn add(
        &mut self,
        seed: u64,
        index: usize,
        o: &differential::run::Outcome,
        report: &mut String,
    ) -> bool {
        match &o.trace {
            Ok(c) if !c.differences.is_empty() => {
                self.disagree += 1;
                let _ = writeln!(
                    report,
                    "TRACE DISAGREE seed {seed} config {index}: get {}\n  {}",
                    o.words,
                    c.differences.join("\n  ")
                );
                return true;
            }
            Ok(c) if c.agrees_but_for_empty_tables() => {
                self.unseen_empty += 1;
                self.kernel_side += usize::from(!c.unseen_empty.is_empty());
                self.walk_side += usize::from(!c.absent_empty.is_empty());
            }
            Ok(_) => self.agree += 1,
            Err(why) => self.unrecorded = Some(why.clone()),
        }
        false
    }

    /// The figure line's trace part.
    fn summary(&self) -> String {
        match &self.unrecorded {
            Some(why) => format!("kernel trace not recorded: {why}"),
            None => format!(
                "kernel trace: {} agree, {} agree but for empty tables no dump shows ({} on the kernel's side, {} on the walk's), {} disagree",
                self.agree, self.unseen_empty, self.kernel_side, self.walk_side, self.disagree
            ),
        }
    }
}

/// The configurations with lo left down and those with lo set down at the end: for each, how
/// many, their queries, approximate ones, and trace set-asides (all, and on the walk's side).
#[derive(Default)]
struct LoTally {
    down: [usize; 5],
    cycle: [usize; 5],
}

impl LoTally {
    fn add(&mut self, run: &differential::run::ConfigRun) {
        let t = match run.lo {
            differential::Lo::Up => return,
            differential::Lo::Cycle => &mut self.cycle,
            differential::Lo::Down | differential::Lo::Fresh => &mut self.down,
        };
        t[0] += 1;
        for o in &run.outcomes {
            t[1] += 1;
            t[2] += usize::from(o.approximate);
            if let Ok(c) = &o.trace
                && c.agrees_but_for_empty_tables()
            {
                t[3] += 1;
                t[4] += usize::from(!c.absent_empty.is_empty());
            }
        }
    }

    fn print(&self) {
        for (what, t) in [
            ("lo left down", &self.down),
            ("lo set down at the end", &self.cycle),
        ] {
            println!(
                "differential: {what} in {} configurations: {} queries ({} approximate), {} agree with the fib trace but for empty tables ({} on the walk's side)",
                t[0], t[1], t[2], t[3], t[4]
            );
        }
    }
}

/// The generator covers every feature in some configurations of the CI seed (no kernel needed).
#[test]
fn the_generator_covers_every_feature_on_the_ci_seed() {
    let configs = usize::try_from(env_number("ROUTESCOPE_DIFF_CONFIGS", 200)).unwrap_or(200);
    let queries = usize::try_from(env_number("ROUTESCOPE_DIFF_QUERIES", 20)).unwrap_or(20);
    let seed = env_number("ROUTESCOPE_DIFF_SEED", 0x5eed);
    let counts = differential::coverage::count(seed, configs, queries);
    for (feature, n) in &counts {
        println!("coverage: {feature}: {n} of {configs} configurations");
    }
    let rare: Vec<_> = counts.iter().filter(|(_, n)| *n * 100 < configs).collect();
    assert!(
        rare.is_empty(),
        "features in under 1% of configurations: {rare:?}"
    );
}
