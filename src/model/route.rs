//! One route: its prefix, type, nexthops and attributes (`RouteTable` in `route_table.rs` holds
//! a table of them).

use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::{Family, Scope};

/// The kernel's route type (`RTN_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RouteKind {
    Unspec,
    Unicast,
    Local,
    Broadcast,
    Anycast,
    Multicast,
    Blackhole,
    Unreachable,
    Prohibit,
    Throw,
    Nat,
    Other(u8),
}

impl RouteKind {
    /// The word `ip route` uses (`unicast`, `local`, …).
    pub fn name(self) -> String {
        match self {
            Self::Unspec => "unspec".into(),
            Self::Unicast => "unicast".into(),
            Self::Local => "local".into(),
            Self::Broadcast => "broadcast".into(),
            Self::Anycast => "anycast".into(),
            Self::Multicast => "multicast".into(),
            Self::Blackhole => "blackhole".into(),
            Self::Unreachable => "unreachable".into(),
            Self::Prohibit => "prohibit".into(),
            Self::Throw => "throw".into(),
            Self::Nat => "nat".into(),
            Self::Other(n) => n.to_string(),
        }
    }

    /// The kind with this name (or number).
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "unspec" => Self::Unspec,
            "unicast" => Self::Unicast,
            "local" => Self::Local,
            "broadcast" => Self::Broadcast,
            "anycast" => Self::Anycast,
            "multicast" => Self::Multicast,
            "blackhole" => Self::Blackhole,
            "unreachable" => Self::Unreachable,
            "prohibit" => Self::Prohibit,
            "throw" => Self::Throw,
            "nat" => Self::Nat,
            n => Self::Other(n.parse().ok()?),
        })
    }

    /// The kind with this kernel number (`RTN_*`).
    pub fn from_number(n: u8) -> Self {
        match n {
            0 => Self::Unspec,
            1 => Self::Unicast,
            2 => Self::Local,
            3 => Self::Broadcast,
            4 => Self::Anycast,
            5 => Self::Multicast,
            6 => Self::Blackhole,
            7 => Self::Unreachable,
            8 => Self::Prohibit,
            9 => Self::Throw,
            10 => Self::Nat,
            n => Self::Other(n),
        }
    }

    /// Whether the type forwards or delivers packets through a nexthop (not an error type).
    pub fn has_nexthop(self) -> bool {
        matches!(
            self,
            Self::Unicast
                | Self::Local
                | Self::Broadcast
                | Self::Anycast
                | Self::Multicast
                | Self::Nat
        )
    }
}

/// Route and nexthop flags: `RTNH_F_*` in the low byte, `RTM_F_*` above.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RouteFlags(pub u32);

impl RouteFlags {
    pub const DEAD: u32 = 0x01;
    pub const PERVASIVE: u32 = 0x02;
    pub const ONLINK: u32 = 0x04;
    pub const OFFLOAD: u32 = 0x08;
    pub const LINKDOWN: u32 = 0x10;
    pub const UNRESOLVED: u32 = 0x20;
    pub const TRAP: u32 = 0x40;

    const NAMES: [(u32, &'static str); 7] = [
        (Self::DEAD, "dead"),
        (Self::PERVASIVE, "pervasive"),
        (Self::ONLINK, "onlink"),
        (Self::OFFLOAD, "offload"),
        (Self::LINKDOWN, "linkdown"),
        (Self::UNRESOLVED, "unresolved"),
        (Self::TRAP, "trap"),
    ];

    /// Whether every bit of `bit` is set.
    pub fn has(self, bit: u32) -> bool {
        self.0 & bit == bit
    }

    /// The names of the set nexthop flags, as `ip -j route` prints them.
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

/// One nexthop of a route: a device, maybe a gateway, a weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct NextHop {
    /// Output interface index (0 if none).
    pub dev: u32,
    /// Gateway (`via`), IPv4 or IPv6.
    pub gateway: Option<IpAddr>,
    /// Weight for multipath (1–256).
    pub weight: u16,
    /// `RTNH_F_*` flags of this nexthop.
    pub flags: RouteFlags,
}

impl NextHop {
    /// Whether two nexthops lead the same way: the same device and gateway.
    pub fn via(&self, other: &Self) -> bool {
        self.dev == other.dev && self.gateway == other.gateway
    }
}

/// The nexthops of a route: none (error types), one, or several (multipath, shared so that a
/// table hands out copies of its routes without allocating).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Hop {
    None,
    One(NextHop),
    Multi(Arc<[NextHop]>),
}

impl Hop {
    /// The nexthops as a slice.
    pub fn as_slice(&self) -> &[NextHop] {
        match self {
            Self::None => &[],
            Self::One(nh) => std::slice::from_ref(nh),
            Self::Multi(nhs) => nhs,
        }
    }

    /// Builds the compact form of a nexthop list.
    pub fn from_vec(mut hops: Vec<NextHop>) -> Self {
        match hops.len() {
            0 => Self::None,
            1 => Self::One(hops.remove(0)),
            _ => Self::Multi(hops.into()),
        }
    }
}

/// Rarely present route attributes, kept apart so the common route stays small.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct RouteExtra {
    /// Source prefix of an IPv6 source-specific route (`from` in `ip -6 route`).
    pub src: Option<IpNet>,
    /// IPv6 router preference (`RTA_PREF`: 0 medium, 1 high, 3 low).
    pub pref: Option<u8>,
    /// Seconds until the route expires (RA-learned IPv6 routes).
    pub expires: Option<u32>,
    /// Realms (`RTA_FLOW`, `realm`): while any route or rule has one, the kernel's source
    /// check never takes its fast path.
    pub realm: Option<u32>,
    /// Route attributes routescope does not evaluate (`RTA_*` numbers): an answer through this
    /// route is approximate.
    pub unmodelled: Vec<u16>,
}

/// One route of one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// Destination prefix (host bits cleared).
    pub dst: IpNet,
    /// Preferred source (`RTA_PREFSRC`, `ip route … src`).
    pub prefsrc: Option<IpAddr>,
    /// Route type.
    pub kind: RouteKind,
    /// Who installed it (`RTPROT_*`).
    pub protocol: u8,
    /// Scope.
    pub scope: Scope,
    /// IPv4 TOS selector (0: any).
    pub tos: u8,
    /// Table id (from `RTA_TABLE`, never the 8-bit header).
    pub table: u32,
    /// Metric (`RTA_PRIORITY`).
    pub metric: u32,
    /// Route flags (`RTNH_F_*` of a single-nexthop route, plus `RTM_F_*`).
    pub flags: RouteFlags,
    /// Nexthop object id (`RTA_NH_ID`), 0 if none.
    pub nhid: u32,
    /// The nexthops.
    pub hops: Hop,
    /// Rare attributes (shared, like a multipath route's nexthops).
    pub extra: Option<Arc<RouteExtra>>,
}

impl Route {
    /// A route of `kind` to `dst` in `table` with no nexthop, the other fields zero.
    pub fn new(table: u32, dst: IpNet, kind: RouteKind) -> Self {
        Self {
            dst: dst.trunc(),
            prefsrc: None,
            kind,
            protocol: 0,
            scope: Scope::UNIVERSE,
            tos: 0,
            table,
            metric: 0,
            flags: RouteFlags::default(),
            nhid: 0,
            hops: Hop::None,
            extra: None,
        }
    }

    /// The family of the route.
    pub fn family(&self) -> Family {
        Family::of(self.dst.addr())
    }

    /// The first nexthop's device (0 if none).
    pub fn dev(&self) -> u32 {
        self.hops.as_slice().first().map_or(0, |nh| nh.dev)
    }

    /// The first nexthop's gateway.
    pub fn gateway(&self) -> Option<IpAddr> {
        self.hops.as_slice().first().and_then(|nh| nh.gateway)
    }

    /// The source prefix of an IPv6 source-specific route.
    pub fn src_prefix(&self) -> Option<IpNet> {
        self.extra.as_ref().and_then(|e| e.src)
    }

    /// Whether two records name the same kernel route (used to apply updates and deletions): the
    /// same slot and type, and the same nexthop object, or else the same set of nexthops (the
    /// kernel lists a multipath route's nexthops in different orders in different messages).
    pub fn same_route(&self, other: &Self) -> bool {
        let (mine, theirs) = (self.hops.as_slice(), other.hops.as_slice());
        let within = |a: &[NextHop], b: &[NextHop]| a.iter().all(|h| b.iter().any(|g| h.via(g)));
        self.same_slot(other)
            && self.kind == other.kind
            && self.nhid == other.nhid
            && (self.nhid != 0
                || (mine.len() == theirs.len() && within(mine, theirs) && within(theirs, mine)))
    }

    /// Whether two routes compete for the same slot: prefix, source prefix, tos and metric.
    pub fn same_slot(&self, other: &Self) -> bool {
        self.dst == other.dst
            && self.tos == other.tos
            && self.metric == other.metric
            && self.src_prefix() == other.src_prefix()
    }
}

/// Where a new route goes among the routes of the same slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Before the others (`ip route prepend`, and plain `add`).
    First,
    /// After the others (`ip route append`, and dump order).
    Last,
    /// In place of the first one (`ip route replace`).
    Replace,
}
