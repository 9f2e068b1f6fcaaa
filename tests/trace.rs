//! The kernel's fib trace: the tables a lookup really consulted, recorded in a private tracefs
//! instance that is gone afterwards on every exit path.
//!
//! Kernel tests (root, network namespaces, tracefs). Without them they are skipped with a note,
//! except under `CI=true`, where that is a failure.

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use common::{TestNetns, runtime};
use routescope::lookup::TableResult::{self, Failed, Found, NotFound, Threw};
use routescope::lookup::{Query, explain};
use routescope::model::{Errno, Family};
use routescope::net::{self, RouteGetRequest, Tracer};
use routescope::verify;

/// Held by each test while it traces, so that one test's instances are not another's leftovers.
static SERIAL: Mutex<()> = Mutex::new(());

/// `Some` (holding the lock) when this machine can trace; prints why not (fails under `CI=true`).
fn tracing_works() -> Option<MutexGuard<'static, ()>> {
    let serial = SERIAL
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match Tracer::start() {
        Ok(_) => Some(serial),
        Err(why) => {
            assert!(
                std::env::var("CI").map_or(true, |v| v != "true"),
                "CI=true but fib tracing is unavailable: {why}"
            );
            eprintln!("skipping trace test: {why}");
            None
        }
    }
}

/// A namespace with custom rules: table 100 (a throw, a hit, a prohibit, misses), table 4242
/// missing, and the same for IPv6.
fn policy_namespace() -> Option<TestNetns> {
    let ns = TestNetns::new("trace")?;
    for cmd in [
        "link add v0 type veth peer name v1",
        "link set v0 up",
        "link set v1 up",
        "addr add 10.0.0.1/24 dev v0",
        "addr add 10.1.0.1/24 dev v1",
        "-6 addr add 2001:db8:1::1/64 dev v0 nodad",
        "route add default via 10.0.0.254",
        "route add throw 20.0.0.0/8 table 100",
        "route add 30.0.0.0/8 dev v0 table 100",
        "route add prohibit 40.0.0.0/8 table 100",
        "rule add pref 100 lookup 100",
        "rule add pref 101 lookup 4242",
        "-6 route add 2001:db8:7::/64 dev v0 table 100",
        "-6 route add throw 2001:db8:8::/64 table 100",
        "-6 route add unreachable 2001:db8:9::/64 table 100",
        "-6 rule add pref 100 lookup 100",
    ] {
        ns.ip(cmd);
    }
    ns.sysctl("net.ipv4.conf.all.rp_filter=1");
    ns.sysctl("net.ipv4.ip_forward=1");
    Some(ns)
}

#[test]
fn the_kernel_trace_shows_each_table_the_rule_walk_consults() {
    let Some(ns) = policy_namespace() else { return };
    let Some(_serial) = tracing_works() else {
        return;
    };
    // IPv4: table 4242 does not exist and is never consulted; a throw traces as a miss
    let cases: [(&str, &[(u32, TableResult)]); 8] = [
        ("30.1.1.1", &[(255, NotFound), (100, Found)]),
        (
            "20.1.1.1",
            &[(255, NotFound), (100, NotFound), (254, Found)],
        ),
        ("8.8.8.8", &[(255, NotFound), (100, NotFound), (254, Found)]),
        ("40.1.1.1", &[(255, NotFound), (100, Failed(Errno::Eacces))]),
        (
            "8.8.8.8 from 10.1.0.9 iif v1",
            &[(255, NotFound), (100, NotFound), (254, Found)],
        ),
        // IPv6 creates a rule's table, prints a miss as -113 and a throw as -11
        ("2001:db8:7::1", &[(255, NotFound), (100, Found)]),
        (
            "2001:db8:8::1",
            &[(255, NotFound), (100, Threw), (254, NotFound)],
        ),
        (
            "2001:db8:9::1",
            &[(255, NotFound), (100, Failed(Errno::Ehostunreach))],
        ),
    ];
    let state = runtime()
        .block_on(net::dump_state(&ns.netns()))
        .expect("dump");
    for (words, expected) in cases {
        let query = Query::parse(&words.split_whitespace().collect::<Vec<_>>()).expect("parses");
        let request = RouteGetRequest::for_query(&state, &query);
        let traced = runtime()
            .block_on(net::route_get_traced(&ns.netns(), request))
            .expect("the kernel answers");
        let trace = traced.trace.expect("traced");
        assert_eq!(trace.tables(), expected, "get {words}: {trace:?}");
        let ours = explain(&state, &query).table_lookups();
        let family = Family::of(query.dst.expect("a destination"));
        let known = verify::known_tables(&state, family);
        let compared = verify::compare_trace(family, &ours, &trace.tables(), &known);
        assert_eq!(compared, verify::TraceComparison::default(), "get {words}");
    }
}

#[test]
fn the_rp_filter_and_source_checks_are_kept_apart_from_the_walk() {
    let Some(ns) = policy_namespace() else { return };
    let Some(_serial) = tracing_works() else {
        return;
    };
    let state = runtime()
        .block_on(net::dump_state(&ns.netns()))
        .expect("dump");
    let ask = |words: &str| {
        let query = Query::parse(&words.split_whitespace().collect::<Vec<_>>()).expect("parses");
        let request = RouteGetRequest::for_query(&state, &query);
        runtime()
            .block_on(net::route_get_traced(&ns.netns(), request))
            .expect("the kernel answers")
            .trace
            .expect("traced")
    };
    let input = ask("8.8.8.8 from 10.1.0.9 iif v1");
    assert_eq!(
        input.other_lookups(),
        [
            ("reverse path", 255, -11),
            ("reverse path", 100, -11),
            ("reverse path", 254, 0)
        ]
    );
    let foreign_source = ask("8.8.8.8 from 10.9.9.9");
    assert!(foreign_source.walk.is_empty(), "{foreign_source:?}");
    assert_eq!(foreign_source.other_lookups(), [("source check", 255, -11)]);
}

/// The instances of process `pid` still under tracefs.
fn instances_of(pid: u32) -> Vec<String> {
    let prefix = format!("routescope-{pid}-");
    [
        "/sys/kernel/tracing/instances",
        "/sys/kernel/debug/tracing/instances",
    ]
    .iter()
    .filter_map(|d| std::fs::read_dir(d).ok())
    .flat_map(Iterator::flatten)
    .map(|e| e.file_name().to_string_lossy().into_owned())
    .filter(|n| n.starts_with(&prefix))
    .collect()
}

#[test]
fn get_leaves_no_trace_instance_behind() {
    let Some(ns) = policy_namespace() else { return };
    let Some(_serial) = tracing_works() else {
        return;
    };
    for words in ["20.1.1.1", "40.1.1.1", "2001:db8:9::1 --json"] {
        let child = Command::new(env!("CARGO_BIN_EXE_routescope"))
            .args(["-n", &ns.name, "get"])
            .args(words.split_whitespace())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("routescope runs");
        let pid = child.id();
        let out = child.wait_with_output().expect("routescope ends");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("agrees with the rule walk") || text.contains("\"trace_agree\":true"),
            "get {words}: {text}"
        );
        assert_eq!(instances_of(pid), Vec::<String>::new(), "after get {words}");
    }
}

#[test]
fn the_instance_is_removed_on_error_and_on_panic() {
    let Some(ns) = policy_namespace() else { return };
    let Some(_serial) = tracing_works() else {
        return;
    };
    // the kernel refuses (no such device): an answer, and the instance is gone
    let refused = RouteGetRequest {
        dst: Some("10.0.0.9".parse().expect("address")),
        iif: Some(9999),
        ..RouteGetRequest::default()
    };
    let traced = runtime().block_on(net::route_get_traced(&ns.netns(), refused));
    assert!(traced.is_ok_and(|t| t.answer.outcome.errno() == Some(Errno::Enodev)));
    assert_eq!(instances_of(std::process::id()), Vec::<String>::new());
    // the request fails before it is sent: an error, and the instance is gone
    let failed = runtime().block_on(net::route_get_traced(
        &ns.netns(),
        RouteGetRequest::default(),
    ));
    assert!(failed.is_err());
    assert_eq!(instances_of(std::process::id()), Vec::<String>::new());
    // a panic while the instance is up: unwinding drops the guard
    let dir = std::thread::spawn(|| {
        let tracer = Tracer::start().expect("tracing works");
        let dir = tracer.dir().to_path_buf();
        let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
            let _held = tracer;
            panic!("a bug while tracing");
        }));
        assert!(unwound.is_err());
        dir
    })
    .join()
    .expect("the thread ends");
    assert!(!Path::new(&dir).exists(), "{} remains", dir.display());
    assert_eq!(instances_of(std::process::id()), Vec::<String>::new());
}

/// The median of some durations.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

/// What tracing costs per request: untraced, traced with a fresh instance (what `get` does), and
/// traced with one instance reused (what the differential test does).
#[test]
#[ignore = "a measurement: cargo test --test trace cost -- --ignored --nocapture"]
fn cost_of_tracing_a_route_get() {
    let Some(ns) = policy_namespace() else { return };
    let Some(_serial) = tracing_works() else {
        return;
    };
    let rounds = 50;
    let state = runtime()
        .block_on(net::dump_state(&ns.netns()))
        .expect("dump");
    let query = Query::parse(&["20.1.1.1"]).expect("parses");
    let request = RouteGetRequest::for_query(&state, &query);
    let rt = runtime();
    let mut plain = Vec::new();
    let mut fresh = Vec::new();
    for _ in 0..rounds {
        let start = Instant::now();
        rt.block_on(net::route_get(&ns.netns(), request.clone()))
            .expect("answers");
        plain.push(start.elapsed());
        let start = Instant::now();
        rt.block_on(net::route_get_traced(&ns.netns(), request.clone()))
            .expect("answers");
        fresh.push(start.elapsed());
    }
    let reused = rt
        .block_on(net::run_in(&ns.netns(), move || async move {
            let requester = net::Requester::open()?;
            let started = Tracer::start();
            let tracer = started.as_ref().map_err(String::as_str);
            let (mut untraced, mut traced) = (Vec::new(), Vec::new());
            for _ in 0..rounds * 10 {
                let start = Instant::now();
                requester.route_get(&request).await?;
                untraced.push(start.elapsed());
                let start = Instant::now();
                requester.route_get_traced(&request, tracer).await?;
                traced.push(start.elapsed());
            }
            Ok((untraced, traced))
        }))
        .expect("answers");
    println!(
        "route get, median of {rounds}: untraced {:?}, traced with a fresh instance {:?}; \
         on one thread, median of {}: untraced {:?}, traced with a reused instance {:?}",
        median(plain),
        median(fresh),
        rounds * 10,
        median(reused.0),
        median(reused.1)
    );
}
