//! Neighbour cache entries (ARP for IPv4, NDP for IPv6).

use std::net::IpAddr;

/// Neighbour unreachability state (`NUD_*` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NeighbourState(pub u16);

impl NeighbourState {
    pub const INCOMPLETE: u16 = 0x01;
    pub const REACHABLE: u16 = 0x02;
    pub const STALE: u16 = 0x04;
    pub const DELAY: u16 = 0x08;
    pub const PROBE: u16 = 0x10;
    pub const FAILED: u16 = 0x20;
    pub const NOARP: u16 = 0x40;
    pub const PERMANENT: u16 = 0x80;

    const NAMES: [(u16, &'static str); 8] = [
        (Self::INCOMPLETE, "INCOMPLETE"),
        (Self::REACHABLE, "REACHABLE"),
        (Self::STALE, "STALE"),
        (Self::DELAY, "DELAY"),
        (Self::PROBE, "PROBE"),
        (Self::FAILED, "FAILED"),
        (Self::NOARP, "NOARP"),
        (Self::PERMANENT, "PERMANENT"),
    ];

    /// The names of the set bits, as `ip -j neigh` prints them.
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES
            .iter()
            .filter(|(bit, _)| self.0 & bit != 0)
            .map(|(_, n)| *n)
            .collect()
    }

    /// The state named in `names`.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Self {
        let bits = names
            .into_iter()
            .filter_map(|n| Self::NAMES.iter().find(|(_, name)| *name == n))
            .fold(0, |acc, (bit, _)| acc | bit);
        Self(bits)
    }

    /// Whether the kernel considers the neighbour valid (`NUD_VALID`).
    pub fn is_valid(self) -> bool {
        self.0
            & (Self::PERMANENT
                | Self::NOARP
                | Self::REACHABLE
                | Self::PROBE
                | Self::STALE
                | Self::DELAY)
            != 0
    }
}

/// One neighbour cache entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbour {
    /// The interface index.
    pub index: u32,
    /// The neighbour's IP address.
    pub dst: IpAddr,
    /// Its link-layer address, if resolved.
    pub lladdr: Option<Vec<u8>>,
    /// Its state.
    pub state: NeighbourState,
    /// `NTF_*` flags (router, proxy …).
    pub flags: u8,
}

impl Neighbour {
    /// Whether two records name the same entry.
    pub fn same_entry(&self, other: &Self) -> bool {
        self.index == other.index && self.dst == other.dst
    }
}
