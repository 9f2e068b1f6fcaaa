//! An index of one family's rules by what a packet must carry to match them (`Selector::need`),
//! so a lookup tests only the rules that can match: walking a full view's 1,000 rules one by one
//! costs microseconds, finding the few candidates a fraction of one.
//!
//! Each rule is filed under one selector that narrows it most (a rule that can never match under
//! none, a rule with `not` or with nothing usable under "always"); the candidates for a packet are
//! always-rules plus the rules filed under what the packet carries. Every rule left out fails one
//! of its selectors, so the walk still tests every rule that can match, in order, with `fit`.

use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

use super::selector::Need;
use super::{Family, LinkName, Packet, Rule};

/// Rule positions filed by a key, sorted by key: all rules of one key sit together.
#[derive(Debug, Clone)]
struct Postings<K> {
    entries: Vec<(K, u32)>,
}

impl<K: Ord> Postings<K> {
    /// Files the rules, sorting them by key.
    fn new(mut entries: Vec<(K, u32)>) -> Self {
        entries.sort();
        Self { entries }
    }

    /// Marks the rules filed under `key`.
    fn mark(&self, key: &K, bits: &mut [u64]) {
        let first = self.entries.partition_point(|(k, _)| k < key);
        for (_, at) in self.entries[first..].iter().take_while(|(k, _)| k == key) {
            set(bits, *at);
        }
    }
}

/// A prefix as a key: its family and its address bits (IPv4 in the low 32 bits).
type PrefixKey = (bool, u128);

/// The key of `addr` cut to `len` bits, comparable with `prefix_key` of a prefix that long.
fn masked(addr: IpAddr, len: u8) -> PrefixKey {
    let (v6, bits, width) = match addr {
        IpAddr::V4(a) => (false, u128::from(u32::from(a)), 32),
        IpAddr::V6(a) => (true, u128::from(a), 128),
    };
    let keep = u32::from(len.min(width));
    let host = u32::from(width) - keep;
    (
        v6,
        bits.checked_shr(host)
            .unwrap_or(0)
            .checked_shl(host)
            .unwrap_or(0),
    )
}

/// The key of a prefix.
fn prefix_key(net: IpNet) -> PrefixKey {
    masked(net.addr(), net.prefix_len())
}

/// Prefix selectors grouped by length, so a packet's address is cut once per length present.
#[derive(Debug, Clone, Default)]
struct Prefixes {
    by_len: Vec<(u8, Postings<PrefixKey>)>,
}

impl Prefixes {
    /// Files `(prefix, position)` pairs.
    fn new(filed: &[(IpNet, u32)]) -> Self {
        let mut lens: Vec<u8> = filed.iter().map(|(n, _)| n.prefix_len()).collect();
        lens.sort_unstable();
        lens.dedup();
        let by_len = lens
            .into_iter()
            .map(|len| {
                let of_len = filed
                    .iter()
                    .filter(|(n, _)| n.prefix_len() == len)
                    .map(|(n, at)| (prefix_key(*n), *at))
                    .collect();
                (len, Postings::new(of_len))
            })
            .collect();
        Self { by_len }
    }

    /// Marks the rules whose prefix holds `addr`.
    fn mark(&self, addr: IpAddr, bits: &mut [u64]) {
        for (len, postings) in &self.by_len {
            postings.mark(&masked(addr, *len), bits);
        }
    }
}

/// Sets bit `at`.
fn set(bits: &mut [u64], at: u32) {
    let at = at as usize;
    bits[at / 64] |= 1 << (at % 64);
}

/// How narrowly a need files a rule: lower is narrower (and preferred).
fn narrowness(need: &Need) -> u8 {
    match need {
        Need::Never => 0,
        Need::Mark { .. } | Need::Iif(_) | Need::Oif(_) | Need::Sport(_) | Need::Dport(_) => 1,
        Need::Src(_) | Need::Dst(_) => 2,
        Need::Proto(_) => 3,
        Need::Uid { .. } => 4,
        Need::Anything => 5,
    }
}

/// The rules of one family filed by what a packet must carry to match them.
#[derive(Debug, Clone, Default)]
pub struct RuleIndex {
    /// How many rules the family has.
    len: usize,
    /// The rules to test whatever the packet, as a bit set.
    always: Vec<u64>,
    /// Rules by mark, one list per mask in use.
    marks: Vec<(u32, Postings<u32>)>,
    iif: Postings<LinkName>,
    oif: Postings<LinkName>,
    proto: Postings<u8>,
    sport: Postings<u16>,
    dport: Postings<u16>,
    src: Prefixes,
    dst: Prefixes,
    /// `(start, end, position)` of rules filed by a uid range.
    uids: Vec<(u32, u32, u32)>,
}

impl<K> Default for Postings<K> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl RuleIndex {
    /// Files one family's rules (positions as in the slice).
    pub fn new(rules: &[Rule]) -> Self {
        let mut always = vec![0; rules.len().div_ceil(64)];
        let (mut marks, mut iif, mut oif) = (Vec::new(), Vec::new(), Vec::new());
        let (mut proto, mut sport, mut dport) = (Vec::new(), Vec::new(), Vec::new());
        let (mut src, mut dst, mut uids) = (Vec::new(), Vec::new(), Vec::new());
        for (at, rule) in rules.iter().enumerate() {
            let at = u32::try_from(at).unwrap_or(u32::MAX);
            // `not` matches the packets the selectors turn away: nothing narrows it
            let need = if rule.invert {
                Need::Anything
            } else {
                rule.selectors
                    .iter()
                    .map(super::Selector::need)
                    .min_by_key(narrowness)
                    .unwrap_or(Need::Anything)
            };
            match need {
                Need::Never => {}
                Need::Anything => set(&mut always, at),
                Need::Mark { mask, value } => marks.push((mask, value, at)),
                Need::Iif(name) => iif.push((name.clone(), at)),
                Need::Oif(name) => oif.push((name.clone(), at)),
                Need::Proto(p) => proto.push((p, at)),
                Need::Sport(p) => sport.push((p, at)),
                Need::Dport(p) => dport.push((p, at)),
                Need::Src(net) => src.push((net, at)),
                Need::Dst(net) => dst.push((net, at)),
                Need::Uid { start, end } => uids.push((start, end, at)),
            }
        }
        let mut masks: Vec<u32> = marks.iter().map(|(mask, ..)| *mask).collect();
        masks.sort_unstable();
        masks.dedup();
        let marks = masks
            .into_iter()
            .map(|mask| {
                let filed = marks
                    .iter()
                    .filter(|(m, ..)| *m == mask)
                    .map(|(_, value, at)| (*value, *at))
                    .collect();
                (mask, Postings::new(filed))
            })
            .collect();
        Self {
            len: rules.len(),
            always,
            marks,
            iif: Postings::new(iif),
            oif: Postings::new(oif),
            proto: Postings::new(proto),
            sport: Postings::new(sport),
            dport: Postings::new(dport),
            src: Prefixes::new(&src),
            dst: Prefixes::new(&dst),
            uids,
        }
    }

    /// How many rules the index covers.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the family has no rules.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The rules that can match `p`: every other rule fails one of its selectors.
    pub fn candidates(&self, p: &Packet) -> Candidates {
        let mut bits = self.always.clone();
        for (mask, postings) in &self.marks {
            postings.mark(&(p.mark & mask), &mut bits);
        }
        self.iif.mark(p.iif, &mut bits);
        if let Some(oif) = p.oif {
            self.oif.mark(oif, &mut bits);
        }
        self.proto.mark(&p.proto, &mut bits);
        self.sport.mark(&p.sport, &mut bits);
        self.dport.mark(&p.dport, &mut bits);
        self.dst.mark(p.dst, &mut bits);
        // `Selector::fit`: an IPv6 flow without a source passes only the empty prefix
        // (`Anything`); an IPv4 one is tested as 0.0.0.0
        match (p.family, p.src) {
            (Family::V6, None) => {}
            (_, src) => self
                .src
                .mark(src.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED)), &mut bits),
        }
        for &(start, end, at) in &self.uids {
            if (start..=end).contains(&p.uid) {
                set(&mut bits, at);
            }
        }
        Candidates { bits }
    }
}

/// The positions of the rules that can match one packet.
#[derive(Debug, Clone)]
pub struct Candidates {
    bits: Vec<u64>,
}

impl Candidates {
    /// The first candidate at or after position `from`.
    pub fn next_from(&self, from: usize) -> Option<usize> {
        let mut word = from / 64;
        let mut bits = self.bits.get(word)? & (u64::MAX << (from % 64));
        loop {
            if bits != 0 {
                return Some(word * 64 + bits.trailing_zeros() as usize);
            }
            word += 1;
            bits = *self.bits.get(word)?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Fit, PortMatch, Selector, SelectorKind};
    use strum::IntoEnumIterator;

    /// A packet for the tests: output from lo, the given mark, uid, destination and ports.
    fn packet<'a>(lo: &'a LinkName, mark: u32, dst: &str, dport: u16) -> Packet<'a> {
        Packet {
            family: Family::V4,
            iif: lo,
            oif: None,
            mark,
            uid: 1005,
            src: None,
            dst: dst.parse().unwrap(),
            tos: 0,
            flowlabel: 0,
            proto: 6,
            sport: 0,
            dport,
        }
    }

    #[test]
    fn candidates_are_the_rules_that_can_match() {
        let lo = LinkName::from("lo");
        let rule = |prio, s: Selector| Rule::lookup(Family::V4, prio, 100).with(s);
        let mut not = rule(5, Selector::IpProto(17));
        not.invert = true;
        let rules = vec![
            rule(
                0,
                Selector::Fwmark {
                    mark: 1,
                    mask: 0xff,
                },
            ),
            rule(1, Selector::To("5.5.0.0/16".parse().unwrap())),
            rule(2, Selector::Dport(PortMatch::range(443, 443))),
            rule(3, Selector::L3mdev),
            rule(
                4,
                Selector::Uid {
                    start: 1000,
                    end: 1009,
                },
            ),
            not,
            rule(6, Selector::From("10.0.0.0/8".parse().unwrap())),
            rule(7, Selector::From("0.0.0.0/1".parse().unwrap())),
            Rule::lookup(Family::V4, 8, 254),
        ];
        let index = RuleIndex::new(&rules);
        let found = |p: &Packet| {
            let c = index.candidates(p);
            let mut out = Vec::new();
            let mut i = 0;
            while let Some(at) = c.next_from(i) {
                out.push(at);
                i = at + 1;
            }
            out
        };
        assert_eq!(
            found(&packet(&lo, 0x101, "5.5.1.1", 443)),
            [0, 1, 2, 4, 5, 7, 8]
        );
        assert_eq!(found(&packet(&lo, 2, "8.8.8.8", 80)), [4, 5, 7, 8]);
    }

    /// Every selector kind, sampled, on random packets: a rule left out never fits.
    #[test]
    fn no_rule_that_fits_is_left_out() {
        let (lo, eth) = (LinkName::from("lo"), LinkName::from("eth0"));
        let mut x: u64 = 7;
        let mut pick = |n: usize| {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            usize::try_from(x >> 33).unwrap_or(0) % n
        };
        for family in [Family::V4, Family::V6] {
            let mut rules = Vec::new();
            for prio in 0..400 {
                let mut rule = Rule::lookup(family, prio, 100);
                for _ in 0..=pick(2) {
                    let kinds: Vec<SelectorKind> = SelectorKind::iter().collect();
                    let kind = kinds[pick(kinds.len())];
                    rule.add(Selector::sample(kind, family, &["lo", "eth0"], &mut pick));
                }
                rule.invert = pick(10) == 0;
                rules.push(rule);
            }
            let index = RuleIndex::new(&rules);
            for _ in 0..2000 {
                let v6 = family == Family::V6;
                let dsts = if v6 {
                    ["2001:db8:77::1", "2001:db8:10::5", "::1"]
                } else {
                    ["192.0.2.7", "5.5.1.1", "10.10.3.3"]
                };
                let srcs = if v6 {
                    [None, Some("2001:db8:10::9"), Some("2001:db8:77::2")]
                } else {
                    [None, Some("10.11.0.1"), Some("192.0.2.1")]
                };
                let p = Packet {
                    family,
                    iif: if pick(2) == 0 { &lo } else { &eth },
                    oif: [None, Some(&lo), Some(&eth)][pick(3)],
                    mark: u32::try_from(pick(5)).unwrap(),
                    uid: [0, 1000, 1500, 3000][pick(4)],
                    src: srcs[pick(3)].map(|s| s.parse().unwrap()),
                    dst: dsts[pick(3)].parse().unwrap(),
                    tos: [0, 16, 0xb8][pick(3)],
                    flowlabel: [0, 1, 74565][pick(3)],
                    proto: [6, 17, 1][pick(3)],
                    sport: [0, 443, 85, 1024][pick(4)],
                    dport: [0, 53, 1500, 22][pick(4)],
                };
                let c = index.candidates(&p);
                for (at, rule) in rules.iter().enumerate() {
                    let fits = rule.selectors.iter().all(|s| s.fit(&p) != Fit::No);
                    let may = if rule.invert { true } else { fits };
                    if may {
                        assert_eq!(c.next_from(at), Some(at), "{rule:?} for {p:?}");
                    }
                }
            }
        }
    }
}
