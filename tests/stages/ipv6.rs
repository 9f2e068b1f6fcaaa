//! Stage 5, IPv6: strict device binding for link-local and oif lookups, local and error routes,
//! input lookups, and source selection basics.
//!
//! Every row adds `2001:db8:1::2/64` to eth0 (which has `fe80::2`), `v1` (ifindex 3) with
//! `fe80::1:1/64` and `2001:db8:2::2/64`, and `ip -6 route add default via fe80::1 dev eth0`;
//! the namespace's addresses were added with `nodad`.

use routescope::model::State;

use crate::prelude::*;

#[test]
fn ipv6_lookups_bind_devices_as_the_kernel_does() {
    check(rows![
        // get fe80::9 oif v1 ⇒ fe80::9 from :: dev v1 src fe80::1:1 (only v1's fe80::/64 fits)
        both, "fe80::9 oif v1" => on_link(Some(MAIN), V1, "fe80::1:1").rule(32766);
        // get fe80::9 oif eth0 ⇒ dev eth0 src fe80::2; get fe80::9 ⇒ dev eth0 (the first route)
        both, "fe80::9 oif eth0" => on_link(Some(MAIN), ETH0, "fe80::2").rule(32766);
        both, "fe80::9" => on_link(Some(MAIN), ETH0, "fe80::2").rule(32766);
        // ip -6 route del fe80::/64 dev v1; get fe80::9 oif v1 ⇒ Network is unreachable
        and(both, no_v1_link_route), "fe80::9 oif v1" => fails(Errno::Enetunreach);
        // get 2001:db8:9::1 oif v1 ⇒ Network is unreachable (oif without a source is strict, and
        // there is no IPv4-style on-link assumption)
        both, "2001:db8:9::1 oif v1" => fails(Errno::Enetunreach).no_rule();
        // get 2001:db8:9::1 oif v1 from 2001:db8:2::2 ⇒ via fe80::1 dev eth0 (oif only preferred)
        both, "2001:db8:9::1 oif v1 from 2001:db8:2::2" => main6().src("2001:db8:2::2");
        // get 2001:db8:9::1 oif eth0 ⇒ via fe80::1 dev eth0 src 2001:db8:1::2
        both, "2001:db8:9::1 oif eth0" => main6();
        // ip -6 route add 2001:db8:9::/48 via fe80::1 dev eth0 metric 100; … via fe80::5 dev v1
        // metric 200; get 2001:db8:9::1 oif v1 ⇒ via fe80::5 dev v1 src 2001:db8:2::2 (strict:
        // nothing of metric 100 fits, so the next metric); without oif ⇒ via fe80::1 metric 100
        metric_pair, "2001:db8:9::1 oif v1" => goes(MAIN, V1, "fe80::5", "2001:db8:2::2");
        metric_pair, "2001:db8:9::1" => main6();
        // get fe80::9 from fe80::77 iif v1 ⇒ fe80::9 from fe80::77 dev v1 iif v1 (the arrival
        // device binds link-local destinations)
        both, "fe80::9 from fe80::77 iif v1" => on_link(Some(MAIN), V1, "fe80::77").rule(32766);
        // forwarding off; get 2001:db8:9::1 from 2001:db8:2::9 iif v1 ⇒ via fe80::1 dev eth0
        // (IPv6 route get does not check forwarding)
        both, "2001:db8:9::1 from 2001:db8:2::9 iif v1" => main6().src("2001:db8:2::9");
        // get 2001:db8:1::2 ⇒ local 2001:db8:1::2 from :: dev lo table local src 2001:db8:1::2;
        // get 2001:db8:2::2 ⇒ the same for v1's address; get ::1 ⇒ local ::1 … src ::1
        both, "2001:db8:1::2" => local(Some(LOCAL), "2001:db8:1::2").rule(0);
        both, "2001:db8:2::2" => local(Some(LOCAL), "2001:db8:2::2").rule(0);
        both, "::1" => local(Some(LOCAL), "::1").rule(0);
        // ip -6 route add unreachable 2001:db8:66::/48; … prohibit 2001:db8:67::/48; … blackhole
        // 2001:db8:68::/48; … throw 2001:db8:69::/48; get …66::1 ⇒ No route to host; …67::1 ⇒
        // Permission denied; …68::1 ⇒ Invalid argument; …69::1 ⇒ Network is unreachable
        errors, "2001:db8:66::1" => fails(Errno::Ehostunreach).rule(32766);
        errors, "2001:db8:67::1" => fails(Errno::Eacces).rule(32766);
        errors, "2001:db8:68::1" => fails(Errno::Einval).rule(32766);
        errors, "2001:db8:69::1" => fails(Errno::Enetunreach).no_rule();
    ]);
}

#[test]
fn ipv6_sources_are_chosen_as_the_kernel_does() {
    check(rows![
        // get 2001:db8:2::99 ⇒ dev v1 src 2001:db8:2::2; get 2001:db8:9::1 ⇒ src 2001:db8:1::2
        both, "2001:db8:2::99" => on_link(Some(MAIN), V1, "2001:db8:2::2").rule(32766);
        both, "2001:db8:9::1" => main6().seen(SELECTED);
        // ip -6 route add 2001:db8:2:1::/64 via fe80::1 dev eth0; get 2001:db8:2:1::5 ⇒ src
        // 2001:db8:1::2 (an address on the outgoing device beats v1's longer match)
        and(both, near_v1), "2001:db8:2:1::5" => goes(MAIN, ETH0, "fe80::1", "2001:db8:1::2");
        // ip addr add 2001:db8:1::30/64 dev eth0 nodad preferred_lft 0 (deprecated);
        // get 2001:db8:1::99 ⇒ src 2001:db8:1::2
        deprecated, "2001:db8:1::99" => on_link(Some(MAIN), ETH0, "2001:db8:1::2").rule(32766);
        // get fe80::9 oif eth0 ⇒ src fe80::2 (link-local destinations take the device's address)
        both, "fe80::9 oif eth0" => on_link(Some(MAIN), ETH0, "fe80::2").seen(SELECTED);
        // get 2001:db8:9::1 from 2001:db8:77::1 ⇒ accepted though not local, via fe80::1
        both, "2001:db8:9::1 from 2001:db8:77::1" => main6().src("2001:db8:77::1").seen(GIVEN);
    ]);
}

#[test]
fn ipv6_ties_metrics_and_failed_routers() {
    check(rows![
        // ip addr add 2001:db8:1::10/64 dev eth0 nodad; … 2001:db8:1::20/64 (listed ::20, ::10,
        // ::2); get 2001:db8:9::1 ⇒ src 2001:db8:1::20; get 2001:db8:1::99 ⇒ src 2001:db8:1::20
        // (equal candidates: the first listed, the newest, wins)
        newer, "2001:db8:9::1" => main6().src("2001:db8:1::20");
        newer, "2001:db8:1::99" => on_link(Some(MAIN), ETH0, "2001:db8:1::20").rule(32766);
        // the metric pair above; get 2001:db8:9::1 from 2001:db8:1::2 oif v1 ⇒ via fe80::1 dev
        // eth0 metric 100 (with a source, oif only scores within the lowest metric that matches)
        metric_pair, "2001:db8:9::1 from 2001:db8:1::2 oif v1" => main6();
        // ip -6 route add default via fe80::1 dev eth0 metric 100; … via fe80::9 dev eth0 metric
        // 200; ip -6 neigh add fe80::1 dev eth0 nud failed; forwarding 0; get 2001:db8:9::1 ⇒
        // via fe80::9 (RT6_LOOKUP_F_REACHABLE rejects the FAILED router)
        failed_router, "2001:db8:9::1" => goes(MAIN, ETH0, "fe80::9", "2001:db8:1::2").rule(32766);
    ]);
}

/// The application gave the source.
const GIVEN: StepResult = StepResult::Source(SourceChoice::Given);

/// The kernel selected the source.
const SELECTED: StepResult = StepResult::Source(SourceChoice::Selected);

/// IPv6 on eth0 and on v1.
fn both(s: &mut State) {
    v6(s);
    v6_v1(s);
}

/// `ip -6 route del fe80::/64 dev v1`.
fn no_v1_link_route(s: &mut State) {
    if let Some(t) = s.tables.get_mut(&(routescope::model::Family::V6, MAIN)) {
        t.retain(|r| !(r.dst == net("fe80::/64") && r.dev() == V1));
    }
}

/// `2001:db8:9::/48` via `fe80::1` on eth0 metric 100 and via `fe80::5` on v1 metric 200.
fn metric_pair(s: &mut State) {
    both(s);
    s.push_route(via("2001:db8:9::/48", "fe80::1", ETH0).metric(100));
    s.push_route(via("2001:db8:9::/48", "fe80::5", V1).metric(200));
}

/// Unreachable, prohibit, blackhole and throw routes for `2001:db8:66::/48` … `69::/48`.
fn errors(s: &mut State) {
    both(s);
    for (prefix, kind) in [
        ("2001:db8:66::/48", RouteKind::Unreachable),
        ("2001:db8:67::/48", RouteKind::Prohibit),
        ("2001:db8:68::/48", RouteKind::Blackhole),
        ("2001:db8:69::/48", RouteKind::Throw),
    ] {
        s.push_route(typed(prefix, kind));
    }
}

/// `2001:db8:2:1::/64` via `fe80::1` on eth0.
fn near_v1(s: &mut State) {
    s.push_route(via("2001:db8:2:1::/64", "fe80::1", ETH0));
}

/// A deprecated `2001:db8:1::30/64` on eth0, newer than `2001:db8:1::2`.
fn deprecated(s: &mut State) {
    both(s);
    addr6(s, ETH0, "2001:db8:1::30/64", true);
}

/// `2001:db8:1::10/64` and then `2001:db8:1::20/64` on eth0.
fn newer(s: &mut State) {
    both(s);
    addr6(s, ETH0, "2001:db8:1::10/64", false);
    addr6(s, ETH0, "2001:db8:1::20/64", false);
}

/// Defaults via `fe80::1` (metric 100, neighbour FAILED) and `fe80::9` (metric 200).
fn failed_router(s: &mut State) {
    v6(s);
    del(s, MAIN, "::/0");
    s.push_route(via("::/0", "fe80::1", ETH0).metric(100));
    s.push_route(via("::/0", "fe80::9", ETH0).metric(200));
    s.neighbours.push(Neighbour {
        index: ETH0,
        dst: ip("fe80::1"),
        lladdr: None,
        state: NeighbourState(NeighbourState::FAILED),
        flags: 0,
    });
}
