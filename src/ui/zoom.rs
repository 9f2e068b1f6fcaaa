//! Zoom: the focused pane alone on the screen, above the status line, with the same selection
//! and keys. Zoomed on the watch pane, the selected flow's whole explanation is shown instead.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};

use super::{Theme, events, interfaces, route_get, rules, status, watch};
use crate::app::{App, Mode, Pane};

/// Draws the focused pane over the whole screen but the status line.
pub fn render(frame: &mut Frame, app: &App, theme: &Theme) {
    let [body, line] =
        Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(frame.area());
    match app.focus() {
        Pane::Interfaces => interfaces::render(frame, body, app, theme),
        Pane::Rules => rules::render(frame, body, app, theme),
        Pane::Routes => super::routes_pane(frame, body, app, theme),
        Pane::Watch if matches!(app.mode(), Mode::Prompt(_)) || app.pinned().is_none() => {
            route_get::render(frame, body, app, theme);
        }
        Pane::Watch => watch::render_explain(frame, body, app, theme),
        Pane::Events => events::render(frame, body, app, theme),
    }
    status::render(frame, line, app, theme);
}
