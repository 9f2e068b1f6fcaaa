//! Devices (veths, some with explicit indices or no carrier, one moved in from another namespace,
//! macvlan, bridge), their IPv4 and IPv6 addresses of every kind, and gateway neighbours.

use super::{Config, Dev, Rng, Step};

/// The `net` numbers of the optional devices (veths use 10, 11, 12).
const MOVED_NET: u8 = 13;
const MACVLAN_NET: u8 = 14;
const BRIDGE_NET: u8 = 15;

/// Creates the devices: 2–3 veths, then maybe a moved-in veth, a macvlan and a bridge.
pub fn devices(rng: &mut Rng, c: &mut Config) {
    // explicit indices put the veths above the moved device's index, so list order != index order
    let explicit = rng.chance(30);
    let ndev = 2 + rng.below(2);
    for d in 0..ndev {
        let dev = format!("e{d}");
        let index = if explicit {
            format!(" index {}", 20 + 2 * d)
        } else {
            String::new()
        };
        let peer_index = if explicit {
            format!(" index {}", 21 + 2 * d)
        } else {
            String::new()
        };
        c.ip(format!(
            "link add {dev}{index} type veth peer name {dev}p{peer_index}"
        ));
        // a veth whose peer is down has no carrier
        if rng.chance(88) {
            c.ip(format!("link set {dev}p up"));
        }
        if rng.chance(85) {
            c.ip(format!("link set {dev} up"));
        }
        let net = 10 + u8::try_from(d).unwrap_or(0);
        c.devs.push(Dev { name: dev, net });
    }
    // `suppress_ifgroup 5` rules look at device groups
    if rng.chance(10) {
        c.ip("link set e0 group 5");
    }
    if rng.chance(20) {
        moved_in(rng, c);
    }
    if rng.chance(20) {
        let mode = *rng.pick(&["bridge", "private", "vepa"]);
        c.ip(format!("link add mv0 link e0 type macvlan mode {mode}"));
        if rng.chance(85) {
            c.ip("link set mv0 up");
        }
        c.devs.push(Dev {
            name: "mv0".into(),
            net: MACVLAN_NET,
        });
    }
    if rng.chance(20) {
        c.ip("link add br0 type bridge");
        // a port gives the bridge carrier; without one it has none
        if rng.chance(60) {
            c.ip(format!("link set e{}p master br0", ndev - 1));
        }
        c.ip("link set br0 up");
        c.devs.push(Dev {
            name: "br0".into(),
            net: BRIDGE_NET,
        });
    }
}

/// A veth created in a helper namespace with a low index and moved in: it is last in the
/// device list whatever its index.
fn moved_in(rng: &mut Rng, c: &mut Config) {
    let index = 6 + rng.below(4);
    c.steps.push(Step::Helper(format!(
        "link add m0 index {index} type veth peer name m0p"
    )));
    if rng.chance(80) {
        c.steps.push(Step::Helper("link set m0p up".into()));
    }
    c.steps.push(Step::Helper("link set m0 netns {ns}".into()));
    if rng.chance(90) {
        c.ip("link set m0 up");
    }
    c.devs.push(Dev {
        name: "m0".into(),
        net: MOVED_NET,
    });
}

/// Adds IPv4 and IPv6 addresses of every kind to every device, and to lo sometimes.
pub fn addresses(rng: &mut Rng, c: &mut Config) {
    for dev in c.devs.clone() {
        // optional devices sometimes stay without addresses (their routes borrow a source)
        if dev.net > 12 && rng.chance(35) {
            continue;
        }
        v4_addresses(rng, c, &dev);
        v6_addresses(rng, c, &dev);
    }
    if rng.chance(30) {
        c.ip("addr add 11.22.33.44/32 dev lo");
        c.v4_local.push("11.22.33.44".into());
    }
    if rng.chance(15) {
        c.ip("addr add 2001:db8:ff::1/128 dev lo");
        c.v6_local.push("2001:db8:ff::1".into());
    }
}

/// Primary and secondary (same subnet) addresses, `noprefixroute`, `scope link` and `scope
/// site`, deprecated.
fn v4_addresses(rng: &mut Rng, c: &mut Config, dev: &Dev) {
    let (name, n) = (&dev.name, dev.net);
    for a in 0..=rng.below(3) {
        let host = 2 + a;
        let len = *rng.pick(&[24, 24, 16, 28]);
        let flags = if rng.chance(15) { " noprefixroute" } else { "" };
        c.ip(format!("addr add 10.{n}.0.{host}/{len} dev {name}{flags}"));
        c.v4_local.push(format!("10.{n}.0.{host}"));
        c.v4_targets
            .push(format!("10.{n}.0.{}", 1 + rng.below(250)));
    }
    c.v4_targets.push(format!("10.{n}.0.255"));
    c.v4_targets.push(format!("10.{n}.255.255"));
    if rng.chance(12) {
        c.ip(format!("addr add 10.{n}.1.9/24 dev {name} scope link"));
        c.v4_local.push(format!("10.{n}.1.9"));
        c.v4_targets.push(format!("10.{n}.1.77"));
    }
    if rng.chance(10) {
        c.ip(format!(
            "addr add 10.{n}.2.9/24 dev {name} preferred_lft 0 valid_lft forever"
        ));
        c.v4_local.push(format!("10.{n}.2.9"));
        c.v4_targets.push(format!("10.{n}.2.77"));
    }
    if rng.chance(10) {
        c.ip(format!("addr add 10.{n}.3.9/24 dev {name} scope site"));
        c.v4_local.push(format!("10.{n}.3.9"));
        c.v4_targets.push(format!("10.{n}.3.77"));
    }
    if rng.chance(8) {
        c.ip(format!("addr add 169.254.{n}.5/16 dev {name} scope link"));
        c.v4_local.push(format!("169.254.{n}.5"));
        c.v4_targets.push(format!("169.254.{}.1", n + 1));
    }
}

/// Global, second global, ULA, 6to4 and link-local addresses; `noprefixroute`, deprecated,
/// and tentative ones (no `nodad` on a device that is up: DAD runs for a second or more).
fn v6_addresses(rng: &mut Rng, c: &mut Config, dev: &Dev) {
    let (name, n) = (&dev.name, dev.net);
    let add = |rng: &mut Rng, c: &mut Config, addr: String, len: u8| {
        let mut flags = String::new();
        if rng.chance(88) {
            flags.push_str(" nodad");
        }
        if rng.chance(12) {
            flags.push_str(" noprefixroute");
        }
        if rng.chance(12) {
            flags.push_str(" preferred_lft 0 valid_lft forever");
        }
        c.ip(format!("-6 addr add {addr}/{len} dev {name}{flags}"));
        c.v6_local.push(addr);
    };
    if rng.chance(90) {
        add(rng, c, format!("2001:db8:{n}::2"), 64);
    }
    if rng.chance(30) {
        let len = *rng.pick(&[64, 48, 80]);
        add(rng, c, format!("2001:db8:{n}::3"), len);
    }
    if rng.chance(25) {
        add(rng, c, format!("fd00:{n}::2"), 64);
        c.v6_targets
            .push(format!("fd00:{n}::{:x}", 1 + rng.below(300)));
    }
    if rng.chance(20) {
        add(rng, c, format!("2002:a{n:02x}:2::2"), 48);
        c.v6_targets.push(format!("2002:a{n:02x}:2::99"));
    }
    if rng.chance(20) {
        add(rng, c, format!("fe80::{n}:2"), 64);
    }
    c.v6_targets
        .push(format!("2001:db8:{n}::{:x}", 1 + rng.below(500)));
    // the subnet-router anycast address, joined while forwarding is on
    c.v6_targets.push(format!("2001:db8:{n}::"));
    c.v6_link_targets.push(format!("fe80::{n}:1"));
    c.v6_link_targets.push(format!("fe80::{n}:2"));
}

/// Gateway neighbours in every state the kernel takes from userspace.
pub fn neighbours(rng: &mut Rng, c: &mut Config) {
    const STATES: [&str; 8] = [
        "permanent",
        "reachable",
        "stale",
        "failed",
        "noarp",
        "incomplete",
        "delay",
        "probe",
    ];
    if !rng.chance(40) {
        return;
    }
    for _ in 0..=rng.below(4) {
        let dev = rng.pick(&c.devs).clone();
        let gw = match rng.below(4) {
            0 | 1 => dev.gw4(),
            2 => dev.gw6(),
            _ => "fe80::1".to_owned(),
        };
        let state = *rng.pick(&STATES);
        let lladdr = if state == "incomplete" {
            String::new()
        } else {
            format!(" lladdr 02:00:00:00:{:02x}:01", dev.net)
        };
        c.ip(format!(
            "neigh replace {gw}{lladdr} dev {} nud {state}",
            dev.name
        ));
    }
}
