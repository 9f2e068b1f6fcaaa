//! `routescope diff`: two snapshot files compared as text and JSON (no root), bad input refused
//! with one line, and the live state of a namespace compared with its own earlier dump.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::TestNetns;
use common::bin::{TempDir, run, stderr};
use routescope::model::{AddressFlags, Family, Hop, NextHop, State};
use serde_json::Value;

/// Writes `state` as a `dump --json` file named `name` in `dir`.
fn write(dir: &TempDir, name: &str, state: &State) -> PathBuf {
    let path = dir.join(name);
    let mut text = Vec::new();
    routescope::report::json::write_state(state, &mut text).expect("json");
    std::fs::write(&path, text).expect("write snapshot");
    path
}

/// The server fixture a while later: eth0's MTU raised, the mark rule deleted, main's default
/// route through another gateway, and a second address on eth0.
fn later() -> State {
    let mut s = routescope::fixtures::server();
    s.links.get_mut(&2).expect("eth0").mtu = 9000;
    s.rules.retain(|r| r.priority != 100);
    let routes: Vec<_> = s.routes().collect();
    s.tables.clear();
    for mut r in routes {
        if r.table == 254 && r.dst.prefix_len() == 0 && r.family() == Family::V4 {
            r.hops = Hop::One(NextHop {
                gateway: "99.88.22.9".parse().ok(),
                ..r.hops.as_slice()[0]
            });
        }
        s.push_route(r);
    }
    let mut second = s.addresses[3].clone();
    second.local = "99.88.22.3".parse().expect("literal");
    second.flags.0 |= AddressFlags::SECONDARY;
    s.addresses.push(second);
    s
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

/// The text `diff A B` prints for the fixture and `later()`, line for line.
const EXPECTED: &str = "\
Links: 1 changed
  ~ link      2  eth0         UP   up                      mtu 9000  02:00:00:00:00:02
      mtu: 1500 → 9000
Addresses: 1 added
  + address eth0       inet  99.88.22.3/24                  global secondary
Rules: 1 removed
  - rule    IPv4 100: from all fwmark 0x10 lookup 100
Routes: 1 changed
  ~ route   table main     default via 99.88.22.9 dev eth0
      gateway: 99.88.22.1 → 99.88.22.9
Queries: 2 differ, 1 same
  ~ 8.8.8.8 (route, gateway)
      before: unicast via 99.88.22.1 dev eth0 src 99.88.22.2, table main, rule 32766, route default via 99.88.22.1 dev eth0
      after:  unicast via 99.88.22.9 dev eth0 src 99.88.22.2, table main, rule 32766, route default via 99.88.22.9 dev eth0
  ~ 8.8.8.8 mark 0x10 (rule, table, route, gateway)
      before: unicast via 99.88.22.254 dev eth0 src 99.88.22.2, table 100, rule 100, route default via 99.88.22.254 dev eth0
      after:  unicast via 99.88.22.9 dev eth0 src 99.88.22.2, table main, rule 32766, route default via 99.88.22.9 dev eth0
  = 127.0.0.1 same: local dev lo src 127.0.0.1, table local, rule 0, route local 127.0.0.1 dev lo proto kernel scope host src 127.0.0.1
";

#[test]
fn two_snapshots_as_text_and_json() {
    let dir = TempDir::new("diff-files");
    let a = write(&dir, "a.json", &routescope::fixtures::server());
    let b = write(&dir, "b.json", &later());
    let queries = [
        "--query",
        "8.8.8.8",
        "--query",
        "8.8.8.8 mark 0x10",
        "--query",
        "127.0.0.1",
    ];
    let mut args = vec!["diff", path(&a), path(&b)];
    args.extend(queries);
    let out = run(&args);
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert_eq!(
        text.lines().take(2).collect::<Vec<_>>(),
        [format!("--- {}", path(&a)), format!("+++ {}", path(&b))]
    );
    let body = text.splitn(3, '\n').nth(2).unwrap_or_default();
    assert_eq!(body, EXPECTED);

    args.push("--json");
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let json: Value = serde_json::from_slice(&out.stdout).expect("diff --json is JSON");
    assert_eq!(json["version"], 2);
    assert_eq!(json["same"], false);
    assert_eq!(json["a"]["file"], path(&a));
    let link = &json["links"]["changed"][0];
    assert_eq!(link["after"]["name"], "eth0");
    assert_eq!(
        link["changes"],
        serde_json::json!([{ "field": "mtu", "before": 1500, "after": 9000 }])
    );
    assert_eq!(json["addresses"]["added"][0]["local"], "99.88.22.3");
    assert_eq!(json["rules"]["removed"][0]["priority"], 100);
    assert_eq!(
        json["routes"]["changed"][0]["changes"][0]["field"],
        "gateway"
    );
    assert_eq!(json["routes"]["added"], serde_json::json!([]));
    let marked = &json["queries"][1];
    assert_eq!(marked["query"], "8.8.8.8 mark 0x10");
    assert_eq!(marked["same"], false);
    assert_eq!(marked["before"]["table"], 100);
    assert_eq!(marked["after"]["table"], 254);
    assert_eq!(marked["after"]["rule"]["priority"], 32766);
    assert_eq!(json["queries"][2]["same"], true);

    let same = run(&["diff", path(&a), path(&a), "--query", "8.8.8.8"]);
    assert_eq!(same.status.code(), Some(0), "{}", stderr(&same));
    let text = String::from_utf8_lossy(&same.stdout);
    assert!(text.contains("\nno differences\n"), "{text}");
    assert!(
        text.contains("  = 8.8.8.8 same: unicast via 99.88.22.1"),
        "{text}"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = TempDir::new("diff-bad");
    let good = write(&dir, "good.json", &routescope::fixtures::server());
    let junk = dir.join("junk.json");
    std::fs::write(&junk, "{\"version\": 1, \"links\": 7}").expect("write");
    let missing = dir.join("missing.json");
    let g = path(&good);
    for (args, expected) in [
        (
            vec!["diff", g, path(&junk)],
            "junk.json: not a routescope dump",
        ),
        (vec!["diff", path(&missing), g], "cannot read snapshot"),
        (
            vec!["diff", g, g, "--query", "1.2.3.4 frm x"],
            "--query '1.2.3.4 frm x': unknown word 'frm'",
        ),
        (
            vec!["diff", g, g, "--query", ""],
            "--query '': no destination",
        ),
        (
            vec!["diff", g, g, "--query", "1.2.3.4 oif eth9"],
            "no device named 'eth9' in either state",
        ),
        (
            vec!["--snapshot", g, "diff", g],
            "--snapshot does not apply",
        ),
        (vec!["-n", "rs-no-such-ns", "diff", g], "rs-no-such-ns"),
        (vec!["diff"], "not provided: <A.json>"),
    ] {
        let out = run(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
        assert!(out.stdout.is_empty(), "{args:?} printed on stdout");
    }
}

/// Waits until `dev` of `ns` is operationally up (veth carrier comes up a moment after `up`),
/// so a dump taken now does not differ from a later one by `LOWER_UP` and `linkdown`.
fn wait_up(ns: &TestNetns, dev: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while ns.json(&format!("link show {dev}"))[0]["operstate"] != "UP" {
        assert!(Instant::now() < deadline, "{dev} did not come up");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A namespace with a veth `eth0` (fixed MACs, so re-created links get the same IPv6
/// link-locals; no DAD, so nothing is tentative when dumped), an address, routes and a rule.
fn uplink(tag: &str) -> Option<TestNetns> {
    let ns = TestNetns::new(tag)?;
    ns.sysctl("net.ipv6.conf.default.accept_dad=0");
    recreate(&ns);
    ns.ip("rule add pref 100 fwmark 0x10 lookup 100");
    Some(ns)
}

/// (Re-)creates eth0 and its peer with its address and routes, and waits for carrier.
fn recreate(ns: &TestNetns) {
    ns.ip_each(&[
        "link add eth0 address 02:00:00:00:00:01 type veth peer name eth0p address 02:00:00:00:00:02",
        "link set eth0 up",
        "link set eth0p up",
        "addr add 198.51.100.2/24 dev eth0",
        "route add default via 198.51.100.1",
        "route add 203.0.113.0/24 via 198.51.100.1",
        "route add default via 198.51.100.254 table 100",
    ]);
    wait_up(ns, "eth0");
    wait_up(ns, "eth0p");
}

/// `routescope -n NS dump --json` written to a file in `dir`.
fn dump(ns: &TestNetns, dir: &TempDir) -> PathBuf {
    let out = run(&["-n", &ns.name, "dump", "--json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let file = dir.join("before.json");
    std::fs::write(&file, &out.stdout).expect("write dump");
    file
}

/// `routescope -n NS diff FILE ARGS --json`: its status and document.
fn diff_live(ns: &TestNetns, file: &Path, args: &[&str]) -> (Option<i32>, Value) {
    let mut all = vec!["-n", &ns.name, "diff", path(file), "--json"];
    all.extend(args);
    let out = run(&all);
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            stderr(&out)
        )
    });
    (out.status.code(), json)
}

/// The number of objects in `json[kind][list]`.
fn count(json: &Value, kind: &str, list: &str) -> usize {
    json[kind][list].as_array().map_or(0, Vec::len)
}

/// The objects of `json[kind][list]`, asserting that the kind's other two lists are empty.
fn only<'j>(json: &'j Value, kind: &str, list: &str) -> &'j [Value] {
    for other in ["added", "removed", "changed"] {
        if other != list {
            let n = count(json, kind, other);
            assert_eq!(n, 0, "{kind} {other}: {:#}", json[kind]);
        }
    }
    json[kind][list].as_array().map_or(&[], Vec::as_slice)
}

#[test]
fn a_changed_route_a_deleted_rule_and_a_new_address_are_exactly_what_differs() {
    let Some(ns) = uplink("diff") else {
        return;
    };
    let dir = TempDir::new(&ns.name);
    let before = dump(&ns, &dir);
    let (status, json) = diff_live(&ns, &before, &[]);
    assert_eq!(status, Some(0), "a fresh dump differs: {json:#}");
    assert_eq!(json["same"], true);

    ns.ip_each(&[
        "route replace 203.0.113.0/24 via 198.51.100.3 dev eth0",
        "rule del pref 100",
        "addr add 192.0.2.1/24 dev eth0",
    ]);
    let queries = ["203.0.113.5", "8.8.8.8 mark 0x10", "8.8.8.8"];
    let args: Vec<&str> = queries.iter().flat_map(|q| ["--query", q]).collect();
    let (status, json) = diff_live(&ns, &before, &args);
    assert_eq!(status, Some(1), "{json:#}");
    assert_eq!(json["b"]["netns"], ns.name.as_str());
    for kind in ["links", "nexthops", "neighbours", "sysctls"] {
        assert!(only(&json, kind, "added").is_empty(), "{kind}: {json:#}");
    }
    let addresses = only(&json, "addresses", "added");
    assert_eq!(addresses.len(), 1, "{addresses:#?}");
    assert_eq!(addresses[0]["local"], "192.0.2.1");
    assert_eq!(addresses[0]["dev"], "eth0");
    let rules = only(&json, "rules", "removed");
    assert_eq!(rules.len(), 1, "{rules:#?}");
    assert_eq!(rules[0]["priority"], 100);
    assert_eq!(rules[0]["fwmark"], 16);
    assert_eq!(count(&json, "routes", "removed"), 0, "{json:#}");
    let changed = json["routes"]["changed"]
        .as_array()
        .expect("changed routes");
    assert_eq!(changed.len(), 1, "{changed:#?}");
    assert_eq!(changed[0]["after"]["dst"], "203.0.113.0/24");
    assert_eq!(
        changed[0]["changes"],
        serde_json::json!([{ "field": "gateway", "before": "198.51.100.1", "after": "198.51.100.3" }])
    );
    routes_of_the_new_address(&json["routes"]["added"]);
    let queries = &json["queries"];
    assert_eq!(
        queries[0]["differences"],
        serde_json::json!(["route", "gateway"])
    );
    assert_eq!(queries[0]["before"]["gateway"], "198.51.100.1");
    assert_eq!(queries[0]["after"]["gateway"], "198.51.100.3");
    assert_eq!(queries[1]["before"]["rule"]["priority"], 100);
    assert_eq!(queries[1]["after"]["rule"]["priority"], 32766);
    assert_eq!(queries[2]["same"], true);
    the_text_says_it(&ns, &before);
}

/// The routes added are the ones the kernel makes for 192.0.2.1/24, and nothing else.
fn routes_of_the_new_address(added: &Value) {
    let added: Vec<(u64, &str)> = added
        .as_array()
        .expect("added routes")
        .iter()
        .map(|r| {
            assert_eq!(r["src"], "192.0.2.1", "not made by the address: {r}");
            (
                // v2 leaves out the main table (254)
                r["table"].as_u64().unwrap_or(254),
                r["dst"].as_str().expect("dst"),
            )
        })
        .collect();
    assert!(added.contains(&(254, "192.0.2.0/24")), "{added:?}");
    assert!(added.contains(&(255, "192.0.2.1/32")), "{added:?}");
    let made = |(t, dst): &(u64, &str)| [254, 255].contains(t) && dst.starts_with("192.0.2.");
    assert!(added.iter().all(made), "{added:?}");
}

/// The text form of the same comparison, with a query through the changed route.
fn the_text_says_it(ns: &TestNetns, before: &Path) {
    let args = [
        "-n",
        &ns.name,
        "diff",
        path(before),
        "--query",
        "203.0.113.5",
    ];
    let out = run(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    for line in [
        "  - rule    IPv4 100: from all fwmark 0x10 lookup 100",
        "      gateway: 198.51.100.1 → 198.51.100.3",
        "  ~ 203.0.113.5 (route, gateway)",
        "      before: unicast via 198.51.100.1 dev eth0 src 198.51.100.2, table main, rule 32766",
        "      after:  unicast via 198.51.100.3 dev eth0 src 198.51.100.2, table main, rule 32766",
    ] {
        assert!(text.contains(line), "missing {line:?} in\n{text}");
    }
}

#[test]
fn a_link_recreated_under_new_indexes_differs_by_its_index_only() {
    let Some(ns) = uplink("diffidx") else {
        return;
    };
    let dir = TempDir::new(&ns.name);
    let before = dump(&ns, &dir);
    ns.ip("link del eth0");
    recreate(&ns);
    let (status, json) = diff_live(&ns, &before, &["--query", "8.8.8.8"]);
    assert_eq!(status, Some(1), "{json:#}");
    let links = json["links"]["changed"].as_array().expect("changed links");
    assert_eq!(links.len(), 2, "eth0 and its peer: {json:#}");
    for link in links {
        let fields: Vec<&str> = link["changes"]
            .as_array()
            .expect("changes")
            .iter()
            .filter_map(|c| c["field"].as_str())
            .collect();
        assert_eq!(fields, ["index"], "{link:#}");
        assert_ne!(link["before"]["index"], link["after"]["index"]);
    }
    // addresses and routes name their device: re-made alike on the new link, they are the same
    for kind in ["addresses", "routes", "rules", "sysctls"] {
        for list in ["added", "removed", "changed"] {
            assert_eq!(count(&json, kind, list), 0, "{kind} {list}: {json:#}");
        }
    }
    assert_eq!(json["queries"][0]["same"], true, "{json:#}");
}
