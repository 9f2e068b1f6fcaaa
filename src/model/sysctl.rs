//! The per-device sysctls the lookup depends on.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::LinkName;

/// IPv4 and IPv6 settings of one device (or of `all` / `default`); also their JSON form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct DeviceSysctls {
    /// `net.ipv4.conf.DEV.forwarding`.
    pub forwarding: bool,
    /// `net.ipv4.conf.DEV.rp_filter` (0 off, 1 strict, 2 loose).
    pub rp_filter: u8,
    /// `net.ipv4.conf.DEV.route_localnet`.
    pub route_localnet: bool,
    /// `net.ipv4.conf.DEV.accept_local`.
    pub accept_local: bool,
    /// `net.ipv4.conf.DEV.src_valid_mark`.
    pub src_valid_mark: bool,
    /// `net.ipv4.conf.DEV.ignore_routes_with_linkdown`.
    pub ignore_routes_with_linkdown: bool,
    /// `net.ipv4.conf.DEV.promote_secondaries`.
    pub promote_secondaries: bool,
    /// `net.ipv4.conf.DEV.send_redirects` (all OR device).
    pub send_redirects: bool,
    /// `net.ipv4.conf.DEV.bc_forwarding` (all AND device).
    pub bc_forwarding: bool,
    /// `net.ipv4.conf.DEV.mc_forwarding` (read-only: a multicast router daemon runs).
    pub mc_forwarding: bool,
    /// `net.ipv6.conf.DEV.forwarding`.
    pub ipv6_forwarding: bool,
    /// `net.ipv6.conf.DEV.use_oif_addrs_only` (device value only).
    pub ipv6_use_oif_addrs_only: bool,
    /// `net.ipv6.conf.DEV.ignore_routes_with_linkdown` (device value only).
    pub ipv6_ignore_routes_with_linkdown: bool,
    /// `net.ipv6.conf.DEV.use_tempaddr` (device value only; 2 or more prefers temporary addresses).
    pub ipv6_use_tempaddr: i32,
    /// `net.ipv6.conf.DEV.optimistic_dad` (all OR device).
    pub ipv6_optimistic_dad: bool,
    /// `net.ipv6.conf.DEV.use_optimistic` (all OR device).
    pub ipv6_use_optimistic: bool,
}

/// The sysctls of every device, plus `all`; the kernel combines `all` with the device's value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Sysctls {
    /// `net.ipv4.conf.all.*` / `net.ipv6.conf.all.*`.
    pub all: DeviceSysctls,
    /// Per-device values by device name.
    pub devices: BTreeMap<LinkName, DeviceSysctls>,
}

impl Sysctls {
    /// The settings of one device, or the defaults if it was not read.
    pub fn device(&self, name: &(impl AsRef<[u8]> + ?Sized)) -> DeviceSysctls {
        self.devices.get(name.as_ref()).copied().unwrap_or_default()
    }

    /// The effective `rp_filter` of a device: the kernel takes the larger of `all` and the device.
    pub fn rp_filter(&self, name: &(impl AsRef<[u8]> + ?Sized)) -> u8 {
        self.all.rp_filter.max(self.device(name).rp_filter)
    }

    /// Whether IPv4 forwarding is on for packets arriving on `name` (`IN_DEV_FORWARD`: device value).
    pub fn forwarding(&self, name: &(impl AsRef<[u8]> + ?Sized)) -> bool {
        self.device(name).forwarding
    }

    /// `IN_DEV_ANDCONF`-style settings: on only if on for `all` and for the device.
    pub fn both(
        &self,
        name: &(impl AsRef<[u8]> + ?Sized),
        pick: impl Fn(&DeviceSysctls) -> bool,
    ) -> bool {
        pick(&self.all) && pick(&self.device(name))
    }

    /// `IN_DEV_ORCONF`-style settings: on if on for `all` or for the device.
    pub fn either(
        &self,
        name: &(impl AsRef<[u8]> + ?Sized),
        pick: impl Fn(&DeviceSysctls) -> bool,
    ) -> bool {
        pick(&self.all) || pick(&self.device(name))
    }
}
