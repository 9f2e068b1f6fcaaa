//! Stage 4, input routes (`ip route get … iif DEV`): martians, forwarding, local delivery,
//! `rp_filter` strict / loose / off, `accept_local`, `src_valid_mark`.
//!
//! Every row adds `v1` (10.1.0.1/24, ifindex 3); forwarding stays off unless a row turns it on.

use routescope::model::State;

use crate::prelude::*;

#[test]
fn input_routes_are_checked_as_the_kernel_does() {
    check(rows![
        // get 8.8.8.8 from 224.0.0.5 iif v1 ⇒ Invalid argument; from 255.255.255.255 ⇒ the same
        v1, "8.8.8.8 from 224.0.0.5 iif v1" => martian();
        v1, "8.8.8.8 from 255.255.255.255 iif v1" => martian();
        // get 8.8.8.8 iif v1 (no source) ⇒ Invalid argument
        v1, "8.8.8.8 iif v1" => martian();
        // get 127.0.0.1 from 10.1.0.9 iif v1 ⇒ Invalid argument; 8.8.8.8 from 127.0.0.1 ⇒ the same
        v1, "127.0.0.1 from 10.1.0.9 iif v1" => martian();
        v1, "8.8.8.8 from 127.0.0.1 iif v1" => martian();
        // get 0.0.0.0 from 10.1.0.9 iif v1 ⇒ Invalid argument
        v1, "0.0.0.0 from 10.1.0.9 iif v1" => martian();
        // net.ipv4.conf.v1.route_localnet=1; get 127.0.0.1 from 10.1.0.9 iif v1 ⇒ local 127.0.0.1
        // from 10.1.0.9 dev lo table local
        localnet, "127.0.0.1 from 10.1.0.9 iif v1" => local(Some(LOCAL), NEAR).rule(0);
        // forwarding off everywhere; get 8.8.8.8 from 10.1.0.9 iif v1 ⇒ No route to host
        v1, "8.8.8.8 from 10.1.0.9 iif v1" => fails(Errno::Ehostunreach);
        // net.ipv4.conf.eth0.forwarding=1 only ⇒ No route to host (the arrival device decides)
        and(v1, fwd_eth0), "8.8.8.8 from 10.1.0.9 iif v1" => fails(Errno::Ehostunreach);
        // net.ipv4.conf.v1.forwarding=1 ⇒ 8.8.8.8 from 10.1.0.9 via 99.88.22.1 dev eth0
        v1_fwd, "8.8.8.8 from 10.1.0.9 iif v1" => forwarded(NEAR);
        // ip route del default; forwarding off ⇒ No route to host; on ⇒ Network is unreachable
        and(v1, no_default), "8.8.8.8 from 10.1.0.9 iif v1" => fails(Errno::Ehostunreach);
        and(v1_fwd, no_default), "8.8.8.8 from 10.1.0.9 iif v1" => fails(Errno::Enetunreach);
        // ip route add prohibit 21.0.0.0/8; get 21.1.1.1 from 10.1.0.9 iif v1 ⇒ No route to host
        // with forwarding off, Permission denied with it on
        and(v1, prohibit_21), "21.1.1.1 from 10.1.0.9 iif v1" => fails(Errno::Ehostunreach);
        and(v1_fwd, prohibit_21), "21.1.1.1 from 10.1.0.9 iif v1" => fails(Errno::Eacces);
        // forwarding off; get 99.88.22.2 from 10.1.0.9 iif v1 ⇒ local 99.88.22.2 from 10.1.0.9
        // dev lo table local (an address of eth0: the weak host model); 10.1.0.1 ⇒ local too
        v1, "99.88.22.2 from 10.1.0.9 iif v1" => local(Some(LOCAL), NEAR).rule(0);
        v1, "10.1.0.1 from 10.1.0.9 iif v1" => local(Some(LOCAL), NEAR).rule(0);
        // get 10.1.0.255 from 10.1.0.9 iif v1 ⇒ broadcast 10.1.0.255 … dev lo table local
        v1, "10.1.0.255 from 10.1.0.9 iif v1" => cast(BRD, Some(LOCAL), LO, NEAR).rule(0);
        // get 255.255.255.255 from 10.1.0.9 iif v1 ⇒ broadcast 255.255.255.255 … dev lo
        v1, "255.255.255.255 from 10.1.0.9 iif v1" => cast(BRD, None, LO, NEAR);
        // forwarding and net.ipv4.conf.v1.rp_filter=1; get 8.8.8.8 from 192.0.2.7 iif v1 ⇒
        // Invalid argument (the way back is eth0); from 10.1.0.9 ⇒ via 99.88.22.1 dev eth0;
        // get 99.88.22.2 from 192.0.2.7 iif v1 ⇒ Invalid argument (local delivery checks too)
        rp(1), "8.8.8.8 from 192.0.2.7 iif v1" => martian();
        rp(1), "8.8.8.8 from 10.1.0.9 iif v1" => forwarded(NEAR);
        rp(1), "99.88.22.2 from 192.0.2.7 iif v1" => martian();
        // rp_filter=2 ⇒ via 99.88.22.1; rp_filter=0 ⇒ via 99.88.22.1
        rp(2), "8.8.8.8 from 192.0.2.7 iif v1" => forwarded(FAR);
        rp(0), "8.8.8.8 from 192.0.2.7 iif v1" => forwarded(FAR);
        // net.ipv4.conf.all.rp_filter=1, v1's 0 ⇒ Invalid argument (the larger value counts)
        and(v1_fwd, rp_all), "8.8.8.8 from 192.0.2.7 iif v1" => martian();
        // ip route del default; ip route add 8.0.0.0/8 via 99.88.22.1; rp_filter=2: get 8.8.8.8
        // from 192.0.2.7 iif v1 ⇒ Invalid argument (no way back at all); rp_filter=0 ⇒ via .1
        and(rp(2), no_way_back), "8.8.8.8 from 192.0.2.7 iif v1" => martian();
        and(rp(0), no_way_back), "8.8.8.8 from 192.0.2.7 iif v1" => forwarded(FAR);
        // get 10.1.0.1 from 99.88.22.2 iif v1 ⇒ Invalid argument (our own address as source);
        // + net.ipv4.conf.v1.accept_local=1 ⇒ local 10.1.0.1 from 99.88.22.2 dev lo table local
        v1, "10.1.0.1 from 99.88.22.2 iif v1" => martian();
        accept_local, "10.1.0.1 from 99.88.22.2 iif v1" => local(Some(LOCAL), SRC).rule(0);
        // rp_filter=1, forwarding; ip route add 192.0.2.0/24 via 10.1.0.254 dev v1 table 100;
        // get 8.8.8.8 from 192.0.2.7 iif v1 mark 0x10 ⇒ Invalid argument (the way back is looked
        // up without the mark: main, eth0); + net.ipv4.conf.v1.src_valid_mark=1 ⇒ 8.8.8.8 from
        // 192.0.2.7 via 99.88.22.254 dev eth0 table 100
        marked_way_back, "8.8.8.8 from 192.0.2.7 iif v1 mark 0x10" => martian();
        and(marked_way_back, valid_mark), "8.8.8.8 from 192.0.2.7 iif v1 mark 0x10" => marked();
        // forwarding; ip route append default via 99.88.22.253 dev eth0; 99.88.22.1 STALE;
        // get 8.8.8.x from 10.1.0.9 iif v1 ⇒ via 99.88.22.1 every time (no default selection)
        and(v1_fwd, second_default), "8.8.8.8 from 10.1.0.9 iif v1" => forwarded(NEAR);
        // forwarding; + v9 10.2.0.1/24; ip route add 50.0.0.0/8 nexthop via 99.88.22.50 dev eth0
        // nexthop via 10.2.0.254 dev v9; get 50.1.1.1 from 10.1.0.9 iif v1 ⇒ eth0, 50.1.1.4 ⇒ v9
        and(v1_fwd, multi), "50.1.1.1 from 10.1.0.9 iif v1" => eth0_or_v9();
        // net.ipv4.conf.eth0.forwarding=1; get 8.8.8.8 from 99.88.22.9 iif eth0 ⇒ via 99.88.22.1
        // dev eth0 (back out of the arrival device)
        fwd_eth0, "8.8.8.8 from 99.88.22.9 iif eth0" => forwarded("99.88.22.9");
    ]);
}

#[test]
fn input_edge_cases() {
    check(rows![
        // v1 without any address, forwarding and rp_filter=2; get 8.8.8.8 from 192.0.2.7 iif v1
        // ⇒ Invalid argument (__fib_validate_source: no_addr ⇒ last_resort ⇒ rpf ⇒ reject)
        bare_v1, "8.8.8.8 from 192.0.2.7 iif v1" => martian();
        // get 0.0.0.0 iif v1 ⇒ broadcast 0.0.0.0 dev lo; get 255.255.255.255 iif v1 ⇒ broadcast
        // 255.255.255.255 dev lo: no source in either answer (routescope says 0.0.0.0)
        v1, "0.0.0.0 iif v1" => cast(BRD, None, LO, "0.0.0.0").no_src();
        v1, "255.255.255.255 iif v1" => cast(BRD, None, LO, "0.0.0.0").no_src();
    ]);
}

/// A source in v1's subnet.
const NEAR: &str = "10.1.0.9";

/// A source no route of the server points back to through v1.
const FAR: &str = "192.0.2.7";

/// The server's address on eth0.
const SRC: &str = "99.88.22.2";

/// The eth0 gateway of the 50/8 multipath route.
const GW50: &str = "99.88.22.50";

/// The gateway behind v9.
const GW_V9: &str = "10.2.0.254";

/// A broadcast answer.
const BRD: RouteKind = RouteKind::Broadcast;

/// Dropped as martian (or by `rp_filter`): every input drop is `EINVAL` for route get on 6.18.
fn martian() -> Want {
    fails(Errno::Einval)
}

/// Forwarded from `src` through the server's default route.
fn forwarded(src: &str) -> Want {
    goes(MAIN, ETH0, "99.88.22.1", src).rule(32766)
}

/// Marked traffic forwarded through table 100.
fn marked() -> Want {
    goes(100, ETH0, "99.88.22.254", FAR).rule(100)
}

/// v1 with `route_localnet=1`.
fn localnet(s: &mut State) {
    v1(s);
    sysctl(s, "v1", |d| d.route_localnet = true);
}

/// `net.ipv4.conf.eth0.forwarding=1`.
fn fwd_eth0(s: &mut State) {
    sysctl(s, "eth0", |d| d.forwarding = true);
}

/// `ip route del default`.
fn no_default(s: &mut State) {
    del(s, MAIN, "0.0.0.0/0");
}

/// `prohibit 21.0.0.0/8` in main.
fn prohibit_21(s: &mut State) {
    s.push_route(typed("21.0.0.0/8", RouteKind::Prohibit));
}

/// v1 forwarding with `rp_filter=MODE`.
fn rp(mode: u8) -> impl Fn(&mut State) + 'static {
    move |s| {
        v1_fwd(s);
        s.sysctls.devices.entry("v1".into()).or_default().rp_filter = mode;
    }
}

/// `net.ipv4.conf.all.rp_filter=1`.
fn rp_all(s: &mut State) {
    s.sysctls.all.rp_filter = 1;
}

/// No default route; only 8.0.0.0/8 via 99.88.22.1.
fn no_way_back(s: &mut State) {
    no_default(s);
    s.push_route(via("8.0.0.0/8", "99.88.22.1", ETH0));
}

/// v1 with `accept_local=1`.
fn accept_local(s: &mut State) {
    v1(s);
    sysctl(s, "v1", |d| d.accept_local = true);
}

/// Strict `rp_filter` on v1, and 192.0.2.0/24 via v1 only in table 100 (marked traffic's table).
fn marked_way_back(s: &mut State) {
    rp(1)(s);
    s.push_route(via("192.0.2.0/24", "10.1.0.254", V1).table(100));
}

/// `net.ipv4.conf.v1.src_valid_mark=1`.
fn valid_mark(s: &mut State) {
    sysctl(s, "v1", |d| d.src_valid_mark = true);
}

/// v9 (10.2.0.1/24); 50.0.0.0/8 over eth0 and v9.
fn multi(s: &mut State) {
    link(s, V9, "v9");
    addr4(s, V9, "10.2.0.1/24");
    s.push_route(multipath("50.0.0.0/8", &[(GW50, ETH0), (GW_V9, V9)]));
}

/// v1 with no IPv4 address, forwarding on and loose `rp_filter`.
fn bare_v1(s: &mut State) {
    link(s, V1, "v1");
    sysctl(s, "v1", |d| {
        d.forwarding = true;
        d.rp_filter = 2;
    });
}

/// Forwarded by hash through eth0 or v9.
fn eth0_or_v9() -> Want {
    among(&[(ETH0, GW50, None), (V9, GW_V9, None)]).rule(32766)
}
