//! Overlays: the help generated from the keymap, and the namespace picker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, centered, pane_block};
use crate::app::App;
use crate::model::escape;

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

/// The namespaces to follow; the first entry is the one routescope started in.
pub fn render_namespaces(
    frame: &mut Frame,
    area: Rect,
    names: &[String],
    selected: usize,
    theme: &Theme,
) {
    let rect = centered(
        area,
        50,
        u16::try_from(names.len() + 3).unwrap_or(u16::MAX).max(5),
    );
    let entries = std::iter::once("(the namespace routescope started in)".to_owned())
        .chain(names.iter().cloned());
    let lines: Vec<Line> = entries
        .enumerate()
        .map(|(i, name)| {
            // directory names under /run/netns: any bytes
            Line::styled(
                escape(&name).into_owned(),
                if i == selected {
                    theme.selected
                } else {
                    theme.text
                },
            )
        })
        .collect();
    frame.render_widget(Clear, rect);
    let title = " network namespaces (/run/netns): Enter follows, Esc ".into();
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(title, true, theme)),
        rect,
    );
}
