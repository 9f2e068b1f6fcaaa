//! Stage 1a, rule selectors: every `Selector` kind matching and not matching.
//!
//! In the verifying namespace each table 2xx a rule looks up also got
//! `ip route add default via 99.88.22.2xx table 2xx` (IPv6: `default via fe80::2xx dev eth0`);
//! `nlrule.py` is a few lines of Python sending `RTM_NEWRULE` with the attributes iproute2 6.1
//! cannot write (`FRA_DSCP`, `FRA_DSCP_MASK`, `FRA_FLOWLABEL`, `FRA_*PORT_MASK`).

use routescope::model::State;

use crate::prelude::*;

#[test]
fn ipv4_selectors_match_as_the_kernel_does() {
    check(rows![
        // ip rule add pref 50 iif lo lookup 200; get 8.8.8.8 ⇒ via 99.88.22.200 table 200
        rule50(iif("lo")), "8.8.8.8" => t(200, 50).step(50, StepResult::Answered);
        // ip rule add pref 50 iif eth0 lookup 200; get 8.8.8.8 ⇒ via 99.88.22.1 (main)
        rule50(iif("eth0")), "8.8.8.8" => skipped(50);
        // + v1 10.1.0.1/24 with forwarding=1; ip rule add pref 50 iif v1 lookup 200;
        // get 8.8.8.8 from 10.1.0.9 iif v1 ⇒ via 99.88.22.200 table 200
        and(v1_fwd, rule50(iif("v1"))), "8.8.8.8 from 10.1.0.9 iif v1" => t(200, 50).src(NEAR);
        // ip rule add pref 50 iif nosuch lookup 200 (`[detached]`); get 8.8.8.8 ⇒ main
        rule50(detached(iif("nosuch"))), "8.8.8.8" => skipped(50);
        // ip rule add pref 50 not iif nosuch lookup 200; get 8.8.8.8 ⇒ table 200
        and(rule50(detached(iif("nosuch"))), invert(50)), "8.8.8.8" => t(200, 50);
        // ip rule add pref 50 oif eth0 lookup 200; get 8.8.8.8 oif eth0 ⇒ table 200
        rule50(oif("eth0")), "8.8.8.8 oif eth0" => t(200, 50);
        // same rule; get 8.8.8.8 (not bound) ⇒ main
        rule50(oif("eth0")), "8.8.8.8" => skipped(50);
        // ip rule add pref 50 oif nosuch lookup 200; get 8.8.8.8 oif eth0 ⇒ main
        rule50(detached(oif("nosuch"))), "8.8.8.8 oif eth0" => skipped(50);
        // ip rule add pref 50 fwmark 0x10/0xf0 lookup 200; get 8.8.8.8 mark 0x1f ⇒ table 200;
        // mark 0x20 ⇒ main
        rule50(fwmark(0x10, 0xf0)), "8.8.8.8 mark 0x1f" => t(200, 50);
        rule50(fwmark(0x10, 0xf0)), "8.8.8.8 mark 0x20" => skipped(50);
        // ip rule add pref 50 fwmark 0/0xff lookup 200; get 8.8.8.8 mark 0x100 ⇒ table 200;
        // mark 0x1 ⇒ main
        rule50(fwmark(0, 0xff)), "8.8.8.8 mark 0x100" => t(200, 50);
        rule50(fwmark(0, 0xff)), "8.8.8.8 mark 0x1" => skipped(50);
        // ip rule add pref 50 uidrange 1000-2000 lookup 200; get 8.8.8.8 uid 1500 ⇒ table 200;
        // uid 999 ⇒ main
        rule50(uid(1000, 2000)), "8.8.8.8 uid 1500" => t(200, 50);
        rule50(uid(1000, 2000)), "8.8.8.8 uid 999" => skipped(50);
        // + v1 with forwarding=1; ip rule add pref 50 uidrange 1000-2000 lookup 200; ip rule add
        // pref 60 uidrange 0-0 lookup 201; get 8.8.8.8 from 10.1.0.9 iif v1 uid 1500 ⇒ table 201
        // (IPv4 input lookups run as uid 0 whatever `uid` says)
        and(v1_fwd, uid_rules), "8.8.8.8 from 10.1.0.9 iif v1 uid 1500" => t(201, 60).src(NEAR);
        // ip rule add pref 50 from 11.22.33.44 lookup 200; get 8.8.8.8 from 11.22.33.44 ⇒ table
        // 200; get 8.8.8.8 ⇒ main (the flow's source is still 0.0.0.0)
        rule50(from("11.22.33.44/32")), "8.8.8.8 from 11.22.33.44" => t(200, 50).src(LO_IP);
        rule50(from("11.22.33.44/32")), "8.8.8.8" => skipped(50);
        // ip rule add pref 50 from 10.0.0.0/8 lookup 201; ip rule add pref 60 from 0.0.0.0/1
        // lookup 200; get 8.8.8.8 ⇒ table 200
        from_zero, "8.8.8.8" => t(200, 60).step(50, StepResult::Skipped);
        // ip rule add pref 50 to 8.0.0.0/8 lookup 200; get 8.8.8.8 ⇒ table 200; get 9.9.9.9 ⇒ main
        rule50(to("8.0.0.0/8")), "8.8.8.8" => t(200, 50);
        rule50(to("8.0.0.0/8")), "9.9.9.9" => skipped(50);
        // ip rule add pref 50 tos 0x10 lookup 200; get 8.8.8.8 tos 0x30 ⇒ table 200 (6.18 masks
        // the flow's tos with 0x1c); tos 0x14 ⇒ main
        rule50(Selector::Tos(0x10)), "8.8.8.8 tos 0x30" => t(200, 50);
        rule50(Selector::Tos(0x10)), "8.8.8.8 tos 0x14" => skipped(50);
        // ip rule add pref 50 tos 0x18 lookup 200; get 8.8.8.8 tos 0xb8 ⇒ table 200
        rule50(Selector::Tos(0x18)), "8.8.8.8 tos 0xb8" => t(200, 50);
        // nlrule.py v4 50 200 dscp=46; get 8.8.8.8 tos 0xb8 ⇒ table 200; tos 0xb4 ⇒ main
        rule50(dscp(46, 0x3f)), "8.8.8.8 tos 0xb8" => t(200, 50);
        rule50(dscp(46, 0x3f)), "8.8.8.8 tos 0xb4" => skipped(50);
        // nlrule.py v4 50 200 dscp=8 dscp_mask=0x38; get 8.8.8.8 tos 0x28 ⇒ table 200; 0x48 ⇒ main
        rule50(dscp(8, 0x38)), "8.8.8.8 tos 0x28" => t(200, 50);
        rule50(dscp(8, 0x38)), "8.8.8.8 tos 0x48" => skipped(50);
        // ip rule add pref 50 ipproto tcp lookup 200; get 8.8.8.8 ipproto tcp ⇒ table 200;
        // get 8.8.8.8 ⇒ main (route get defaults to udp)
        rule50(Selector::IpProto(6)), "8.8.8.8 ipproto tcp" => t(200, 50);
        rule50(Selector::IpProto(6)), "8.8.8.8" => skipped(50);
        // ip rule add pref 50 ipproto udp lookup 200; get 8.8.8.8 ⇒ table 200
        rule50(Selector::IpProto(17)), "8.8.8.8" => t(200, 50);
        // ip rule add pref 50 dport 1000-2000 lookup 200; get 8.8.8.8 dport 1500 ⇒ table 200;
        // dport 2001 ⇒ main
        rule50(port(true, 1000, 2000)), "8.8.8.8 dport 1500" => t(200, 50);
        rule50(port(true, 1000, 2000)), "8.8.8.8 dport 2001" => skipped(50);
        // ip rule add pref 50 sport 53 lookup 200; get 8.8.8.8 sport 53 ⇒ table 200; 54 ⇒ main
        rule50(port(false, 53, 53)), "8.8.8.8 sport 53" => t(200, 50);
        rule50(port(false, 53, 53)), "8.8.8.8 sport 54" => skipped(50);
        // nlrule.py v4 50 200 dport=0x400 dport_mask=0xfc00; get 8.8.8.8 dport 1500 ⇒ table 200;
        // dport 2048 ⇒ main
        rule50(port_mask(true, 0x400, 0xfc00)), "8.8.8.8 dport 1500" => t(200, 50);
        rule50(port_mask(true, 0x400, 0xfc00)), "8.8.8.8 dport 2048" => skipped(50);
        // nlrule.py v4 50 200 sport=0x35 sport_mask=0xff; get 8.8.8.8 sport 0x135 ⇒ table 200;
        // sport 0x136 ⇒ main
        rule50(port_mask(false, 0x35, 0xff)), "8.8.8.8 sport 0x135" => t(200, 50);
        rule50(port_mask(false, 0x35, 0xff)), "8.8.8.8 sport 0x136" => skipped(50);
        // ip rule add pref 50 tun_id 5 lookup 200; get 8.8.8.8 ⇒ main (route get has tun_id 0)
        rule50(Selector::TunId(5)), "8.8.8.8" => skipped(50);
        // ip rule add pref 50 l3mdev (no VRF exists); get 8.8.8.8 ⇒ main
        rule50(Selector::L3mdev), "8.8.8.8" => skipped(50);
        // routescope only (the kernel drops attributes it does not know): an attribute of kind 31
        // makes the rule `Unsure`, assumed not to match, and the verdict approximate
        rule50(unknown(31)), "8.8.8.8" => unsure(50).unmodelled("attribute type 31");
        // routescope only: header flags it does not model (FIB_RULE_FIND_SADDR, raw netlink)
        find_saddr, "8.8.8.8" => unsure(50).unmodelled("header flags 0x10000");
    ]);
}

#[test]
fn ipv6_selectors_match_as_the_kernel_does() {
    check(rows![
        // + 2001:db8:1::2/64 on eth0, ip -6 route add default via fe80::1 dev eth0;
        // ip -6 rule add pref 50 from 2001:db8:1::/64 lookup 200; get 2001:db8:9::1 ⇒ main
        // (no source: the kernel does not test `from` and the rule does not match)
        rule6_50(from("2001:db8:1::/64")), "2001:db8:9::1" => main6().step(50, StepResult::Skipped);
        // same rule; get 2001:db8:9::1 from 2001:db8:1::77 ⇒ table 200 (a source need not be local)
        rule6_50(from("2001:db8:1::/64")), "2001:db8:9::1 from 2001:db8:1::77" => t6_from(OTHER6);
        // ip -6 rule add pref 50 tos 0xb8 lookup 200; get 2001:db8:9::1 tos 0xb8 ⇒ table 200;
        // tos 0xbc ⇒ main
        rule6_50(Selector::Tos(0xb8)), "2001:db8:9::1 tos 0xb8" => t6(200, 50);
        rule6_50(Selector::Tos(0xb8)), "2001:db8:9::1 tos 0xbc" => main6();
        // ip -6 rule add pref 50 tos 0x18 lookup 200; get 2001:db8:9::1 tos 0xb8 ⇒ main (IPv6
        // compares the whole DSCP where IPv4 matched); tos 0x18 ⇒ table 200
        rule6_50(Selector::Tos(0x18)), "2001:db8:9::1 tos 0xb8" => main6();
        rule6_50(Selector::Tos(0x18)), "2001:db8:9::1 tos 0x18" => t6(200, 50);
        // nlrule.py v6 50 200 dscp=46; get 2001:db8:9::1 tos 0xb8 ⇒ table 200
        rule6_50(dscp(46, 0x3f)), "2001:db8:9::1 tos 0xb8" => t6(200, 50);
        // nlrule.py v6 50 200 flowlabel=0x12345 flowlabel_mask=0xfffff; nlrule.py v6 60 201
        // flowlabel=0 flowlabel_mask=0xfffff; get 2001:db8:9::1 tos 0xb8 ⇒ table 201 (label 0)
        flowlabels, "2001:db8:9::1 tos 0xb8" => t6(201, 60).step(50, StepResult::Skipped);
        // ip -6 rule add pref 50 ipproto udp lookup 200; get 2001:db8:9::1 ⇒ main (IPv6 route
        // get defaults to protocol 0); get 2001:db8:9::1 ipproto udp ⇒ table 200
        rule6_50(Selector::IpProto(17)), "2001:db8:9::1" => main6();
        rule6_50(Selector::IpProto(17)), "2001:db8:9::1 ipproto udp" => t6(200, 50);
        // + v1 with 2001:db8:2::2/64; ip -6 rule add pref 50 uidrange 0-0 lookup 200;
        // get 2001:db8:9::1 from 2001:db8:2::9 iif v1 uid 0 ⇒ table 200. routescope explains the
        // forwarded packet, whose uid is 0 (`ip6_route_input`), and asks the kernel with uid 0;
        // `ip -6 route get … iif` without `uid` would use INVALID_UID and answer main
        in6(uid(0, 0)), "2001:db8:9::1 from 2001:db8:2::9 iif v1" => t6(200, 50).src(NEAR6);
    ]);
}

#[test]
fn ipv6_input_uses_the_given_uid() {
    check(rows![
        // + v1 with 2001:db8:2::2/64; ip -6 rule add pref 50 uidrange 1000-2000 lookup 200;
        // get 2001:db8:9::1 from 2001:db8:2::9 iif v1 uid 1500 ⇒ via fe80::200 table 200
        // (inet6_rtm_getroute takes RTA_UID for input lookups too; only IPv4 input ignores it)
        in6(uid(1000, 2000)), "2001:db8:9::1 from 2001:db8:2::9 iif v1 uid 1500" => t6_from(NEAR6);
    ]);
}

/// A source in v1's subnet, for input rows.
const NEAR: &str = "10.1.0.9";

/// The server's address on `lo`.
const LO_IP: &str = "11.22.33.44";

/// `uidrange A-B`.
fn uid(start: u32, end: u32) -> Selector {
    Selector::Uid { start, end }
}

/// `dscp VALUE/MASK` (`FRA_DSCP`, `FRA_DSCP_MASK`).
fn dscp(value: u8, mask: u8) -> Selector {
    Selector::Dscp { value, mask }
}

/// An attribute of this kind that routescope does not evaluate.
fn unknown(kind: u16) -> Selector {
    Selector::Unknown {
        kind,
        value: vec![1, 0, 0, 0],
    }
}

/// Rule `pref` could not be evaluated: assumed not to match, so main answers.
fn unsure(pref: u32) -> Want {
    main_default().step(pref, StepResult::Unsure)
}

/// `not` on the rule at `pref`.
fn invert(pref: u32) -> impl Fn(&mut State) + 'static {
    move |s| rule_at(s, pref).invert = true
}

/// `lookup 200` at 50 with `FIB_RULE_FIND_SADDR` (0x10000) in its header.
fn find_saddr(s: &mut State) {
    rule(s, 50, 200, &[]);
    rule_at(s, 50).flags = 0x1_0000;
}

/// `uidrange 1000-2000 lookup 200` at 50 and `uidrange 0-0 lookup 201` at 60.
fn uid_rules(s: &mut State) {
    rule(s, 50, 200, &[uid(1000, 2000)]);
    rule(s, 60, 201, &[uid(0, 0)]);
}

/// `from 10.0.0.0/8 lookup 201` at 50 and `from 0.0.0.0/1 lookup 200` at 60.
fn from_zero(s: &mut State) {
    rule(s, 50, 201, &[from("10.0.0.0/8")]);
    rule(s, 60, 200, &[from("0.0.0.0/1")]);
}

/// IPv6 `flowlabel 0x12345/0xfffff lookup 200` at 50 and `flowlabel 0/0xfffff lookup 201` at 60.
fn flowlabels(s: &mut State) {
    let label = |value| Selector::Flowlabel {
        value,
        mask: 0xf_ffff,
    };
    v6(s);
    rule6(s, 50, 200, &[label(0x12345)]);
    rule6(s, 60, 201, &[label(0)]);
}

/// A source on v1's IPv6 subnet, for input rows.
const NEAR6: &str = "2001:db8:2::9";

/// A source in eth0's IPv6 subnet that is not the server's.
const OTHER6: &str = "2001:db8:1::77";

/// IPv6 test table 200 answered for rule 50, with the source given.
fn t6_from(src: &str) -> Want {
    t6(200, 50).src(src)
}

/// [`rule6_50`] plus `v1` with IPv6 (the input rows' arrival device).
fn in6(selector: Selector) -> impl Fn(&mut State) + 'static {
    and(rule6_50(selector), v6_v1)
}
