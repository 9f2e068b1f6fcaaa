//! Which prefixes a big table may hold, answered without searching it: a longest-prefix lookup
//! in a full view tries ~20 prefix lengths, each a search of a 100 MB table that misses the
//! cache; for most lengths no route covers the address, and this filter says so from one bit.
//!
//! Per prefix length, a bit array of about four bits per route of that length: a route sets the
//! bit its prefix hashes to. A clear bit means no route of that prefix; a set bit may be another
//! prefix's (about one in five). Deleting a route leaves its bit set (still correct, less sharp),
//! so the filter says it is stale once many routes went or a length outgrew its array, and the
//! table drops it; the next lookup builds it again.
//!
//! For IPv4 it also keeps, per /16 of the address space, which lengths may match an address in
//! it (`lengths_for`): one read tells a lookup the two or three lengths worth probing, where it
//! would probe every length present, each a cache miss.

use ipnet::IpNet;

/// Bits per route of a length when the filter is built (a power of two at least this large).
const BITS_PER_ROUTE: usize = 4;

/// The bits of one prefix length.
#[derive(Debug, Clone)]
struct LengthBits {
    words: Vec<u64>,
    /// How many of the hash's top bits index `words` (`words.len() * 64 == 1 << index_bits`).
    index_bits: u32,
    /// How many routes of this length the array was sized for.
    sized_for: usize,
    /// How many routes of this length were added since.
    added: usize,
}

impl LengthBits {
    /// An empty array for `routes` routes.
    fn new(routes: usize) -> Self {
        let bits = (routes * BITS_PER_ROUTE).max(64).next_power_of_two();
        Self {
            words: vec![0; bits / 64],
            index_bits: bits.trailing_zeros(),
            sized_for: routes.max(16),
            added: 0,
        }
    }

    /// The word and bit of a prefix.
    fn slot(&self, net: IpNet) -> (usize, u64) {
        let bits = match net.addr() {
            std::net::IpAddr::V4(a) => u128::from(u32::from(a)),
            std::net::IpAddr::V6(a) => u128::from(a),
        };
        // fold to 64 bits and mix (Fibonacci hashing): the top bits index the array
        let folded = u64::try_from(bits >> 64).unwrap_or(0)
            ^ u64::try_from(bits & u128::from(u64::MAX)).unwrap_or(0);
        let hash = (folded ^ folded >> 29).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        let index = usize::try_from(hash >> (64 - self.index_bits)).unwrap_or(0);
        (index / 64, 1 << (index % 64))
    }

    /// Notes a prefix.
    fn set(&mut self, net: IpNet) {
        let (word, bit) = self.slot(net);
        self.words[word] |= bit;
    }

    /// Whether the prefix may be present.
    fn may_hold(&self, net: IpNet) -> bool {
        let (word, bit) = self.slot(net);
        self.words[word] & bit != 0
    }
}

/// The prefixes a table may hold, by length.
#[derive(Debug, Clone)]
pub struct LengthFilter {
    /// Indexed by prefix length; `None` for a length the table had no route of.
    lengths: Vec<Option<LengthBits>>,
    /// For IPv4 filters, per /16 block: bit `len` is set when a route of length `len` may match an
    /// address of the block (exact for lengths up to 16, which cover whole blocks).
    blocks: Option<Box<[u64]>>,
    /// How many routes the filter was built from, and how many were removed since.
    built_from: usize,
    removed: usize,
}

/// The /16 blocks of the IPv4 space.
const BLOCKS: usize = 1 << 16;

/// Marks the blocks a prefix covers or lies in with its length.
fn mark_blocks(blocks: &mut [u64], net: IpNet) {
    let std::net::IpAddr::V4(a) = net.addr() else {
        return;
    };
    let len = u32::from(net.prefix_len());
    let first = (u32::from(a) >> 16) as usize;
    let count = 1usize << 16u32.saturating_sub(len);
    for mask in blocks.iter_mut().skip(first).take(count) {
        *mask |= 1 << len;
    }
}

impl LengthFilter {
    /// The filter of these prefixes (`counts[len]`: how many there are of each length).
    pub fn new(counts: &[u32], prefixes: impl Iterator<Item = IpNet>) -> Self {
        let mut lengths: Vec<Option<LengthBits>> = counts
            .iter()
            .map(|&n| (n > 0).then(|| LengthBits::new(n as usize)))
            .collect();
        let mut blocks: Option<Box<[u64]>> = None;
        let mut built_from = 0;
        for net in prefixes {
            if let Some(Some(bits)) = lengths.get_mut(usize::from(net.prefix_len())) {
                bits.set(net);
            }
            if built_from == 0 && net.addr().is_ipv4() {
                blocks = Some(vec![0; BLOCKS].into_boxed_slice());
            }
            if let Some(blocks) = &mut blocks {
                mark_blocks(blocks, net);
            }
            built_from += 1;
        }
        Self {
            lengths,
            blocks,
            built_from,
            removed: 0,
        }
    }

    /// For an IPv4 address: the lengths (bit `len`) of the routes that may match it; `None` for
    /// an IPv6 filter.
    pub fn lengths_for(&self, addr: std::net::Ipv4Addr) -> Option<u64> {
        let blocks = self.blocks.as_ref()?;
        Some(blocks[(u32::from(addr) >> 16) as usize])
    }

    /// Whether the table may hold a route of exactly this prefix (`false`: it holds none).
    pub fn may_hold(&self, net: IpNet) -> bool {
        match self.lengths.get(usize::from(net.prefix_len())) {
            Some(Some(bits)) => bits.may_hold(net),
            _ => false,
        }
    }

    /// Notes an added prefix; `false` when the filter cannot take it (a new length, or a length
    /// that outgrew its array): the table then drops it.
    pub fn add(&mut self, net: IpNet) -> bool {
        let Some(Some(bits)) = self.lengths.get_mut(usize::from(net.prefix_len())) else {
            return false;
        };
        bits.set(net);
        bits.added += 1;
        if let Some(blocks) = &mut self.blocks {
            mark_blocks(blocks, net);
        }
        bits.added <= bits.sized_for
    }

    /// Notes a removed prefix (its bit stays); `false` once a quarter of the routes it was built
    /// from went: the table then drops it.
    pub fn remove(&mut self) -> bool {
        self.removed += 1;
        self.removed * 4 <= self.built_from.max(64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_added_is_always_held_and_most_others_are_not() {
        let nets: Vec<IpNet> = (0..20_000u32)
            .map(|i| IpNet::new(std::net::Ipv4Addr::from(i << 8).into(), 24).unwrap())
            .collect();
        let mut counts = vec![0; 33];
        counts[24] = 20_000;
        let mut filter = LengthFilter::new(&counts, nets.iter().copied());
        assert!(nets.iter().all(|n| filter.may_hold(*n)));
        let others = (0..20_000u32)
            .map(|i| {
                IpNet::new(std::net::Ipv4Addr::from((i << 8) | 0x8000_0000).into(), 24).unwrap()
            })
            .filter(|n| filter.may_hold(*n))
            .count();
        assert!(others < 6_000, "{others} false positives of 20000");
        let slash16 = IpNet::new(std::net::Ipv4Addr::new(10, 0, 0, 0).into(), 16).unwrap();
        assert!(!filter.may_hold(slash16), "no /16 at all");
        assert!(!filter.add(slash16), "a new length");
        assert!(filter.add(nets[0]));
        assert!(filter.remove());
    }

    #[test]
    fn the_blocks_name_every_length_that_matches_an_address() {
        let nets: Vec<IpNet> = [
            "10.1.2.0/24",
            "10.1.0.0/16",
            "10.0.0.0/8",
            "0.0.0.0/0",
            "10.1.2.128/25",
        ]
        .iter()
        .map(|n| n.parse().unwrap())
        .collect();
        let mut counts = vec![0; 33];
        for n in &nets {
            counts[usize::from(n.prefix_len())] += 1;
        }
        let mut filter = LengthFilter::new(&counts, nets.iter().copied());
        let at = |f: &LengthFilter, a: &str| f.lengths_for(a.parse().unwrap()).unwrap();
        let bits = |lens: &[u32]| lens.iter().fold(0u64, |m, l| m | 1 << l);
        assert_eq!(at(&filter, "10.1.2.3"), bits(&[0, 8, 16, 24, 25]));
        assert_eq!(
            at(&filter, "10.1.200.3"),
            bits(&[0, 8, 16, 24, 25]),
            "within the /16: may"
        );
        assert_eq!(at(&filter, "10.2.0.1"), bits(&[0, 8]));
        assert_eq!(at(&filter, "11.0.0.1"), bits(&[0]));
        assert!(filter.add("11.0.0.0/24".parse().unwrap()));
        assert_eq!(
            at(&filter, "11.0.0.1"),
            bits(&[0, 24]),
            "an added route is marked"
        );
        let v6 = LengthFilter::new(&counts, ["2001:db8::/32".parse().unwrap()].into_iter());
        assert_eq!(v6.lengths_for("10.1.2.3".parse().unwrap()), None);
    }
}
