//! The routes filter's text search without the text: whether `route_line` of a route contains a
//! needle, answered word by word (a needle without a space never spans two words), with the
//! words written into a stack buffer and the names (devices, protocols, scopes, types, flags)
//! matched once per distinct value, so a filter over a million routes allocates nothing.

use std::collections::HashMap;
use std::fmt::{self, Write as _};
use std::net::IpAddr;

use ipnet::IpNet;
use memchr::memmem::Finder;

use super::names::protocol_name;
use super::route_words::Buf;
use super::text::route_line;
use crate::model::{Hop, NextHop, Route, RouteFlags, RouteKind, Scope, State};

/// Device indexes below this are looked up in a vector rather than a map.
const DENSE_DEVICES: u32 = 1 << 16;

/// Whether `route_line(state, route)` contains a needle, for many routes of one state.
pub struct RouteMatcher<'a> {
    /// Where device names come from, and the routes' text when a needle spans words.
    state: &'a State,
    /// What is looked for.
    needle: &'a str,
    /// The needle's searcher, for long words.
    finder: Finder<'a>,
    /// The needle has a space, so it may span words: each route's whole text is searched.
    spans: bool,
    /// Which kinds of word the needle can be inside at all, by its characters.
    can: Can,
    /// Which fixed words of the line contain the needle.
    words: Words,
    /// Per protocol number: its name contains the needle.
    protocols: [bool; 256],
    /// Per scope number: its name contains the needle.
    scopes: [bool; 256],
    /// Per type number (`RTN_*`): its name contains the needle.
    kinds: [bool; 256],
    /// The route and nexthop flags whose names contain the needle.
    flags: u32,
    /// Per device index below `DENSE_DEVICES`: `None` for no such device.
    dense: Vec<Option<bool>>,
    /// The devices with larger indexes.
    sparse: HashMap<u32, bool>,
}

/// Which kinds of word a needle can be a piece of, by the characters it has.
#[derive(Debug, Clone, Copy, Default)]
struct Can {
    /// An IPv4 address or prefix: digits, dots, a slash.
    v4: bool,
    /// An IPv6 address or prefix: lowercase hex digits, colons, dots, a slash.
    v6: bool,
    /// A decimal number: digits.
    number: bool,
}

impl Can {
    /// What `needle` can be a piece of.
    fn of(needle: &str) -> Self {
        let all = |ok: fn(u8) -> bool| needle.bytes().all(ok);
        Self {
            v4: all(|b| b.is_ascii_digit() || b == b'.' || b == b'/'),
            v6: all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f' | b':' | b'.' | b'/')),
            number: all(|b| b.is_ascii_digit()),
        }
    }

    /// Whether the needle can be a piece of an address (or prefix) like `addr`.
    fn addr(self, addr: IpAddr) -> bool {
        if addr.is_ipv4() { self.v4 } else { self.v6 }
    }
}

/// The last addresses matched by one thread (gateways and sources repeat over many routes), and
/// whether each contains the needle.
#[derive(Debug, Clone, Default)]
pub struct Memo {
    /// Recent addresses and whether each contains the needle.
    addrs: [Option<(IpAddr, bool)>; 4],
    /// The slot the next address takes.
    next: usize,
}

/// Which of the fixed words `route_line` prints contain the needle.
#[derive(Debug, Clone, Copy, Default)]
struct Words {
    /// `default` contains the needle.
    default: bool,
    /// `from` contains the needle.
    from: bool,
    /// `tos` contains the needle.
    tos: bool,
    /// `nhid` contains the needle.
    nhid: bool,
    /// `via` contains the needle.
    via: bool,
    /// `dev` contains the needle.
    dev: bool,
    /// `proto` contains the needle.
    proto: bool,
    /// `scope` contains the needle.
    scope: bool,
    /// `src` contains the needle.
    src: bool,
    /// `metric` contains the needle.
    metric: bool,
    /// `realm` contains the needle.
    realm: bool,
    /// `nexthop` contains the needle.
    nexthop: bool,
    /// `weight` contains the needle.
    weight: bool,
}

impl<'a> RouteMatcher<'a> {
    /// A matcher of `needle` over the routes of `state` (names come from there).
    pub fn new(state: &'a State, needle: &'a str) -> Self {
        let has = |word: &str| word.contains(needle);
        let words = Words {
            default: has("default"),
            from: has("from"),
            tos: has("tos"),
            nhid: has("nhid"),
            via: has("via"),
            dev: has("dev"),
            proto: has("proto"),
            scope: has("scope"),
            src: has("src"),
            metric: has("metric"),
            realm: has("realm"),
            nexthop: has("nexthop"),
            weight: has("weight"),
        };
        let mut protocols = [false; 256];
        let mut scopes = [false; 256];
        let mut kinds = [false; 256];
        for n in 0..=u8::MAX {
            protocols[usize::from(n)] = has(&protocol_name(n));
            scopes[usize::from(n)] = has(&Scope(n).name());
            kinds[usize::from(n)] = has(&RouteKind::from_number(n).name());
        }
        let flags = (0..32)
            .map(|bit| 1u32 << bit)
            .filter(|bit| RouteFlags(*bit).names().iter().any(|n| has(n)))
            .fold(0, |mask, bit| mask | bit);
        let mut dense = Vec::new();
        let mut sparse = HashMap::new();
        for (index, link) in &state.links {
            let hit = has(&link.name.to_string());
            match usize::try_from(*index) {
                Ok(i) if *index < DENSE_DEVICES => {
                    if dense.len() <= i {
                        dense.resize(i + 1, None);
                    }
                    dense[i] = Some(hit);
                }
                _ => {
                    sparse.insert(*index, hit);
                }
            }
        }
        Self {
            state,
            needle,
            finder: Finder::new(needle),
            spans: needle.contains(' '),
            can: Can::of(needle),
            words,
            protocols,
            scopes,
            kinds,
            flags,
            dense,
            sparse,
        }
    }

    /// Whether the route's one-line text (`route_line`) contains the needle.
    pub fn matches(&self, r: &Route) -> bool {
        self.matches_with(r, &mut Memo::default())
    }

    /// `matches`, remembering in `memo` (one per thread) the addresses that repeat.
    pub fn matches_with(&self, r: &Route, memo: &mut Memo) -> bool {
        if self.needle.is_empty() {
            return true;
        }
        if self.spans {
            return route_line(self.state, r).contains(self.needle);
        }
        // every word of the line in `route_parts`'s order; `None`: a word did not fit the buffer
        self.words_match(r, memo)
            .unwrap_or_else(|| route_line(self.state, r).contains(self.needle))
    }

    /// Whether one of the route's words contains the needle (`None` if one could not be written).
    fn words_match(&self, r: &Route, memo: &mut Memo) -> Option<bool> {
        let w = &self.words;
        let mut buf = Buf::new();
        if r.kind != RouteKind::Unicast && self.kind_hit(r.kind, &mut buf)? {
            return Some(true);
        }
        let dst_hit = if r.dst.prefix_len() == 0 {
            w.default
        } else if r.dst.prefix_len() == r.dst.max_prefix_len() {
            self.addr_hit(r.dst.addr(), &mut buf)?
        } else {
            self.net_hit(r.dst, &mut buf)?
        };
        if dst_hit {
            return Some(true);
        }
        if let Some(src) = r.src_prefix() {
            if w.from || self.net_hit(src, &mut buf)? {
                return Some(true);
            }
        }
        if r.tos != 0 && (w.tos || self.found(&mut buf, format_args!("{:#04x}", r.tos))?) {
            return Some(true);
        }
        if r.nhid != 0 && (w.nhid || self.number_hit(r.nhid, &mut buf)) {
            return Some(true);
        }
        if let Hop::One(nh) = &r.hops {
            if let Some(gw) = nh.gateway {
                if w.via || self.repeated_hit(gw, memo, &mut buf)? {
                    return Some(true);
                }
            }
            if nh.dev != 0 && (w.dev || self.dev_hit(nh.dev, &mut buf)?) {
                return Some(true);
            }
        }
        if self.attributes_hit(r, memo, &mut buf)? {
            return Some(true);
        }
        let single = match &r.hops {
            Hop::One(nh) => nh.flags.0,
            _ => 0,
        };
        if (r.flags.0 | single) & self.flags != 0 {
            return Some(true);
        }
        if let Hop::Multi(hops) = &r.hops {
            for nh in hops.iter() {
                if self.hop_hit(nh, memo, &mut buf)? {
                    return Some(true);
                }
            }
        }
        Some(false)
    }

    /// The words of `attribute_words` (protocol other than boot, scope, source, metric, realm)
    /// and of the attributes routescope does not model.
    fn attributes_hit(&self, r: &Route, memo: &mut Memo, buf: &mut Buf) -> Option<bool> {
        let w = &self.words;
        if r.protocol != 0
            && r.protocol != 4
            && (w.proto || self.protocols[usize::from(r.protocol)])
        {
            return Some(true);
        }
        if r.scope != Scope::UNIVERSE && (w.scope || self.scopes[usize::from(r.scope.0)]) {
            return Some(true);
        }
        if let Some(src) = r.prefsrc {
            if w.src || self.repeated_hit(src, memo, buf)? {
                return Some(true);
            }
        }
        if r.metric != 0 && (w.metric || self.number_hit(r.metric, buf)) {
            return Some(true);
        }
        let Some(extra) = r.extra.as_deref() else {
            return Some(false);
        };
        if let Some(realm) = extra.realm {
            if w.realm || self.number_hit(realm, buf) {
                return Some(true);
            }
        }
        for kind in &extra.unmodelled {
            if self.found(buf, format_args!("attribute{kind}"))? {
                return Some(true);
            }
        }
        Some(false)
    }

    /// One nexthop of a multipath route: `nexthop [via G] dev D weight W [flags]`.
    fn hop_hit(&self, nh: &NextHop, memo: &mut Memo, buf: &mut Buf) -> Option<bool> {
        let w = &self.words;
        if w.nexthop || w.dev || w.weight || nh.flags.0 & self.flags != 0 {
            return Some(true);
        }
        if let Some(gw) = nh.gateway {
            if w.via || self.repeated_hit(gw, memo, buf)? {
                return Some(true);
            }
        }
        Some(self.dev_hit(nh.dev, buf)? || self.number_hit(u32::from(nh.weight), buf))
    }

    /// Whether the name of the route type contains the needle.
    fn kind_hit(&self, kind: RouteKind, buf: &mut Buf) -> Option<bool> {
        let number = match kind {
            RouteKind::Unspec => 0,
            RouteKind::Unicast => 1,
            RouteKind::Local => 2,
            RouteKind::Broadcast => 3,
            RouteKind::Anycast => 4,
            RouteKind::Multicast => 5,
            RouteKind::Blackhole => 6,
            RouteKind::Unreachable => 7,
            RouteKind::Prohibit => 8,
            RouteKind::Throw => 9,
            RouteKind::Nat => 10,
            // any number, even one a name stands for, is printed as a number
            RouteKind::Other(n) => return self.found(buf, format_args!("{n}")),
        };
        Some(self.kinds[number])
    }

    /// Whether the name of device `index` (as `State::link_name` gives it) contains the needle.
    fn dev_hit(&self, index: u32, buf: &mut Buf) -> Option<bool> {
        let known = if index < DENSE_DEVICES {
            usize::try_from(index)
                .ok()
                .and_then(|i| self.dense.get(i).copied().flatten())
        } else {
            self.sparse.get(&index).copied()
        };
        match known {
            Some(hit) => Some(hit),
            None => self.found(buf, format_args!("if{index}")),
        }
    }

    /// Whether a number's decimal text contains the needle.
    fn number_hit(&self, n: u32, buf: &mut Buf) -> bool {
        if !self.can.number {
            return false;
        }
        buf.clear();
        buf.push_u32(n);
        self.found_in(buf.bytes())
    }

    /// Whether the text of an address that repeats over routes (a gateway, a source) contains
    /// the needle, remembered in `memo`.
    fn repeated_hit(&self, addr: IpAddr, memo: &mut Memo, buf: &mut Buf) -> Option<bool> {
        if let Some((_, hit)) = memo.addrs.iter().flatten().find(|(a, _)| *a == addr) {
            return Some(*hit);
        }
        let hit = self.addr_hit(addr, buf)?;
        memo.addrs[memo.next] = Some((addr, hit));
        memo.next = (memo.next + 1) % memo.addrs.len();
        Some(hit)
    }

    /// Whether an address's text contains the needle.
    fn addr_hit(&self, addr: IpAddr, buf: &mut Buf) -> Option<bool> {
        if !self.can.addr(addr) {
            return Some(false);
        }
        buf.clear();
        buf.push_addr(addr)?;
        Some(self.found_in(buf.bytes()))
    }

    /// Whether a prefix's text (`address/length`) contains the needle.
    fn net_hit(&self, net: IpNet, buf: &mut Buf) -> Option<bool> {
        if !self.can.addr(net.addr()) {
            return Some(false);
        }
        buf.clear();
        buf.push_addr(net.addr())?;
        buf.push_str("/").ok()?;
        buf.push_u32(u32::from(net.prefix_len()));
        Some(self.found_in(buf.bytes()))
    }

    /// Whether formatted text contains the needle.
    fn found(&self, buf: &mut Buf, text: fmt::Arguments<'_>) -> Option<bool> {
        buf.clear();
        buf.write_fmt(text).ok()?;
        Some(self.found_in(buf.bytes()))
    }

    /// Whether `word` contains the needle: a plain scan for the short words of a route (a
    /// searcher's set-up costs more there), `memmem` for longer ones.
    fn found_in(&self, word: &[u8]) -> bool {
        let needle = self.needle.as_bytes();
        if word.len() > 64 {
            return self.finder.find(word).is_some();
        }
        let Some((&first, rest)) = needle.split_first() else {
            return true;
        };
        let Some(last_start) = word.len().checked_sub(needle.len()) else {
            return false;
        };
        (0..=last_start)
            .any(|i| word[i] == first && rest.iter().zip(&word[i + 1..]).all(|(a, b)| a == b))
    }
}
