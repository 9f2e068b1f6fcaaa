//! Lessons (`routescope demo NAME`): the scenario's question and steps in the lesson pane, its
//! queries watched but never saved, `n`/`p` stepping, and the question on the way out; then the
//! real program in tmux, building `loopback-127`, stepping, and removing the namespace.

mod common;

use std::process::Command;

use common::bin::{BIN, TempDir, run, stderr};
use common::tmux::Tmux;
use common::tui::{key, screen, type_text};
use crossterm::event::KeyCode;
use routescope::app::{App, Effect, Lesson, Mode, Msg, Pane};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::net::NetnsInfo;

/// The namespace `routescope demo loopback-127` builds.
const DEMO_NS: &str = "rs-demo-loopback-127";

/// The `loopback-127` lesson as `demo` opens it.
fn lesson() -> Lesson {
    let scenario = routescope::scenario::find("loopback-127").expect("the scenario");
    Lesson::of(&scenario, DEMO_NS)
}

/// A live app on the scenario's state with the lesson keys, before the lesson is opened.
fn lesson_app() -> App {
    App::new(
        fixtures::loopback(),
        NetnsInfo::current(),
        false,
        Keymap::default(),
    )
}

/// The query the watch pane explains.
fn pinned(app: &App) -> String {
    app.pinned().map(|p| p.query.to_words()).unwrap_or_default()
}

/// Opening the lesson watches its queries (asked of the kernel, not saved), shows the question
/// and the first step; `n` and `p` step through them and stop at either end, and each step
/// brings the rule and route its answer names into view.
#[test]
fn a_lesson_steps_through_its_queries() {
    let mut app = lesson_app();
    let effects = app.update(Msg::Lesson(Box::new(lesson())));
    assert!(
        effects.iter().all(|e| matches!(e, Effect::AskKernel(_))) && effects.len() == 2,
        "the lesson's flows are asked, never saved: {effects:?}"
    );
    assert_eq!(app.watch().len(), 2);
    assert_eq!(app.lesson().map(|(_, at)| at), Some(0));
    assert_eq!(pinned(&app), "127.0.0.2");
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains("lesson: Why 127.0.0.2 answers · step 1/2 · n next · p back"),
        "{shown}"
    );
    assert!(
        shown.contains("Only 127.0.0.1 is configured on lo."),
        "{shown}"
    );
    assert!(shown.contains("get 127.0.0.2"), "{shown}");
    assert!(shown.contains("look: The routes pane marks"), "{shown}");
    assert!(
        shown.contains("answer: The kernel's local route covers"),
        "{shown}"
    );
    insta::assert_snapshot!("lesson_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("lesson_120x40", shown);
    // the answer's route is the selected row of the routes pane
    assert_eq!(
        app.selected_route().map(|r| r.dst.to_string()),
        Some("127.0.0.0/8".into())
    );

    app.update(key(KeyCode::Char('n')));
    assert_eq!(app.lesson().map(|(_, at)| at), Some(1));
    assert_eq!(pinned(&app), "127.255.255.255");
    assert_eq!(
        app.selected_route().map(|r| r.dst.to_string()),
        Some("127.255.255.255/32".into())
    );
    let shown = screen(&app, 120, 40);
    assert!(shown.contains("step 2/2"), "{shown}");
    assert!(shown.contains("get 127.255.255.255"), "{shown}");
    app.update(key(KeyCode::Char('n')));
    assert_eq!(
        app.lesson().map(|(_, at)| at),
        Some(1),
        "the last step stays"
    );
    app.update(key(KeyCode::Char('p')));
    app.update(key(KeyCode::Char('p')));
    assert_eq!(
        app.lesson().map(|(_, at)| at),
        Some(0),
        "the first step stays"
    );
    assert!(
        !matches!(app.mode(), Mode::Namespaces { .. }),
        "n steps the lesson instead of opening the picker"
    );

    // a flow the person adds is saved without the lesson's
    app.update(key(KeyCode::Char('g')));
    type_text(&mut app, "8.8.8.8");
    let effects = app.update(key(KeyCode::Enter));
    assert!(
        effects.contains(&Effect::SaveWatch(vec!["8.8.8.8".into()])),
        "{effects:?}"
    );
    app.update(Msg::Focus(Pane::Watch));
    assert_eq!(pinned(&app), "8.8.8.8");
    let effects = app.update(key(KeyCode::Char('d')));
    assert_eq!(effects, vec![Effect::SaveWatch(Vec::new())]);
    assert_eq!(app.watch().len(), 2, "the lesson's flows stay");
}

/// Quitting a lesson asks whether to remove its namespace: Esc goes back, n or Enter keeps it
/// (the default), y removes it; outside a lesson q quits at once.
#[test]
fn leaving_a_lesson_asks_whether_to_remove_its_namespace() {
    for (answer, quits, removes) in [
        (KeyCode::Esc, false, false),
        (KeyCode::Enter, true, false),
        (KeyCode::Char('n'), true, false),
        (KeyCode::Char('q'), true, false),
        (KeyCode::Char('y'), true, true),
    ] {
        let mut app = lesson_app();
        app.update(Msg::Lesson(Box::new(lesson())));
        app.update(key(KeyCode::Char('q')));
        assert!(matches!(app.mode(), Mode::LeaveLesson));
        assert!(!app.should_quit());
        let shown = screen(&app, 80, 24);
        assert!(
            shown.contains("Remove the namespace rs-demo-loopback-127 the lesson built? [y/N]"),
            "{shown}"
        );
        app.update(key(answer));
        assert_eq!(app.should_quit(), quits, "{answer:?}");
        assert_eq!(
            app.remove_on_exit(),
            removes.then_some(DEMO_NS),
            "{answer:?}"
        );
    }
    let mut app = lesson_app();
    app.update(key(KeyCode::Char('q')));
    assert!(app.should_quit() && app.remove_on_exit().is_none());
}

/// Whether namespace `name` exists (`ip netns list`).
fn namespace_exists(name: &str) -> bool {
    let out = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip runs");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

/// The real program: `demo loopback-127` builds the namespace and opens the lesson; `n` steps,
/// `q` asks, `y` removes the namespace once the terminal is back, and says so.
#[test]
fn demo_opens_a_lesson_and_removes_its_namespace_in_tmux() {
    // only to learn whether kernel tests can run here (root, namespaces)
    if common::TestNetns::new("lesson-probe").is_none() {
        return;
    }
    let home = TempDir::new("lesson-home");
    let tmux = Tmux::bash("lesson");
    tmux.line(&format!(
        "XDG_STATE_HOME={0}/state XDG_CONFIG_HOME={0}/config {BIN} demo loopback-127; \
         echo DEMO-EXITED-$?",
        home.0.display()
    ));
    let shown = tmux.wait_for("step 1/2");
    assert!(shown.contains("lesson: Why 127.0.0.2 answers"), "{shown}");
    assert!(shown.contains("get 127.0.0.2"), "{shown}");
    assert!(namespace_exists(DEMO_NS), "the scenario is built");
    tmux.wait_for("kernel: agrees");
    tmux.keys(&["n"]);
    let shown = tmux.wait_for("step 2/2");
    assert!(shown.contains("get 127.255.255.255"), "{shown}");
    tmux.keys(&["q"]);
    tmux.wait_for("the lesson built? [y/N]");
    tmux.keys(&["y"]);
    let shown = tmux.wait_for("DEMO-EXITED-0");
    assert!(
        shown.contains("removed network namespace rs-demo-loopback-127"),
        "{shown}"
    );
    assert!(
        !shown.contains("step 2/2"),
        "the alternate screen is gone: {shown}"
    );
    assert!(!namespace_exists(DEMO_NS), "the namespace is gone");

    // --no-tui (and any run whose output is not a terminal) prints what to try, as before; one
    // test, so that the two never build the same namespace at once
    for args in [
        &["demo", "loopback-127", "--no-tui"][..],
        &["demo", "loopback-127"][..],
    ] {
        let out = run(args);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert!(
            text.contains("Built in network namespace rs-demo-loopback-127. Try:")
                && text.contains("routescope -n rs-demo-loopback-127 get 127.0.0.2"),
            "{args:?}: {text}"
        );
        assert!(namespace_exists(DEMO_NS));
        routescope::scenario::remove(DEMO_NS);
    }
}

/// `--no-tui` is for building a scenario: without a name it is a usage error.
#[test]
fn no_tui_needs_a_scenario() {
    let out = run(&["demo", "--no-tui"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
}
