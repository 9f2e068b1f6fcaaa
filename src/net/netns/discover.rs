//! Finding the network namespaces on the host: the files that bind them (`/run/netns`, container
//! runtimes' directories) and the processes in them (`/proc/*/ns/net`), as facts for
//! `found::name_all` and `key::state_key`.

use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use nix::sys::statfs::{NSFS_MAGIC, statfs};

use super::NETNS_DIR;
use super::found::{Fact, Found, NsId, Source, name_all};

/// Directories container runtimes bind network namespaces in, besides `/run/user/*/netns`
/// (rootless podman) and the `netns` directories under `/run/containerd`.
const RUNTIME_DIRS: [&str; 3] = [
    "/var/run/netns",
    "/run/docker/netns",
    "/var/run/docker/netns",
];

/// How deep under `/run/containerd` a `netns` directory is looked for.
const CONTAINERD_DEPTH: usize = 4;

/// The identity of the namespace a path leads to (following links, as `/proc/PID/ns/net` is).
pub fn id_of(path: &Path) -> Option<NsId> {
    let meta = std::fs::metadata(path).ok()?;
    Some(NsId {
        dev: meta.dev(),
        ino: meta.ino(),
    })
}

/// The namespace routescope started in: that of its main thread, which never changes namespace.
pub fn start_id() -> Option<NsId> {
    id_of(Path::new("/proc/self/ns/net"))
}

/// Whether a directory entry is a bound namespace: not a link, and on nsfs (a FIFO, a plain file
/// or a directory is not, and `statfs` never opens the file, so a FIFO cannot block).
fn is_namespace(path: &Path) -> bool {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    !is_link && statfs(path).is_ok_and(|fs| fs.filesystem_type() == NSFS_MAGIC)
}

/// The namespace files directly in `dir`, with their identities (none if it cannot be read).
fn namespaces_in(dir: &Path) -> Vec<(PathBuf, NsId)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| is_namespace(p))
        .filter_map(|p| id_of(&p).map(|id| (p, id)))
        .collect()
}

/// The names of the network namespaces under `/run/netns`, sorted (empty if there are none);
/// entries that are not namespaces are left out.
pub fn list() -> Vec<String> {
    let mut names: Vec<String> = namespaces_in(Path::new(NETNS_DIR))
        .into_iter()
        .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// Every directory under `root` (itself included) named `netns`, at most `depth` levels down.
fn netns_dirs_under(root: &Path, depth: usize, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        // `file_type` does not follow links, so a link cannot lead the walk in circles
        if !entry.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let path = entry.path();
        if entry.file_name() == "netns" {
            out.push(path);
        } else if depth > 0 {
            netns_dirs_under(&path, depth - 1, out);
        }
    }
}

/// The runtime directories present, each once (`/var/run` is usually a link to `/run`), and
/// none that is `/run/netns` itself.
fn runtime_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = RUNTIME_DIRS.iter().map(PathBuf::from).collect();
    if let Ok(users) = std::fs::read_dir("/run/user") {
        dirs.extend(users.flatten().map(|u| u.path().join("netns")));
    }
    netns_dirs_under(Path::new("/run/containerd"), CONTAINERD_DEPTH, &mut dirs);
    let mut seen: Vec<NsId> = id_of(Path::new(NETNS_DIR)).into_iter().collect();
    dirs.retain(|dir| match id_of(dir) {
        Some(id) if !seen.contains(&id) => {
            seen.push(id);
            true
        }
        _ => false,
    });
    dirs
}

/// The namespace files bound on the host: `/run/netns/NAME` as names, the runtime directories'
/// entries as paths.
pub fn bound() -> Vec<Fact> {
    let mut facts: Vec<Fact> = namespaces_in(Path::new(NETNS_DIR))
        .into_iter()
        .filter_map(|(path, id)| {
            let name = path.file_name()?.to_string_lossy().into_owned();
            Some(Fact {
                source: Source::Named(name),
                id,
            })
        })
        .collect();
    for dir in runtime_dirs() {
        facts.extend(namespaces_in(&dir).into_iter().map(|(path, id)| Fact {
            source: Source::Runtime(path),
            id,
        }));
    }
    facts
}

/// The command name of process `pid`, or empty if it cannot be read (it may have exited).
pub fn comm_of(pid: u32) -> String {
    std::fs::read_to_string(format!("/proc/{pid}/comm"))
        .map(|c| c.trim_end_matches('\n').to_owned())
        .unwrap_or_default()
}

/// Every process whose network namespace can be read, with its command name; processes that
/// exit meanwhile are left out.
fn processes() -> Vec<Fact> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let id = id_of(Path::new(&format!("/proc/{pid}/ns/net")))?;
            let comm = comm_of(pid);
            Some(Fact {
                source: Source::Process { pid, comm },
                id,
            })
        })
        .collect()
}

/// Every distinct network namespace on the host, named and ordered by `found::name_all`: the one
/// routescope started in first. Without root, other users' processes cannot be looked into and
/// are left out.
pub fn all() -> Vec<Found> {
    let mut facts = bound();
    facts.extend(processes());
    name_all(&facts, start_id())
}
