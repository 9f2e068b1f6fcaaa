//! Semantic styles: panes say what a thing is, the theme says how it looks. Every theme says the
//! same things in words and glyphs (`kernel DISAGREES`, `E`/`W`/`i`, `▶`, a thick border on the
//! focused pane, reverse video on the selection), so colour is never the only sign.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

use crate::config::ThemeName;

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
    /// The focused pane's border: heavier lines, so focus shows without colour.
    pub focused_borders: border::Set<'static>,
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

/// The focused pane's border in ASCII.
const ASCII_FOCUSED: border::Set<'static> = border::Set {
    top_left: "#",
    top_right: "#",
    bottom_left: "#",
    bottom_right: "#",
    vertical_left: "#",
    vertical_right: "#",
    horizontal_top: "=",
    horizontal_bottom: "=",
};

/// The colours of a theme, by meaning.
struct Palette {
    muted: Option<Color>,
    border: Color,
    accent: Color,
    good: Color,
    bad: Color,
    warn: Color,
    /// Bold everywhere a colour alone would be faint (high contrast).
    strong: bool,
}

impl Palette {
    /// The colours of a named theme.
    fn of(name: ThemeName) -> Self {
        match name {
            // mid-range hues on whatever dark background the terminal has
            ThemeName::Dark => Self {
                muted: Some(Color::DarkGray),
                border: Color::DarkGray,
                accent: Color::Cyan,
                good: Color::Green,
                bad: Color::Red,
                warn: Color::Yellow,
                strong: false,
            },
            // deep hues that read on white: no yellow, no cyan, no light grey
            ThemeName::Light => Self {
                muted: Some(Color::DarkGray),
                border: Color::DarkGray,
                accent: Color::Blue,
                good: Color::Green,
                bad: Color::Red,
                warn: Color::Magenta,
                strong: false,
            },
            // bright hues in bold; muted text is not dimmed at all
            ThemeName::HighContrast => Self {
                muted: None,
                border: Color::White,
                accent: Color::LightCyan,
                good: Color::LightGreen,
                bad: Color::LightRed,
                warn: Color::LightYellow,
                strong: true,
            },
        }
    }
}

impl Theme {
    /// The dark theme, or no colour at all when `no_color` (the `NO_COLOR` convention).
    pub fn new(no_color: bool, ascii: bool) -> Self {
        Self::named(ThemeName::Dark, no_color, ascii)
    }

    /// The theme `name`; `no_color` drops every colour and keeps bold and reverse video.
    pub fn named(name: ThemeName, no_color: bool, ascii: bool) -> Self {
        let p = Palette::of(name);
        let c = |color: Color| {
            if no_color {
                Style::new()
            } else {
                Style::new().fg(color)
            }
        };
        let bold = |style: Style| style.add_modifier(Modifier::BOLD);
        let strong = |style: Style| if p.strong { bold(style) } else { style };
        Self {
            text: Style::new(),
            muted: p.muted.map_or_else(Style::new, c),
            border: c(p.border),
            focused: bold(c(p.accent)),
            title: bold(Style::new()),
            selected: strong(Style::new().add_modifier(Modifier::REVERSED)),
            good: strong(c(p.good)),
            bad: bold(c(p.bad)),
            warn: strong(c(p.warn)),
            key: bold(c(p.accent)),
            borders: if ascii { ASCII } else { border::PLAIN },
            focused_borders: if ascii { ASCII_FOCUSED } else { border::THICK },
        }
    }

    /// The theme the command line or config asks for; `NO_COLOR` set (to anything) turns
    /// colour off.
    pub fn from_env(name: ThemeName, ascii: bool) -> Self {
        Self::named(
            name,
            std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
            ascii,
        )
    }
}

#[cfg(test)]
mod tests {
    use ratatui::style::{Color, Modifier, Style};

    use super::{Theme, ThemeName};

    /// Every style of a theme.
    fn styles(t: &Theme) -> [Style; 10] {
        [
            t.text, t.muted, t.border, t.focused, t.title, t.selected, t.good, t.bad, t.warn, t.key,
        ]
    }

    #[test]
    fn every_theme_shows_focus_and_selection_without_colour() {
        for name in [ThemeName::Dark, ThemeName::Light, ThemeName::HighContrast] {
            for no_color in [false, true] {
                let t = Theme::named(name, no_color, false);
                assert!(
                    t.selected.add_modifier.contains(Modifier::REVERSED),
                    "{name:?}"
                );
                assert_ne!(t.focused_borders.vertical_left, t.borders.vertical_left);
                if no_color {
                    assert!(styles(&t).iter().all(|s| s.fg.is_none()), "{name:?}");
                }
            }
            let ascii = Theme::named(name, false, true);
            assert_ne!(ascii.focused_borders.top_left, ascii.borders.top_left);
        }
    }

    #[test]
    fn light_avoids_the_colours_a_white_background_hides() {
        let t = Theme::named(ThemeName::Light, false, false);
        for style in styles(&t) {
            assert!(
                !matches!(
                    style.fg,
                    Some(
                        Color::Yellow
                            | Color::LightYellow
                            | Color::Cyan
                            | Color::LightCyan
                            | Color::Gray
                            | Color::White
                    )
                ),
                "{style:?}"
            );
        }
    }

    #[test]
    fn high_contrast_is_bright_and_bold() {
        let t = Theme::named(ThemeName::HighContrast, false, false);
        for style in [t.good, t.bad, t.warn, t.key, t.focused, t.selected] {
            assert!(style.add_modifier.contains(Modifier::BOLD), "{style:?}");
        }
        assert_eq!(t.muted.fg, None, "muted text is not dimmed");
        assert_eq!(t.bad.fg, Some(Color::LightRed));
    }
}
