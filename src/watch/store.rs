//! The saved watch lists: one file per namespace, `$XDG_STATE_HOME/routescope/watch/KEY`, one
//! query a line as typed, so a person can read and edit it. Written whole to a temporary file
//! and renamed, so a crash never leaves half a list.

use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use crate::files::read_text;

/// The largest list file read (64 flows of long queries fit many times over).
const FILE_LIMIT: u64 = 256 << 10;

/// The first line of a saved list.
const HEADER: &str = "# routescope watch list: one `ip route get` query a line";

/// Where the list of the namespace with state key `key` (`NetnsInfo::state_key`) is kept, if
/// there is a state directory.
pub fn path(key: &str) -> Option<PathBuf> {
    Some(
        crate::logging::state_home()?
            .join("routescope")
            .join("watch")
            .join(key),
    )
}

/// The queries saved at `path`: none when there is no file yet; an error (one line) when
/// there is one that cannot be read.
pub fn load(path: &Path) -> Result<Vec<String>, String> {
    match read_text(path, FILE_LIMIT) {
        Ok(text) => Ok(parse(&text)),
        Err(crate::files::FileError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
            Ok(Vec::new())
        }
        Err(e) => Err(format!("watch list {}: {e}", path.display())),
    }
}

/// The queries of a saved list: blank lines and `#` comments skipped.
pub fn parse(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

/// Saves `queries` at `path` (creating its directories, private to the user), replacing the
/// old list in one rename.
pub fn save(path: &Path, queries: &[String]) -> Result<(), String> {
    let shown = path.display();
    let dir = path
        .parent()
        .ok_or_else(|| format!("watch list {shown}: no directory"))?;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = path
        .file_name()
        .map_or_else(|| "watch".into(), |n| n.to_string_lossy().into_owned());
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .custom_flags(nix::libc::O_NOFOLLOW)
            .open(&temporary)?;
        writeln!(file, "{HEADER}")?;
        for query in queries {
            writeln!(file, "{query}")?;
        }
        file.sync_all()?;
        std::fs::rename(&temporary, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("saving the watch list {shown}: {e}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_list_reads_back_in_order() {
        let dir = std::env::temp_dir().join(format!("routescope-watch-{}", std::process::id()));
        let path = dir.join("watch").join("netns-blue");
        let queries = vec!["8.8.8.8 from 10.0.0.2".to_owned(), "2001:db8::1".to_owned()];
        save(&path, &queries).unwrap();
        assert_eq!(load(&path).unwrap(), queries);
        save(&path, &queries[1..]).unwrap();
        assert_eq!(load(&path).unwrap(), &queries[1..]);
        assert_eq!(load(&dir.join("none")).unwrap(), Vec::<String>::new());
        assert!(load(&dir).unwrap_err().contains("not a regular file"));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn comments_and_blank_lines_are_skipped() {
        assert_eq!(
            parse("# x\n\n 1.1.1.1 \n#2.2.2.2\n3.3.3.3"),
            ["1.1.1.1", "3.3.3.3"]
        );
    }
}
