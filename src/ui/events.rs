//! The event log: changes as they arrive, timestamped, newest at the bottom.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, filter_note, pane_block, row_style};
use crate::app::{App, Pane};

/// Draws the tail of the log, or the window around the selection when focused.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let title = format!(
        " events ({}){} ",
        app.log().len(),
        filter_note(app, Pane::Events)
    );
    let block = pane_block(title, app.focus() == Pane::Events, theme);
    let height = usize::from(block.inner(area).height);
    let filter = app.filter(Pane::Events);
    let entries: Vec<(usize, &crate::app::LogEntry)> = app
        .log()
        .iter()
        .enumerate()
        .filter(|(_, e)| filter.is_empty() || e.line.contains(filter))
        .collect();
    let end = if app.focus() == Pane::Events {
        (app.selected(Pane::Events) + 1)
            .max(height)
            .min(entries.len())
    } else {
        entries.len()
    };
    let start = end.saturating_sub(height);
    let lines: Vec<Line> = entries[start..end]
        .iter()
        .map(|(i, e)| {
            let style = if e.line.starts_with('-') {
                theme.bad
            } else if e.line.starts_with('=') || e.line.starts_with('!') {
                theme.warn
            } else {
                row_style(app, Pane::Events, *i, theme)
            };
            Line::from(vec![
                Span::styled(format!("{} ", e.time), theme.muted),
                Span::styled(e.line.clone(), style),
            ])
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
