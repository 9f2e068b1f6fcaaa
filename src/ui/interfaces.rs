//! The interfaces pane: links with their addresses, scope and flags.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, filter_note, pane_block, row_style, scroll_offset};
use crate::app::{App, Pane};

/// Draws one line per link, its addresses after it.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let title = format!(
        " interfaces ({}){} ",
        app.state().links.len(),
        filter_note(app, Pane::Interfaces)
    );
    let block = pane_block(title, app.focus() == Pane::Interfaces, theme);
    let height = usize::from(block.inner(area).height);
    let filter = app.filter(Pane::Interfaces);
    let offset = scroll_offset(app.selected(Pane::Interfaces), height);
    let lines: Vec<Line> = app
        .state()
        .links
        .values()
        .enumerate()
        .filter(|(_, l)| filter.is_empty() || l.name.contains(filter))
        .skip(offset)
        .take(height)
        .map(|(i, link)| {
            let state = if link.is_up() {
                Span::styled("UP  ", theme.good)
            } else {
                Span::styled("DOWN", theme.bad)
            };
            let addrs: Vec<String> = app
                .state()
                .addresses
                .iter()
                .filter(|a| a.index == link.index)
                .map(|a| {
                    let second = if a.is_secondary() { "²" } else { "" };
                    format!("{}/{}{second}", a.local, a.prefix_len)
                })
                .collect();
            Line::from(vec![
                Span::styled(
                    format!("{:<8} ", link.name),
                    row_style(app, Pane::Interfaces, i, theme),
                ),
                state,
                Span::raw(" "),
                Span::styled(addrs.join(" "), theme.text),
            ])
        })
        .collect();
    let mut lines = lines;
    if app.focus() == Pane::Interfaces && height > 2 {
        lines.truncate(height - 1);
        lines.resize(height - 1, Line::raw(""));
        let link = app
            .state()
            .links
            .values()
            .nth(app.selected(Pane::Interfaces));
        if let Some(link) = link {
            lines.push(Line::styled(reach(app, link.index), theme.muted));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Which rules make the link's addresses local: the local routes the kernel added for them.
fn reach(app: &App, index: u32) -> String {
    let state = app.state();
    let local_rules: Vec<String> = state
        .rules
        .iter()
        .filter(|r| r.action == crate::model::RuleAction::Lookup && r.table == 255)
        .map(|r| r.priority.to_string())
        .collect();
    let addrs: Vec<String> = state
        .addresses
        .iter()
        .filter(|a| a.index == index)
        .map(|a| a.local.to_string())
        .collect();
    if addrs.is_empty() {
        return "no addresses".into();
    }
    let rules = if local_rules.is_empty() {
        "no rule looks up local!".to_owned()
    } else {
        format!("rule {}", local_rules.join(", "))
    };
    format!(
        "{} local via table local ({rules}): answered on every interface",
        addrs.join(" ")
    )
}
