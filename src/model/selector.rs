//! Rule selectors, each defined once: how it matches, its `ip rule` words, its JSON form and how
//! tests generate it all sit in this file, and every function destructures the enum without `..`,
//! so a new kernel attribute is a compile error until each part handles it.
//!
//! The match semantics are the kernel's (`net/core/fib_rules.c: fib_rule_match()`, then
//! `net/ipv4/fib_rules.c: fib4_rule_match()` / `net/ipv6/fib6_rules.c: fib6_rule_match()`), in the
//! kernel's order, which is the declaration order below; see `docs/linux-lookup.md` §2.2.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;
use serde_json::{Map, Value, json};
use strum::{EnumDiscriminants, EnumIter, IntoEnumIterator};

use super::name::unhex;
use super::{Family, LinkName};

/// The legacy IPv4 TOS bits a `tos` rule compares (`INET_DSCP_LEGACY_TOS_MASK`, kernel 6.18).
pub const LEGACY_TOS_MASK: u8 = 0x1c;

/// What the rule selectors see of a packet: the flow key with devices already named.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    pub family: Family,
    /// The arrival device's name (`lo` for locally generated traffic).
    pub iif: &'a LinkName,
    /// The device the flow is bound to, if any.
    pub oif: Option<&'a LinkName>,
    pub mark: u32,
    pub uid: u32,
    /// The source, `None` while the flow has none (0.0.0.0 / ::).
    pub src: Option<IpAddr>,
    pub dst: IpAddr,
    /// The DS field as sent: IPv4 TOS byte or IPv6 traffic class.
    pub tos: u8,
    /// The IPv6 flow label (20 bits), 0 for IPv4.
    pub flowlabel: u32,
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
}

impl Packet<'_> {
    /// The 6-bit DSCP of the packet's DS field.
    fn dscp(&self) -> u8 {
        self.tos >> 2
    }
}

/// A port selector: an inclusive range, or a value under a mask (`FRA_*PORT_MASK`, kernel 6.15).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortMatch {
    pub start: u16,
    pub end: u16,
    /// With a mask the kernel compares `(start ^ port) & mask` and ignores `end`.
    pub mask: Option<u16>,
}

impl PortMatch {
    /// A plain range.
    pub fn range(start: u16, end: u16) -> Self {
        Self {
            start,
            end,
            mask: None,
        }
    }

    /// Whether `port` matches (`fib_rule_port_match()`).
    pub fn contains(self, port: u16) -> bool {
        match self.mask.filter(|m| *m != 0) {
            Some(mask) => (self.start ^ port) & mask == 0,
            None => (self.start..=self.end).contains(&port),
        }
    }

    /// The one port a packet must have, `Err(true)` if none can match, `Err(false)` if several
    /// can (a range or a partial mask): what the rule index files a port selector by.
    fn exact(self) -> Result<u16, bool> {
        match self.mask.filter(|m| *m != 0) {
            Some(0xffff) => Ok(self.start),
            Some(_) => Err(false),
            None if self.start == self.end => Ok(self.start),
            None => Err(self.start > self.end),
        }
    }

    /// As `ip rule` writes it: `443`, `1000-2000` or `0x400/0xfc00`.
    fn words(self) -> String {
        match self.mask {
            // the kernel reports a single port with the full mask: that is still `443`
            Some(0xffff) | None if self.start == self.end => self.start.to_string(),
            None => format!("{}-{}", self.start, self.end),
            Some(mask) => format!("{:#x}/{mask:#x}", self.start),
        }
    }

    /// Reads the words back (`443`, `1000-2000`, `0x400/0xfc00`).
    fn parse(text: &str) -> Option<Self> {
        if let Some((value, mask)) = text.split_once('/') {
            let value = parse_u32(value).and_then(|v| u16::try_from(v).ok())?;
            let mask = parse_u32(mask).and_then(|v| u16::try_from(v).ok())?;
            return Some(Self {
                start: value,
                end: value,
                mask: Some(mask),
            });
        }
        let (a, b) = text.split_once('-').unwrap_or((text, text));
        Some(Self::range(a.parse().ok()?, b.parse().ok()?))
    }
}

/// One selector of a policy rule, as the kernel keeps it.
#[derive(Debug, Clone, PartialEq, Eq, EnumDiscriminants)]
#[strum_discriminants(name(SelectorKind), derive(EnumIter, PartialOrd, Ord, Hash))]
pub enum Selector {
    /// `iif NAME` (`FRA_IIFNAME`); `detached` while no device has the name.
    Iif { name: LinkName, detached: bool },
    /// `oif NAME` (`FRA_OIFNAME`).
    Oif { name: LinkName, detached: bool },
    /// `fwmark M/MASK` (`FRA_FWMARK`, `FRA_FWMASK`).
    Fwmark { mark: u32, mask: u32 },
    /// `tun_id N` (`FRA_TUN_ID`): metadata tunnels; `ip route get` flows carry tunnel id 0.
    TunId(u64),
    /// `l3mdev` (`FRA_L3MDEV`): the table of the VRF the flow belongs to.
    L3mdev,
    /// `uidrange A-B` (`FRA_UID_RANGE`).
    Uid { start: u32, end: u32 },
    /// `from PREFIX` (`FRA_SRC`).
    From(IpNet),
    /// `to PREFIX` (`FRA_DST`).
    To(IpNet),
    /// `tos T` (the header's tos): IPv4 compares the legacy bits 0x1c, IPv6 the whole DSCP.
    Tos(u8),
    /// `dscp D[/MASK]` (`FRA_DSCP`, `FRA_DSCP_MASK`; kernel 6.13 / 6.15): the 6-bit DSCP.
    Dscp { value: u8, mask: u8 },
    /// `flowlabel V/MASK` (`FRA_FLOWLABEL`, `FRA_FLOWLABEL_MASK`; IPv6, kernel 6.14).
    Flowlabel { value: u32, mask: u32 },
    /// `ipproto P` (`FRA_IP_PROTO`).
    IpProto(u8),
    /// `sport …` (`FRA_SPORT_RANGE`, `FRA_SPORT_MASK`).
    Sport(PortMatch),
    /// `dport …` (`FRA_DPORT_RANGE`, `FRA_DPORT_MASK`).
    Dport(PortMatch),
    /// An attribute routescope does not evaluate, kept as the kernel sent it.
    Unknown { kind: u16, value: Vec<u8> },
}

/// Whether a selector matches a packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fit {
    Yes,
    No,
    /// routescope cannot tell: the selector is not evaluated (the verdict is then approximate).
    Unknown,
}

/// What a packet must carry for a selector to let it through, in the terms the rule index files
/// rules by (`RuleIndex`): every packet `fit` accepts has it (the converse need not hold).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need<'s> {
    /// No packet: the selector never matches.
    Never,
    /// Nothing the index can use: the rule is tested for every packet.
    Anything,
    /// `mark & mask == value`.
    Mark { mask: u32, value: u32 },
    /// This arrival device.
    Iif(&'s LinkName),
    /// This bound device.
    Oif(&'s LinkName),
    /// This IP protocol.
    Proto(u8),
    /// This source port.
    Sport(u16),
    /// This destination port.
    Dport(u16),
    /// A uid in `start..=end`.
    Uid { start: u32, end: u32 },
    /// A source inside the prefix (a flow without one has 0.0.0.0 for IPv4 and, for IPv6, matches
    /// only the empty prefix, which is `Anything`).
    Src(IpNet),
    /// A destination inside the prefix.
    Dst(IpNet),
}

impl Selector {
    /// What a packet must carry to pass this selector (see `Need`): the same semantics as `fit`,
    /// reduced to what an index can look up.
    pub fn need(&self) -> Need<'_> {
        let port = |ports: &PortMatch, exact: fn(u16) -> Need<'static>| match ports.exact() {
            Ok(port) => exact(port),
            Err(true) => Need::Never,
            Err(false) => Need::Anything,
        };
        let prefix = |net: &IpNet, within: fn(IpNet) -> Need<'static>| {
            if net.prefix_len() == 0 {
                Need::Anything
            } else {
                within(*net)
            }
        };
        match self {
            Self::Iif { detached: true, .. } | Self::Oif { detached: true, .. } => Need::Never,
            Self::Iif { name, .. } => Need::Iif(name),
            Self::Oif { name, .. } => Need::Oif(name),
            Self::Fwmark { mask: 0, .. }
            | Self::TunId(0)
            | Self::Tos(_)
            | Self::Dscp { .. }
            | Self::Flowlabel { .. }
            | Self::Unknown { .. } => Need::Anything,
            Self::Fwmark { mark, mask } => Need::Mark {
                mask: *mask,
                value: mark & mask,
            },
            Self::TunId(_) | Self::L3mdev => Need::Never,
            Self::Uid { start, end } if start > end => Need::Never,
            Self::Uid { start, end } => Need::Uid {
                start: *start,
                end: *end,
            },
            Self::From(net) => prefix(net, Need::Src),
            Self::To(net) => prefix(net, Need::Dst),
            Self::IpProto(proto) => Need::Proto(*proto),
            Self::Sport(ports) => port(ports, Need::Sport),
            Self::Dport(ports) => port(ports, Need::Dport),
        }
    }

    /// The kind of selector.
    pub fn kind(&self) -> SelectorKind {
        SelectorKind::from(self)
    }

    /// Whether the packet passes this selector, as the kernel tests it.
    pub fn fit(&self, p: &Packet) -> Fit {
        let yes = |b: bool| if b { Fit::Yes } else { Fit::No };
        match self {
            // a detached device has ifindex -1 in the kernel and never equals the flow's
            Self::Iif { name, detached } => yes(!detached && p.iif == name),
            Self::Oif { name, detached } => yes(!detached && p.oif == Some(name)),
            Self::Fwmark { mark, mask } => yes((mark ^ p.mark) & mask == 0),
            Self::TunId(id) => yes(*id == 0),
            // no flow of `ip route get` belongs to a VRF in the devices routescope models
            Self::L3mdev => Fit::No,
            Self::Uid { start, end } => yes((*start..=*end).contains(&p.uid)),
            Self::From(net) => match (p.family, p.src) {
                // IPv6 tests `from` only when the flow has a source (RT6_LOOKUP_F_HAS_SADDR)
                (Family::V6, None) => yes(net.prefix_len() == 0),
                (_, src) => yes(net.contains(&src.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)))),
            },
            Self::To(net) => yes(net.contains(&p.dst)),
            Self::Tos(tos) => match p.family {
                Family::V4 => yes(*tos == p.tos & LEGACY_TOS_MASK),
                Family::V6 => yes(*tos >> 2 == p.dscp()),
            },
            Self::Dscp { value, mask } => yes((value ^ p.dscp()) & mask == 0),
            Self::Flowlabel { value, mask } => yes((value ^ p.flowlabel) & mask == 0),
            Self::IpProto(proto) => yes(*proto == p.proto),
            Self::Sport(ports) => yes(ports.contains(p.sport)),
            Self::Dport(ports) => yes(ports.contains(p.dport)),
            Self::Unknown { .. } => Fit::Unknown,
        }
    }

    /// The word of a device selector: `iif` or `oif` (empty for other kinds).
    fn device_word(&self) -> &'static str {
        match self {
            Self::Iif { .. } => "iif",
            Self::Oif { .. } => "oif",
            _ => "",
        }
    }

    /// The selector as `ip rule` writes it, e.g. `fwmark 0x10/0xff` (detached devices marked).
    pub fn words(&self) -> String {
        match self {
            Self::Iif { name, detached } | Self::Oif { name, detached } => {
                let word = self.device_word();
                let gone = if *detached { " [detached]" } else { "" };
                format!("{word} {name}{gone}")
            }
            Self::Fwmark { mark, mask } if *mask == u32::MAX => format!("fwmark {}", c_hex(*mark)),
            Self::Fwmark { mark, mask } => format!("fwmark {}/{}", c_hex(*mark), c_hex(*mask)),
            Self::TunId(id) => format!("tun_id {id}"),
            Self::L3mdev => "l3mdev".into(),
            Self::Uid { start, end } => format!("uidrange {start}-{end}"),
            Self::From(net) => format!("from {}", prefix_text(*net)),
            Self::To(net) => format!("to {}", prefix_text(*net)),
            Self::Tos(tos) => format!("tos {tos:#04x}"),
            Self::Dscp { value, mask } if *mask == 0x3f => format!("dscp {value}"),
            Self::Dscp { value, mask } => format!("dscp {value}/{mask:#x}"),
            Self::Flowlabel { value, mask } => format!("flowlabel {value:#x}/{mask:#x}"),
            Self::IpProto(proto) => format!("ipproto {}", ipproto_name(*proto)),
            Self::Sport(ports) => format!("sport {}", ports.words()),
            Self::Dport(ports) => format!("dport {}", ports.words()),
            Self::Unknown { kind, value } => format!("attribute{kind} {}", hex(value)),
        }
    }

    /// Why the packet fails this selector: what the rule wants and what the packet has.
    pub fn mismatch(&self, p: &Packet) -> String {
        let wants = self.words();
        let has = match self {
            Self::Iif { detached: true, .. } | Self::Oif { detached: true, .. } => {
                "no device has that name now".to_owned()
            }
            Self::Iif { .. } => format!("the packet comes from {}", p.iif),
            Self::Oif { .. } => p.oif.map_or_else(
                || "the flow is not bound to a device".to_owned(),
                |o| format!("the flow is bound to {o}"),
            ),
            Self::Fwmark { .. } => format!("the packet's mark is {:#x}", p.mark),
            Self::TunId(_) => "the packet came through no metadata tunnel (tun_id 0)".into(),
            Self::L3mdev => "the flow is not in a VRF".into(),
            Self::Uid { .. } => format!("uid is {}", p.uid),
            Self::From(_) => match p.src {
                None if p.family == Family::V6 => "no source address given".into(),
                None => "the source is 0.0.0.0 (none yet)".into(),
                Some(s) => format!("the source is {s}"),
            },
            Self::To(_) => format!("the destination is {}", p.dst),
            Self::Tos(_) => format!("the packet's tos is {:#04x}", p.tos),
            Self::Dscp { .. } => format!("the packet's DSCP is {}", p.dscp()),
            Self::Flowlabel { .. } => format!("the flow label is {:#x}", p.flowlabel),
            Self::IpProto(_) => format!("the packet is {}", ipproto_name(p.proto)),
            Self::Sport(_) => format!("the port is {}", p.sport),
            Self::Dport(_) => format!("the port is {}", p.dport),
            Self::Unknown { kind, .. } => {
                format!("routescope does not evaluate attribute {kind}")
            }
        };
        format!("{wants}: {has}")
    }

    /// Where `ip rule` prints this selector (`print_rule` in iproute2's `ip/iprule.c`).
    pub fn print_rank(&self) -> u8 {
        match self {
            Self::From(_) => 0,
            Self::To(_) => 1,
            Self::Tos(_) => 2,
            Self::Dscp { .. } => 3,
            Self::Flowlabel { .. } => 4,
            Self::Fwmark { .. } => 5,
            Self::Iif { .. } => 6,
            Self::Oif { .. } => 7,
            Self::L3mdev => 8,
            Self::Uid { .. } => 9,
            Self::IpProto(_) => 10,
            Self::Sport(_) => 11,
            Self::Dport(_) => 12,
            Self::TunId(_) => 13,
            Self::Unknown { .. } => 14,
        }
    }

    /// Whether iproute2 6.1 can write this selector with `ip rule add` (else: raw netlink).
    pub fn iproute2_writes(&self) -> bool {
        match self {
            Self::Iif { .. }
            | Self::Oif { .. }
            | Self::Fwmark { .. }
            | Self::TunId(_)
            | Self::L3mdev
            | Self::Uid { .. }
            | Self::From(_)
            | Self::To(_)
            | Self::Tos(_)
            | Self::IpProto(_) => true,
            Self::Sport(p) | Self::Dport(p) => p.mask.is_none(),
            Self::Dscp { .. } | Self::Flowlabel { .. } | Self::Unknown { .. } => false,
        }
    }

    /// The JSON fields of this selector in `dump --json` (names follow `ip -j rule`).
    pub fn json_fields(&self) -> Vec<(String, Value)> {
        let one = |k: &str, v: Value| vec![(k.to_owned(), v)];
        match self {
            Self::Iif { name, detached } | Self::Oif { name, detached } => {
                let word = self.device_word();
                let mut fields = one(word, json!(name));
                if *detached {
                    fields.push((format!("{word}_detached"), json!(true)));
                }
                fields
            }
            Self::Fwmark { mark, mask } => {
                vec![
                    ("fwmark".into(), json!(mark)),
                    ("fwmask".into(), json!(mask)),
                ]
            }
            Self::TunId(id) => one("tun_id", json!(id)),
            Self::L3mdev => one("l3mdev", json!(true)),
            Self::Uid { start, end } => one("uidrange", json!(format!("{start}-{end}"))),
            Self::From(net) => one("from", json!(net.to_string())),
            Self::To(net) => one("to", json!(net.to_string())),
            Self::Tos(tos) => one("tos", json!(tos)),
            Self::Dscp { value, mask } => {
                vec![
                    ("dscp".into(), json!(value)),
                    ("dscp_mask".into(), json!(mask)),
                ]
            }
            Self::Flowlabel { value, mask } => vec![
                ("flowlabel".into(), json!(value)),
                ("flowlabel_mask".into(), json!(mask)),
            ],
            Self::IpProto(proto) => one("ipproto", json!(proto)),
            Self::Sport(p) | Self::Dport(p) => {
                let word = if matches!(self, Self::Sport(_)) {
                    "sport"
                } else {
                    "dport"
                };
                let mut fields = one(word, json!(format!("{}-{}", p.start, p.end)));
                if let Some(mask) = p.mask {
                    fields.push((format!("{word}_mask"), json!(mask)));
                }
                fields
            }
            Self::Unknown { kind, value } => one(&format!("attribute{kind}"), json!(hex(value))),
        }
    }

    /// Reads every selector of one kind from a rule's JSON fields (the inverse of `json_fields`).
    pub fn from_json(kind: SelectorKind, m: &Map<String, Value>) -> Result<Vec<Self>, String> {
        let f = Fields(m);
        let one = match kind {
            SelectorKind::Iif => f.text("iif")?.map(|name| Self::Iif {
                name: LinkName::from_json_text(name),
                detached: f.flag("iif_detached"),
            }),
            SelectorKind::Oif => f.text("oif")?.map(|name| Self::Oif {
                name: LinkName::from_json_text(name),
                detached: f.flag("oif_detached"),
            }),
            SelectorKind::Fwmark => {
                match (f.num("fwmark", u32::MAX)?, f.num("fwmask", u32::MAX)?) {
                    (None, None) => None,
                    (mark, mask) => Some(Self::Fwmark {
                        mark: mark.unwrap_or(0),
                        mask: mask.unwrap_or(u32::MAX),
                    }),
                }
            }
            SelectorKind::TunId => f.big("tun_id")?.map(Self::TunId),
            SelectorKind::L3mdev => f.flag("l3mdev").then_some(Self::L3mdev),
            SelectorKind::Uid => f
                .text("uidrange")?
                .map(|t| {
                    let (a, b) = t.split_once('-').unwrap_or((t, t));
                    match (a.parse(), b.parse()) {
                        (Ok(start), Ok(end)) => Ok(Self::Uid { start, end }),
                        _ => Err(format!("uidrange: '{t}' is not a range")),
                    }
                })
                .transpose()?,
            SelectorKind::From => f.prefix("from")?.map(Self::From),
            SelectorKind::To => f.prefix("to")?.map(Self::To),
            SelectorKind::Tos => f.small("tos", 0xff)?.filter(|t| *t != 0).map(Self::Tos),
            SelectorKind::Dscp => match f.small("dscp", 0x3f)? {
                None => None,
                Some(value) => Some(Self::Dscp {
                    value,
                    mask: f.small("dscp_mask", 0x3f)?.unwrap_or(0x3f),
                }),
            },
            SelectorKind::Flowlabel => match f.num("flowlabel", 0xf_ffff)? {
                None => None,
                Some(value) => Some(Self::Flowlabel {
                    value,
                    mask: f.num("flowlabel_mask", 0xf_ffff)?.unwrap_or(0xf_ffff),
                }),
            },
            SelectorKind::IpProto => f.small("ipproto", 0xff)?.map(Self::IpProto),
            SelectorKind::Sport => f.ports("sport")?.map(Self::Sport),
            SelectorKind::Dport => f.ports("dport")?.map(Self::Dport),
            SelectorKind::Unknown => return f.unknown(),
        };
        Ok(one.into_iter().collect())
    }

    /// Every selector of a rule's JSON fields, in kernel order.
    pub fn all_from_json(m: &Map<String, Value>) -> Result<Vec<Self>, String> {
        let mut all = Vec::new();
        for kind in SelectorKind::iter() {
            all.extend(Self::from_json(kind, m)?);
        }
        Ok(all)
    }

    /// A random selector of `kind` for tests, drawn from values the test configurations use;
    /// `pick(n)` returns a number below `n`.
    pub fn sample(
        kind: SelectorKind,
        family: Family,
        devices: &[&str],
        pick: &mut dyn FnMut(usize) -> usize,
    ) -> Self {
        let v6 = family == Family::V6;
        let mut from = |items: &[&str]| items[pick(items.len())].to_owned();
        let prefix = |t: String| {
            t.parse::<IpNet>()
                .map_or_else(|_| IpNet::default(), |n| n.trunc())
        };
        match kind {
            SelectorKind::Iif | SelectorKind::Oif => {
                let name = LinkName::from(from(devices));
                if kind == SelectorKind::Iif {
                    Self::Iif {
                        name,
                        detached: false,
                    }
                } else {
                    Self::Oif {
                        name,
                        detached: false,
                    }
                }
            }
            SelectorKind::Fwmark => Self::Fwmark {
                mark: from(&["0", "1", "2", "3"]).parse().unwrap_or(0),
                mask: from(&["255", "3", "1"]).parse().unwrap_or(1),
            },
            SelectorKind::TunId => Self::TunId(from(&["0", "7"]).parse().unwrap_or(0)),
            SelectorKind::L3mdev => Self::L3mdev,
            SelectorKind::Uid => match from(&["0-0", "1000-1999"]).split_once('-') {
                Some((a, b)) => Self::Uid {
                    start: a.parse().unwrap_or(0),
                    end: b.parse().unwrap_or(0),
                },
                None => Self::Uid { start: 0, end: 0 },
            },
            SelectorKind::From if v6 => Self::From(prefix(from(&["2001:db8:10::/48"]))),
            SelectorKind::From => Self::From(prefix(from(&[
                "10.10.0.0/16",
                "10.11.0.0/16",
                "10.12.0.0/16",
            ]))),
            SelectorKind::To if v6 => Self::To(prefix(from(&["2001:db8:77::/48"]))),
            SelectorKind::To => Self::To(prefix(from(&[
                "192.0.2.0/24",
                "5.5.0.0/16",
                "10.99.0.0/16",
            ]))),
            SelectorKind::Tos => Self::Tos(from(&["16", "8", "4"]).parse().unwrap_or(16)),
            SelectorKind::Dscp => Self::Dscp {
                value: from(&["4", "10", "46"]).parse().unwrap_or(4),
                mask: from(&["63", "63", "56"]).parse().unwrap_or(63),
            },
            SelectorKind::Flowlabel => Self::Flowlabel {
                value: from(&["0", "1", "74565"]).parse().unwrap_or(0),
                mask: from(&["1048575", "255"]).parse().unwrap_or(255),
            },
            SelectorKind::IpProto => Self::IpProto(from(&["6", "17", "1"]).parse().unwrap_or(6)),
            SelectorKind::Sport | SelectorKind::Dport => {
                let text = from(&["443", "80-90", "53", "1000-2000", "22", "0x400/0xfc00"]);
                let ports = PortMatch::parse(&text).unwrap_or(PortMatch::range(0, 0));
                if kind == SelectorKind::Sport {
                    Self::Sport(ports)
                } else {
                    Self::Dport(ports)
                }
            }
            SelectorKind::Unknown => Self::Unknown {
                kind: 31,
                value: vec![1, 0, 0, 0],
            },
        }
    }
}

/// A rule's JSON fields, read with the checks every selector needs.
struct Fields<'a>(&'a Map<String, Value>);

impl Fields<'_> {
    /// A field that is present and not null.
    fn get(&self, k: &str) -> Option<&Value> {
        self.0.get(k).filter(|v| !v.is_null())
    }

    /// A string field.
    fn text(&self, k: &str) -> Result<Option<&str>, String> {
        self.get(k)
            .map(|v| {
                v.as_str()
                    .ok_or_else(|| format!("{k}: {v} is not a string"))
            })
            .transpose()
    }

    /// A boolean field (absent: false).
    fn flag(&self, k: &str) -> bool {
        self.get(k).and_then(Value::as_bool).unwrap_or(false)
    }

    /// A 64-bit number field.
    fn big(&self, k: &str) -> Result<Option<u64>, String> {
        self.get(k)
            .map(|v| {
                v.as_u64()
                    .ok_or_else(|| format!("{k}: {v} is not a number"))
            })
            .transpose()
    }

    /// A number field no larger than `max`.
    fn num(&self, k: &str, max: u32) -> Result<Option<u32>, String> {
        self.big(k)?
            .map(|v| {
                u32::try_from(v)
                    .ok()
                    .filter(|v| *v <= max)
                    .ok_or_else(|| format!("{k}: {v} is larger than {max}"))
            })
            .transpose()
    }

    /// A byte field no larger than `max`.
    fn small(&self, k: &str, max: u8) -> Result<Option<u8>, String> {
        Ok(self
            .num(k, u32::from(max))?
            .map(|v| u8::try_from(v).unwrap_or(max)))
    }

    /// A prefix field.
    fn prefix(&self, k: &str) -> Result<Option<IpNet>, String> {
        self.text(k)?
            .map(|t| {
                t.parse::<IpNet>()
                    .map(|n| n.trunc())
                    .map_err(|_| format!("{k}: '{t}' is not a prefix"))
            })
            .transpose()
    }

    /// A port field (`1000-2000`) with its optional `_mask`.
    fn ports(&self, k: &str) -> Result<Option<PortMatch>, String> {
        let Some(t) = self.text(k)? else {
            return Ok(None);
        };
        let mut p = PortMatch::parse(t).ok_or_else(|| format!("{k}: '{t}' is not a range"))?;
        if let Some(mask) = self.num(&format!("{k}_mask"), 0xffff)? {
            p.mask = Some(u16::try_from(mask).unwrap_or(u16::MAX));
        }
        Ok(Some(p))
    }

    /// Every `attributeN` field: the attributes routescope does not evaluate.
    fn unknown(&self) -> Result<Vec<Selector>, String> {
        let mut all = Vec::new();
        for (key, v) in self.0 {
            let Some(kind) = key.strip_prefix("attribute").and_then(|k| k.parse().ok()) else {
                continue;
            };
            let value = v
                .as_str()
                .and_then(unhex)
                .ok_or_else(|| format!("{key}: {v} is not hex bytes"))?;
            all.push(Selector::Unknown { kind, value });
        }
        Ok(all)
    }
}

/// A number in C notation: decimal or `0x` hex.
fn parse_u32(text: &str) -> Option<u32> {
    match text.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// A number as C's `%#x` prints it: hex with `0x`, except zero, which is plain `0`.
pub fn c_hex(n: u32) -> String {
    if n == 0 {
        "0".to_owned()
    } else {
        format!("{n:#x}")
    }
}

/// A prefix as `ip rule` prints it: a bare address for host prefixes.
pub fn prefix_text(net: IpNet) -> String {
    if net.prefix_len() == net.max_prefix_len() {
        net.addr().to_string()
    } else {
        net.to_string()
    }
}

/// The name of an IP protocol number as `ip` prints it (`tcp`, `udp`, …) or the number.
pub fn ipproto_name(proto: u8) -> String {
    match proto {
        1 => "icmp".into(),
        6 => "tcp".into(),
        17 => "udp".into(),
        58 => "ipv6-icmp".into(),
        132 => "sctp".into(),
        n => n.to_string(),
    }
}

/// Bytes as lowercase hex.
fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
