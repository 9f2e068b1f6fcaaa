//! Network interfaces.

use super::LinkName;

/// Interface flags (`IFF_*`), kept as the kernel's bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkFlags(pub u32);

impl LinkFlags {
    pub const UP: u32 = 0x1;
    pub const BROADCAST: u32 = 0x2;
    pub const LOOPBACK: u32 = 0x8;
    pub const POINTOPOINT: u32 = 0x10;
    pub const RUNNING: u32 = 0x40;
    pub const NOARP: u32 = 0x80;
    pub const PROMISC: u32 = 0x100;
    pub const ALLMULTI: u32 = 0x200;
    pub const MASTER: u32 = 0x400;
    pub const SLAVE: u32 = 0x800;
    pub const MULTICAST: u32 = 0x1000;
    pub const LOWER_UP: u32 = 0x1_0000;
    pub const DORMANT: u32 = 0x2_0000;

    /// The names `ip -j link` prints, in its order (it never shows `RUNNING`, and neither do we).
    const NAMES: [(u32, &'static str); 12] = [
        (Self::LOOPBACK, "LOOPBACK"),
        (Self::BROADCAST, "BROADCAST"),
        (Self::POINTOPOINT, "POINTOPOINT"),
        (Self::MULTICAST, "MULTICAST"),
        (Self::NOARP, "NOARP"),
        (Self::ALLMULTI, "ALLMULTI"),
        (Self::PROMISC, "PROMISC"),
        (Self::MASTER, "MASTER"),
        (Self::SLAVE, "SLAVE"),
        (Self::UP, "UP"),
        (Self::LOWER_UP, "LOWER_UP"),
        (Self::DORMANT, "DORMANT"),
    ];

    /// Whether every bit of `bit` is set.
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit == bit
    }

    /// The set flags by name, as `ip -j link` lists them.
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

/// RFC 2863 operational state (`IF_OPER_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OperState {
    #[default]
    Unknown,
    NotPresent,
    Down,
    LowerLayerDown,
    Testing,
    Dormant,
    Up,
}

impl OperState {
    /// The kernel's name, as `ip -j link` prints it.
    pub fn name(self) -> &'static str {
        match self {
            Self::Unknown => "UNKNOWN",
            Self::NotPresent => "NOTPRESENT",
            Self::Down => "DOWN",
            Self::LowerLayerDown => "LOWERLAYERDOWN",
            Self::Testing => "TESTING",
            Self::Dormant => "DORMANT",
            Self::Up => "UP",
        }
    }

    /// The state with this kernel number (`IF_OPER_*`).
    pub fn from_number(n: u8) -> Self {
        match n {
            1 => Self::NotPresent,
            2 => Self::Down,
            3 => Self::LowerLayerDown,
            4 => Self::Testing,
            5 => Self::Dormant,
            6 => Self::Up,
            _ => Self::Unknown,
        }
    }

    /// The state with this kernel name (unknown names read as `Unknown`).
    pub fn from_name(name: &str) -> Self {
        [
            Self::NotPresent,
            Self::Down,
            Self::LowerLayerDown,
            Self::Testing,
            Self::Dormant,
            Self::Up,
        ]
        .into_iter()
        .find(|s| s.name() == name)
        .unwrap_or(Self::Unknown)
    }
}

/// One network interface.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Link {
    /// The interface index.
    pub index: u32,
    /// The interface name, as the kernel's bytes.
    pub name: LinkName,
    /// The link kind (`veth`, `bridge`, …), `None` for plain devices such as `lo` or `eth0`.
    pub kind: Option<String>,
    /// `IFF_*` flags.
    pub flags: LinkFlags,
    /// Operational state.
    pub operstate: OperState,
    /// MTU in bytes.
    pub mtu: u32,
    /// Hardware address, if the link has one.
    pub mac: Option<Vec<u8>>,
    /// Index of the master device (bridge, bond, VRF), if enslaved.
    pub master: Option<u32>,
    /// The VRF routing table, when this link is a VRF device.
    pub vrf_table: Option<u32>,
    /// The device group (`ip link set group`), used by `suppress_ifgroup`.
    pub group: u32,
}

impl Link {
    /// Whether the link is administratively up.
    pub fn is_up(&self) -> bool {
        self.flags.has(LinkFlags::UP)
    }

    /// Whether this is the loopback device.
    pub fn is_loopback(&self) -> bool {
        self.flags.has(LinkFlags::LOOPBACK)
    }

    /// Whether the carrier is up (`IFF_LOWER_UP`).
    pub fn has_carrier(&self) -> bool {
        self.flags.has(LinkFlags::LOWER_UP)
    }

    /// The hardware address as `aa:bb:cc:dd:ee:ff`.
    pub fn mac_text(&self) -> Option<String> {
        self.mac.as_ref().map(|m| hex_colon(m))
    }
}

/// Formats bytes as colon-separated lower-case hex, the way `ip` prints link-layer addresses.
pub fn hex_colon(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_names_round_trip() {
        let flags = LinkFlags(LinkFlags::UP | LinkFlags::LOOPBACK | LinkFlags::LOWER_UP);
        assert_eq!(flags.names(), ["LOOPBACK", "UP", "LOWER_UP"]);
        assert_eq!(LinkFlags::from_names(flags.names()), flags);
    }

    #[test]
    fn operstate_names_round_trip() {
        assert_eq!(
            OperState::from_name("LOWERLAYERDOWN"),
            OperState::LowerLayerDown
        );
        assert_eq!(OperState::from_name(OperState::Up.name()), OperState::Up);
        assert_eq!(OperState::from_name("weird"), OperState::Unknown);
    }
}
