//! The kernel's fib tracepoints in a private tracefs instance: which tables a lookup really
//! consulted, recorded for the thread that sends the request (notes §5).
//!
//! The instance `routescope-PID-N` exists only while a `Tracer` does: dropping it (return, error,
//! panic unwinding) removes it. Signals that would kill the process mid-request are held off by
//! `shielded`; an instance left by a process that died anyway (SIGKILL) is removed by the next
//! `Tracer::start` once its PID is gone.

use std::fs::{File, OpenOptions};
use std::future::Future;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

use super::fib_event::{FibEvent, parse_line};

/// Where tracefs may be mounted, preferred first.
const TRACEFS: [&str; 2] = ["/sys/kernel/tracing", "/sys/kernel/debug/tracing"];
/// The tracepoints recorded, as directories under an instance's `events/`.
const EVENTS: [&str; 2] = ["fib/fib_table_lookup", "fib6/fib6_table_lookup"];
/// The prefix of every instance routescope makes.
const PREFIX: &str = "routescope-";

/// Numbers the instances of this process.
static NEXT: AtomicU32 = AtomicU32::new(0);

/// A private tracefs instance recording the fib lookups of one thread; removed on drop.
#[derive(Debug)]
pub struct Tracer {
    dir: PathBuf,
    /// `trace_pipe`, opened non-blocking: each read takes the events recorded since the last.
    pipe: Option<File>,
}

impl Tracer {
    /// Starts recording the fib lookups made by the calling thread, or says why it cannot.
    ///
    /// Every request to trace must be sent from this thread (the namespace thread of `run_in`,
    /// whose runtime is single-threaded): the kernel handles `RTM_GETROUTE` in the sender's task.
    pub fn start() -> Result<Self, String> {
        let instances = instances_dir()?;
        sweep_stale(&instances);
        let tid = this_thread()?;
        let name = format!(
            "{PREFIX}{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let dir = instances.join(name);
        std::fs::create_dir(&dir)
            .map_err(|e| format!("cannot create the trace instance {}: {e}", dir.display()))?;
        // from here on, dropping `tracer` removes the instance, whatever fails next
        let mut tracer = Self { dir, pipe: None };
        tracer.follow(tid)?;
        for event in EVENTS {
            write(&tracer.dir.join("events").join(event).join("enable"), "1")?;
        }
        let pipe = tracer.dir.join("trace_pipe");
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(nix::fcntl::OFlag::O_NONBLOCK.bits())
            .open(&pipe)
            .map_err(|e| format!("cannot open {}: {e}", pipe.display()))?;
        tracer.pipe = Some(file);
        Ok(tracer)
    }

    /// Records the calling thread from now on, instead of the one before: one instance can serve
    /// many namespace threads in turn (instances cost ~40 ms to make and remove, a filter ~2 ms).
    pub fn follow_this_thread(&self) -> Result<(), String> {
        self.follow(this_thread()?)
    }

    /// Filters both events to thread `tid`.
    fn follow(&self, tid: u32) -> Result<(), String> {
        for event in EVENTS {
            let at = self.dir.join("events").join(event);
            if !at.join("enable").exists() {
                return Err(format!(
                    "this kernel has no {} tracepoint",
                    event.replace('/', ":")
                ));
            }
            write(&at.join("filter"), &format!("common_pid == {tid}"))?;
        }
        Ok(())
    }

    /// The fib events recorded since the last call (or since `start`), oldest first.
    pub fn take(&self) -> Result<Vec<FibEvent>, String> {
        let Some(mut pipe) = self.pipe.as_ref() else {
            return Err("the trace instance is closed".into());
        };
        let mut bytes = Vec::new();
        let mut chunk = [0_u8; 16 * 1024];
        loop {
            match pipe.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => bytes.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(format!("reading the trace: {e}")),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("[LOST ") {
            return Err("the trace buffer overflowed; events were lost".into());
        }
        text.lines()
            .filter_map(|line| parse_line(line).transpose())
            .collect()
    }

    /// The instance's directory (for tests that check it is gone).
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Tracer {
    /// Closes the pipe, then removes the instance (which disables its events); never panics.
    fn drop(&mut self) {
        drop(self.pipe.take());
        // the kernel answers EBUSY while a reader of the instance is still winding down: retry
        // for up to half a second before leaving it to the next run's sweep
        let mut last = None;
        for _ in 0..50 {
            match std::fs::remove_dir(&self.dir) {
                Ok(()) => return,
                Err(e) if e.kind() == ErrorKind::NotFound => return,
                Err(e) => last = Some(e),
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        if let Some(e) = last {
            tracing::warn!(
                "could not remove trace instance {}: {e}",
                self.dir.display()
            );
        }
    }
}

/// The `instances` directory of the mounted tracefs, or why there is none.
fn instances_dir() -> Result<PathBuf, String> {
    for root in TRACEFS {
        let dir = Path::new(root).join("instances");
        match std::fs::metadata(&dir) {
            Ok(m) if m.is_dir() => return Ok(dir),
            Err(e) if e.kind() == ErrorKind::PermissionDenied => {
                return Err(format!("tracing needs root ({root} is not readable)"));
            }
            _ => {}
        }
    }
    Err("tracefs is not mounted (as root: mount -t tracefs nodev /sys/kernel/tracing)".into())
}

/// Removes instances left by routescope processes that no longer exist (killed by SIGKILL).
fn sweep_stale(instances: &Path) {
    let Ok(entries) = std::fs::read_dir(instances) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix(PREFIX)
            .and_then(|rest| rest.split_once('-'))
            .and_then(|(pid, n)| n.parse::<u32>().ok().and(pid.parse::<u32>().ok()));
        if let Some(pid) = pid {
            if !Path::new("/proc").join(pid.to_string()).exists() {
                let _ = std::fs::remove_dir(entry.path());
            }
        }
    }
}

/// The calling thread's id as the tracepoints report it (`common_pid`).
fn this_thread() -> Result<u32, String> {
    let status = std::fs::read_to_string("/proc/thread-self/status")
        .map_err(|e| format!("cannot read /proc/thread-self/status: {e}"))?;
    let ids: Vec<&str> = status
        .lines()
        .find_map(|l| l.strip_prefix("NSpid:"))
        .map(|ids| ids.split_whitespace().collect())
        .unwrap_or_default();
    match ids.as_slice() {
        [tid] => tid
            .parse()
            .map_err(|_| format!("unreadable thread id '{tid}'")),
        [] => Err("no thread id in /proc/thread-self/status".into()),
        _ => Err("routescope runs in a nested PID namespace: the tracepoints' ids differ".into()),
    }
}

/// Writes a control file of the instance.
fn write(path: &Path, text: &str) -> Result<(), String> {
    std::fs::write(path, text).map_err(|e| format!("writing {}: {e}", path.display()))
}

/// A signal that arrived while `shielded` held it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Caught {
    pub name: &'static str,
    pub number: u8,
}

/// Runs `work` to completion with SIGINT, SIGTERM and SIGHUP held off, and says which arrived.
///
/// The trace instance lives on another thread; killing the process mid-request would leave it
/// behind, so the request finishes (within its timeout) and the caller exits afterwards. A
/// signal the process started with ignored (`nohup`, background jobs) stays ignored. Once
/// installed, tokio's handlers stay for the life of the process: the caller must act on the
/// signal it is told about.
pub async fn shielded<T>(work: impl Future<Output = T>) -> (T, Option<Caught>) {
    use tokio::signal::unix::{SignalKind, signal};
    let ignored = ignored_signals();
    let mut streams = Vec::new();
    for (name, number) in [("SIGHUP", 1_u8), ("SIGINT", 2), ("SIGTERM", 15)] {
        if ignored & (1 << (number - 1)) != 0 {
            continue;
        }
        match signal(SignalKind::from_raw(i32::from(number))) {
            Ok(s) => streams.push((s, Caught { name, number })),
            Err(e) => tracing::warn!("cannot hold off {name}: {e}"),
        }
    }
    if streams.is_empty() {
        return (work.await, None);
    }
    let caught = futures::future::select_all(
        streams
            .iter_mut()
            .map(|(s, caught)| Box::pin(async move { s.recv().await.map(|()| *caught) })),
    );
    tokio::pin!(work);
    tokio::select! {
        out = &mut work => (out, None),
        (caught, _, _) = caught => (work.await, caught),
    }
}

/// The signals this process ignores (`SigIgn` of /proc/self/status; bit n-1 for signal n).
fn ignored_signals() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let mask = status.lines().find_map(|l| l.strip_prefix("SigIgn:"))?;
            u64::from_str_radix(mask.trim(), 16).ok()
        })
        .unwrap_or(0)
}
