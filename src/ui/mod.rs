//! The screen. Panes only read the `App`; they never change it and never compute a lookup.
//!
//! ```text
//! ┌ interfaces ─────────────┐┌ rules ──────────────────────────────────┐
//! │ lo     UP  127.0.0.1/8  ││     0: from all lookup local            │
//! │ eth0   UP  10.0.0.2/24  ││ 32766: from all lookup main             │
//! ├ routes: all tables ──────────────────────────────────────────────────┤
//! │ main   default via 10.0.0.1 dev eth0                                 │
//! │ local  local 10.0.0.2 dev eth0 …                                     │
//! │ (detail of the selected route: which rules reach it, why it is here) │
//! ├ route get ───────────────────────────────┐┌ events ──────────────────┤
//! │ 8.8.8.8 from 10.0.0.2                    ││ 12:00:01 + route …       │
//! │ rule 32766 → main → via 10.0.0.1 …       ││                          │
//! └──────────────────────────────────────────┘└──────────────────────────┘
//!  status: namespace, counts, resyncs, keys                     (1 row)
//! ```
//! Help and the namespace picker are overlays drawn last.

mod events;
mod findings;
mod help;
mod interfaces;
mod route_get;
mod routes;
mod rules;
mod status;
pub mod theme;
mod watch;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use crate::app::{App, Mode, Pane};
pub use theme::Theme;

/// Where each part of the screen goes (shared by drawing and mouse clicks).
struct Areas {
    interfaces: Rect,
    rules: Rect,
    routes: Rect,
    route_get: Rect,
    events: Rect,
    status: Rect,
}

/// Splits the screen as the diagram above shows.
fn layout(area: Rect) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    let [top, routes, bottom] = Layout::vertical([
        Constraint::Percentage(28),
        Constraint::Percentage(37),
        Constraint::Percentage(35),
    ])
    .areas(body);
    let [interfaces, rules] =
        Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(top);
    let [route_get, events] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(bottom);
    Areas {
        interfaces,
        rules,
        routes,
        route_get,
        events,
        status,
    }
}

/// The pane under a screen position, for mouse clicks.
pub fn pane_at(screen: Rect, column: u16, row: u16) -> Option<Pane> {
    let a = layout(screen);
    let inside = |r: Rect| r.contains(ratatui::layout::Position { x: column, y: row });
    [
        (a.interfaces, Pane::Interfaces),
        (a.rules, Pane::Rules),
        (a.routes, Pane::Routes),
        (a.route_get, Pane::Watch),
        (a.events, Pane::Events),
    ]
    .into_iter()
    .find(|(r, _)| inside(*r))
    .map(|(_, p)| p)
}

/// Draws the whole screen.
pub fn render(frame: &mut Frame, app: &App, theme: &Theme) {
    let a = layout(frame.area());
    interfaces::render(frame, a.interfaces, app, theme);
    rules::render(frame, a.rules, app, theme);
    routes::render(frame, a.routes, app, theme);
    route_get::render(frame, a.route_get, app, theme);
    events::render(frame, a.events, app, theme);
    status::render(frame, a.status, app, theme);
    match app.mode() {
        Mode::Help => help::render(frame, frame.area(), app, theme),
        Mode::Findings { selected } => findings::render(frame, frame.area(), app, *selected, theme),
        Mode::Namespaces { entries, selected } => {
            let followed = app.namespace();
            help::render_namespaces(frame, frame.area(), entries, *selected, followed, theme);
        }
        Mode::Explain { scroll } => watch::render_explain(frame, frame.area(), app, *scroll, theme),
        _ => {}
    }
}

/// A pane's frame: bordered, titled, highlighted when focused.
fn pane_block(title: String, focused: bool, theme: &Theme) -> Block<'static> {
    let style = if focused { theme.focused } else { theme.border };
    Block::default()
        .borders(Borders::ALL)
        .border_set(theme.borders)
        .border_style(style)
        .title(title)
        .title_style(if focused { theme.focused } else { theme.title })
}

/// The style of row `i` of `pane`: reversed when selected and the pane has focus.
fn row_style(app: &App, pane: Pane, i: usize, theme: &Theme) -> Style {
    if app.focus() == pane && app.selected(pane) == i {
        theme.selected
    } else {
        theme.text
    }
}

/// A rectangle centred in `area`, at most `width` × `height`.
fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// A row's first column: `▶` where the pinned answer went, else the mark of the most severe
/// finding about the row, else a space.
fn row_mark(hit: bool, finding: Option<crate::analysis::Severity>, theme: &Theme) -> Span<'static> {
    match (hit, finding) {
        (true, _) => Span::styled("▶", theme.good),
        (false, Some(severity)) => findings::mark(severity, theme),
        (false, None) => Span::raw(" "),
    }
}

/// A filter hint for a pane title.
fn filter_note(app: &App, pane: Pane) -> String {
    let f = app.filter(pane);
    if f.is_empty() {
        String::new()
    } else {
        format!(" [/{}]", crate::model::escape(f))
    }
}
