//! What the generator builds, counted per configuration: the check that one CI seed still
//! covers every feature the differential is meant to verify.

use super::{Config, Rng, Step};

/// A feature and the test on a configuration's script lines and query words that finds it.
type Probe = (&'static str, fn(&[String], &[String]) -> bool);

/// Whether some script line contains every one of `words`.
fn line_has(lines: &[String], words: &[&str]) -> bool {
    lines.iter().any(|l| words.iter().all(|w| l.contains(w)))
}

/// Whether some query starts with a destination for which `dst` holds and has every `words`.
fn query_has(queries: &[String], dst: fn(&str) -> bool, words: &[&str]) -> bool {
    queries.iter().any(|q| {
        q.split_whitespace().next().is_some_and(dst) && words.iter().all(|w| q.contains(w))
    })
}

/// The features counted, in the order they are printed.
const PROBES: &[Probe] = &[
    ("nexthop object", |l, _| {
        line_has(l, &["nexthop add id", "via"])
    }),
    ("blackhole nexthop", |l, _| {
        line_has(l, &["nexthop add", "blackhole"])
    }),
    ("nexthop group with weights", |l, _| {
        line_has(l, &["group 1,3/2,1"])
    }),
    ("resilient group", |l, _| line_has(l, &["type resilient"])),
    ("route nhid", |l, _| line_has(l, &["route", "nhid"])),
    ("nexthop deleted", |l, _| line_has(l, &["nexthop del"])),
    ("compat_mode=0", |l, _| {
        line_has(l, &["nexthop_compat_mode=0"])
    }),
    ("compat_mode=1", |l, _| {
        line_has(l, &["nexthop_compat_mode=1"])
    }),
    ("IPv4 via IPv6 gateway", |l, _| line_has(l, &["via inet6"])),
    ("noprefixroute", |l, _| line_has(l, &["noprefixroute"])),
    ("scope link address", |l, _| {
        line_has(l, &["addr add", "scope link"])
    }),
    ("scope site address", |l, _| {
        line_has(l, &["addr add", "scope site"])
    }),
    ("onlink nexthop", |l, _| {
        line_has(l, &["nexthop add", "onlink"])
    }),
    ("address after nexthops", |l, _| {
        line_has(l, &["addr add 10.", ".4.9/24"])
    }),
    ("deprecated address", |l, _| {
        line_has(l, &["preferred_lft 0"])
    }),
    ("tentative address", |l, _| {
        l.iter()
            .any(|x| x.contains("-6 addr add") && !x.contains("nodad"))
    }),
    ("ULA address", |l, _| line_has(l, &["addr add fd00:"])),
    ("6to4 address", |l, _| line_has(l, &["addr add 2002:"])),
    ("explicit index", |l, _| line_has(l, &["link add", "index"])),
    ("moved-in device", |l, _| line_has(l, &["netns"])),
    ("macvlan", |l, _| line_has(l, &["type macvlan"])),
    ("bridge", |l, _| line_has(l, &["type bridge"])),
    ("neighbour permanent", |l, _| {
        line_has(l, &["nud permanent"])
    }),
    ("neighbour reachable", |l, _| {
        line_has(l, &["nud reachable"])
    }),
    ("neighbour stale", |l, _| line_has(l, &["nud stale"])),
    ("neighbour failed", |l, _| line_has(l, &["nud failed"])),
    ("neighbour noarp", |l, _| line_has(l, &["nud noarp"])),
    ("neighbour incomplete", |l, _| {
        line_has(l, &["nud incomplete"])
    }),
    ("neighbour delay", |l, _| line_has(l, &["nud delay"])),
    ("neighbour probe", |l, _| line_has(l, &["nud probe"])),
    ("veth without carrier", |l, _| {
        l.iter().filter(|x| x.contains("type veth peer")).count()
            > l.iter().filter(|x| x.ends_with("p up")).count()
    }),
    ("secondary address", |l, _| {
        line_has(l, &["addr add 10.", ".0.3/"])
    }),
    ("IPv6 pref", |l, _| line_has(l, &["-6 route", " pref "])),
    ("IPv6 source route", |l, _| {
        line_has(l, &["-6 route", " from "])
    }),
    ("anycast route", |l, _| line_has(l, &["route add anycast"])),
    ("realm", |l, _| line_has(l, &[" realm"])),
    ("per-device forwarding", |l, _| {
        l.iter()
            .any(|x| x.contains(".forwarding=") && !x.contains(".all."))
    }),
    ("rp_filter", |l, _| line_has(l, &["rp_filter="])),
    ("route_localnet", |l, _| line_has(l, &["route_localnet"])),
    ("accept_local", |l, _| line_has(l, &["accept_local"])),
    ("send_redirects", |l, _| line_has(l, &["send_redirects"])),
    ("bc_forwarding", |l, _| line_has(l, &["bc_forwarding"])),
    ("IPv6 rule", |l, _| line_has(l, &["-6 rule add"])),
    ("rule dscp", |l, _| line_has(l, &["rule add", "dscp"])),
    ("rule flowlabel", |l, _| {
        line_has(l, &["rule add", "flowlabel"])
    }),
    ("rule port mask", |l, _| {
        line_has(l, &["rule add", "port 0x"])
    }),
    ("rule l3mdev", |l, _| line_has(l, &["rule add", "l3mdev"])),
    ("rule tun_id", |l, _| line_has(l, &["rule add", "tun_id"])),
    ("rule as raw netlink", |l, _| line_has(l, &["raw netlink"])),
    ("lo left down", |l, _| !line_has(l, &["link set lo up"])),
    ("lo set down at the end", |l, _| {
        line_has(l, &["link set lo down"])
    }),
    ("lo down at the end with an address on lo", |l, _| {
        line_has(l, &["link set lo down"]) && line_has(l, &["addr add", "dev lo"])
    }),
    ("lo down at the end, IPv6 keeping addresses", |l, _| {
        line_has(l, &["link set lo down"]) && line_has(l, &["keep_addr_on_down=1"])
    }),
    ("device down after its routes", |l, _| {
        l.iter()
            .any(|x| x.starts_with("link set ") && x.ends_with(" down") && x != "link set lo down")
    }),
    ("127.0.0.1 asked with lo down at the end, iif", |l, q| {
        line_has(l, &["link set lo down"]) && query_has(q, |d| d == "127.0.0.1", &[" iif "])
    }),
    ("new namespace (lo down, nothing added)", |l, _| {
        !line_has(l, &["link set lo up"])
            && !line_has(l, &["addr add"])
            && !line_has(l, &["route add"])
            && !line_has(l, &["link add"])
    }),
    ("127.0.0.1 asked with lo down, iif", |l, q| {
        !line_has(l, &["link set lo up"]) && query_has(q, |d| d == "127.0.0.1", &[" iif "])
    }),
    ("IPv6 query from", |_, q| query_has(q, is_v6, &[" from "])),
    ("IPv6 query iif", |_, q| query_has(q, is_v6, &[" iif "])),
    ("IPv6 query oif", |_, q| query_has(q, is_v6, &[" oif "])),
    ("link-local query with oif", |_, q| {
        query_has(q, |d| d.starts_with("fe80"), &[" oif "])
    }),
    ("multicast query", |_, q| {
        query_has(
            q,
            |d| d.starts_with("ff") || d.starts_with("22") || d.starts_with("239"),
            &[],
        )
    }),
    ("anycast query", |_, q| {
        query_has(q, |d| d.ends_with("::") || d.ends_with("::aa"), &[])
    }),
    ("IPv4 tos query", |_, q| {
        query_has(q, |d| !is_v6(d), &[" tos "])
    }),
    ("IPv6 tos query", |_, q| query_has(q, is_v6, &[" tos "])),
];

/// Whether a destination is IPv6.
fn is_v6(dst: &str) -> bool {
    dst.contains(':')
}

/// The script lines of a configuration as one text each (netlink rules marked).
fn lines(c: &Config) -> Vec<String> {
    c.steps
        .iter()
        .map(|s| match s {
            Step::Ip(l) | Step::Sysctl(l) | Step::Helper(l) => l.clone(),
            Step::Netlink(r) => format!("{} raw netlink", r.line()),
        })
        .collect()
}

/// For each feature, in how many of `configs` configurations of `seed` it appears.
pub fn count(seed: u64, configs: usize, queries: usize) -> Vec<(&'static str, usize)> {
    let mut counts: Vec<(&'static str, usize)> = PROBES.iter().map(|(n, _)| (*n, 0)).collect();
    for index in 0..configs {
        let mut rng = Rng::new(seed.wrapping_add(index as u64 * 7919));
        let config = super::config(&mut rng);
        let asked: Vec<String> = super::queries(&mut rng, &config, queries)
            .iter()
            .map(|q| q.join(" "))
            .collect();
        let script = lines(&config);
        for (slot, (_, probe)) in counts.iter_mut().zip(PROBES) {
            slot.1 += usize::from(probe(&script, &asked));
        }
    }
    counts
}
