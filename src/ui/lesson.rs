//! The lesson pane (`routescope demo NAME`): the question, the step's query, what to look at and
//! the answer; and the question on the way out, whether to remove the lesson's namespace.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

use super::{Theme, centered, pane_block};
use crate::action::Action;
use crate::app::App;
use crate::model::escape;

/// The pane's paragraphs (before wrapping), for the open lesson's step; the question first
/// when `question`.
fn lines(app: &App, theme: &Theme, question: bool) -> Vec<Line<'static>> {
    let Some((lesson, at)) = app.lesson() else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if question {
        lines.push(Line::styled(
            escape(&lesson.question).into_owned(),
            theme.title,
        ));
    }
    if let Some(step) = lesson.steps.get(at) {
        lines.push(Line::from(vec![
            Span::styled("get ", theme.key),
            Span::raw(escape(&step.query).into_owned()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("look: ", theme.key),
            Span::raw(escape(&step.look).into_owned()),
        ]));
        lines.push(Line::from(vec![
            Span::styled("answer: ", theme.key),
            Span::styled(escape(&step.answer).into_owned(), theme.good),
        ]));
    }
    lines
}

/// How many rows the pane wants at `width` columns (borders included): its paragraphs wrapped
/// word by word as the pane wraps them; 0 without a lesson.
pub fn rows_wanted(app: &App, width: u16) -> u16 {
    rows_of(app, width, true)
}

/// The rows the paragraphs take at `width` columns (borders included), with the question or
/// without.
fn rows_of(app: &App, width: u16, question: bool) -> u16 {
    if app.lesson().is_none() {
        return 0;
    }
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let theme = Theme::new(true, false);
    let rows: usize = lines(app, &theme, question)
        .iter()
        .map(|line| {
            let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
            wrapped_rows(&text, inner)
        })
        .sum();
    u16::try_from(rows.saturating_add(2)).unwrap_or(u16::MAX)
}

/// The rows `text` takes wrapped at word boundaries into `width` columns (a word longer than a
/// row spills over whole rows, as the pane cuts it).
fn wrapped_rows(text: &str, width: usize) -> usize {
    let (mut rows, mut used) = (1, 0);
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if used > 0 && used + 1 + len <= width {
            used += 1 + len;
            continue;
        }
        if used > 0 {
            rows += 1;
        }
        rows += len.saturating_sub(1) / width;
        used = len.saturating_sub(1) % width + 1;
    }
    rows
}

/// Draws the lesson: the title with the step and its keys, then the paragraphs, wrapped; a pane
/// too short for all of them leaves the question out (the title names the lesson), so that
/// the step's answer shows.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let Some((lesson, at)) = app.lesson() else {
        return;
    };
    let key = |action| app.keymap().label(action).unwrap_or_default();
    let title = format!(
        " lesson: {} · step {}/{} · {} next · {} back ",
        escape(&lesson.title),
        at + 1,
        lesson.steps.len(),
        key(Action::NextLesson),
        key(Action::PrevLesson)
    );
    let question = area.height >= rows_of(app, area.width, true);
    frame.render_widget(
        Paragraph::new(lines(app, theme, question))
            .wrap(Wrap { trim: true })
            .block(pane_block(title, false, theme)),
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
