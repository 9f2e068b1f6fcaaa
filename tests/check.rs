//! `routescope check` against the kernel: each misconfiguration is built in a namespace, found,
//! shown by the kernel where there is an evidence query, fixed with the finding's own commands,
//! and gone; a clean namespace and the teaching scenarios raise nothing unintended.

mod common;

use common::TestNetns;
use routescope::analysis::{self, Finding, Severity, Subject};
use routescope::lookup::Query;
use routescope::model::{Answer, Outcome, RouteKind, State};
use routescope::net::{self, RouteGetRequest};

/// A veth pair `eth0`/`eth0p` with 198.51.100.2/24 and a default route via .1.
const UPLINK: &[&str] = &[
    "link add eth0 type veth peer name eth0p",
    "link set eth0 up",
    "link set eth0p up",
    "addr add 198.51.100.2/24 dev eth0",
    "route add default via 198.51.100.1 dev eth0",
];

/// Runs `ip …` and `sysctl …` lines (and finding fixes) in the namespace.
fn run(ns: &TestNetns, line: &str) {
    if let Some(setting) = line
        .strip_prefix("sysctl -w ")
        .or_else(|| line.strip_prefix("sysctl "))
    {
        ns.sysctl(setting);
    } else {
        ns.ip(line.strip_prefix("ip ").unwrap_or(line));
    }
}

fn dump(ns: &TestNetns) -> State {
    common::runtime()
        .block_on(net::dump_state(&ns.netns()))
        .expect("dump")
}

fn with_id(state: &State, id: &str) -> Vec<Finding> {
    analysis::check(state)
        .into_iter()
        .filter(|f| f.id == id)
        .collect()
}

/// Builds `setup`, expects a finding `id` whose subjects pass `about`, asks the kernel the
/// evidence query (which `kernel` must accept), applies the fixes and expects the finding gone.
fn case(
    tag: &str,
    setup: &[&str],
    id: &str,
    about: impl Fn(&[Subject]) -> bool,
    kernel: Option<fn(&Answer) -> bool>,
) {
    let Some(ns) = TestNetns::new(tag) else {
        return;
    };
    for line in setup {
        run(&ns, line);
    }
    let state = dump(&ns);
    let found = with_id(&state, id);
    let hit = found
        .iter()
        .find(|f| about(&f.subjects))
        .unwrap_or_else(|| panic!("{id} not found with the expected subjects: {found:#?}"));
    if let Some(accepts) = kernel {
        let words = hit.evidence.as_deref().expect("an evidence query");
        let query =
            Query::parse(&words.split_whitespace().collect::<Vec<_>>()).expect("evidence parses");
        let answer = common::runtime()
            .block_on(net::route_get(
                &ns.netns(),
                RouteGetRequest::for_query(&state, &query),
            ))
            .expect("route get");
        assert!(
            accepts(&answer),
            "{id}: the kernel answers {answer:?} to {words}"
        );
    }
    for f in &found {
        for cmd in &f.fix {
            run(&ns, cmd);
        }
    }
    let after = with_id(&dump(&ns), id);
    assert!(after.is_empty(), "{id} after the fix: {after:#?}");
}

fn lines(parts: &[&[&str]]) -> Vec<&'static str> {
    parts
        .iter()
        .flat_map(|p| p.iter())
        .map(|s| &*Box::leak(s.to_string().into_boxed_str()))
        .collect()
}

fn rule_at(subjects: &[Subject], n: usize, prio: u32) -> bool {
    matches!(subjects.get(n), Some(Subject::Rule(r)) if r.priority == prio)
}

fn route_in(subjects: &[Subject], table: u32) -> bool {
    subjects
        .iter()
        .any(|s| matches!(s, Subject::Route(r) if r.table == table))
}

#[test]
fn equal_defaults() {
    let setup = routescope::scenario::find("alias-gateways").expect("scenario");
    let setup: Vec<&str> = setup.setup.iter().map(String::as_str).collect();
    case(
        "eqdef",
        &setup,
        "equal-defaults",
        |s| s.len() == 2 && route_in(s, 254),
        Some(|a| {
            let g = a.gateway.map(|g| g.to_string());
            matches!(g.as_deref(), Some("198.51.100.1" | "203.0.113.1"))
        }),
    );
}

#[test]
fn lo_netmask() {
    case(
        "lomask",
        &lines(&[
            UPLINK,
            &[
                "addr add 127.0.0.1/16 dev lo",
                "addr del 127.0.0.1/8 dev lo",
            ],
        ]),
        "lo-netmask",
        |s| matches!(s.first(), Some(Subject::Address(a)) if a.prefix_len == 16),
        Some(|a| a.outcome == Outcome::Route(RouteKind::Unicast)),
    );
}

#[test]
fn lo_wide_prefix() {
    case(
        "lowide",
        &["addr add 10.99.0.1/24 dev lo"],
        "lo-wide-prefix",
        |s| matches!(s.first(), Some(Subject::Address(a)) if a.prefix_len == 24),
        Some(|a| a.outcome == Outcome::Route(RouteKind::Local)),
    );
}

#[test]
fn rp_filter_drop() {
    case(
        "rpf",
        &lines(&[
            UPLINK,
            &[
                "link add eth1 type veth peer name eth1p",
                "link set eth1 up",
                "link set eth1p up",
                "addr add 203.0.113.2/24 dev eth1",
                "route add default via 203.0.113.1 dev eth1 table 200",
                "rule add pref 100 fwmark 0x2 lookup 200",
                "sysctl net.ipv4.conf.all.rp_filter=0",
                "sysctl net.ipv4.conf.eth1.rp_filter=1",
            ],
        ]),
        "rp-filter-drop",
        |s| matches!(s.first(), Some(Subject::Link(_))) && route_in(s, 200),
        Some(|a| !a.outcome.is_ok()),
    );
}

#[test]
fn mark_without_src_valid_mark() {
    case(
        "svm",
        &lines(&[
            UPLINK,
            &[
                "route add default via 198.51.100.1 dev eth0 table 200",
                "rule add pref 100 fwmark 0x2 lookup 200",
                "sysctl net.ipv4.conf.all.rp_filter=2",
            ],
        ]),
        "mark-without-src-valid-mark",
        |s| rule_at(s, 0, 100) && s.iter().any(|x| matches!(x, Subject::Link(_))),
        None,
    );
}

#[test]
fn table_without_rule() {
    case(
        "notbl",
        &lines(&[UPLINK, &["route add default via 198.51.100.1 table 300"]]),
        "table-without-rule",
        |s| route_in(s, 300),
        None,
    );
}

#[test]
fn rule_to_empty_table() {
    case(
        "empty",
        &["rule add pref 200 lookup 400"],
        "rule-to-empty-table",
        |s| rule_at(s, 0, 200),
        None,
    );
}

#[test]
fn rule_unreachable() {
    case(
        "unreach",
        &lines(&[
            UPLINK,
            &[
                "route add default via 198.51.100.1 table 300",
                "rule add pref 100 to 10.0.0.0/8 prohibit",
                "rule add pref 200 to 10.1.0.0/16 lookup 300",
            ],
        ]),
        "rule-unreachable",
        |s| rule_at(s, 0, 200) && rule_at(s, 1, 100),
        Some(|a| a.outcome.errno() == Some(routescope::model::Errno::Eacces)),
    );
}

#[test]
fn duplicate_rule() {
    case(
        "dup",
        &lines(&[
            UPLINK,
            &[
                "route add default via 198.51.100.1 table 100",
                "rule add pref 300 fwmark 0x7 lookup 100",
                "rule add pref 301 fwmark 0x7 lookup 100",
                "rule add pref 310 fwmark 0x8 lookup 100",
                "rule add pref 310 fwmark 0x9 lookup 100",
            ],
        ]),
        "duplicate-rule",
        |s| rule_at(s, 0, 301) && rule_at(s, 1, 300),
        None,
    );
}

#[test]
fn policy_table_missing_connected() {
    case(
        "conn",
        &lines(&[
            UPLINK,
            &[
                "route add default via 198.51.100.1 dev eth0 table 100",
                "rule add pref 100 from 198.51.100.2 lookup 100",
            ],
        ]),
        "policy-table-missing-connected",
        |s| route_in(s, 100),
        Some(|a| a.table == Some(100) && a.gateway.is_some()),
    );
}

#[test]
fn default_rule_missing() {
    case(
        "norule",
        &["rule del pref 0"],
        "default-rule-missing",
        <[Subject]>::is_empty,
        Some(|a| a.outcome != Outcome::Route(RouteKind::Local)),
    );
}

#[test]
fn rule_detached_device() {
    case(
        "detach",
        &lines(&[
            UPLINK,
            &[
                "route add default via 198.51.100.1 table 100",
                "rule add pref 500 iif nosuch0 lookup 100",
            ],
        ]),
        "rule-detached-device",
        |s| rule_at(s, 0, 500),
        None,
    );
}

#[test]
fn dead_nexthop() {
    case(
        "dead",
        &lines(&[
            UPLINK,
            &[
                "route add 10.9.0.0/24 via 198.51.100.1 dev eth0",
                "link set eth0p down",
            ],
        ]),
        "dead-nexthop",
        |s| {
            s.iter()
                .any(|x| matches!(x, Subject::Route(r) if r.dst.to_string() == "10.9.0.0/24"))
        },
        None,
    );
}

#[test]
fn ipv6_src_unusable() {
    case(
        "v6src",
        &[
            "link add eth0 type veth peer name eth0p",
            "link set eth0 up",
            "link set eth0p up",
            "-6 addr add 2001:db8:1::2/64 dev eth0 nodad preferred_lft 0",
            "-6 route add 2001:db8:9::/64 via 2001:db8:1::1 dev eth0 src 2001:db8:1::2",
        ],
        "ipv6-src-unusable",
        |s| matches!(s.first(), Some(Subject::Address(a)) if a.local.to_string() == "2001:db8:1::2"),
        Some(|a| a.src.is_none_or(|s| s.to_string() == "2001:db8:1::2")),
    );
}

/// The warnings and errors of a state, by id.
fn problems(state: &State) -> Vec<&'static str> {
    analysis::check(state)
        .iter()
        .filter(|f| f.severity <= Severity::Warning)
        .map(|f| f.id)
        .collect()
}

#[test]
fn clean_namespace_and_scenarios_raise_only_what_they_teach() {
    let Some(clean) = TestNetns::new("clean") else {
        return;
    };
    assert_eq!(problems(&dump(&clean)), Vec::<&str>::new());
    for scenario in routescope::scenario::all() {
        let Some(ns) = TestNetns::new("scen") else {
            return;
        };
        routescope::scenario::apply_setup(&ns.name, &scenario).expect("scenario builds");
        let found = problems(&dump(&ns));
        // the two scenarios that teach a misconfiguration must show it; the others are clean
        let (must, may): (&[&str], &[&str]) = match scenario.name.as_str() {
            "alias-gateways" => (&["equal-defaults"], &[]),
            "lo-slash16" => (&["lo-netmask"], &[]),
            _ => (&[], &[]),
        };
        for id in must {
            assert!(
                found.contains(id),
                "{}: {id} missing from {found:?}",
                scenario.name
            );
        }
        let unexpected: Vec<_> = found
            .iter()
            .filter(|id| !must.contains(id) && !may.contains(id))
            .collect();
        assert!(unexpected.is_empty(), "{}: {unexpected:?}", scenario.name);
    }
}
