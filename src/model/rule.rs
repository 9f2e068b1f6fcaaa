//! Policy routing rules (the RPDB), IPv4 and IPv6.

use super::selector::{Selector, SelectorKind};
use super::{Family, LinkName};

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

/// The rule header flags routescope models (`FIB_RULE_*`); any other bit is kept in `Rule::flags`.
pub const MODELLED_RULE_FLAGS: u32 = 0x1f;

/// One policy rule: its place, its selectors (in the kernel's match order) and its action.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    /// The selectors, sorted in the kernel's match order (see `Selector`); none: `from all`.
    pub selectors: Vec<Selector>,
    /// Target priority of `goto`.
    pub goto: Option<u32>,
    /// `goto` to a priority with no rule (`FIB_RULE_UNRESOLVED`): the rule is passed over.
    pub unresolved: bool,
    /// Reject a table's answer whose prefix is this long or shorter.
    pub suppress_prefixlength: Option<u32>,
    /// Reject a table's answer whose device is in this group.
    pub suppress_ifgroup: Option<u32>,
    /// `realms` (`FRA_FLOW`): sets the route's realm for accounting; no part of the match.
    pub realms: Option<u32>,
    /// Who installed the rule (`FRA_PROTOCOL`).
    pub protocol: u8,
    /// Header flags beyond the modelled ones (e.g. `FIB_RULE_FIND_SADDR`), kept as sent.
    pub flags: u32,
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
            selectors: Vec::new(),
            goto: None,
            unresolved: false,
            suppress_prefixlength: None,
            suppress_ifgroup: None,
            realms: None,
            protocol: 0,
            flags: 0,
        }
    }

    /// The rule with one more selector, kept in kernel order.
    #[must_use]
    pub fn with(mut self, selector: Selector) -> Self {
        self.add(selector);
        self
    }

    /// Adds a selector in kernel order (after any of the same kind).
    pub fn add(&mut self, selector: Selector) {
        let at = self
            .selectors
            .partition_point(|s| s.kind() <= selector.kind());
        self.selectors.insert(at, selector);
    }

    /// The first selector of this kind, if the rule has one.
    pub fn selector(&self, kind: SelectorKind) -> Option<&Selector> {
        self.selectors.iter().find(|s| s.kind() == kind)
    }

    /// The device name of the rule's `iif` or `oif` selector.
    pub fn device(&self, kind: SelectorKind) -> Option<&LinkName> {
        self.selectors.iter().find_map(|s| match s {
            Selector::Iif { name, .. } if kind == SelectorKind::Iif => Some(name),
            Selector::Oif { name, .. } if kind == SelectorKind::Oif => Some(name),
            _ => None,
        })
    }

    /// What routescope does not evaluate on this rule, in words (empty: everything is modelled).
    pub fn unmodelled(&self) -> Vec<String> {
        let mut what: Vec<String> = self
            .selectors
            .iter()
            .filter_map(|s| match s {
                Selector::Unknown { kind, .. } => Some(format!("attribute type {kind}")),
                _ => None,
            })
            .collect();
        if self.flags != 0 {
            what.push(format!("header flags {:#x}", self.flags));
        }
        what
    }

    /// The rule as `ip rule` prints it after the priority, e.g. `from 10.0.0.0/8 lookup 100`.
    pub fn selector_text(&self, table_name: &str) -> String {
        // one string written word by word: this runs for every answer `resolve` gives
        let mut text = String::with_capacity(48);
        let mut word = |w: &str| {
            if !text.is_empty() {
                text.push(' ');
            }
            text.push_str(w);
        };
        if self.invert {
            word("not");
        }
        if self.selector(SelectorKind::From).is_none() {
            word("from all");
        }
        // iproute2 shows `l3mdev` only through the action's `[l3mdev-table]`
        let mut shown: Vec<&Selector> = self
            .selectors
            .iter()
            .filter(|s| !matches!(s, Selector::L3mdev))
            .collect();
        shown.sort_by_key(|s| s.print_rank());
        for selector in shown {
            word(&selector.words());
        }
        match self.action {
            RuleAction::Lookup if self.selector(SelectorKind::L3mdev).is_some() => {
                word("lookup [l3mdev-table]");
            }
            RuleAction::Lookup => {
                word("lookup");
                word(table_name);
            }
            RuleAction::Goto => {
                let target = self.goto.map_or_else(|| "?".into(), |g| g.to_string());
                let gone = if self.unresolved { " [unresolved]" } else { "" };
                word(&format!("goto {target}{gone}"));
            }
            other => word(&other.name()),
        }
        if let Some(len) = self.suppress_prefixlength {
            word(&format!("suppress_prefixlength {len}"));
        }
        if let Some(group) = self.suppress_ifgroup {
            word(&format!("suppress_ifgroup {group}"));
        }
        if let Some(realms) = self.realms {
            word(&format!("realms {realms}"));
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::PortMatch;

    #[test]
    fn selector_text_reads_like_ip_rule() {
        let rule = Rule::lookup(Family::V4, 100, 1000)
            .with(Selector::IpProto(6))
            .with(Selector::Dport(PortMatch::range(443, 443)))
            .with(Selector::Fwmark {
                mark: 0x10,
                mask: 0xff,
            })
            .with(Selector::From("10.0.0.0/8".parse().unwrap()));
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

    #[test]
    fn selectors_stay_in_kernel_order() {
        let rule = Rule::lookup(Family::V4, 1, 254)
            .with(Selector::To("5.0.0.0/8".parse().unwrap()))
            .with(Selector::Iif {
                name: "eth0".into(),
                detached: false,
            });
        assert_eq!(rule.selectors[0].kind(), SelectorKind::Iif);
        assert_eq!(rule.selectors[1].kind(), SelectorKind::To);
    }
}
