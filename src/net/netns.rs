//! Running netlink work inside a network namespace, on a thread of its own.
//!
//! A netlink socket belongs to the namespace of the thread that creates it, and `setns` changes
//! only the calling thread. So each piece of work gets a fresh OS thread that enters the
//! namespace and runs its own single-threaded runtime; tokio's workers never change namespace.

use std::fs::File;
use std::future::Future;
use std::path::PathBuf;

use color_eyre::eyre::{WrapErr, eyre};
use nix::sched::{CloneFlags, setns};

use crate::error::BadInput;

/// Where `ip netns` keeps named namespaces.
pub const NETNS_DIR: &str = "/run/netns";

/// The path of a named namespace.
pub fn path_of(name: &str) -> PathBuf {
    PathBuf::from(NETNS_DIR).join(name)
}

/// Opens a named namespace, with messages a person can act on.
fn open(name: &str) -> color_eyre::Result<File> {
    if name.is_empty() || name.contains('/') || name == "." || name == ".." {
        return Err(BadInput(format!("'{name}' is not a namespace name")).into());
    }
    let path = path_of(name);
    File::open(&path).map_err(|err| match err.kind() {
        std::io::ErrorKind::NotFound => BadInput(format!(
            "no network namespace named '{name}' (looked in {NETNS_DIR}; see `ip netns list`)"
        ))
        .into(),
        std::io::ErrorKind::PermissionDenied => {
            eyre!(
                "reading namespace '{name}' needs root: {} is not readable",
                path.display()
            )
        }
        _ => eyre!("cannot open {}: {err}", path.display()),
    })
}

/// Moves the calling thread into the namespace `name` (`None`: stay where we are).
fn enter(name: Option<&str>) -> color_eyre::Result<()> {
    let Some(name) = name else { return Ok(()) };
    let file = open(name)?;
    setns(&file, CloneFlags::CLONE_NEWNET).map_err(|err| match err {
        nix::errno::Errno::EPERM => {
            eyre!("entering network namespace '{name}' needs root (CAP_SYS_ADMIN)")
        }
        other => eyre!("entering network namespace '{name}': {other}"),
    })
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

/// The names of the namespaces under `/run/netns`, sorted (empty if there are none).
pub fn list() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(NETNS_DIR)
        .map(|dir| {
            dir.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}
