//! Logging to a file only: nothing may reach the terminal while the UI owns it.

use std::path::PathBuf;

/// Where the log goes: `$XDG_STATE_HOME/routescope/routescope.log` (or under `~/.local/state`).
pub fn log_path() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/state")))?;
    Some(base.join("routescope").join("routescope.log"))
}

/// Starts logging at the level in `ROUTESCOPE_LOG` (default `warn`); silently off if the file
/// cannot be opened, since a missing log must never stop the tool.
pub fn init() {
    let Some(path) = log_path() else { return };
    let Some(dir) = path.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
    else {
        return;
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROUTESCOPE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(file))
        .try_init();
}
