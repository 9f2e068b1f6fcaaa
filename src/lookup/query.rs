//! The question: what people type after `ip route get`, parsed with iproute2's words and numbers.

use std::fmt::Write as _;
use std::net::IpAddr;

use serde::Serialize;

use crate::model::{Family, State};

/// A route lookup query: destination plus every selector `ip route get` accepts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Query {
    pub dst: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iif: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub oif: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mark: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uid: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipproto: Option<u8>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sport: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dport: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tos: Option<u8>,
}

/// Why a query does not parse; the message names the word that is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("no destination: say where the packet goes, e.g. `8.8.8.8`")]
    NoDestination,
    #[error("missing value after '{0}'")]
    MissingValue(String),
    #[error("{word}: '{value}' is not an IP address")]
    BadAddress { word: String, value: String },
    #[error("{word}: '{value}' is not a number{range}")]
    BadNumber {
        word: String,
        value: String,
        range: String,
    },
    #[error(
        "ipproto: '{0}' is not a protocol name or number (tcp, udp, icmp, ipv6-icmp, sctp, 0-255)"
    )]
    BadProtocol(String),
    #[error("unknown word '{0}' (expected from, iif, oif, mark, uid, ipproto, sport, dport, tos)")]
    UnknownWord(String),
    #[error("'{0}' is given twice")]
    Repeated(String),
    #[error("from {from} is {from_family} but the destination {dst} is {dst_family}")]
    MixedFamilies {
        from: IpAddr,
        dst: IpAddr,
        from_family: &'static str,
        dst_family: &'static str,
    },
    #[error("{word}: '{name}' is not a device name (1-15 characters, no '/', ':' or space)")]
    BadDevice { word: String, name: String },
    #[error("{word}: no device named '{name}'")]
    UnknownDevice { word: &'static str, name: String },
}

/// Parses a number the way iproute2's `get_u32` does: decimal, `0x` hex or leading-0 octal,
/// digits only: no sign, no space, no second prefix (`0x0x10`, `+5`, `0x+5` and `-1` are refused,
/// where Rust's `from_str_radix` would take a sign).
fn number(word: &str, value: &str, max: u64) -> Result<u64, QueryError> {
    let (digits, radix) = if let Some(hex) = value
        .strip_prefix("0x")
        .or_else(|| value.strip_prefix("0X"))
    {
        (hex, 16)
    } else if value.len() > 1 && value.starts_with('0') {
        (&value[1..], 8)
    } else {
        (value, 10)
    };
    digits_value(digits, radix)
        .filter(|n| *n <= max)
        .ok_or_else(|| QueryError::BadNumber {
            word: word.to_owned(),
            value: shown(value),
            range: format!(" (0-{max})"),
        })
}

/// The value of a run of digits in `radix`, or `None` if it is empty or has anything else.
fn digits_value(digits: &str, radix: u32) -> Option<u64> {
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

/// The protocol number of `ipproto` words.
fn protocol(value: &str) -> Result<u8, QueryError> {
    match value {
        "tcp" => Ok(6),
        "udp" => Ok(17),
        "icmp" => Ok(1),
        "ipv6-icmp" | "icmpv6" => Ok(58),
        "sctp" => Ok(132),
        "gre" => Ok(47),
        "esp" => Ok(50),
        n => digits_value(n, 10)
            .and_then(|p| u8::try_from(p).ok())
            .ok_or_else(|| QueryError::BadProtocol(shown(n))),
    }
}

impl Query {
    /// Parses the words after `ip route get`.
    pub fn parse<S: AsRef<str>>(words: &[S]) -> Result<Self, QueryError> {
        let mut q = Self::default();
        let mut words = words.iter().map(AsRef::as_ref);
        while let Some(word) = words.next() {
            let known = matches!(
                word,
                "to" | "from"
                    | "iif"
                    | "oif"
                    | "mark"
                    | "uid"
                    | "ipproto"
                    | "sport"
                    | "dport"
                    | "tos"
                    | "dsfield"
            );
            if !known {
                if q.dst.is_some() {
                    return Err(QueryError::UnknownWord(shown(word)));
                }
                q.dst = Some(address("to", word)?);
                continue;
            }
            let value = words
                .next()
                .ok_or_else(|| QueryError::MissingValue(word.to_owned()))?;
            let repeated = || QueryError::Repeated(word.to_owned());
            match word {
                "to" => set(&mut q.dst, address(word, value)?, repeated)?,
                "from" => set(&mut q.from, address(word, value)?, repeated)?,
                "iif" => set(&mut q.iif, device(word, value)?, repeated)?,
                "oif" => set(&mut q.oif, device(word, value)?, repeated)?,
                "mark" => set(
                    &mut q.mark,
                    narrow(number(word, value, u64::from(u32::MAX))?),
                    repeated,
                )?,
                "uid" => set(
                    &mut q.uid,
                    narrow(number(word, value, u64::from(u32::MAX))?),
                    repeated,
                )?,
                "ipproto" => set(&mut q.ipproto, protocol(value)?, repeated)?,
                "sport" => set(&mut q.sport, narrow(number(word, value, 65535)?), repeated)?,
                "dport" => set(&mut q.dport, narrow(number(word, value, 65535)?), repeated)?,
                // iproute2 reads tos as hex, with or without one 0x
                _ => {
                    let hex = value
                        .strip_prefix("0x")
                        .or_else(|| value.strip_prefix("0X"))
                        .unwrap_or(value);
                    let tos = digits_value(hex, 16)
                        .and_then(|t| u8::try_from(t).ok())
                        .ok_or_else(|| QueryError::BadNumber {
                            word: "tos".into(),
                            value: shown(value),
                            range: " (hex 00-ff)".into(),
                        })?;
                    set(&mut q.tos, tos, repeated)?;
                }
            }
        }
        let dst = q.dst.ok_or(QueryError::NoDestination)?;
        if let Some(from) = q.from.filter(|f| Family::of(*f) != Family::of(dst)) {
            return Err(QueryError::MixedFamilies {
                from,
                dst,
                from_family: family_word(from),
                dst_family: family_word(dst),
            });
        }
        Ok(q)
    }

    /// Checks that the devices named exist in `state`.
    pub fn validate(&self, state: &State) -> Result<(), QueryError> {
        for (word, dev) in [("iif", &self.iif), ("oif", &self.oif)] {
            if let Some(name) = dev.as_ref().filter(|n| state.link_by_name(n).is_none()) {
                return Err(QueryError::UnknownDevice {
                    word,
                    name: name.clone(),
                });
            }
        }
        Ok(())
    }

    /// The destination (a parsed query always has one).
    pub fn destination(&self) -> IpAddr {
        self.dst
            .unwrap_or(IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED))
    }

    /// The query as `ip route get` words.
    pub fn to_words(&self) -> String {
        let mut out = self.destination().to_string();
        let mut add = |word: &str, value: Option<String>| {
            if let Some(v) = value {
                let _ = write!(out, " {word} {v}");
            }
        };
        add("from", self.from.map(|a| a.to_string()));
        add("iif", self.iif.clone());
        add("oif", self.oif.clone());
        add("mark", self.mark.map(|m| format!("{m:#x}")));
        add("uid", self.uid.map(|u| u.to_string()));
        add("ipproto", self.ipproto.map(crate::model::ipproto_name));
        add("sport", self.sport.map(|p| p.to_string()));
        add("dport", self.dport.map(|p| p.to_string()));
        add("tos", self.tos.map(|t| format!("{t:#04x}")));
        out
    }
}

/// Stores a value once; a second one is an error.
fn set<T>(
    slot: &mut Option<T>,
    value: T,
    repeated: impl Fn() -> QueryError,
) -> Result<(), QueryError> {
    if slot.is_some() {
        return Err(repeated());
    }
    *slot = Some(value);
    Ok(())
}

/// Narrows a range-checked number.
fn narrow<T: TryFrom<u64> + Default>(n: u64) -> T {
    T::try_from(n).unwrap_or_default()
}

/// Parses an address, naming the word it belongs to on failure.
fn address(word: &str, value: &str) -> Result<IpAddr, QueryError> {
    value.parse().map_err(|_| QueryError::BadAddress {
        word: word.to_owned(),
        value: shown(value),
    })
}

/// A device name as the kernel takes it (`dev_valid_name`): at most 15 bytes, not `.` or `..`,
/// no `/`, `:` or white space; other bytes, control characters included, are allowed. The
/// escaped (`e\xff`) and `hex:` forms of a name that is not UTF-8 are checked when looked up.
fn device(word: &str, value: &str) -> Result<String, QueryError> {
    if value.starts_with(crate::model::HEX_PREFIX) || value.contains('\\') {
        return Ok(value.to_owned());
    }
    let bad = value.is_empty()
        || value.len() > 15
        || value == "."
        || value == ".."
        || value.contains(['/', ':'])
        || value.bytes().any(|b| b.is_ascii_whitespace() || b == 0x0b);
    if bad {
        return Err(QueryError::BadDevice {
            word: word.to_owned(),
            name: shown(value),
        });
    }
    Ok(value.to_owned())
}

/// User input as an error quotes it: escaped and cut to 40 characters.
fn shown(value: &str) -> String {
    crate::model::cut(value, 40)
}

/// `IPv4` or `IPv6`, for messages.
fn family_word(addr: IpAddr) -> &'static str {
    if addr.is_ipv4() { "IPv4" } else { "IPv6" }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_what_ip_route_get_takes() {
        let q = Query::parse(
            &"8.8.8.8 from 10.0.0.2 mark 0x10 ipproto tcp dport 443 tos 10 uid 1000 oif eth0"
                .split_whitespace()
                .collect::<Vec<_>>(),
        )
        .unwrap();
        assert_eq!(q.dst, Some("8.8.8.8".parse().unwrap()));
        assert_eq!(
            (q.mark, q.ipproto, q.dport, q.tos, q.uid),
            (Some(16), Some(6), Some(443), Some(0x10), Some(1000))
        );
        assert_eq!(
            q.to_words(),
            "8.8.8.8 from 10.0.0.2 oif eth0 mark 0x10 uid 1000 ipproto tcp dport 443 tos 0x10"
        );
    }

    #[test]
    fn errors_name_the_wrong_word() {
        let err = |s: &str| {
            Query::parse(&s.split_whitespace().collect::<Vec<_>>())
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("8.8.8.8 mark 0x1g"),
            "mark: '0x1g' is not a number (0-4294967295)"
        );
        assert_eq!(
            err("8.8.8.8 from 10.0.0.300"),
            "from: '10.0.0.300' is not an IP address"
        );
        assert_eq!(
            err("8.8.8.8 from 2001:db8::1"),
            "from 2001:db8::1 is IPv6 but the destination 8.8.8.8 is IPv4"
        );
        assert_eq!(
            err("8.8.8.8 frm 1.2.3.4"),
            "unknown word 'frm' (expected from, iif, oif, mark, uid, ipproto, sport, dport, tos)"
        );
        assert_eq!(err("8.8.8.8 dport"), "missing value after 'dport'");
        assert_eq!(
            err("8.8.8.8 dport 70000"),
            "dport: '70000' is not a number (0-65535)"
        );
        assert_eq!(
            err("from 1.2.3.4"),
            "no destination: say where the packet goes, e.g. `8.8.8.8`"
        );
        assert_eq!(err("eth0"), "to: 'eth0' is not an IP address");
    }

    #[test]
    fn numbers_are_digits_only_as_iproute2_reads_them() {
        let parse = |s: &str| Query::parse(&s.split_whitespace().collect::<Vec<_>>());
        for bad in [
            "1.1.1.1 tos 0x0x10",
            "1.1.1.1 mark +5",
            "1.1.1.1 mark 0x+5",
            "1.1.1.1 mark -1",
            "1.1.1.1 mark 0x",
            "1.1.1.1 mark 08",
            "1.1.1.1 uid -0",
            "1.1.1.1 dport +80",
            "1.1.1.1 tos +1",
            "1.1.1.1 tos 0x-1",
            "1.1.1.1 ipproto +6",
            "1.1.1.1 ipproto 256",
        ] {
            let err = parse(bad).expect_err(bad).to_string();
            let word = bad.split_whitespace().nth(1).unwrap_or_default();
            assert!(err.starts_with(word), "{bad}: {err}");
        }
        let q = parse("1.1.1.1 mark 0x10 uid 010 tos 0x1f sport 0 ipproto 6").expect("parses");
        assert_eq!(
            (q.mark, q.uid, q.tos, q.sport, q.ipproto),
            (Some(16), Some(8), Some(0x1f), Some(0), Some(6))
        );
        assert_eq!(
            parse("1.1.1.1 mark -1").unwrap_err().to_string(),
            "mark: '-1' is not a number (0-4294967295)"
        );
    }

    #[test]
    fn long_words_are_cut_in_messages() {
        let long = "x".repeat(300);
        let err = Query::parse(&["1.1.1.1", "oif", &long])
            .unwrap_err()
            .to_string();
        assert!(err.len() < 120 && err.contains('…'), "{err}");
        let err = Query::parse(&["1.1.1.1", &long]).unwrap_err().to_string();
        assert!(err.len() < 140 && err.contains('…'), "{err}");
        let err = Query::parse(&["1.1.1.1", "mark", &long])
            .unwrap_err()
            .to_string();
        assert!(err.len() < 120 && err.contains('…'), "{err}");
    }

    #[test]
    fn unknown_devices_are_named() {
        let state = crate::model::fixtures::server();
        let q = Query::parse(&["1.1.1.1", "iif", "eht0"]).unwrap();
        assert_eq!(
            q.validate(&state).unwrap_err().to_string(),
            "iif: no device named 'eht0'"
        );
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(words in proptest::collection::vec("[a-z0-9:.x-]{0,12}", 0..8)) {
            let _ = Query::parse(&words);
        }

        #[test]
        fn queries_round_trip_through_words(a in any::<u32>(), mark in proptest::option::of(any::<u32>()),
                                            dport in proptest::option::of(any::<u16>()), tos in proptest::option::of(any::<u8>())) {
            let q = Query { dst: Some(IpAddr::V4(a.into())), mark, dport, tos, ..Query::default() };
            let words = q.to_words();
            let back = Query::parse(&words.split_whitespace().collect::<Vec<_>>()).unwrap();
            prop_assert_eq!(back, q);
        }
    }
}
