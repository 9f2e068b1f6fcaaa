//! A process parked in a network namespace for a kernel test (`sleep 60`, as a container's main
//! process would be), killed and reaped when the test ends, however it ends.

use std::io::{BufRead as _, BufReader, Read as _};
use std::process::{Child, Command, Stdio};

/// A `sleep` in a network namespace; dropped, it is killed and reaped.
pub struct Sleeper {
    child: Child,
    /// Its process id (the shell that set the namespace up became the `sleep`, by `exec`).
    pub pid: u32,
}

impl Sleeper {
    /// Runs `setup` (shell commands) then `exec sleep 60` under `prefix` (`unshare -n`, or
    /// `ip netns exec NAME`), and returns once the setup is done. `None` means the test cannot
    /// run (not root) and was counted as skipped; a failing setup as root panics.
    pub fn start(prefix: &[&str], setup: &str) -> Option<Self> {
        let script = format!("{setup} && echo ready && exec sleep 60");
        let (program, args) = prefix.split_first().expect("a command");
        let mut child = Command::new(program)
            .args(args)
            .args(["sh", "-c", &script])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the namespace's process starts");
        let pid = child.id();
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            // the line comes when the setup is done, or the pipe closes when it failed
            let _ = BufReader::new(out).read_line(&mut line);
        }
        if line.trim() == "ready" {
            return Some(Self { child, pid });
        }
        let _ = child.kill();
        let _ = child.wait();
        let mut err = String::new();
        if let Some(mut stderr) = child.stderr.take() {
            let _ = stderr.read_to_string(&mut err);
        }
        assert!(
            !nix::unistd::geteuid().is_root(),
            "{prefix:?} sh -c {script:?} failed: {err}"
        );
        super::skip(err.trim());
        None
    }

    /// The path of its network namespace, as `--netns-path` takes it.
    pub fn ns_path(&self) -> String {
        format!("/proc/{}/ns/net", self.pid)
    }
}

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
