//! The recorded corpus: kernel states and the kernel's own answers, replayed through the explainer
//! and the verifier without root, so the lookup core is checked on any machine.
//!
//! `corpus/kernel.jsonl` holds one configuration a line: its state as `dump --json` wrote it, the
//! script that built it, and each query with the kernel's answer. Record it again (root needed):
//! `cargo test --test corpus -- --ignored --nocapture record_corpus`.

mod common;
mod differential;

use std::io::{BufRead, Write};
use std::path::PathBuf;

use common::{TestNetns, runtime};
use routescope::lookup::{Confidence, Query, explain, resolve};
use routescope::report::{explain as report, json, snapshot};
use routescope::{net, verify};
use serde_json::{Value, json};

/// Where the corpus lives.
fn corpus_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/kernel.jsonl")
}

/// The seed and size of the recorded corpus (another seed than the CI differential run's).
const SEED: u64 = 0xc0_ffee;
const CONFIGS: usize = 160;
const QUERIES: usize = 20;

/// Replays every recorded query: routescope must give the kernel's answer (or list it among the
/// candidates), and `resolve` must give what `explain` gives.
#[test]
fn the_explainer_agrees_with_the_recorded_kernel_answers() {
    let file = std::fs::File::open(corpus_path()).expect("the corpus is committed");
    let (mut total, mut approximate, mut disagreements) = (0, 0, Vec::new());
    for (line_no, line) in std::io::BufReader::new(file).lines().enumerate() {
        let record: Value = serde_json::from_str(&line.expect("corpus line")).expect("JSON line");
        // recorded in the current form (converted from version 1 when the compact form came)
        assert_eq!(
            record["state"]["version"],
            json::VERSION,
            "line {}",
            line_no + 1
        );
        let state = snapshot::parse_snapshot(&record["state"].to_string()).expect("state");
        for q in record["queries"].as_array().expect("queries") {
            let words = q["words"].as_str().expect("words");
            let query = Query::parse(&words.split_whitespace().collect::<Vec<_>>()).expect("parse");
            let kernel = report::answer_from_json(&state, &q["kernel"]).expect("kernel answer");
            let e = explain(&state, &query);
            let mut diffs = verify::differences(&state, &e.verdict, &kernel);
            if resolve(&state, &query) != e.verdict {
                diffs.push("resolve() and explain() differ".into());
            }
            total += 1;
            approximate += usize::from(e.verdict.confidence == Confidence::Approximate);
            if !diffs.is_empty() {
                disagreements.push(format!(
                    "line {}: get {words}: {}",
                    line_no + 1,
                    diffs.join("; ")
                ));
            }
        }
    }
    println!(
        "corpus: {total} queries: {} agree ({approximate} approximate), {} disagree",
        total - disagreements.len(),
        disagreements.len()
    );
    assert!(total >= 3000, "the corpus holds only {total} queries");
    assert!(
        disagreements.is_empty(),
        "{} disagreements:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

/// Builds the random configurations in namespaces, asks the kernel, and writes the corpus.
#[test]
#[ignore = "records the corpus from the kernel (root): run it by name"]
fn record_corpus() {
    let mut out = std::io::BufWriter::new(std::fs::File::create(corpus_path()).expect("create"));
    let mut total = 0;
    for index in 0..CONFIGS {
        let mut rng = differential::Rng::new(SEED.wrapping_add(index as u64 * 7919));
        let config = differential::config(&mut rng);
        let words = differential::queries(&mut rng, &config, QUERIES);
        let ns = TestNetns::new_with_lo(&format!("corpus{index}"), config.lo.up_first())
            .expect("recording needs root");
        let helper = config
            .needs_helper()
            .then(|| TestNetns::new(&format!("corpus{index}h")).expect("recording needs root"));
        let helper_name = helper.as_ref().map_or("", |h| h.name.as_str());
        differential::run::build(&ns.name, helper_name, &config);
        let script = config.script(
            differential::run::SCRIPT_NS,
            differential::run::SCRIPT_HELPER,
        );
        let record = runtime()
            .block_on(net::run_in(&ns.netns(), move || async move {
                let requester = net::Requester::open()?;
                let state = requester.state().await?;
                let mut queries = Vec::new();
                for w in words {
                    let Ok(query) = Query::parse(&w) else {
                        continue;
                    };
                    let request = net::RouteGetRequest::for_query(&state, &query);
                    let kernel = requester.route_get(&request).await?;
                    queries.push(json!({
                        "words": w.join(" "),
                        "kernel": report::answer_json(&state, &kernel),
                    }));
                }
                let mut dump = Vec::new();
                json::write_state(&state, &mut dump)?;
                let state: Value = serde_json::from_slice(&dump)?;
                Ok(json!({ "index": index, "script": script, "state": state, "queries": queries }))
            }))
            .expect("the namespace answers");
        // the helper namespace holds the peers of moved devices: it goes after the queries
        drop(helper);
        total += record["queries"].as_array().map_or(0, Vec::len);
        writeln!(out, "{record}").expect("write");
    }
    println!("recorded {CONFIGS} configurations, {total} queries");
}
