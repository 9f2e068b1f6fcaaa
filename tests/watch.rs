//! The watch list: flows re-evaluated once per batch with the cause of each change, kept per
//! namespace; in the TUI (headless and in tmux) and in `monitor --watch` against the kernel.

mod common;

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::tui::{key, type_text};
use crossterm::event::KeyCode;
use routescope::app::{App, Effect, Mode, Msg, Pane};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::model::{Change, Family, Op, Origin, Placement, Route, RouteKind, Rule, Selector};
use routescope::net::{FeedEvent, NetnsInfo, Target};
use routescope::watch::{Noted, Touch, WatchList};

/// The policy rule of the server fixture: marked traffic to table 100.
fn marked_rule() -> Rule {
    let mut rule = Rule::lookup(Family::V4, 100, 100);
    rule.add(Selector::Fwmark {
        mark: 0x10,
        mask: u32::MAX,
    });
    rule
}

/// A change as the feed would send it, made by port `portid`.
fn by(portid: u32, change: Change) -> FeedEvent {
    FeedEvent::Change {
        change,
        origin: Origin::of_portid(portid),
    }
}

/// A change as the watch list is given it.
fn noted(phrase: &str, change: &Change, portid: u32) -> Noted {
    Noted {
        phrase: phrase.into(),
        origin: Origin::of_portid(portid),
        touch: Touch::of(change),
    }
}

#[test]
fn a_flow_changes_once_per_batch_with_the_closest_change_as_its_cause() {
    let mut state = fixtures::server();
    let mut list = WatchList::default();
    list.add(&state, "8.8.8.8 mark 0x10", true).unwrap();
    list.add(&state, "8.8.8.8", true).unwrap();
    assert_eq!(
        list.flows()[0].verdict().rule.as_ref().unwrap().priority,
        100
    );
    // one batch: an unrelated route, then the deciding rule goes, then another unrelated route
    let unrelated = |dst: &str| {
        let mut r = Route::new(254, dst.parse().unwrap(), RouteKind::Blackhole);
        r.protocol = 4;
        Change::Route(Op::New, Placement::Last, r)
    };
    let batch = [
        (unrelated("10.1.0.0/16"), 11),
        (Change::Rule(Op::Del, marked_rule()), 22),
        (unrelated("10.2.0.0/16"), 33),
    ];
    let first: Vec<Noted> = batch
        .iter()
        .map(|(c, p)| noted(&format!("change by {p}"), c, *p))
        .collect();
    for (change, _) in batch {
        state.apply(change);
    }
    assert_eq!(list.refresh(&state, "t1", &first, true), vec![0]);
    let flow = &list.flows()[0];
    assert_eq!(flow.history.len(), 1);
    let change = &flow.history[0];
    assert_eq!(change.before.rule.as_ref().unwrap().priority, 100);
    assert_eq!(change.after.rule.as_ref().unwrap().priority, 32766);
    let cause = change.cause.as_ref().unwrap();
    assert_eq!((cause.phrase.as_str(), cause.others), ("change by 22", 2));
    assert_eq!(
        flow.changed().unwrap(),
        "the answer changed at t1 after change by 22 by port 22 \
         (and 2 other changes)"
    );
    assert!(
        list.flows()[1].history.is_empty(),
        "the unmarked flow kept its answer"
    );
    // the rule comes back and goes again within one batch: the answer is where it was, and one
    // evaluation per batch sees no change
    let back = [
        Change::Rule(Op::New, marked_rule()),
        Change::Rule(Op::Del, marked_rule()),
    ];
    let again: Vec<Noted> = back.iter().map(|c| noted("again", c, 44)).collect();
    for change in back {
        state.apply(change);
    }
    assert!(list.refresh(&state, "t2", &again, true).is_empty());
    assert_eq!(list.flows()[0].history.len(), 1);
}

#[test]
fn a_reread_is_explained_by_the_change_before_it() {
    let mut state = fixtures::server();
    let mut list = WatchList::default();
    list.add(&state, "8.8.8.8", true).unwrap();
    let mut eth0 = state.link(2).unwrap().clone();
    eth0.flags.0 &= !routescope::model::LinkFlags::UP;
    let down = Change::Link(Op::New, eth0);
    let first = [noted("link eth0 was set down", &down, 0)];
    state.apply(down);
    // the kernel drops the routes through eth0 silently; routescope re-reads them
    let mut tables = state.tables.clone();
    for table in tables.values_mut() {
        table.retain(|r| r.dev() != 2);
    }
    assert!(list.refresh(&state, "t1", &first, true).is_empty());
    let reread = Change::Tables(
        Family::V4,
        tables
            .into_iter()
            .filter(|(k, _)| k.0 == Family::V4)
            .collect(),
    );
    let second = [noted("IPv4 routes were re-read", &reread, 0)];
    state.apply(reread);
    assert_eq!(list.refresh(&state, "t2", &second, true), vec![0]);
    let cause = list.flows()[0].history[0].cause.clone().unwrap();
    assert_eq!(
        cause.phrase,
        "IPv4 routes were re-read after link eth0 was set down"
    );
    assert_eq!(cause.origin, Origin::Kernel { cause: None });
}

#[test]
fn the_list_holds_64_flows_once_each_and_forgets_removed_ones() {
    let state = fixtures::server();
    let mut list = WatchList::default();
    for i in 0..routescope::watch::LIMIT {
        list.add(&state, &format!("10.0.{}.{}", i / 250, i % 250 + 1), true)
            .unwrap();
    }
    const { assert!(routescope::watch::LIMIT >= 32) };
    assert_eq!(list.add(&state, "10.0.0.1", true), Ok(0), "already watched");
    assert!(list.add(&state, "10.9.9.9", true).is_err(), "full");
    list.remove(0);
    assert_eq!(list.add(&state, "10.9.9.9", true), Ok(63));
    assert!(list.add(&state, "1.2.3.4 oif nope", true).is_err());
    list.remove(63);
    assert_eq!(
        list.add(&state, "1.2.3.4 oif nope", false),
        Ok(63),
        "a saved flow whose device is gone is kept"
    );
    assert!(
        list.flows()[63]
            .invalid
            .as_deref()
            .unwrap()
            .contains("nope")
    );
}

#[test]
fn the_tui_adds_removes_opens_and_saves_flows() {
    let mut app = App::new(
        fixtures::server(),
        NetnsInfo::current(),
        false,
        Keymap::default(),
    );
    for query in ["8.8.8.8", "8.8.8.8 mark 0x10"] {
        app.update(key(KeyCode::Char('g')));
        type_text(&mut app, query);
        let effects = app.update(key(KeyCode::Enter));
        assert!(
            matches!(effects.last(), Some(Effect::SaveWatch(_))),
            "{effects:?}"
        );
    }
    assert_eq!(app.watch().len(), 2);
    assert_eq!(
        app.pinned().unwrap().text,
        "8.8.8.8 mark 0x10",
        "the new flow is shown"
    );
    // focus the watch pane, go to the first flow, open and close it, remove it
    while app.focus() != Pane::Watch {
        app.update(key(KeyCode::Tab));
    }
    app.update(key(KeyCode::Up));
    assert_eq!(app.pinned().unwrap().text, "8.8.8.8");
    app.update(key(KeyCode::Enter));
    assert!(app.is_zoomed(), "Enter zooms the watch pane");
    let screen = common::tui::screen(&app, 100, 30);
    assert!(screen.contains("History  0 change(s)"), "{screen}");
    app.update(key(KeyCode::Esc));
    assert!(matches!(app.mode(), Mode::Normal) && !app.is_zoomed());
    let effects = app.update(key(KeyCode::Char('d')));
    assert_eq!(
        effects,
        vec![Effect::SaveWatch(vec!["8.8.8.8 mark 0x10".into()])]
    );
    assert_eq!(app.watch().len(), 1);
    // a change of the deciding rule shows in the flow's history, with who made it
    app.update(Msg::Net {
        events: vec![by(4242, Change::Rule(Op::Del, marked_rule()))],
        time: "12:03:04.217".into(),
    });
    let flow = app.pinned().unwrap();
    assert_eq!(
        flow.changed().unwrap(),
        "the answer changed at 12:03:04.217 after IPv4 rule 100 (from all fwmark 0x10 lookup 100) \
         was deleted by port 4242"
    );
    app.update(key(KeyCode::Enter));
    let screen = common::tui::screen(&app, 120, 40);
    assert!(screen.contains("History  1 change(s)"), "{screen}");
    assert!(screen.contains("was unicast via 99.88.22.254"), "{screen}");
}

#[test]
fn restored_and_command_line_flows_join_without_saving_twice() {
    let mut app = App::new(
        fixtures::server(),
        NetnsInfo::current(),
        false,
        Keymap::default(),
    );
    let effects = app.update(Msg::Watch {
        queries: vec!["8.8.8.8".into(), "not a query".into()],
        save: false,
    });
    assert_eq!(
        effects,
        vec![Effect::AskKernel(
            routescope::lookup::Query::parse(&["8.8.8.8"]).unwrap()
        )]
    );
    assert!(app.notice().unwrap().contains("not a query"));
    let effects = app.update(Msg::Watch {
        queries: vec!["1.1.1.1".into()],
        save: true,
    });
    assert_eq!(
        effects.last(),
        Some(&Effect::SaveWatch(vec!["8.8.8.8".into(), "1.1.1.1".into()]))
    );
    // another namespace has its own list
    app.update(Msg::NamespaceSwitched(NetnsInfo::new(
        Target::Named("blue".into()),
        "blue".into(),
        "netns-blue".into(),
        None,
    )));
    assert!(app.watch().is_empty());
}

/// Reads `monitor --json` lines until one satisfies `ok`, for at most ten seconds.
fn read_until(
    lines: &mut impl Iterator<Item = serde_json::Value>,
    what: &str,
    ok: impl Fn(&serde_json::Value) -> bool,
) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    for line in lines.by_ref() {
        if ok(&line) {
            return line;
        }
        assert!(Instant::now() < deadline, "no {what} in time");
    }
    panic!("monitor ended before {what}");
}

#[test]
fn monitor_prints_an_answer_record_when_a_watched_answer_changes() {
    let Some(ns) = common::TestNetns::new("watch") else {
        return;
    };
    ns.ip_each(&[
        "link set lo up",
        "link add va type veth peer name vb",
        "link set va up",
        "link set vb up",
        "addr add 10.0.0.2/24 dev va",
        "addr add 10.1.0.2/24 dev vb",
        "route add default via 10.0.0.1",
        "route add default via 10.1.0.1 table 100",
    ]);
    let bin = env!("CARGO_BIN_EXE_routescope");
    let mut child = Command::new(bin)
        .args(["-n", &ns.name, "monitor", "--json", "--duration", "20"])
        .args(["--watch", "8.8.8.8 mark 5", "--watch", "8.8.8.8"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("routescope runs");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .map(|l| serde_json::from_str::<serde_json::Value>(&l).expect("JSON lines"));
    let is_answer = |v: &serde_json::Value, q: &str| v["kind"] == "answer" && v["query"] == q;
    let first = read_until(&mut lines, "the first answer", |v| {
        is_answer(v, "8.8.8.8 mark 5")
    });
    assert_eq!(first["before"], serde_json::Value::Null);
    assert_eq!(
        (
            first["after"]["dev"].as_str(),
            first["after"]["rule"].as_u64()
        ),
        (Some("va"), Some(32766))
    );
    // a short-lived `ip` adds the rule: its port id is its pid
    let ip = Command::new("ip")
        .args([
            "-n", &ns.name, "rule", "add", "fwmark", "5", "lookup", "100", "pref", "100",
        ])
        .spawn()
        .expect("ip runs");
    let ip_pid = ip.id();
    assert!(ip.wait_with_output().unwrap().status.success());
    let changed = read_until(&mut lines, "the changed answer", |v| {
        is_answer(v, "8.8.8.8 mark 5")
    });
    assert_eq!(changed["before"]["dev"], "va");
    assert_eq!(
        (
            changed["after"]["dev"].as_str(),
            changed["after"]["rule"].as_u64()
        ),
        (Some("vb"), Some(100))
    );
    assert_eq!(changed["after"]["src"], "10.1.0.2");
    assert_eq!(
        changed["cause"]["change"],
        "IPv4 rule 100 (from all fwmark 0x5 lookup 100) was added"
    );
    assert_eq!(changed["cause"]["origin"]["portid"], ip_pid);
    assert!(changed["time"].as_str().unwrap().ends_with('Z'));
    // the link of the policy table goes down: the kernel drops its routes silently
    ns.ip("link set vb down");
    let back = read_until(&mut lines, "the answer after the link went down", |v| {
        is_answer(v, "8.8.8.8 mark 5")
    });
    assert_eq!(back["after"]["dev"], "va");
    let why = back["cause"]["change"].as_str().unwrap();
    assert!(why.contains("link vb was set down"), "{why}");
    let _ = child.kill();
    let _ = child.wait();
}

#[test]
fn a_bad_watch_query_is_one_line_and_exit_2() {
    // the TUI refuses it before it takes the terminal, as monitor does before reading the state
    for args in [
        &["monitor", "--watch", "8.8.8.8 frm 1.2.3.4"][..],
        &["--watch", "8.8.8.8 frm 1.2.3.4"][..],
    ] {
        let out = common::bin::run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = common::bin::stderr(&out);
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("--watch '8.8.8.8 frm 1.2.3.4'") && err.contains("frm"),
            "{err}"
        );
    }
}

#[test]
fn the_tui_saves_the_list_per_namespace_and_restores_it() {
    let Some(ns) = common::TestNetns::new("watchtui") else {
        return;
    };
    ns.ip_each(&["link set lo up", "addr add 10.7.0.1/32 dev lo"]);
    let state_home = common::bin::TempDir::new("watch-state");
    let t = common::tmux::Tmux::bash("watch");
    let bin = env!("CARGO_BIN_EXE_routescope");
    let run = |extra: &str| {
        t.line(&format!(
            "XDG_STATE_HOME={} {bin} -n {} {extra}",
            state_home.0.display(),
            ns.name
        ));
    };
    run("--watch '10.7.0.1' --watch '10.7.0.9'");
    t.wait_for("/2) · route get");
    t.wait_for("kernel agrees");
    t.keys(&["q"]);
    t.wait_until("the shell", |s| s.lines().any(|l| l == "$"));
    let saved =
        std::fs::read_to_string(state_home.join(&format!("routescope/watch/netns-{}", ns.name)))
            .expect("the list is saved");
    assert!(
        saved.lines().any(|l| l == "10.7.0.1") && saved.lines().any(|l| l == "10.7.0.9"),
        "{saved}"
    );
    // started again without --watch: the namespace's list is back
    run("");
    let screen = t.wait_for("/2) · route get");
    assert!(screen.contains("10.7.0.9 →"), "{screen}");
    t.keys(&["q"]);
}
