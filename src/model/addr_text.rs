//! Addresses written into text quickly: `resolve` and `get --batch` write several per answer, and
//! the standard `Display` of an IPv4 address goes through the formatter once per octet (~7% of a
//! full-view batch). The text is exactly what `Display` writes.

use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::IpNet;

/// Appends a number below 256 in decimal.
fn push_byte(out: &mut String, n: u8) {
    if n >= 100 {
        out.push(char::from(b'0' + n / 100));
    }
    if n >= 10 {
        out.push(char::from(b'0' + n / 10 % 10));
    }
    out.push(char::from(b'0' + n % 10));
}

/// Appends an IPv4 address, dotted decimal.
fn push_v4(out: &mut String, addr: Ipv4Addr) {
    let [a, b, c, d] = addr.octets();
    for (i, octet) in [a, b, c, d].into_iter().enumerate() {
        if i > 0 {
            out.push('.');
        }
        push_byte(out, octet);
    }
}

/// Appends `addr` as its `Display` writes it.
pub fn push_addr(out: &mut String, addr: IpAddr) {
    match addr {
        IpAddr::V4(a) => push_v4(out, a),
        IpAddr::V6(a) => {
            let _ = write!(out, "{a}");
        }
    }
}

/// An address as its `Display` writes it, or `none`: for the sentences that name a source or
/// gateway that may be missing.
pub fn addr_or_none(addr: Option<IpAddr>) -> String {
    addr.map_or_else(|| "none".into(), |a| a.to_string())
}

/// Appends `net` as its `Display` writes it (`address/length`).
pub fn push_net(out: &mut String, net: IpNet) {
    push_addr(out, net.addr());
    out.push('/');
    push_byte(out, net.prefix_len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_is_what_display_writes() {
        let mut x: u32 = 1;
        for _ in 0..10_000 {
            x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            for addr in [
                IpAddr::V4(Ipv4Addr::from(x)),
                IpAddr::V4(Ipv4Addr::from(x >> 7)),
            ] {
                let mut out = String::new();
                push_addr(&mut out, addr);
                assert_eq!(out, addr.to_string());
                let net = IpNet::new(addr, u8::try_from(x % 33).unwrap()).unwrap();
                let mut out = String::new();
                push_net(&mut out, net);
                assert_eq!(out, net.to_string());
            }
        }
        let v6: IpNet = "2001:db8::/48".parse().unwrap();
        let mut out = String::new();
        push_net(&mut out, v6);
        assert_eq!(out, "2001:db8::/48");
    }
}
