//! IPv6 source selection as `ipv6_dev_get_saddr()` makes it (docs/kernel-notes.md §2): the
//! candidates in device and address-list order, compared rule by rule (RFC 6724 as the kernel
//! implements it); on a tie the earlier candidate stays.

use std::cmp::Ordering;
use std::net::{IpAddr, Ipv6Addr};

use super::source::SourceWhy;
use crate::model::{Address, AddressFlags, Family, State};

/// The scope the kernel gives an IPv6 address (`__ipv6_addr_src_scope`): larger reaches further.
pub fn scope(a: Ipv6Addr) -> i32 {
    if a.is_unspecified() {
        0x10
    } else if a.is_multicast() {
        i32::from(a.octets()[1] & 0x0f)
    } else if a.is_loopback() {
        0x01
    } else if a.segments()[0] & 0xffc0 == 0xfe80 {
        0x02
    } else if a.segments()[0] & 0xffc0 == 0xfec0 {
        0x05
    } else {
        0x0e
    }
}

/// The label of the kernel's default `ip addrlabel` table (`net/ipv6/addrlabel.c`).
pub fn label(a: Ipv6Addr) -> u8 {
    let s = a.segments();
    let bits = u128::from(a);
    let within = |prefix: u128, len: u32| bits >> (128 - len) == prefix >> (128 - len);
    if a.is_loopback() {
        0
    } else if bits >> 32 == 0 && !a.is_unspecified() {
        3 // ::/96, IPv4-compatible addresses only
    } else if bits >> 32 == 0xffff {
        4 // ::ffff:0:0/96
    } else if s[0] == 0x2001 && s[1] == 0 {
        6 // 2001::/32 (Teredo)
    } else if within(0x2001_0010 << 96, 28) {
        7 // ORCHID
    } else if s[0] == 0x3ffe {
        12
    } else if s[0] == 0x2002 {
        2 // 6to4
    } else if s[0] & 0xffc0 == 0xfec0 {
        11
    } else if s[0] & 0xfe00 == 0xfc00 {
        5 // ULA
    } else {
        1
    }
}

/// Whether an address is an ORCHID (`2001:10::/28`).
fn orchid(a: Ipv6Addr) -> bool {
    u128::from(a) >> 100 == 0x2001_0010 >> 4
}

/// What the comparison needs to know of the destination.
struct Destination {
    addr: Ipv6Addr,
    scope: i32,
    label: u8,
    /// The device the route leaves by (`dst.ifindex`), 0 for none.
    dev: u32,
}

/// One candidate's values for the rules, higher wins, in the kernel's rule order.
fn score(state: &State, a: &Address, local: Ipv6Addr, dst: &Destination) -> [i64; 9] {
    let dev = state.sysctls.device(state.name_of(a.index));
    let all = &state.sysctls.all;
    let optimistic_ok = (all.ipv6_optimistic_dad || dev.ipv6_optimistic_dad)
        && (all.ipv6_use_optimistic || dev.ipv6_use_optimistic);
    let mut avoid = AddressFlags::DEPRECATED;
    if !optimistic_ok {
        avoid |= AddressFlags::OPTIMISTIC;
    }
    let always_preferred = local.is_loopback() || u128::from(local) >> 32 <= 0xffff;
    let s = scope(local);
    let temporary = a.flags.has(AddressFlags::SECONDARY); // IFA_F_TEMPORARY is the same bit
    let prefer_temporary = dev.ipv6_use_tempaddr >= 2;
    let common = (u128::from(local) ^ u128::from(dst.addr)).leading_zeros();
    [
        i64::from(local == dst.addr),
        i64::from(if s >= dst.scope { -s } else { s - 128 }),
        i64::from(always_preferred || a.flags.0 & avoid == 0),
        i64::from(dst.dev == 0 || a.index == dst.dev),
        i64::from(label(local) == dst.label),
        i64::from(!temporary ^ prefer_temporary),
        i64::from(orchid(local) == orchid(dst.addr)),
        i64::from(common.min(u32::from(a.prefix_len))),
        i64::from(!a.flags.has(AddressFlags::OPTIMISTIC)),
    ]
}

/// Whether an address may be a source at all: not tentative (unless optimistic), not `::`.
fn candidate(a: &Address) -> Option<Ipv6Addr> {
    let IpAddr::V6(local) = a.local else {
        return None;
    };
    let tentative = a.flags.has(AddressFlags::TENTATIVE) && !a.flags.has(AddressFlags::OPTIMISTIC);
    (!tentative && !local.is_unspecified() && !local.is_multicast()).then_some(local)
}

/// The source the kernel picks for `dst` leaving by device `dev` (0: none), and why.
pub fn select(state: &State, dev: u32, dst: IpAddr) -> Option<(IpAddr, SourceWhy)> {
    let IpAddr::V6(daddr) = dst else { return None };
    let d = Destination {
        addr: daddr,
        scope: scope(daddr),
        label: label(daddr),
        dev,
    };
    let only_oif = dev != 0
        && (daddr.is_multicast()
            || d.scope <= 0x02
            || state
                .sysctls
                .device(state.name_of(dev))
                .ipv6_use_oif_addrs_only);
    let devices: Vec<u32> = if only_oif {
        vec![dev]
    } else {
        state.device_order()
    };
    let mut best: Option<(&Address, Ipv6Addr, [i64; 9])> = None;
    for index in devices {
        for a in state.addresses_of(index, Family::V6) {
            let Some(local) = candidate(a) else { continue };
            let s = score(state, a, local, &d);
            // the kernel replaces the held candidate only when a rule prefers the new one
            if best
                .as_ref()
                .is_none_or(|(_, _, b)| s.cmp(b) == Ordering::Greater)
            {
                best = Some((a, local, s));
            }
        }
    }
    let (a, local, _) = best?;
    let why = SourceWhy::BestV6 {
        only_oif,
        dev,
        on: a.index,
    };
    Some((IpAddr::V6(local), why))
}
