//! The rules pane: IPv4 and IPv6 policy rules as `ip rule` prints them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, filter_note, pane_block, row_style};
use crate::app::{App, Pane};
use crate::model::{Family, Rule};

/// Draws the rules; the one the pinned query matched is marked.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let title = format!(
        " rules ({}){} ",
        app.row_count(Pane::Rules),
        filter_note(app, Pane::Rules)
    );
    let block = pane_block(title, app.focus() == Pane::Rules, theme);
    let height = usize::from(block.inner(area).height);
    let matched = app
        .pinned()
        .and_then(|p| p.explanation.verdict.rule.as_ref().map(|r| r.priority));
    let pinned_family = app.pinned().map(|p| Family::of(p.query.destination()));
    let window = app.window(Pane::Rules, height);
    let lines: Vec<Line> = app
        .visible_rules()
        .enumerate()
        .skip(window.start)
        .take(window.len())
        .map(|(i, rule)| {
            let hit = matched == Some(rule.priority) && pinned_family == Some(rule.family);
            let marker = super::row_mark(hit, app.rule_marker(rule), theme);
            let text = text(rule, &app.state().table_names.name(rule.table));
            Line::from(vec![
                marker,
                Span::styled(text, row_style(app, Pane::Rules, i, theme)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// A rule's row: its family's digit, its priority and what it selects and does.
pub fn text(rule: &Rule, table: &str) -> String {
    let family = if rule.family == Family::V4 { "4" } else { "6" };
    format!(
        "{family} {:>5}: {}",
        rule.priority,
        rule.selector_text(table)
    )
}
