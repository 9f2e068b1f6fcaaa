//! The live kernel state against the kernel: dumps compared with iproute2, the feed under
//! churn compared with a fresh dump, and recovery from a socket overrun (ENOBUFS).

mod churn;
mod common;
mod names;
mod netconf;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{TestNetns, runtime};
use routescope::model::{Family, Hop, Route, RouteKind, State};
use routescope::net::{self, FeedEvent, FeedOptions};
use routescope::report::text;
use serde_json::Value;
use tokio::sync::mpsc;

/// Builds a configuration with every kind of object this kernel can make.
fn rich_config(ns: &TestNetns) {
    ns.ip_each(&[
        "link add e0 type veth peer name e0p",
        "link add e1 type veth peer name e1p",
        "link add br0 type bridge",
        "link set e0p master br0",
        "link set e0 up",
        "link set e0p up",
        "link set e1 up",
        "link set e1p up",
        "link set br0 up",
        "addr add 10.1.0.2/24 dev e0",
        "addr add 10.1.0.3/24 dev e0",
        "addr add 10.2.0.2/16 dev e1 label e1:x",
        "addr add 10.9.9.9 peer 10.9.9.1/32 dev e1",
        "addr add 192.0.2.1/24 dev br0",
        "-6 addr add 2001:db8:1::2/64 dev e0 nodad",
        "-6 addr add 2001:db8:2::2/64 dev e1 nodad",
        "addr add 11.22.33.44/32 dev lo",
        "route add default via 10.1.0.1 dev e0",
        "route add 20.0.0.0/8 via 10.2.0.1 dev e1 metric 50 src 10.1.0.3",
        "route add 20.0.0.0/8 via 10.1.0.1 dev e0 metric 100",
        "route add table 1000 21.0.0.0/8 nexthop via 10.1.0.1 dev e0 weight 2 nexthop via 10.2.0.1 dev e1",
        "route add multicast 224.1.0.0/16 dev e0 table 1000",
        "route add blackhole 22.0.0.0/8 table 1000",
        "route add unreachable 23.0.0.0/8 table 1000",
        "route add prohibit 24.0.0.0/8 table 4000000000",
        "route add throw 25.0.0.0/8 table 4000000000",
        "route add 26.0.0.0/8 tos 0x10 via 10.1.0.1 dev e0",
        "route add local 10.50.0.0/16 dev lo table local",
        "-6 route add default via 2001:db8:1::1 dev e0 metric 10",
        "-6 route add anycast 2001:db8:5::/64 dev e0 table 1000",
        "-6 route add unreachable 2001:db8:6::/64 table 200",
        "-6 route add 2001:db8:7::/64 table 200 nexthop via 2001:db8:1::1 dev e0 nexthop via 2001:db8:2::1 dev e1",
        "nexthop add id 5 via 10.1.0.1 dev e0",
        "nexthop add id 6 via 10.2.0.1 dev e1",
        "nexthop add id 9 group 5/6,3",
        "route add 40.0.0.0/8 nhid 9",
        "rule add pref 150 not fwmark 0x10/0xff uidrange 1000-2000 ipproto tcp sport 1000-2000 dport 443 lookup 1000",
        "rule add pref 160 iif e0 oif br0 tos 0x10 goto 170",
        "rule add pref 170 from 10.0.0.0/8 to 20.1.0.0/16 lookup main suppress_prefixlength 0",
        "rule add pref 180 iif nosuch blackhole",
        "rule add pref 190 goto 999",
        "rule add pref 200 fwmark 0x2 unreachable",
        "rule add pref 210 to 198.51.100.0/24 prohibit",
        "rule add pref 220 from 10.2.0.0/16 nop",
        "rule add pref 230 lookup 4000000000",
        "rule add pref 230 ipproto udp lookup 1000",
        "-6 rule add pref 100 from 2001:db8:1::/48 lookup 200",
        "-6 rule add pref 110 to 2001:db8:6::/64 dport 53 prohibit",
    ]);
}

/// The table id of an `ip -j` table name.
fn table_id(name: Option<&str>) -> u32 {
    match name {
        None | Some("main") => 254,
        Some("local") => 255,
        Some("default") => 253,
        Some(n) => n.parse().expect("numeric table"),
    }
}

/// One route as a comparable line, from iproute2's JSON.
fn ip_route_key(family: Family, r: &Value) -> String {
    let s = |k: &str| r[k].as_str().map(str::to_owned);
    let dst = s("dst").expect("dst");
    let dst = match (dst.as_str(), family) {
        ("default", Family::V4) => "0.0.0.0/0".to_owned(),
        ("default", Family::V6) => "::/0".to_owned(),
        (d, _) if d.contains('/') => d.to_owned(),
        (d, Family::V4) => format!("{d}/32"),
        (d, Family::V6) => format!("{d}/128"),
    };
    let hops = r["nexthops"].as_array().map_or_else(String::new, |list| {
        list.iter()
            .map(|h| {
                format!(
                    "{}@{}*{}",
                    h["gateway"].as_str().unwrap_or("-"),
                    h["dev"].as_str().unwrap_or("-"),
                    h["weight"].as_u64().unwrap_or(1)
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    });
    format!(
        "{} t{} {} {dst} tos={} dev={} gw={} metric={} src={} nhid={} hops=[{hops}]",
        family.name(),
        table_id(r["table"].as_str()),
        s("type").unwrap_or_else(|| "unicast".into()),
        s("tos").unwrap_or_else(|| "0".into()),
        s("dev").unwrap_or_default(),
        s("gateway").unwrap_or_default(),
        r["metric"].as_u64().unwrap_or(0),
        s("prefsrc").unwrap_or_default(),
        r["nhid"].as_u64().unwrap_or(0),
    )
}

/// One route as a comparable line, from routescope's model.
fn our_route_key(state: &State, r: &Route) -> String {
    let multi = matches!(r.hops, Hop::Multi(_));
    let hops = if multi {
        r.hops
            .as_slice()
            .iter()
            .map(|h| {
                format!(
                    "{}@{}*{}",
                    h.gateway.map_or("-".into(), |g| g.to_string()),
                    state.link_name(h.dev),
                    h.weight
                )
            })
            .collect::<Vec<_>>()
            .join(",")
    } else {
        String::new()
    };
    let tos = if r.tos == 0 {
        "0".to_owned()
    } else {
        format!("{:#x}", r.tos)
    };
    format!(
        "{} t{} {} {} tos={tos} dev={} gw={} metric={} src={} nhid={} hops=[{hops}]",
        r.family().name(),
        r.table,
        r.kind.name(),
        r.dst,
        if multi || r.dev() == 0 {
            String::new()
        } else {
            state.link_name(r.dev())
        },
        if multi {
            String::new()
        } else {
            r.gateway().map(|g| g.to_string()).unwrap_or_default()
        },
        r.metric,
        r.prefsrc.map(|p| p.to_string()).unwrap_or_default(),
        r.nhid,
    )
}

/// Asserts the routes of every table equal `ip route show table all`.
fn assert_routes_match(ns: &TestNetns, state: &State) {
    let mut theirs: Vec<String> = Vec::new();
    for (family, flag) in [(Family::V4, "-4"), (Family::V6, "-6")] {
        for r in ns
            .json(&format!("{flag} route show table all"))
            .as_array()
            .expect("array")
        {
            theirs.push(ip_route_key(family, r));
        }
    }
    let mut ours: Vec<String> = state.routes().map(|r| our_route_key(state, &r)).collect();
    theirs.sort();
    ours.sort();
    assert_eq!(
        ours.join("\n"),
        theirs.join("\n"),
        "routes differ from `ip route show table all`"
    );
}

/// Asserts the rules read exactly as `ip rule` prints them.
fn assert_rules_match(ns: &TestNetns, state: &State) {
    for (family, flag) in [(Family::V4, "-4"), (Family::V6, "-6")] {
        let theirs: Vec<String> = ns
            .ip(&format!("{flag} rule show"))
            .lines()
            .map(|l| l.replace(":\t", ": ").trim().to_owned())
            .collect();
        let ours: Vec<String> = state
            .rules_of(family)
            .map(|r| {
                format!(
                    "{}: {}",
                    r.priority,
                    r.selector_text(&state.table_names.name(r.table))
                )
            })
            .collect();
        assert_eq!(
            ours,
            theirs,
            "{} rules differ from `ip rule`",
            family.name()
        );
    }
}

/// Asserts addresses (in kernel order) and links equal `ip addr`.
fn assert_addresses_match(ns: &TestNetns, state: &State) {
    for link in ns.json("addr show").as_array().expect("array") {
        let index = u32::try_from(link["ifindex"].as_u64().expect("ifindex")).expect("u32");
        let theirs: Vec<String> = link["addr_info"]
            .as_array()
            .expect("addr_info")
            .iter()
            .map(|a| {
                format!(
                    "{} {}/{} {} {}",
                    a["family"].as_str().unwrap(),
                    a["local"].as_str().unwrap(),
                    a["prefixlen"],
                    a["scope"].as_str().unwrap(),
                    a["secondary"].as_bool().unwrap_or(false)
                )
            })
            .collect();
        let ours: Vec<String> = [Family::V4, Family::V6]
            .into_iter()
            .flat_map(|f| state.addresses_of(index, f))
            .map(|a| {
                format!(
                    "{} {}/{} {} {}",
                    a.family().name(),
                    a.local,
                    a.prefix_len,
                    a.scope.name(),
                    a.is_secondary()
                )
            })
            .collect();
        assert_eq!(
            ours, theirs,
            "addresses of {} differ from `ip addr`",
            link["ifname"]
        );
        let ours_link = state.link(index).expect("link known");
        assert_eq!(ours_link.name.to_str(), link["ifname"].as_str());
        assert_eq!(u64::from(ours_link.mtu), link["mtu"].as_u64().unwrap());
        assert_eq!(Some(ours_link.operstate.name()), link["operstate"].as_str());
        let their_flags: Vec<&str> = link["flags"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for flag in ours_link.flags.names() {
            assert!(
                their_flags.contains(&flag),
                "{}: flag {flag} not in {their_flags:?}",
                ours_link.name
            );
        }
        let master = ours_link.master.map(|m| state.link_name(m));
        let their_master = ns.json(&format!("link show {}", ours_link.name))[0]["master"]
            .as_str()
            .map(str::to_owned);
        assert_eq!(master, their_master, "master of {}", ours_link.name);
    }
}

/// Asserts the nexthop objects equal `ip nexthop`.
fn assert_nexthops_match(ns: &TestNetns, state: &State) {
    let theirs: BTreeMap<u64, String> = ns
        .json("nexthop show")
        .as_array()
        .expect("array")
        .iter()
        .map(|n| {
            let group: Vec<String> = n["group"].as_array().map_or_else(Vec::new, |g| {
                g.iter()
                    .map(|m| format!("{}x{}", m["id"], m["weight"].as_u64().unwrap_or(1)))
                    .collect()
            });
            let text = format!(
                "{} {} {}",
                n["gateway"].as_str().unwrap_or("-"),
                n["dev"].as_str().unwrap_or("-"),
                group.join("/")
            );
            (n["id"].as_u64().unwrap(), text)
        })
        .collect();
    let ours: BTreeMap<u64, String> = state
        .nexthops
        .values()
        .map(|n| {
            let group: Vec<String> = n
                .group
                .iter()
                .map(|m| format!("{}x{}", m.id, m.weight))
                .collect();
            let dev = n.dev.map_or("-".to_owned(), |d| state.link_name(d));
            let text = format!(
                "{} {dev} {}",
                n.gateway.map_or("-".into(), |g| g.to_string()),
                group.join("/")
            );
            (u64::from(n.id), text)
        })
        .collect();
    assert_eq!(ours, theirs, "nexthops differ from `ip nexthop`");
}

#[test]
fn dump_equals_what_iproute2_reports() {
    let Some(ns) = TestNetns::new("dump") else {
        return;
    };
    rich_config(&ns);
    let state = runtime()
        .block_on(net::dump_state(&ns.netns()))
        .expect("dump");
    assert!(
        state.table(Family::V4, 4_000_000_000).is_some(),
        "table ids above 255 are kept"
    );
    assert!(state.routes().any(|r| r.kind == RouteKind::Throw));
    assert_eq!(
        state.ipv4_tables_merged,
        Some(false),
        "rules were added, so the tables are split"
    );
    assert_routes_match(&ns, &state);
    assert_rules_match(&ns, &state);
    assert_addresses_match(&ns, &state);
    assert_nexthops_match(&ns, &state);
}

#[test]
fn a_fresh_namespace_keeps_local_and_main_merged() {
    let Some(ns) = TestNetns::new("merged") else {
        return;
    };
    let state = runtime()
        .block_on(net::dump_state(&ns.netns()))
        .expect("dump");
    assert_eq!(state.ipv4_tables_merged, Some(true));
    ns.ip("rule add pref 100 lookup 100");
    ns.ip("rule del pref 100");
    let state = runtime()
        .block_on(net::dump_state(&ns.netns()))
        .expect("dump");
    assert_eq!(
        state.ipv4_tables_merged,
        Some(false),
        "one rule change splits them for good"
    );
}

/// The state as text with neighbours sorted (their order in the kernel's hash is not meaningful).
fn normalized(state: &State) -> String {
    let mut state = state.clone();
    state.neighbours.sort_by_key(|n| (n.index, n.dst));
    let mut out = Vec::new();
    text::write_state(&state, &mut out).expect("write");
    format!(
        "{}\n{:?}\n{:?}",
        String::from_utf8(out).expect("utf8"),
        state.sysctls,
        state.ipv4_tables_merged
    )
}

/// Asserts two renderings are equal, showing only the lines that differ.
fn assert_same(ours: &str, fresh: &str, what: &str) {
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), fresh.lines().collect());
    let only_ours: Vec<&str> = a.iter().filter(|l| !b.contains(l)).copied().collect();
    let only_fresh: Vec<&str> = b.iter().filter(|l| !a.contains(l)).copied().collect();
    assert!(
        ours == fresh,
        "{what}\nonly in routescope's state:\n  {}\nonly in the fresh dump:\n  {}\n(or the same lines in another order)",
        only_ours.join("\n  "),
        only_fresh.join("\n  ")
    );
}

/// Applies feed events until none comes for `quiet`; returns how many resyncs were reported.
async fn drain(rx: &mut mpsc::Receiver<FeedEvent>, state: &mut State, quiet: Duration) -> usize {
    let mut resyncs = 0;
    while let Ok(Some(event)) = tokio::time::timeout(quiet, rx.recv()).await {
        if matches!(event, FeedEvent::Resync { .. }) {
            resyncs += 1;
        }
        net::apply(state, event);
    }
    resyncs
}

/// Random but reproducible changes of every kind, including the ones the kernel does not announce.
fn churn_lines(seed: u64, count: usize) -> Vec<String> {
    let mut x = seed;
    let mut next = move |n: u64| {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (x >> 33) % n
    };
    let mut lines = Vec::new();
    for i in 0..count {
        let table = ["main", "100", "1000", "5000000"][usize::try_from(next(4)).unwrap()];
        let net = format!("30.{}.{}.0/24", next(4), next(8));
        let line = match if i % 60 == 30 {
            98
        } else if i % 60 == 31 {
            99
        } else {
            next(13)
        } {
            0..=3 => format!("route add {net} via 10.1.0.1 dev e0 table {table}"),
            4 => format!(
                "route add {net} via 10.2.0.1 dev e1 table {table} metric {}",
                next(3)
            ),
            5 => format!("route del {net} table {table}"),
            6 => format!("route replace {net} dev e1 table {table}"),
            7 => format!("rule add pref {} to {net} lookup {table}", 100 + next(50)),
            8 => format!("rule del pref {}", 100 + next(50)),
            9 => format!("addr add 10.1.0.{}/24 dev e0", 10 + next(20)),
            10 => format!("addr del 10.1.0.{}/24 dev e0", 10 + next(20)),
            11 => format!(
                "link set e{} {}",
                next(2),
                if next(2) == 0 { "down" } else { "up" }
            ),
            12 => format!(
                "-6 route add 2001:db8:{:x}::/64 via 2001:db8:1::1 dev e0 table {table}",
                next(16)
            ),
            98 => "link del e1".to_owned(),
            _ => "link add e1 type veth peer name e1p".to_owned(),
        };
        lines.push(line);
        if lines.last().is_some_and(|l| l.starts_with("link add e1")) {
            lines.push("link set e1 up".into());
            lines.push("link set e1p up".into());
            lines.push("addr add 10.2.0.2/16 dev e1".into());
            lines.push("-6 addr add 2001:db8:2::2/64 dev e1 nodad".into());
        }
    }
    // the primary address goes, taking its routes silently with it
    lines.push("addr del 10.1.0.2/24 dev e0".into());
    lines
}

#[test]
fn the_feed_stays_equal_to_a_fresh_dump_under_churn() {
    let Some(ns) = TestNetns::new("churn") else {
        return;
    };
    rich_config(&ns);
    ns.sysctl("net.ipv4.conf.all.promote_secondaries=1");
    let rt = runtime();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1024);
        let netns = ns.netns();
        let feed =
            tokio::spawn(async move { net::watch(&netns, FeedOptions::default(), tx).await });
        let mut state = State::default();
        drain(&mut rx, &mut state, Duration::from_millis(500)).await;
        assert!(
            state.route_count() > 10,
            "the feed starts with the dumped state"
        );
        for chunk in churn_lines(7, 240).chunks(12) {
            ns.batch(chunk);
            drain(&mut rx, &mut state, Duration::from_millis(5)).await;
        }
        drain(&mut rx, &mut state, Duration::from_millis(800)).await;
        let fresh = net::dump_state(&ns.netns()).await.expect("dump");
        assert_same(
            &normalized(&state),
            &normalized(&fresh),
            "the followed state drifted from the kernel",
        );
        drop(rx);
        feed.await.expect("feed task").expect("feed ends cleanly");
    });
}

#[test]
fn an_overrun_socket_resyncs_to_the_kernel_state() {
    let Some(ns) = TestNetns::new("enobufs") else {
        return;
    };
    ns.ip("link add e0 type veth peer name e0p");
    ns.ip("link set e0 up");
    ns.ip("link set e0p up");
    ns.ip("addr add 10.1.0.2/16 dev e0");
    let rt = runtime();
    rt.block_on(async {
        let (tx, mut rx) = mpsc::channel(1024);
        let netns = ns.netns();
        let options = FeedOptions {
            receive_buffer: 4096,
            delay_listening: Some(Duration::from_millis(1500)),
            ..FeedOptions::default()
        };
        let feed = tokio::spawn(async move { net::watch(&netns, options, tx).await });
        let mut state = State::default();
        drain(&mut rx, &mut state, Duration::from_millis(300)).await;
        let burst: Vec<String> = (0..2000)
            .map(|i| {
                format!(
                    "route add 40.{}.{}.0/24 via 10.1.0.1 dev e0",
                    i / 256,
                    i % 256
                )
            })
            .collect();
        ns.batch(&burst);
        let resyncs = drain(&mut rx, &mut state, Duration::from_millis(2500)).await;
        assert!(
            resyncs >= 1,
            "a 4 KiB buffer and 2000 unread notifications must overrun"
        );
        let fresh = net::dump_state(&ns.netns()).await.expect("dump");
        assert_eq!(state.route_count(), fresh.route_count());
        assert_same(
            &normalized(&state),
            &normalized(&fresh),
            "the state after the overrun differs",
        );
        drop(rx);
        feed.await.expect("feed task").expect("feed ends cleanly");
    });
}

#[test]
fn unknown_namespaces_get_a_clear_error() {
    let err = net::Target::Named("rs-no-such-namespace".into())
        .open()
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("no network namespace named 'rs-no-such-namespace'"),
        "{text}"
    );
}

/// Applies feed events until the state equals a fresh dump (checked after each event), or fails
/// with the difference after `limit`.
async fn follow_until_equal(
    ns: &TestNetns,
    rx: &mut mpsc::Receiver<FeedEvent>,
    state: &mut State,
    limit: Duration,
) {
    let give_up = tokio::time::Instant::now() + limit;
    loop {
        let fresh = net::dump_state(&ns.netns()).await.expect("dump");
        if normalized(state) == normalized(&fresh) {
            return;
        }
        let Ok(Some(event)) = tokio::time::timeout_at(give_up, rx.recv()).await else {
            return assert_same(
                &normalized(state),
                &normalized(&fresh),
                "the followed state never matched the kernel",
            );
        };
        net::apply(state, event);
    }
}

/// Multipath routes as notifications describe them: IPv6 announces an appended nexthop with the
/// whole set (new one first) and a deleted one alone; IPv4 keeps a multipath route beside the
/// single routes of its slot.
#[test]
fn multipath_appends_and_single_nexthop_deletions_follow_the_kernel() {
    let Some(ns) = TestNetns::new("multipath") else {
        return;
    };
    rich_config(&ns);
    runtime().block_on(async {
        let (tx, mut rx) = mpsc::channel(1024);
        let netns = ns.netns();
        let feed =
            tokio::spawn(async move { net::watch(&netns, FeedOptions::default(), tx).await });
        let mut state = State::default();
        follow_until_equal(&ns, &mut rx, &mut state, Duration::from_secs(5)).await;
        for step in [
            "-6 route add 2001:db8:9::/64 via 2001:db8:1::1 dev e0",
            "-6 route append 2001:db8:9::/64 via 2001:db8:2::1 dev e1",
            "-6 route append 2001:db8:9::/64 via 2001:db8:1::3 dev e0",
            "-6 route del 2001:db8:9::/64 via 2001:db8:1::1 dev e0",
            "-6 route del 2001:db8:7::/64 table 200 via 2001:db8:2::1 dev e1",
            "route add 30.0.0.0/8 via 10.1.0.1 dev e0",
            "route append 30.0.0.0/8 nexthop via 10.1.0.1 dev e0 nexthop via 10.2.0.1 dev e1",
            "route append 30.0.0.0/8 via 10.2.0.1 dev e1",
            "route del 30.0.0.0/8 via 10.2.0.1 dev e1",
            "route append default via 10.2.0.1 dev e1",
            "route del default via 10.1.0.1 dev e0",
        ] {
            ns.ip(step);
            follow_until_equal(&ns, &mut rx, &mut state, Duration::from_secs(5)).await;
        }
        drop(rx);
        feed.await.expect("feed task").expect("feed ends cleanly");
    });
}
