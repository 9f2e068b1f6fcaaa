//! Stage 3a, building the output route: local delivery, the on-link assumption for a bound
//! device, 0.0.0.0, broadcast and multicast, and the checks on a given source.

use routescope::model::State;

use crate::prelude::*;

#[test]
fn output_routes_are_built_as_the_kernel_does() {
    check(rows![
        // get 99.88.22.2 ⇒ local 99.88.22.2 dev lo table local src 99.88.22.2
        as_is, "99.88.22.2" => local(Some(LOCAL), SRC).rule(0);
        // get 11.22.33.44 ⇒ local … src 11.22.33.44; get 127.0.0.5 ⇒ local … src 127.0.0.1
        as_is, "11.22.33.44" => local(Some(LOCAL), LO_IP).rule(0);
        as_is, "127.0.0.5" => local(Some(LOCAL), "127.0.0.1").rule(0);
        // get 99.88.22.2 from 11.22.33.44 ⇒ local 99.88.22.2 from 11.22.33.44 dev lo table local
        as_is, "99.88.22.2 from 11.22.33.44" => local(Some(LOCAL), LO_IP).rule(0);
        // ip addr add 99.88.22.3/24 dev eth0 (secondary); get 99.88.22.3 ⇒ local … src 99.88.22.2
        secondary, "99.88.22.3" => local(Some(LOCAL), SRC).rule(0);
        // get 99.88.22.2 oif eth0 ⇒ local 99.88.22.2 dev lo table local (its nexthop is eth0)
        as_is, "99.88.22.2 oif eth0" => local(Some(LOCAL), SRC).rule(0);
        // + v1; get 99.88.22.2 oif v1 ⇒ 99.88.22.2 dev v1 src 10.1.0.1: unicast, not local
        v1, "99.88.22.2 oif v1" => on_link(None, V1, "10.1.0.1").no_rule().seen(ON_LINK);
        // get 99.88.22.2 oif lo ⇒ 99.88.22.2 dev lo src 11.22.33.44 (unicast: the local route's
        // nexthop is eth0); get 8.8.8.8 oif lo ⇒ 8.8.8.8 dev lo src 11.22.33.44
        as_is, "99.88.22.2 oif lo" => on_link(None, LO, LO_IP).seen(ON_LINK);
        as_is, "8.8.8.8 oif lo" => on_link(None, LO, LO_IP).seen(ON_LINK);
        // ip route del default; get 1.2.3.4 oif eth0 ⇒ 1.2.3.4 dev eth0 src 99.88.22.2;
        // get 1.2.3.4 ⇒ Network is unreachable
        no_default, "1.2.3.4 oif eth0" => on_link(None, ETH0, SRC).seen(ON_LINK);
        no_default, "1.2.3.4" => fails(Errno::Enetunreach).no_rule();
        // ip route add unreachable 20.0.0.0/8; get 20.1.1.1 oif eth0 ⇒ 20.1.1.1 dev eth0 src .2
        unreachable_20, "20.1.1.1 oif eth0" => on_link(None, ETH0, SRC).seen(ON_LINK);
        // ip rule add pref 50 to 21.0.0.0/8 prohibit; get 21.1.1.1 oif eth0 ⇒ dev eth0 src .2
        prohibit_21, "21.1.1.1 oif eth0" => on_link(None, ETH0, SRC).seen(ON_LINK);
        // + v1; ip route add 100.0.0.0/8 via 10.1.0.254; get 100.1.1.1 oif eth0 ⇒ via 99.88.22.1
        // dev eth0 (the /8 is on v1, the default fits the bound device)
        via_v1, "100.1.1.1 oif eth0" => main_default();
        // … and after ip route del default ⇒ 100.1.1.1 dev eth0 src 99.88.22.2 (on-link)
        and(via_v1, no_default), "100.1.1.1 oif eth0" => on_link(None, ETH0, SRC).seen(ON_LINK);
        // + v1; ip link set v1 down; get 8.8.8.8 oif v1 ⇒ Network is unreachable
        v1_down, "8.8.8.8 oif v1" => fails(Errno::Enetunreach).no_rule();
        // get 127.0.0.1 oif eth0 ⇒ 127.0.0.1 via 99.88.22.1 dev eth0 src 99.88.22.2
        as_is, "127.0.0.1 oif eth0" => main_default();
        // get 0.0.0.0 ⇒ local 0.0.0.0 dev lo src 127.0.0.1; … from 11.22.33.44 ⇒ src 11.22.33.44;
        // … oif eth0 ⇒ local 0.0.0.0 dev lo src 99.88.22.2
        as_is, "0.0.0.0" => local(None, "127.0.0.1").no_rule();
        as_is, "0.0.0.0 from 11.22.33.44" => local(None, LO_IP).no_rule();
        as_is, "0.0.0.0 oif eth0" => local(None, SRC).no_rule();
        // get 255.255.255.255 ⇒ broadcast 255.255.255.255 dev eth0 src 99.88.22.2 (through the
        // default route, its gateway dropped; RTA_TABLE 254)
        as_is, "255.255.255.255" => cast(BRD, Some(MAIN), ETH0, SRC).rule(32766);
        // get 255.255.255.255 from 99.88.22.2 ⇒ broadcast … dev eth0; … oif eth0 ⇒ the same
        as_is, "255.255.255.255 from 99.88.22.2" => cast(BRD, None, ETH0, SRC).seen(DIRECT);
        as_is, "255.255.255.255 oif eth0" => cast(BRD, None, ETH0, SRC).seen(DIRECT);
        // ip route del default; get 255.255.255.255 ⇒ Network is unreachable
        no_default, "255.255.255.255" => fails(Errno::Enetunreach);
        // get 99.88.22.255 ⇒ broadcast 99.88.22.255 dev eth0 table local src 99.88.22.2
        as_is, "99.88.22.255" => cast(BRD, Some(LOCAL), ETH0, SRC).rule(0);
        // get 239.1.1.1 ⇒ multicast 239.1.1.1 dev eth0 src 99.88.22.2 (default's gateway dropped)
        as_is, "239.1.1.1" => cast(MC, Some(MAIN), ETH0, SRC).rule(32766).approx();
        // get 224.0.0.1 oif eth0 ⇒ multicast … dev eth0 src .2; get 239.1.1.1 from 99.88.22.2 ⇒
        // multicast … dev eth0
        as_is, "224.0.0.1 oif eth0" => cast(MC, None, ETH0, SRC).seen(DIRECT);
        as_is, "239.1.1.1 from 99.88.22.2" => cast(MC, None, ETH0, SRC).seen(DIRECT);
        // ip route add 224.0.0.0/3 via 99.88.22.7; get 225.1.1.1 ⇒ multicast 225.1.1.1 dev eth0
        // src 99.88.22.2 (a route shorter than /4 loses its gateway)
        mc_route("224.0.0.0/3"), "225.1.1.1" => cast(MC, Some(MAIN), ETH0, SRC).approx();
        // get 8.8.8.8 from 127.0.0.1 ⇒ Invalid argument (loopback source leaving eth0)
        as_is, "8.8.8.8 from 127.0.0.1" => fails(Errno::Einval);
        // + net.ipv4.conf.eth0.route_localnet=1 ⇒ 8.8.8.8 from 127.0.0.1 via 99.88.22.1 dev eth0
        localnet, "8.8.8.8 from 127.0.0.1" => main_default().src("127.0.0.1");
        // get 8.8.8.8 from 1.2.3.4 ⇒ Network is unreachable; from 224.0.0.5 ⇒ Invalid argument
        as_is, "8.8.8.8 from 1.2.3.4" => fails(Errno::Enetunreach).no_rule();
        as_is, "8.8.8.8 from 224.0.0.5" => fails(Errno::Einval).no_rule();
        // ip route add local 10.5.0.0/16 dev lo table local; get 8.8.8.8 from 10.5.5.5 ⇒ via .1
        any_ip, "8.8.8.8 from 10.5.5.5" => main_default().src("10.5.5.5");
        // get 8.8.8.8 ipproto sctp ⇒ Error: Unsupported ip proto
        as_is, "8.8.8.8 ipproto sctp" => fails(Errno::Eopnotsupp).no_rule();
    ]);
}

#[test]
fn multicast_routes_and_gateways() {
    check(rows![
        // ip route add 239.0.0.0/8 via 99.88.22.9; get 239.1.1.1 ⇒ multicast 239.1.1.1
        // via 99.88.22.9 dev eth0 src 99.88.22.2 (__mkroute_output drops fi only if prefixlen < 4)
        mc_route("239.0.0.0/8"), "239.1.1.1" => via_mc_gateway();
    ]);
}

/// The server's address on eth0.
const SRC: &str = "99.88.22.2";

/// The server's address on `lo`.
const LO_IP: &str = "11.22.33.44";

/// A broadcast answer.
const BRD: RouteKind = RouteKind::Broadcast;

/// A multicast answer.
const MC: RouteKind = RouteKind::Multicast;

/// The kernel assumed the destination on-link on the bound device.
const ON_LINK: StepResult = StepResult::Nexthop(PathChoice::OnLink);

/// Sent out of a known device without a table lookup.
const DIRECT: StepResult = StepResult::Nexthop(PathChoice::Direct);

/// `ip addr add 99.88.22.3/24 dev eth0`: a secondary.
fn secondary(s: &mut State) {
    addr4(s, ETH0, "99.88.22.3/24");
}

/// `ip route del default`.
fn no_default(s: &mut State) {
    del(s, MAIN, "0.0.0.0/0");
}

/// `unreachable 20.0.0.0/8` in main.
fn unreachable_20(s: &mut State) {
    s.push_route(typed("20.0.0.0/8", RouteKind::Unreachable));
}

/// `ip rule add pref 50 to 21.0.0.0/8 prohibit`.
fn prohibit_21(s: &mut State) {
    act(s, 50, RuleAction::Prohibit, &[to("21.0.0.0/8")]);
}

/// v1, and 100.0.0.0/8 via 10.1.0.254 on it.
fn via_v1(s: &mut State) {
    v1(s);
    s.push_route(via("100.0.0.0/8", "10.1.0.254", V1));
}

/// v1 admin down (its connected route gone, as the kernel removes it).
fn v1_down(s: &mut State) {
    v1(s);
    lose(
        s,
        V1,
        routescope::model::LinkFlags::UP | routescope::model::LinkFlags::LOWER_UP,
    );
    del(s, MAIN, "10.1.0.0/24");
}

/// A multicast route via 99.88.22.7 (or .9 for /8).
fn mc_route(prefix: &'static str) -> impl Fn(&mut State) + 'static {
    move |s| {
        let gw = if prefix.ends_with("/8") {
            "99.88.22.9"
        } else {
            "99.88.22.7"
        };
        s.push_route(via(prefix, gw, ETH0));
    }
}

/// `net.ipv4.conf.eth0.route_localnet=1`.
fn localnet(s: &mut State) {
    sysctl(s, "eth0", |d| d.route_localnet = true);
}

/// `ip route add local 10.5.0.0/16 dev lo table local`: a whole range of local addresses.
fn any_ip(s: &mut State) {
    let mut r = direct("10.5.0.0/16", LO).table(LOCAL);
    r.kind = RouteKind::Local;
    r.scope = Scope::HOST;
    r.protocol = 3;
    s.push_route(r);
}

/// Multicast out of eth0 through the /8's gateway 99.88.22.9.
fn via_mc_gateway() -> Want {
    cast(MC, Some(MAIN), ETH0, SRC)
        .gateway("99.88.22.9")
        .approx()
}
