//! Logging to a file only: nothing may reach the terminal while the UI owns it.
//!
//! The log is `routescope.log` in `routescope/` under the XDG state directory. The directory
//! must be the user's own (created 0700); the file is opened relative to it without following a
//! link, created 0600, must be a plain file of the user's with one name, and is rotated to
//! `routescope.log.1` at `LOG_LIMIT`. Every control character in a record is escaped, so a record
//! is one line whatever text it quotes. Anything wrong turns logging off with one line on stderr.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{
    DirBuilderExt as _, MetadataExt as _, OpenOptionsExt as _, PermissionsExt as _,
};
use std::path::{Path, PathBuf};

use nix::fcntl::{OFlag, openat, renameat};
use nix::sys::stat::Mode;

/// The size at which the log is moved to `routescope.log.1` (the one before is dropped), so the
/// two files together stay near 2 MiB.
pub const LOG_LIMIT: u64 = 1 << 20;

/// The log file's name in its directory.
const NAME: &str = "routescope.log";
/// The previous log's name.
const PREVIOUS: &str = "routescope.log.1";

/// The XDG state directory: `$XDG_STATE_HOME` if it is absolute, else `$HOME/.local/state`
/// (the specification says a relative path is to be ignored).
pub fn state_home() -> Option<PathBuf> {
    let absolute = |v: std::ffi::OsString| Some(PathBuf::from(v)).filter(|p| p.is_absolute());
    std::env::var_os("XDG_STATE_HOME")
        .and_then(absolute)
        .or_else(|| {
            std::env::var_os("HOME")
                .and_then(absolute)
                .map(|h| h.join(".local/state"))
        })
}

/// Where the log goes: `$XDG_STATE_HOME/routescope/routescope.log` (or under `~/.local/state`).
pub fn log_path() -> Option<PathBuf> {
    Some(state_home()?.join("routescope").join(NAME))
}

/// Whether records should carry the whole error chain with backtraces (asked for with
/// `RUST_BACKTRACE` or `ROUTESCOPE_LOG=debug`), not just one line.
fn detailed() -> bool {
    let set = |name| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0");
    set("RUST_BACKTRACE")
        || std::env::var("ROUTESCOPE_LOG").is_ok_and(|v| v.contains("debug") || v.contains("trace"))
}

/// Logs the error a command ended with: one line, or with every detail when asked for.
pub fn error(report: &color_eyre::Report) {
    if detailed() {
        tracing::error!("{report:?}");
    } else {
        tracing::error!("{}", crate::error::one_line(report));
    }
}

/// Starts logging at the level in `ROUTESCOPE_LOG` (default `warn`); if the log cannot be opened
/// safely, says why in one line and goes on without it, since a log must never stop the tool.
pub fn init() {
    let Some(path) = log_path() else { return };
    let log = match LogFile::open(&path) {
        Ok(Some(log)) => log,
        // nowhere to log (a read-only home): quietly without
        Ok(None) => return,
        Err(why) => {
            eprintln!(
                "routescope: not logging: {}",
                crate::error::cut(&why, crate::error::LINE_MAX)
            );
            return;
        }
    };
    let filter = tracing_subscriber::EnvFilter::try_from_env("ROUTESCOPE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_writer(std::sync::Mutex::new(log))
        .try_init();
}

/// The current user's id, which owns the log's directory and file.
fn me() -> u32 {
    nix::unistd::geteuid().as_raw()
}

/// The open log: its directory (every later open and rename is relative to it) and the file.
pub struct LogFile {
    dir: File,
    file: Option<File>,
    size: u64,
}

impl LogFile {
    /// Opens (creating if needed) the log at `path`, refusing anything another user could steer
    /// (`Err`, to be said); `None` when its directory cannot be created at all.
    pub fn open(path: &Path) -> Result<Option<Self>, String> {
        let dir_path = path.parent().ok_or("the log has no directory")?;
        let base = dir_path.parent().ok_or("the log has no state directory")?;
        let shown = |p: &Path| p.display().to_string();
        if DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(base)
            .is_err()
        {
            return Ok(None);
        }
        let owner = std::fs::metadata(base)
            .map_err(|e| format!("{}: {e}", shown(base)))?
            .uid();
        if owner != me() {
            return Err(format!(
                "{} belongs to uid {owner}, not to uid {} (set XDG_STATE_HOME to a directory of yours)",
                shown(base),
                me()
            ));
        }
        match DirBuilder::new().mode(0o700).create(dir_path) {
            Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => {
                return Err(format!("cannot create {}: {e}", shown(dir_path)));
            }
            _ => {}
        }
        let dir = OpenOptions::new()
            .read(true)
            .custom_flags((OFlag::O_DIRECTORY | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC).bits())
            .open(dir_path)
            .map_err(|e| format!("{} is not a directory of yours: {e}", shown(dir_path)))?;
        let meta = dir.metadata().map_err(|e| e.to_string())?;
        if meta.uid() != me() {
            return Err(format!(
                "{} belongs to uid {}, not to uid {}",
                shown(dir_path),
                meta.uid(),
                me()
            ));
        }
        if meta.mode() & 0o077 != 0 {
            dir.set_permissions(Permissions::from_mode(0o700))
                .map_err(|e| format!("{}: {e}", shown(dir_path)))?;
        }
        let mut log = Self {
            dir,
            file: None,
            size: 0,
        };
        log.reopen().map_err(|e| format!("{}: {e}", shown(path)))?;
        if log.size >= LOG_LIMIT {
            log.rotate();
        }
        Ok(Some(log))
    }

    /// Opens the log file in the directory: no link followed, 0600, a plain file of ours with
    /// one name (a hard link to someone else's file is refused).
    fn reopen(&mut self) -> Result<(), String> {
        self.file = None;
        let flags = OFlag::O_WRONLY
            | OFlag::O_APPEND
            | OFlag::O_CREAT
            | OFlag::O_NOFOLLOW
            | OFlag::O_NONBLOCK
            | OFlag::O_CLOEXEC;
        let fd = openat(&self.dir, NAME, flags, Mode::from_bits_truncate(0o600)).map_err(|e| {
            if e == nix::errno::Errno::ELOOP {
                "is a symbolic link; not following it".to_owned()
            } else {
                e.desc().to_owned()
            }
        })?;
        let file = File::from(fd);
        let meta = file.metadata().map_err(|e| e.to_string())?;
        if !meta.file_type().is_file() || meta.uid() != me() || meta.nlink() != 1 {
            return Err(format!(
                "is not a plain file of uid {} with one name (owner {}, links {})",
                me(),
                meta.uid(),
                meta.nlink()
            ));
        }
        if meta.mode() & 0o777 != 0o600 {
            file.set_permissions(Permissions::from_mode(0o600))
                .map_err(|e| e.to_string())?;
        }
        self.size = meta.len();
        self.file = Some(file);
        Ok(())
    }

    /// Moves the log to `routescope.log.1` and starts a new one; logging stops if that fails.
    fn rotate(&mut self) {
        let renamed = renameat(&self.dir, NAME, &self.dir, PREVIOUS);
        if renamed.is_err() || self.reopen().is_err() {
            self.file = None;
        }
    }
}

/// A record with every control character escaped (`\n`, `\x1b` …) but its final newline, so
/// that no quoted text can start a line of its own or colour a terminal showing the log.
pub fn escape(record: &[u8]) -> Vec<u8> {
    let (body, newline) = match record.strip_suffix(b"\n") {
        Some(body) => (body, true),
        None => (record, false),
    };
    let mut out = Vec::with_capacity(record.len() + 8);
    let mut bytes = body.iter().copied().peekable();
    while let Some(b) = bytes.next() {
        match b {
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0..0x20 | 0x7f => out.extend_from_slice(format!("\\x{b:02x}").as_bytes()),
            // C1 controls (U+0080–U+009F, UTF-8 C2 80–C2 9F): some terminals take U+009B as CSI
            0xc2 if bytes.peek().is_some_and(|n| (0x80..0xa0).contains(n)) => {
                let next = bytes.next().unwrap_or_default();
                out.extend_from_slice(format!("\\u{{{next:x}}}").as_bytes());
            }
            other => out.push(other),
        }
    }
    if newline {
        out.push(b'\n');
    }
    out
}

impl Write for LogFile {
    /// Writes one record (the formatter hands over a whole record at a time), escaped; rotates
    /// once the file reaches `LOG_LIMIT`. A failing log drops records instead of failing.
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(file) = self.file.as_mut() {
            let escaped = escape(buf);
            if file.write_all(&escaped).is_ok() {
                self.size += u64::try_from(escaped.len()).unwrap_or(u64::MAX);
            }
            if self.size >= LOG_LIMIT {
                self.rotate();
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.file.as_mut().map_or(Ok(()), Write::flush)
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn records_stay_one_line_without_terminal_codes() {
        assert_eq!(
            escape(b"a\nb\r\x1b[31mred\xc2\x9b1m\n"),
            b"a\\nb\\r\\x1b[31mred\\u{9b}1m\n".to_vec()
        );
        assert_eq!(escape("é ü ok".as_bytes()), "é ü ok".as_bytes().to_vec());
    }
}
