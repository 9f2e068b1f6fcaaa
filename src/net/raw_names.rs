//! Link, address and rule messages whose names are not UTF-8, made readable without loss.
//!
//! netlink-packet-route reads names as `String` and fails the whole message on a name that is
//! not UTF-8 (the kernel allows any byte but `/`, `:`, whitespace and NUL), so such a link
//! vanished. Here the names are kept as sent, and a copy of the message with each such byte
//! replaced by `?` (same length, so no attribute moves) is given to the crate.

use super::attributes::Spans;
use super::messages::{
    RTM_DELADDR, RTM_DELLINK, RTM_DELRULE, RTM_NEWADDR, RTM_NEWLINK, RTM_NEWRULE,
};

/// `IFLA_IFNAME`, `IFA_LABEL` and `FRA_IIFNAME` share the number 3.
pub const NAME: u16 = 3;
/// `FRA_OIFNAME`.
pub const FRA_OIFNAME: u16 = 17;
/// `IFLA_IFALIAS`: free text, any bytes.
const IFLA_IFALIAS: u16 = 20;
/// `IFLA_PROP_LIST`: nested `IFLA_ALT_IFNAME`s.
const IFLA_PROP_LIST: u16 = 52;
/// `IFLA_ALT_IFNAME`.
const IFLA_ALT_IFNAME: u16 = 53;

/// The names of a message that are not UTF-8, by attribute type, as the kernel sent them (the
/// parsed message holds a stand-in with `?` for each byte that is not ASCII).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RawNames(Vec<(u16, Vec<u8>)>);

impl RawNames {
    /// The name sent in attribute `kind`, if it was not UTF-8.
    pub fn get(&self, kind: u16) -> Option<&[u8]> {
        self.0
            .iter()
            .find(|(k, _)| *k == kind)
            .map(|(_, v)| v.as_slice())
    }
}

/// The header length and the string attributes that may hold any byte, per message type.
fn layout(kind: u16) -> Option<(usize, &'static [u16])> {
    match kind {
        RTM_NEWLINK | RTM_DELLINK => Some((16, &[NAME, IFLA_IFALIAS, IFLA_ALT_IFNAME])),
        RTM_NEWADDR | RTM_DELADDR => Some((8, &[NAME])),
        RTM_NEWRULE | RTM_DELRULE => Some((12, &[NAME, FRA_OIFNAME])),
        _ => None,
    }
}

/// A copy of `payload` the crate can parse and the names it replaced, or `None` when no name
/// needed replacing (the message failed for another reason).
pub fn repair(kind: u16, payload: &[u8]) -> Option<(Vec<u8>, RawNames)> {
    let (header, names) = layout(kind)?;
    let mut fixed = payload.to_vec();
    let mut raw = RawNames::default();
    let attributes = fixed.get(header..)?.to_vec();
    for (attribute, range) in Spans::new(&attributes).map_while(Result::ok) {
        let at = header + range.start..header + range.end;
        if attribute == IFLA_PROP_LIST && matches!(kind, RTM_NEWLINK | RTM_DELLINK) {
            // altnames sit one level down; the model does not keep them, they only must parse
            let nested = attributes[range].to_vec();
            for (inner, span) in Spans::new(&nested).map_while(Result::ok) {
                if inner == IFLA_ALT_IFNAME {
                    sanitize(&mut fixed[at.start + span.start..at.start + span.end]);
                }
            }
            continue;
        }
        if names.contains(&attribute) {
            if let Some(original) = sanitize(&mut fixed[at]) {
                raw.0.push((attribute, original));
            }
        }
    }
    (fixed != payload).then_some((fixed, raw))
}

/// Replaces the bytes of a NUL-terminated name that is not UTF-8 by `?` where they are not
/// ASCII; returns the name as it was (without the NUL), or `None` if it was UTF-8.
fn sanitize(value: &mut [u8]) -> Option<Vec<u8>> {
    let len = value.iter().position(|b| *b == 0).unwrap_or(value.len());
    let name = &mut value[..len];
    if std::str::from_utf8(name).is_ok() {
        return None;
    }
    let original = name.to_vec();
    for b in name.iter_mut().filter(|b| !b.is_ascii()) {
        *b = b'?';
    }
    Some(original)
}

#[cfg(test)]
mod tests {
    use netlink_packet_core::{NetlinkDeserializable, NetlinkHeader};
    use netlink_packet_route::RouteNetlinkMessage;

    use super::*;
    use crate::net::attributes::nla;

    /// Parses as the crate would, with `kind` in the header.
    fn parse(kind: u16, payload: &[u8]) -> Result<RouteNetlinkMessage, String> {
        let mut header = NetlinkHeader::default();
        header.message_type = kind;
        RouteNetlinkMessage::deserialize(&header, payload).map_err(|e| e.to_string())
    }

    #[test]
    fn a_link_named_with_a_0xff_byte_parses_and_keeps_its_name() {
        let mut payload = vec![0; 16];
        payload[4] = 9;
        payload.extend(nla(NAME, b"e\xff\0"));
        payload.extend(nla(IFLA_IFALIAS, b"\xfe\xfd\0"));
        payload.extend(nla(IFLA_PROP_LIST, &nla(IFLA_ALT_IFNAME, b"alt\xff\0")));
        assert!(
            parse(RTM_NEWLINK, &payload).is_err(),
            "the crate alone fails"
        );
        let (fixed, raw) = repair(RTM_NEWLINK, &payload).unwrap();
        assert_eq!(fixed.len(), payload.len());
        assert!(parse(RTM_NEWLINK, &fixed).is_ok());
        assert_eq!(raw.get(NAME), Some(&b"e\xff"[..]));
        assert_eq!(raw.get(IFLA_IFALIAS), Some(&b"\xfe\xfd"[..]));
    }

    #[test]
    fn rules_and_labels_keep_their_names_and_utf8_needs_no_repair() {
        let mut rule = vec![2, 0, 0, 0, 254, 0, 1, 0, 0, 0, 0, 0];
        rule.extend(nla(NAME, b"in\xff\0"));
        rule.extend(nla(FRA_OIFNAME, b"out\0"));
        let (fixed, raw) = repair(RTM_NEWRULE, &rule).unwrap();
        assert!(parse(RTM_NEWRULE, &fixed).is_ok());
        assert_eq!(raw.get(NAME), Some(&b"in\xff"[..]));
        assert_eq!(raw.get(FRA_OIFNAME), None, "UTF-8 names are not copied");
        let mut addr = vec![2, 24, 0, 0, 3, 0, 0, 0];
        addr.extend(nla(NAME, b"caf\xc3\xa9\0"));
        assert_eq!(repair(RTM_NEWADDR, &addr), None);
        assert_eq!(repair(RTM_NEWROUTE_FOR_TEST, &addr), None);
    }

    /// A type without names.
    const RTM_NEWROUTE_FOR_TEST: u16 = 24;
}
