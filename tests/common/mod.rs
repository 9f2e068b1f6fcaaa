//! Shared by the kernel tests: a throwaway network namespace that is always removed, and the
//! one place that decides whether a kernel test runs, is skipped (counted, and said so) or fails.

#![allow(dead_code)] // each test binary uses a different part of this module

pub mod bin;
pub mod monitor;
pub mod sleeper;
pub mod tmux;
pub mod tui;

use std::io::Write;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Namespaces this test binary has made so far.
static NAMESPACES: AtomicUsize = AtomicUsize::new(0);

/// Kernel tests of this test binary skipped so far.
static SKIPPED: AtomicUsize = AtomicUsize::new(0);

/// Whether this is a CI run (`CI` set to anything non-empty), where a kernel test never skips.
pub fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty())
}

/// Counts the calling test as skipped and says so on stderr, past the harness's output capture,
/// so a skip never reads as a pass; under CI it fails instead.
fn skip(why: &str) {
    let current = std::thread::current();
    let test = current.name().unwrap_or("a kernel test");
    assert!(
        !in_ci(),
        "CI is set, so kernel tests must run, but {test} cannot create a network namespace: {why}"
    );
    let skipped = SKIPPED.fetch_add(1, Ordering::SeqCst) + 1;
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED (needs root): {test} ({why}); kernel tests skipped here so far: {skipped}"
    );
}

/// A network namespace that exists for the life of the value; dropped, it is deleted.
pub struct TestNetns {
    pub name: String,
}

impl TestNetns {
    /// Creates `rs-test-<pid>-<tag>` for the kernel test calling it; every kernel test starts
    /// here. `None` means the test cannot run (not root, no namespaces) and was counted as
    /// skipped; under CI that panics instead.
    pub fn new(tag: &str) -> Option<Self> {
        Self::new_with_lo(tag, true)
    }

    /// As `new`, but lo is set up only if `lo_up` (otherwise the namespace is as the kernel made
    /// it: lo down, no address, and no IPv4 table).
    pub fn new_with_lo(tag: &str, lo_up: bool) -> Option<Self> {
        // a counter keeps tests of one binary that share a tag apart when they run in parallel
        let n = NAMESPACES.fetch_add(1, Ordering::SeqCst);
        let name = format!("rs-test-{}-{n}-{tag}", std::process::id());
        let out = Command::new("ip").args(["netns", "add", &name]).output();
        match out {
            Ok(o) if o.status.success() => {
                let ns = Self { name };
                if lo_up {
                    ns.ip("link set lo up");
                }
                Some(ns)
            }
            Ok(o) => {
                skip(String::from_utf8_lossy(&o.stderr).trim());
                None
            }
            Err(e) => {
                skip(&format!("ip: {e}"));
                None
            }
        }
    }

    /// The namespace opened as routescope opens `-n NAME`, for the library's netlink calls.
    pub fn netns(&self) -> routescope::net::Netns {
        routescope::net::Target::Named(self.name.clone())
            .open()
            .unwrap_or_else(|err| panic!("opening {}: {err}", self.name))
    }

    /// Runs `ip -n NS <args>` and panics with the error if it fails.
    pub fn ip(&self, args: &str) -> String {
        let out = self.ip_result(args);
        out.unwrap_or_else(|err| panic!("ip -n {} {args}: {err}", self.name))
    }

    /// Runs each `ip -n NS <line>` in order, panicking at the first that fails.
    pub fn ip_each(&self, lines: &[&str]) {
        for line in lines {
            self.ip(line);
        }
    }

    /// Runs `ip -n NS <args>`, returning standard output or standard error.
    pub fn ip_result(&self, args: &str) -> Result<String, String> {
        let out = Command::new("ip")
            .args(["-n", &self.name])
            .args(args.split_whitespace())
            .output()
            .expect("ip runs");
        if out.status.success() {
            Ok(String::from_utf8_lossy(&out.stdout).into_owned())
        } else {
            Err(String::from_utf8_lossy(&out.stderr).trim().to_owned())
        }
    }

    /// Runs many `ip` commands at once through `ip -batch`, continuing past failures.
    pub fn batch(&self, lines: &[String]) {
        let file = std::env::temp_dir().join(format!("{}.batch", self.name));
        std::fs::write(&file, lines.join("\n") + "\n").expect("write batch file");
        let _ = Command::new("ip")
            .args(["-n", &self.name, "-force", "-batch"])
            .arg(&file)
            .output();
        let _ = std::fs::remove_file(file);
    }

    /// Sets a sysctl inside the namespace.
    pub fn sysctl(&self, setting: &str) {
        let out = Command::new("ip")
            .args(["netns", "exec", &self.name, "sysctl", "-qw", setting])
            .output()
            .expect("sysctl runs");
        assert!(
            out.status.success(),
            "sysctl {setting}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// Parses `ip -n NS -j <args>` output.
    pub fn json(&self, args: &str) -> serde_json::Value {
        let text = self.ip(&format!("-j {args}"));
        serde_json::from_str(if text.trim().is_empty() { "[]" } else { &text })
            .expect("ip -j prints JSON")
    }
}

impl Drop for TestNetns {
    fn drop(&mut self) {
        let _ = Command::new("ip")
            .args(["netns", "del", &self.name])
            .output();
    }
}

/// A throwaway namespace with the teaching scenario `name` (assets/scenarios.toml) built in it,
/// as `routescope demo` builds it; `None` when kernel tests cannot run here (see `TestNetns`).
pub fn scenario_netns(name: &str, tag: &str) -> Option<TestNetns> {
    let ns = TestNetns::new(tag)?;
    let scenario = routescope::scenario::find(name).expect("the scenario exists");
    routescope::scenario::apply_setup(&ns.name, &scenario).expect("the scenario builds");
    Some(ns)
}

/// A small runtime for tests that drive the async netlink code.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

/// The live feed of namespace `ns`, started on the current runtime: its events, and its task.
pub fn follow(
    ns: &TestNetns,
) -> (
    tokio::sync::mpsc::Receiver<routescope::net::FeedEvent>,
    tokio::task::JoinHandle<color_eyre::Result<()>>,
) {
    let (tx, rx) = tokio::sync::mpsc::channel(1024);
    let netns = ns.netns();
    let feed = tokio::spawn(async move {
        routescope::net::watch(&netns, routescope::net::FeedOptions::default(), tx).await
    });
    (rx, feed)
}
