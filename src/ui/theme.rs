//! Semantic styles: panes say what a thing is, the theme says how it looks.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// How each kind of text and border is drawn.
#[derive(Debug, Clone, Copy)]
pub struct Theme {
    pub text: Style,
    pub muted: Style,
    pub border: Style,
    pub focused: Style,
    pub title: Style,
    pub selected: Style,
    pub good: Style,
    pub bad: Style,
    pub warn: Style,
    pub key: Style,
    pub borders: border::Set<'static>,
}

/// Borders for terminals without box-drawing glyphs.
const ASCII: border::Set<'static> = border::Set {
    top_left: "+",
    top_right: "+",
    bottom_left: "+",
    bottom_right: "+",
    vertical_left: "|",
    vertical_right: "|",
    horizontal_top: "-",
    horizontal_bottom: "-",
};

impl Theme {
    /// Colours readable on dark and light backgrounds (no fixed background, mid-range hues),
    /// or none at all when `no_color` (the `NO_COLOR` convention).
    pub fn new(no_color: bool, ascii: bool) -> Self {
        let c = |color: Color| {
            if no_color {
                Style::new()
            } else {
                Style::new().fg(color)
            }
        };
        Self {
            text: Style::new(),
            muted: if no_color {
                Style::new()
            } else {
                Style::new().fg(Color::DarkGray)
            },
            border: c(Color::DarkGray),
            focused: c(Color::Cyan).add_modifier(Modifier::BOLD),
            title: Style::new().add_modifier(Modifier::BOLD),
            selected: Style::new().add_modifier(Modifier::REVERSED),
            good: c(Color::Green),
            bad: c(Color::Red).add_modifier(Modifier::BOLD),
            warn: c(Color::Yellow),
            key: c(Color::Cyan).add_modifier(Modifier::BOLD),
            borders: if ascii { ASCII } else { border::PLAIN },
        }
    }

    /// The theme the environment asks for: `NO_COLOR` set (to anything) turns colour off.
    pub fn from_env(ascii: bool) -> Self {
        Self::new(
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ascii,
        )
    }
}
