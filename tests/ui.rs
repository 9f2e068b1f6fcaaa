//! The terminal UI: whole screens as snapshots, the app driven headless, and the real program
//! in tmux against a kernel namespace.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::tui::{app, key, namespaces, screen, type_text};
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use routescope::app::{App, Effect, Msg, Pane};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::model::{Change, Family, Op, Origin, Owner, Placement, Route, RouteKind};
use routescope::net::{FeedEvent, NetnsInfo, Target};
use routescope::ui::{self, Theme};

#[test]
fn screens_at_80x24_and_120x40() {
    let mut app = app();
    insta::assert_snapshot!("default_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("default_120x40", screen(&app, 120, 40));
    app.update(key(KeyCode::Char('?')));
    insta::assert_snapshot!("help_80x24", screen(&app, 80, 24));
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "127.0.0.0/8");
    app.update(key(KeyCode::Enter));
    insta::assert_snapshot!("routes_filtered_120x40", screen(&app, 120, 40));
    app.update(Msg::Namespaces(namespaces()));
    app.update(key(KeyCode::Down));
    insta::assert_snapshot!("namespaces_80x24", screen(&app, 80, 24));
}

/// The titles of the panes on a screen: the text after a top-left corner (`┌ `, or `┏ ` for the
/// focused pane) up to the border that follows it.
fn titles(shown: &str) -> Vec<String> {
    let mut found = Vec::new();
    for corner in ["┌ ", "┏ "] {
        for (at, _) in shown.match_indices(corner) {
            let rest = &shown[at + corner.len()..];
            let end = [" ─", " ━"]
                .iter()
                .filter_map(|b| rest.find(b))
                .min()
                .unwrap_or(rest.len());
            found.push(rest[..end].to_owned());
        }
    }
    found
}

/// The rules pane grows with the rules: with sixteen, all show at 100×30 (the interfaces pane
/// gives way), every title has its count at 80×24, and `D` reaches every default rule.
#[test]
fn the_rules_pane_grows_with_the_rules() {
    let mut app = App::new(
        fixtures::many_rules(),
        NetnsInfo::current(),
        true,
        Keymap::default(),
    );
    assert_eq!(app.row_count(Pane::Rules), 16);
    insta::assert_snapshot!("rules16_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("rules16_100x30", screen(&app, 100, 30));
    insta::assert_snapshot!("rules16_200x50", screen(&app, 200, 50));
    let shown = screen(&app, 100, 30);
    for rule in &app.state().rules {
        let row = format!(
            "{} {:>5}: ",
            if rule.family == Family::V4 { 4 } else { 6 },
            rule.priority
        );
        assert!(shown.contains(&row), "{row:?} is not shown:\n{shown}");
    }
    let small = screen(&app, 80, 24);
    let names = titles(&small);
    assert_eq!(names.len(), 5, "{names:?}");
    for title in &names {
        assert!(
            title.contains('(') && title.chars().any(|c| c.is_ascii_digit()),
            "no count in {title:?}:\n{small}"
        );
    }
    // from the first rule, D walks the default rules in order and round again
    let mut reached = Vec::new();
    for _ in 0..6 {
        app.update(key(KeyCode::Char('D')));
        assert_eq!(app.focus(), Pane::Rules);
        let rule = app.selected_rule().expect("a rule");
        reached.push((rule.family, rule.priority));
        let shown = screen(&app, 80, 24);
        let row = format!(
            "{} {:>5}: ",
            if rule.family == Family::V4 { 4 } else { 6 },
            rule.priority
        );
        assert!(shown.contains(&row), "{row:?} is not on screen:\n{shown}");
    }
    assert_eq!(
        reached,
        [
            (Family::V4, 32766),
            (Family::V4, 32767),
            (Family::V6, 0),
            (Family::V6, 32766),
            (Family::V4, 0),
            (Family::V4, 32766),
        ]
    );
    insta::assert_snapshot!("rules16_default_80x24", screen(&app, 80, 24));
    // a filter that hides every default rule is cleared by D
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "fwmark");
    app.update(key(KeyCode::Enter));
    app.update(key(KeyCode::Char('D')));
    assert_eq!(app.filter(Pane::Rules), "");
    assert!(
        app.selected_rule()
            .is_some_and(|r| r.priority == 32766 || r.priority == 0)
    );
}

#[test]
fn the_prompt_shows_errors_and_the_explanation() {
    let mut app = app();
    app.update(key(KeyCode::Char('g')));
    type_text(&mut app, "8.8.8.8 frm 1.2.3.4");
    insta::assert_snapshot!("prompt_error_80x24", screen(&app, 80, 24));
    for _ in 0..11 {
        app.update(key(KeyCode::Backspace));
    }
    type_text(&mut app, "from 11.22.33.44");
    app.update(key(KeyCode::Enter));
    insta::assert_snapshot!("explanation_120x40", screen(&app, 120, 40));
}

/// Names and typed words with terminal controls show escaped in every pane they reach.
#[test]
fn names_and_typed_words_with_controls_show_escaped() {
    let mut state = fixtures::server();
    let index = *state.links.keys().last().expect("a link");
    let link = state.links.get_mut(&index).expect("link");
    link.name = routescope::model::LinkName::from_bytes(b"ev\xff\xe2\x80\xaeil".to_vec());
    let hostile = "ns\u{202e}x";
    let namespace = NetnsInfo::new(
        Target::Named(hostile.into()),
        hostile.into(),
        "netns-ns%E2%80%AEx".into(),
        None,
    );
    let mut app = App::new(state, namespace, false, Keymap::default());
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("ev\\xff\\u{202e}il"), "{shown}");
    assert!(shown.contains("netns ns\\u{202e}x"), "{shown}");
    let mut entries = namespaces();
    entries[2].name = format!("pid 7 {hostile}");
    app.update(Msg::Namespaces(entries));
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("pid 7 ns\\u{202e}x"), "{shown}");
    app.update(key(KeyCode::Esc));
    app.update(key(KeyCode::Char('g')));
    type_text(&mut app, "8.8.8.8 x\u{202e}y");
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("unknown word 'x\\u{202e}y'"), "{shown}");
    assert!(
        !shown.contains('\u{202e}'),
        "no raw bidi control anywhere: {shown}"
    );
}

#[test]
fn tiny_terminals_do_not_panic() {
    let mut app = app();
    app.update(key(KeyCode::Char('?')));
    for (w, h) in [(20, 5), (1, 1), (80, 3), (5, 40)] {
        let _ = screen(&app, w, h);
    }
}

#[test]
fn keys_move_focus_filter_and_walk_history() {
    let mut app = app();
    assert_eq!(app.focus(), Pane::Routes);
    app.update(key(KeyCode::Tab));
    assert_eq!(app.focus(), Pane::Watch);
    app.update(key(KeyCode::BackTab));
    app.update(key(KeyCode::BackTab));
    assert_eq!(app.focus(), Pane::Rules);
    app.update(key(KeyCode::Down));
    // the routes pane follows the selected rule's table (rule 100: table 100)
    assert_eq!(app.routes_table().map(|(_, t)| t), Some(100));
    app.update(key(KeyCode::Tab));
    let all = app.route_count();
    app.update(key(KeyCode::Char('/')));
    type_text(&mut app, "broadcast");
    app.update(key(KeyCode::Enter));
    assert!(
        app.route_count() < all && app.route_count() == 2,
        "the filter narrows the routes"
    );
    for query in ["1.1.1.1", "127.0.0.2"] {
        app.update(key(KeyCode::Char('g')));
        type_text(&mut app, query);
        app.update(key(KeyCode::Enter));
    }
    app.update(key(KeyCode::Char('g')));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Up));
    app.update(key(KeyCode::Enter));
    assert_eq!(
        app.pinned().map(|p| p.query.to_words()),
        Some("1.1.1.1".into())
    );
    app.update(key(KeyCode::Char('q')));
    assert!(app.should_quit());
}

#[test]
fn a_change_is_logged_and_the_pinned_answer_follows_it() {
    let mut app = App::new(
        fixtures::server(),
        NetnsInfo::current(),
        false,
        Keymap::default(),
    );
    app.update(key(KeyCode::Char('g')));
    type_text(&mut app, "5.5.5.5");
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::AskKernel(_), Effect::SaveWatch(saved)] if saved == &["5.5.5.5"]
        ),
        "watching asks the kernel and saves the list: {effects:?}"
    );
    let before = app.pinned().unwrap().explanation.verdict.answer.gateway;
    let default = app
        .state()
        .routes()
        .find(|r| r.table == 254 && r.dst.prefix_len() == 0)
        .unwrap()
        .clone();
    let event = FeedEvent::Change {
        change: Change::Route(Op::Del, Placement::Last, default),
        origin: Origin::of_portid(4242),
    };
    let effects = app.update(Msg::Net {
        events: vec![event],
        time: "12:00:01".into(),
    });
    assert_eq!(app.log().len(), 1);
    assert!(
        app.log()[0].line.starts_with("- route"),
        "{:?}",
        app.log()[0]
    );
    let pinned = app.pinned().unwrap();
    assert_ne!(pinned.explanation.verdict.answer.gateway, before);
    assert_eq!(
        pinned.explanation.verdict.answer.outcome.errno(),
        Some(routescope::model::Errno::Enetunreach)
    );
    assert_eq!(
        pinned.changed().unwrap(),
        "the answer changed at 12:00:01 after route default table main was deleted \
         by port 4242"
    );
    let change = pinned.history.back().unwrap();
    assert_eq!(change.before.answer.gateway, before);
    assert_eq!(change.cause.as_ref().unwrap().origin.portid(), 4242);
    assert!(
        matches!(effects.as_slice(), [Effect::AskKernel(_)]),
        "a changed answer is checked again"
    );
    let mut unrelated = Route::new(254, "10.9.0.0/16".parse().unwrap(), RouteKind::Blackhole);
    unrelated.protocol = 4;
    let event = FeedEvent::Change {
        change: Change::Route(Op::New, Placement::Last, unrelated),
        origin: Origin::of_portid(4242),
    };
    assert!(
        app.update(Msg::Net {
            events: vec![event],
            time: "12:00:02".into()
        })
        .is_empty(),
        "same answer: nothing to ask"
    );
}

#[test]
fn the_events_pane_says_who_made_each_change() {
    let mut app = App::new(
        fixtures::server(),
        NetnsInfo::current(),
        false,
        Keymap::default(),
    );
    let route = |dst: &str| {
        let mut r = Route::new(254, dst.parse().unwrap(), RouteKind::Blackhole);
        r.protocol = 4;
        Change::Route(Op::New, Placement::Last, r)
    };
    let daemon = routescope::model::fixtures::by_process(612, "netwatchd", "netwatchd -batch -");
    let events = vec![
        FeedEvent::Change {
            change: route("10.9.0.0/16"),
            origin: daemon,
        },
        FeedEvent::Change {
            change: route("10.10.0.0/16"),
            origin: Origin::Socket {
                portid: 4242,
                owner: Owner::Gone,
            },
        },
    ];
    app.update(Msg::Net {
        events,
        time: "12:00:01".into(),
    });
    let shown = screen(&app, 300, 40); // wide enough for the whole line
    for who in ["by netwatchd (pid 612)", "by port 4242 (no longer running)"] {
        assert!(shown.contains(who), "{who} missing from:\n{shown}");
    }
    assert_eq!(app.log()[0].who.as_deref(), Some("netwatchd (pid 612)"));
}

#[test]
fn a_frame_with_a_million_routes_is_fast() {
    let mut app = App::new(
        fixtures::large(1_000_000, 0),
        NetnsInfo::current(),
        true,
        Keymap::default(),
    );
    // PageDown moves a third of the rows: 500 pages of 1000 reach row 500,000
    app.update(Msg::Resize {
        width: 120,
        height: 3000,
    });
    for _ in 0..500 {
        app.update(key(KeyCode::PageDown));
    }
    assert_eq!(app.selected(Pane::Routes), 500_000);
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");
    let theme = Theme::new(true, false);
    terminal
        .draw(|f| ui::render(f, &app, &theme))
        .expect("draw");
    let start = Instant::now();
    let frames = 20;
    for _ in 0..frames {
        terminal
            .draw(|f| ui::render(f, &app, &theme))
            .expect("draw");
    }
    let per_frame = start.elapsed() / frames;
    println!("frame with 1,000,000 routes, selection at 500,000: {per_frame:?}");
    assert!(
        per_frame < Duration::from_millis(50),
        "{per_frame:?} per frame"
    );
    for filter in ["100.7.0.0/16", "100.9.9"] {
        app.update(key(KeyCode::Char('/')));
        type_text(&mut app, filter);
        // Enter applies the filter: update makes the one pass, the frame then reads the cache
        let start = Instant::now();
        app.update(key(KeyCode::Enter));
        terminal
            .draw(|f| ui::render(f, &app, &theme))
            .expect("draw");
        let took = start.elapsed();
        println!(
            "filter /{filter} over 1,000,000 routes: {} matches in {took:?}; later frames use the cache",
            app.route_count()
        );
        assert!(app.route_count() > 0, "{filter}");
        assert!(took < Duration::from_secs(10), "{took:?}");
        app.update(key(KeyCode::Esc));
    }
}

/// The real program in tmux: ask, see the pinned answer change with the kernel, quit cleanly.
#[test]
fn end_to_end_in_tmux() {
    let Some(ns) = common::TestNetns::new("tui") else {
        return;
    };
    let scenario = routescope::scenario::find("policy-uplinks").expect("scenario");
    routescope::scenario::apply_setup(&ns.name, &scenario).expect("setup");
    let session = format!("rs-e2e-{}", std::process::id());
    let bin = env!("CARGO_BIN_EXE_routescope");
    // the watch list is saved under the state directory: a throwaway one, not the tester's
    let state_home = common::bin::TempDir::new("tui-state");
    let shell = format!(
        "XDG_STATE_HOME={} {bin} -n {}; echo ROUTESCOPE-EXITED-$?; sleep 30",
        state_home.0.display(),
        ns.name
    );
    let tmux = |args: &[&str]| Command::new("tmux").args(args).output().expect("tmux runs");
    let started = tmux(&[
        "new-session",
        "-d",
        "-s",
        &session,
        "-x",
        "120",
        "-y",
        "40",
        &shell,
    ]);
    assert!(
        started.status.success(),
        "tmux: {}",
        String::from_utf8_lossy(&started.stderr)
    );
    let capture = || {
        String::from_utf8_lossy(&tmux(&["capture-pane", "-t", &session, "-p"]).stdout).into_owned()
    };
    let wait_for = |text: &str| {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let screen = capture();
            if screen.contains(text) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "waited for {text:?}; the screen is:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    };
    wait_for("rules (10)");
    tmux(&["send-keys", "-t", &session, "g"]);
    tmux(&[
        "send-keys",
        "-t",
        &session,
        "-l",
        "5.5.5.5 ipproto tcp dport 443",
    ]);
    tmux(&["send-keys", "-t", &session, "Enter"]);
    let screen = wait_for("kernel: agrees");
    assert!(
        screen.contains("(rule 120)") && screen.contains("table 200"),
        "{screen}"
    );
    assert!(
        screen.contains("from 203.0.113.2"),
        "the source is shown: {screen}"
    );
    ns.ip("rule del pref 120");
    let screen = wait_for("the answer changed at");
    assert!(screen.contains("(rule 32766)"), "{screen}");
    wait_for("kernel: agrees");
    tmux(&["send-keys", "-t", &session, "q"]);
    let screen = wait_for("ROUTESCOPE-EXITED-0");
    assert!(
        !screen.contains("route get (g)"),
        "the alternate screen is gone: {screen}"
    );
    tmux(&["kill-session", "-t", &session]);
}
