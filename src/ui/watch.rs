//! The watch list's lines in the watch pane, and the full-screen explanation of one watched flow
//! with the history of its changes (Enter).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Theme, pane_block, row_style};
use crate::app::{App, Pane, Watched};
use crate::model::{State, escape};
use crate::report::explain::{KernelCheck, TraceCheck, verdict_line, write_text};
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
/// rule passed over), the kernel's answer, and every change with its cause, newest first.
pub fn render_explain(frame: &mut Frame, area: Rect, app: &App, scroll: usize, theme: &Theme) {
    let Some(flow) = app.pinned() else { return };
    let state = app.state();
    let mut text = Vec::new();
    let differences = flow
        .kernel
        .as_ref()
        .map(|k| verify::differences(state, flow.verdict(), k))
        .unwrap_or_default();
    let kernel = flow.kernel.as_ref().map(|answer| KernelCheck {
        answer,
        differences: &differences,
    });
    let trace = TraceCheck::Unavailable("the fib trace is shown by `routescope get`");
    // writing to memory cannot fail
    let _ = write_text(&mut text, state, &flow.explanation, kernel.as_ref(), &trace);
    let mut lines: Vec<Line> = String::from_utf8_lossy(&text)
        .lines()
        .map(|l| Line::raw(l.to_owned()))
        .collect();
    if let Some(why) = flow.kernel_error.as_deref().filter(|_| kernel.is_none()) {
        lines.push(Line::styled(format!("Kernel   {why}"), theme.warn));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        format!("History  {} change(s) of this answer", flow.history.len()),
        theme.title,
    ));
    for change in flow.history.iter().rev() {
        let cause = change.cause.as_ref().map_or_else(
            || "a change of the state".to_owned(),
            crate::watch::Cause::describe,
        );
        lines.push(Line::styled(
            escape(&format!("{}  after {cause}", change.time)).into_owned(),
            theme.warn,
        ));
        for (word, v) in [("was", &change.before), ("now", &change.after)] {
            lines.push(Line::raw(
                escape(&format!("    {word} {}", verdict_line(state, v))).into_owned(),
            ));
        }
    }
    let height = usize::from(area.height.saturating_sub(2));
    let top = scroll.min(lines.len().saturating_sub(height));
    let title = format!(
        " {} · ↑↓ PgUp PgDn scroll · Esc closes ",
        escape(&flow.text)
    );
    frame.render_widget(Clear, area);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .scroll((u16::try_from(top).unwrap_or(u16::MAX), 0))
            .block(pane_block(title, true, theme)),
        area,
    );
}
