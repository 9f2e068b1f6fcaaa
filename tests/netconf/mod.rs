//! Netconf and the other messages the feed ignores on purpose, against the kernel: sysctl
//! changes reach the model within the bound with no `parse_error`, and neither new veth pairs nor
//! bridge ports produce one (or a false link deletion).

use std::time::{Duration, Instant};

use routescope::model::{Change, Link, Op, State};
use routescope::net::{self, FeedEvent};
use tokio::sync::mpsc;

use crate::common::{TestNetns, runtime};
use crate::{assert_same, normalized};

/// The bound for a silent change (here: sysctls) to reach the model.
const BOUND: Duration = Duration::from_millis(250);

/// What the events seen so far contained that they must not.
#[derive(Default)]
struct Unwanted {
    parse_errors: Vec<String>,
    deleted: Vec<String>,
    kindless: Vec<String>,
}

impl Unwanted {
    /// Notes an event before it is applied to `state`.
    fn note(&mut self, state: &State, event: &FeedEvent) {
        match event {
            FeedEvent::ParseError { kind, error } => {
                self.parse_errors.push(format!("type {kind}: {error}"));
            }
            FeedEvent::Change {
                change: Change::Link(Op::Del, l),
                ..
            } => self.deleted.push(name(l)),
            FeedEvent::Change {
                change: Change::Link(Op::New, l),
                ..
            } if l.kind.is_none() && state.link(l.index).is_some_and(|o| o.kind.is_some()) => {
                self.kindless.push(name(l));
            }
            _ => {}
        }
    }

    /// Panics if anything unwanted was seen.
    fn assert_none(&self, doing: &str) {
        assert!(
            self.parse_errors.is_empty(),
            "{doing}: parse errors {:?}",
            self.parse_errors
        );
        assert!(
            self.deleted.is_empty(),
            "{doing}: links reported deleted {:?}",
            self.deleted
        );
        assert!(
            self.kindless.is_empty(),
            "{doing}: links lost their kind {:?}",
            self.kindless
        );
    }
}

/// A link's name for messages.
fn name(l: &Link) -> String {
    l.name.to_string()
}

/// Applies events until the sysctls equal a fresh dump's; returns when the event that made them
/// equal was applied, measured from `since`, or panics after `limit`.
async fn sysctls_follow(
    ns: &TestNetns,
    rx: &mut mpsc::Receiver<FeedEvent>,
    state: &mut State,
    unwanted: &mut Unwanted,
    since: Instant,
    limit: Duration,
) -> Duration {
    let mut applied = Duration::ZERO;
    loop {
        let fresh = net::dump_state(&ns.netns()).await.expect("dump");
        if state.sysctls == fresh.sysctls {
            return applied;
        }
        let left = limit.saturating_sub(since.elapsed());
        let Ok(Some(event)) = tokio::time::timeout(left, rx.recv()).await else {
            panic!(
                "the sysctls did not follow within {limit:?}:\nours  {:?}\nfresh {:?}",
                state.sysctls, fresh.sysctls
            );
        };
        unwanted.note(state, &event);
        net::apply(state, event);
        applied = since.elapsed();
    }
}

/// Applies events until none comes for `quiet`.
async fn drain(
    rx: &mut mpsc::Receiver<FeedEvent>,
    state: &mut State,
    unwanted: &mut Unwanted,
    quiet: Duration,
) {
    while let Ok(Some(event)) = tokio::time::timeout(quiet, rx.recv()).await {
        unwanted.note(state, &event);
        net::apply(state, event);
    }
}

/// Forwarding and `rp_filter` changed while following (a device's, `all`'s, and `default`'s,
/// which the kernel copies to devices without telling): no `parse_error`, and the model's
/// sysctls equal a fresh dump's within `BOUND` of each write.
#[test]
fn sysctl_changes_reach_the_model_within_the_bound() {
    let Some(ns) = TestNetns::new("netconf") else {
        return;
    };
    ns.ip("link add e0 type veth peer name e0p");
    ns.ip("link set e0 up");
    runtime().block_on(async {
        let (mut rx, feed) = crate::common::follow(&ns);
        let (mut state, mut unwanted) = (State::default(), Unwanted::default());
        drain(
            &mut rx,
            &mut state,
            &mut unwanted,
            Duration::from_millis(300),
        )
        .await;
        let mut slowest = Duration::ZERO;
        for setting in [
            "net.ipv4.conf.e0.forwarding=1",
            "net.ipv4.conf.e0.rp_filter=2",
            "net.ipv6.conf.e0.forwarding=1",
            "net.ipv4.conf.all.rp_filter=1",
            "net.ipv4.conf.all.forwarding=1",
            "net.ipv4.conf.default.rp_filter=2",
            "net.ipv4.conf.e0p.rp_filter=1",
        ] {
            ns.sysctl(setting);
            let took = sysctls_follow(
                &ns,
                &mut rx,
                &mut state,
                &mut unwanted,
                Instant::now(),
                Duration::from_secs(3),
            )
            .await;
            eprintln!("{setting}: the model followed after {took:?}");
            assert!(
                took <= BOUND,
                "{setting}: the model followed after {took:?}"
            );
            slowest = slowest.max(took);
        }
        drain(
            &mut rx,
            &mut state,
            &mut unwanted,
            Duration::from_millis(200),
        )
        .await;
        unwanted.assert_none("sysctl changes");
        eprintln!("sysctls followed within {slowest:?}");
        drop(rx);
        feed.await.expect("feed task").expect("feed ends cleanly");
    });
}

/// A new veth pair (four `RTM_NEWNETCONF`), a bridge and a port joining and leaving it
/// (`AF_BRIDGE` link messages, one of them an `RTM_DELLINK`): no `parse_error`, no link reported
/// deleted or stripped of its kind, and the state equal to a fresh dump afterwards.
#[test]
fn new_links_and_bridge_ports_give_no_parse_error_or_false_deletion() {
    let Some(ns) = TestNetns::new("ignored") else {
        return;
    };
    runtime().block_on(async {
        let (mut rx, feed) = crate::common::follow(&ns);
        let (mut state, mut unwanted) = (State::default(), Unwanted::default());
        drain(
            &mut rx,
            &mut state,
            &mut unwanted,
            Duration::from_millis(300),
        )
        .await;
        ns.ip("link add v1 type veth peer name v2");
        drain(
            &mut rx,
            &mut state,
            &mut unwanted,
            Duration::from_millis(300),
        )
        .await;
        unwanted.assert_none("creating a veth pair");
        for step in [
            "link add br0 type bridge",
            "link set v1 master br0",
            "link set v1 up",
            "link set br0 up",
            "link set v1 nomaster",
        ] {
            ns.ip(step);
        }
        drain(
            &mut rx,
            &mut state,
            &mut unwanted,
            Duration::from_millis(400),
        )
        .await;
        unwanted.assert_none("a bridge port joining and leaving");
        let fresh = net::dump_state(&ns.netns()).await.expect("dump");
        assert_same(
            &normalized(&state),
            &normalized(&fresh),
            "the followed state differs from a fresh dump",
        );
        drop(rx);
        feed.await.expect("feed task").expect("feed ends cleanly");
    });
}
