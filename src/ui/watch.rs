//! The watch list's lines in the watch pane, and the full-screen (zoomed) explanation of one
//! watched flow with the history of its changes.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, pane_block, row_style};
use crate::action::Action;
use crate::app::{App, Pane, Watched};
use crate::keymap::Section;
use crate::model::{State, escape};
use crate::report::explain::verdict_line;
use crate::verify;

/// The kernel's check of a flow in a word that does not rely on colour.
fn kernel_word(state: &State, flow: &Watched, snapshot: bool) -> (&'static str, bool) {
    match (&flow.kernel, &flow.kernel_error) {
        _ if snapshot => ("", true),
        (Some(k), _) => {
            if verify::differences(state, flow.verdict(), k).is_empty() {
                ("kernel agrees", true)
            } else {
                ("kernel DISAGREES", false)
            }
        }
        (None, Some(_)) => ("kernel ?", false),
        (None, None) if flow.invalid.is_some() => ("not asked", false),
        (None, None) => ("kernel …", true),
    }
}

/// One line a watched flow, around the selection, when more than one is watched: the query, its
/// answer, the kernel's check and how often it changed. At most a third of `height`.
pub fn list_lines(app: &App, height: usize, theme: &Theme) -> Vec<Line<'static>> {
    let flows = app.watch().flows();
    if flows.len() < 2 {
        return Vec::new();
    }
    let window = app.window(Pane::Watch, (height / 3).max(1));
    let mut lines: Vec<Line> = flows[window.clone()]
        .iter()
        .zip(window)
        .map(|(flow, i)| {
            let (word, ok) = kernel_word(app.state(), flow, app.is_snapshot());
            let changes = match flow.history.len() {
                0 => String::new(),
                n => format!("  changed {n}×"),
            };
            let answer = flow
                .invalid
                .as_deref()
                .map_or_else(|| verdict_line(app.state(), flow.verdict()), str::to_owned);
            Line::from(vec![
                Span::styled(
                    escape(&format!("{} → {answer}", flow.text)).into_owned(),
                    row_style(app, Pane::Watch, i, theme),
                ),
                Span::styled(
                    format!("  {word}"),
                    if ok { theme.muted } else { theme.bad },
                ),
                Span::styled(changes, theme.warn),
            ])
        })
        .collect();
    lines.push(Line::styled("─".repeat(8), theme.muted));
    lines
}

/// The selected flow, full screen: the whole explanation as `routescope get` prints it (every
/// rule passed over), the kernel's answer, and every change with its cause, newest first;
/// scrolled as far as the app says.
pub fn render_explain(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some(flow) = app.pinned() else { return };
    let width = usize::from(area.width.saturating_sub(2));
    let height = usize::from(area.height.saturating_sub(2));
    let rows = app.explanation_rows(width);
    let top = app.zoom_scroll().min(rows.len().saturating_sub(height));
    let total = rows.len();
    let last = (top + height).min(total);
    let lines: Vec<Line> = rows
        .into_iter()
        .skip(top)
        .take(height)
        .map(|row| Line::styled(row.text, super::tone_style(row.tone, theme)))
        .collect();
    let keys = app.keymap();
    let title = format!(
        " {} · {}{} {} {} scroll · {} or {} back · {}–{last} of {total} ",
        flow.text,
        keys.shown(Section::View, Action::Up),
        keys.shown(Section::View, Action::Down),
        keys.shown(Section::View, Action::PageUp),
        keys.shown(Section::View, Action::PageDown),
        keys.shown(Section::View, Action::Close),
        keys.shown(Section::Normal, Action::Zoom),
        (top + 1).min(last),
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(escape(&title).into_owned(), true, theme)),
        area,
    );
}
