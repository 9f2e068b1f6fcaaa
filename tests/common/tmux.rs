//! A tmux session running an interactive bash, for driving the real program in a terminal and
//! reading the screen and the terminal's modes back.

use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A detached tmux session, killed when dropped.
pub struct Tmux {
    pub session: String,
    /// The socket of a server of its own (`tmux -L`), or `None` for the default server.
    socket: Option<String>,
}

impl Tmux {
    /// Starts `bash` (no rc files, prompt `$ `) in a detached 120x40 session.
    pub fn bash(tag: &str) -> Self {
        Self::start(tag, None)
    }

    /// Like `bash`, on a tmux server of its own (no config file): its options and paste
    /// buffers are apart from every other session's; the server is killed when dropped.
    pub fn bash_alone(tag: &str) -> Self {
        Self::start(tag, Some(format!("rs-{tag}-{}", std::process::id())))
    }

    /// Starts the session on the default server or on the server of `socket`.
    fn start(tag: &str, socket: Option<String>) -> Self {
        let session = format!("rs-{tag}-{}", std::process::id());
        let t = Self { session, socket };
        let _ = t.tmux(&["kill-session", "-t", &t.session]);
        let started = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            &t.session,
            "-x",
            "120",
            "-y",
            "40",
            "env -u RUST_BACKTRACE PS1='$ ' bash --norc --noprofile",
        ]);
        assert!(
            started.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&started.stderr)
        );
        // capture-pane drops the prompt's trailing space
        t.wait_until("the prompt", |s| s.lines().any(|l| l == "$"));
        t
    }

    /// Runs tmux on this session's server.
    pub fn tmux(&self, args: &[&str]) -> Output {
        match &self.socket {
            Some(socket) => {
                let mut all = vec!["-L", socket, "-f", "/dev/null"];
                all.extend(args);
                tmux(&all)
            }
            None => tmux(args),
        }
    }

    /// Types `text` and Enter.
    pub fn line(&self, text: &str) {
        self.tmux(&["send-keys", "-t", &self.session, "-l", text]);
        self.tmux(&["send-keys", "-t", &self.session, "Enter"]);
    }

    /// Sends keys by tmux's names (`q`, `Escape`, `Enter`).
    pub fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend(keys);
        self.tmux(&args);
    }

    /// The visible screen.
    pub fn screen(&self) -> String {
        String::from_utf8_lossy(
            &self
                .tmux(&["capture-pane", "-t", &self.session, "-p"])
                .stdout,
        )
        .into_owned()
    }

    /// A tmux format about the pane, e.g. `#{alternate_on}`.
    pub fn format(&self, format: &str) -> String {
        let out = self.tmux(&["display", "-p", "-t", &self.session, format]);
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Waits up to ten seconds for `text` on the screen and returns the screen.
    pub fn wait_for(&self, text: &str) -> String {
        self.wait_until(text, |s| s.contains(text))
    }

    /// Waits up to ten seconds for the screen to satisfy `ok`, naming `what` on failure.
    pub fn wait_until(&self, what: &str, ok: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = self.screen();
            if ok(&screen) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {what:?}; the screen is:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The process id of the command running in the foreground of the pane's shell.
    pub fn child_pid(&self) -> i32 {
        let shell = self.format("#{pane_pid}");
        let path = format!("/proc/{shell}/task/{shell}/children");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let children = std::fs::read_to_string(&path).unwrap_or_default();
            if let Some(pid) = children
                .split_whitespace()
                .next()
                .and_then(|p| p.parse().ok())
            {
                return pid;
            }
            assert!(Instant::now() < deadline, "no child of the shell {shell}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The terminal's modes as the pane sees them: alternate screen, mouse reporting, cursor
    /// shown.
    pub fn modes(&self) -> String {
        self.format("alternate=#{alternate_on} mouse=#{mouse_any_flag} cursor=#{cursor_flag}")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-session", "-t", &self.session]);
        if self.socket.is_some() {
            let _ = self.tmux(&["kill-server"]);
        }
    }
}

/// Runs tmux.
fn tmux(args: &[&str]) -> Output {
    Command::new("tmux")
        .args(args)
        .output()
        .expect("tmux runs (the tests need it; .ci/run installs it)")
}
