//! The watch pane (the route-get panel): the prompt while typing; else the watched flows, one
//! line each, above the selected flow's explanation and the kernel's answer.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::{Theme, pane_block};
use crate::action::Action;
use crate::app::{App, Mode, Pane, Watched};
use crate::keymap::Section;
use crate::lookup::{Confidence, Stage, StepResult};
use crate::model::{State, escape};
use crate::report::explain;
use crate::verify;

/// The fewest rows the watch pane needs to list the flows above the explanation.
const LIST_MIN_ROWS: u16 = 6;

/// Draws the prompt while typing, else the watch list and the selected flow's explanation, else
/// a hint.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let typing = matches!(app.mode(), Mode::Prompt(_));
    let count = app.watch().len();
    let keys = app.keymap();
    let get = keys
        .label(Action::RouteGet)
        .map(|k| format!(" ({})", escape(&k)))
        .unwrap_or_default();
    let title = match count {
        0 => format!(" watch (0) · route get{get} "),
        n => format!(
            " watch ({}/{n}) · route get{get} ",
            app.selected(Pane::Watch) + 1
        ),
    };
    let block = pane_block(title, typing || app.focus() == Pane::Watch, theme);
    let inner = block.inner(area);
    let lines = if let Mode::Prompt(input) = app.mode() {
        let width = usize::from(inner.width.saturating_sub(2));
        let scroll = input.visual_scroll(width);
        let cursor_x = input.visual_cursor().saturating_sub(scroll) + 2;
        let x = inner.x
            + u16::try_from(cursor_x)
                .unwrap_or(inner.width)
                .min(inner.width.saturating_sub(1));
        frame.set_cursor_position((x, inner.y));
        let shown: String = input.value().chars().skip(scroll).collect();
        let mut lines = vec![Line::from(vec![
            Span::styled("› ", theme.key),
            Span::raw(shown),
        ])];
        match app.prompt_error() {
            // the error quotes what was typed
            Some(e) => lines.push(Line::styled(escape(e).into_owned(), theme.bad)),
            None => lines.push(Line::styled(
                "e.g. 8.8.8.8 from 10.0.0.2 mark 0x10 ipproto tcp dport 443",
                theme.muted,
            )),
        }
        let hint = format!(
            "{}: watch it · {}: complete a device · {}{}: history · {}: cancel",
            keys.shown(Section::Prompt, Action::Accept),
            keys.shown(Section::Prompt, Action::Complete),
            keys.shown(Section::Prompt, Action::HistoryPrev),
            keys.shown(Section::Prompt, Action::HistoryNext),
            keys.shown(Section::Prompt, Action::Close),
        );
        lines.push(Line::styled(escape(&hint).into_owned(), theme.muted));
        lines
    } else if let Some(pinned) = app.pinned() {
        // the list one row a flow, cut at the pane's edge; the explanation wraps below it. A
        // pane of a few rows keeps them for the explanation (the title counts the flows)
        let list = if inner.height >= LIST_MIN_ROWS {
            super::watch::list_lines(app, usize::from(inner.height), theme)
        } else {
            Vec::new()
        };
        let rows = u16::try_from(list.len())
            .unwrap_or(u16::MAX)
            .min(inner.height);
        let [top, rest] =
            Layout::vertical([Constraint::Length(rows), Constraint::Min(0)]).areas(inner);
        frame.render_widget(block, area);
        frame.render_widget(Paragraph::new(list), top);
        let lines = explanation_lines(app.state(), pinned, app.is_snapshot(), theme);
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
        return;
    } else {
        let text = format!(
            "Press {} and type what you would type after `ip route get`, e.g. 5.5.5.5 from \
             11.22.33.44. The flow is watched: its answer stays current, checked with the kernel.",
            keys.shown(Section::Normal, Action::RouteGet)
        );
        vec![Line::styled(escape(&text).into_owned(), theme.muted)]
    };
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        area,
    );
}

/// A watched flow's explanation: verdict first, then the kernel, the verdict's caveats and the
/// paths it may take, then the steps that decided.
pub fn explanation_lines<'a>(
    state: &State,
    pinned: &Watched,
    snapshot: bool,
    theme: &Theme,
) -> Vec<Line<'a>> {
    let e = &pinned.explanation;
    let v = &e.verdict;
    let mut lines = vec![Line::from(vec![
        Span::styled("get ", theme.key),
        Span::raw(escape(&e.query.to_words()).into_owned()),
    ])];
    let verdict_style = if v.is_ok() { theme.good } else { theme.bad };
    let approx = if v.confidence == Confidence::Approximate {
        " (approximate)"
    } else {
        ""
    };
    lines.push(Line::styled(
        escape(&format!("{}{approx}", v.summary)).into_owned(),
        verdict_style,
    ));
    match &pinned.kernel {
        None if snapshot => lines.push(Line::styled(
            "kernel: not asked (explaining a snapshot)",
            theme.muted,
        )),
        None => match &pinned.kernel_error {
            Some(why) => lines.push(Line::styled(format!("kernel: {why}"), theme.warn)),
            None => lines.push(Line::styled("kernel: asking…", theme.muted)),
        },
        Some(k) => {
            let diffs = verify::differences(state, v, k);
            if diffs.is_empty() {
                lines.push(Line::styled("kernel: agrees", theme.good));
            } else {
                lines.push(Line::styled(
                    escape(&format!("kernel: DISAGREES: {}", diffs.join("; "))).into_owned(),
                    theme.bad,
                ));
            }
        }
    }
    // the verdict's caveats before the steps, so a short pane shows them
    if let Some(note) = &v.note {
        lines.push(Line::styled(escape(note).into_owned(), theme.warn));
    }
    for path in explain::candidate_lines(state, v) {
        lines.push(Line::styled(escape(&path).into_owned(), theme.warn));
    }
    if let Some(why) = &pinned.invalid {
        lines.push(Line::styled(escape(why).into_owned(), theme.warn));
    }
    if let Some(changed) = pinned.changed() {
        lines.push(Line::styled(escape(&changed).into_owned(), theme.warn));
    }
    let skipped = e
        .steps
        .iter()
        .filter(|s| s.result == StepResult::Skipped)
        .count();
    if skipped > 0 {
        lines.push(Line::styled(
            format!("{skipped} rule(s) passed over (selectors did not match)"),
            theme.muted,
        ));
    }
    for step in e
        .steps
        .iter()
        .filter(|s| !matches!(s.stage, Stage::Flow | Stage::Verdict))
    {
        if step.result == StepResult::Skipped {
            continue;
        }
        let text = format!(
            "{} → {}",
            explain::step_text(state, step),
            explain::result_word(&step.result)
        );
        lines.push(Line::raw(escape(&text).into_owned()));
    }
    lines
}
