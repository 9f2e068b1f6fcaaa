//! Policy routing rules (the RPDB), IPv4 and IPv6.

use ipnet::IpNet;

use super::Family;

/// What a rule does when it matches (`FR_ACT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleAction {
    /// Look up a table.
    Lookup,
    /// Jump to the first rule with priority >= the target.
    Goto,
    /// Do nothing and go on.
    Nop,
    /// Drop silently (`EINVAL` for `ip route get`).
    Blackhole,
    /// Answer `ENETUNREACH`.
    Unreachable,
    /// Answer `EACCES`.
    Prohibit,
    /// An action this version does not know (number from the kernel).
    Other(u8),
}

impl RuleAction {
    /// The word `ip rule` and the JSON contract use.
    pub fn name(self) -> String {
        match self {
            Self::Lookup => "lookup".into(),
            Self::Goto => "goto".into(),
            Self::Nop => "nop".into(),
            Self::Blackhole => "blackhole".into(),
            Self::Unreachable => "unreachable".into(),
            Self::Prohibit => "prohibit".into(),
            Self::Other(n) => format!("action{n}"),
        }
    }

    /// The action with this kernel number (`FR_ACT_*`).
    pub fn from_number(n: u8) -> Self {
        match n {
            1 => Self::Lookup,
            2 => Self::Goto,
            3 => Self::Nop,
            6 => Self::Blackhole,
            7 => Self::Unreachable,
            8 => Self::Prohibit,
            n => Self::Other(n),
        }
    }

    /// The action with this name.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "lookup" | "to_tbl" => Self::Lookup,
            "goto" => Self::Goto,
            "nop" => Self::Nop,
            "blackhole" => Self::Blackhole,
            "unreachable" => Self::Unreachable,
            "prohibit" => Self::Prohibit,
            other => Self::Other(other.strip_prefix("action")?.parse().ok()?),
        })
    }
}

/// An inclusive port range selector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortRange {
    pub start: u16,
    pub end: u16,
}

impl PortRange {
    /// Whether `port` lies in the range.
    pub fn contains(self, port: u16) -> bool {
        (self.start..=self.end).contains(&port)
    }
}

/// One policy rule with every selector netlink carries.
///
/// `repr(C)` keeps the declaration order: the fields the rule walk tests first sit together at
/// the front, so passing over a rule touches one or two cache lines (1000 rules: see benches/).
#[derive(Debug, Clone, PartialEq, Eq)]
#[repr(C)]
pub struct Rule {
    /// IPv4 or IPv6.
    pub family: Family,
    /// Priority (`pref`); a rule without `FRA_PRIORITY` has 0.
    pub priority: u32,
    /// The action.
    pub action: RuleAction,
    /// The table for `lookup` (`FRA_TABLE`, the full 32-bit id).
    pub table: u32,
    /// `not`: the selectors as a whole are inverted.
    pub invert: bool,
    /// The `iif` device does not exist now (`FIB_RULE_IIF_DETACHED`): the rule cannot match.
    pub iif_detached: bool,
    /// The `oif` device does not exist now (`FIB_RULE_OIF_DETACHED`): the rule cannot match.
    pub oif_detached: bool,
    /// `l3mdev`: look up the table of the VRF the flow belongs to.
    pub l3mdev: bool,
    /// Header TOS selector (IPv4 tos / IPv6 traffic class), 0 for none.
    pub tos: u8,
    /// Firewall mark.
    pub fwmark: Option<u32>,
    /// Firewall mark mask (the kernel uses 0xffffffff when a mark is given without one).
    pub fwmask: Option<u32>,
    /// Input interface name (`iif`).
    pub iif: Option<String>,
    /// Output interface name (`oif`).
    pub oif: Option<String>,
    /// UID range.
    pub uidrange: Option<(u32, u32)>,
    /// Source prefix (`from`), `None` for `all`.
    pub from: Option<IpNet>,
    /// Destination prefix (`to`).
    pub to: Option<IpNet>,
    /// IP protocol number (`ipproto`).
    pub ipproto: Option<u8>,
    /// Source port range.
    pub sport: Option<PortRange>,
    /// Destination port range.
    pub dport: Option<PortRange>,
    /// DSCP selector (`FRA_DSCP`, kernel 6.12+).
    pub dscp: Option<u8>,
    /// Target priority of `goto`.
    pub goto: Option<u32>,
    /// `goto` to a priority with no rule (`FIB_RULE_UNRESOLVED`): the walk ends there.
    pub unresolved: bool,
    /// Reject a table's answer whose prefix is this long or shorter.
    pub suppress_prefixlength: Option<u32>,
    /// Reject a table's answer whose device is in this group.
    pub suppress_ifgroup: Option<u32>,
    /// `realms` / tunnel id and other selectors, kept as text only for display.
    pub protocol: u8,
}

impl Rule {
    /// A rule of `family` with no selectors and `lookup table` at `priority`.
    pub fn lookup(family: Family, priority: u32, table: u32) -> Self {
        Self {
            family,
            priority,
            action: RuleAction::Lookup,
            table,
            invert: false,
            from: None,
            to: None,
            iif: None,
            oif: None,
            iif_detached: false,
            oif_detached: false,
            fwmark: None,
            fwmask: None,
            uidrange: None,
            ipproto: None,
            sport: None,
            dport: None,
            tos: 0,
            dscp: None,
            goto: None,
            unresolved: false,
            suppress_prefixlength: None,
            suppress_ifgroup: None,
            l3mdev: false,
            protocol: 0,
        }
    }

    /// The rule as `ip rule` prints it after the priority, e.g. `from 10.0.0.0/8 lookup 100`.
    pub fn selector_text(&self, table_name: &str) -> String {
        let mut words = Vec::new();
        if self.invert {
            words.push("not".to_owned());
        }
        words.push(format!(
            "from {}",
            self.from.map_or_else(|| "all".into(), prefix_text)
        ));
        if let Some(to) = self.to {
            words.push(format!("to {}", prefix_text(to)));
        }
        if self.tos != 0 {
            words.push(format!("tos {:#04x}", self.tos));
        }
        if let Some(dscp) = self.dscp {
            words.push(format!("dscp {dscp}"));
        }
        if let Some(mark) = self.fwmark {
            match self.fwmask {
                Some(mask) if mask != u32::MAX => {
                    words.push(format!("fwmark {}/{}", c_hex(mark), c_hex(mask)));
                }
                _ => words.push(format!("fwmark {}", c_hex(mark))),
            }
        }
        for (word, dev, detached) in [
            ("iif", &self.iif, self.iif_detached),
            ("oif", &self.oif, self.oif_detached),
        ] {
            if let Some(dev) = dev {
                let gone = if detached { " [detached]" } else { "" };
                words.push(format!("{word} {dev}{gone}"));
            }
        }
        if let Some((lo, hi)) = self.uidrange {
            words.push(format!("uidrange {lo}-{hi}"));
        }
        if let Some(p) = self.ipproto {
            words.push(format!("ipproto {}", ipproto_name(p)));
        }
        for (word, range) in [("sport", self.sport), ("dport", self.dport)] {
            if let Some(r) = range {
                if r.start == r.end {
                    words.push(format!("{word} {}", r.start));
                } else {
                    words.push(format!("{word} {}-{}", r.start, r.end));
                }
            }
        }
        if self.l3mdev {
            words.push("lookup [l3mdev-table]".into());
        } else {
            match self.action {
                RuleAction::Lookup => words.push(format!("lookup {table_name}")),
                RuleAction::Goto => {
                    let target = self.goto.map_or_else(|| "?".into(), |g| g.to_string());
                    let gone = if self.unresolved { " [unresolved]" } else { "" };
                    words.push(format!("goto {target}{gone}"));
                }
                other => words.push(other.name()),
            }
        }
        if let Some(len) = self.suppress_prefixlength {
            words.push(format!("suppress_prefixlength {len}"));
        }
        if let Some(group) = self.suppress_ifgroup {
            words.push(format!("suppress_ifgroup {group}"));
        }
        words.join(" ")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_text_reads_like_ip_rule() {
        let mut rule = Rule::lookup(Family::V4, 100, 1000);
        rule.from = Some("10.0.0.0/8".parse().unwrap());
        rule.fwmark = Some(0x10);
        rule.fwmask = Some(0xff);
        rule.dport = Some(PortRange {
            start: 443,
            end: 443,
        });
        rule.ipproto = Some(6);
        assert_eq!(
            rule.selector_text("isp1"),
            "from 10.0.0.0/8 fwmark 0x10/0xff ipproto tcp dport 443 lookup isp1"
        );
        let mut goto = Rule::lookup(Family::V6, 5, 0);
        goto.action = RuleAction::Goto;
        goto.goto = Some(10);
        goto.unresolved = true;
        assert_eq!(goto.selector_text(""), "from all goto 10 [unresolved]");
    }
}
