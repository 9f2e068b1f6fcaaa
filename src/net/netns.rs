//! Running netlink work inside a network namespace, on a thread of its own.
//!
//! A netlink socket belongs to the namespace of the thread that creates it, and `setns` changes
//! only the calling thread. So each piece of work gets a fresh OS thread that enters the
//! namespace and runs its own single-threaded runtime; tokio's workers never change namespace.

use std::fs::File;
use std::future::Future;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::PathBuf;

use color_eyre::eyre::{WrapErr, eyre};
use nix::fcntl::OFlag;
use nix::sched::{CloneFlags, setns};
use nix::sys::statfs::{NSFS_MAGIC, fstatfs, statfs};

use crate::error::{BadInput, cut};

/// Where `ip netns` keeps named namespaces.
pub const NETNS_DIR: &str = "/run/netns";

/// The longest name a file under `/run/netns` can have (`NAME_MAX`).
const NAME_MAX: usize = 255;

/// The path of a named namespace.
pub fn path_of(name: &str) -> PathBuf {
    PathBuf::from(NETNS_DIR).join(name)
}

/// Opens a named namespace without following a link or blocking on a FIFO, and checks that it is
/// one (a bind-mounted nsfs file), with messages a person can act on.
fn open(name: &str) -> color_eyre::Result<File> {
    let shown = cut(name, 80);
    if name.is_empty() || name.contains('/') || name == "." || name == ".." || name.contains('\0') {
        return Err(BadInput(format!("'{shown}' is not a namespace name")).into());
    }
    if name.len() > NAME_MAX {
        return Err(BadInput(format!(
            "'{shown}' is not a namespace name (longer than {NAME_MAX} bytes)"
        ))
        .into());
    }
    let path = path_of(name);
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags((OFlag::O_NONBLOCK | OFlag::O_NOFOLLOW | OFlag::O_CLOEXEC).bits())
        .open(&path)
        .map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => BadInput(format!(
                "no network namespace named '{shown}' (looked in {NETNS_DIR}; see `ip netns list`)"
            ))
            .into(),
            std::io::ErrorKind::PermissionDenied => {
                eyre!("reading namespace '{shown}' needs root: its file in {NETNS_DIR} is not readable")
            }
            _ if err.raw_os_error() == Some(nix::libc::ELOOP) => BadInput(format!(
                "'{shown}' in {NETNS_DIR} is a symbolic link, not a network namespace"
            ))
            .into(),
            _ => eyre!("cannot open namespace '{shown}' in {NETNS_DIR}: {err}"),
        })?;
    let is_nsfs = fstatfs(&file).is_ok_and(|fs| fs.filesystem_type() == NSFS_MAGIC);
    if !is_nsfs {
        return Err(BadInput(format!(
            "'{shown}' in {NETNS_DIR} is not a network namespace (not a mounted nsfs file)"
        ))
        .into());
    }
    Ok(file)
}

/// Moves the calling thread into the namespace `name` (`None`: stay where we are).
fn enter(name: Option<&str>) -> color_eyre::Result<()> {
    let Some(name) = name else { return Ok(()) };
    let file = open(name)?;
    let shown = cut(name, 80);
    setns(&file, CloneFlags::CLONE_NEWNET).map_err(|err| match err {
        nix::errno::Errno::EPERM => {
            eyre!("entering network namespace '{shown}' needs root (CAP_SYS_ADMIN)")
        }
        nix::errno::Errno::EINVAL => BadInput(format!(
            "'{shown}' in {NETNS_DIR} is a namespace but not a network namespace"
        ))
        .into(),
        other => eyre!("entering network namespace '{shown}': {other}"),
    })
}

/// Checks, before anything else is done, that namespace `name` exists, is a network namespace
/// and may be entered: a throwaway thread enters it and returns.
pub fn check(name: Option<&str>) -> color_eyre::Result<()> {
    let Some(name) = name else { return Ok(()) };
    let name = name.to_owned();
    std::thread::Builder::new()
        .name("routescope-netns-check".into())
        .spawn(move || enter(Some(&name)))
        .wrap_err("starting the namespace check")?
        .join()
        .map_err(|_| eyre!("the namespace check panicked"))?
}

/// What identifies the namespace now bound at `/run/netns/NAME` (device and inode of its nsfs
/// file), or `None` when there is none: the TUI compares it to notice a deleted namespace.
pub fn identity(name: &str) -> Option<(u64, u64)> {
    let file = open(name).ok()?;
    let meta = file.metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

/// Runs `work` to completion on a new thread inside namespace `name`, and returns its result.
///
/// The caller may be async: the wait happens on tokio's blocking pool when a runtime is present.
pub async fn run_in<F, Fut, T>(name: Option<&str>, work: F) -> color_eyre::Result<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = color_eyre::Result<T>>,
    T: Send + 'static,
{
    let name = name.map(str::to_owned);
    let thread = std::thread::Builder::new()
        .name("routescope-netns".into())
        .spawn(move || -> color_eyre::Result<T> {
            enter(name.as_deref())?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .wrap_err("starting the netlink runtime")?;
            runtime.block_on(work())
        })
        .wrap_err("starting the netlink thread")?;
    tokio::task::spawn_blocking(move || thread.join())
        .await
        .wrap_err("waiting for the netlink thread")?
        .map_err(|_| eyre!("the netlink thread panicked"))?
}

/// Whether a directory entry is a named network namespace: not a link, and on nsfs (a FIFO, a
/// plain file or a directory is not, and `statfs` never opens the file, so a FIFO cannot block).
fn is_namespace(path: &std::path::Path) -> bool {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    !is_link && statfs(path).is_ok_and(|fs| fs.filesystem_type() == NSFS_MAGIC)
}

/// The names of the network namespaces under `/run/netns`, sorted (empty if there are none);
/// entries that are not namespaces are left out.
pub fn list() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(NETNS_DIR)
        .map(|dir| {
            dir.flatten()
                .filter(|e| is_namespace(&e.path()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
