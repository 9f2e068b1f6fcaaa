//! Overlays: the help generated from the keymap (every section, wrapped, scrolled), and the
//! namespace picker.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::{Theme, centered, pane_block, tone_style};
use crate::action::Action;
use crate::app::App;
use crate::app::Tone;
use crate::app::view::{help_key_column, help_rows, help_size};
use crate::keymap::Section;
use crate::model::escape;
use crate::net::{Found, NetnsInfo};

/// The keys and what they do, straight from the keymap: as tall as the screen, scrolled by
/// `scroll` rows when it is taller.
pub fn render(frame: &mut Frame, area: Rect, app: &App, scroll: usize, theme: &Theme) {
    let (width, height) = help_size(area.width, area.height);
    let rect = centered(area, width, height);
    let inner_width = usize::from(rect.width.saturating_sub(2));
    let visible = usize::from(rect.height.saturating_sub(2));
    let rows = help_rows(app.keymap(), inner_width);
    let top = scroll.min(rows.len().saturating_sub(visible));
    let column = help_key_column(inner_width);
    let lines: Vec<Line> = rows
        .iter()
        .skip(top)
        .take(visible)
        .map(|row| match row.tone {
            // an action's row: its keys in the first column, the description beside them
            Tone::Text => Line::from(vec![
                Span::styled(format!("{:<column$}", row.keys), theme.key),
                Span::raw(row.text.clone()),
            ]),
            tone => Line::styled(row.text.clone(), tone_style(tone, theme)),
        })
        .collect();
    let keys = app.keymap();
    let last = (top + visible).min(rows.len());
    let title = format!(
        " help · {}{} scroll · {} closes · {}–{last} of {} ",
        keys.shown(Section::View, Action::Up),
        keys.shown(Section::View, Action::Down),
        keys.shown(Section::View, Action::Close),
        (top + 1).min(last),
        rows.len()
    );
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines).block(pane_block(escape(&title).into_owned(), true, theme)),
        rect,
    );
}

/// The namespaces to follow, the one routescope started in first; that one and the one
/// followed now are marked.
pub fn render_namespaces(
    frame: &mut Frame,
    area: Rect,
    app: &App,
    (entries, selected): (&[Found], usize),
    theme: &Theme,
) {
    let followed: &NetnsInfo = app.namespace();
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
    let keys = app.keymap();
    let title = format!(
        " network namespaces (* followed): {} follows, {} closes ",
        keys.shown(Section::Picker, Action::Accept),
        keys.shown(Section::Picker, Action::Close)
    );
    // a long list scrolls so that the selected entry stays in view
    let rows = usize::from(rect.height.saturating_sub(2)).max(1);
    let first = u16::try_from(selected.saturating_sub(rows - 1)).unwrap_or(u16::MAX);
    frame.render_widget(
        Paragraph::new(lines).scroll((first, 0)).block(pane_block(
            escape(&title).into_owned(),
            true,
            theme,
        )),
        rect,
    );
}
