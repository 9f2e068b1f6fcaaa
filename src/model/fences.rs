//! The last key of every chunk of a route table (its fences), and a directory over them by
//! address: in a full view a binary search of ~9,000 fences reads ~13 of them, most of them cache
//! misses once the lookups roam a 100 MB table; the directory narrows it to the one or two fences
//! whose chunks can hold the address, from one read.
//!
//! Every change of a fence goes through `Fences`, which drops the directory; the next lookup of
//! a big table builds it again (tens of microseconds for a full view).

use std::cmp::Reverse;
use std::sync::OnceLock;

/// A slot's place in table order: address, longer prefixes, higher tos, lower metric first (slots
/// of one key keep the kernel's order among themselves).
pub(super) type Key = (u128, Reverse<u8>, Reverse<u8>, u32);

/// Fewer fences than this are searched directly: their array stays in the cache.
const DIRECTED: usize = 32;

/// The chunks' last keys, in table order, with the directory built on demand.
#[derive(Debug, Clone, Default)]
pub(super) struct Fences {
    keys: Vec<Key>,
    directory: OnceLock<Directory>,
}

impl Fences {
    /// The fences from the chunks' last keys.
    pub(super) fn from_keys(keys: Vec<Key>) -> Self {
        Self {
            keys,
            directory: OnceLock::new(),
        }
    }

    /// The fences, in order.
    pub(super) fn keys(&self) -> &[Key] {
        &self.keys
    }

    /// The fence of chunk `ci`.
    pub(super) fn get(&self, ci: usize) -> Key {
        self.keys[ci]
    }

    /// Appends the fence of a new last chunk.
    pub(super) fn push(&mut self, key: Key) {
        self.keys.push(key);
        self.directory = OnceLock::new();
    }

    /// Inserts the fence of a new chunk at `ci`.
    pub(super) fn insert(&mut self, ci: usize, key: Key) {
        self.keys.insert(ci, key);
        self.directory = OnceLock::new();
    }

    /// Sets the fence of chunk `ci`, which changed its last entry.
    pub(super) fn set(&mut self, ci: usize, key: Key) {
        if self.keys[ci] != key {
            self.keys[ci] = key;
            self.directory = OnceLock::new();
        }
    }

    /// Removes the fence of a chunk that went empty.
    pub(super) fn remove(&mut self, ci: usize) {
        self.keys.remove(ci);
        self.directory = OnceLock::new();
    }

    /// Whether the directory is built (for tests: changes must not build it).
    #[cfg(test)]
    pub(super) fn directed(&self) -> bool {
        self.directory.get().is_some()
    }

    /// The first chunk whose fence is not below `probe` (address bits and prefix length), which
    /// is the chunk that holds or would hold that prefix; the number of chunks if none.
    pub(super) fn chunk_of(&self, probe: (u128, Reverse<u8>)) -> usize {
        let before = |f: &Key| (f.0, f.1) < probe;
        if self.keys.len() < DIRECTED {
            return self.keys.partition_point(before);
        }
        let directory = self.directory.get_or_init(|| Directory::new(&self.keys));
        let (lo, hi) = directory.window(probe.0, self.keys.len());
        lo + self.keys[lo..hi].partition_point(before)
    }
}

/// For each bucket of addresses (their top bits), the first fence at or past it.
#[derive(Debug, Clone)]
struct Directory {
    /// How far an address is shifted right to give its bucket.
    shift: u32,
    /// `starts[b]`: the first fence whose address's bucket is `b` or more; one entry past the
    /// last bucket, which is the number of fences.
    starts: Vec<u32>,
}

impl Directory {
    /// The directory of `keys`, about two buckets per fence.
    fn new(keys: &[Key]) -> Self {
        let top = keys.last().map_or(0, |k| k.0);
        let width = 128 - top.leading_zeros();
        let bucket_bits = (usize::BITS - keys.len().leading_zeros() + 1).min(20);
        let shift = width.saturating_sub(bucket_bits);
        let buckets = bucket(top, shift) + 1;
        let mut starts = Vec::with_capacity(buckets + 1);
        let mut i = 0;
        for b in 0..=buckets {
            while i < keys.len() && bucket(keys[i].0, shift) < b {
                i += 1;
            }
            starts.push(u32::try_from(i).unwrap_or(u32::MAX));
        }
        Self { shift, starts }
    }

    /// The fences to search for an address: every fence before `lo` is below any key of that
    /// address (its address is smaller), and the fence at `hi`, if any, is above (larger).
    fn window(&self, bits: u128, len: usize) -> (usize, usize) {
        let last = self.starts.len() - 1;
        let b = bucket(bits, self.shift).min(last);
        let at = |i: usize| usize::try_from(self.starts[i]).unwrap_or(len).min(len);
        let hi = if b < last { at(b + 1) } else { len };
        (at(b), hi)
    }
}

/// The bucket of an address.
fn bucket(bits: u128, shift: u32) -> usize {
    usize::try_from(bits >> shift).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fence at address `a` with prefix length `len`.
    fn key(a: u128, len: u8) -> Key {
        (a, Reverse(len), Reverse(0), 0)
    }

    #[test]
    fn the_directory_finds_what_a_binary_search_finds() {
        // clustered addresses, as a routing table has them, and a few far apart
        let mut addrs: Vec<u128> = (0..5000u128).map(|i| (i * i * 7919) % 4_000_000).collect();
        addrs.extend([0, 1, 4_000_000_000, u128::from(u32::MAX)]);
        addrs.sort_unstable();
        addrs.dedup();
        let fences = Fences::from_keys(addrs.iter().map(|&a| key(a, 24)).collect());
        let mut probes: Vec<u128> = addrs
            .iter()
            .flat_map(|&a| [a, a + 1, a.saturating_sub(1)])
            .collect();
        probes.extend([0, 2_000_000, 4_100_000_000, u128::from(u32::MAX) + 5]);
        for bits in probes {
            for len in [0, 16, 24, 32] {
                let probe = (bits, Reverse(len));
                let plain = fences.keys().partition_point(|f| (f.0, f.1) < probe);
                assert_eq!(fences.chunk_of(probe), plain, "{bits} /{len}");
            }
        }
    }

    #[test]
    fn a_change_drops_the_directory() {
        let mut fences = Fences::from_keys((0..100u128).map(|a| key(a * 10, 24)).collect());
        assert_eq!(fences.chunk_of((551, Reverse(24))), 56);
        fences.set(55, key(552, 24));
        assert_eq!(fences.chunk_of((551, Reverse(24))), 55);
        fences.remove(55);
        assert_eq!(
            fences.chunk_of((551, Reverse(24))),
            55,
            "560's chunk moved down"
        );
        fences.insert(0, key(0, 32));
        assert_eq!(fences.chunk_of((551, Reverse(24))), 56);
        fences.push(key(5000, 24));
        assert_eq!(
            fences.chunk_of((4000, Reverse(24))),
            fences.keys().len() - 1
        );
    }

    #[test]
    fn one_address_everywhere_and_ipv6_widths_are_searched() {
        let zeros = Fences::from_keys((0..64).map(|i| key(0, 64 - i)).collect());
        assert_eq!(zeros.chunk_of((0, Reverse(10))), 54);
        let v6 = Fences::from_keys((0..64u128).map(|i| key(i << 100, 48)).collect());
        assert_eq!(v6.chunk_of(((7 << 100) + 1, Reverse(48))), 8);
        assert_eq!(v6.chunk_of((u128::MAX, Reverse(0))), 64);
    }
}
