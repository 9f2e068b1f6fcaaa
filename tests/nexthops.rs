//! Nexthop objects: the routes pane's nexthops view (objects, group members with weights, what
//! uses each), following a route to its nexthop and a nexthop to its device, and the members of
//! a route's object in its detail line and in `dump` text.

mod common;

use common::TestNetns;
use common::bin::{TempDir, run, stderr};
use common::tui::{key, screen, type_text};
use crossterm::event::KeyCode;
use routescope::app::{App, Effect, Msg, Pane, RoutesView};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::model::{Change, Op};
use routescope::net::NetnsInfo;

/// The nexthops fixture as a read-only app.
fn nexthops_app() -> App {
    App::new(
        fixtures::nexthops(),
        NetnsInfo::current(),
        true,
        Keymap::default(),
    )
}

/// The lines of a screen that contain `text`.
fn rows_with<'a>(shown: &'a str, text: &str) -> Vec<&'a str> {
    shown.lines().filter(|l| l.contains(text)).collect()
}

/// `o` lists the objects: id, gateway and device or members with weights, and what uses each;
/// the selected one's users are named below; `o` again gives the routes back where they were.
#[test]
fn the_nexthops_view_lists_objects_and_what_uses_them() {
    let mut app = nexthops_app();
    app.update(key(KeyCode::Down));
    let route_row = app.selected(Pane::Routes);
    app.update(key(KeyCode::Char('o')));
    assert_eq!(app.routes_view(), RoutesView::Nexthops { route_row });
    assert_eq!(app.row_count(Pane::Routes), 4);
    let shown = screen(&app, 120, 40);
    for row in [
        "id 1     via 99.88.22.1 dev eth0  used by 1 route, group 10",
        "id 2     via 99.88.22.254 dev eth0  used by group 10",
        "id 3     dev lo  unused",
        "id 10    group 1 weight 1, 2 weight 3  used by 1 route",
    ] {
        assert_eq!(rows_with(&shown, row).len(), 1, "{row:?}:\n{shown}");
    }
    assert!(shown.contains("nexthops (4) · o: routes"), "{shown}");
    assert!(
        shown.contains("routes 10.20.0.0/16 (table main) · in group 10 · f: to eth0"),
        "{shown}"
    );
    insta::assert_snapshot!("nexthops_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("nexthops_120x40", screen(&app, 120, 40));
    app.update(key(KeyCode::End));
    let shown = screen(&app, 200, 50);
    assert!(
        shown.contains(
            "routes 10.10.0.0/16 (table main) · members id 1 via 99.88.22.1 dev eth0 weight 1, \
             id 2 via 99.88.22.254 dev eth0 weight 3 · f: to nexthop 1"
        ),
        "{shown}"
    );
    // y copies the object as `ip nexthop` prints it, Y the command that makes it again
    let copied = app.update(key(KeyCode::Char('y')));
    assert_eq!(
        copied,
        vec![Effect::Copy("id 10 group 1/2,3".into())],
        "{copied:?}"
    );
    let copied = app.update(key(KeyCode::Char('Y')));
    assert_eq!(
        copied,
        vec![Effect::Copy("ip nexthop add id 10 group 1/2,3".into())]
    );
    // the filter narrows the objects: by text, or a prefix holding the gateway
    for (filter, rows) in [("lo", 1), ("99.88.22.254/32", 1), ("group", 1), ("eth0", 2)] {
        app.update(key(KeyCode::Char('/')));
        type_text(&mut app, filter);
        app.update(key(KeyCode::Enter));
        assert_eq!(app.row_count(Pane::Routes), rows, "/{filter}");
        app.update(key(KeyCode::Esc));
    }
    app.update(key(KeyCode::Char('o')));
    assert_eq!(app.routes_view(), RoutesView::Routes);
    assert_eq!(app.selected(Pane::Routes), route_row);
}

/// A route through a group names its members in the detail line; `f` goes from the route to its
/// object, from the group to its first member, and from that to its device; from a route without
/// an object it goes to the route's device.
#[test]
fn follow_goes_from_a_route_to_its_nexthop_and_on_to_the_device() {
    let mut app = nexthops_app();
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "nhid 10");
    app.update(key(KeyCode::Enter));
    let route = app.selected_route().expect("the route through group 10");
    assert_eq!(route.nhid, 10);
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains(
            "nhid 10: id 1 via 99.88.22.1 dev eth0 weight 1, id 2 via 99.88.22.254 dev eth0 \
             weight 3 · reached by rule 32766"
        ),
        "{shown}"
    );
    insta::assert_snapshot!("route_through_group_80x24", screen(&app, 80, 24));

    app.update(key(KeyCode::Char('f')));
    assert!(matches!(app.routes_view(), RoutesView::Nexthops { .. }));
    assert_eq!(
        app.filter(Pane::Routes),
        "",
        "the routes' filter would hide the object"
    );
    assert_eq!(app.selected_nexthop().map(|n| n.id), Some(10));
    app.update(key(KeyCode::Char('f')));
    assert_eq!(app.selected_nexthop().map(|n| n.id), Some(1));
    app.update(key(KeyCode::Char('f')));
    assert_eq!(app.focus(), Pane::Interfaces);
    assert_eq!(
        app.selected_link().and_then(|l| l.name.to_str()),
        Some("eth0")
    );
    // f elsewhere says where it works
    app.update(key(KeyCode::Char('f')));
    assert!(app.notice().is_some_and(|n| n.contains("routes pane")));

    // a plain route: straight to its device; a hidden link is shown by clearing the filter
    let mut app = nexthops_app();
    app.update(Msg::Focus(Pane::Interfaces));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "lo");
    app.update(key(KeyCode::Enter));
    app.update(Msg::Focus(Pane::Routes));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "99.88.22.0/24");
    app.update(key(KeyCode::Enter));
    assert!(app.selected_route().is_some_and(|r| r.nhid == 0));
    app.update(key(KeyCode::Char('f')));
    assert_eq!(app.focus(), Pane::Interfaces);
    assert_eq!(app.filter(Pane::Interfaces), "");
    assert_eq!(
        app.selected_link().and_then(|l| l.name.to_str()),
        Some("eth0")
    );
}

/// What the view says follows the state: an object removed goes, its group's count changes.
#[test]
fn the_nexthops_view_follows_the_state() {
    let mut app = nexthops_app();
    app.update(key(KeyCode::Char('o')));
    app.update(key(KeyCode::End));
    let route = app
        .state()
        .routes()
        .find(|r| r.nhid == 1)
        .expect("the route through 1")
        .clone();
    let group = app.state().nexthops[&10].clone();
    app.update(Msg::Net {
        events: vec![
            routescope::net::FeedEvent::Change {
                change: Change::Route(Op::Del, routescope::model::Placement::Last, route),
                origin: routescope::model::Origin::of_portid(7),
            },
            routescope::net::FeedEvent::Change {
                change: Change::Nexthop(Op::Del, group),
                origin: routescope::model::Origin::of_portid(7),
            },
        ],
        time: "12:00:00".into(),
    });
    assert_eq!(app.row_count(Pane::Routes), 3);
    assert!(app.selected(Pane::Routes) < 3);
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains("id 1     via 99.88.22.1 dev eth0  unused"),
        "{shown}"
    );
}

/// `dump` prints a route's object members below it, and the objects themselves.
#[test]
fn dump_shows_the_members_of_a_route_object() {
    let dir = TempDir::new("nexthops-dump");
    let path = dir.join("state.json");
    let file = std::fs::File::create(&path).expect("snapshot file");
    routescope::report::json::write_state(&fixtures::nexthops(), file).expect("write");
    let out = run(&["--snapshot", path.to_str().unwrap(), "dump"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    for wanted in [
        "  10.10.0.0/16                   nhid 10\n             nexthop id 1 via 99.88.22.1 dev eth0 weight 1\n             nexthop id 2 via 99.88.22.254 dev eth0 weight 3\n",
        "  10.20.0.0/16                   nhid 1\n             nexthop id 1 via 99.88.22.1 dev eth0\n",
        "\nNexthops\n  id 1 via 99.88.22.1 dev eth0\n  id 2 via 99.88.22.254 dev eth0\n  id 3 dev lo\n  id 10 group 1/2,3\n",
    ] {
        assert!(text.contains(wanted), "{wanted:?} not in:\n{text}");
    }
}

/// The same from the kernel: real objects and a group, `dump` names each route's members.
#[test]
fn dump_shows_the_kernel_s_nexthop_objects() {
    let Some(ns) = TestNetns::new("nexthops") else {
        return;
    };
    ns.ip_each(&[
        "link add eth0 type veth peer name eth0p",
        "link set eth0 up",
        "link set eth0p up",
        "addr add 99.88.22.2/24 dev eth0",
        "nexthop add id 1 via 99.88.22.1 dev eth0",
        "nexthop add id 2 via 99.88.22.254 dev eth0",
        "nexthop add id 10 group 1/2,3",
        "route add 10.10.0.0/16 nhid 10",
    ]);
    let out = run(&["-n", &ns.name, "dump"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    let at = text.find("  10.10.0.0/16").expect("the route");
    let below: Vec<&str> = text[at..].lines().skip(1).take(2).collect();
    assert_eq!(
        below,
        [
            "             nexthop id 1 via 99.88.22.1 dev eth0 weight 1",
            "             nexthop id 2 via 99.88.22.254 dev eth0 weight 3",
        ],
        "{text}"
    );
}
