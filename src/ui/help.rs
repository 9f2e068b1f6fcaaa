//! Overlays: the help generated from the keymap, and the namespace picker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, centered, pane_block};
use crate::app::App;
use crate::model::escape;
use crate::net::{Found, NetnsInfo};

/// The keys and what they do, straight from the keymap.
pub fn render(frame: &mut Frame, area: Rect, app: &App, theme: &Theme) {
    let help = app.keymap().help();
    let height = u16::try_from(help.len() + 4).unwrap_or(u16::MAX);
    let rect = centered(area, 78, height);
    let mut lines: Vec<Line> = help
        .into_iter()
        .map(|(keys, what)| {
            Line::from(vec![
                // both come from a keymap file the user may edit
                Span::styled(format!("{:<14}", escape(&keys)), theme.key),
                Span::raw(escape(what).into_owned()),
            ])
        })
        .collect();
    lines.push(Line::styled(
        "keys: assets/keymap.toml, overridable in ~/.config/routescope/keymap.toml",
        theme.muted,
    ));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(" help (? or Esc closes) ".into(), true, theme)),
        rect,
    );
}

/// The namespaces to follow, the one routescope started in first; that one and the one
/// followed now are marked.
pub fn render_namespaces(
    frame: &mut Frame,
    area: Rect,
    entries: &[Found],
    selected: usize,
    followed: &NetnsInfo,
    theme: &Theme,
) {
    let rect = centered(
        area,
        64,
        u16::try_from(entries.len() + 2).unwrap_or(u16::MAX).max(5),
    );
    let lines: Vec<Line> = entries
        .iter()
        .enumerate()
        .map(|(i, found)| {
            let following = &found.target == followed.target()
                || found.id.is_some() && found.id == followed.id();
            let mark = if following { "* " } else { "  " };
            let started = if found.started_in {
                "  (started here)"
            } else {
                ""
            };
            // names, paths and command names from the host: any bytes
            Line::styled(
                format!("{mark}{}{started}", escape(&found.name)),
                if i == selected {
                    theme.selected
                } else {
                    theme.text
                },
            )
        })
        .collect();
    frame.render_widget(Clear, rect);
    let title = " network namespaces (* followed): Enter follows, Esc ".into();
    // a long list scrolls so that the selected entry stays in view
    let rows = usize::from(rect.height.saturating_sub(2)).max(1);
    let first = u16::try_from(selected.saturating_sub(rows - 1)).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((first, 0))
            .block(pane_block(title, true, theme)),
        rect,
    );
}
