//! The words of a route written on the stack, for the routes filter's matcher (`route_match`):
//! addresses, prefixes and numbers as `route_line` writes them, without allocating.

use std::fmt::{self, Write as _};
use std::net::{IpAddr, Ipv4Addr};

/// Each byte's decimal digits and their count, for IPv4 addresses without division.
const OCTETS: [([u8; 3], u8); 256] = octets();

/// Builds `OCTETS`.
const fn octets() -> [([u8; 3], u8); 256] {
    let mut table = [([0; 3], 0); 256];
    let mut n = 0;
    while n < 256 {
        // n < 256, so each digit is below 10 and the casts keep every bit
        #[allow(clippy::cast_possible_truncation)]
        let (a, b, c) = ((n / 100) as u8, (n / 10 % 10) as u8, (n % 10) as u8);
        table[n] = if n >= 100 {
            ([b'0' + a, b'0' + b, b'0' + c], 3)
        } else if n >= 10 {
            ([b'0' + b, b'0' + c, 0], 2)
        } else {
            ([b'0' + c, 0, 0], 1)
        };
        n += 1;
    }
    table
}

/// A word written on the stack: long enough for any address, prefix or number.
pub struct Buf {
    /// The room.
    bytes: [u8; 64],
    /// How much of it is written.
    len: usize,
}

impl Buf {
    /// An empty buffer.
    pub fn new() -> Self {
        Self {
            bytes: [0; 64],
            len: 0,
        }
    }

    /// Empties it.
    pub fn clear(&mut self) {
        self.len = 0;
    }

    /// What was written.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    /// Appends text; `Err` if it does not fit.
    pub fn push_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let room = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        room.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }

    /// Appends a number in decimal (ten digits always fit: the buffer is only cleared before).
    pub fn push_u32(&mut self, mut n: u32) {
        let mut digits = [0u8; 10];
        let mut at = digits.len();
        loop {
            at -= 1;
            digits[at] = b'0' + u8::try_from(n % 10).unwrap_or(0);
            n /= 10;
            if n == 0 {
                break;
            }
        }
        for &d in &digits[at..] {
            self.push_byte(d);
        }
    }

    /// Appends an address as `Display` writes it (IPv4 by hand: it is the common case).
    pub fn push_addr(&mut self, addr: IpAddr) -> Option<()> {
        match addr {
            IpAddr::V4(a) => self.push_v4(a),
            IpAddr::V6(a) => write!(self, "{a}").ok()?,
        }
        Some(())
    }

    /// Appends an IPv4 address in dotted decimal (at most 15 bytes: the buffer is only cleared
    /// before).
    pub fn push_v4(&mut self, addr: Ipv4Addr) {
        for (i, octet) in addr.octets().into_iter().enumerate() {
            if i > 0 {
                self.push_byte(b'.');
            }
            let (digits, len) = &OCTETS[usize::from(octet)];
            for &d in &digits[..usize::from(*len)] {
                self.push_byte(d);
            }
        }
    }

    /// Appends one byte, if there is room (callers write far less than the buffer holds).
    pub fn push_byte(&mut self, b: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = b;
            self.len += 1;
        }
    }
}

impl fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.push_str(s)
    }
}
