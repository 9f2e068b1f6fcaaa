//! The status line: where we are, how much there is, and the keys that matter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::action::Action;
use crate::app::App;
use crate::model::escape;
use crate::net::Target;

/// Draws one line at the bottom.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let place = if app.is_snapshot() {
        "snapshot (read-only)".to_owned()
    } else {
        let namespace = app.namespace();
        match namespace.target() {
            Target::Current => escape(namespace.label()).into_owned(),
            _ => format!("netns {}", escape(namespace.label())),
        }
    };
    let counts = format!(
        " {} links · {} rules · {} routes",
        app.state().links.len(),
        app.state().rules.len(),
        app.state().route_count()
    );
    let mut spans = vec![Span::styled(place, theme.title), Span::raw(counts)];
    if app.resyncs() > 0 || app.parse_errors() > 0 {
        spans.push(Span::styled(
            format!(
                " · resyncs {} · unparsed {}",
                app.resyncs(),
                app.parse_errors()
            ),
            theme.warn,
        ));
    }
    let (errors, warnings, _) = app.finding_counts();
    if errors + warnings > 0 {
        let key = app.keymap().label(Action::Findings).unwrap_or_default();
        spans.push(Span::styled(
            format!(" · {key} {errors} error, {warnings} warning"),
            if errors > 0 { theme.bad } else { theme.warn },
        ));
    }
    if let Some(notice) = app.notice() {
        spans.push(Span::styled(format!(" · {}", escape(notice)), theme.warn));
    }
    // the keys as the keymap binds them, so a rebound key is shown as it is
    let keys = app.keymap();
    let hints: String = [
        (Action::Help, "help"),
        (Action::RouteGet, "get"),
        (Action::Filter, "filter"),
        (Action::FocusNext, "focus"),
        (Action::Quit, "quit"),
    ]
    .into_iter()
    .filter_map(|(action, word)| keys.label(action).map(|k| format!("  {k} {word}")))
    .collect();
    spans.push(Span::styled(hints, theme.muted));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
