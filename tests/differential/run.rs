//! Builds a generated configuration in a throwaway namespace and compares every query's verdict
//! with the kernel's answer.

use std::process::Command;
use std::sync::Arc;

use routescope::lookup::{Confidence, Query, explain, resolve};
use routescope::model::Family;
use routescope::{net, verify};

use super::{Config, Lo, Rng, Step, netlink, rules::Rule};
use crate::common::{TestNetns, runtime};

/// The namespace names rebuild scripts use.
pub const SCRIPT_NS: &str = "rs-repro";
/// The helper namespace rebuild scripts use.
pub const SCRIPT_HELPER: &str = "rs-repro-h";

/// One query's outcome in the differential run.
pub struct Outcome {
    pub words: String,
    pub approximate: bool,
    /// Empty when routescope and the kernel agree.
    pub differences: Vec<String>,
    /// The kernel's fib trace against the rule walk, or why it was not recorded.
    pub trace: Result<verify::TraceComparison, String>,
}

/// One configuration's run: its rebuild script, what the kernel refused, and every outcome.
pub struct ConfigRun {
    pub script: String,
    /// What lo went through (left down, a new namespace, set down at the end).
    pub lo: Lo,
    /// Commands of the configuration the kernel refused (the generator tolerates these).
    pub refused: Vec<String>,
    pub outcomes: Vec<Outcome>,
}

/// Runs `ip [-6] -n NS -force -batch` (batch lines cannot carry `-6`) and returns `line ⇒ error`
/// for each line that failed.
fn batch(ns: &str, v6: bool, lines: &[String]) -> Vec<String> {
    let file = std::env::temp_dir().join(format!("{ns}.batch"));
    std::fs::write(&file, lines.join("\n") + "\n").expect("write batch file");
    let family: &[&str] = if v6 { &["-6"] } else { &[] };
    let out = Command::new("ip")
        .args(family)
        .args(["-n", ns, "-force", "-batch"])
        .arg(&file)
        .output()
        .expect("ip runs");
    let _ = std::fs::remove_file(&file);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let mut refused = Vec::new();
    let mut message = Vec::new();
    for line in stderr.lines() {
        let failed = line
            .strip_prefix("Command failed ")
            .and_then(|rest| rest.rsplit_once(':'))
            .and_then(|(_, n)| n.trim().parse::<usize>().ok());
        match failed {
            Some(n) => {
                let cmd = lines.get(n.saturating_sub(1)).map_or("?", String::as_str);
                let minus6 = if v6 { "-6 " } else { "" };
                refused.push(format!("{minus6}{cmd} ⇒ {}", message.join(" ")));
                message.clear();
            }
            None => message.push(line.trim().to_owned()),
        }
    }
    refused
}

/// Sets sysctls inside the namespace; returns what `sysctl` complained about.
fn sysctls(ns: &str, settings: &[String]) -> Vec<String> {
    let out = Command::new("ip")
        .args(["netns", "exec", ns, "sysctl", "-qw"])
        .args(settings)
        .output()
        .expect("sysctl runs");
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_owned)
        .collect()
}

/// How steps are grouped: consecutive steps of one group run through one command.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Group {
    V4,
    V6,
    Sysctl,
    Netlink,
    Helper,
}

/// Runs one group of steps.
fn run_group(ns: &str, helper: &str, group: Group, steps: &[&Step]) -> Vec<String> {
    let text = |s: &&Step| match s {
        Step::Ip(l) | Step::Sysctl(l) => l.trim_start_matches("-6 ").to_owned(),
        Step::Helper(l) => l.replace("{ns}", ns),
        Step::Netlink(r) => r.line(),
    };
    let texts: Vec<String> = steps.iter().map(text).collect();
    match group {
        Group::V4 | Group::V6 => batch(ns, group == Group::V6, &texts),
        Group::Sysctl => sysctls(ns, &texts),
        Group::Helper => batch(helper, false, &texts),
        Group::Netlink => {
            let rules: Vec<Rule> = steps
                .iter()
                .filter_map(|s| match s {
                    Step::Netlink(r) => Some(r.clone()),
                    _ => None,
                })
                .collect();
            runtime().block_on(netlink::add_rules(ns, rules))
        }
    }
}

/// Runs the configuration's steps in order, consecutive steps of one kind together.
pub fn build(ns: &str, helper: &str, config: &Config) -> Vec<String> {
    let group = |s: &Step| match s {
        Step::Ip(l) if l.starts_with("-6 ") => Group::V6,
        Step::Ip(_) => Group::V4,
        Step::Sysctl(_) => Group::Sysctl,
        Step::Netlink(_) => Group::Netlink,
        Step::Helper(_) => Group::Helper,
    };
    let mut refused = Vec::new();
    let mut pending: Vec<&Step> = Vec::new();
    for step in &config.steps {
        if pending.first().is_some_and(|p| group(p) != group(step)) {
            refused.extend(run_group(ns, helper, group(pending[0]), &pending));
            pending.clear();
        }
        pending.push(step);
    }
    if let Some(first) = pending.first() {
        refused.extend(run_group(ns, helper, group(first), &pending));
    }
    refused
}

/// Builds one random configuration, asks routescope and the kernel every query, and compares;
/// `None` when namespaces cannot be created (the test is then skipped).
pub fn run_config(
    seed: u64,
    index: usize,
    queries: usize,
    tracer: &Arc<Result<net::Tracer, String>>,
) -> Option<ConfigRun> {
    let mut rng = Rng::new(seed.wrapping_add(index as u64 * 7919));
    let config = super::config(&mut rng);
    let words = super::queries(&mut rng, &config, queries);
    let ns = TestNetns::new_with_lo(&format!("diff{index}"), config.lo.up_first())?;
    let helper = if config.needs_helper() {
        Some(TestNetns::new(&format!("diff{index}h"))?)
    } else {
        None
    };
    let helper_name = helper.as_ref().map_or("", |h| h.name.as_str());
    let refused = build(&ns.name, helper_name, &config);
    let script = config.script(SCRIPT_NS, SCRIPT_HELPER);
    let tracer = Arc::clone(tracer);
    let outcomes = runtime()
        .block_on(net::run_in(&ns.netns(), move || async move {
            Ok(ask(words, &tracer).await)
        }))
        .unwrap_or_else(|e| {
            vec![Outcome {
                words: "(every query)".into(),
                approximate: false,
                differences: vec![format!("the namespace did not answer: {e}")],
                trace: Err("not asked".into()),
            }]
        });
    drop(helper);
    Some(ConfigRun {
        script,
        lo: config.lo,
        refused,
        outcomes,
    })
}

/// Dumps the namespace's state and asks routescope and the kernel each query, recording the
/// kernel's fib trace of each request with the one tracer of the run.
async fn ask(words: Vec<Vec<String>>, tracer: &Result<net::Tracer, String>) -> Vec<Outcome> {
    let failed = |words: String, why: String| Outcome {
        words,
        approximate: false,
        differences: vec![why],
        trace: Err("not asked".into()),
    };
    // one instance for the whole run, filtered to this namespace thread
    let tracer: Result<&net::Tracer, String> = match tracer {
        Ok(t) => t.follow_this_thread().map(|()| t),
        Err(why) => Err(why.clone()),
    };
    let requester = match net::Requester::open() {
        Ok(r) => r,
        Err(e) => return vec![failed("(every query)".into(), format!("netlink: {e}"))],
    };
    let (state, settled) = match whole_and_quick(&requester).await {
        Ok(loaded) => loaded,
        Err(e) => {
            return vec![failed(
                "(every query)".into(),
                format!("the dump failed: {e}"),
            )];
        }
    };
    let mut outcomes = Vec::new();
    let unsettled = Err("the namespace kept changing; not compared".to_owned());
    let (v4, v6) = if let Some((both, v4, v6)) = settled {
        if let Some(why) = loaded_apart(&state, &both) {
            outcomes.push(failed("(every query)".into(), why));
        }
        (v4, v6)
    } else {
        eprintln!("differential: the namespace kept changing; its quick loads not compared");
        (unsettled.clone(), unsettled)
    };
    for w in words {
        let text = w.join(" ");
        let query = match Query::parse(&w) {
            Ok(q) => q,
            Err(e) => {
                outcomes.push(failed(text, format!("the query does not parse: {e}")));
                continue;
            }
        };
        // a device the kernel refused to create is not asked about
        if query.validate(&state).is_err() {
            continue;
        }
        let e = explain(&state, &query);
        let request = net::RouteGetRequest::for_query(&state, &query);
        let traced = match requester
            .route_get_traced(&request, tracer.as_ref().copied().map_err(String::as_str))
            .await
        {
            Ok(t) => t,
            Err(err) => {
                outcomes.push(failed(text, format!("the kernel did not answer: {err}")));
                continue;
            }
        };
        let kernel = traced.answer;
        let family = Family::of(query.destination());
        let known = verify::known_tables(&state, family);
        let trace = traced
            .trace
            .map(|t| verify::compare_trace(family, &e.table_lookups(), &t.tables(), &known));
        let mut differences = verify::differences(&state, &e.verdict, &kernel);
        if resolve(&state, &query) != e.verdict {
            differences.push("resolve() and explain() give different verdicts".into());
        }
        let one = if family == Family::V4 { &v4 } else { &v6 };
        if let Some(why) = one
            .as_ref()
            .ok()
            .and_then(|o| explained_apart(&state, o, &query))
        {
            differences.push(why);
        }
        if !differences.is_empty() {
            differences.push(format!("ours: {}; kernel: {kernel:?}", e.verdict.summary));
        }
        outcomes.push(Outcome {
            words: text,
            approximate: e.verdict.confidence == Confidence::Approximate,
            differences,
            trace,
        });
    }
    outcomes
}

/// Why `get`'s load of the query's family alone explains `query` differently from the whole
/// state (text or JSON), or `None` when the two read the same.
fn explained_apart(
    state: &routescope::model::State,
    one: &routescope::model::State,
    query: &Query,
) -> Option<String> {
    use routescope::report::explain::{TraceCheck, to_json, write_text};
    let written = |s: &routescope::model::State| {
        let e = explain(s, query);
        let trace = TraceCheck::Unavailable("not asked");
        let mut text = Vec::new();
        write_text(&mut text, s, &e, None, &trace).ok()?;
        Some((text, to_json(s, &e, None, &trace)))
    };
    (written(state) != written(one))
        .then(|| "the load of the query's family alone explains it differently".into())
}

/// Where the quick load of both families differs from the whole dump, or `None`.
fn loaded_apart(
    state: &routescope::model::State,
    quick: &Result<routescope::model::State, String>,
) -> Option<String> {
    let quick = match quick {
        Ok(s) if s == state => return None,
        Ok(s) => s,
        Err(e) => return Some(format!("the quick load failed: {e}")),
    };
    let route = state
        .routes()
        .zip(quick.routes())
        .find(|(a, b)| a != b)
        .map(|(a, b)| format!("; first route apart: {a:?} / {b:?}"))
        .unwrap_or_default();
    let parts = [
        ("links", state.links == quick.links),
        ("addresses", state.addresses == quick.addresses),
        ("rules", state.rules == quick.rules),
        ("tables", state.tables == quick.tables),
        ("neighbours", state.neighbours == quick.neighbours),
        ("nexthops", state.nexthops == quick.nexthops),
        ("sysctls", state.sysctls == quick.sysctls),
        (
            "the rest",
            state.dev_list == quick.dev_list && state.mc_groups == quick.mc_groups,
        ),
    ];
    let apart: Vec<&str> = parts.iter().filter(|p| !p.1).map(|p| p.0).collect();
    Some(format!(
        "the quick load of both families differs from the whole dump in {}{route}",
        apart.join(", ")
    ))
}

/// The quick loads `get` and `get --batch` use (both families, IPv4, IPv6).
type QuickLoads = (
    Result<routescope::model::State, String>,
    Result<routescope::model::State, String>,
    Result<routescope::model::State, String>,
);

/// The whole dump, and the quick loads taken while it held still: the kernel still settles a new
/// namespace (link-local addresses, neighbours), so they count only when a whole dump before and
/// after them agree (four tries; `None` if it never held still).
async fn whole_and_quick(
    requester: &net::Requester,
) -> Result<(routescope::model::State, Option<QuickLoads>), String> {
    let quick = |families: &[Family]| {
        let families = families.to_vec();
        let requester = requester.clone();
        async move {
            requester
                .state_of(&families)
                .await
                .map_err(|e| e.to_string())
        }
    };
    let mut last = None;
    for _ in 0..4 {
        let before = requester.state().await.map_err(|e| e.to_string())?;
        let loads = (
            quick(&[Family::V4, Family::V6]).await,
            quick(&[Family::V4]).await,
            quick(&[Family::V6]).await,
        );
        if requester.state().await.ok().as_ref() == Some(&before) {
            return Ok((before, Some(loads)));
        }
        last = Some(before);
    }
    last.map(|s| (s, None)).ok_or_else(|| "no dump".into())
}
