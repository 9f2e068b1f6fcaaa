//! Queries: the words of `routescope get` / `ip route get`, aimed at what the configuration has.
//!
//! Every selector of `Query::parse` is drawn (from, iif, oif, mark, uid, ipproto, sport, dport,
//! tos). The rule selectors `flowlabel` and `tun_id` have no query word (the kernel's
//! `RTM_GETROUTE` takes neither: IPv6 lookups get flow label 0 and no tunnel id), so a
//! `flowlabel` rule is only exercised through the flow label 0 every query carries.

use super::{Config, LO_V4, LO_V6, Lo, Rng};

/// Destinations every configuration is asked about, whatever it contains.
pub fn fixed_targets(c: &mut Config) {
    for t in [
        "5.5.5.5",
        "127.0.0.2",
        "127.1.2.3",
        "192.0.2.1",
        "198.51.100.7",
        "10.99.1.1",
        "255.255.255.255",
        "224.0.0.5",
        "224.0.0.1",
        "239.1.1.1",
        "0.0.0.0",
    ] {
        c.v4_targets.push(t.into());
    }
    for t in [
        "2001:db8:99::1",
        "::1",
        "fe80::1",
        "2001:db8:77::5",
        "fd00:99::7",
        "ff05::1:3",
        "ff0e::1",
    ] {
        c.v6_targets.push(t.into());
    }
    for t in ["fe80::1", "fe80::2", "ff02::1", "ff02::2", "ff02::1:2"] {
        c.v6_link_targets.push(t.into());
    }
}

/// The destination and, for some, `from`/`iif`/`oif` words of an IPv4 query.
fn v4_core(rng: &mut Rng, c: &Config, names: &[String], words: &mut Vec<String>) {
    words.push(rng.pick(&c.v4_targets).clone());
    if rng.chance(25) {
        let from = if rng.chance(70) || c.v4_local.is_empty() {
            rng.pick(&c.v4_targets).clone()
        } else {
            rng.pick(&c.v4_local).clone()
        };
        words.extend(["from".into(), from, "iif".into(), rng.pick(names).clone()]);
        return;
    }
    if rng.chance(30) && !c.v4_local.is_empty() {
        words.extend(["from".into(), rng.pick(&c.v4_local).clone()]);
    }
    if rng.chance(20) {
        words.extend(["oif".into(), rng.pick(names).clone()]);
    }
}

/// The destination and, for some, `from`/`iif`/`oif` words of an IPv6 query; link-local and
/// link-scope multicast destinations are asked with an `oif` most of the time.
fn v6_core(rng: &mut Rng, c: &Config, names: &[String], words: &mut Vec<String>) {
    let link = rng.chance(25);
    let targets = if link {
        &c.v6_link_targets
    } else {
        &c.v6_targets
    };
    words.push(rng.pick(targets).clone());
    let local = |rng: &mut Rng| {
        if c.v6_local.is_empty() {
            "2001:db8:10::2".to_owned()
        } else {
            rng.pick(&c.v6_local).clone()
        }
    };
    if rng.chance(25) {
        let from = if rng.chance(60) {
            rng.pick(&c.v6_targets).clone()
        } else {
            local(rng)
        };
        words.extend(["from".into(), from, "iif".into(), rng.pick(names).clone()]);
        return;
    }
    if rng.chance(35) {
        words.extend(["from".into(), local(rng)]);
    }
    if rng.chance(if link { 70 } else { 25 }) {
        words.extend(["oif".into(), rng.pick(names).clone()]);
    }
}

/// A random query: destination, and sometimes from, iif, oif, mark, ipproto, ports, uid, tos.
pub fn query(rng: &mut Rng, c: &Config) -> Vec<String> {
    let v6 = rng.chance(35);
    let names = c.device_names();
    let mut words = Vec::new();
    if v6 {
        v6_core(rng, c, &names, &mut words);
    } else {
        v4_core(rng, c, &names, &mut words);
    }
    if rng.chance(25) {
        let mark = if rng.chance(85) {
            rng.below(4).to_string()
        } else {
            "0x13".to_owned()
        };
        words.extend(["mark".into(), mark]);
    }
    if rng.chance(25) {
        let protos: &[&str] = if v6 {
            &["tcp", "udp", "ipv6-icmp", "sctp"]
        } else {
            &["tcp", "udp", "icmp", "sctp"]
        };
        words.extend(["ipproto".into(), (*rng.pick(protos)).to_owned()]);
        if rng.chance(60) {
            let dport = *rng.pick(&["443", "85", "53", "8080", "1024", "2047", "2048", "22"]);
            let sport = *rng.pick(&["1500", "22", "40000", "1024", "443", "2000"]);
            words.extend(["dport".into(), dport.into(), "sport".into(), sport.into()]);
        }
    }
    if rng.chance(15) {
        words.extend([
            "uid".into(),
            (*rng.pick(&["0", "1500", "65534"])).to_owned(),
        ]);
    }
    if rng.chance(15) {
        // legacy TOS bits, DSCP values the rules use (4, 10, 46 → 0x10, 0x28, 0xb8), ECN noise
        let tos = *rng.pick(&[
            "0x10", "0x04", "0x00", "0x28", "0xb8", "0x14", "0x30", "0x12",
        ]);
        words.extend(["tos".into(), tos.into()]);
    }
    words
}

/// The queries asked of a configuration: `n` random ones and, when lo is down (never up, or set
/// down at the end), the fixed ones of `lo_down_queries` after them (so the random ones are those
/// of the same draws with lo up).
pub fn queries(rng: &mut Rng, c: &Config, n: usize) -> Vec<Vec<String>> {
    let mut all: Vec<Vec<String>> = (0..n).map(|_| query(rng, c)).collect();
    if c.lo != Lo::Up {
        all.extend(lo_down_queries(c));
    }
    all
}

/// The address of lo a `Cycle` configuration is asked about besides the others (lo-down ones
/// are asked what they were before `Cycle` existed).
fn lo_address<'a>(c: &'a Config, lo: &str, locals: &'a [String]) -> Option<&'a str> {
    (c.lo == Lo::Cycle)
        .then(|| locals.iter().find(|a| *a == lo).map(String::as_str))
        .flatten()
}

/// With lo down: 127.0.0.1, 127.0.0.2, a device's address, (`Cycle`) lo's own address, and a
/// remote address (and `::1`, a device's IPv6 address, lo's, a remote one), each asked as output
/// (plain and `oif lo`) and as input from a remote source through lo, through the first device
/// and (`Cycle`) through the other device set down.
fn lo_down_queries(c: &Config) -> Vec<Vec<String>> {
    let v4 = ["127.0.0.1", "127.0.0.2"]
        .into_iter()
        .chain(c.v4_local.first().map(String::as_str))
        .chain(lo_address(c, LO_V4, &c.v4_local))
        .chain(["192.0.2.1"]);
    let v6 = ["::1"]
        .into_iter()
        .chain(c.v6_local.first().map(String::as_str))
        .chain(lo_address(c, LO_V6, &c.v6_local))
        .chain(["2001:db8:99::1"]);
    let mut devices: Vec<&str> = std::iter::once("lo")
        .chain(c.devs.first().map(|d| d.name.as_str()))
        .collect();
    if c.lo == Lo::Cycle {
        let down = c.devs.iter().map(|d| d.name.as_str()).find(|name| {
            c.steps
                .iter()
                .any(|s| matches!(s, super::Step::Ip(l) if *l == format!("link set {name} down")))
        });
        devices.extend(down.filter(|d| !devices.contains(d)));
    }
    let mut out = Vec::new();
    let mut ask = |dst: &str, remote: &str| {
        out.push(vec![dst.to_owned()]);
        out.push(vec![dst.to_owned(), "oif".into(), "lo".into()]);
        for dev in &devices {
            out.push(
                [dst, "from", remote, "iif", dev]
                    .map(str::to_owned)
                    .to_vec(),
            );
        }
    };
    for dst in v4 {
        ask(dst, "198.51.100.7");
    }
    for dst in v6 {
        ask(dst, "2001:db8:77::5");
    }
    out
}
