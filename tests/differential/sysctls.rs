//! Sysctls: forwarding of both families (global and per device), `rp_filter` 0/1/2,
//! `route_localnet`, `accept_local`, `send_redirects`, `bc_forwarding` and friends.

use super::{Config, Rng};

/// The namespace-wide settings, set before anything else exists.
pub fn global(rng: &mut Rng, c: &mut Config) {
    let forwarding = rng.chance(50);
    c.sysctl(format!("net.ipv4.ip_forward={}", u8::from(forwarding)));
    // IPv6 forwarding follows IPv4's in most configurations, as before, and differs sometimes
    let v6_forwarding = if rng.chance(20) {
        !forwarding
    } else {
        forwarding
    };
    c.sysctl(format!(
        "net.ipv6.conf.all.forwarding={}",
        u8::from(v6_forwarding)
    ));
    if rng.chance(30) {
        c.sysctl(format!("net.ipv4.conf.all.rp_filter={}", rng.below(3)));
    }
    let flags = [
        ("net.ipv4.conf.all.route_localnet=1", 10),
        ("net.ipv4.conf.all.accept_local=1", 10),
        ("net.ipv4.conf.all.send_redirects=0", 15),
        ("net.ipv4.conf.all.bc_forwarding=1", 10),
        ("net.ipv4.conf.all.src_valid_mark=1", 8),
        ("net.ipv4.conf.all.ignore_routes_with_linkdown=1", 8),
        ("net.ipv4.fib_multipath_use_neigh=1", 12),
    ];
    for (setting, percent) in flags {
        if rng.chance(percent) {
            c.sysctl(setting);
        }
    }
}

/// Per-device settings, once the devices exist (after the `all` values, which overwrite them).
pub fn per_device(rng: &mut Rng, c: &mut Config) {
    for dev in c.devs.clone() {
        let name = &dev.name;
        if rng.chance(15) {
            c.sysctl(format!("net.ipv4.conf.{name}.forwarding={}", rng.below(2)));
        }
        if rng.chance(15) {
            c.sysctl(format!("net.ipv4.conf.{name}.rp_filter={}", rng.below(3)));
        }
        if rng.chance(10) {
            c.sysctl(format!("net.ipv6.conf.{name}.forwarding={}", rng.below(2)));
        }
        let flags = [
            ("route_localnet=1", 8),
            ("accept_local=1", 8),
            ("send_redirects=0", 8),
            ("bc_forwarding=1", 8),
            ("ignore_routes_with_linkdown=1", 5),
        ];
        for (setting, percent) in flags {
            if rng.chance(percent) {
                c.sysctl(format!("net.ipv4.conf.{name}.{setting}"));
            }
        }
        if rng.chance(5) {
            c.sysctl(format!("net.ipv6.conf.{name}.use_oif_addrs_only=1"));
        }
    }
    if rng.chance(10) {
        c.sysctl("net.ipv4.conf.lo.rp_filter=1");
    }
}
