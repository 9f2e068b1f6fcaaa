//! The lookup against the kernel: the teaching scenarios, and (below) the differential test.
//!
//! Kernel tests build throwaway network namespaces (root needed). They fail when `CI=true` and
//! namespaces cannot be created, and are skipped with a note otherwise.

mod common;
mod differential;

use std::net::{IpAddr, Ipv4Addr};
use std::process::Command;
use std::sync::Arc;

use common::{TestNetns, runtime};
use routescope::lookup::{Confidence, Query, explain, resolve};
use routescope::model::{Family, State};
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
        assert_eq!(v.answer.table, Some(table), "the table named: {context}");
    }
    assert_eq!(
        v.confidence == Confidence::Approximate,
        t.approximate,
        "{context}"
    );
    let request = routescope::net::RouteGetRequest::for_query(state, &query);
    let kernel = runtime()
        .block_on(net::route_get(Some(ns), request))
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
            .block_on(net::dump_state(Some(&ns.name)))
            .expect("dump");
        for t in &scenario.tries {
            check_try_against_kernel(&ns.name, &scenario.name, t);
            check_try_against_routescope(&ns.name, &state, &scenario.name, t);
        }
    }
}

/// One query's outcome in the differential run.
struct Outcome {
    words: String,
    approximate: bool,
    differences: Vec<String>,
    /// The kernel's fib trace against the rule walk, or why it was not recorded.
    trace: Result<verify::TraceComparison, String>,
}

/// Builds one random configuration, asks routescope and the kernel every query, compares.
fn run_config(
    seed: u64,
    index: usize,
    queries: usize,
    tracer: &Arc<Result<net::Tracer, String>>,
) -> Option<(Vec<Outcome>, String)> {
    let mut rng = differential::Rng::new(seed.wrapping_add(index as u64 * 7919));
    let config = differential::config(&mut rng);
    let words: Vec<Vec<String>> = (0..queries)
        .map(|_| differential::query(&mut rng, &config))
        .collect();
    let ns = TestNetns::new(&format!("diff{index}"))?;
    for setting in &config.sysctls {
        ns.sysctl(setting);
    }
    ns.batch(&config.batch);
    let script = config.script(&ns.name);
    let tracer = Arc::clone(tracer);
    let outcomes = runtime()
        .block_on(net::run_in(Some(&ns.name), move || async move {
            let requester = net::Requester::open()?;
            let state = requester.state().await?;
            // one trace instance for the run, filtered to this namespace thread; each request
            // reads only the events recorded since the one before
            let tracer: Result<&net::Tracer, String> = match tracer.as_ref() {
                Ok(t) => t.follow_this_thread().map(|()| t),
                Err(why) => Err(why.clone()),
            };
            let mut outcomes = Vec::new();
            for w in words {
                let Ok(query) = Query::parse(&w) else {
                    continue;
                };
                let e = explain(&state, &query);
                let traced = requester
                    .route_get_traced(
                        &routescope::net::RouteGetRequest::for_query(&state, &query),
                        tracer.as_ref().copied().map_err(String::as_str),
                    )
                    .await?;
                let kernel = traced.answer;
                let family = Family::of(query.dst.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)));
                let known = |id: u32| state.table(family, id).is_some();
                let trace = traced.trace.map(|t| {
                    verify::compare_trace(family, &e.table_lookups(), &t.tables(), &known)
                });
                let mut differences = verify::differences(&state, &e.verdict, &kernel);
                if resolve(&state, &query) != e.verdict {
                    differences.push("resolve() and explain() give different verdicts".into());
                }
                if !differences.is_empty() {
                    differences.push(format!("ours: {}; kernel: {kernel:?}", e.verdict.summary));
                }
                let approximate = e.verdict.confidence == Confidence::Approximate;
                outcomes.push(Outcome {
                    words: w.join(" "),
                    approximate,
                    differences,
                    trace,
                });
            }
            Ok(outcomes)
        }))
        .expect("the namespace answers");
    Some((outcomes, script))
}

/// Random configurations × random queries, each verdict compared with the kernel's.
///
/// `ROUTESCOPE_DIFF_CONFIGS` / `ROUTESCOPE_DIFF_QUERIES` / `ROUTESCOPE_DIFF_SEED` make the run
/// larger or different; the default is the CI run (200 × 20, fixed seed).
#[test]
fn the_explainer_agrees_with_the_kernel_on_random_configurations() {
    let env = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let configs = usize::try_from(env("ROUTESCOPE_DIFF_CONFIGS", 200)).unwrap_or(200);
    let queries = usize::try_from(env("ROUTESCOPE_DIFF_QUERIES", 20)).unwrap_or(20);
    let seed = env("ROUTESCOPE_DIFF_SEED", 0x5eed);
    let tracer = Arc::new(net::Tracer::start());
    let (mut total, mut approximate, mut disagreements) = (0, 0, Vec::new());
    let (mut traced, mut trace_disagreements, mut untraced) = (0, Vec::new(), None);
    let mut unseen_empty = Vec::new();
    for index in 0..configs {
        let Some((outcomes, script)) = run_config(seed, index, queries, &tracer) else {
            return;
        };
        for o in outcomes {
            total += 1;
            approximate += usize::from(o.approximate);
            match &o.trace {
                Ok(c) if !c.differences.is_empty() => trace_disagreements.push(format!(
                    "config {index} (seed {seed}): get {}\n  {}\n{script}",
                    o.words,
                    c.differences.join("\n  ")
                )),
                Ok(c) if !c.unseen_empty.is_empty() => {
                    unseen_empty.push(format!(
                        "config {index}: get {}: {:?}",
                        o.words, c.unseen_empty
                    ));
                }
                Ok(_) => traced += 1,
                Err(why) => untraced = Some(why.clone()),
            }
            if !o.differences.is_empty() {
                disagreements.push(format!(
                    "config {index} (seed {seed}): get {}\n  {}\n{script}",
                    o.words,
                    o.differences.join("\n  ")
                ));
            }
        }
    }
    let agree = total - disagreements.len();
    let trace = untraced.as_ref().map_or_else(
        || {
            format!(
                "; kernel trace: {traced} agree, {} agree but for empty tables routescope cannot see, {} disagree",
                unseen_empty.len(),
                trace_disagreements.len()
            )
        },
        |why| format!("; kernel trace not recorded: {why}"),
    );
    println!(
        "differential: {configs} configurations, {total} queries: {agree} agree ({approximate} approximate), {} disagree{trace}",
        disagreements.len()
    );
    for d in disagreements.iter().take(15) {
        println!("DISAGREE {d}");
    }
    for u in unseen_empty.iter().take(5) {
        println!("EMPTY TABLE UNSEEN {u}");
    }
    for d in trace_disagreements.iter().take(15) {
        println!("TRACE DISAGREE {d}");
    }
    assert!(
        disagreements.is_empty(),
        "{} of {total} verdicts disagree with the kernel (first ones printed above)",
        disagreements.len()
    );
    assert!(
        trace_disagreements.is_empty(),
        "{} of {total} rule walks disagree with the kernel's fib trace (first ones printed above)",
        trace_disagreements.len()
    );
    assert!(
        untraced.is_none() || std::env::var("CI").map_or(true, |v| v != "true"),
        "CI=true but the kernel's fib trace was not recorded: {untraced:?}"
    );
}
