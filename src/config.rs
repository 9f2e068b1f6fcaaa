//! The user's settings: `$XDG_CONFIG_HOME/routescope/config.toml` (the theme, for now), and the
//! directory it shares with the keymap file.

use std::path::{Path, PathBuf};

/// The colour schemes; each says everything with words and glyphs too, never by colour alone.
#[derive(
    Debug,
    Clone,
    Copy,
    Default,
    PartialEq,
    Eq,
    clap::ValueEnum,
    serde::Deserialize,
    strum::IntoStaticStr,
)]
#[serde(rename_all = "kebab-case")]
#[strum(serialize_all = "kebab-case")]
pub enum ThemeName {
    /// Mid-range colours for a dark background.
    #[default]
    Dark,
    /// Deep colours readable on a white background.
    Light,
    /// Bright colours, bold and reverse video.
    HighContrast,
}

/// What `config.toml` may say; every field is optional.
#[derive(Debug, Default, Clone, PartialEq, Eq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The theme when `--theme` does not name one.
    pub theme: Option<ThemeName>,
}

/// The largest config file read (a config is a few lines).
pub const CONFIG_LIMIT: u64 = 1 << 20;

impl Config {
    /// The user's config file, if there is one; a file that cannot be used is ignored whole,
    /// and the reason comes back as one line for the status line.
    pub fn load() -> (Self, Option<String>) {
        let Some(path) = dir()
            .map(|d| d.join("config.toml"))
            .filter(|p| p.symlink_metadata().is_ok())
        else {
            return (Self::default(), None);
        };
        match Self::load_file(&path) {
            Ok(config) => (config, None),
            Err(e) => {
                let shown = crate::error::cut(&path.display().to_string(), 80);
                (
                    Self::default(),
                    Some(format!("{shown}: {e} (using the defaults)")),
                )
            }
        }
    }

    /// The config file at `path`: a regular file of at most `CONFIG_LIMIT` bytes.
    pub fn load_file(path: &Path) -> Result<Self, String> {
        let text = crate::files::read_text(path, CONFIG_LIMIT).map_err(|e| e.to_string())?;
        Self::parse(&text)
    }

    /// Parses the text of a config file.
    pub fn parse(text: &str) -> Result<Self, String> {
        toml::from_str(text).map_err(|e| e.message().trim().to_owned())
    }
}

/// routescope's directory under `$XDG_CONFIG_HOME`, else under `~/.config`; a relative
/// `XDG_CONFIG_HOME` is ignored, as the XDG specification says.
pub fn dir() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".config"))
        })?;
    Some(base.join("routescope"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_theme_is_named_and_anything_else_is_refused() {
        assert_eq!(
            Config::parse("theme = \"high-contrast\"").unwrap().theme,
            Some(ThemeName::HighContrast)
        );
        assert_eq!(Config::parse("").unwrap(), Config::default());
        let bad = Config::parse("theme = \"blue\"").unwrap_err();
        assert!(bad.contains("blue") && bad.contains("light"), "{bad}");
        assert!(Config::parse("colour = 1").unwrap_err().contains("colour"));
    }
}
