//! Random routing configurations and queries for the differential test against the kernel.
//!
//! Everything comes from one seeded generator, so a failing case is reproduced by its seed; each
//! configuration is a list of `ip -batch` lines plus sysctls, printed with any disagreement.

use std::fmt::Write;

use routescope::model::{Family, Selector, SelectorKind};
use strum::IntoEnumIterator;

/// A small deterministic generator (splitmix64): tests need reproducibility, not statistics.
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % n as u64).unwrap_or(0)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One generated configuration: what to run and what to ask about.
#[derive(Debug, Default)]
pub struct Config {
    /// `ip -batch` lines (errors are tolerated: the kernel's state is dumped afterwards).
    pub batch: Vec<String>,
    /// `key=value` sysctls set inside the namespace.
    pub sysctls: Vec<String>,
    /// Device names, lo first.
    pub devices: Vec<String>,
    /// IPv4 addresses configured on devices.
    pub v4_local: Vec<String>,
    /// IPv6 addresses configured on devices.
    pub v6_local: Vec<String>,
    /// Interesting IPv4 destinations (inside, at the edge of, and outside configured prefixes).
    pub v4_targets: Vec<String>,
    /// Interesting IPv6 destinations.
    pub v6_targets: Vec<String>,
}

impl Config {
    /// The configuration as a shell script that rebuilds it, for failure reports.
    pub fn script(&self, ns: &str) -> String {
        let mut out = format!("ip netns add {ns}\n");
        for s in &self.sysctls {
            let _ = writeln!(out, "ip netns exec {ns} sysctl -qw {s}");
        }
        for line in &self.batch {
            let _ = writeln!(out, "ip -n {ns} {line}");
        }
        out
    }
}

const TABLES: [&str; 5] = ["main", "100", "200", "1000", "4000000000"];
const TYPES: [&str; 7] = ["", "", "", "blackhole", "unreachable", "prohibit", "throw"];

/// A random configuration: veths, addresses, routes of every type in several tables, rules.
pub fn config(rng: &mut Rng) -> Config {
    let mut c = Config {
        devices: vec!["lo".into()],
        ..Config::default()
    };
    c.batch.push("link set lo up".into());
    let forwarding = rng.chance(50);
    c.sysctls
        .push(format!("net.ipv4.ip_forward={}", u8::from(forwarding)));
    c.sysctls.push(format!(
        "net.ipv6.conf.all.forwarding={}",
        u8::from(forwarding)
    ));
    if rng.chance(30) {
        c.sysctls
            .push(format!("net.ipv4.conf.all.rp_filter={}", rng.below(3)));
    }
    let ndev = 2 + rng.below(2);
    for d in 0..ndev {
        let dev = format!("e{d}");
        c.batch
            .push(format!("link add {dev} type veth peer name {dev}p"));
        c.batch.push(format!("link set {dev}p up"));
        if rng.chance(85) {
            c.batch.push(format!("link set {dev} up"));
        }
        let subnet = 10 + d;
        let naddr = 1 + rng.below(2);
        for a in 0..naddr {
            let host = 2 + a;
            let len = *rng.pick(&[24, 24, 16, 28]);
            c.batch
                .push(format!("addr add 10.{subnet}.0.{host}/{len} dev {dev}"));
            c.v4_local.push(format!("10.{subnet}.0.{host}"));
            c.v4_targets
                .push(format!("10.{subnet}.0.{}", 1 + rng.below(250)));
        }
        c.batch
            .push(format!("addr add 2001:db8:{subnet}::2/64 dev {dev} nodad"));
        c.v6_local.push(format!("2001:db8:{subnet}::2"));
        c.v6_targets
            .push(format!("2001:db8:{subnet}::{:x}", 1 + rng.below(500)));
        c.devices.push(dev);
    }
    if rng.chance(30) {
        c.batch.push("addr add 11.22.33.44/32 dev lo".into());
        c.v4_local.push("11.22.33.44".into());
    }
    for _ in 0..(4 + rng.below(10)) {
        route(rng, &mut c);
    }
    for _ in 0..rng.below(7) {
        rule(rng, &mut c);
    }
    for t in [
        "5.5.5.5",
        "127.0.0.2",
        "127.1.2.3",
        "192.0.2.1",
        "198.51.100.7",
        "10.99.1.1",
        "255.255.255.255",
        "224.0.0.5",
        "0.0.0.0",
    ] {
        c.v4_targets.push(t.into());
    }
    for t in ["2001:db8:99::1", "::1", "fe80::1", "2001:db8:77::5"] {
        c.v6_targets.push(t.into());
    }
    c
}

/// Adds one random route (IPv4 mostly, sometimes IPv6).
fn route(rng: &mut Rng, c: &mut Config) {
    let table = *rng.pick(&TABLES);
    let kind = *rng.pick(&TYPES);
    let dev = 1 + rng.below(c.devices.len() - 1);
    let subnet = 9 + dev;
    let metric = if rng.chance(40) {
        format!(" metric {}", rng.below(3) * 100)
    } else {
        String::new()
    };
    if rng.chance(25) {
        let dst = *rng.pick(&[
            "default",
            "2001:db8:77::/48",
            "2001:db8:77:1::/64",
            "2001:db8:99::/48",
        ]);
        let via = if kind.is_empty() {
            format!(" via 2001:db8:{subnet}::1 dev e{}", dev - 1)
        } else {
            String::new()
        };
        c.batch.push(format!(
            "-6 route add {kind} {dst}{via} table {table}{metric}"
        ));
        return;
    }
    let dst = match rng.below(6) {
        0 => "default".to_owned(),
        1 => format!("192.0.2.0/{}", 24 + rng.below(5)),
        2 => format!("198.51.{}.0/24", 99 + rng.below(3)),
        3 => format!("10.99.{}.0/{}", rng.below(3), 16 + rng.below(9)),
        4 => format!("5.5.{}.0/24", 5 + rng.below(2)),
        _ => format!("127.{}.0.0/16", rng.below(3)),
    };
    let tos = if rng.chance(10) { " tos 0x10" } else { "" };
    let nexthop = if !kind.is_empty() {
        String::new()
    } else if rng.chance(10) {
        format!(
            " nexthop via 10.{subnet}.0.1 dev e{} nexthop via 10.{}.0.1 dev e{}",
            dev - 1,
            10,
            0
        )
    } else if rng.chance(70) {
        format!(" via 10.{subnet}.0.1 dev e{}", dev - 1)
    } else {
        format!(" dev e{}", dev - 1)
    };
    let src = if kind.is_empty() && rng.chance(25) && !c.v4_local.is_empty() {
        format!(" src {}", rng.pick(&c.v4_local))
    } else {
        String::new()
    };
    c.batch.push(format!(
        "route add {kind} {dst}{tos}{nexthop} table {table}{metric}{src}"
    ));
    if let Some(base) = dst.split('/').next().filter(|d| *d != "default") {
        c.v4_targets.push(base.to_owned());
    }
}

/// How often (percent) a generated rule carries a selector of this kind.
fn selector_chance(kind: SelectorKind) -> u64 {
    match kind {
        SelectorKind::From | SelectorKind::To | SelectorKind::Fwmark => 22,
        SelectorKind::Iif => 20,
        SelectorKind::Oif | SelectorKind::IpProto | SelectorKind::Dport => 15,
        SelectorKind::Sport | SelectorKind::Uid => 10,
        SelectorKind::Tos => 8,
        SelectorKind::TunId => 3,
        SelectorKind::L3mdev
        | SelectorKind::Dscp
        | SelectorKind::Flowlabel
        | SelectorKind::Unknown => 0,
    }
}

/// Adds one random rule with random selectors and action, for IPv4 or IPv6.
fn rule(rng: &mut Rng, c: &mut Config) {
    let v6 = rng.chance(20);
    let mut words = vec![if v6 {
        "-6 rule add".to_owned()
    } else {
        "rule add".to_owned()
    }];
    words.push(format!("pref {}", 1 + rng.below(32000)));
    if rng.chance(10) {
        words.push("not".into());
    }
    let family = if v6 { Family::V6 } else { Family::V4 };
    let devices: Vec<&str> = c.devices.iter().map(String::as_str).collect();
    // every selector kind iproute2 can write, each drawn by its own definition
    for kind in SelectorKind::iter() {
        if !rng.chance(selector_chance(kind)) {
            continue;
        }
        let selector = Selector::sample(kind, family, &devices, &mut |n| rng.below(n));
        if selector.iproute2_writes() {
            words.push(selector.words());
        }
    }
    match rng.below(10) {
        0 => words.push("blackhole".into()),
        1 => words.push("unreachable".into()),
        2 => words.push("prohibit".into()),
        3 => words.push(format!("goto {}", 1 + rng.below(32000))),
        4 => words.push("nop".into()),
        5 => words.push(format!(
            "lookup main suppress_prefixlength {}",
            rng.below(2) * 8
        )),
        _ => words.push(format!("lookup {}", rng.pick(&TABLES))),
    }
    c.batch.push(words.join(" "));
}

/// A random query: destination, and sometimes from, iif, oif, mark, ipproto, ports, uid, tos.
pub fn query(rng: &mut Rng, c: &Config) -> Vec<String> {
    let v6 = rng.chance(20);
    let (targets, locals) = if v6 {
        (&c.v6_targets, &c.v6_local)
    } else {
        (&c.v4_targets, &c.v4_local)
    };
    let mut words = vec![rng.pick(targets).clone()];
    let input = rng.chance(25);
    if input {
        words.push("from".into());
        words.push(if rng.chance(70) {
            rng.pick(targets).clone()
        } else {
            rng.pick(locals).clone()
        });
        words.push("iif".into());
        words.push(rng.pick(&c.devices).clone());
    } else {
        if rng.chance(30) {
            words.push("from".into());
            words.push(rng.pick(locals).clone());
        }
        if rng.chance(20) {
            words.push("oif".into());
            words.push(rng.pick(&c.devices).clone());
        }
    }
    if rng.chance(25) {
        words.push("mark".into());
        words.push(rng.below(4).to_string());
    }
    if rng.chance(25) {
        words.push("ipproto".into());
        words.push((*rng.pick(&["tcp", "udp", "icmp"])).to_owned());
        if rng.chance(60) {
            words.push("dport".into());
            words.push((*rng.pick(&["443", "85", "53", "8080"])).to_owned());
            words.push("sport".into());
            words.push((*rng.pick(&["1500", "22", "40000"])).to_owned());
        }
    }
    if rng.chance(15) {
        words.push("uid".into());
        words.push((*rng.pick(&["0", "1500", "65534"])).to_owned());
    }
    if !v6 && rng.chance(10) {
        words.push("tos".into());
        words.push((*rng.pick(&["0x10", "0x04", "0x00"])).to_owned());
    }
    words
}
