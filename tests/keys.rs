//! Keys as data, zoom, copy and the mouse toggle, driven headless through `update`: a user
//! keymap replaces the defaults of what it rebinds in every mode, a conflict is one notice, the
//! help lists every action without cutting a word at 80×24, zoom shows a pane or a whole
//! explanation, and the copy keys hand the run loop the text (or `ip` command) to copy.

mod common;

use common::tui::{app, blue, key, screen, type_text};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use routescope::app::{App, Effect, Mode, Msg, Pane};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::net::{NetnsInfo, Target};

/// The fixture app on an 80×24 terminal with one watched flow.
fn watching() -> App {
    let mut app = app();
    app.update(Msg::Resize {
        width: 80,
        height: 24,
    });
    app.update(key(KeyCode::Char('g')));
    type_text(&mut app, "8.8.8.8 from 11.22.33.44");
    app.update(key(KeyCode::Enter));
    app
}

/// A key press with Ctrl.
fn ctrl(c: char) -> Msg {
    Msg::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// The text a copy key hands the run loop, or `None` when it copies nothing.
fn copied(app: &mut App, k: char) -> Option<String> {
    match app.update(key(KeyCode::Char(k))).as_slice() {
        [Effect::Copy(text)] => Some(text.clone()),
        [] => None,
        other => panic!("{other:?}"),
    }
}

#[test]
fn zoom_shows_the_whole_explanation_and_any_pane_full_screen() {
    let mut app = watching();
    app.update(Msg::Focus(Pane::Watch));
    app.update(key(KeyCode::Char('z')));
    assert!(app.is_zoomed());
    let shown = screen(&app, 80, 24);
    insta::assert_snapshot!("zoom_explanation_80x24", shown);
    // every step of the walk: each rule, passed over or not, then table, route, source
    for step in [
        "Rule     0: from all lookup local",
        "Rule     100: from all fwmark 0x10 lookup 100",
        "Rule     32766: from all lookup main",
        "Route    table main: default via 99.88.22.1 dev eth0",
        "Source   11.22.33.44",
        "Verdict  unicast via 99.88.22.1",
        "Kernel   not asked",
        "History  0 change(s)",
    ] {
        assert!(shown.contains(step), "{step}: {shown}");
    }
    app.update(Msg::Resize {
        width: 120,
        height: 40,
    });
    insta::assert_snapshot!("zoom_explanation_120x40", screen(&app, 120, 40));

    // a short terminal: the explanation scrolls to its end and back, one row at a time
    app.update(Msg::Resize {
        width: 80,
        height: 10,
    });
    app.update(key(KeyCode::End));
    let end = screen(&app, 80, 10);
    assert!(
        end.contains("History  0 change(s)") && !end.contains("Query"),
        "{end}"
    );
    app.update(key(KeyCode::Up));
    let up = screen(&app, 80, 10);
    assert_ne!(up, end, "one row up from the end moves at once");
    app.update(key(KeyCode::Home));
    assert!(screen(&app, 80, 10).contains("Query    8.8.8.8"));

    // z again, or Esc, goes back to the panes
    app.update(key(KeyCode::Char('z')));
    assert!(!app.is_zoomed());
    app.update(key(KeyCode::Enter));
    assert!(
        app.is_zoomed(),
        "Enter in the watch pane zooms its explanation"
    );
    app.update(key(KeyCode::Esc));
    assert!(!app.is_zoomed());

    // a list pane zoomed: more rows, the same selection and keys
    app.update(Msg::Resize {
        width: 80,
        height: 24,
    });
    app.update(Msg::Focus(Pane::Routes));
    app.update(key(KeyCode::Char('z')));
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.selected(Pane::Routes), 1);
    insta::assert_snapshot!("zoom_routes_80x24", screen(&app, 80, 24));
    app.update(Msg::Focus(Pane::Rules));
    assert_eq!(
        app.focus(),
        Pane::Routes,
        "a click stays in the zoomed pane"
    );
    app.update(key(KeyCode::Tab));
    assert!(
        app.is_zoomed() && app.focus() == Pane::Watch,
        "Tab zooms the next pane"
    );
    app.update(key(KeyCode::Esc));
    assert!(!app.is_zoomed());
}

#[test]
fn the_help_wraps_every_description_and_scrolls_at_80x24() {
    let mut app = app();
    app.update(Msg::Resize {
        width: 80,
        height: 24,
    });
    app.update(key(KeyCode::Char('?')));
    let mut seen = String::new();
    let mut last = String::new();
    for _ in 0..20 {
        let shown = screen(&app, 80, 24);
        if shown == last {
            break;
        }
        seen.push_str(&shown);
        last = shown;
        app.update(key(KeyCode::PageDown));
    }
    insta::assert_snapshot!("help_end_80x24", last);
    // each row of the screen text: the words between the borders
    let words: Vec<&str> = seen
        .lines()
        .flat_map(|l| l.trim_matches('"').trim_matches('┃').split_whitespace())
        .collect();
    for section in app.keymap().help() {
        for (keys, what) in section.rows {
            for word in what.split_whitespace().chain(keys.split_whitespace()) {
                assert!(
                    words.contains(&word),
                    "{word:?} of {what:?} is not on the help screens:\n{seen}"
                );
            }
        }
    }
    for heading in [
        "panes (zoomed too)",
        "typing a query (g)",
        "views: this help",
    ] {
        assert!(seen.contains(heading), "{heading}");
    }
    // the key that opened it closes it; so do Esc and q
    app.update(key(KeyCode::Char('?')));
    assert!(matches!(app.mode(), Mode::Normal));
}

#[test]
fn a_user_keymap_replaces_the_defaults_it_rebinds_in_every_mode() {
    let text = "route-get = [\"G\"]\n[prompt]\naccept = [\"ctrl-j\"]\n[view]\nclose = [\"x\"]";
    let (keymap, warning) = Keymap::with_user(text).expect("a good keymap");
    assert_eq!(warning, None);
    let mut app = App::new(fixtures::server(), NetnsInfo::current(), true, keymap);
    app.update(key(KeyCode::Char('g')));
    assert!(
        matches!(app.mode(), Mode::Normal),
        "g is no longer route-get's"
    );
    app.update(key(KeyCode::Char('G')));
    assert!(matches!(app.mode(), Mode::Prompt(_)));
    type_text(&mut app, "8.8.8.8");
    app.update(key(KeyCode::Enter));
    assert!(app.watch().is_empty(), "Enter no longer accepts the query");
    app.update(ctrl('j'));
    assert_eq!(app.watch().len(), 1);
    assert!(matches!(app.mode(), Mode::Normal));
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains("route get (G)") && shown.contains("G get"),
        "{shown}"
    );
    app.update(key(KeyCode::Char('?')));
    app.update(key(KeyCode::Esc));
    assert!(
        matches!(app.mode(), Mode::Help { .. }),
        "Esc no longer closes a view"
    );
    let help = screen(&app, 80, 24);
    assert!(help.contains("x closes"), "{help}");
    app.update(key(KeyCode::Char('x')));
    assert!(matches!(app.mode(), Mode::Normal));
}

#[test]
fn a_conflict_is_one_notice_and_both_actions_keep_their_keys() {
    let (keymap, warning) =
        Keymap::with_user("up = [\"x\"]\ndown = [\"x\"]\n[picker]\naccept = [\"space\"]")
            .expect("used with a warning");
    let warning = warning.expect("a warning");
    assert_eq!(
        warning,
        "x is bound to both up and down: both keep their keys"
    );
    let mut app = App::new(fixtures::server(), NetnsInfo::current(), true, keymap);
    app.update(Msg::Notice(format!("keymap.toml: {warning}")));
    let status = screen(&app, 120, 40);
    let last = status.lines().last().unwrap_or_default();
    assert!(last.contains("x is bound to both up and down"), "{last}");
    app.update(key(KeyCode::Char('x')));
    assert_eq!(app.selected(Pane::Routes), 0, "x does nothing");
    app.update(key(KeyCode::Char('j')));
    assert_eq!(app.selected(Pane::Routes), 1, "j still moves down");
    // the rest of the file applies: Space chooses in the findings list
    app.update(key(KeyCode::Char('!')));
    app.update(key(KeyCode::Char(' ')));
    assert!(matches!(app.mode(), Mode::Normal));
}

#[test]
fn copy_gives_each_pane_its_row_and_its_ip_command() {
    let mut app = watching();
    app.update(Msg::Focus(Pane::Watch));
    let explanation = copied(&mut app, 'y').expect("the explanation");
    assert!(
        explanation.starts_with("Query    8.8.8.8 from 11.22.33.44\n")
            && explanation.contains("Rule     100: from all fwmark 0x10 lookup 100")
            && explanation.contains("History  0 change(s)"),
        "{explanation}"
    );
    assert_eq!(
        app.notice(),
        Some("copied: Query    8.8.8.8 from 11.22.33.44 (+12 lines)")
    );
    assert_eq!(
        copied(&mut app, 'Y').as_deref(),
        Some("ip route get 8.8.8.8 from 11.22.33.44")
    );
    let status = screen(&app, 120, 40);
    assert!(
        status.contains("copied: ip route get 8.8.8.8 from 11.22.33.44"),
        "{status}"
    );

    app.update(Msg::Focus(Pane::Rules));
    app.update(key(KeyCode::Down));
    assert_eq!(
        copied(&mut app, 'y').as_deref(),
        Some("100: from all fwmark 0x10 lookup 100")
    );
    assert_eq!(
        copied(&mut app, 'Y').as_deref(),
        Some("ip rule add priority 100 fwmark 0x10 lookup 100")
    );

    app.update(Msg::Focus(Pane::Routes));
    assert_eq!(
        copied(&mut app, 'y').as_deref(),
        Some("default via 99.88.22.254 dev eth0 table 100")
    );
    assert_eq!(
        copied(&mut app, 'Y').as_deref(),
        Some("ip route add default via 99.88.22.254 dev eth0 table 100")
    );
    app.update(key(KeyCode::Down));
    app.update(key(KeyCode::Down));
    assert_eq!(
        copied(&mut app, 'Y').as_deref(),
        Some(
            "ip route add 99.88.22.0/24 dev eth0 proto kernel scope link src 99.88.22.2 table main"
        )
    );

    app.update(Msg::Focus(Pane::Interfaces));
    app.update(key(KeyCode::Down));
    assert_eq!(
        copied(&mut app, 'y').as_deref(),
        Some("eth0 UP 99.88.22.2/24 fe80::2/64")
    );
    assert_eq!(
        copied(&mut app, 'Y').as_deref(),
        Some(
            "ip addr add 99.88.22.2/24 broadcast 99.88.22.255 dev eth0\n\
             ip addr add fe80::2/64 scope link dev eth0"
        )
    );

    app.update(Msg::Focus(Pane::Events));
    assert_eq!(copied(&mut app, 'y'), None);
    assert_eq!(app.notice(), Some("nothing selected to copy"));
    app.update(common::tui::blackhole_added("10.9.0.0/16", "12:00:01"));
    let line = copied(&mut app, 'y').expect("the event");
    assert!(
        line.starts_with("12:00:01 + route") && line.ends_with("blackhole 10.9.0.0/16"),
        "{line}"
    );
    assert_eq!(copied(&mut app, 'Y'), None);
}

#[test]
fn the_ip_command_runs_in_the_namespace_followed() {
    for (target, ip) in [
        (Target::Named("blue".into()), "ip -n blue"),
        (Target::Pid(4242), "nsenter -t 4242 -n ip"),
        (
            Target::Path("/run/docker/netns/1a2b".into()),
            "nsenter --net=/run/docker/netns/1a2b ip",
        ),
    ] {
        let namespace = NetnsInfo::new(target, "x".into(), "x".into(), None);
        let mut app = App::new(fixtures::server(), namespace, false, Keymap::default());
        app.update(key(KeyCode::Char('g')));
        type_text(&mut app, "8.8.8.8 mark 5");
        app.update(key(KeyCode::Enter));
        app.update(Msg::Focus(Pane::Watch));
        let effects = app.update(key(KeyCode::Char('Y')));
        assert_eq!(
            effects,
            vec![Effect::Copy(format!("{ip} route get 8.8.8.8 mark 0x5"))]
        );
    }
    let mut app = App::new(fixtures::server(), blue(), false, Keymap::default());
    app.update(Msg::Focus(Pane::Rules));
    assert_eq!(
        copied(&mut app, 'Y').as_deref(),
        Some("ip -n blue rule add priority 0 lookup local")
    );
}

#[test]
fn the_mouse_toggle_is_an_effect_and_the_status_line_says_so() {
    let mut app = app();
    assert!(app.mouse_capture());
    assert_eq!(
        app.update(key(KeyCode::Char('m'))),
        vec![Effect::MouseCapture(false)]
    );
    assert!(!app.mouse_capture());
    let status = screen(&app, 120, 40);
    assert!(status.contains("mouse off (m)"), "{status}");
    assert!(status.contains("the terminal selects text"), "{status}");
    assert_eq!(
        app.update(key(KeyCode::Char('m'))),
        vec![Effect::MouseCapture(true)]
    );
    assert!(!screen(&app, 120, 40).contains("mouse off"));
}

#[test]
fn a_theme_on_the_command_line_must_be_known() {
    let tmp = common::bin::TempDir::new("theme");
    let snapshot = tmp.snapshot();
    let out = common::bin::run(&["--theme", "blue", "--snapshot", snapshot.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = common::bin::stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("blue") && err.contains("high-contrast"),
        "{err}"
    );
}
