//! The words routescope prints and draws: a typed route keeps the space after its type, one-line
//! forms are single-spaced (only `dump` and the routes pane align columns), the merged local/main
//! trie is explained where the tables disagree, and equal-metric defaults show every path with
//! the source it gives. Kernel tests build their own namespace (`TestNetns`).

mod common;

use std::path::{Path, PathBuf};

use common::bin::{TempDir, run, stderr};
use common::scenario_netns;
use common::tui::{key, screen, type_text};
use crossterm::event::KeyCode;
use routescope::app::{App, Pane};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::lookup::{MERGED_NOTE, Query, explain};
use routescope::model::{Family, Hop, NextHop, Route, RouteFlags, RouteKind, State};
use routescope::net::NetnsInfo;
use routescope::report::explain::step_text;
use routescope::report::text::{route_line, write_state};

/// The typed routes of the tests: every reject type at several prefix lengths, both families.
const TYPED: [(RouteKind, &str); 14] = [
    (RouteKind::Unreachable, "10.66.0.0/16"),
    (RouteKind::Unreachable, "10.0.0.0/8"),
    (RouteKind::Unreachable, "10.70.1.0/24"),
    (RouteKind::Unreachable, "10.71.1.1/32"),
    (RouteKind::Prohibit, "10.67.0.0/24"),
    (RouteKind::Prohibit, "10.72.0.0/12"),
    (RouteKind::Prohibit, "10.73.0.9/32"),
    (RouteKind::Blackhole, "10.68.1.1/32"),
    (RouteKind::Blackhole, "10.74.0.0/15"),
    (RouteKind::Throw, "10.69.0.0/16"),
    (RouteKind::Throw, "10.75.5.0/28"),
    (RouteKind::Unreachable, "2001:db8:1234:5678::/64"),
    (RouteKind::Prohibit, "2001:db8::/32"),
    (RouteKind::Blackhole, "2001:db8:ffff::1/128"),
];

/// The server with the typed routes in main, a two-path route with flags and a route with a
/// source, a metric and the onlink flag.
fn typed_state() -> State {
    let mut s = fixtures::server();
    for (kind, dst) in TYPED {
        let mut r = Route::new(254, dst.parse().unwrap(), kind);
        r.protocol = 3;
        s.push_route(r);
    }
    let hop = |gw: &str, weight: u16, flags: u32| NextHop {
        dev: 2,
        gateway: Some(gw.parse().unwrap()),
        weight,
        flags: RouteFlags(flags),
    };
    let mut multi = Route::new(254, "172.30.0.0/16".parse().unwrap(), RouteKind::Unicast);
    multi.protocol = 3;
    multi.hops = Hop::Multi(
        vec![
            hop("99.88.22.1", 1, 0),
            hop("99.88.22.254", 2, RouteFlags::ONLINK),
        ]
        .into(),
    );
    s.push_route(multi);
    let mut detailed = Route::new(254, "172.31.0.0/16".parse().unwrap(), RouteKind::Unicast);
    detailed.hops = Hop::One(hop("99.88.22.1", 1, RouteFlags::ONLINK));
    detailed.prefsrc = "99.88.22.2".parse().ok();
    detailed.metric = 50;
    s.push_route(detailed);
    s
}

/// A read-only app showing `state`.
fn app_of(state: State) -> App {
    App::new(state, NetnsInfo::current(), true, Keymap::default())
}

/// Writes `state` as a `dump --json` snapshot in `dir`.
fn snapshot_of(dir: &TempDir, state: &State) -> PathBuf {
    let path = dir.join("state.json");
    let file = std::fs::File::create(&path).expect("snapshot file");
    routescope::report::json::write_state(state, file).expect("write snapshot");
    path
}

/// Runs routescope on a snapshot and returns its standard output.
fn on_snapshot(snapshot: &Path, args: &[&str]) -> String {
    let mut all = vec!["--snapshot", snapshot.to_str().expect("a UTF-8 path")];
    all.extend(args);
    let out = run(&all);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{all:?}: {}",
        stderr(&out)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Where a type word is glued to what follows it (`unreachable10.66.0.0/16`).
fn glued(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for word in ["unreachable", "prohibit", "blackhole", "throw"] {
        for (at, _) in text.match_indices(word) {
            let next = text[at + word.len()..].chars().next();
            if next.is_some_and(|c| c != ' ' && c != '\n' && c != '"' && c != ']') {
                let line = text[at..].lines().next().unwrap_or_default();
                found.push(line.to_owned());
            }
        }
    }
    found
}

/// A prefix as routescope shows a route's: host bits cleared, a host route as its address.
fn shown_prefix(dst: &str) -> String {
    let net: ipnet::IpNet = dst.parse::<ipnet::IpNet>().unwrap().trunc();
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// The text after the label column of `get` text (`Route    `), where the words are.
fn words_of(line: &str) -> &str {
    line.get(9..).unwrap_or_default().trim_start()
}

/// Typed routes print `TYPE PREFIX` in `dump` and in the routes pane, whatever the length.
#[test]
fn typed_routes_keep_the_space_after_their_type() {
    let state = typed_state();
    let mut text = Vec::new();
    write_state(&state, &mut text).expect("write");
    let text = String::from_utf8(text).expect("UTF-8");
    assert_eq!(glued(&text), Vec::<String>::new(), "{text}");
    for (kind, dst) in TYPED {
        let wanted = format!("  {} {} ", kind.name(), shown_prefix(dst));
        assert!(
            text.lines().any(|l| l.starts_with(&wanted)),
            "dump has no line starting {wanted:?}:\n{text}"
        );
    }
    // the command prints the same from a snapshot
    let dir = TempDir::new("wording-typed");
    let dumped = on_snapshot(&snapshot_of(&dir, &state), &["dump"]);
    assert_eq!(dumped, text);

    // the routes pane, one type at a time through its filter
    let mut app = app_of(state);
    for (kind, dst) in TYPED {
        app.update(key(KeyCode::Char('/')));
        type_text(&mut app, dst);
        app.update(key(KeyCode::Enter));
        let shown = screen(&app, 120, 40);
        assert_eq!(glued(&shown), Vec::<String>::new(), "{shown}");
        assert!(
            shown.contains(&format!(
                "main   {} {} proto boot",
                kind.name(),
                shown_prefix(dst)
            )),
            "{shown}"
        );
        app.update(key(KeyCode::Esc));
    }
}

/// Queries that reach every route of `typed_state` and the server's own.
const QUERIES: [&str; 12] = [
    "10.66.1.1",
    "10.1.2.3",
    "10.67.0.1",
    "10.68.1.1",
    "10.69.3.3",
    "10.73.0.9",
    "172.30.1.1",
    "172.31.1.1",
    "5.5.5.5",
    "11.22.33.44",
    "2001:db8:1234:5678::1",
    "2001:db8:ffff::1",
];

/// No step of an explanation carries column padding: its sentences and the route it names are
/// single-spaced, in the library, in `get` text and in the TUI's explanation.
#[test]
fn explanations_are_single_spaced() {
    let state = typed_state();
    for words in QUERIES {
        let query = Query::parse(&words.split_whitespace().collect::<Vec<_>>()).unwrap();
        for step in &explain(&state, &query).steps {
            let text = step_text(&state, step);
            assert!(
                !text.contains("  ") && !text.contains('\n'),
                "`get {words}`: step {:?} reads {text:?}",
                step.stage
            );
        }
    }
    for route in state.routes() {
        let line = route_line(&state, &route);
        assert!(!line.contains("  ") && !line.contains('\n'), "{line:?}");
    }
    let dir = TempDir::new("wording-spaces");
    let snapshot = snapshot_of(&dir, &state);
    for words in QUERIES {
        let mut args = vec!["get"];
        args.extend(words.split_whitespace());
        let text = on_snapshot(&snapshot, &args);
        // rule lines align their result word in a column of their own
        for line in text.lines().filter(|l| !l.starts_with("Rule ")) {
            assert!(
                !words_of(line).contains("  "),
                "`get {words}` prints {line:?}:\n{text}"
            );
        }
    }
    let mut app = app_of(state);
    app.update(key(KeyCode::Char('g')));
    type_text(&mut app, "172.30.1.1");
    app.update(key(KeyCode::Enter));
    let shown = screen(&app, 200, 50);
    let panel: Vec<&str> = shown
        .lines()
        .filter(|l| l.contains("table main: 172.30.0.0/16"))
        .collect();
    assert_eq!(panel.len(), 1, "{shown}");
    assert!(
        panel[0].contains(
            "table main: 172.30.0.0/16 proto boot nexthop via 99.88.22.1 dev eth0 weight 1 \
             nexthop via 99.88.22.254 dev eth0"
        ),
        "{shown}"
    );
}

/// The rows the explanation of `words` shows in the watch pane of `app` (200×50).
fn panel_of(app: &mut App, words: &str) -> String {
    app.update(key(KeyCode::Char('g')));
    type_text(app, words);
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.focus(),
        Pane::Routes,
        "watching does not move the focus"
    );
    screen(app, 200, 50)
}

/// While local and main are one trie, the answer from a local route names table main as the
/// kernel does, and says why, in `get` text, `get --json` and the TUI (no kernel needed).
#[test]
fn the_merged_trie_is_explained_from_a_snapshot() {
    let state = fixtures::loopback();
    let dir = TempDir::new("wording-merged");
    let snapshot = snapshot_of(&dir, &state);
    let text = on_snapshot(&snapshot, &["get", "127.0.0.2"]);
    assert!(
        text.contains("Verdict  local dev lo src 127.0.0.1, table main, rule 0"),
        "{text}"
    );
    assert!(text.contains(&format!("note: {MERGED_NOTE}")), "{text}");
    let json: serde_json::Value =
        serde_json::from_str(&on_snapshot(&snapshot, &["get", "127.0.0.2", "--json"]))
            .expect("JSON");
    assert_eq!(json["verdict"]["note"], MERGED_NOTE);
    assert_eq!(json["verdict"]["table"], 254);
    assert_eq!(json["verdict"]["route"]["table"], 255);
    // a route of main, or a split trie, says nothing of it
    let mut split = state.clone();
    split.ipv4_tables_merged = Some(false);
    let dir_split = TempDir::new("wording-split");
    let text = on_snapshot(&snapshot_of(&dir_split, &split), &["get", "127.0.0.2"]);
    assert!(!text.contains("one trie"), "{text}");

    let shown = panel_of(&mut app_of(state), "127.0.0.2");
    assert!(shown.contains(MERGED_NOTE), "{shown}");
    let shown_at_80 = {
        let mut app = app_of(fixtures::loopback());
        let _ = panel_of(&mut app, "127.0.0.2");
        app.update(key(KeyCode::Tab));
        app.update(key(KeyCode::Enter));
        screen(&app, 80, 24)
    };
    assert!(
        shown_at_80.contains("note: local and main are one trie"),
        "the full explanation (Enter) has it too: {shown_at_80}"
    );
}

/// The same against the kernel: the `loopback-127` scenario, `get` text and JSON agree with the
/// kernel's `table main` and say why.
#[test]
fn the_merged_trie_is_explained_against_the_kernel() {
    let Some(ns) = scenario_netns("loopback-127", "merged") else {
        return;
    };
    let out = run(&["-n", &ns.name, "get", "127.0.0.2"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}{}", stderr(&out));
    assert!(
        text.contains("Kernel   local dev lo src 127.0.0.1, table main"),
        "{text}"
    );
    assert!(text.contains("         agree"), "{text}");
    assert!(text.contains(&format!("note: {MERGED_NOTE}")), "{text}");
    let out = run(&["-n", &ns.name, "get", "127.0.0.2", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["agree"], true);
    assert_eq!(json["kernel"]["table"], 254);
    assert_eq!(json["verdict"]["note"], MERGED_NOTE);
}

/// The `alias-gateways` situation, and the same with routes that carry no `src`: each default
/// gives the source selected on its own device towards its own gateway.
fn alias_gateways(with_src: bool) -> State {
    let mut s = fixtures::server();
    s.addresses
        .retain(|a| a.index != 2 || a.family() == Family::V6);
    s.tables.remove(&(Family::V4, 254));
    s.tables.remove(&(Family::V4, 100));
    s.rules.retain(|r| r.priority != 100);
    let mut v4 = fixtures::server()
        .addresses
        .into_iter()
        .find(|a| a.index == 2 && a.family() == Family::V4)
        .expect("eth0's address");
    for (local, gw) in [
        ("198.51.100.2", "198.51.100.1"),
        ("203.0.113.2", "203.0.113.1"),
    ] {
        v4.local = local.parse().unwrap();
        v4.prefix_len = 24;
        v4.broadcast = None;
        s.addresses.push(v4.clone());
        let mut r = Route::new(254, "0.0.0.0/0".parse().unwrap(), RouteKind::Unicast);
        r.protocol = 3;
        r.hops = Hop::One(NextHop {
            dev: 2,
            gateway: Some(gw.parse().unwrap()),
            weight: 1,
            flags: RouteFlags::default(),
        });
        if with_src {
            r.prefsrc = Some(local.parse().unwrap());
        }
        s.push_route(r);
    }
    s
}

/// Equal-metric defaults: the candidates side by side, each with its source, in `get` text,
/// `get --json` and the TUI's explanation.
#[test]
fn equal_defaults_show_each_path_with_its_source() {
    let paths = [
        "path 1 of 2: via 198.51.100.1 dev eth0 src 198.51.100.2",
        "path 2 of 2: via 203.0.113.1 dev eth0 src 203.0.113.2",
    ];
    for with_src in [true, false] {
        let state = alias_gateways(with_src);
        let dir = TempDir::new(&format!("wording-alias-{with_src}"));
        let snapshot = snapshot_of(&dir, &state);
        let text = on_snapshot(&snapshot, &["get", "5.5.5.5"]);
        for path in paths {
            assert!(text.contains(&format!("         {path}")), "{text}");
        }
        let json: serde_json::Value =
            serde_json::from_str(&on_snapshot(&snapshot, &["get", "5.5.5.5", "--json"]))
                .expect("JSON");
        assert_eq!(
            json["verdict"]["candidates"],
            serde_json::json!([
                { "gateway": "198.51.100.1", "dev": "eth0", "src": "198.51.100.2" },
                { "gateway": "203.0.113.1", "dev": "eth0", "src": "203.0.113.2" },
            ]),
            "with src: {with_src}"
        );
        assert_eq!(json["verdict"]["confidence"], "approximate");
        let shown = panel_of(&mut app_of(state), "5.5.5.5");
        for path in paths {
            assert!(shown.contains(path), "{shown}");
        }
    }
}

/// Against the kernel (`alias-gateways`): the kernel's choice is one of the listed paths.
#[test]
fn equal_defaults_candidates_agree_with_the_kernel() {
    let Some(ns) = scenario_netns("alias-gateways", "alias") else {
        return;
    };
    let out = run(&["-n", &ns.name, "get", "5.5.5.5", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(json["agree"], true, "{json:#}");
    let candidates = json["verdict"]["candidates"].as_array().expect("a list");
    assert_eq!(candidates.len(), 2, "{json:#}");
    let kernel = (&json["kernel"]["gateway"], &json["kernel"]["src"]);
    assert!(
        candidates
            .iter()
            .any(|c| (&c["gateway"], &c["src"]) == kernel),
        "{json:#}"
    );
    let out = run(&["-n", &ns.name, "get", "5.5.5.5"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("path 2 of 2: via 203.0.113.1 dev eth0 src 203.0.113.2"),
        "{text}"
    );
}
