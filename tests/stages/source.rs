//! Stage 3b, the source and the path of an output route: a given source, the route's `src`,
//! `inet_select_addr` (gateway subnet, first primary, scope, other devices), and the
//! approximate answers of multipath and equal-metric default routes.

use routescope::model::{RouteFlags, State};

use crate::prelude::*;

#[test]
fn sources_are_chosen_as_the_kernel_does() {
    check(rows![
        // get 8.8.8.8 from 11.22.33.44 ⇒ 8.8.8.8 from 11.22.33.44 via 99.88.22.1 dev eth0
        as_is, "8.8.8.8 from 11.22.33.44" => main_default().src(LO_IP).seen(GIVEN);
        // ip route add 40.0.0.0/8 via 99.88.22.1 src 11.22.33.44; get 40.1.1.1 ⇒ src 11.22.33.44
        route_src, "40.1.1.1" => main_default().src(LO_IP).seen(ROUTE_SRC);
        // get 8.8.8.8 ⇒ src 99.88.22.2, the first primary address of eth0
        as_is, "8.8.8.8" => main_default().seen(SELECTED);
        // ip addr add 10.9.0.2/24 dev eth0; ip route add 77.0.0.0/8 via 10.9.0.254;
        // get 77.1.1.1 ⇒ src 10.9.0.2 (the primary in the gateway's subnet)
        two_primaries, "77.1.1.1" => goes(MAIN, ETH0, "10.9.0.254", "10.9.0.2").seen(SELECTED);
        // … ip route add 78.0.0.0/8 via 172.16.0.1 dev eth0 onlink; get 78.1.1.1 ⇒ src
        // 99.88.22.2 (no subnet holds the gateway: the first primary)
        two_primaries, "78.1.1.1" => goes(MAIN, ETH0, "172.16.0.1", SRC).seen(SELECTED);
        // + v9 (ifindex 4) with only 169.254.5.5/16 scope link; ip route add 94.0.0.0/8 via
        // 169.254.0.1 dev v9; get 94.1.1.1 ⇒ src 11.22.33.44 (a global route needs a global
        // source: none on v9, so the first device that has one, lo)
        link_scope_only, "94.1.1.1" => goes(MAIN, V9, "169.254.0.1", LO_IP).seen(SELECTED);
        // … ip route add 93.0.0.0/8 dev v9; get 93.1.1.1 ⇒ src 169.254.5.5 (a link route)
        link_scope_only, "93.1.1.1" => on_link(Some(MAIN), V9, "169.254.5.5").seen(SELECTED);
    ]);
}

#[test]
fn multipath_and_equal_defaults_are_approximate() {
    check(rows![
        // + v1; ip route add 50.0.0.0/8 nexthop via 99.88.22.50 dev eth0 nexthop via 10.1.0.254
        // dev v1; get 50.1.1.1 ⇒ via .50 dev eth0; 50.1.1.2 ⇒ via 10.1.0.254 dev v1 (by hash)
        multi, "50.1.1.1" => hashed();
        // … get 50.1.1.1 oif v1 ⇒ via 10.1.0.254 dev v1 src 10.1.0.1, exact (no hashing)
        multi, "50.1.1.1 oif v1" => goes(MAIN, V1, GW_V1, "10.1.0.1").rule(32766);
        // ip route append default via 99.88.22.253 dev eth0; ip neigh add 99.88.22.1 lladdr
        // 02:00:00:00:00:01 dev eth0 nud stale; get 8.8.8.1 ⇒ via .1, 8.8.8.2 ⇒ via .253, …
        second_default, "8.8.8.8" => alternating();
        // … get 8.8.8.8 oif eth0 ⇒ via 99.88.22.1 every time, exact
        second_default, "8.8.8.8 oif eth0" => main_default();
        // ip addr add 10.9.0.2/24 dev eth0; ip route append default via 10.9.0.254 dev eth0 src
        // 10.9.0.2; 99.88.22.1 STALE; get 8.8.8.8 thrice ⇒ via .1 src 99.88.22.2, via 10.9.0.254
        // src 10.9.0.2, via .1 …
        flapping_src, "8.8.8.8" => flapping();
    ]);
}

/// The server's address on eth0.
const SRC: &str = "99.88.22.2";

/// The server's address on `lo`.
const LO_IP: &str = "11.22.33.44";

/// The server's default gateway.
const GW: &str = "99.88.22.1";

/// The gateway behind v1.
const GW_V1: &str = "10.1.0.254";

/// The application gave the source.
const GIVEN: StepResult = StepResult::Source(SourceChoice::Given);

/// The route's `src` gave the source.
const ROUTE_SRC: StepResult = StepResult::Source(SourceChoice::RouteSrc);

/// The kernel selected the source.
const SELECTED: StepResult = StepResult::Source(SourceChoice::Selected);

/// One of several nexthops by hash.
const HASH: StepResult = StepResult::Nexthop(PathChoice::OneOfSeveral);

/// Equal-metric defaults the kernel alternates between.
const ALT: StepResult = StepResult::Nexthop(PathChoice::Alternates);

/// 40.0.0.0/8 via .1 with `src 11.22.33.44`.
fn route_src(s: &mut State) {
    s.push_route(via("40.0.0.0/8", GW, ETH0).src(LO_IP));
}

/// 10.9.0.2/24 as a second primary on eth0; 77/8 via 10.9.0.254 and 78/8 via 172.16.0.1 onlink.
fn two_primaries(s: &mut State) {
    addr4(s, ETH0, "10.9.0.2/24");
    s.push_route(via("77.0.0.0/8", "10.9.0.254", ETH0));
    s.push_route(via("78.0.0.0/8", "172.16.0.1", ETH0).nh_flags(ETH0, RouteFlags::ONLINK));
}

/// v9 with only 169.254.5.5/16 scope link; 94/8 via 169.254.0.1 and 93/8 directly on it.
fn link_scope_only(s: &mut State) {
    link(s, V9, "v9");
    addr4_scope(s, V9, "169.254.5.5/16", Scope::LINK);
    s.push_route(via("94.0.0.0/8", "169.254.0.1", V9));
    s.push_route(direct("93.0.0.0/8", V9));
}

/// v1; 50.0.0.0/8 over eth0 and v1.
fn multi(s: &mut State) {
    v1(s);
    s.push_route(multipath(
        "50.0.0.0/8",
        &[("99.88.22.50", ETH0), (GW_V1, V1)],
    ));
}

/// 10.9.0.2/24 on eth0 and a second default via 10.9.0.254 with `src 10.9.0.2`.
fn flapping_src(s: &mut State) {
    addr4(s, ETH0, "10.9.0.2/24");
    s.push_route(via("0.0.0.0/0", "10.9.0.254", ETH0).src("10.9.0.2"));
}

/// One of the two nexthops of 50/8, by hash.
fn hashed() -> Want {
    among(&[
        (ETH0, "99.88.22.50", Some(SRC)),
        (V1, GW_V1, Some("10.1.0.1")),
    ])
    .rule(32766)
    .seen(HASH)
}

/// One of the two equal-metric defaults, by neighbour state.
fn alternating() -> Want {
    among(&[(ETH0, GW, Some(SRC)), (ETH0, "99.88.22.253", Some(SRC))])
        .rule(32766)
        .seen(ALT)
}

/// One of two defaults whose sources differ: the source flaps with the choice.
fn flapping() -> Want {
    among(&[
        (ETH0, GW, Some(SRC)),
        (ETH0, "10.9.0.254", Some("10.9.0.2")),
    ])
    .rule(32766)
    .seen(ALT)
}
