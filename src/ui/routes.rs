//! The routes pane: every table or one, drawn as a window so a million routes cost nothing.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, filter_note, pane_block, row_style};
use crate::app::{App, Pane};
use crate::model::{Family, Route, RouteKind, RuleAction, State};
use crate::report::text::{family_label, nexthop_members, route_line};

/// Draws the visible window of routes and a detail line for the selected one.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let count = app.route_count();
    let which = match app.routes_table() {
        None => "all tables".to_owned(),
        Some((family, id)) => {
            let from_rule = if app.focus() == Pane::Rules {
                ", the selected rule's"
            } else {
                ""
            };
            format!(
                "table {} ({}{from_rule})",
                app.state().table_names.name(id),
                family_label(family)
            )
        }
    };
    let title = format!(
        " routes: {which} ({count}){} ",
        filter_note(app, Pane::Routes)
    );
    let block = pane_block(title, app.focus() == Pane::Routes, theme);
    let inner = block.inner(area);
    let height = usize::from(inner.height.saturating_sub(1)).max(1);
    let window = app.window(Pane::Routes, height);
    let pinned = app
        .pinned()
        .and_then(|p| p.explanation.verdict.route.as_ref());
    let mut lines: Vec<Line> = app
        .route_window(window.start, window.len())
        .into_iter()
        .enumerate()
        .map(|(n, route)| {
            let i = window.start + n;
            let hit = pinned.is_some_and(|p| p.table == route.table && p.same_route(&route));
            let marker = super::row_mark(hit, app.route_marker(&route), theme);
            let table = app.state().table_names.name(route.table);
            // the one-line form: the padding `dump` uses to align columns costs width here
            let text = format!("{table:<6} {}", route_line(app.state(), &route));
            Line::from(vec![
                marker,
                Span::styled(text, row_style(app, Pane::Routes, i, theme)),
            ])
        })
        .collect();
    lines.resize(height, Line::raw(""));
    if let Some(route) = app.selected_route() {
        lines.push(Line::styled(detail(app.state(), &route), theme.muted));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// Why a route is there and which rules can reach it, in one line; a route through a nexthop
/// object names the object's nexthops first (a group's members with their weights).
pub fn detail(state: &State, route: &Route) -> String {
    let members = nexthop_members(state, route.nhid);
    let why = reason(state, route);
    if members.is_empty() {
        return why;
    }
    format!("nhid {}: {} · {why}", route.nhid, members.join(", "))
}

/// Why a route is there and which rules can reach it.
fn reason(state: &State, route: &Route) -> String {
    let reached: Vec<String> = state
        .rules_of(route.family())
        .filter(|r| r.action == RuleAction::Lookup && r.table == route.table)
        .map(|r| r.priority.to_string())
        .collect();
    let rules = if reached.is_empty() {
        "no rule looks this table up".to_owned()
    } else {
        format!("reached by rule {}", reached.join(", "))
    };
    let kernel_local = route.table == crate::model::table::LOCAL && route.protocol == 2;
    let owner = route
        .prefsrc
        .and_then(|src| state.addresses.iter().find(|a| a.local == src));
    match (kernel_local, route.kind, owner) {
        (true, RouteKind::Local, Some(a))
            if a.prefix_len == route.family().max_prefix_len() || route.dst.addr() == a.local =>
        {
            format!(
                "added by the kernel for {} on {}: rule 0 looks up local first, so the host answers for it on every interface",
                a.local,
                state.link_name(a.index)
            )
        }
        (true, RouteKind::Local, Some(a)) => format!(
            "added by the kernel for {}/{} on {}: every address in {} is this host",
            a.local,
            a.prefix_len,
            state.link_name(a.index),
            route.dst
        ),
        (true, RouteKind::Broadcast, Some(a)) => {
            format!(
                "added by the kernel: the broadcast address of {}/{} on {}",
                a.local,
                a.prefix_len,
                state.link_name(a.index)
            )
        }
        _ if route.family() == Family::V6 && route.table == crate::model::table::LOCAL => format!(
            "added by the kernel for IPv6 on {}; {rules}",
            state.link_name(route.dev())
        ),
        _ => rules,
    }
}
