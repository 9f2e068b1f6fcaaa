//! Building the rows' rules: the kernel's rule order, selectors, and the rule under test.

use routescope::model::{Family, PortMatch, Rule, RuleAction, Selector, State};

use crate::prelude::{ETH0, RouteExt, net, v6, via};

/// Adds a rule where the kernel puts it: after every rule of its family with a priority ≤ its own.
pub fn add_rule(s: &mut State, rule: Rule) {
    let at = s
        .rules
        .iter()
        .position(|r| (r.family, r.priority) > (rule.family, rule.priority))
        .unwrap_or(s.rules.len());
    s.rules.insert(at, rule);
}

/// `ip rule add pref PREF SELECTORS lookup TABLE`; a table 200–252 gets its default route
/// (`ip route add default via 99.88.22.TABLE table TABLE`) if it has none.
pub fn rule(s: &mut State, pref: u32, table: u32, selectors: &[Selector]) {
    let mut r = Rule::lookup(Family::V4, pref, table);
    for sel in selectors {
        r.add(sel.clone());
    }
    add_rule(s, r);
    if (200..=252).contains(&table) && s.table(Family::V4, table).is_none() {
        s.push_route(via("0.0.0.0/0", &format!("99.88.22.{table}"), ETH0).table(table));
    }
}

/// `ip -6 rule add …`; a table 200–252 gets `default via fe80::TABLE dev eth0`.
pub fn rule6(s: &mut State, pref: u32, table: u32, selectors: &[Selector]) {
    let mut r = Rule::lookup(Family::V6, pref, table);
    for sel in selectors {
        r.add(sel.clone());
    }
    add_rule(s, r);
    if (200..=252).contains(&table) && s.table(Family::V6, table).is_none() {
        s.push_route(via("::/0", &format!("fe80::{table}"), ETH0).table(table));
    }
}

/// `ip rule add pref PREF SELECTORS ACTION` for nop, blackhole, unreachable and prohibit.
pub fn act(s: &mut State, pref: u32, action: RuleAction, selectors: &[Selector]) {
    let mut r = Rule::lookup(Family::V4, pref, 0);
    r.action = action;
    for sel in selectors {
        r.add(sel.clone());
    }
    add_rule(s, r);
}

/// `ip rule add pref PREF goto TARGET`: unresolved unless a rule with that priority exists now.
pub fn goto(s: &mut State, pref: u32, target: u32) {
    let mut r = Rule::lookup(Family::V4, pref, 0);
    r.action = RuleAction::Goto;
    r.goto = Some(target);
    r.unresolved = !s.rules_of(Family::V4).any(|x| x.priority == target);
    add_rule(s, r);
}

/// The rule at `pref` (IPv4), to set options the helpers do not take.
pub fn rule_at(s: &mut State, pref: u32) -> &mut Rule {
    s.rules
        .iter_mut()
        .find(|r| r.family == Family::V4 && r.priority == pref)
        .expect("a rule with that priority")
}

/// `iif NAME`, or `iif NAME [detached]` when no device has the name.
pub fn iif(name: &str) -> Selector {
    Selector::Iif {
        name: name.into(),
        detached: false,
    }
}

/// `oif NAME`.
pub fn oif(name: &str) -> Selector {
    Selector::Oif {
        name: name.into(),
        detached: false,
    }
}

/// `iif`/`oif` naming no device (`[detached]`).
pub fn detached(sel: Selector) -> Selector {
    match sel {
        Selector::Iif { name, .. } => Selector::Iif {
            name,
            detached: true,
        },
        Selector::Oif { name, .. } => Selector::Oif {
            name,
            detached: true,
        },
        other => other,
    }
}

/// `fwmark MARK/MASK`.
pub fn fwmark(mark: u32, mask: u32) -> Selector {
    Selector::Fwmark { mark, mask }
}

/// `from PREFIX`.
pub fn from(prefix: &str) -> Selector {
    Selector::From(net(prefix))
}

/// `to PREFIX`.
pub fn to(prefix: &str) -> Selector {
    Selector::To(net(prefix))
}

/// `sport START-END` or `dport START-END` (`dst` true).
pub fn port(dst: bool, start: u16, end: u16) -> Selector {
    let p = PortMatch::range(start, end);
    if dst {
        Selector::Dport(p)
    } else {
        Selector::Sport(p)
    }
}

/// `sport VALUE/MASK` or `dport VALUE/MASK` (`FRA_*PORT_MASK`, raw netlink only).
pub fn port_mask(dst: bool, value: u16, mask: u16) -> Selector {
    let p = PortMatch {
        start: value,
        end: value,
        mask: Some(mask),
    };
    if dst {
        Selector::Dport(p)
    } else {
        Selector::Sport(p)
    }
}

/// Two changes, one after the other.
pub fn and(
    first: impl Fn(&mut State) + 'static,
    then: impl Fn(&mut State) + 'static,
) -> impl Fn(&mut State) + 'static {
    move |s| {
        first(s);
        then(s);
    }
}

/// `ip rule add pref 50 SELECTOR lookup 200` (the rule under test in most rule rows).
pub fn rule50(selector: Selector) -> impl Fn(&mut State) + 'static {
    move |s| rule(s, 50, 200, std::slice::from_ref(&selector))
}

/// [`v6`] plus `ip -6 rule add pref 50 SELECTOR lookup 200`.
pub fn rule6_50(selector: Selector) -> impl Fn(&mut State) + 'static {
    move |s| {
        v6(s);
        rule6(s, 50, 200, std::slice::from_ref(&selector));
    }
}
