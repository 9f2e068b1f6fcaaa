//! Network namespaces: which one (`Target`), opened once into a handle (`Netns`) that netlink
//! work enters on a thread of its own, and every one on the host for the picker (`discover`).
//!
//! A netlink socket belongs to the namespace of the thread that creates it, and `setns` changes
//! only the calling thread. So each piece of work gets a fresh OS thread that enters the
//! namespace and runs its own single-threaded runtime; tokio's workers never change namespace.
//! The namespace is opened once, when the user names it: every later thread enters that same
//! open file, so a namespace reached through a process stays reachable after the process exits,
//! and a name rebound to another namespace does not move routescope with it.

mod discover;
mod found;
mod key;
mod target;

use std::fs::File;
use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};

pub use discover::{all, list};
pub use found::{Fact, Found, NsId, Source, name_all};
pub use key::state_key;
pub use target::Target;

/// Where `ip netns` keeps named namespaces.
pub const NETNS_DIR: &str = "/run/netns";

/// The path of a named namespace.
pub fn path_of(name: &str) -> PathBuf {
    PathBuf::from(NETNS_DIR).join(name)
}

/// What routescope shows and remembers of an opened namespace: plain data, so the app keeps it
/// and tests make it (the open file stays with `Netns`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetnsInfo {
    target: Target,
    label: String,
    state_key: String,
    id: Option<NsId>,
}

impl NetnsInfo {
    /// A description; `Target::open` makes the real ones, tests their own.
    pub fn new(target: Target, label: String, state_key: String, id: Option<NsId>) -> Self {
        Self {
            target,
            label,
            state_key,
            id,
        }
    }

    /// The namespace routescope started in, identity unknown.
    pub fn current() -> Self {
        Self::new(
            Target::Current,
            "this namespace".into(),
            "host".into(),
            None,
        )
    }

    /// How the user named it.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// What to call it on screen (raw: escape it before drawing): `this namespace`, the
    /// `/run/netns` name, the path as given, or `pid 4242 (nginx)`.
    pub fn label(&self) -> &str {
        &self.label
    }

    /// A stable, file-name-safe key to keep state for this namespace under (a watch list in the
    /// XDG state directory): `host`, `netns-NAME`, `path-run+docker+netns+ID` or `ino-INODE`;
    /// the rules are in `net/netns/key.rs`.
    pub fn state_key(&self) -> &str {
        &self.state_key
    }

    /// The device and inode of its nsfs file, when known.
    pub fn id(&self) -> Option<NsId> {
        self.id
    }
}

/// An opened network namespace: cheap to clone, and every clone enters the same namespace.
#[derive(Debug, Clone)]
pub struct Netns {
    info: NetnsInfo,
    /// The nsfs file to enter; `None`: stay in the namespace routescope started in.
    file: Option<Arc<File>>,
}

impl Netns {
    /// The namespace routescope started in (nothing to open or enter).
    pub fn current() -> Self {
        Self::current_with(None)
    }

    /// The namespace routescope started in, with its identity if known.
    fn current_with(id: Option<NsId>) -> Self {
        let mut info = NetnsInfo::current();
        info.id = id;
        Self { info, file: None }
    }

    /// What is shown and remembered of it.
    pub fn info(&self) -> &NetnsInfo {
        &self.info
    }

    /// How the user named it.
    pub fn target(&self) -> &Target {
        &self.info.target
    }

    /// See `NetnsInfo::label`.
    pub fn label(&self) -> &str {
        &self.info.label
    }

    /// See `NetnsInfo::state_key`.
    pub fn state_key(&self) -> &str {
        &self.info.state_key
    }

    /// Moves the calling thread into the namespace (nothing to do for the current one).
    fn enter(&self) -> color_eyre::Result<()> {
        match &self.file {
            Some(file) => target::enter(file, &self.info.target),
            None => Ok(()),
        }
    }
}

/// Runs `work` to completion on a new thread inside namespace `netns`, and returns its result.
///
/// The caller may be async: the wait happens on tokio's blocking pool when a runtime is present.
pub async fn run_in<F, Fut, T>(netns: &Netns, work: F) -> color_eyre::Result<T>
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = color_eyre::Result<T>>,
    T: Send + 'static,
{
    let netns = netns.clone();
    let thread = std::thread::Builder::new()
        .name("routescope-netns".into())
        .spawn(move || -> color_eyre::Result<T> {
            netns.enter()?;
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
