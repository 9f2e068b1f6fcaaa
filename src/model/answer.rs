//! The answer to a route lookup, one type for routescope's verdict and the kernel's reply, so the
//! two are compared as data, never as text.

use std::fmt;
use std::net::IpAddr;

use super::RouteKind;

/// The reserved routing tables (`RT_TABLE_*` in `include/uapi/linux/rtnetlink.h`).
pub mod table {
    /// No table given (`RT_TABLE_UNSPEC`).
    pub const UNSPEC: u32 = 0;
    /// The `default` table, searched last by the default IPv4 rules.
    pub const DEFAULT: u32 = 253;
    /// The `main` table, where `ip route add` puts routes.
    pub const MAIN: u32 = 254;
    /// The `local` table, where the kernel puts local and broadcast routes.
    pub const LOCAL: u32 = 255;
}

/// The priorities of the rules every namespace starts with (`fib_default_rules_init()`).
pub mod priority {
    /// `0: from all lookup local`.
    pub const LOCAL_RULE: u32 = 0;
    /// `32766: from all lookup main`.
    pub const MAIN_RULE: u32 = 32766;
    /// `32767: from all lookup default` (IPv4 only).
    pub const DEFAULT_RULE: u32 = 32767;
}

/// An error number a route lookup ends with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Errno {
    /// No rule or route led anywhere; rule `unreachable`.
    Enetunreach,
    /// Route `unreachable`; input lookups that would not forward.
    Ehostunreach,
    /// Rule or route `prohibit`.
    Eacces,
    /// Blackholes, martians, bad sources.
    Einval,
    /// A protocol `route get` does not take.
    Eopnotsupp,
    /// A device that does not exist.
    Enodev,
    /// Cross-device source validation (older kernels).
    Exdev,
    /// Any other errno, by number.
    Other(i32),
}

impl Errno {
    const KNOWN: [(Self, i32, &'static str); 7] = [
        (Self::Enetunreach, 101, "ENETUNREACH"),
        (Self::Ehostunreach, 113, "EHOSTUNREACH"),
        (Self::Eacces, 13, "EACCES"),
        (Self::Einval, 22, "EINVAL"),
        (Self::Eopnotsupp, 95, "EOPNOTSUPP"),
        (Self::Enodev, 19, "ENODEV"),
        (Self::Exdev, 18, "EXDEV"),
    ];

    /// The errno with this (positive) number.
    pub fn from_code(code: i32) -> Self {
        Self::KNOWN
            .iter()
            .find(|(_, c, _)| *c == code)
            .map_or(Self::Other(code), |(e, _, _)| *e)
    }

    /// The errno's number.
    pub fn code(self) -> i32 {
        match self {
            Self::Other(n) => n,
            known => Self::KNOWN
                .iter()
                .find(|(e, _, _)| *e == known)
                .map_or(0, |(_, c, _)| *c),
        }
    }

    /// The errno with this name (`ENETUNREACH`) or `errno N`.
    pub fn from_name(name: &str) -> Option<Self> {
        if let Some(n) = name.strip_prefix("errno ") {
            return n.parse().ok().map(Self::from_code);
        }
        Self::KNOWN
            .iter()
            .find(|(_, _, n)| *n == name)
            .map(|(e, _, _)| *e)
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Other(n) => write!(f, "errno {n}"),
            known => {
                let name = Self::KNOWN
                    .iter()
                    .find(|(e, _, _)| e == known)
                    .map_or("?", |(_, _, n)| *n);
                f.write_str(name)
            }
        }
    }
}

/// What a lookup ends in: a route of some type, or an errno.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Route(RouteKind),
    Error(Errno),
}

impl Outcome {
    /// Whether the destination is reachable.
    pub fn is_ok(self) -> bool {
        matches!(self, Self::Route(_))
    }

    /// The errno, when the lookup failed.
    pub fn errno(self) -> Option<Errno> {
        match self {
            Self::Route(_) => None,
            Self::Error(e) => Some(e),
        }
    }

    /// The route type, when the lookup succeeded.
    pub fn kind(self) -> Option<RouteKind> {
        match self {
            Self::Route(k) => Some(k),
            Self::Error(_) => None,
        }
    }
}

impl fmt::Display for Outcome {
    /// One word: the route type (`unicast`, `local` …) or the errno (`ENETUNREACH` …).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Route(kind) => f.write_str(&kind.name()),
            Self::Error(errno) => errno.fmt(f),
        }
    }
}

/// Where a lookup sends the packet: the parts `ip route get` reports and both sides can give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub outcome: Outcome,
    /// The table that answered (`RTM_F_LOOKUP_TABLE`).
    pub table: Option<u32>,
    /// Output device index.
    pub dev: Option<u32>,
    /// Gateway (IPv4 or IPv6: `RTA_GATEWAY` or `RTA_VIA`).
    pub gateway: Option<IpAddr>,
    /// The source the packet would carry (the given `from`, or the chosen one).
    pub src: Option<IpAddr>,
}

impl Answer {
    /// An answer of this outcome with nothing else known yet.
    pub fn of(outcome: Outcome) -> Self {
        Self {
            outcome,
            table: None,
            dev: None,
            gateway: None,
            src: None,
        }
    }

    /// A failed lookup.
    pub fn error(errno: Errno) -> Self {
        Self::of(Outcome::Error(errno))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_names_and_numbers_round_trip() {
        for (errno, code, name) in Errno::KNOWN {
            assert_eq!(Errno::from_code(code), errno);
            assert_eq!(errno.code(), code);
            assert_eq!(errno.to_string(), name);
            assert_eq!(Errno::from_name(name), Some(errno));
        }
        assert_eq!(Errno::from_code(5).to_string(), "errno 5");
        assert_eq!(Errno::from_name("errno 5"), Some(Errno::Other(5)));
    }
}
