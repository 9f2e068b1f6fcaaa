//! The interfaces pane: links with their addresses, scope and flags.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, filter_note, pane_block, row_style};
use crate::app::{App, Pane};
use crate::model::{Link, State};

/// Draws one line per link, its addresses after it; when focused, the selected link's detail.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let pane = Pane::Interfaces;
    let focused = app.focus() == pane;
    let title = format!(
        " interfaces ({}){} ",
        app.row_count(pane),
        filter_note(app, pane)
    );
    let block = pane_block(title, focused, theme);
    let height = usize::from(block.inner(area).height);
    // the focused pane keeps its last line for the detail, so the window is one row shorter
    let with_detail = focused && height > 2;
    let rows = if with_detail { height - 1 } else { height };
    let window = app.window(pane, rows);
    let mut lines: Vec<Line> = app
        .visible_links()
        .enumerate()
        .skip(window.start)
        .take(window.len())
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
                super::row_mark(false, app.link_marker(link.index), theme),
                Span::styled(format!("{:<8} ", link.name), row_style(app, pane, i, theme)),
                state,
                Span::raw(" "),
                Span::styled(addrs.join(" "), theme.text),
            ])
        })
        .collect();
    if with_detail {
        lines.resize(rows, Line::raw(""));
        if let Some(link) = app.selected_link() {
            lines.push(Line::styled(reach(app.state(), link), theme.muted));
        }
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// The link by name, then which rules make its addresses local: the local routes the kernel added.
fn reach(state: &State, link: &Link) -> String {
    let local_rules: Vec<String> = state
        .rules
        .iter()
        .filter(|r| {
            r.action == crate::model::RuleAction::Lookup && r.table == crate::model::table::LOCAL
        })
        .map(|r| r.priority.to_string())
        .collect();
    let addrs: Vec<String> = state
        .addresses
        .iter()
        .filter(|a| a.index == link.index)
        .map(|a| a.local.to_string())
        .collect();
    if addrs.is_empty() {
        return format!("{}: no addresses", link.name);
    }
    let rules = if local_rules.is_empty() {
        "no rule looks up local!".to_owned()
    } else {
        format!("rule {}", local_rules.join(", "))
    };
    format!(
        "{}: {} local via table local ({rules}): answered on every interface",
        link.name,
        addrs.join(" ")
    )
}
