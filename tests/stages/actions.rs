//! Stage 1b, rule actions and the walk: `not`, goto, nop, the error actions, suppress_*,
//! missing tables, the end of the rules, and the merged local/main fast path.
//!
//! Tables 2xx got `ip route add default via 99.88.22.2xx table 2xx` in the verifying namespace.

use routescope::model::{Family, State};

use crate::prelude::*;

#[test]
fn rule_actions_walk_as_the_kernel_does() {
    check(rows![
        // ip rule add pref 50 not fwmark 0x10 lookup 200; get 8.8.8.8 ⇒ table 200;
        // get 8.8.8.8 mark 0x10 ⇒ via 99.88.22.254 table 100 (the fixture's rule 100)
        and(rule50(fwmark(0x10, u32::MAX)), invert), "8.8.8.8" => t(200, 50);
        and(rule50(fwmark(0x10, u32::MAX)), invert), "8.8.8.8 mark 0x10" => marked();
        // ip rule add pref 55 lookup 201; ip rule add pref 60 lookup 200; ip rule add pref 50
        // goto 60; get 8.8.8.8 ⇒ table 200 (55 jumped over)
        goto_forward, "8.8.8.8" => t(200, 60).step(50, StepResult::Goto(60)).unvisited(55);
        // ip rule add pref 55 lookup 201; ip rule add pref 50 goto 70 (`[unresolved]`);
        // get 8.8.8.8 ⇒ table 201 (an unresolved goto is passed over)
        goto_nowhere, "8.8.8.8" => t(201, 55).step(50, StepResult::GoOn);
        // ip rule add pref 55 lookup 202; ip rule add pref 60 fwmark 0x99 lookup 200; ip rule add
        // pref 61 lookup 201; ip rule add pref 50 goto 60; get 8.8.8.8 ⇒ table 201 (the target's
        // own selector is tested after the jump)
        goto_retest, "8.8.8.8" => t(201, 61).step(60, StepResult::Skipped).unvisited(55);
        // ip rule add pref 50 nop; get 8.8.8.8 ⇒ main
        |s| act(s, 50, RuleAction::Nop, &[]), "8.8.8.8" => main_default().step(50, GO_ON);
        // ip rule add pref 50 to 20.0.0.0/8 blackhole; get 20.1.1.1 ⇒ Invalid argument
        action(RuleAction::Blackhole), "20.1.1.1" => fails(Errno::Einval).rule(50);
        // ip rule add pref 50 to 20.0.0.0/8 unreachable; get 20.1.1.1 ⇒ Network is unreachable
        action(RuleAction::Unreachable), "20.1.1.1" => fails(Errno::Enetunreach).rule(50);
        // ip rule add pref 50 to 20.0.0.0/8 prohibit; get 20.1.1.1 ⇒ Permission denied
        action(RuleAction::Prohibit), "20.1.1.1" => prohibited();
        // ip rule add pref 50 lookup main suppress_prefixlength 0; ip rule add pref 60 lookup 200;
        // get 8.8.8.8 ⇒ table 200 (main's /0 answer is suppressed); get 99.88.22.5 ⇒ main's /24
        suppress_len, "8.8.8.8" => t(200, 60).step(50, StepResult::Suppressed);
        suppress_len, "99.88.22.5" => on_link(Some(MAIN), ETH0, "99.88.22.2").rule(50);
        // ip link set eth0 group 7; ip rule add pref 50 lookup main suppress_ifgroup 7;
        // ip rule add pref 60 lookup 200; get 8.8.8.8 ⇒ table 200
        suppress_group(7), "8.8.8.8" => t(200, 60).step(50, StepResult::Suppressed);
        // the same with suppress_ifgroup 8 ⇒ main, by rule 50
        suppress_group(8), "8.8.8.8" => goes(MAIN, ETH0, "99.88.22.1", "99.88.22.2").rule(50);
        // ip rule add pref 50 lookup 4242 (no such table); get 8.8.8.8 ⇒ main
        |s| rule(s, 50, 4242, &[]), "8.8.8.8" => main_default().step(50, GO_ON);
        // ip rule del pref 32766; ip rule del pref 32767; get 8.8.8.8 ⇒ Network is unreachable
        no_main_rules, "8.8.8.8" => fails(Errno::Enetunreach).no_rule();
        // a fresh namespace (rules never touched) with 127.1.0.0/16 dev eth0 in main;
        // get 127.1.2.3 ⇒ 127.1.2.3 dev eth0 src 99.88.22.2 (main's /16 beats local's /8)
        merged, "127.1.2.3" => on_link(Some(MAIN), ETH0, "99.88.22.2").rule(32766).seen(MERGED);
        // the same namespace; get 8.8.8.8 ⇒ via 99.88.22.1
        merged, "8.8.8.8" => main_default().seen(MERGED);
        // + unreachable 20.0.0.0/8 in main, 20.0.0.0/7 via 99.88.22.7 table default;
        // get 20.1.1.1 ⇒ No route to host (6.18 stops on the error, it does not try default)
        and(merged, merged_errors), "20.1.1.1" => fails(Errno::Ehostunreach).rule(32766);
        // + throw 30.0.0.0/8 in main, 30.0.0.0/7 via 99.88.22.7 table default;
        // get 30.1.1.1 ⇒ via 99.88.22.7 table default
        and(merged, merged_errors), "30.1.1.1" => goes(253, ETH0, "99.88.22.7", "99.88.22.2");
        // the fixture (a rule was added: unmerged) with 127.1.0.0/16 dev eth0;
        // get 127.1.2.3 ⇒ local 127.1.2.3 dev lo table local src 127.0.0.1
        dev_127, "127.1.2.3" => local(Some(LOCAL), "127.0.0.1").rule(0);
    ]);
}

#[test]
fn merged_trie_answers_report_main() {
    check(rows![
        // fresh namespace, rules never touched; get 99.88.22.2 ⇒ local 99.88.22.2 dev lo
        // src 99.88.22.2 with RTA_TABLE 254 (`ip route get` prints no `table local`)
        merged, "99.88.22.2" => local(Some(MAIN), "99.88.22.2").rule(0);
    ]);
}

/// A rule that goes on without an answer.
const GO_ON: StepResult = StepResult::GoOn;

/// The merged local/main search step.
const MERGED: StepResult = StepResult::Merged;

/// The fixture's marked traffic: rule 100 sends it to table 100, default via 99.88.22.254.
fn marked() -> Want {
    goes(100, ETH0, "99.88.22.254", "99.88.22.2")
        .rule(100)
        .step(50, StepResult::Skipped)
}

/// A `prohibit` rule at 50 answered.
fn prohibited() -> Want {
    fails(Errno::Eacces)
        .rule(50)
        .step(50, StepResult::Fails(Errno::Eacces))
}

/// `not` on the rule at 50.
fn invert(s: &mut State) {
    rule_at(s, 50).invert = true;
}

/// `ip rule add pref 50 to 20.0.0.0/8 ACTION`.
fn action(action: RuleAction) -> impl Fn(&mut State) + 'static {
    move |s| act(s, 50, action, &[to("20.0.0.0/8")])
}

/// `lookup 201` at 55, `lookup 200` at 60, `goto 60` at 50.
fn goto_forward(s: &mut State) {
    rule(s, 55, 201, &[]);
    rule(s, 60, 200, &[]);
    goto(s, 50, 60);
}

/// `lookup 201` at 55, `goto 70` at 50 with no rule 70.
fn goto_nowhere(s: &mut State) {
    rule(s, 55, 201, &[]);
    goto(s, 50, 70);
}

/// `lookup 202` at 55, `fwmark 0x99 lookup 200` at 60, `lookup 201` at 61, `goto 60` at 50.
fn goto_retest(s: &mut State) {
    rule(s, 55, 202, &[]);
    rule(s, 60, 200, &[fwmark(0x99, u32::MAX)]);
    rule(s, 61, 201, &[]);
    goto(s, 50, 60);
}

/// `lookup main suppress_prefixlength 0` at 50, `lookup 200` at 60.
fn suppress_len(s: &mut State) {
    rule(s, 50, MAIN, &[]);
    rule_at(s, 50).suppress_prefixlength = Some(0);
    rule(s, 60, 200, &[]);
}

/// eth0 in group 7, `lookup main suppress_ifgroup GROUP` at 50, `lookup 200` at 60.
fn suppress_group(group: u32) -> impl Fn(&mut State) + 'static {
    move |s| {
        s.links.get_mut(&ETH0).expect("eth0").group = 7;
        rule(s, 50, MAIN, &[]);
        rule_at(s, 50).suppress_ifgroup = Some(group);
        rule(s, 60, 200, &[]);
    }
}

/// Only `0: lookup local` and the fixture's rule 100 are left.
fn no_main_rules(s: &mut State) {
    s.rules
        .retain(|r| r.family != Family::V4 || r.priority < 32766);
}

/// A namespace whose rules were never changed (local and main merged), with
/// `127.1.0.0/16 dev eth0` in main.
fn merged(s: &mut State) {
    s.rules
        .retain(|r| r.family != Family::V4 || r.priority != 100);
    s.ipv4_tables_merged = Some(true);
    dev_127(s);
}

/// `127.1.0.0/16 dev eth0` in main.
fn dev_127(s: &mut State) {
    s.push_route(direct("127.1.0.0/16", ETH0));
}

/// In main `unreachable 20.0.0.0/8` and `throw 30.0.0.0/8`; in default 20.0.0.0/7 and
/// 30.0.0.0/7 via 99.88.22.7.
fn merged_errors(s: &mut State) {
    s.push_route(typed("20.0.0.0/8", RouteKind::Unreachable));
    s.push_route(typed("30.0.0.0/8", RouteKind::Throw));
    s.push_route(via("20.0.0.0/7", "99.88.22.7", ETH0).table(253));
    s.push_route(via("30.0.0.0/7", "99.88.22.7", ETH0).table(253));
}
