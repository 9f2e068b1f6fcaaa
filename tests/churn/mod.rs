//! The bound on silent changes: a churn generator (one `ip -batch` fed from a thread, adding and
//! deleting routes) and the test that takes a link down while it runs.

use std::io::{BufWriter, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use routescope::model::{Change, Family, RouteKind, State};
use routescope::net::{self, FeedEvent, FeedOptions};
use tokio::sync::mpsc;

use crate::common::{TestNetns, runtime};

/// How many churn routes exist at once: each add is paired with the delete of an older one.
const WINDOW: u64 = 2000;

/// Distinct churn prefixes (`60.a.b.0/24`) before the sequence wraps around.
const PREFIXES: u64 = 1 << 16;

/// A running churn; stopped (and its `ip` reaped) by `stop` or on drop.
pub struct Churn {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<(u64, Duration)>>,
}

/// The `n`-th churn prefix.
fn prefix(n: u64) -> String {
    let n = n % PREFIXES;
    format!("60.{}.{}.0/24", n >> 8, n & 0xff)
}

/// The `k`-th line of the churn: `WINDOW` adds, then an add and a delete in turn.
fn line(k: u64, via: &str) -> String {
    if k < WINDOW {
        return format!("route add {} {via}", prefix(k));
    }
    let j = (k - WINDOW) / 2;
    if (k - WINDOW) % 2 == 0 {
        format!("route add {} {via}", prefix(WINDOW + j))
    } else {
        format!("route del {} {via}", prefix(j))
    }
}

/// Whether `dst` is one of the churn's prefixes.
pub fn is_churn(dst: &ipnet::IpNet) -> bool {
    matches!(dst.addr(), std::net::IpAddr::V4(a) if a.octets()[0] == 60)
}

impl Churn {
    /// Starts `ip -n NS -force -batch -` and writes `rate` lines a second of `route add|del
    /// 60.a.b.0/24 <via>` until stopped, or for at most `limit`.
    pub fn start(ns: &str, via: &str, rate: u64, limit: Duration) -> Self {
        let mut child = Command::new("ip")
            .args(["-n", ns, "-force", "-batch", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("ip -batch starts");
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let via = via.to_owned();
        let thread = std::thread::spawn(move || {
            let mut input = BufWriter::new(child.stdin.take().expect("stdin"));
            let start = Instant::now();
            let mut written = 0_u64;
            while !stopped.load(Ordering::Relaxed) && start.elapsed() < limit {
                let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
                let due = micros.saturating_mul(rate) / 1_000_000;
                if written >= due {
                    // pacing a load generator, not waiting for an event
                    std::thread::sleep(Duration::from_millis(1));
                    continue;
                }
                for k in written..due.min(written + 500) {
                    writeln!(input, "{}", line(k, &via)).expect("write to ip -batch");
                }
                written = due.min(written + 500);
                input.flush().expect("flush to ip -batch");
            }
            drop(input);
            let elapsed = start.elapsed();
            let _ = child.wait();
            (written, elapsed)
        });
        Self {
            stop,
            thread: Some(thread),
        }
    }

    /// Stops the churn; returns how many lines were written and over how long.
    pub fn stop(mut self) -> (u64, Duration) {
        self.stop.store(true, Ordering::Relaxed);
        let thread = self.thread.take().expect("running");
        thread.join().expect("churn thread")
    }
}

impl Drop for Churn {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Whether the state holds an IPv4 route through device `index` that goes when it goes down
/// (all but the `local` routes of its addresses, which stay).
fn has_ipv4_route_via(state: &State, index: u32) -> bool {
    state.routes().any(|r| {
        r.family() == Family::V4
            && r.kind != RouteKind::Local
            && r.hops.as_slice().iter().any(|h| h.dev == index)
    })
}

/// Takes `dev` down and returns how many IPv4 routes through it, `local` ones aside, the kernel
/// still holds.
fn take_down(ns: &str, dev: &str) -> usize {
    let ip = |args: &[&str]| {
        let out = Command::new("ip")
            .args(["-n", ns])
            .args(args)
            .output()
            .expect("ip runs");
        assert!(out.status.success(), "ip {args:?}");
        out.stdout
    };
    ip(&["link", "set", dev, "down"]);
    let routes: serde_json::Value =
        serde_json::from_slice(&ip(&["-4", "-j", "route", "show", "table", "all"])).expect("JSON");
    routes
        .as_array()
        .expect("array")
        .iter()
        .filter(|r| r["dev"].as_str() == Some(dev) && r["type"].as_str() != Some("local"))
        .count()
}

/// A rate in events per second.
fn per_second(count: u64, span: Duration) -> f64 {
    f64::from(u32::try_from(count).unwrap_or(u32::MAX)) / span.as_secs_f64()
}

/// Route changes of the churn applied before the second link goes down (about a second's worth).
const WARM_UP: u64 = 20_000;

/// The bound: a route the kernel removes silently leaves the model this soon.
const BOUND: Duration = Duration::from_millis(250);

/// The churn rate asked of `ip -batch`, in lines (route adds and deletes) per second.
const RATE: u64 = 25_000;

/// The followed state and the churn seen in it.
struct Follower {
    state: State,
    churn: u64,
    first: Option<Instant>,
}

impl Follower {
    /// Waits up to `until` for feed events and applies them (at most 256 before returning).
    async fn next_batch(&mut self, rx: &mut mpsc::Receiver<FeedEvent>, until: Instant) {
        let left = until.saturating_duration_since(Instant::now());
        let Ok(Some(mut event)) = tokio::time::timeout(left, rx.recv()).await else {
            panic!("no feed event in time (churn changes seen: {})", self.churn);
        };
        for _ in 0..256 {
            if let FeedEvent::Change {
                change: Change::Route(_, _, r),
                ..
            } = &event
            {
                if is_churn(&r.dst) {
                    self.churn += 1;
                    self.first.get_or_insert_with(Instant::now);
                }
            }
            net::apply(&mut self.state, event);
            let Ok(next) = rx.try_recv() else { return };
            event = next;
        }
        net::apply(&mut self.state, event);
    }
}

/// e0 and e1 up with an address each, and 200 IPv4 routes through e1 in two tables.
fn two_links(ns: &TestNetns) {
    let mut lines: Vec<String> = [
        "link add e0 type veth peer name e0p",
        "link add e1 type veth peer name e1p",
        "link set e0 up",
        "link set e0p up",
        "link set e1 up",
        "link set e1p up",
        "addr add 10.1.0.2/24 dev e0",
        "addr add 10.2.0.2/24 dev e1",
    ]
    .map(str::to_owned)
    .to_vec();
    for i in 0..200 {
        let table = if i % 2 == 0 { "main" } else { "100" };
        lines.push(format!(
            "route add 70.0.{i}.0/24 via 10.2.0.1 dev e1 table {table}"
        ));
    }
    ns.batch(&lines);
}

/// Under continuous route churn on e0, e1 goes down; the IPv4 routes the kernel removes with it
/// (without `RTM_DELROUTE`) must leave the followed model within `BOUND`, while the churn goes on.
#[test]
fn silent_removals_leave_the_model_within_250ms_under_churn() {
    let Some(ns) = TestNetns::new("bound") else {
        return;
    };
    two_links(&ns);
    runtime().block_on(async {
        let (tx, mut rx) = mpsc::channel(1024);
        let netns = ns.netns();
        let feed =
            tokio::spawn(async move { net::watch(&netns, FeedOptions::default(), tx).await });
        let mut f = Follower {
            state: State::default(),
            churn: 0,
            first: None,
        };
        let give_up = Instant::now() + Duration::from_secs(10);
        let e1 = loop {
            f.next_batch(&mut rx, give_up).await;
            let e1 = f.state.link_by_name("e1").map(|l| l.index);
            if let Some(e1) = e1.filter(|&i| has_ipv4_route_via(&f.state, i)) {
                break e1;
            }
        };
        let churn = Churn::start(
            &ns.name,
            "via 10.1.0.1 dev e0",
            RATE,
            Duration::from_secs(30),
        );
        while f.churn < WARM_UP {
            f.next_batch(&mut rx, give_up).await;
        }
        let (at, churn_at_down) = (Instant::now(), f.churn);
        let name = ns.name.clone();
        let down = tokio::task::spawn_blocking(move || take_down(&name, "e1"));
        while has_ipv4_route_via(&f.state, e1) {
            f.next_batch(&mut rx, give_up).await;
        }
        let gone = at.elapsed();
        let rate = per_second(f.churn, f.first.expect("churn seen").elapsed());
        let during = f.churn - churn_at_down;
        let (written, wrote_for) = churn.stop();
        eprintln!(
            "silent removal: e1's IPv4 routes left the model {gone:?} after `ip link set e1 down`, \
             under {rate:.0} route changes/s applied by the feed ({during} while waiting; \
             {:.0} lines/s written to ip -batch)",
            per_second(written, wrote_for)
        );
        assert_eq!(down.await.expect("ip"), 0, "the kernel removed e1's routes");
        assert!(during > 0, "the churn went on while waiting");
        assert!(
            rate >= 20_000.0,
            "the churn reached only {rate:.0} changes/s"
        );
        assert!(
            gone <= BOUND,
            "e1's routes stayed in the model for {gone:?}"
        );
        drop(rx);
        feed.await.expect("feed task").expect("feed ends cleanly");
    });
}
