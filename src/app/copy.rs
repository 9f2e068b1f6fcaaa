//! The copy keys: the focused pane's selected row (the watch pane: the whole explanation) as it
//! reads, or the `ip` command that asks for it or makes it again, handed to the run loop as an
//! `Effect::Copy` and said on the status line.

use super::{App, Effect, Pane, RoutesView};
use crate::model::{Address, AddressFlags, Family, Hop, Link, Route, RouteFlags, Rule, RuleAction};
use crate::model::{Scope, Selector, State, table};
use crate::net::Target;
use crate::report::names::protocol_name;
use crate::report::text::{nexthop_line, route_line};

/// The address flags `ip addr add` accepts (the others are states the kernel sets).
const SETTABLE: [&str; 5] = ["nodad", "home", "mngtmpaddr", "noprefixroute", "autojoin"];

impl App {
    /// Copies the selected row of the focused pane, or the watched flow's whole explanation.
    pub(super) fn copy_selection(&mut self) -> Vec<Effect> {
        let text = match self.focus {
            Pane::Watch => self.pinned().map(|flow| {
                let lines: Vec<String> =
                    self.explanation(flow).into_iter().map(|(_, l)| l).collect();
                lines.join("\n").trim_end().to_owned()
            }),
            Pane::Rules => self.selected_rule().map(|r| {
                format!(
                    "{}: {}",
                    r.priority,
                    r.selector_text(&self.state.table_names.name(r.table))
                )
            }),
            Pane::Routes if self.routes_view != RoutesView::Routes => self
                .selected_nexthop()
                .map(|n| nexthop_line(&self.state, n)),
            Pane::Routes => self.selected_route().map(|r| route_row(&self.state, &r)),
            Pane::Interfaces => self.selected_link().map(|l| link_row(&self.state, l)),
            Pane::Events => self
                .visible_events()
                .nth(self.selected(Pane::Events))
                .map(|e| format!("{} {}", e.time, e.line)),
        };
        self.copied(text)
    }

    /// Copies the `ip` command for the selection: `ip route get` for a watched flow, `ip rule
    /// add`, `ip route add`, `ip addr add` for the rule, route or interface selected, in the
    /// namespace followed (`ip -n NAME`, or through `nsenter`).
    pub(super) fn copy_command(&mut self) -> Vec<Effect> {
        let ip = self.ip_prefix();
        let text = match self.focus {
            Pane::Watch => self.pinned().map(|flow| {
                let words: Vec<String> = flow
                    .query
                    .to_words()
                    .split_whitespace()
                    .map(shell_word)
                    .collect();
                format!("{ip} route get {}", words.join(" "))
            }),
            Pane::Rules => self.selected_rule().map(|r| rule_command(&ip, r)),
            // the nexthops view: `ip nexthop add` takes the words `ip nexthop` prints
            Pane::Routes if self.routes_view != RoutesView::Routes => self
                .selected_nexthop()
                .map(|n| format!("{ip} nexthop add {}", nexthop_line(&self.state, n))),
            Pane::Routes => self
                .selected_route()
                .map(|r| route_command(&ip, &self.state, &r)),
            Pane::Interfaces => match self.selected_link() {
                Some(link) => {
                    let lines: Vec<String> = self
                        .state
                        .addresses
                        .iter()
                        .filter(|a| a.index == link.index)
                        .map(|a| address_command(&ip, a, link))
                        .collect();
                    if lines.is_empty() {
                        self.notice = Some(format!("{} has no address to copy", link.name));
                        return Vec::new();
                    }
                    Some(lines.join("\n"))
                }
                None => None,
            },
            Pane::Events => {
                self.notice = Some("an event has no ip command: copy the line instead".into());
                return Vec::new();
            }
        };
        self.copied(text)
    }

    /// The copy effect for `text` and the notice saying what was copied, or that nothing was.
    fn copied(&mut self, text: Option<String>) -> Vec<Effect> {
        let Some(text) = text.filter(|t| !t.is_empty()) else {
            self.notice = Some("nothing selected to copy".into());
            return Vec::new();
        };
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default().trim();
        let more = match lines.count() {
            0 => String::new(),
            n => format!(" (+{n} lines)"),
        };
        self.notice = Some(format!("copied: {first}{more}"));
        vec![Effect::Copy(text)]
    }

    /// `ip` in the namespace followed: `ip -n NAME` for a named one, `nsenter … ip` for one
    /// reached by pid or path, plain `ip` for routescope's own or a snapshot.
    fn ip_prefix(&self) -> String {
        if self.snapshot {
            return "ip".into();
        }
        match self.namespace.target() {
            Target::Current => "ip".into(),
            Target::Named(name) => format!("ip -n {}", shell_word(name)),
            Target::Pid(pid) => format!("nsenter -t {pid} -n ip"),
            Target::Path(path) => {
                format!(
                    "nsenter --net={} ip",
                    shell_word(&path.display().to_string())
                )
            }
        }
    }
}

/// A word as a shell reads it back: as it is when it holds only safe characters, else quoted.
fn shell_word(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "@%+=:,./_-".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_owned()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

/// A table as `ip` takes it: the well-known names, else the number (names from `rt_tables`
/// may differ on another host).
fn table_word(id: u32) -> String {
    match id {
        table::MAIN => "main".into(),
        table::LOCAL => "local".into(),
        table::DEFAULT => "default".into(),
        n => n.to_string(),
    }
}

/// A route row as `ip route show table all` prints it: `table NAME` unless it is main's.
fn route_row(state: &State, r: &Route) -> String {
    let line = route_line(state, r);
    if r.table == table::MAIN {
        line
    } else {
        format!("{line} table {}", state.table_names.name(r.table))
    }
}

/// A link row as the interfaces pane reads: name, up or down, its addresses.
fn link_row(state: &State, link: &Link) -> String {
    let mut words = vec![
        link.name.to_string(),
        if link.is_up() { "UP" } else { "DOWN" }.to_owned(),
    ];
    words.extend(
        state
            .addresses
            .iter()
            .filter(|a| a.index == link.index)
            .map(|a| format!("{}/{}", a.local, a.prefix_len)),
    );
    words.join(" ")
}

/// `ip rule add` for a rule: its priority, selectors, action and the rest, as iproute2 reads
/// them (`l3mdev` for a VRF rule; a device name quoted if it needs it).
fn rule_command(ip: &str, r: &Rule) -> String {
    let family = if r.family == Family::V6 { " -6" } else { "" };
    let mut words = vec![format!("{ip}{family} rule add priority {}", r.priority)];
    if r.invert {
        words.push("not".into());
    }
    let mut selectors: Vec<&Selector> = r.selectors.iter().collect();
    selectors.sort_by_key(|s| s.print_rank());
    for s in selectors {
        words.push(match s {
            Selector::Iif { name, .. } => format!("iif {}", shell_word(&name.to_string())),
            Selector::Oif { name, .. } => format!("oif {}", shell_word(&name.to_string())),
            other => other.words(),
        });
    }
    let l3mdev = r.selectors.iter().any(|s| matches!(s, Selector::L3mdev));
    match r.action {
        RuleAction::Lookup if l3mdev => {}
        RuleAction::Lookup => words.push(format!("lookup {}", table_word(r.table))),
        RuleAction::Goto => words.push(format!("goto {}", r.goto.unwrap_or_default())),
        other => words.push(other.name()),
    }
    if let Some(len) = r.suppress_prefixlength {
        words.push(format!("suppress_prefixlength {len}"));
    }
    if let Some(group) = r.suppress_ifgroup {
        words.push(format!("suppress_ifgroup {group}"));
    }
    if let Some(realms) = r.realms {
        words.push(format!("realms {realms}"));
    }
    if r.protocol != 0 {
        words.push(format!("protocol {}", protocol_name(r.protocol)));
    }
    words.join(" ")
}

/// `ip route add` for a route: type, destination, source prefix, tos, nexthops, protocol, scope,
/// preferred source, metric and table.
fn route_command(ip: &str, state: &State, r: &Route) -> String {
    let mut words = vec![format!("{ip} route add")];
    if r.kind != crate::model::RouteKind::Unicast {
        words.push(r.kind.name());
    }
    words.push(if r.dst.prefix_len() == 0 {
        "default".to_owned()
    } else {
        r.dst.to_string()
    });
    if let Some(src) = r.src_prefix() {
        words.push(format!("from {src}"));
    }
    if r.tos != 0 {
        words.push(format!("tos {:#04x}", r.tos));
    }
    let dev = |index: u32| shell_word(&state.link_name(index));
    if r.nhid != 0 {
        words.push(format!("nhid {}", r.nhid));
    } else {
        match &r.hops {
            Hop::None => {}
            Hop::One(nh) => {
                if let Some(gw) = nh.gateway {
                    words.push(format!("via {gw}"));
                }
                if nh.dev != 0 {
                    words.push(format!("dev {}", dev(nh.dev)));
                }
                if nh.flags.has(RouteFlags::ONLINK) {
                    words.push("onlink".into());
                }
            }
            Hop::Multi(hops) => {
                for nh in hops.iter() {
                    let via = nh.gateway.map(|g| format!(" via {g}")).unwrap_or_default();
                    let onlink = if nh.flags.has(RouteFlags::ONLINK) {
                        " onlink"
                    } else {
                        ""
                    };
                    words.push(format!(
                        "nexthop{via} dev {} weight {}{onlink}",
                        dev(nh.dev),
                        nh.weight
                    ));
                }
            }
        }
    }
    // `ip route add` sets proto boot unless told otherwise
    words.extend(crate::report::text::attribute_words(r, 3));
    words.push(format!("table {}", table_word(r.table)));
    words.join(" ")
}

/// `ip addr add` for one address of `link`: prefix, peer, broadcast, scope, label, the flags
/// one may set, metric and lifetimes.
fn address_command(ip: &str, a: &Address, link: &Link) -> String {
    let mut words = vec![format!("{ip} addr add {}/{}", a.local, a.prefix_len)];
    if let Some(peer) = a.peer {
        words.push(format!("peer {peer}/{}", a.prefix_len));
    }
    if let Some(b) = a.broadcast {
        words.push(format!("broadcast {b}"));
    }
    let default_scope = if a.local.is_loopback() {
        Scope::HOST
    } else {
        Scope(0)
    };
    if a.scope != default_scope {
        words.push(format!("scope {}", a.scope.name()));
    }
    if let Some(label) = a.label.as_ref().filter(|l| l.as_bytes().contains(&b':')) {
        words.push(format!("label {}", shell_word(&label.to_string())));
    }
    words.extend(
        AddressFlags::names(a.flags)
            .into_iter()
            .filter(|f| SETTABLE.contains(f))
            .map(str::to_owned),
    );
    if a.metric != 0 {
        words.push(format!("metric {}", a.metric));
    }
    if a.valid_lft != u32::MAX {
        words.push(format!(
            "valid_lft {} preferred_lft {}",
            a.valid_lft, a.preferred_lft
        ));
    }
    words.push(format!("dev {}", shell_word(&link.name.to_string())));
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::shell_word;

    #[test]
    fn words_a_shell_would_split_are_quoted() {
        assert_eq!(shell_word("eth0"), "eth0");
        assert_eq!(shell_word("10.0.0.0/8"), "10.0.0.0/8");
        assert_eq!(shell_word("my dev"), "'my dev'");
        assert_eq!(shell_word("a'b;c"), r"'a'\''b;c'");
        assert_eq!(shell_word(""), "''");
    }
}
