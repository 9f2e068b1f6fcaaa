//! The rules pane: IPv4 and IPv6 policy rules as `ip rule` prints them.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, filter_note, pane_block, row_style, scroll_offset};
use crate::app::{App, Pane};
use crate::model::Family;

/// Draws the rules; the one the pinned query matched is marked.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let rules = app.visible_rules();
    let title = format!(" rules ({}){} ", rules.len(), filter_note(app, Pane::Rules));
    let block = pane_block(title, app.focus() == Pane::Rules, theme);
    let height = usize::from(block.inner(area).height);
    let matched = app
        .pinned()
        .as_ref()
        .and_then(|p| p.explanation.verdict.rule.as_ref().map(|r| r.priority));
    let pinned_family = app
        .pinned()
        .as_ref()
        .map(|p| Family::of(p.query.destination()));
    let offset = scroll_offset(app.selected(Pane::Rules), height);
    let lines: Vec<Line> = rules
        .iter()
        .enumerate()
        .skip(offset)
        .take(height)
        .map(|(i, rule)| {
            let family = if rule.family == Family::V4 { "4" } else { "6" };
            let hit = matched == Some(rule.priority) && pinned_family == Some(rule.family);
            let marker = if hit {
                Span::styled("▶", theme.good)
            } else {
                Span::raw(" ")
            };
            let text = format!(
                "{family} {:>5}: {}",
                rule.priority,
                rule.selector_text(&app.state().table_names.name(rule.table))
            );
            Line::from(vec![
                marker,
                Span::styled(text, row_style(app, Pane::Rules, i, theme)),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), area);
}
