//! `get` loads only what its query's family reads (`net::dump_state_of`: that family's rules,
//! routes and neighbours, routes read from their bytes): its JSON must be what the whole state
//! gives, here a `dump --json` of the same namespace read back with `--snapshot`, for queries of
//! both families, output and input, on a namespace with the shapes the byte reader leaves to the
//! crate (multipath, metrics, realms, nexthop objects, expiring IPv6 routes) and those it reads.

mod common;

use common::TestNetns;
use common::bin::{TempDir, run, stderr};
use serde_json::Value;

/// The namespace: two uplinks, both families, policy rules and tables of every shape.
fn configure(ns: &TestNetns) {
    ns.ip_each(&[
        "link add up0 type veth peer name up0p",
        "link add up1 type veth peer name up1p",
        "link set up0 up",
        "link set up0p up",
        "link set up1 up",
        "link set up1p up",
        "addr add 198.18.0.2/24 dev up0",
        "addr add 198.18.1.2/24 dev up1",
        "addr add 2001:db8:0:1::2/64 dev up0 nodad",
        "addr add 2001:db8:0:2::2/64 dev up1 nodad",
        "neigh add 198.18.0.1 lladdr 02:00:00:00:00:01 dev up0 nud permanent",
        "neigh add 2001:db8:0:1::1 lladdr 02:00:00:00:00:01 dev up0 nud permanent",
        "route add 203.0.113.0/24 via 198.18.0.1 dev up0 proto bgp",
        "route add 203.0.112.0/22 via 198.18.1.1 dev up1 metric 20",
        "route add 192.0.2.0/24 proto bgp nexthop via 198.18.0.1 dev up0 nexthop via 198.18.1.1 dev up1",
        "route add 100.64.0.0/10 via 198.18.0.1 dev up0 mtu 1400",
        "route add 100.100.0.0/16 via 198.18.0.1 dev up0 realm 7",
        "route add blackhole 10.66.0.0/16",
        "nexthop add id 5 via 198.18.1.1 dev up1",
        "route add 10.77.0.0/16 nhid 5",
        "route add default via 198.18.1.1 dev up1 table 100",
        "route add 2001:db8:77::/48 via 2001:db8:0:1::1 dev up0 proto bgp",
        "route add 2001:db8:78::/48 via 2001:db8:0:2::1 dev up1 expires 600",
        "route add 2001:db8:79::/48 nexthop via 2001:db8:0:1::1 dev up0 nexthop via 2001:db8:0:2::1 dev up1",
        "route add ::/0 via 2001:db8:0:2::1 dev up1 table 100",
        "rule add pref 100 fwmark 0x10 lookup 100",
        "rule add pref 110 to 203.0.113.128/25 lookup 100",
        "rule add pref 120 iif up1 lookup 100",
        "-6 rule add pref 100 fwmark 0x10 lookup 100",
        "-6 rule add pref 110 from 2001:db8:0:2::/64 lookup 100",
    ]);
}

/// `get --json` of one query, without the field that names why no kernel was asked (the live
/// run says `--no-kernel`, the snapshot run `--snapshot`).
fn answer(args: &[&str]) -> Value {
    let out = run(args);
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{args:?}: {}",
        stderr(&out)
    );
    let mut value: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    if let Value::Object(map) = &mut value {
        map.remove("trace_unavailable");
    }
    value
}

#[test]
fn get_of_one_family_answers_as_the_whole_state_does() {
    let Some(ns) = TestNetns::new("getload") else {
        return;
    };
    configure(&ns);
    let dir = TempDir::new("getload");
    let snapshot = dir.join("whole.json");
    let dumped = run(&["-n", &ns.name, "dump", "--json"]);
    assert_eq!(dumped.status.code(), Some(0), "{}", stderr(&dumped));
    std::fs::write(&snapshot, &dumped.stdout).expect("write the snapshot");
    let snapshot = snapshot.to_str().expect("a UTF-8 path");
    for query in [
        "203.0.113.9",
        "203.0.113.200",
        "203.0.112.5",
        "203.0.114.1 mark 0x10",
        "192.0.2.7 ipproto tcp dport 443",
        "100.64.1.1",
        "100.100.3.3 from 198.18.0.2",
        "10.66.1.1",
        "10.77.1.1",
        "8.8.8.8",
        "203.0.113.9 iif up1 from 198.18.1.1",
        "2001:db8:77::1",
        "2001:db8:78::1",
        "2001:db8:79::5",
        "2001:db8:99::1 mark 0x10",
        "2001:db8:99::1 from 2001:db8:0:2::2",
        "2001:db8:77::1 iif up0 from 2001:db8:0:1::1",
    ] {
        let words: Vec<&str> = query.split_whitespace().collect();
        let live = [
            &["-n", ns.name.as_str(), "get", "--json", "--no-kernel"],
            &words[..],
        ]
        .concat();
        let whole = [&["--snapshot", snapshot, "get", "--json"], &words[..]].concat();
        assert_eq!(answer(&live), answer(&whole), "get {query}");
    }
}
