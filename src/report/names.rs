//! The names iproute2 prints for protocol numbers and similar codes.

/// Route protocol names (`/etc/iproute2/rt_protos`), as `ip -j route` prints them.
pub(crate) const PROTOCOLS: [(u8, &str); 22] = [
    (0, "unspec"),
    (1, "redirect"),
    (2, "kernel"),
    (3, "boot"),
    (4, "static"),
    (8, "gated"),
    (9, "ra"),
    (10, "mrt"),
    (11, "zebra"),
    (12, "bird"),
    (13, "dnrouted"),
    (14, "xorp"),
    (15, "ntk"),
    (16, "dhcp"),
    (18, "keepalived"),
    (42, "babel"),
    (99, "openr"),
    (186, "bgp"),
    (187, "isis"),
    (188, "ospf"),
    (189, "rip"),
    (192, "eigrp"),
];

/// The name of a route protocol, or its number.
pub fn protocol_name(proto: u8) -> String {
    PROTOCOLS
        .iter()
        .find(|(n, _)| *n == proto)
        .map_or_else(|| proto.to_string(), |(_, name)| (*name).to_owned())
}

/// The number of a route protocol given by name or number.
pub fn protocol_number(name: &str) -> Option<u8> {
    name.parse().ok().or_else(|| {
        PROTOCOLS
            .iter()
            .find(|(_, n)| *n == name)
            .map(|(num, _)| *num)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn protocol_names_round_trip() {
        for proto in [0, 2, 4, 12, 77, 186] {
            assert_eq!(protocol_number(&protocol_name(proto)), Some(proto));
        }
        assert_eq!(protocol_name(2), "kernel");
    }
}
