//! A running `routescope monitor` whose standard output is read line by line on a thread.
//!
//! A monitor left running by a failed test ends by itself once the test process exits: it stops
//! when the reader of its output goes away.

use std::process::{Child, Command, Stdio};
use std::sync::mpsc::Receiver;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use super::TestNetns;
use super::bin::BIN;

/// The monitor process and the lines it has printed so far.
pub struct Monitor {
    pub child: Child,
    pub lines: Receiver<String>,
}

impl Monitor {
    /// Starts `routescope -n NS monitor ARGS`.
    pub fn start(ns: &TestNetns, args: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["-n", &ns.name, "monitor"])
            .args(args)
            .env_remove("RUST_BACKTRACE")
            .env_remove(routescope::net::NO_ORIGIN_VARIABLE)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("monitor starts");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, lines) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead as _;
            for line in std::io::BufReader::new(stdout).lines() {
                if tx.send(line.unwrap_or_default()).is_err() {
                    break;
                }
            }
        });
        Self { child, lines }
    }

    /// Waits for the first line, changing the namespace (lo's MTU) until one comes: the JSON
    /// form prints nothing for the state it starts from.
    pub fn first_line(&self, ns: &TestNetns) -> String {
        for mtu in 1300..1400 {
            if let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
                return line;
            }
            ns.ip(&format!("link set lo mtu {mtu}"));
        }
        panic!("monitor printed nothing");
    }

    /// The next JSON record for which `wanted` holds, within ten seconds; panics naming `what`
    /// and listing the records passed over.
    pub fn next_json(
        &self,
        what: &str,
        wanted: impl Fn(&serde_json::Value) -> bool,
    ) -> serde_json::Value {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut passed = Vec::new();
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            let Ok(line) = self.lines.recv_timeout(left) else {
                break;
            };
            let record: serde_json::Value =
                serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
            if wanted(&record) {
                return record;
            }
            passed.push(line);
        }
        panic!(
            "no record for {what} within 10 s; passed over:\n{}",
            passed.join("\n")
        );
    }

    /// Sends `signal` to the monitor.
    pub fn signal(&self, signal: Signal) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        kill(pid, signal).expect("kill");
    }

    /// Sends a signal, then returns the exit status, the lines after it and standard error.
    pub fn stop(mut self, signal: Signal) -> (Option<i32>, Vec<String>, String) {
        self.signal(signal);
        let status = self.child.wait().expect("wait");
        let rest: Vec<String> = self.lines.iter().collect();
        let mut err = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        (status.code(), rest, err)
    }
}
