//! Teaching scenarios (`assets/scenarios.toml`): parsed from data, built in throwaway namespaces.

use std::process::Command;

use color_eyre::eyre::{WrapErr, bail, eyre};
use serde::Deserialize;

/// The scenario definitions shipped with routescope.
const SCENARIOS: &str = include_str!("../assets/scenarios.toml");

/// Every namespace `routescope demo` creates starts with this.
pub const NAMESPACE_PREFIX: &str = "rs-demo-";

/// One teaching scenario: how to build it and what to ask.
#[derive(Debug, Clone, Deserialize)]
pub struct Scenario {
    /// Short name used on the command line.
    pub name: String,
    /// One-line title.
    pub title: String,
    /// The situation's question in one or two sentences: what the lesson answers.
    pub question: String,
    /// What the scenario shows, in a few sentences.
    pub story: String,
    /// `ip` arguments (run as `ip -n NS …`), or `sysctl key=value` run inside the namespace.
    pub setup: Vec<String>,
    /// Queries to try, with what the kernel answers.
    #[serde(rename = "try")]
    pub tries: Vec<Try>,
}

/// A query to try in a scenario, with the answer the kernel gives.
#[derive(Debug, Clone, Deserialize)]
pub struct Try {
    /// The words after `ip route get`.
    pub query: String,
    /// What to look at on screen while this query is selected (the lesson's step).
    pub look: String,
    /// The answer, in plain words (the lesson's step).
    pub answer: String,
    /// The route type (`unicast`, `local` …) or the errno name (`EACCES` …).
    #[serde(rename = "type")]
    pub kind: String,
    /// The priority of the rule that decides.
    pub rule: Option<u32>,
    /// The table that answers.
    pub table: Option<u32>,
    /// The output device.
    pub dev: Option<String>,
    /// The source address.
    pub src: Option<String>,
    /// Whether the kernel's choice cannot be predicted exactly (multipath, alternating defaults).
    #[serde(default)]
    pub approximate: bool,
    /// Why, in plain words.
    pub why: String,
}

#[derive(Deserialize)]
struct File {
    scenario: Vec<Scenario>,
}

/// All scenarios, in the order of the file.
pub fn all() -> Vec<Scenario> {
    // The file is part of the binary and checked by a unit test, so it always parses.
    toml::from_str::<File>(SCENARIOS)
        .map(|f| f.scenario)
        .unwrap_or_default()
}

/// The scenario with this name.
pub fn find(name: &str) -> color_eyre::Result<Scenario> {
    let all = all();
    let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
    let list = names.join(", ");
    all.iter()
        .find(|s| s.name == name)
        .cloned()
        .ok_or_else(|| eyre!("no scenario named '{name}' (there are: {list})"))
}

/// Runs the scenario's setup inside the existing namespace `netns`.
pub fn apply_setup(netns: &str, scenario: &Scenario) -> color_eyre::Result<()> {
    for line in &scenario.setup {
        let words: Vec<&str> = line.split_whitespace().collect();
        let mut command = if let Some(setting) = line.strip_prefix("sysctl ") {
            let mut c = Command::new("ip");
            c.args(["netns", "exec", netns, "sysctl", "-qw", setting.trim()]);
            c
        } else {
            let mut c = Command::new("ip");
            c.args(["-n", netns]).args(&words);
            c
        };
        let out = command
            .output()
            .wrap_err("could not run `ip` (is iproute2 installed?)")?;
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            bail!(
                "scenario {}: `{line}` failed: {}",
                scenario.name,
                err.trim()
            );
        }
    }
    Ok(())
}

/// Creates namespace `netns` and builds the scenario in it; the namespace is removed on failure.
pub fn build(netns: &str, scenario: &Scenario) -> color_eyre::Result<()> {
    let out = Command::new("ip")
        .args(["netns", "add", netns])
        .output()
        .wrap_err("could not run `ip` (is iproute2 installed?)")?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("ermission") || err.contains("not permitted") {
            bail!(
                "creating a network namespace needs root (CAP_SYS_ADMIN): run `sudo routescope demo {}`",
                scenario.name
            );
        }
        bail!("ip netns add {netns}: {}", err.trim());
    }
    apply_setup(netns, scenario).inspect_err(|_| remove(netns))
}

/// Removes a namespace, ignoring errors (it may already be gone).
pub fn remove(netns: &str) {
    let _ = Command::new("ip").args(["netns", "del", netns]).output();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scenarios_parse_and_cover_the_teaching_situations() {
        let all = all();
        let names: Vec<&str> = all.iter().map(|s| s.name.as_str()).collect();
        for wanted in [
            "lo-address",
            "lo-slash16",
            "alias-gateways",
            "loopback-127",
            "source-selection",
            "policy-uplinks",
        ] {
            assert!(names.contains(&wanted), "missing scenario {wanted}");
        }
        assert!(
            all.iter()
                .all(|s| !s.tries.is_empty() && !s.setup.is_empty())
        );
        // every scenario is a lesson: a question, and for each query what to look at and why
        for s in &all {
            assert!(!s.question.trim().is_empty(), "{}: no question", s.name);
            for t in &s.tries {
                let context = format!("{} `{}`", s.name, t.query);
                assert!(!t.look.trim().is_empty(), "{context}: nothing to look at");
                assert!(!t.answer.trim().is_empty(), "{context}: no answer");
            }
        }
        assert!(find("nope").unwrap_err().to_string().contains("lo-address"));
    }
}
