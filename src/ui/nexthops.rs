//! The routes pane's nexthops view: every nexthop object with its gateway and device, or a
//! group's members with their weights, and what uses it; the selected one's users in full below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, filter_note, pane_block, row_style};
use crate::action::Action;
use crate::app::{App, Pane};
use crate::model::{FIRST_USERS, Nexthop, NexthopUsers, RouteFlags, State, escape};
use crate::report::text::{nexthop_members, route_line};

/// Draws the nexthop objects, one a row, and the selected one's users on the last line.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let pane = Pane::Routes;
    let back = app
        .keymap()
        .label(Action::Nexthops)
        .map(|k| format!(" · {k}: routes"))
        .unwrap_or_default();
    let title = format!(
        " nexthops ({}){}{back} ",
        app.row_count(pane),
        filter_note(app, pane)
    );
    let block = pane_block(title, app.focus() == pane, theme);
    let height = usize::from(block.inner(area).height.saturating_sub(1)).max(1);
    let window = app.window(pane, height);
    let state = app.state();
    let mut lines: Vec<Line> = app
        .visible_nexthops()
        .enumerate()
        .skip(window.start)
        .take(window.len())
        .map(|(i, nh)| {
            let users = app.nexthop_users(nh.id);
            let marker = super::row_mark(false, app.nexthop_marker(nh.id), theme);
            let text = format!(
                "id {:<5} {}  {}",
                nh.id,
                escape(&what(state, nh)),
                uses(users)
            );
            Line::from(vec![
                marker,
                Span::styled(text, row_style(app, pane, i, theme)),
            ])
        })
        .collect();
    if state.nexthops.is_empty() {
        lines.push(Line::styled(
            "no nexthop objects (`ip nexthop` lists none)",
            theme.muted,
        ));
    }
    lines.resize(height, Line::raw(""));
    if let Some(nh) = app.selected_nexthop() {
        let follow = app.keymap().label(Action::Follow).unwrap_or_default();
        let line = detail(state, nh, app.nexthop_users(nh.id), &follow);
        lines.push(Line::styled(escape(&line).into_owned(), theme.muted));
    }
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

/// What a nexthop object is: `via G dev D`, `dev D`, `blackhole`, or a group's members with
/// their weights (`group 1 weight 1, 2 weight 3`), and its flags.
fn what(state: &State, nh: &Nexthop) -> String {
    let mut words = Vec::new();
    if nh.group.is_empty() {
        if let Some(gw) = nh.gateway {
            words.push(format!("via {gw}"));
        }
        if let Some(dev) = nh.dev {
            words.push(format!("dev {}", state.link_name(dev)));
        }
    } else {
        let members: Vec<String> = nh
            .group
            .iter()
            .map(|m| format!("{} weight {}", m.id, m.weight))
            .collect();
        words.push(format!("group {}", members.join(", ")));
        if nh.group_type == 1 {
            words.push("resilient".into());
        }
    }
    if nh.blackhole {
        words.push("blackhole".into());
    }
    if nh.fdb {
        words.push("fdb".into());
    }
    words.extend(RouteFlags(nh.flags).names().into_iter().map(str::to_owned));
    words.join(" ")
}

/// What uses an object, counted: `1 route, group 10`, or `unused`.
fn uses(users: Option<&NexthopUsers>) -> String {
    let Some(u) = users.filter(|u| u.routes > 0 || !u.groups.is_empty()) else {
        return "unused".into();
    };
    let mut parts = Vec::new();
    if u.routes > 0 {
        let plural = if u.routes == 1 { "" } else { "s" };
        parts.push(format!("{} route{plural}", u.routes));
    }
    if !u.groups.is_empty() {
        let ids: Vec<String> = u.groups.iter().map(u32::to_string).collect();
        let plural = if u.groups.len() == 1 { "" } else { "s" };
        parts.push(format!("group{plural} {}", ids.join(", ")));
    }
    format!("used by {}", parts.join(", "))
}

/// The selected object's users by name (the first routes, the groups), a group's members in
/// full, and where the follow key goes from it.
fn detail(state: &State, nh: &Nexthop, users: Option<&NexthopUsers>, follow: &str) -> String {
    let mut parts = Vec::new();
    if let Some(u) = users {
        let routes: Vec<String> = u
            .first_routes
            .iter()
            .filter_map(|(key, at)| state.tables.get(key)?.iter_from(*at).next())
            .map(|r| {
                let table = state.table_names.name(r.table);
                let line = route_line(state, &r);
                let head = line.split(" nhid").next().unwrap_or(&line).to_owned();
                format!("{head} (table {table})")
            })
            .collect();
        if !routes.is_empty() {
            let more = u.routes.saturating_sub(FIRST_USERS.min(u.routes));
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            parts.push(format!("routes {}{more}", routes.join(", ")));
        }
        if !u.groups.is_empty() {
            let ids: Vec<String> = u.groups.iter().map(u32::to_string).collect();
            parts.push(format!("in group {}", ids.join(", ")));
        }
    }
    if !nh.group.is_empty() {
        parts.push(format!(
            "members {}",
            nexthop_members(state, nh.id).join(", ")
        ));
    }
    let next = match (nh.dev, nh.group.first()) {
        (Some(dev), _) => format!("{follow}: to {}", state.link_name(dev)),
        (None, Some(m)) => format!("{follow}: to nexthop {}", m.id),
        (None, None) => String::new(),
    };
    if parts.is_empty() {
        parts.push("nothing uses it".into());
    }
    if !next.is_empty() && !follow.is_empty() {
        parts.push(next);
    }
    parts.join(" · ")
}
