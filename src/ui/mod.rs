//! The screen. Panes only read the `App`; they never change it and never compute a lookup.
//!
//! ```text
//! ┌ interfaces ───────────┐┌ rules (as tall as the rules need, as wide as the widest) ┐
//! │ lo     UP  127.0.0.1/8││     0: from all lookup local                               │
//! │ eth0   UP  10.0.0.2/24││ 32766: from all lookup main                                │
//! ├ routes: all tables (or o: the nexthop objects) ────────────────────────────────────┤
//! │ main   default via 10.0.0.1 dev eth0                                               │
//! │ local  local 10.0.0.2 dev eth0 …                                                   │
//! │ (detail of the selected route: which rules reach it, why it is here)               │
//! ├ watch · route get ───────────────────────────────┐┌ events ─────────────────────────┤
//! │ 8.8.8.8 from 10.0.0.2                             ││ 12:00:01 + route …              │
//! │ rule 32766 → main → via 10.0.0.1 …                ││                                 │
//! ├ lesson (routescope demo NAME only) ───────────────┴─────────────────────────────────┤
//! │ the question; the step's query, what to look at, the answer                        │
//! └────────────────────────────────────────────────────────────────────────────────────┘
//!  status: namespace, counts, resyncs, keys                                    (1 row)
//! ```
//! Help, the findings, the namespace picker and the question on leaving a lesson are overlays
//! drawn last. Zoomed (`zoom.rs`), the focused pane takes the whole screen but the status line.

mod events;
mod findings;
mod help;
mod interfaces;
mod lesson;
mod nexthops;
mod route_get;
mod routes;
mod rules;
mod status;
pub mod theme;
mod watch;
mod zoom;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::{Block, Borders};

use crate::app::{App, Mode, Pane, RoutesView, Tone};
pub use theme::Theme;

/// Where each part of the screen goes (shared by drawing and mouse clicks).
struct Areas {
    interfaces: Rect,
    rules: Rect,
    routes: Rect,
    route_get: Rect,
    events: Rect,
    /// The lesson pane, a band across the screen above the status line (empty without one).
    lesson: Rect,
    status: Rect,
}

/// What the layout depends on besides the screen's size: how many rules the rules pane lists
/// and how wide the widest is drawn.
struct Needs {
    rules: u16,
    rule_width: u16,
    /// The rows the lesson pane wants (0: no lesson).
    lesson: u16,
}

impl Needs {
    /// The needs of the app's current rows on a screen `width` columns wide.
    fn of(app: &App, width: u16) -> Self {
        let names = &app.state().table_names;
        let (mut rules, mut widest) = (0usize, 0usize);
        for rule in app.visible_rules() {
            rules += 1;
            widest = widest.max(rules::text(rule, &names.name(rule.table)).chars().count());
        }
        let clamp = |n: usize| u16::try_from(n).unwrap_or(u16::MAX);
        Self {
            rules: clamp(rules),
            // the marker column and the borders
            rule_width: clamp(widest.saturating_add(3)),
            lesson: lesson::rows_wanted(app, width),
        }
    }
}

/// The fewest rows the routes pane keeps when the rules pane grows: three routes and the detail.
const ROUTES_FLOOR: u16 = 6;

/// The fewest rows the watch and events row keeps when the rules pane grows.
const BOTTOM_FLOOR: u16 = 5;

/// Splits the screen as the diagram above shows. The top row is as tall as the rules need
/// (never shorter than 28% of the screen, never so tall that the routes pane or the bottom row
/// fall below their floors); the rules pane takes the width its widest rule needs, from 55% up to
/// 65%, and the interfaces pane what is left.
fn layout(area: Rect, needs: &Needs) -> Areas {
    let [body, status] = Layout::vertical([Constraint::Min(3), Constraint::Length(1)]).areas(area);
    // a lesson takes what it needs up to two fifths of the screen, from every row above it
    let lesson_rows = needs.lesson.min(body.height.saturating_mul(2) / 5);
    let [body, lesson] =
        Layout::vertical([Constraint::Min(0), Constraint::Length(lesson_rows)]).areas(body);
    let height = body.height;
    // rounded as ratatui rounds a percentage
    let base = (height.saturating_mul(28).saturating_add(50)) / 100;
    let room = height.saturating_sub(ROUTES_FLOOR + BOTTOM_FLOOR).max(base);
    let top = needs.rules.saturating_add(2).max(base).min(room);
    let rest = height.saturating_sub(top);
    let routes_rows = (rest.saturating_mul(37) / 72).max(ROUTES_FLOOR.min(rest));
    let [top, routes, bottom] = Layout::vertical([
        Constraint::Length(top),
        Constraint::Length(routes_rows),
        Constraint::Min(0),
    ])
    .areas(body);
    let width = top.width;
    let rules_width = needs.rule_width.clamp(
        width.saturating_mul(55) / 100,
        width.saturating_mul(65) / 100,
    );
    let [interfaces, rules] =
        Layout::horizontal([Constraint::Min(0), Constraint::Length(rules_width)]).areas(top);
    let [route_get, events] =
        Layout::horizontal([Constraint::Percentage(60), Constraint::Percentage(40)]).areas(bottom);
    Areas {
        interfaces,
        rules,
        routes,
        route_get,
        events,
        lesson,
        status,
    }
}

/// The pane under a screen position, for mouse clicks.
pub fn pane_at(app: &App, screen: Rect, column: u16, row: u16) -> Option<Pane> {
    let a = layout(screen, &Needs::of(app, screen.width));
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
    if app.is_zoomed() {
        zoom::render(frame, app, theme);
    } else {
        let a = layout(frame.area(), &Needs::of(app, frame.area().width));
        interfaces::render(frame, a.interfaces, app, theme);
        rules::render(frame, a.rules, app, theme);
        routes_pane(frame, a.routes, app, theme);
        route_get::render(frame, a.route_get, app, theme);
        events::render(frame, a.events, app, theme);
        lesson::render(frame, a.lesson, app, theme);
        status::render(frame, a.status, app, theme);
    }
    match app.mode() {
        Mode::Help { scroll } => help::render(frame, frame.area(), app, *scroll, theme),
        Mode::Findings { selected } => findings::render(frame, frame.area(), app, *selected, theme),
        Mode::Namespaces { entries, selected } => {
            help::render_namespaces(frame, frame.area(), app, (entries, *selected), theme);
        }
        Mode::LeaveLesson => lesson::render_leave(frame, frame.area(), app, theme),
        _ => {}
    }
}

/// The routes pane as it is set: the routes, or the nexthop objects.
fn routes_pane(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    match app.routes_view() {
        RoutesView::Routes => routes::render(frame, area, app, theme),
        RoutesView::Nexthops { .. } => nexthops::render(frame, area, app, theme),
    }
}

/// A pane's frame: bordered, titled, highlighted when focused (heavier lines, and colour).
fn pane_block(title: String, focused: bool, theme: &Theme) -> Block<'static> {
    let style = if focused { theme.focused } else { theme.border };
    Block::default()
        .borders(Borders::ALL)
        .border_set(if focused {
            theme.focused_borders
        } else {
            theme.borders
        })
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

/// The style of a view row by what it is.
fn tone_style(tone: Tone, theme: &Theme) -> Style {
    match tone {
        Tone::Text => theme.text,
        Tone::Heading => theme.title,
        Tone::Muted => theme.muted,
        Tone::Warning => theme.warn,
        Tone::Bad => theme.bad,
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
