//! The event log: changes as they arrive, timestamped, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, filter_note, pane_block, row_style};
use crate::app::{App, Pane};
use crate::model::escape;

/// Draws the tail of the log, or the window around the selection when focused.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let title = format!(
        " events ({}){} ",
        app.row_count(Pane::Events),
        filter_note(app, Pane::Events)
    );
    let block = pane_block(title, app.focus() == Pane::Events, theme);
    let height = usize::from(block.inner(area).height);
    let window = app.window(Pane::Events, height);
    let lines: Vec<Line> = app
        .visible_events()
        .enumerate()
        .skip(window.start)
        .take(window.len())
        .map(|(i, e)| {
            let colour = if e.line.starts_with('-') {
                theme.bad
            } else if e.line.starts_with('=') || e.line.starts_with('!') {
                theme.warn
            } else {
                theme.text
            };
            // the selected entry is reversed in its own colour, so removals show selected too
            let style = colour.patch(row_style(app, Pane::Events, i, theme));
            let mut spans = vec![
                Span::styled(format!("{} ", e.time), theme.muted),
                Span::styled(escape(&e.line).into_owned(), style),
            ];
            if let Some(who) = &e.who {
                spans.push(Span::styled(format!("  by {}", escape(who)), theme.muted));
            }
            Line::from(spans)
        })
        .collect();
    let lines = if lines.is_empty() {
        vec![Line::styled(
            "changes appear here as the kernel reports them",
            theme.muted,
        )]
    } else {
        lines
    };
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
