//! The app driven by messages alone, as the run loop drives it: what `update` changes, and that
//! selections stay on rows the panes show. Screens are drawn only to read the detail lines.

mod common;

use common::tui::{app, blue, key, namespaces, screen, type_text};
use crossterm::event::KeyCode;
use routescope::action::Action;
use routescope::app::{App, Effect, Msg, Pane};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::model::{Change, Family, Op, Origin, Placement, Route, RouteKind, State};
use routescope::net::{FeedEvent, NetnsInfo, Target};

/// The run loop only sends messages: a click focuses, the wheel moves, a notice shows until Esc,
/// and a namespace switch forgets everything about the namespace left behind.
#[test]
fn clicks_notices_and_namespace_switches_are_messages() {
    let mut app = App::new(
        fixtures::server(),
        NetnsInfo::current(),
        false,
        Keymap::default(),
    );
    app.update(Msg::Focus(Pane::Rules));
    assert_eq!(app.focus(), Pane::Rules);
    app.update(Msg::Action(Action::Down));
    assert_eq!(
        app.selected(Pane::Rules),
        1,
        "the wheel moves the focused pane"
    );
    // a click while typing a filter: the filter still goes to the pane it was typed for
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "main");
    app.update(Msg::Focus(Pane::Interfaces));
    app.update(Msg::Action(Action::Down));
    app.update(key(KeyCode::Enter));
    assert_eq!(app.focus(), Pane::Interfaces);
    assert_eq!(app.filter(Pane::Rules), "main");
    assert_eq!(app.filter(Pane::Interfaces), "");
    assert_eq!(
        app.selected(Pane::Interfaces),
        0,
        "the wheel waits while typing"
    );

    app.update(Msg::Notice(
        "keymap.toml: unknown key 'ctrl-nothing'".into(),
    ));
    assert_eq!(
        app.notice(),
        Some("keymap.toml: unknown key 'ctrl-nothing'")
    );
    assert!(screen(&app, 120, 40).contains("unknown key 'ctrl-nothing'"));
    app.update(key(KeyCode::Esc));
    assert_eq!(app.notice(), None);

    app.update(key(KeyCode::Char('g')));
    type_text(&mut app, "5.5.5.5");
    app.update(key(KeyCode::Enter));
    app.update(common::tui::blackhole_added("10.9.0.0/16", "12:00:01"));
    assert!(app.pinned().is_some() && app.log().len() == 1);
    assert_eq!(
        app.update(key(KeyCode::Char('n'))),
        vec![Effect::ListNamespaces]
    );
    app.update(Msg::Namespaces(namespaces()));
    app.update(key(KeyCode::Down));
    let effects = app.update(key(KeyCode::Enter));
    assert_eq!(
        effects,
        vec![Effect::SwitchNamespace(Target::Named("blue".into()))]
    );
    assert_eq!(
        app.namespace(),
        &NetnsInfo::current(),
        "nothing changes before the loop switches"
    );
    app.update(Msg::NamespaceSwitched(blue()));
    assert_eq!(app.namespace().label(), "blue");
    assert_eq!(app.namespace().state_key(), "netns-blue");
    assert!(app.state().links.is_empty() && app.state().route_count() == 0);
    assert!(app.log().is_empty() && app.pinned().is_none());
    // the new namespace's first dump is where it starts, not an event
    app.update(Msg::Net {
        events: vec![FeedEvent::Change {
            change: Change::Snapshot(Box::new(fixtures::server())),
            origin: Origin::Reread,
        }],
        time: "12:00:02".into(),
    });
    assert!(app.log().is_empty());
    assert_eq!(app.state().links.len(), 2);
}

/// The picker lists every namespace the run loop found, the starting one first: Enter asks to
/// follow the selected one however it is reached, and the selection stays on the list.
#[test]
fn the_picker_follows_any_namespace_on_the_host() {
    for (downs, expected) in [
        (0, Target::Current),
        (3, Target::Path("/run/docker/netns/1a2b3c".into())),
        (4, Target::Pid(4242)),
        (9, Target::Pid(4242)),
    ] {
        let mut app = App::new(fixtures::server(), blue(), false, Keymap::default());
        app.update(key(KeyCode::Char('n')));
        app.update(Msg::Namespaces(namespaces()));
        for _ in 0..downs {
            app.update(key(KeyCode::Down));
        }
        let effects = app.update(key(KeyCode::Enter));
        assert_eq!(effects, vec![Effect::SwitchNamespace(expected)], "{downs}");
    }
    let mut app = App::new(fixtures::server(), blue(), false, Keymap::default());
    app.update(Msg::Namespaces(Vec::new()));
    assert_eq!(app.update(key(KeyCode::Enter)), vec![], "nothing to follow");
}

/// Feed events as one message, as the run loop sends a burst.
fn net(changes: Vec<Change>) -> Msg {
    Msg::Net {
        events: changes
            .into_iter()
            .map(|change| FeedEvent::Change {
                change,
                origin: Origin::of_portid(4242),
            })
            .collect(),
        time: "12:00:00".into(),
    }
}

/// The server with one link, one rule and only the main table left.
fn shrunk() -> State {
    let mut s = fixtures::server();
    s.links.retain(|index, _| *index == 1);
    s.rules.truncate(1);
    s.tables.retain(|(_, id), _| *id == 254);
    s
}

/// The server's second link, its last three rules and its local table, deleted one by one.
fn deletions() -> Vec<Change> {
    let s = fixtures::server();
    let mut out: Vec<Change> = s
        .links
        .get(&2)
        .map(|l| Change::Link(Op::Del, l.clone()))
        .into_iter()
        .collect();
    out.extend(
        s.rules
            .iter()
            .skip(3)
            .map(|r| Change::Rule(Op::Del, r.clone())),
    );
    out.extend(
        s.routes()
            .filter(|r| r.table == 255)
            .map(|r| Change::Route(Op::Del, Placement::Last, r.clone())),
    );
    out
}

/// Blackhole routes in main, added through the feed (each also makes a line in the event log).
fn blackholes(prefixes: &[&str]) -> Msg {
    net(prefixes
        .iter()
        .map(|p| {
            let route = Route::new(254, p.parse().unwrap(), RouteKind::Blackhole);
            Change::Route(Op::New, Placement::Last, route)
        })
        .collect())
}

/// The ways rows go away under a selection.
fn shrinks() -> [(&'static str, Msg); 3] {
    [
        (
            "a smaller snapshot",
            net(vec![Change::Snapshot(Box::new(shrunk()))]),
        ),
        ("deletions from the feed", net(deletions())),
        ("another namespace", Msg::NamespaceSwitched(blue())),
    ]
}

/// Whatever makes rows go away, with or without filters, every pane's selection and window stay
/// on rows that exist; a change that removes nothing moves no selection.
#[test]
fn a_shrinking_state_keeps_every_selection_on_a_row() {
    // filters that keep several rows: every rule, the local routes, the route events
    let filters = [
        (Pane::Rules, "lookup"),
        (Pane::Routes, "local"),
        (Pane::Events, "route"),
    ];
    for filtered in [false, true] {
        for (how, shrink) in shrinks() {
            let how = format!("{how}{}", if filtered { ", filtered" } else { "" });
            let mut app = App::new(
                fixtures::server(),
                NetnsInfo::current(),
                false,
                Keymap::default(),
            );
            app.update(blackholes(&["10.9.0.0/24", "10.9.1.0/24", "10.9.2.0/24"]));
            app.update(Msg::Watch {
                queries: vec!["10.9.0.1".into(), "10.9.1.1".into(), "8.8.8.8".into()],
                save: false,
            });
            for (pane, text) in filters.iter().filter(|_| filtered) {
                app.update(Msg::Focus(*pane));
                app.update(key(KeyCode::Char('/')));
                type_text(&mut app, text);
                app.update(key(KeyCode::Enter));
            }
            for pane in Pane::ALL {
                app.update(Msg::Focus(pane));
                app.update(key(KeyCode::End));
                assert!(
                    app.selected(pane) > 0,
                    "{how}: {pane:?} starts on a later row"
                );
            }
            let before = Pane::ALL.map(|p| app.selected(p));
            app.update(blackholes(&["10.99.0.0/16"]));
            assert_eq!(
                Pane::ALL.map(|p| app.selected(p)),
                before,
                "{how}: nothing went away"
            );

            app.update(shrink);
            for pane in Pane::ALL {
                let rows = app.row_count(pane);
                assert!(
                    app.selected(pane) < rows.max(1),
                    "{how}: {pane:?} selects row {} of {rows}",
                    app.selected(pane)
                );
            }
            for pane in Pane::ALL {
                app.update(Msg::Focus(pane));
                let (rows, selected) = (app.row_count(pane), app.selected(pane));
                for height in [1, 3, 40] {
                    let window = app.window(pane, height);
                    assert!(
                        window.end <= rows && (rows == 0 || window.contains(&selected)),
                        "{how}: {pane:?} draws {window:?} of {rows} rows, row {selected} selected"
                    );
                }
            }
            let _ = screen(&app, 80, 24);
        }
    }
}

/// With a filter, a pane's selection is a row of the filtered list: the interfaces detail line
/// describes the link shown selected, and the routes pane follows the selected filtered rule.
#[test]
fn a_filtered_pane_describes_its_selected_row() {
    let mut app = app();
    app.update(Msg::Focus(Pane::Interfaces));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "eth");
    app.update(key(KeyCode::Enter));
    assert_eq!(app.row_count(Pane::Interfaces), 1);
    assert_eq!(
        app.selected_link().and_then(|l| l.name.to_str()),
        Some("eth0")
    );
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("interfaces (1) [/eth]"), "{shown}");
    assert!(
        shown.contains("┃eth0: 99.88.22.2 fe80::2 local via table local"),
        "{shown}"
    );
    assert!(
        !shown.contains("127.0.0.1 11.22.33.44 ::1 local via"),
        "{shown}"
    );

    app.update(Msg::Focus(Pane::Rules));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "main");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Down));
    // the filtered rules are 32766 for IPv4, then for IPv6; the second is selected
    assert_eq!(app.selected_rule().map(|r| r.family), Some(Family::V6));
    assert_eq!(app.routes_table(), Some((Family::V6, 254)));
}

/// The server with 11.22.33.44/16 on lo instead of /32: a `lo-wide-prefix` finding about lo.
fn wide_lo() -> App {
    let mut state = fixtures::server();
    for a in &mut state.addresses {
        if a.local.to_string() == "11.22.33.44" {
            a.prefix_len = 16;
        }
    }
    App::new(state, NetnsInfo::current(), false, Keymap::default())
}

/// The interfaces detail line always describes the row shown selected: under a filter, after
/// moving, when the filter hides every row, and when a finding selects a link the filter hid;
/// when findings go away under the findings view, its selection stays on one that exists.
#[test]
fn the_interfaces_detail_and_the_findings_selection_follow_what_is_shown() {
    let mut app = wide_lo();
    let wide = app
        .findings()
        .iter()
        .position(|f| f.id == "lo-wide-prefix")
        .expect("a finding about lo");
    app.update(Msg::Focus(Pane::Interfaces));
    for (filter, link, detail) in [
        ("eth", "eth0", "eth0: 99.88.22.2 fe80::2 local via"),
        ("lo", "lo", "┃lo: 127.0.0.1 11.22.33.44 ::1 local via"),
    ] {
        app.update(key(KeyCode::Char('/')));
        type_text(&mut app, filter);
        app.update(key(KeyCode::Enter));
        app.update(key(KeyCode::Down));
        assert_eq!(
            app.selected_link().and_then(|l| l.name.to_str()),
            Some(link)
        );
        let shown = screen(&app, 100, 30);
        assert!(shown.contains(detail), "{shown}");
        app.update(key(KeyCode::Esc));
    }
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "nothing-matches");
    app.update(key(KeyCode::Enter));
    assert!(app.selected_link().is_none());
    let shown = screen(&app, 100, 30);
    assert!(!shown.contains("local via table local"), "{shown}");

    // the finding about lo: the filter that hides lo goes, and lo is the selected row
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "eth");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('!')));
    for _ in 0..wide {
        app.update(key(KeyCode::Down));
    }
    app.update(key(KeyCode::Enter));
    assert_eq!(app.focus(), Pane::Interfaces);
    assert_eq!(app.filter(Pane::Interfaces), "");
    assert_eq!(
        app.selected_link().and_then(|l| l.name.to_str()),
        Some("lo")
    );
    let shown = screen(&app, 100, 30);
    assert!(
        shown.contains("┃lo: 127.0.0.1 11.22.33.44 ::1 local via"),
        "{shown}"
    );

    // the last finding selected, then the change that fixes lo removes it
    app.update(key(KeyCode::Char('!')));
    app.update(key(KeyCode::End));
    let before = app.findings().len();
    let address = app
        .state()
        .addresses
        .iter()
        .find(|a| a.prefix_len == 16)
        .expect("the wide address")
        .clone();
    app.update(net(vec![Change::Address(Op::Del, address)]));
    let after = app.findings().len();
    assert!(after < before, "{:?}", app.findings());
    match app.mode() {
        routescope::app::Mode::Findings { selected } => {
            assert!(*selected < after.max(1), "row {selected} of {after}");
        }
        other => panic!("the findings view stays open: {other:?}"),
    }
    let _ = screen(&app, 80, 24);
}

/// The findings view: `!` lists the diagnosis, Enter selects the finding's subject and pins its
/// evidence, rows about a finding carry its mark, and the count follows the state.
#[test]
fn findings_are_listed_marked_chosen_and_kept_current() {
    let mut app = app();
    assert_eq!(app.finding_counts(), (0, 1, 0), "{:?}", app.findings());
    assert_eq!(app.findings()[0].id, "policy-table-missing-connected");
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("! 0 error, 1 warning"), "{shown}");
    assert!(
        shown.contains("│Weth0"),
        "the link the finding is about is marked: {shown}"
    );

    type_text(&mut app, "!");
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains("[policy-table-missing-connected]"),
        "{shown}"
    );
    assert!(
        shown.contains("fix   ip route add 99.88.22.0/24"),
        "{shown}"
    );

    app.update(key(KeyCode::Enter));
    assert!(matches!(app.mode(), routescope::app::Mode::Normal));
    let pinned = app.pinned().expect("the evidence query is pinned");
    let evidence = app.findings()[0].evidence.clone().expect("evidence");
    assert_eq!(
        pinned.query,
        routescope::lookup::Query::parse(&evidence.split_whitespace().collect::<Vec<_>>()).unwrap()
    );
    assert_eq!(
        app.focus(),
        Pane::Routes,
        "the first subject is the table's default route"
    );
    let route = app.selected_route().expect("a route");
    assert_eq!((route.table, route.dst.prefix_len()), (100, 0));

    // the fix, applied by the feed, clears the finding and the mark
    let mut connected = Route::new(100, "99.88.22.0/24".parse().unwrap(), RouteKind::Unicast);
    connected.hops = app
        .state()
        .table(Family::V4, 254)
        .and_then(|t| t.iter().find(|r| r.dst.prefix_len() == 24))
        .expect("main's connected route")
        .hops
        .clone();
    app.update(net(vec![Change::Route(
        Op::New,
        Placement::Last,
        connected,
    )]));
    assert_eq!(app.finding_counts(), (0, 0, 0), "{:?}", app.findings());
    assert!(!screen(&app, 120, 40).contains("│Weth0"));
}
