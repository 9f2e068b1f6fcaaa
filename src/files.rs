//! Reading the files a person names (a snapshot, a keymap) without being stalled or flooded:
//! never blocking on a FIFO, regular files only, and never more than a stated size.

use std::io::Read as _;
use std::os::unix::fs::{FileTypeExt as _, OpenOptionsExt as _};
use std::path::Path;

use nix::fcntl::OFlag;

/// Why a file was not read; the message names the file's kind or size.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("is {0}, not a regular file")]
    NotRegular(&'static str),
    #[error("is larger than the limit of {0}")]
    TooLarge(String),
    #[error("is not UTF-8 text")]
    NotText,
}

/// Reads a regular file of at most `limit` bytes as text; the open never blocks (`O_NONBLOCK`:
/// a FIFO is seen for what it is instead of waiting for a writer), and a file that grows while
/// it is read is still cut off at the limit.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_NONBLOCK | OFlag::O_CLOEXEC).bits())
        .open(path)?;
    let meta = file.metadata()?;
    let kind = meta.file_type();
    if !kind.is_file() {
        return Err(FileError::NotRegular(if kind.is_dir() {
            "a directory"
        } else if kind.is_fifo() {
            "a FIFO"
        } else if kind.is_char_device() {
            "a character device"
        } else if kind.is_block_device() {
            "a block device"
        } else if kind.is_socket() {
            "a socket"
        } else {
            "a special file"
        }));
    }
    if meta.len() > limit {
        return Err(FileError::TooLarge(size_words(limit)));
    }
    let mut bytes = Vec::new();
    file.take(limit.saturating_add(1)).read_to_end(&mut bytes)?;
    if u64::try_from(bytes.len()).unwrap_or(u64::MAX) > limit {
        return Err(FileError::TooLarge(size_words(limit)));
    }
    String::from_utf8(bytes).map_err(|_| FileError::NotText)
}

/// A size for messages: `1 GiB`, `1 MiB`, or bytes.
pub fn size_words(bytes: u64) -> String {
    match bytes {
        b if b >= 1 << 30 && b % (1 << 30) == 0 => format!("{} GiB", b >> 30),
        b if b >= 1 << 20 && b % (1 << 20) == 0 => format!("{} MiB", b >> 20),
        b => format!("{b} bytes"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_files_and_large_files_are_refused() {
        let err = |p: &str, limit| read_text(Path::new(p), limit).unwrap_err().to_string();
        assert_eq!(
            err("/dev/zero", 1 << 20),
            "is a character device, not a regular file"
        );
        assert_eq!(err("/", 1 << 20), "is a directory, not a regular file");
        let file = std::env::temp_dir().join(format!("rs-files-{}", std::process::id()));
        std::fs::write(&file, "0123456789").unwrap();
        assert_eq!(read_text(&file, 10).unwrap(), "0123456789");
        assert_eq!(
            read_text(&file, 9).unwrap_err().to_string(),
            "is larger than the limit of 9 bytes"
        );
        let _ = std::fs::remove_file(file);
    }
}
