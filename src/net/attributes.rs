//! A walk over netlink attributes (`struct nlattr`: length, type, value, padded to 4 bytes), for
//! the messages parsed or repaired by hand.

use std::ops::Range;

/// An attribute whose header or length runs past the end; the offset where it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MalformedAttribute(pub usize);

/// The attributes of a buffer as (type without the nested / byte-order bits, value range).
pub struct Spans<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Spans<'a> {
    /// Walks the attributes that fill `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, at: 0 }
    }
}

impl Iterator for Spans<'_> {
    type Item = Result<(u16, Range<usize>), MalformedAttribute>;

    fn next(&mut self) -> Option<Self::Item> {
        let rest = self.bytes.get(self.at..).filter(|r| !r.is_empty())?;
        let start = self.at;
        let header = rest.get(..4).map(|h| {
            (
                usize::from(u16::from_ne_bytes([h[0], h[1]])),
                u16::from_ne_bytes([h[2], h[3]]) & 0x3fff,
            )
        });
        let Some((len, kind)) = header.filter(|(len, _)| (4..=rest.len()).contains(len)) else {
            self.at = self.bytes.len();
            return Some(Err(MalformedAttribute(start)));
        };
        self.at = (start + len.next_multiple_of(4)).min(self.bytes.len());
        Some(Ok((kind, start + 4..start + len)))
    }
}

/// The attributes of a buffer as (type, value bytes).
pub struct Attributes<'a>(Spans<'a>);

impl<'a> Attributes<'a> {
    /// Walks the attributes that fill `bytes`.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self(Spans::new(bytes))
    }
}

impl<'a> Iterator for Attributes<'a> {
    type Item = Result<(u16, &'a [u8]), MalformedAttribute>;

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.0.bytes;
        Some(
            self.0
                .next()?
                .map(|(kind, range)| (kind, bytes.get(range).unwrap_or_default())),
        )
    }
}

/// One attribute as the kernel writes it, padded to four bytes: for the parsers' tests.
#[cfg(test)]
pub fn nla(kind: u16, value: &[u8]) -> Vec<u8> {
    let len = u16::try_from(4 + value.len()).unwrap_or(u16::MAX);
    let mut out = [len.to_ne_bytes(), kind.to_ne_bytes()].concat();
    out.extend_from_slice(value);
    out.resize(out.len().next_multiple_of(4), 0);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_walked_with_padding_and_flags_masked() {
        let mut bytes = Vec::new();
        bytes.extend(5_u16.to_ne_bytes());
        bytes.extend((3_u16 | 0x8000).to_ne_bytes());
        bytes.extend([b'x', 0, 0, 0]);
        bytes.extend(8_u16.to_ne_bytes());
        bytes.extend(1_u16.to_ne_bytes());
        bytes.extend(7_u32.to_ne_bytes());
        let all: Vec<_> = Attributes::new(&bytes).collect();
        assert_eq!(all, [Ok((3, &b"x"[..])), Ok((1, &7_u32.to_ne_bytes()[..]))]);
        let spans: Vec<_> = Spans::new(&bytes).collect();
        assert_eq!(spans, [Ok((3, 4..5)), Ok((1, 12..16))]);
    }

    #[test]
    fn a_length_past_the_end_is_reported_once() {
        let mut bytes = Vec::new();
        bytes.extend(12_u16.to_ne_bytes());
        bytes.extend(1_u16.to_ne_bytes());
        bytes.extend([0; 4]);
        let all: Vec<_> = Attributes::new(&bytes).collect();
        assert_eq!(all, [Err(MalformedAttribute(0))]);
        let tail: Vec<_> = Attributes::new(&[1, 0]).collect();
        assert_eq!(tail, [Err(MalformedAttribute(0))]);
    }
}
