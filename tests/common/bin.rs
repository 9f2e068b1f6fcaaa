//! Running the routescope binary from tests: with a deadline (a hang is a failure, never a stuck
//! test run), and on a snapshot file that needs no kernel.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_routescope");

/// Runs routescope with `args` and extra environment, killing it and failing the test if it
/// has not ended within `limit`.
pub fn run_env(args: &[&str], env: &[(&str, &str)], limit: Duration) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("routescope starts");
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("routescope {args:?} did not end within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut stdout, mut stderr) = (Vec::new(), Vec::new());
    if let Some(mut out) = child.stdout.take() {
        let _ = out.read_to_end(&mut stdout);
    }
    if let Some(mut err) = child.stderr.take() {
        let _ = err.read_to_end(&mut stderr);
    }
    Output {
        status,
        stdout,
        stderr,
    }
}

/// Runs routescope with `args`, at most ten seconds.
pub fn run(args: &[&str]) -> Output {
    run_env(args, &[], Duration::from_secs(10))
}

/// Runs routescope with `args` as user nobody (no capabilities, no home), for permission tests.
pub fn run_as_nobody(args: &[&str]) -> Output {
    std::process::Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(BIN)
        .args(args)
        .env("HOME", "/nonexistent")
        .env_remove("XDG_STATE_HOME")
        .output()
        .expect("setpriv runs")
}

/// Standard error as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A fresh temporary directory for one test, removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    /// Creates `/tmp/rs-<tag>-<pid>` anew.
    pub fn new(tag: &str) -> Self {
        let path = std::env::temp_dir().join(format!("rs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("temp dir");
        Self(path)
    }

    /// A path inside the directory.
    pub fn join(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// Writes the fixture server's state as a `dump --json` file and returns its path.
    pub fn snapshot(&self) -> PathBuf {
        let path = self.join("server.json");
        let file = std::fs::File::create(&path).expect("snapshot file");
        routescope::report::json::write_state(&routescope::fixtures::server(), file)
            .expect("write snapshot");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Makes a FIFO at `path`.
pub fn mkfifo(path: &std::path::Path) {
    nix::unistd::mkfifo(path, nix::sys::stat::Mode::S_IRWXU).expect("mkfifo");
}
