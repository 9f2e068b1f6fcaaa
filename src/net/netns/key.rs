//! The state key of a namespace: a stable, file-name-safe string to keep per-namespace state
//! under (for example a watch list in the XDG state directory). Pure, over the namespace files
//! bound on the host, so its forms are tested without a kernel.
//!
//! The forms, first match wins:
//!
//! | namespace                                               | key                          |
//! |---------------------------------------------------------|------------------------------|
//! | the one routescope runs in (no `-n`, `--pid`, `--netns-path`) | `host`                 |
//! | `-n NAME`                                               | `netns-NAME`                 |
//! | a path or pid leading to routescope's own namespace     | `host`                       |
//! | a path or pid whose namespace is bound as `/run/netns/NAME` | `netns-NAME` (first name in byte order) |
//! | … bound in a runtime directory (`/run/docker/netns/ID` …) | `path-run+docker+netns+ID` (first path in byte order) |
//! | anything else                                           | `ino-INODE`                  |
//!
//! Names and paths are escaped so that the key is one file name of safe characters: ASCII
//! letters, digits, `.`, `_` and `-` stay, `/` becomes `+`, every other byte `%XX`; the
//! escaping is one-to-one, so two names never share a key. A key longer than 200 bytes is cut to
//! 183 and ends with `-` and 16 hex digits of the FNV-1a hash of the whole key. `ino-INODE` lasts
//! only as long as the namespace: the kernel may give its inode to a later one.

use std::fmt::Write as _;
use std::os::unix::ffi::OsStrExt as _;

use super::Target;
use super::found::{Fact, NsId, Source};

/// The longest key, in bytes (file names may have 255; room is left for a suffix).
const KEY_MAX: usize = 200;

/// The key of a namespace reached by `target`, whose identity is `id`, when routescope started
/// in `start` and `bound` are the namespace files on the host (see the module documentation).
pub fn state_key(target: &Target, id: NsId, start: Option<NsId>, bound: &[Fact]) -> String {
    match target {
        Target::Current => "host".to_owned(),
        Target::Named(name) => fit(format!("netns-{}", escape_key(name.as_bytes()))),
        Target::Path(_) | Target::Pid(_) if start == Some(id) => "host".to_owned(),
        Target::Path(_) | Target::Pid(_) => {
            let mut names: Vec<&str> = Vec::new();
            let mut paths: Vec<&[u8]> = Vec::new();
            for fact in bound.iter().filter(|f| f.id == id) {
                match &fact.source {
                    Source::Named(name) => names.push(name),
                    Source::Runtime(path) => paths.push(path.as_os_str().as_bytes()),
                    Source::Process { .. } => {}
                }
            }
            if let Some(name) = names.iter().min() {
                fit(format!("netns-{}", escape_key(name.as_bytes())))
            } else if let Some(path) = paths.iter().min() {
                let relative = path.strip_prefix(b"/").unwrap_or(path);
                fit(format!("path-{}", escape_key(relative)))
            } else {
                format!("ino-{}", id.ino)
            }
        }
    }
}

/// Bytes as safe file-name characters, one-to-one: `[A-Za-z0-9._-]` kept, `/` as `+`, the
/// rest as `%XX`.
fn escape_key(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len());
    for &b in bytes {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'_' | b'-' => out.push(char::from(b)),
            b'/' => out.push('+'),
            _ => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// A key cut to `KEY_MAX` bytes when longer, kept distinct by a hash of the whole.
fn fit(key: String) -> String {
    if key.len() <= KEY_MAX {
        return key;
    }
    // the key is ASCII, so any byte index is a character boundary
    format!("{}-{:016x}", &key[..KEY_MAX - 17], fnv1a(key.as_bytes()))
}

/// The 64-bit FNV-1a hash: small, and the same in every build and version (unlike std's).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(ino: u64) -> NsId {
        NsId { dev: 4, ino }
    }

    fn bound() -> Vec<Fact> {
        let fact = |source, ino| Fact {
            source,
            id: id(ino),
        };
        vec![
            fact(Source::Named("red".into()), 20),
            fact(Source::Runtime("/run/docker/netns/zz".into()), 20),
            fact(Source::Named("blue".into()), 20),
            fact(Source::Runtime("/var/run/docker/netns/1a2b".into()), 30),
            fact(Source::Runtime("/run/docker/netns/1a2b".into()), 30),
            fact(
                Source::Process {
                    pid: 7,
                    comm: "x".into(),
                },
                40,
            ),
        ]
    }

    #[test]
    fn every_form_of_the_key() {
        let bound = bound();
        let key = |target: &Target, ino| state_key(target, id(ino), Some(id(1)), &bound);
        assert_eq!(key(&Target::Current, 1), "host");
        assert_eq!(key(&Target::Named("red".into()), 20), "netns-red");
        assert_eq!(
            key(&Target::Pid(1), 1),
            "host",
            "routescope's own, reached by pid"
        );
        assert_eq!(key(&Target::Pid(4242), 20), "netns-blue", "the first name");
        assert_eq!(
            key(&Target::Path("/proc/4242/ns/net".into()), 20),
            "netns-blue"
        );
        assert_eq!(
            key(&Target::Path("/var/run/docker/netns/1a2b".into()), 30),
            "path-run+docker+netns+1a2b",
            "the first runtime path, however it was reached"
        );
        assert_eq!(
            key(&Target::Pid(7), 40),
            "ino-40",
            "a process is no binding"
        );
        assert_eq!(key(&Target::Pid(9), 50), "ino-50");
    }

    #[test]
    fn keys_are_safe_distinct_file_names() {
        let keys: Vec<String> = ["a_b", "a/b", "a+b", "a%2Fb", "ns\u{202e}x", "..", "a b\n"]
            .iter()
            .map(|n| state_key(&Target::Named((*n).into()), id(2), None, &[]))
            .collect();
        assert_eq!(keys[0], "netns-a_b");
        assert_eq!(keys[5], "netns-..");
        for (i, k) in keys.iter().enumerate() {
            assert!(
                k.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"._-+%".contains(&b))
            );
            assert!(keys[i + 1..].iter().all(|other| other != k), "{keys:?}");
        }
        let long = |c: &str| state_key(&Target::Named(c.repeat(255)), id(2), None, &[]);
        let (a, b) = (long("a"), long("\u{7f}"));
        assert!(a.len() <= KEY_MAX && b.len() <= KEY_MAX, "{a} {b}");
        assert_ne!(
            a,
            state_key(&Target::Named("a".repeat(254)), id(2), None, &[])
        );
        assert_eq!(a, long("a"), "stable");
    }
}
