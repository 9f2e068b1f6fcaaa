//! The lesson pane (`routescope demo NAME`): the question, the step's query, what to look at and
//! the answer; and the question on the way out, whether to remove the lesson's namespace.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Theme, centered, pane_block};
use crate::action::Action;
use crate::app::App;
use crate::app::view::wrap;
use crate::keymap::Section;
use crate::model::escape;

/// One paragraph of the pane: a label in the key style (may be empty), its text, and the text's
/// style.
struct Part {
    label: &'static str,
    text: String,
    style: Style,
}

/// The pane's paragraphs for the open lesson's step; the question first when `question`.
fn paragraphs(app: &App, theme: &Theme, question: bool) -> Vec<Part> {
    let Some((lesson, at)) = app.lesson() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if question {
        out.push(Part {
            label: "",
            text: escape(&lesson.question).into_owned(),
            style: theme.title,
        });
    }
    if let Some(step) = lesson.steps.get(at) {
        for (label, text, style) in [
            ("get ", &step.query, theme.text),
            ("look: ", &step.look, theme.text),
            ("answer: ", &step.answer, theme.good),
        ] {
            out.push(Part {
                label,
                text: escape(text).into_owned(),
                style,
            });
        }
    }
    out
}

/// The paragraphs as rows of at most `width` columns, the labels in the key style.
fn rows(app: &App, theme: &Theme, width: u16, question: bool) -> Vec<Line<'static>> {
    let width = usize::from(width).max(1);
    let mut lines = Vec::new();
    for p in paragraphs(app, theme, question) {
        let label_len = p.label.chars().count();
        for (i, row) in wrap(&format!("{}{}", p.label, p.text), width, 0)
            .into_iter()
            .enumerate()
        {
            if i == 0 && label_len > 0 && row.starts_with(p.label) {
                let rest: String = row.chars().skip(label_len).collect();
                lines.push(Line::from(vec![
                    Span::styled(p.label, theme.key),
                    Span::styled(rest, p.style),
                ]));
            } else {
                lines.push(Line::styled(row, p.style));
            }
        }
    }
    lines
}

/// How many rows the pane wants on a screen `width` columns wide (borders included): 0 without a
/// lesson.
pub fn rows_wanted(app: &App, width: u16) -> u16 {
    if app.lesson().is_none() {
        return 0;
    }
    let theme = Theme::new(true, false);
    let count = rows(app, &theme, width.saturating_sub(2), true).len();
    u16::try_from(count.saturating_add(2)).unwrap_or(u16::MAX)
}

/// Draws the lesson: the title with the step and its keys, then the paragraphs; a pane too short
/// for all of them leaves the question out (the title names the lesson), so that the step's
/// answer shows.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some((lesson, at)) = app.lesson() else {
        return;
    };
    let key = |action| app.keymap().shown(Section::Lesson, action);
    let title = format!(
        " lesson: {} · step {}/{} · {} next · {} back ",
        escape(&lesson.title),
        at + 1,
        lesson.steps.len(),
        key(Action::NextLesson),
        key(Action::PrevLesson)
    );
    let inner = area.width.saturating_sub(2);
    let question = area.height >= rows_wanted(app, area.width);
    frame.render_widget(
        Paragraph::new(rows(app, theme, inner, question)).block(pane_block(title, false, theme)),
        area,
    );
}

/// The question on the way out: remove the namespace the lesson built, or keep it (default).
pub fn render_leave(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let namespace = app
        .lesson()
        .map(|(l, _)| escape(&l.namespace).into_owned())
        .unwrap_or_default();
    let rect = centered(area, 70, 6);
    let lines = vec![
        Line::raw(format!(
            "Remove the namespace {namespace} the lesson built? [y/N]"
        )),
        Line::raw(""),
        Line::styled(
            "y: remove it · n or Enter: keep it · Esc: back to the lesson",
            theme.muted,
        ),
    ];
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: true })
            .block(pane_block(" leave the lesson ".into(), true, theme)),
        rect,
    );
}
