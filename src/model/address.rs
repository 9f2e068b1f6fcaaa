//! Interface addresses, IPv4 and IPv6.

use std::net::{IpAddr, Ipv4Addr};

use super::{Family, LinkName};

/// An address or route scope (`RT_SCOPE_*`); smaller numbers reach further.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Scope(pub u8);

impl Scope {
    pub const UNIVERSE: Self = Self(0);
    pub const SITE: Self = Self(200);
    pub const LINK: Self = Self(253);
    pub const HOST: Self = Self(254);
    pub const NOWHERE: Self = Self(255);

    /// The name `ip` prints (`global`, `link`, `host`, …) or the number.
    pub fn name(self) -> String {
        match self.0 {
            0 => "global".into(),
            200 => "site".into(),
            253 => "link".into(),
            254 => "host".into(),
            255 => "nowhere".into(),
            n => n.to_string(),
        }
    }

    /// The scope with this name or number (`universe` is accepted for `global`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "global" | "universe" => Some(Self::UNIVERSE),
            "site" => Some(Self::SITE),
            "link" => Some(Self::LINK),
            "host" => Some(Self::HOST),
            "nowhere" => Some(Self::NOWHERE),
            n => n.parse().ok().map(Self),
        }
    }
}

/// Address flags (`IFA_F_*`), as the kernel's bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AddressFlags(pub u32);

impl AddressFlags {
    pub const SECONDARY: u32 = 0x01;
    pub const NODAD: u32 = 0x02;
    pub const OPTIMISTIC: u32 = 0x04;
    pub const DADFAILED: u32 = 0x08;
    pub const HOMEADDRESS: u32 = 0x10;
    pub const DEPRECATED: u32 = 0x20;
    pub const TENTATIVE: u32 = 0x40;
    pub const PERMANENT: u32 = 0x80;
    pub const MANAGETEMPADDR: u32 = 0x100;
    pub const NOPREFIXROUTE: u32 = 0x200;
    pub const MCAUTOJOIN: u32 = 0x400;
    pub const STABLE_PRIVACY: u32 = 0x800;

    /// Names as `ip` prints them; `permanent` is the absence of `dynamic` there, so it is named too.
    const NAMES: [(u32, &'static str); 12] = [
        (Self::SECONDARY, "secondary"),
        (Self::NODAD, "nodad"),
        (Self::OPTIMISTIC, "optimistic"),
        (Self::DADFAILED, "dadfailed"),
        (Self::HOMEADDRESS, "home"),
        (Self::DEPRECATED, "deprecated"),
        (Self::TENTATIVE, "tentative"),
        (Self::PERMANENT, "permanent"),
        (Self::MANAGETEMPADDR, "mngtmpaddr"),
        (Self::NOPREFIXROUTE, "noprefixroute"),
        (Self::MCAUTOJOIN, "autojoin"),
        (Self::STABLE_PRIVACY, "stable-privacy"),
    ];

    /// Whether every bit of `bit` is set.
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit == bit
    }

    /// The names of the set flags.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(bit, _)| self.has(*bit))
            .map(|(_, n)| *n)
            .collect()
    }

    /// The flags named in `names` (unknown names are ignored).
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let bits = names
            .into_iter()
            .filter_map(|n| Self::NAMES.iter().find(|(_, name)| *name == n))
            .fold(0, |acc, (bit, _)| acc | bit);
        Self(bits)
    }
}

/// One address on one interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Address {
    /// The interface index.
    pub index: u32,
    /// The interface's own address (`IFA_LOCAL`, or `IFA_ADDRESS` when there is no local).
    pub local: IpAddr,
    /// The peer on a point-to-point link (`IFA_ADDRESS` when it differs from the local).
    pub peer: Option<IpAddr>,
    /// Prefix length.
    pub prefix_len: u8,
    /// Scope.
    pub scope: Scope,
    /// IPv4 label (`eth0:1`), if any, as the kernel's bytes.
    pub label: Option<LinkName>,
    /// `IFA_F_*` flags.
    pub flags: AddressFlags,
    /// IPv4 broadcast address, if any.
    pub broadcast: Option<Ipv4Addr>,
    /// Valid lifetime in seconds (`u32::MAX`: forever).
    pub valid_lft: u32,
    /// Preferred lifetime in seconds (`u32::MAX`: forever).
    pub preferred_lft: u32,
    /// Metric of the prefix route (`IFA_RT_PRIORITY`), 0 if unset.
    pub metric: u32,
}

impl Address {
    /// The family of the address.
    pub fn family(&self) -> Family {
        Family::of(self.local)
    }

    /// Whether this is a secondary address (IPv4: another address of the same subnet came first).
    pub fn is_secondary(&self) -> bool {
        self.flags.has(AddressFlags::SECONDARY)
    }

    /// Whether two records name the same kernel object (IPv4: local, prefix and peer; IPv6: address).
    pub fn same_object(&self, other: &Self) -> bool {
        self.index == other.index
            && self.local == other.local
            && (self.family() == Family::V6
                || (self.prefix_len == other.prefix_len && self.peer == other.peer))
    }

    /// The prefix the address covers (the peer's for point-to-point addresses).
    pub fn prefix(&self) -> ipnet::IpNet {
        let base = self.peer.unwrap_or(self.local);
        ipnet::IpNet::new(base, self.prefix_len)
            .map_or_else(|_| ipnet::IpNet::from(base), |n| n.trunc())
    }

    /// Whether `addr` lies in the address's subnet.
    pub fn covers(&self, addr: IpAddr) -> bool {
        self.prefix().contains(&addr)
    }
}
