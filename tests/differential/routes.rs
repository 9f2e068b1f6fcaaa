//! Routes of every type in several tables (IPv4 and IPv6), nexthop objects and groups, routes
//! through them beside plain routes of the same prefix, and anycast routes.

use super::{Config, Dev, Rng, TABLES};

const TYPES: [&str; 7] = ["", "", "", "blackhole", "unreachable", "prohibit", "throw"];

/// Nexthop ids whose family is IPv6 (usable by IPv6 routes; IPv4 routes may use them too).
const V6_NEXTHOPS: [u32; 3] = [5, 6, 12];

/// Adds nexthop objects and groups (in about a third of configurations), after choosing
/// `nexthop_compat_mode`, which decides whether route dumps spell out their nexthops.
pub fn nexthops(rng: &mut Rng, c: &mut Config) {
    if !rng.chance(35) {
        return;
    }
    c.sysctl(format!("net.ipv4.nexthop_compat_mode={}", rng.below(2)));
    let a = rng.pick(&c.devs).clone();
    let b = rng.pick(&c.devs).clone();
    let singles = [
        (1, format!("via {} dev {}", a.gw4(), a.name)),
        (2, format!("via {} dev {}", b.gw4(), b.name)),
        (3, "blackhole".to_owned()),
        (4, format!("dev {}", a.name)),
        (5, format!("via {} dev {}", a.gw6(), a.name)),
        (6, format!("via fe80::1 dev {}", b.name)),
        // a gateway in no subnet of the device: its cached source is the device's first
        (7, format!("via 10.99.{}.1 dev {} onlink", a.net, a.name)),
    ];
    for (id, spec) in singles {
        if rng.chance(75) {
            c.ip(format!("nexthop add id {id} {spec}"));
            c.nexthops.push(id);
        }
    }
    let groups: [(u32, &[u32], &str, u64); 5] = [
        (10, &[1, 2], "group 1/2", 60),
        (11, &[1, 2], "group 1,3/2,1", 40),
        (12, &[5, 6], "group 5/6", 40),
        (13, &[3], "group 3", 20),
        (
            14,
            &[1, 2],
            "group 1/2 type resilient buckets 8 idle_timer 0",
            15,
        ),
    ];
    for (id, members, spec, percent) in groups {
        if members.iter().all(|m| c.nexthops.contains(m)) && rng.chance(percent) {
            c.ip(format!("nexthop add id {id} {spec}"));
            c.nexthops.push(id);
        }
    }
}

/// Adds an IPv4 address after the nexthop objects (in a fifth of the configurations that have
/// some): the kernel's cached source of each IPv4 nexthop is then stale, and reselected with the
/// scope of the route that looks it up.
pub fn readdress(rng: &mut Rng, c: &mut Config) {
    if c.nexthops.is_empty() || !rng.chance(20) {
        return;
    }
    let dev = rng.pick(&c.devs).clone();
    c.ip(format!("addr add 10.{}.4.9/24 dev {}", dev.net, dev.name));
    c.v4_local.push(format!("10.{}.4.9", dev.net));
}

/// Deletes a nexthop that routes may use, in a third of the configurations that have some.
pub fn delete_nexthop(rng: &mut Rng, c: &mut Config) {
    let used: Vec<u32> = [1, 2, 5]
        .into_iter()
        .filter(|id| c.nexthops.contains(id))
        .collect();
    if !used.is_empty() && rng.chance(30) {
        let id = *rng.pick(&used);
        c.ip(format!("nexthop del id {id}"));
    }
}

/// A random `metric` clause (empty 60% of the time).
fn metric(rng: &mut Rng) -> String {
    if rng.chance(40) {
        format!(" metric {}", rng.below(3) * 100)
    } else {
        String::new()
    }
}

/// Adds one random route (IPv4 mostly, IPv6 in a third).
pub fn route(rng: &mut Rng, c: &mut Config) {
    let table = *rng.pick(&TABLES);
    let kind = *rng.pick(&TYPES);
    let dev = rng.pick(&c.devs).clone();
    let metric = metric(rng);
    if rng.chance(30) {
        v6_route(rng, c, (table, kind), &dev, &metric);
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
    let tos = if rng.chance(10) {
        format!(
            " tos {}",
            rng.pick(&["0x10", "0x10", "0x04", "0x08", "0x1c"])
        )
    } else {
        String::new()
    };
    let nhid = (kind.is_empty() && !c.nexthops.is_empty() && rng.chance(30))
        .then(|| *rng.pick(&c.nexthops));
    let nexthop = if !kind.is_empty() {
        String::new()
    } else if let Some(id) = nhid {
        format!(" nhid {id}")
    } else {
        v4_nexthop(rng, c, &dev)
    };
    let realm = if kind.is_empty() && rng.chance(8) {
        format!(
            " {}",
            rng.pick(&["realm 1", "realm 2", "realms 1/2", "realms 3/1"])
        )
    } else {
        String::new()
    };
    let src = if kind.is_empty() && rng.chance(25) && !c.v4_local.is_empty() {
        format!(" src {}", rng.pick(&c.v4_local))
    } else {
        String::new()
    };
    let verb = *rng.pick(&["add", "add", "add", "add", "add", "append", "prepend"]);
    c.ip(format!(
        "route {verb} {kind} {dst}{tos}{nexthop} table {table}{metric}{realm}{src}"
    ));
    // a plain route of the same prefix in the same table, beside the one through a nexthop object
    if nhid.is_some() && rng.chance(50) {
        let plain = v4_nexthop(rng, c, &dev);
        let (verb, metric) = if rng.chance(50) {
            ("add", format!(" metric {}", 50 + rng.below(3) * 100))
        } else {
            ("append", metric)
        };
        c.ip(format!(
            "route {verb} {dst}{tos}{plain} table {table}{metric}"
        ));
    }
    if let Some(base) = dst.split('/').next().filter(|d| *d != "default") {
        c.v4_targets.push(base.to_owned());
    }
}

/// The nexthop part of a plain IPv4 route: multipath, an IPv6 gateway, a gateway, or a device.
fn v4_nexthop(rng: &mut Rng, c: &Config, dev: &Dev) -> String {
    let first = &c.devs[0];
    match rng.below(100) {
        0..=9 => format!(
            " nexthop via {} dev {} nexthop via {} dev {}",
            dev.gw4(),
            dev.name,
            first.gw4(),
            first.name
        ),
        10..=18 => {
            let gw = if rng.chance(50) {
                "fe80::1".to_owned()
            } else {
                dev.gw6()
            };
            format!(" via inet6 {gw} dev {}", dev.name)
        }
        19..=75 => format!(" via {} dev {}", dev.gw4(), dev.name),
        _ => format!(" dev {}", dev.name),
    }
}

/// Adds one IPv6 route: gateways global or link-local, router preference, source-specific.
fn v6_route(rng: &mut Rng, c: &mut Config, (table, kind): (&str, &str), dev: &Dev, metric: &str) {
    let dst = *rng.pick(&[
        "default",
        "default",
        "2001:db8:77::/48",
        "2001:db8:77:1::/64",
        "2001:db8:99::/48",
        "fd00:99::/48",
        "2002::/16",
        "64:ff9b::/96",
    ]);
    let v6_ids: Vec<u32> = V6_NEXTHOPS
        .into_iter()
        .chain([3])
        .filter(|id| c.nexthops.contains(id))
        .collect();
    let via = if !kind.is_empty() {
        String::new()
    } else if !v6_ids.is_empty() && rng.chance(20) {
        format!(" nhid {}", rng.pick(&v6_ids))
    } else {
        match rng.below(20) {
            0..=11 => format!(" via {} dev {}", dev.gw6(), dev.name),
            12..=16 => format!(
                " via {} dev {}",
                rng.pick(&["fe80::1", "fe80::2"]),
                dev.name
            ),
            _ => format!(" dev {}", dev.name),
        }
    };
    let from = if rng.chance(12) {
        let n = dev.net;
        let prefixes = [
            format!("2001:db8:{n}::/64"),
            format!("fd00:{n}::/64"),
            format!("2001:db8:{n}::2/128"),
        ];
        format!(" from {}", rng.pick(&prefixes))
    } else {
        String::new()
    };
    let pref = if rng.chance(25) {
        format!(" pref {}", rng.pick(&["high", "low", "medium"]))
    } else {
        String::new()
    };
    let verb = *rng.pick(&["add", "add", "add", "append", "replace"]);
    c.ip(format!(
        "-6 route {verb} {kind} {dst}{from}{via} table {table}{metric}{pref}"
    ));
    if let Some(base) = dst.split('/').next().filter(|d| *d != "default") {
        c.v6_targets.push(format!("{base}1"));
    }
}

/// Anycast routes: IPv6 (in table local, as the kernel keeps them) and, rarely, IPv4.
pub fn extra(rng: &mut Rng, c: &mut Config) {
    if rng.chance(12) {
        let dev = rng.pick(&c.devs).clone();
        let addr = format!("2001:db8:{}::aa", dev.net);
        c.ip(format!("-6 route add anycast {addr} dev {}", dev.name));
        c.v6_targets.push(addr);
    }
    if rng.chance(6) {
        let dev = rng.pick(&c.devs).clone();
        let addr = format!("10.{}.0.200", dev.net);
        c.ip(format!(
            "route add anycast {addr} dev {} table local",
            dev.name
        ));
        c.v4_targets.push(addr);
    }
}
