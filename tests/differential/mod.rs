//! Random routing configurations and queries for the differential test against the kernel.
//!
//! Everything comes from one seeded generator, so a failing case is reproduced by its seed; each
//! configuration is an ordered list of steps (`ip` lines, sysctls, lines run in a helper
//! namespace, rules sent as raw netlink), printed as a shell script with any disagreement.
//!
//! lo is set up first, except in a few configurations (`Lo`), which leave it down, some of them
//! with nothing else either (a new namespace), and a few others set it down again at the end
//! (maybe with another device, after its routes were added).
//!
//! The parts: `links` (devices, addresses, neighbours), `sysctls`, `routes` (routes and nexthop
//! objects), `rules`, `queries`; `netlink` writes the rules iproute2 6.1 cannot, and `run`
//! builds a configuration in a namespace and compares every answer with the kernel's.

#![allow(dead_code)] // each test binary (explain, corpus) uses a different part of this module
pub mod coverage;
mod links;
mod netlink;
mod queries;
mod routes;
mod rules;
pub mod run;
mod sysctls;

use std::fmt::Write;

pub use queries::queries;

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

/// One step of building a configuration, run in order.
#[derive(Debug, Clone)]
pub enum Step {
    /// An `ip` command line run in the namespace (consecutive ones go through one `ip -batch`).
    Ip(String),
    /// A `key=value` sysctl set inside the namespace.
    Sysctl(String),
    /// An `ip` command line run in the helper namespace; `{ns}` stands for the test namespace.
    Helper(String),
    /// A rule iproute2 6.1 cannot write, sent as raw netlink.
    Netlink(rules::Rule),
}

/// A device of the configuration and the numbers its prefixes are made of.
#[derive(Debug, Clone)]
pub struct Dev {
    pub name: String,
    /// `N` in `10.N.0.0/16`, `2001:db8:N::/64`, `fd00:N::/64`: one number per device.
    pub net: u8,
}

impl Dev {
    /// The IPv4 gateway routes through this device use (`10.N.0.1`).
    pub fn gw4(&self) -> String {
        format!("10.{}.0.1", self.net)
    }

    /// The global IPv6 gateway routes through this device use (`2001:db8:N::1`).
    pub fn gw6(&self) -> String {
        format!("2001:db8:{}::1", self.net)
    }
}

/// The state of lo in a configuration.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Lo {
    /// Set up first, as in nearly every namespace in use.
    #[default]
    Up,
    /// Never set up: no 127.0.0.1, no `::1`, and (IPv4) no local or main table until a route
    /// goes into one; the rest of the configuration as usual.
    Down,
    /// Never set up, and nothing else either: a new namespace, maybe with one rule to a table
    /// that never has a route.
    Fresh,
    /// Set up first, the configuration built as with `Up`, then (maybe after an address on lo
    /// and another device set down) set down at the end: IPv4 keeps lo's local routes and
    /// tables, IPv6 drops `::1` and the routes of lo's addresses.
    Cycle,
}

impl Lo {
    /// Whether lo is set up before the configuration is built.
    pub fn up_first(self) -> bool {
        matches!(self, Lo::Up | Lo::Cycle)
    }
}

/// One generated configuration: what to run and what to ask about.
#[derive(Debug, Default)]
pub struct Config {
    /// Whether lo is set up (the test namespace must then be made without setting it up).
    pub lo: Lo,
    /// What builds it, in order (`ip` errors are tolerated: the kernel's state is dumped after).
    pub steps: Vec<Step>,
    /// Devices other than lo, in creation order.
    pub devs: Vec<Dev>,
    /// IPv4 addresses configured on devices.
    pub v4_local: Vec<String>,
    /// IPv6 addresses configured on devices (any kind: global, ULA, 6to4, link-local…).
    pub v6_local: Vec<String>,
    /// Interesting IPv4 destinations (inside, at the edge of, and outside configured prefixes).
    pub v4_targets: Vec<String>,
    /// Interesting IPv6 destinations.
    pub v6_targets: Vec<String>,
    /// IPv6 destinations that need a device (link-local, link-scope multicast).
    pub v6_link_targets: Vec<String>,
    /// Nexthop object ids that were added (the route generator refers to them).
    pub nexthops: Vec<u32>,
}

impl Config {
    /// Adds an `ip` line run in the namespace.
    pub fn ip(&mut self, line: impl Into<String>) {
        self.steps.push(Step::Ip(line.into()));
    }

    /// Adds a sysctl set in the namespace.
    pub fn sysctl(&mut self, setting: impl Into<String>) {
        self.steps.push(Step::Sysctl(setting.into()));
    }

    /// Device names, lo first (what rules and queries name).
    pub fn device_names(&self) -> Vec<String> {
        std::iter::once("lo".to_owned())
            .chain(self.devs.iter().map(|d| d.name.clone()))
            .collect()
    }

    /// Whether any step runs in the helper namespace.
    pub fn needs_helper(&self) -> bool {
        self.steps.iter().any(|s| matches!(s, Step::Helper(_)))
    }

    /// The configuration as a shell script that rebuilds it, for failure reports.
    pub fn script(&self, ns: &str, helper: &str) -> String {
        // lo is set up by the first step, or left down
        let mut out = format!("ip netns add {ns}\n");
        if self.needs_helper() {
            let _ = writeln!(out, "ip netns add {helper}");
        }
        for step in &self.steps {
            let _ = match step {
                Step::Ip(line) => writeln!(out, "ip -n {ns} {line}"),
                Step::Sysctl(s) => writeln!(out, "ip netns exec {ns} sysctl -qw {s}"),
                Step::Helper(line) => {
                    writeln!(out, "ip -n {helper} {}", line.replace("{ns}", ns))
                }
                Step::Netlink(rule) => writeln!(
                    out,
                    "ip -n {ns} {}  # sent as raw netlink; iproute2 >= 6.15 takes these words",
                    rule.line()
                ),
            };
        }
        if self.needs_helper() {
            let _ = writeln!(out, "# {helper} holds m0's peer: delete it only when done");
        }
        out
    }
}

/// Routing tables routes and rules use.
pub const TABLES: [&str; 5] = ["main", "100", "200", "1000", "4000000000"];

/// A random configuration: devices, addresses, neighbours, sysctls, nexthops, routes, rules.
pub fn config(rng: &mut Rng) -> Config {
    let mut c = Config {
        lo: lo_state(rng),
        ..Config::default()
    };
    if c.lo == Lo::Fresh {
        fresh(rng, &mut c);
        return c;
    }
    if c.lo.up_first() {
        c.ip("link set lo up");
    }
    sysctls::global(rng, &mut c);
    links::devices(rng, &mut c);
    sysctls::per_device(rng, &mut c);
    links::addresses(rng, &mut c);
    links::neighbours(rng, &mut c);
    routes::nexthops(rng, &mut c);
    for _ in 0..(4 + rng.below(10)) {
        routes::route(rng, &mut c);
    }
    routes::extra(rng, &mut c);
    routes::delete_nexthop(rng, &mut c);
    routes::readdress(rng, &mut c);
    for _ in 0..rng.below(7) {
        rules::rule(rng, &mut c);
    }
    if c.lo == Lo::Cycle {
        lo_cycle(rng, &mut c);
    }
    queries::fixed_targets(&mut c);
    c
}

/// Where a `Cycle` configuration sets lo down: maybe an address on lo first (11.22.33.44/32 in
/// 60 % of those without it, `2001:db8:ff::1/128` in 30 %), maybe IPv6 told to keep addresses
/// on down (30 %: lo's kept addresses turn tentative, their routes go), maybe another device
/// down (50 %, before or after lo), then lo down. The draws come from a side generator, so the queries drawn
/// after are those of the same configuration with lo left up.
fn lo_cycle(rng: &Rng, c: &mut Config) {
    let mut side = Rng::new(rng.0 ^ 0x1c7c_1e10_c7c1_e10c);
    if !c.v4_local.iter().any(|a| a == LO_V4) && side.chance(60) {
        c.ip(format!("addr add {LO_V4}/32 dev lo"));
        c.v4_local.push(LO_V4.into());
    }
    if !c.v6_local.iter().any(|a| a == LO_V6) && side.chance(30) {
        c.ip(format!("addr add {LO_V6}/128 dev lo"));
        c.v6_local.push(LO_V6.into());
    }
    if side.chance(30) {
        let on = *side.pick(&["all", "lo"]);
        c.sysctl(format!("net.ipv6.conf.{on}.keep_addr_on_down=1"));
    }
    let other = side.chance(50).then(|| side.pick(&c.devs).name.clone());
    let other_first = side.chance(50);
    if let Some(dev) = other.as_ref().filter(|_| other_first) {
        c.ip(format!("link set {dev} down"));
    }
    c.ip("link set lo down");
    if let Some(dev) = other.as_ref().filter(|_| !other_first) {
        c.ip(format!("link set {dev} down"));
    }
}

/// The addresses the generator may put on lo.
pub const LO_V4: &str = "11.22.33.44";
pub const LO_V6: &str = "2001:db8:ff::1";

/// Whether lo is left down (7 % of configurations), and of those whether nothing else is made
/// (40 %), drawn from a side generator seeded by `rng`'s state without advancing it: every other
/// configuration stays exactly what it was before lo could be left down. Of the rest, 5 % set lo
/// down at the end (`Cycle`), drawn from another side generator, so the lo-down ones are also
/// unchanged.
fn lo_state(rng: &Rng) -> Lo {
    let mut side = Rng::new(rng.0 ^ 0x10d0_4e10_d04e_10d0);
    if !side.chance(7) {
        let mut cycle = Rng::new(rng.0 ^ 0x10c7_c1e0_10c7_c1e0);
        if cycle.chance(5) { Lo::Cycle } else { Lo::Up }
    } else if side.chance(40) {
        Lo::Fresh
    } else {
        Lo::Down
    }
}

/// A new namespace: lo down, no device, address or route; maybe one rule to table 300, which
/// never has a route (so, in IPv4, never exists).
fn fresh(rng: &mut Rng, c: &mut Config) {
    match rng.below(4) {
        0 => c.ip("rule add pref 100 lookup 300"),
        1 => c.ip("rule add pref 100 to 192.0.2.0/24 lookup 300"),
        2 => c.ip("-6 rule add pref 100 lookup 300"),
        _ => {}
    }
    queries::fixed_targets(c);
}
