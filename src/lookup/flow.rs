//! The lookup key the kernel builds from a query, with `ip route get`'s defaults (spec §1).

use std::net::IpAddr;

use super::Query;
use crate::model::{Family, Packet, State};

/// IP protocol number of UDP, the default of IPv4 output lookups.
const IPPROTO_UDP: u8 = 17;

/// The flow key: what the rules and tables are matched against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flow {
    pub family: Family,
    pub dst: IpAddr,
    /// The given source (`None`: unspecified, 0.0.0.0 / ::).
    pub src: Option<IpAddr>,
    /// The source exactly as the query gave it, 0.0.0.0 included (input answers echo it).
    pub given_src: Option<IpAddr>,
    /// Input interface index; 1 (lo) for locally generated traffic.
    pub iif: u32,
    /// Output interface index, 0 if not pinned.
    pub oif: u32,
    pub mark: u32,
    pub uid: u32,
    pub proto: u8,
    pub sport: u16,
    pub dport: u16,
    pub tos: u8,
    /// Whether this is an input (`iif`) lookup.
    pub input: bool,
    /// Whether every rule passed over is written out as a step (`explain`) or not (`resolve`).
    pub trace: bool,
    /// Whether `src` was chosen by the kernel before the lookup (multicast on a bound device),
    /// not given by the application.
    pub src_preset: bool,
}

impl Flow {
    /// Builds the flow `ip route get` would send for `query` (devices must exist: see `validate`).
    pub fn new(state: &State, query: &Query) -> Self {
        let dst = query.destination();
        let family = Family::of(dst);
        let index = |name: &Option<String>| {
            name.as_deref()
                .and_then(|n| state.link_by_name(n))
                .map_or(0, |l| l.index)
        };
        let input = query.iif.is_some();
        let loopback = state
            .links
            .values()
            .find(|l| l.is_loopback())
            .map_or(1, |l| l.index);
        let default_proto = if family == Family::V4 { IPPROTO_UDP } else { 0 };
        let proto = query.ipproto.unwrap_or(default_proto);
        // IPv4 input reads ports back from a packet it builds, which has them for tcp and udp only
        let ports = |port: Option<u16>| {
            let carried = !(input && family == Family::V4) || matches!(proto, 6 | 17);
            port.filter(|_| carried).unwrap_or(0)
        };
        Self {
            family,
            dst,
            src: query.from.filter(|a| !a.is_unspecified()),
            given_src: query.from,
            iif: if input { index(&query.iif) } else { loopback },
            oif: if input { 0 } else { index(&query.oif) },
            mark: query.mark.unwrap_or(0),
            // IPv4 input lookups run as the namespace's root; IPv6 ones take RTA_UID, which the
            // kernel check always sends (uid 0 unless given)
            uid: match (input, family) {
                (true, Family::V4) => 0,
                (_, _) => query.uid.unwrap_or(0),
            },
            proto,
            sport: ports(query.sport),
            dport: ports(query.dport),
            tos: query.tos.unwrap_or(0),
            input,
            trace: true,
            src_preset: false,
        }
    }

    /// What the rule selectors see: the flow with its devices named.
    pub fn packet<'s>(&self, state: &'s State) -> Packet<'s> {
        Packet {
            family: self.family,
            iif: state.name_of(self.iif),
            oif: (self.oif != 0).then(|| state.name_of(self.oif)),
            mark: self.mark,
            uid: self.uid,
            src: self.src,
            dst: self.dst,
            tos: self.tos,
            flowlabel: 0,
            proto: self.proto,
            sport: self.sport,
            dport: self.dport,
        }
    }

    /// The flow as a sentence, naming the defaults the kernel fills in.
    pub fn describe(&self, state: &State) -> String {
        let direction = if self.input {
            format!("a packet arriving on {}", state.link_name(self.iif))
        } else {
            "a packet this host sends (iif lo)".to_owned()
        };
        let src = self
            .src
            .map_or_else(|| "no source yet".to_owned(), |s| format!("from {s}"));
        let oif = if self.oif == 0 {
            String::new()
        } else {
            format!(", bound to {}", state.link_name(self.oif))
        };
        format!(
            "{direction} to {} ({src}{oif}), mark {:#x}, uid {}, ipproto {}, ports {}→{}, tos {:#04x}",
            self.dst,
            self.mark,
            self.uid,
            crate::model::ipproto_name(self.proto),
            self.sport,
            self.dport,
            self.tos
        )
    }
}
