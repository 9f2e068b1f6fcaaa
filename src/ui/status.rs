//! The status line: where we are, how much there is, and the keys that matter.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::app::App;
use crate::model::escape;

/// Draws one line at the bottom.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let place = if app.is_snapshot() {
        "snapshot (read-only)".to_owned()
    } else {
        app.namespace().map_or_else(
            || "this namespace".to_owned(),
            |n| format!("netns {}", escape(n)),
        )
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
    if let Some(notice) = app.notice() {
        spans.push(Span::styled(format!(" · {}", escape(notice)), theme.warn));
    }
    spans.push(Span::styled(
        "  ? help  g get  / filter  Tab focus  q quit",
        theme.muted,
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
