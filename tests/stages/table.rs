//! Stage 2, the table: longest prefix, tos, metric, throw, error routes, dead and linkdown
//! nexthops, oif filtering and nexthop objects.

use routescope::model::{LinkFlags, RouteFlags, State};

use crate::prelude::*;

#[test]
fn tables_answer_as_the_kernel_does() {
    check(rows![
        // ip route add 10.0.0.0/8 via 99.88.22.10; ip route add 10.1.0.0/16 via 99.88.22.11;
        // get 10.1.2.3 ⇒ via 99.88.22.11; get 10.2.0.1 ⇒ via 99.88.22.10
        nested, "10.1.2.3" => main_via("99.88.22.11");
        nested, "10.2.0.1" => main_via("99.88.22.10");
        // ip route add 70.0.0.0/8 tos 0x20 via 99.88.22.20; … tos 0x10 via 99.88.22.16; … tos 0x08
        // via 99.88.22.8 metric 5; … via 99.88.22.70 (no tos); get 70.1.1.1 tos 0x30 ⇒ via .16
        // (0x30 & 0x1c); tos 0x20 ⇒ via .70 (a CS1 route never matches); tos 0x08 ⇒ via .8;
        // no tos ⇒ via .70; tos 0x18 ⇒ via .70
        tos_routes, "70.1.1.1 tos 0x30" => main_via("99.88.22.16");
        tos_routes, "70.1.1.1 tos 0x20" => main_via("99.88.22.70");
        tos_routes, "70.1.1.1 tos 0x08" => main_via("99.88.22.8");
        tos_routes, "70.1.1.1" => main_via("99.88.22.70");
        tos_routes, "70.1.1.1 tos 0x18" => main_via("99.88.22.70");
        // ip route add 60.0.0.0/8 via 99.88.22.61 metric 20; … via 99.88.22.62 metric 10;
        // get 60.1.1.1 ⇒ via 99.88.22.62
        metrics, "60.1.1.1" => main_via("99.88.22.62");
        // ip rule add pref 50 lookup 200; ip route add throw 8.0.0.0/8 table 200; get 8.8.8.8 ⇒
        // via 99.88.22.1 (main: the walk goes on); get 9.9.9.9 ⇒ via 99.88.22.200 table 200
        throw_200, "8.8.8.8" => main_default().step(50, StepResult::Threw);
        throw_200, "9.9.9.9" => t(200, 50);
        // ip route add throw 8.0.0.0/8; get 8.8.8.8 ⇒ Network is unreachable
        throw_main, "8.8.8.8" => fails(Errno::Enetunreach).no_rule();
        // + ip route add 8.0.0.0/8 via 99.88.22.253 table default; get 8.8.8.8 ⇒ table default
        and(throw_main, in_default), "8.8.8.8" => goes(253, ETH0, GW253, SRC).rule(32767);
        // ip route add unreachable 20.0.0.0/8; … prohibit 21.0.0.0/8; … blackhole 22.0.0.0/8;
        // … 20.0.0.0/6 via 99.88.22.20; get 20.1.1.1 ⇒ No route to host (no fall back to /6);
        // 21.1.1.1 ⇒ Permission denied; 22.1.1.1 ⇒ Invalid argument; 23.1.1.1 ⇒ via .20
        errors, "20.1.1.1" => fails(Errno::Ehostunreach).rule(32766);
        errors, "21.1.1.1" => fails(Errno::Eacces).rule(32766);
        errors, "22.1.1.1" => fails(Errno::Einval).rule(32766);
        errors, "23.1.1.1" => main_via("99.88.22.20");
        // ip rule add pref 50 lookup 200; ip route add unreachable 8.0.0.0/8 table 200;
        // get 8.8.8.8 ⇒ No route to host (main is never asked)
        unreachable_200, "8.8.8.8" => fails(Errno::Ehostunreach).rule(50).step(50, NO_HOST);
        // + v1; ip route add 40.0.0.0/8 nexthop via 10.1.0.254 dev v1 nexthop via 99.88.22.40
        // dev eth0; ip link set v1 down (`dead linkdown`); get 40.1.1.1 ⇒ via 99.88.22.40 always
        dead_path, "40.1.1.1" => main_via("99.88.22.40");
        // + v1; ip route add 41.0.0.0/8 via 10.1.0.254 dev v1 metric 10; … via 99.88.22.41 metric
        // 20; v1's peer down (`linkdown`); get 41.1.1.1 ⇒ via 10.1.0.254 dev v1 src 10.1.0.1
        linkdown(false), "41.1.1.1" => goes(MAIN, V1, "10.1.0.254", "10.1.0.1").rule(32766);
        // + net.ipv4.conf.v1.ignore_routes_with_linkdown=1 (now dumped `dead linkdown`) ⇒ via .41
        and(linkdown(true), ignore_v1), "41.1.1.1" => main_via("99.88.22.41");
        // + net.ipv4.conf.all.ignore_routes_with_linkdown=1 instead ⇒ via 99.88.22.41
        and(linkdown(true), ignore_all), "41.1.1.1" => main_via("99.88.22.41");
        // + v1; ip route add 42.0.0.0/8 nexthop via 10.1.0.254 dev v1 nexthop via 99.88.22.42
        // dev eth0; v1's peer down; get 42.1.1.1 ⇒ dev v1, 42.1.1.2 ⇒ dev eth0: both paths used
        linkdown_paths(false), "42.1.1.1" => among(&[(V1, GW_V1, Some("10.1.0.1")), (ETH0, GW42, Some("99.88.22.2"))]);
        // the same with ignore_routes_with_linkdown=1 on v1 set before the carrier went:
        // 42.1.1.1 … 42.1.1.8 ⇒ via 99.88.22.42 every time; set after, the kernel keeps its old
        // split and 42.1.1.1 and 42.1.1.4 still go via v1. The dump (`dead linkdown`) is the same
        // both ways, so routescope lists both paths and says the answer is approximate
        and(linkdown_paths(true), ignore_v1), "42.1.1.1" =>
            among(&[(V1, GW_V1, Some("10.1.0.1")), (ETH0, GW42, Some("99.88.22.2"))]);
        // + v1; ip route add 10.1.0.0/16 via 99.88.22.11; ip route add 10.0.0.0/8 via 10.1.0.254;
        // get 10.1.2.3 oif v1 ⇒ via 10.1.0.254 dev v1 (the /16 is on eth0); without oif ⇒ the /16
        by_device, "10.1.2.3 oif v1" => goes(MAIN, V1, GW_V1, "10.1.0.1").rule(32766);
        by_device, "10.1.2.3" => main_via("99.88.22.11");
    ]);
}

#[test]
fn nexthop_objects_answer_as_the_kernel_does() {
    check(rows![
        // ip nexthop add id 1 via 99.88.22.30 dev eth0; ip route add 30.0.0.0/8 nhid 1;
        // get 30.1.1.1 ⇒ via 99.88.22.30 dev eth0
        object, "30.1.1.1" => main_via("99.88.22.30");
        // ip nexthop add id 2 blackhole; ip route add 31.0.0.0/8 nhid 2 ⇒ Invalid argument
        blackhole_object, "31.1.1.1" => fails(Errno::Einval).rule(32766);
        // + v1; ip nexthop add id 3 via 99.88.22.31 dev eth0; … id 4 via 10.1.0.254 dev v1;
        // … id 5 group 3/4; ip route add 32.0.0.0/8 nhid 5; get 32.1.1.1 ⇒ via .31 dev eth0,
        // 32.1.1.2 ⇒ via 10.1.0.254 dev v1
        group, "32.1.1.1" => among(&[(ETH0, "99.88.22.31", Some("99.88.22.2")), (V1, GW_V1, Some("10.1.0.1"))]);
        // + v1; ip nexthop add id 6 via 10.1.0.254 dev v1; ip route add 33.0.0.0/16 nhid 6;
        // ip route add 33.0.0.0/8 via 99.88.22.33; get 33.0.0.5 oif eth0 ⇒ via 99.88.22.1: the
        // object does not fit oif eth0, which ends the leaf 33.0.0.0 (its /8 too)
        misfit("33.0.0.0/16", "33.0.0.0/8"), "33.0.0.5 oif eth0" => main_default();
        // the same with 34.1.0.0/16 nhid 6 and 34.0.0.0/8 via 99.88.22.34 (another key);
        // get 34.1.0.5 oif eth0 ⇒ via 99.88.22.34
        misfit("34.1.0.0/16", "34.0.0.0/8"), "34.1.0.5 oif eth0" => main_via("99.88.22.34");
        // a classic route instead of the object: 35.0.0.0/16 via 10.1.0.254 dev v1,
        // 35.0.0.0/8 via 99.88.22.35; get 35.0.0.5 oif eth0 ⇒ via 99.88.22.35
        classic_misfit, "35.0.0.5 oif eth0" => main_via("99.88.22.35");
    ]);
}

/// The server's address, the source of everything sent out of eth0.
const SRC: &str = "99.88.22.2";

/// The gateway behind v1.
const GW_V1: &str = "10.1.0.254";

/// The gateway of table default's route.
const GW253: &str = "99.88.22.253";

/// The eth0 gateway of the 42/8 multipath route.
const GW42: &str = "99.88.22.42";

/// The table's route did not lead anywhere: an unreachable route.
const NO_HOST: StepResult = StepResult::Fails(Errno::Ehostunreach);

/// Main answered through `gw` on eth0.
fn main_via(gw: &str) -> Want {
    goes(MAIN, ETH0, gw, SRC).rule(32766)
}

/// 10.0.0.0/8 via .10 and 10.1.0.0/16 via .11.
fn nested(s: &mut State) {
    s.push_route(via("10.0.0.0/8", "99.88.22.10", ETH0));
    s.push_route(via("10.1.0.0/16", "99.88.22.11", ETH0));
}

/// 70.0.0.0/8 with tos 0x20, 0x10, 0x08 (metric 5) and none.
fn tos_routes(s: &mut State) {
    s.push_route(via("70.0.0.0/8", "99.88.22.20", ETH0).tos(0x20));
    s.push_route(via("70.0.0.0/8", "99.88.22.16", ETH0).tos(0x10));
    s.push_route(via("70.0.0.0/8", "99.88.22.8", ETH0).tos(0x08).metric(5));
    s.push_route(via("70.0.0.0/8", "99.88.22.70", ETH0));
}

/// 60.0.0.0/8 via .61 metric 20 and via .62 metric 10.
fn metrics(s: &mut State) {
    s.push_route(via("60.0.0.0/8", "99.88.22.61", ETH0).metric(20));
    s.push_route(via("60.0.0.0/8", "99.88.22.62", ETH0).metric(10));
}

/// `lookup 200` at 50, and `throw 8.0.0.0/8` in table 200.
fn throw_200(s: &mut State) {
    rule(s, 50, 200, &[]);
    s.push_route(typed("8.0.0.0/8", RouteKind::Throw).table(200));
}

/// `throw 8.0.0.0/8` in main.
fn throw_main(s: &mut State) {
    s.push_route(typed("8.0.0.0/8", RouteKind::Throw));
}

/// 8.0.0.0/8 via .253 in table default.
fn in_default(s: &mut State) {
    s.push_route(via("8.0.0.0/8", GW253, ETH0).table(253));
}

/// Unreachable 20/8, prohibit 21/8, blackhole 22/8, and 20.0.0.0/6 via .20 in main.
fn errors(s: &mut State) {
    s.push_route(typed("20.0.0.0/8", RouteKind::Unreachable));
    s.push_route(typed("21.0.0.0/8", RouteKind::Prohibit));
    s.push_route(typed("22.0.0.0/8", RouteKind::Blackhole));
    s.push_route(via("20.0.0.0/6", "99.88.22.20", ETH0));
}

/// `lookup 200` at 50, and `unreachable 8.0.0.0/8` in table 200.
fn unreachable_200(s: &mut State) {
    rule(s, 50, 200, &[]);
    s.push_route(typed("8.0.0.0/8", RouteKind::Unreachable).table(200));
}

/// v1 admin down, and 40/8 over v1 (dead) and eth0.
fn dead_path(s: &mut State) {
    v1(s);
    lose(s, V1, LinkFlags::UP | LinkFlags::LOWER_UP);
    let paths = [(GW_V1, V1), ("99.88.22.40", ETH0)];
    s.push_route(multipath("40.0.0.0/8", &paths).nh_flags(V1, DEAD | LINKDOWN));
}

/// v1 without carrier; 41/8 via v1 (`linkdown`, and `dead` as dumped once ignored) metric 10,
/// and via eth0 metric 20.
fn linkdown(dead: bool) -> impl Fn(&mut State) + 'static {
    move |s| {
        v1(s);
        lose(s, V1, LinkFlags::LOWER_UP);
        let flags = if dead { LINKDOWN | DEAD } else { LINKDOWN };
        s.push_route(via("41.0.0.0/8", GW_V1, V1).metric(10).nh_flags(V1, flags));
        s.push_route(via("41.0.0.0/8", "99.88.22.41", ETH0).metric(20));
    }
}

/// `net.ipv4.conf.v1.ignore_routes_with_linkdown=1`.
fn ignore_v1(s: &mut State) {
    sysctl(s, "v1", |d| d.ignore_routes_with_linkdown = true);
}

/// `net.ipv4.conf.all.ignore_routes_with_linkdown=1`.
fn ignore_all(s: &mut State) {
    s.sysctls.all.ignore_routes_with_linkdown = true;
}

/// v1 without carrier; 42/8 over v1 (`linkdown`, maybe `dead`) and eth0.
fn linkdown_paths(dead: bool) -> impl Fn(&mut State) + 'static {
    move |s| {
        v1(s);
        lose(s, V1, LinkFlags::LOWER_UP);
        let flags = if dead { LINKDOWN | DEAD } else { LINKDOWN };
        let paths = [(GW_V1, V1), (GW42, ETH0)];
        s.push_route(multipath("42.0.0.0/8", &paths).nh_flags(V1, flags));
    }
}

/// v1; 10.1.0.0/16 via .11 on eth0, 10.0.0.0/8 via v1.
fn by_device(s: &mut State) {
    v1(s);
    s.push_route(via("10.1.0.0/16", "99.88.22.11", ETH0));
    s.push_route(via("10.0.0.0/8", GW_V1, V1));
}

/// Nexthop 1 via .30 on eth0; 30.0.0.0/8 through it.
fn object(s: &mut State) {
    nexthop(s, 1, "99.88.22.30", ETH0);
    s.push_route(nhid("30.0.0.0/8", 1));
}

/// Nexthop 2 a blackhole; 31.0.0.0/8 through it.
fn blackhole_object(s: &mut State) {
    nexthop_group(s, 2, &[]);
    s.push_route(nhid("31.0.0.0/8", 2));
}

/// v1; nexthops 3 (eth0) and 4 (v1), group 5 of both; 32.0.0.0/8 through the group.
fn group(s: &mut State) {
    v1(s);
    nexthop(s, 3, "99.88.22.31", ETH0);
    nexthop(s, 4, GW_V1, V1);
    nexthop_group(s, 5, &[3, 4]);
    s.push_route(nhid("32.0.0.0/8", 5));
}

/// v1; nexthop 6 via v1 for the longer prefix, a classic eth0 route for the shorter.
fn misfit(longer: &'static str, shorter: &'static str) -> impl Fn(&mut State) + 'static {
    move |s| {
        v1(s);
        nexthop(s, 6, GW_V1, V1);
        s.push_route(nhid(longer, 6));
        let gw = format!("99.88.22.{}", &shorter[..2]);
        s.push_route(via(shorter, &gw, ETH0));
    }
}

/// v1; 35.0.0.0/16 via v1 and 35.0.0.0/8 via .35 on eth0, both classic.
fn classic_misfit(s: &mut State) {
    v1(s);
    s.push_route(via("35.0.0.0/16", GW_V1, V1));
    s.push_route(via("35.0.0.0/8", "99.88.22.35", ETH0));
}

/// `RTNH_F_DEAD`.
const DEAD: u32 = RouteFlags::DEAD;

/// `RTNH_F_LINKDOWN`.
const LINKDOWN: u32 = RouteFlags::LINKDOWN;
