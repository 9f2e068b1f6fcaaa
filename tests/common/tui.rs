//! Driving the app headless in tests: the fixture app, keys and typing, and the screen as text.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use routescope::app::{App, Msg};
use routescope::fixtures;
use routescope::keymap::Keymap;
use routescope::ui::{self, Theme};

/// The fixture server as a read-only app (no kernel, no clock).
pub fn app() -> App {
    App::new(fixtures::server(), None, true, Keymap::default())
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
