//! The findings overlay (`!`): the diagnosis by severity; the selected finding's why, fix and
//! evidence below the list. Severity is shown as a letter too, never by colour alone.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Theme, centered, pane_block};
use crate::action::Action;
use crate::analysis::Severity;
use crate::app::App;
use crate::keymap::Section;
use crate::model::escape;

/// The one-letter mark of a severity and its style: `E` error, `W` warning, `i` info.
pub fn mark(severity: Severity, theme: &Theme) -> Span<'static> {
    match severity {
        Severity::Error => Span::styled("E", theme.bad),
        Severity::Warning => Span::styled("W", theme.warn),
        Severity::Info => Span::styled("i", theme.muted),
    }
}

/// Draws the findings list and the selected finding's details.
pub fn render(frame: &mut Frame, area: Rect, app: &App, selected: usize, theme: &Theme) {
    let rect = centered(
        area,
        area.width.saturating_sub(4).max(40),
        area.height.saturating_sub(2),
    );
    let findings = app.findings();
    let mut lines: Vec<Line> = Vec::new();
    if findings.is_empty() {
        lines.push(Line::styled(
            "nothing found: no check reports a problem",
            theme.good,
        ));
    }
    for (i, f) in findings.iter().enumerate() {
        let style = if i == selected {
            theme.selected
        } else {
            theme.text
        };
        lines.push(Line::from(vec![
            mark(f.severity, theme),
            Span::raw(" "),
            Span::styled(format!("{:<8}", f.severity.name()), style),
            Span::styled(format!("[{}] {}", f.id, escape(&f.message)), style),
        ]));
    }
    if let Some(f) = findings.get(selected) {
        lines.push(Line::raw(""));
        lines.push(Line::from(vec![
            Span::styled("why   ", theme.key),
            Span::raw(escape(&f.why).into_owned()),
        ]));
        for fix in &f.fix {
            lines.push(Line::from(vec![
                Span::styled("fix   ", theme.key),
                Span::raw(escape(fix).into_owned()),
            ]));
        }
        let accept = escape(&app.keymap().shown(Section::Picker, Action::Accept)).into_owned();
        let see = f.evidence.as_ref().map_or_else(
            || "no query shows this one".to_owned(),
            |q| format!("{accept} watches `get {}`", escape(q)),
        );
        lines.push(Line::from(vec![
            Span::styled("see   ", theme.key),
            Span::raw(see),
        ]));
    }
    let (e, w, i) = app.finding_counts();
    let keys = app.keymap();
    let title = format!(
        " findings: {e} error, {w} warning, {i} info ({} chooses, {} closes) ",
        keys.shown(Section::Picker, Action::Accept),
        keys.shown(Section::Picker, Action::Close)
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(pane_block(escape(&title).into_owned(), true, theme)),
        rect,
    );
}
