//! Driving the app headless in tests: the fixture app, keys and typing, and the screen as text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use routescope::app::{App, Msg};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::net::{Found, NetnsInfo, NsId, Target};
use routescope::ui::{self, Theme};

/// The fixture server as a read-only app (no kernel, no clock).
pub fn app() -> App {
    App::new(
        fixtures::server(),
        NetnsInfo::current(),
        true,
        Keymap::default(),
    )
}

/// A picker entry for the namespace with inode `ino`.
fn found(target: Target, name: &str, ino: u64) -> Found {
    Found {
        started_in: target == Target::Current,
        target,
        name: name.into(),
        id: Some(NsId { dev: 4, ino }),
    }
}

/// What the picker lists on a host with two named namespaces, a container runtime's and a
/// process's (as `net::all_namespaces` names them).
pub fn namespaces() -> Vec<Found> {
    vec![
        found(Target::Current, "pid 1 systemd +41 more", 1),
        found(Target::Named("blue".into()), "blue", 20),
        found(Target::Named("red".into()), "red", 30),
        found(
            Target::Path("/run/docker/netns/1a2b3c".into()),
            "/run/docker/netns/1a2b3c",
            40,
        ),
        found(Target::Pid(4242), "pid 4242 nginx +2 more", 50),
    ]
}

/// The namespace `blue` of `namespaces()` as the run loop opens it.
pub fn blue() -> NetnsInfo {
    NetnsInfo::new(
        Target::Named("blue".into()),
        "blue".into(),
        "netns-blue".into(),
        Some(NsId { dev: 4, ino: 20 }),
    )
}

/// A key press without modifiers.
pub fn key(code: KeyCode) -> Msg {
    Msg::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// Types text key by key.
pub fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.update(key(KeyCode::Char(c)));
    }
}

/// The screen as text, one quoted line per row.
pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let theme = Theme::new(true, false);
    terminal.draw(|f| ui::render(f, app, &theme)).expect("draw");
    format!("{}", terminal.backend())
}

/// The feed adding a static blackhole route to main (as `ip` by port 4242 would), read at `time`.
pub fn blackhole_added(dst: &str, time: &str) -> Msg {
    use routescope::model::{Change, Op, Origin, Placement, Route, RouteKind};
    let mut route = Route::new(254, dst.parse().expect("prefix"), RouteKind::Blackhole);
    route.protocol = 4;
    Msg::Net {
        events: vec![routescope::net::FeedEvent::Change {
            change: Change::Route(Op::New, Placement::Last, route),
            origin: Origin::of_portid(4242),
        }],
        time: time.into(),
    }
}
