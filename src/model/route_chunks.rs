//! One family's routes of a table as compact slots in a sorted chunked vector: the searches a
//! longest-prefix match and a change need, on 16-byte IPv4 and 28-byte IPv6 slots.

use std::cmp::Reverse;
use std::fmt::Debug;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use ipnet::IpNet;

use super::fences::{Fences, Key};
use super::length_filter::LengthFilter;
use super::route::Placement;

/// How many routes a table has before its lookups use a `LengthFilter` (smaller ones are searched
/// quickly enough, and need not carry one).
const FILTERED: usize = 4096;

/// The most routes one chunk holds; chunks keep inserts cheap without a pointer per route, and
/// small ones keep each insert's or deletion's move of the routes after it short (~2–4 KiB).
pub(super) const CHUNK: usize = 128;

/// A prefix's address as a slot stores it: a `u32` for IPv4, four words for IPv6.
pub(super) trait SlotAddr: Copy + Eq + Debug {
    /// The address of `net`, if it is of this family.
    fn of(net: IpNet) -> Option<Self>;
    /// The address as a number, for ordering and the fences.
    fn bits(self) -> u128;
    /// The prefix of this address and length.
    fn net(self, len: u8) -> IpNet;
}

impl SlotAddr for u32 {
    fn of(net: IpNet) -> Option<Self> {
        match net.addr() {
            IpAddr::V4(a) => Some(a.into()),
            IpAddr::V6(_) => None,
        }
    }

    fn bits(self) -> u128 {
        u128::from(self)
    }

    fn net(self, len: u8) -> IpNet {
        IpNet::new_assert(IpAddr::V4(Ipv4Addr::from(self)), len)
    }
}

/// An IPv6 address in four big-endian words: 4-byte aligned, so a slot is 28 bytes, not 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct V6Words([u32; 4]);

impl SlotAddr for V6Words {
    fn of(net: IpNet) -> Option<Self> {
        match net.addr() {
            IpAddr::V6(a) => {
                let o = a.octets();
                Some(Self([0, 4, 8, 12].map(|i| {
                    u32::from_be_bytes([o[i], o[i + 1], o[i + 2], o[i + 3]])
                })))
            }
            IpAddr::V4(_) => None,
        }
    }

    fn bits(self) -> u128 {
        self.0.iter().fold(0, |acc, &w| (acc << 32) | u128::from(w))
    }

    fn net(self, len: u8) -> IpNet {
        IpNet::new_assert(IpAddr::V6(Ipv6Addr::from(self.bits())), len)
    }
}

/// A route as a table stores it: where it sorts (prefix, tos, metric) and the id of its other
/// attributes in the table's pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Slot<A> {
    addr: A,
    len: u8,
    tos: u8,
    metric: u32,
    /// The id of the route's attributes in the table's `AttrPool`.
    pub(super) attrs: u32,
}

impl<A: SlotAddr> Slot<A> {
    /// The slot of a route to `dst` (host bits cleared) of this family; `None` for the other.
    pub(super) fn new(dst: IpNet, tos: u8, metric: u32, attrs: u32) -> Option<Self> {
        Some(Self {
            addr: A::of(dst)?,
            len: dst.prefix_len(),
            tos,
            metric,
            attrs,
        })
    }

    /// The destination prefix.
    pub(super) fn dst(&self) -> IpNet {
        self.addr.net(self.len)
    }

    /// The IPv4 TOS selector.
    pub(super) fn tos(&self) -> u8 {
        self.tos
    }

    /// The metric.
    pub(super) fn metric(&self) -> u32 {
        self.metric
    }

    /// Where the slot sorts.
    pub(super) fn key(&self) -> Key {
        (
            self.addr.bits(),
            Reverse(self.len),
            Reverse(self.tos),
            self.metric,
        )
    }

    /// Whether the slot's prefix is `(addr, len)`.
    fn holds(&self, addr: A, len: u8) -> bool {
        self.addr == addr && self.len == len
    }
}

/// Where a route sorts in a table: address, then longer prefixes, higher tos, lower metric first.
pub(super) fn key_of(dst: IpNet, tos: u8, metric: u32) -> Key {
    let bits = match dst.addr() {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    };
    (bits, Reverse(dst.prefix_len()), Reverse(tos), metric)
}

/// A position: (chunk, index in the chunk).
pub(super) type Pos = (usize, usize);

/// One family's slots, sorted by key and, within a key, in kernel order, in chunks of at most 128.
///
/// A hand-written chunked vector rather than a `BTreeMap`: routes arrive from dumps in sorted
/// order, so chunks fill completely and a million routes cost about their own size, where a
/// `BTreeMap` filled in order leaves nodes half empty. The last key of every chunk is kept in
/// one small array (`fences`), so finding a chunk reads that array, not a slot in every chunk.
#[derive(Debug, Clone, Default)]
pub(super) struct Slots<A> {
    chunks: Vec<Vec<Slot<A>>>,
    /// The key of the last slot of each chunk.
    fences: Fences,
    len: usize,
    prefix_len_counts: Vec<u32>,
    /// Which prefixes the table may hold, for tables of `FILTERED` routes or more: built by the
    /// first lookup, kept up by inserts and deletions, dropped when stale.
    filter: OnceLock<LengthFilter>,
}

impl<A: SlotAddr> Slots<A> {
    /// The number of slots.
    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// How many routes have prefix length `len`.
    pub(super) fn count_of(&self, len: usize) -> u32 {
        self.prefix_len_counts.get(len).copied().unwrap_or(0)
    }

    /// One more than the longest prefix length present (0 if none).
    pub(super) fn len_bound(&self) -> usize {
        self.prefix_len_counts.len()
    }

    /// All slots in order.
    pub(super) fn iter(&self) -> impl Iterator<Item = &Slot<A>> {
        self.chunks.iter().flatten()
    }

    /// The slots from position `n` on, skipping whole chunks (cheap for windows into big tables).
    pub(super) fn iter_from(&self, mut n: usize) -> impl Iterator<Item = &Slot<A>> {
        let mut first = 0;
        while first < self.chunks.len() && n >= self.chunks[first].len() {
            n -= self.chunks[first].len();
            first += 1;
        }
        self.chunks[first..].iter().flatten().skip(n)
    }

    /// The slots of exactly prefix `dst` (host bits cleared), in kernel order; none for a prefix
    /// of the other family.
    pub(super) fn run(&self, dst: IpNet) -> impl Iterator<Item = &Slot<A>> {
        let addr = A::of(dst);
        let held = addr.is_some() && (self.len < FILTERED || self.filter().may_hold(dst));
        let start = if held {
            self.prefix_start(dst, true)
        } else {
            (self.chunks.len(), 0)
        };
        self.positions_from(start, dst).map(|at| self.get(at))
    }

    /// For an IPv4 address, in a table big enough to carry a length filter: the lengths (bit
    /// `len`) of the routes that may match it.
    pub(super) fn lengths_for(&self, addr: IpAddr) -> Option<u64> {
        match addr {
            IpAddr::V4(a) if self.len >= FILTERED => self.filter().lengths_for(a),
            _ => None,
        }
    }

    /// The length filter, built by the first lookup that needs it.
    fn filter(&self) -> &LengthFilter {
        self.filter
            .get_or_init(|| LengthFilter::new(&self.prefix_len_counts, self.iter().map(Slot::dst)))
    }

    /// The slot at `at`.
    pub(super) fn get(&self, (ci, i): Pos) -> &Slot<A> {
        &self.chunks[ci][i]
    }

    /// Points the slot at `at` to other attributes (its key stays: the same prefix, tos and
    /// metric); returns the attributes it had.
    pub(super) fn set_attrs(&mut self, (ci, i): Pos, attrs: u32) -> u32 {
        std::mem::replace(&mut self.chunks[ci][i].attrs, attrs)
    }

    /// Where the slots of prefix `dst` (host bits cleared) start, or where one would go, found
    /// the way a change finds it (without building the fence directory).
    pub(super) fn start(&self, dst: IpNet) -> Pos {
        self.prefix_start(dst, false)
    }

    /// The positions of the slots of prefix `dst` (host bits cleared) from `start`, its first.
    pub(super) fn positions_from(&self, start: Pos, dst: IpNet) -> impl Iterator<Item = Pos> + '_ {
        let (mut ci, mut i) = start;
        let (addr, len) = (A::of(dst), dst.prefix_len());
        std::iter::from_fn(move || {
            if self.chunks.get(ci).is_some_and(|c| i == c.len()) {
                (ci, i) = (ci + 1, 0);
            }
            let slot = self.chunks.get(ci)?.get(i)?;
            addr.is_some_and(|a| slot.holds(a, len)).then(|| {
                i += 1;
                (ci, i - 1)
            })
        })
    }

    /// Where a new slot of key `key` goes: before the slots of its key with `First`, after them
    /// otherwise.
    pub(super) fn place(&self, key: Key, placement: Placement) -> Pos {
        let before = |k: &Key| match placement {
            Placement::First => *k < key,
            Placement::Last | Placement::Replace => *k <= key,
        };
        // the first chunk whose last key is not before (none: the slot goes last)
        let ci = self.fences.keys().partition_point(before);
        let i = self.search_chunk(ci, key.0, |s| before(&s.key()));
        (ci, i)
    }

    /// Puts `slot` at `(ci, i)` (`i` may be the chunk's length: after its last slot; `ci` may be
    /// the number of chunks: after every slot), splitting a full chunk first so no chunk grows
    /// past its capacity, and keeping the fences and counts.
    pub(super) fn insert_at(&mut self, (mut ci, mut i): Pos, slot: Slot<A>) {
        self.count(slot.dst(), true);
        self.len += 1;
        let key = slot.key();
        if ci == self.chunks.len() {
            match self.chunks.last() {
                // a table that filled a chunk is large: allocate whole chunks, since growing
                // each by doubling leaves the freed halves scattered through the heap
                Some(last) if last.len() >= CHUNK => {
                    let mut chunk = Vec::with_capacity(CHUNK);
                    chunk.push(slot);
                    self.chunks.push(chunk);
                    self.fences.push(key);
                    return;
                }
                Some(last) => (ci, i) = (ci - 1, last.len()),
                None => {
                    self.chunks.push(vec![slot]);
                    self.fences.push(key);
                    return;
                }
            }
        }
        if self.chunks[ci].len() >= CHUNK {
            let mut tail = Vec::with_capacity(CHUNK);
            tail.extend(self.chunks[ci].drain(CHUNK / 2..));
            self.chunks.insert(ci + 1, tail);
            self.fences.insert(ci + 1, self.fences.get(ci));
            let last = self.chunks[ci]
                .last()
                .map_or(self.fences.get(ci), Slot::key);
            self.fences.set(ci, last);
            if i > CHUNK / 2 {
                (ci, i) = (ci + 1, i - CHUNK / 2);
            }
        }
        let chunk = &mut self.chunks[ci];
        chunk.insert(i, slot);
        if i + 1 == chunk.len() {
            self.fences.set(ci, key);
        }
    }

    /// Removes the slot at `(ci, i)`, keeping the fences and counts.
    pub(super) fn remove_at(&mut self, (ci, i): Pos) -> Slot<A> {
        let slot = self.chunks[ci].remove(i);
        match self.chunks[ci].last() {
            None => {
                self.chunks.remove(ci);
                self.fences.remove(ci);
            }
            Some(last) => self.fences.set(ci, last.key()),
        }
        self.len -= 1;
        self.count(slot.dst(), false);
        slot
    }

    /// Keeps only the slots for which `keep` is true.
    pub(super) fn retain(&mut self, mut keep: impl FnMut(&Slot<A>) -> bool) {
        for chunk in &mut self.chunks {
            chunk.retain(|s| {
                let kept = keep(s);
                if !kept {
                    self.prefix_len_counts[usize::from(s.len)] -= 1;
                }
                kept
            });
        }
        self.chunks.retain(|c| !c.is_empty());
        self.filter = OnceLock::new();
        let fences = self.chunks.iter().filter_map(|c| c.last().map(Slot::key));
        self.fences = Fences::from_keys(fences.collect());
        self.len = self.chunks.iter().map(Vec::len).sum();
    }

    /// Counts a prefix in or out, keeping the length filter or dropping it when it cannot follow.
    fn count(&mut self, dst: IpNet, add: bool) {
        let len = usize::from(dst.prefix_len());
        if self.prefix_len_counts.len() <= len {
            self.prefix_len_counts.resize(len + 1, 0);
        }
        if add {
            self.prefix_len_counts[len] += 1;
        } else {
            self.prefix_len_counts[len] -= 1;
        }
        if let Some(filter) = self.filter.get_mut() {
            let kept = if add {
                filter.add(dst)
            } else {
                filter.remove()
            };
            if !kept {
                self.filter = OnceLock::new();
            }
        }
    }

    /// The (chunk, index) of the first slot of prefix `dst`, or where it would go. A lookup
    /// (`directed`) finds the chunk through the fences' directory; a change searches the fences
    /// plainly, since building the directory for it would be undone by the change itself.
    fn prefix_start(&self, dst: IpNet, directed: bool) -> Pos {
        let (bits, len, _, _) = key_of(dst, 0, 0);
        let probe = (bits, len);
        let ci = if directed {
            self.fences.chunk_of(probe)
        } else {
            self.fences.keys().partition_point(|f| (f.0, f.1) < probe)
        };
        let i = self.search_chunk(ci, bits, |s| {
            let k = s.key();
            (k.0, k.1) < probe
        });
        (ci, i)
    }

    /// The partition point of `before` in chunk `ci` (0 if there is no such chunk), for a slot
    /// whose address bits are `bits`. It starts where `bits` falls between the previous chunk's
    /// last address and this chunk's, then gallops: a table's addresses are spread evenly
    /// enough that it reads two or three slots where bisecting 128 reads seven, and in a big
    /// table each read is a cache miss.
    fn search_chunk(&self, ci: usize, bits: u128, before: impl Fn(&Slot<A>) -> bool) -> usize {
        let Some(chunk) = self.chunks.get(ci) else {
            return 0;
        };
        let n = chunk.len();
        let low = ci.checked_sub(1).map_or(0, |p| self.fences.get(p).0);
        let high = self.fences.get(ci).0;
        let span = high.saturating_sub(low);
        // keep 56 bits of the span, so the product below fits in 64
        let shift = (128 - span.leading_zeros()).saturating_sub(56);
        let part = |x: u128| u64::try_from(x >> shift).unwrap_or(u64::MAX);
        let n64 = u64::try_from(n).unwrap_or(u64::MAX);
        let guess = match part(span) {
            0 => 0,
            whole => part(bits.saturating_sub(low).min(span)) * n64 / whole,
        };
        let g = usize::try_from(guess).unwrap_or(n).min(n.saturating_sub(1));
        let mut step = 1;
        let (lo, hi) = if before(&chunk[g]) {
            // the answer is after g: double the stride until a slot is not before
            let mut lo = g + 1;
            while lo + step - 1 < n && before(&chunk[lo + step - 1]) {
                lo += step;
                step *= 2;
            }
            (lo, (lo + step - 1).min(n))
        } else {
            // the answer is g or before it: double the stride back until a slot is before
            let mut hi = g;
            while hi >= step && !before(&chunk[hi - step]) {
                hi -= step;
                step *= 2;
            }
            (hi.saturating_sub(step), hi)
        };
        lo + chunk[lo..hi].partition_point(before)
    }

    /// Whether the fence directory is built (for tests: changes must not build it).
    #[cfg(test)]
    pub(super) fn directed(&self) -> bool {
        self.fences.directed()
    }

    /// Every chunk is sorted and within its capacity, and its fence is its last key.
    #[cfg(test)]
    pub(super) fn assert_fences_hold(&self) {
        assert_eq!(self.fences.keys().len(), self.chunks.len());
        for (chunk, fence) in self.chunks.iter().zip(self.fences.keys()) {
            assert!(!chunk.is_empty() && chunk.len() <= CHUNK);
            assert!(chunk.windows(2).all(|w| w[0].key() <= w[1].key()));
            assert_eq!(chunk.last().map(Slot::key), Some(*fence));
        }
        assert!(self.fences.keys().windows(2).all(|w| w[0] <= w[1]));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_small_and_keep_their_prefix() {
        assert_eq!(std::mem::size_of::<Slot<u32>>(), 16);
        assert_eq!(std::mem::size_of::<Slot<V6Words>>(), 28);
        for net in ["10.1.2.0/24", "0.0.0.0/0", "255.255.255.255/32"] {
            let net: IpNet = net.parse().unwrap();
            let slot = Slot::<u32>::new(net, 4, 7, 9).unwrap();
            assert_eq!(slot.dst(), net);
            assert_eq!(slot.key(), key_of(net, 4, 7));
            assert!(Slot::<V6Words>::new(net, 0, 0, 0).is_none());
        }
        for net in [
            "2001:db8:1:2::/64",
            "::/0",
            "ffff::1/128",
            "::ffff:10.0.0.0/104",
        ] {
            let net: IpNet = net.parse().unwrap();
            let slot = Slot::<V6Words>::new(net, 0, 1024, 1).unwrap();
            assert_eq!(slot.dst(), net);
            assert_eq!(slot.key(), key_of(net, 0, 1024));
        }
    }
}
