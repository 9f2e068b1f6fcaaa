//! What only `/proc` and `/etc` tell: sysctls, the merged-trie state, table names.
//!
//! Read from the thread that entered the namespace, through `/proc/thread-self`, because
//! `/proc/net` follows the namespace of the process's main thread, not ours.

use std::ffi::OsStr;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::model::{DeviceSysctls, LinkName, Sysctls, TableNames};

/// Reads a sysctl file as a number (missing or unreadable: `None`).
fn read_number<T: std::str::FromStr>(path: &Path) -> Option<T> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The settings of one device directory name (`all`, `default`, or a device, any bytes).
fn device_sysctls(dev: &OsStr) -> DeviceSysctls {
    let v4 = Path::new("/proc/sys/net/ipv4/conf").join(dev);
    let v6 = Path::new("/proc/sys/net/ipv6/conf").join(dev);
    let on = |path: &Path, name: &str| read_number::<i64>(&path.join(name)).unwrap_or(0) != 0;
    DeviceSysctls {
        forwarding: on(&v4, "forwarding"),
        rp_filter: read_number(&v4.join("rp_filter")).unwrap_or(0),
        route_localnet: on(&v4, "route_localnet"),
        accept_local: on(&v4, "accept_local"),
        src_valid_mark: on(&v4, "src_valid_mark"),
        ignore_routes_with_linkdown: on(&v4, "ignore_routes_with_linkdown"),
        promote_secondaries: on(&v4, "promote_secondaries"),
        send_redirects: on(&v4, "send_redirects"),
        bc_forwarding: on(&v4, "bc_forwarding"),
        mc_forwarding: on(&v4, "mc_forwarding"),
        ipv6_forwarding: on(&v6, "forwarding"),
        ipv6_use_oif_addrs_only: on(&v6, "use_oif_addrs_only"),
        ipv6_ignore_routes_with_linkdown: on(&v6, "ignore_routes_with_linkdown"),
        ipv6_use_tempaddr: read_number(&v6.join("use_tempaddr")).unwrap_or(0),
        ipv6_optimistic_dad: on(&v6, "optimistic_dad"),
        ipv6_use_optimistic: on(&v6, "use_optimistic"),
    }
}

/// The sysctls of `all` and of each named device, in the current thread's namespace.
pub fn sysctls<'a>(devices: impl IntoIterator<Item = &'a LinkName>) -> Sysctls {
    Sysctls {
        all: device_sysctls(OsStr::new("all")),
        devices: devices
            .into_iter()
            .map(|d| (d.clone(), device_sysctls(OsStr::from_bytes(d.as_bytes()))))
            .collect(),
    }
}

/// The kernel's device list order (`dev_base`), as far as `/proc/net/igmp6` and `/proc/net/igmp`
/// show it: both walk that list (link dumps are in index order instead), but each lists only
/// devices with multicast memberships, so the two are merged keeping both relative orders.
pub fn device_list() -> Vec<u32> {
    let read = |name: &str| std::fs::read_to_string(format!("/proc/thread-self/net/{name}"));
    let v6 = read("igmp6").map(|t| igmp6_devices(&t)).unwrap_or_default();
    let v4 = read("igmp").map(|t| igmp_devices(&t)).unwrap_or_default();
    merge_orders(v6, &v4)
}

/// The multicast groups each device has joined, from `/proc/net/igmp` and `/proc/net/igmp6`.
pub fn multicast_groups() -> Vec<(u32, IpAddr)> {
    let read = |name: &str| std::fs::read_to_string(format!("/proc/thread-self/net/{name}"));
    let mut groups = read("igmp").map(|t| igmp_groups(&t)).unwrap_or_default();
    groups.extend(read("igmp6").map(|t| igmp6_groups(&t)).unwrap_or_default());
    groups
}

/// The (device, group) pairs of `/proc/net/igmp`: groups are printed as the little-endian
/// hex of the network-order address, under their device's line.
pub fn igmp_groups(text: &str) -> Vec<(u32, IpAddr)> {
    let mut groups = Vec::new();
    let mut device = None;
    for line in text.lines().skip(1) {
        let first = line.split_whitespace().next().unwrap_or("");
        if line.starts_with(char::is_whitespace) {
            if let (Some(dev), Ok(raw)) = (device, u32::from_str_radix(first, 16)) {
                groups.push((dev, IpAddr::V4(Ipv4Addr::from(raw.to_le_bytes()))));
            }
        } else {
            device = first.parse().ok();
        }
    }
    groups
}

/// The (device, group) pairs of `/proc/net/igmp6` (index, name, 32 hex digits, …).
pub fn igmp6_groups(text: &str) -> Vec<(u32, IpAddr)> {
    text.lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let index = words.next()?.parse().ok()?;
            let hex = words.nth(1)?;
            let group = u128::from_str_radix(hex, 16).ok()?;
            Some((index, IpAddr::V6(Ipv6Addr::from(group))))
        })
        .collect()
}

/// The device indexes of `/proc/net/igmp6`, in order of first appearance.
pub fn igmp6_devices(text: &str) -> Vec<u32> {
    let mut order: Vec<u32> = Vec::new();
    for index in text
        .lines()
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
    {
        if !order.contains(&index) {
            order.push(index);
        }
    }
    order
}

/// The device indexes of `/proc/net/igmp` (device lines start with the index; group lines with
/// a tab).
pub fn igmp_devices(text: &str) -> Vec<u32> {
    text.lines()
        .skip(1)
        .filter(|l| !l.starts_with(char::is_whitespace))
        .filter_map(|l| l.split_whitespace().next()?.parse().ok())
        .collect()
}

/// `first` with the devices only `second` knows inserted after the device that precedes them
/// there.
pub fn merge_orders(mut first: Vec<u32>, second: &[u32]) -> Vec<u32> {
    let mut after: Option<usize> = None;
    for &index in second {
        let at = first.iter().position(|i| *i == index).unwrap_or_else(|| {
            let at = after.map_or(0, |a| a + 1);
            first.insert(at, index);
            at
        });
        after = Some(at);
    }
    first
}

/// Whether the IPv4 local table is still merged into main (spec §2.6).
///
/// Custom rules split the tables for good, so only a namespace with the default rules needs
/// looking at: `/proc/net/fib_triestat` then shows identical `Main:` and `Local:` statistics
/// while the two share one trie. (The triestat is a few lines; `fib_trie` would be megabytes of
/// text the kernel renders per route.)
pub fn ipv4_tables_merged(default_rules_only: bool) -> Option<bool> {
    if !default_rules_only {
        return Some(false);
    }
    let text = std::fs::read_to_string("/proc/thread-self/net/fib_triestat").ok()?;
    Some(triestat_sections_equal(&text))
}

/// Whether the `Main:` and `Local:` sections of a `fib_triestat` listing are the same.
pub fn triestat_sections_equal(text: &str) -> bool {
    let header = |l: &str| !l.starts_with(char::is_whitespace) && l.trim_end().ends_with(':');
    let section = |name: &str| -> Vec<&str> {
        text.lines()
            .skip_while(|l| l.trim_end() != name)
            .skip(1)
            .take_while(|l| !header(l))
            .collect()
    };
    section("Main:") == section("Local:")
}

/// A configuration file read safely: regular files only (a FIFO never blocks), at most 1 MiB.
fn read_config(path: &Path) -> Result<String, crate::files::FileError> {
    crate::files::read_text(path, 1 << 20)
}

/// Table names from iproute2's configuration (`rt_tables` and `rt_tables.d/*.conf`).
pub fn table_names() -> TableNames {
    let mut names = TableNames::default();
    for dir in ["/usr/share/iproute2", "/usr/lib/iproute2", "/etc/iproute2"] {
        let dir = Path::new(dir);
        if let Ok(text) = read_config(&dir.join("rt_tables")) {
            names.add_file_text(&text);
        }
        let Ok(entries) = std::fs::read_dir(dir.join("rt_tables.d")) else {
            continue;
        };
        let mut files: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        files.sort();
        for file in files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "conf"))
        {
            if let Ok(text) = read_config(file) {
                names.add_file_text(&text);
            }
        }
    }
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_device_list_is_read_from_the_multicast_listings() {
        let igmp6 = "1    lo              ff020000000000000000000000000001     1 0000000C 0\n\
                     1    lo              ff010000000000000000000000000001     1 00000008 0\n\
                     5    c               ff020000000000000000000000000001     1 0000000C 0\n\
                     2    p0              ff020000000000000000000000000001     1 0000000C 0\n";
        assert_eq!(igmp6_devices(igmp6), [1, 5, 2]);
        let igmp = "Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n\
                    1\tlo        :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n\
                    7\tv4only    :     1      V3\n\t\t\t\t010000E0     1 0:00000000\t\t0\n\
                    2\tp0        :     1      V3\n";
        assert_eq!(igmp_devices(igmp), [1, 7, 2]);
        assert_eq!(merge_orders(vec![1, 5, 2], &[1, 7, 2]), [1, 7, 5, 2]);
        let all_hosts: IpAddr = "224.0.0.1".parse().unwrap();
        assert_eq!(igmp_groups(igmp), [(1, all_hosts), (7, all_hosts)]);
        let all_nodes: IpAddr = "ff02::1".parse().unwrap();
        assert_eq!(igmp6_groups(igmp6)[0], (1, all_nodes));
    }

    #[test]
    fn merged_tables_have_identical_main_and_local_statistics() {
        let merged = "Basic info: x\nMain:\n\tLeaves:         3\nNull ptrs: 2\nLocal:\n\tLeaves:         3\nNull ptrs: 2\n";
        let split = "Basic info: x\nMain:\n\tLeaves:         0\nLocal:\n\tLeaves:         3\nNull ptrs: 2\n";
        assert!(triestat_sections_equal(merged));
        assert!(!triestat_sections_equal(split));
    }
}
