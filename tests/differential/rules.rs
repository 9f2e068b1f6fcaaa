//! Policy rules with every selector the kernel has, drawn from the selectors' own definitions
//! (`Selector::sample`), written by `ip rule add` when iproute2 6.1 can and as netlink otherwise.

use std::fmt::Write;

use ipnet::IpNet;
use routescope::model::{Family, Selector, SelectorKind};
use strum::IntoEnumIterator;

use super::{Config, Rng, Step, TABLES};

/// What a generated rule does when it matches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `lookup T`, optionally `suppress_prefixlength N` or `suppress_ifgroup G`.
    Lookup {
        table: String,
        suppress_prefixlength: Option<u32>,
        suppress_ifgroup: Option<u32>,
    },
    Goto(u32),
    Nop,
    Blackhole,
    Unreachable,
    Prohibit,
}

/// One generated rule.
#[derive(Debug, Clone)]
pub struct Rule {
    pub family: Family,
    pub priority: u32,
    /// `not`: the kernel inverts the whole match.
    pub invert: bool,
    pub selectors: Vec<Selector>,
    pub action: Action,
}

impl Rule {
    /// The rule as an `ip` line (`rule add …` / `-6 rule add …`).
    pub fn line(&self) -> String {
        let mut words = vec![if self.family == Family::V6 {
            "-6 rule add".to_owned()
        } else {
            "rule add".to_owned()
        }];
        words.push(format!("pref {}", self.priority));
        if self.invert {
            words.push("not".into());
        }
        words.extend(self.selectors.iter().map(Selector::words));
        words.push(match &self.action {
            Action::Lookup {
                table,
                suppress_prefixlength,
                suppress_ifgroup,
            } => {
                // an l3mdev rule takes its table from the device: no `lookup` words
                let mut w = if table.is_empty() {
                    String::new()
                } else {
                    format!("lookup {table}")
                };
                if let Some(n) = suppress_prefixlength {
                    let _ = write!(w, " suppress_prefixlength {n}");
                }
                if let Some(g) = suppress_ifgroup {
                    let _ = write!(w, " suppress_ifgroup {g}");
                }
                w
            }
            Action::Goto(n) => format!("goto {n}"),
            Action::Nop => "nop".into(),
            Action::Blackhole => "blackhole".into(),
            Action::Unreachable => "unreachable".into(),
            Action::Prohibit => "prohibit".into(),
        });
        words.join(" ").trim_end().to_owned()
    }

    /// Whether iproute2 6.1 can write every selector of the rule.
    pub fn iproute2_writes(&self) -> bool {
        self.selectors.iter().all(Selector::iproute2_writes)
    }
}

/// How often (percent) a generated rule carries a selector of this kind.
fn selector_chance(kind: SelectorKind, family: Family) -> u64 {
    match kind {
        SelectorKind::From | SelectorKind::To | SelectorKind::Fwmark => 22,
        SelectorKind::Iif => 20,
        SelectorKind::Oif | SelectorKind::IpProto | SelectorKind::Dport => 15,
        SelectorKind::Sport | SelectorKind::Uid | SelectorKind::Dscp => 10,
        // the kernel takes flow labels for IPv6 rules only
        SelectorKind::Flowlabel if family == Family::V6 => 12,
        SelectorKind::Tos => 8,
        SelectorKind::TunId | SelectorKind::L3mdev => 3,
        SelectorKind::Flowlabel | SelectorKind::Unknown => 0,
    }
}

/// Source prefixes of the addresses IPv6 configurations carry (`Selector::sample` knows one).
fn v6_prefix(rng: &mut Rng, c: &Config, to: bool) -> IpNet {
    let n = rng.pick(&c.devs).net;
    let mut texts = vec![
        format!("2001:db8:{n}::/64"),
        format!("fd00:{n}::/64"),
        format!("2002:a{n:02x}::/32"),
        "fd00::/8".to_owned(),
        "fe80::/10".to_owned(),
    ];
    if to {
        texts.extend(["ff00::/8".to_owned(), "2001:db8:77::/48".to_owned()]);
    }
    rng.pick(&texts)
        .parse::<IpNet>()
        .map_or_else(|_| IpNet::default(), |p| p.trunc())
}

/// Draws the selectors of one rule, each kind by its own chance.
fn selectors(rng: &mut Rng, c: &Config, family: Family) -> Vec<Selector> {
    let names = c.device_names();
    let devices: Vec<&str> = names.iter().map(String::as_str).collect();
    let mut out: Vec<Selector> = Vec::new();
    for kind in SelectorKind::iter() {
        if !rng.chance(selector_chance(kind, family)) {
            continue;
        }
        // the kernel refuses tos and dscp together ("Cannot specify both TOS and DSCP")
        if kind == SelectorKind::Dscp && out.iter().any(|s| s.kind() == SelectorKind::Tos) {
            continue;
        }
        let selector = match kind {
            SelectorKind::From | SelectorKind::To if family == Family::V6 && rng.chance(60) => {
                let net = v6_prefix(rng, c, kind == SelectorKind::To);
                if kind == SelectorKind::From {
                    Selector::From(net)
                } else {
                    Selector::To(net)
                }
            }
            _ => match Selector::sample(kind, family, &devices, &mut |n| rng.below(n)) {
                // the kernel refuses a DSCP value or flow label with bits outside its mask
                Selector::Dscp { value, mask } => Selector::Dscp {
                    value: value & mask,
                    mask,
                },
                Selector::Flowlabel { value, mask } => Selector::Flowlabel {
                    value: value & mask,
                    mask,
                },
                other => other,
            },
        };
        out.push(selector);
    }
    out
}

/// Adds one random rule with random selectors and action, for IPv4 or IPv6.
pub fn rule(rng: &mut Rng, c: &mut Config) {
    let family = if rng.chance(30) {
        Family::V6
    } else {
        Family::V4
    };
    let priority = u32::try_from(1 + rng.below(32000)).unwrap_or(1);
    let invert = rng.chance(10);
    let selectors = selectors(rng, c, family);
    let lookup = |table: &str| Action::Lookup {
        table: table.to_owned(),
        suppress_prefixlength: None,
        suppress_ifgroup: None,
    };
    let action = match rng.below(20) {
        0 | 1 => Action::Blackhole,
        2 | 3 => Action::Unreachable,
        4 | 5 => Action::Prohibit,
        // half the gotos jump forward (the kernel refuses backward ones)
        6 => Action::Goto(u32::try_from(1 + rng.below(32000)).unwrap_or(1)),
        7 => Action::Goto(priority + u32::try_from(1 + rng.below(3000)).unwrap_or(1)),
        8 | 9 => Action::Nop,
        10 | 11 => Action::Lookup {
            table: "main".into(),
            suppress_prefixlength: Some(u32::try_from(rng.below(2) * 8).unwrap_or(0)),
            suppress_ifgroup: None,
        },
        12 => Action::Lookup {
            table: (*rng.pick(&TABLES)).to_owned(),
            suppress_prefixlength: None,
            suppress_ifgroup: Some(*rng.pick(&[0, 5])),
        },
        _ => lookup(TABLES[rng.below(TABLES.len())]),
    };
    let action = if selectors.contains(&Selector::L3mdev) {
        lookup("")
    } else {
        action
    };
    let rule = Rule {
        family,
        priority,
        invert,
        selectors,
        action,
    };
    if rule.iproute2_writes() {
        c.ip(rule.line());
    } else {
        c.steps.push(Step::Netlink(rule));
    }
}
