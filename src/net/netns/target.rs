//! Which network namespace to work in, as the user named it, and opening it once into a handle,
//! with an error message for each way that can fail.

use std::fmt;
use std::fs::File;
use std::os::fd::AsRawFd as _;
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use color_eyre::eyre::{WrapErr, eyre};
use nix::errno::Errno;
use nix::fcntl::OFlag;
use nix::sched::{CloneFlags, setns};
use nix::sys::statfs::{NSFS_MAGIC, fstatfs};

use super::found::NsId;
use super::{NETNS_DIR, Netns, NetnsInfo, discover, key, path_of};
use crate::error::{BadInput, cut};

/// The longest name a file under `/run/netns` can have (`NAME_MAX`).
const NAME_MAX: usize = 255;

/// Which network namespace: the one routescope runs in, or one named, given by path or by a
/// process in it (`-n`, `--netns-path`, `--pid`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Target {
    /// The namespace routescope was started in.
    #[default]
    Current,
    /// `/run/netns/NAME`, as `ip -n NAME`.
    Named(String),
    /// A namespace file: `/run/netns/x`, `/proc/PID/ns/net`, `/run/docker/netns/…`.
    Path(PathBuf),
    /// The namespace of a process (`/proc/PID/ns/net`).
    Pid(u32),
}

impl fmt::Display for Target {
    /// The target as error messages name it: escaped and cut, so a message stays one line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Current => f.write_str("the current namespace"),
            Self::Named(name) => write!(f, "namespace '{}'", cut(name, 80)),
            Self::Path(path) => write!(f, "{}", cut(&path.to_string_lossy(), 80)),
            Self::Pid(pid) => write!(f, "the namespace of pid {pid}"),
        }
    }
}

/// Why a namespace file could not be opened.
enum OpenError {
    /// Nothing there (or a process that has gone).
    Missing,
    /// Not readable by us.
    Denied,
    /// Something that is not a namespace file.
    NotNsfs,
    /// A symbolic link where none is followed (`/run/netns/NAME`).
    Link,
    Other(std::io::Error),
}

impl From<std::io::Error> for OpenError {
    fn from(err: std::io::Error) -> Self {
        match err.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory => Self::Missing,
            std::io::ErrorKind::PermissionDenied => Self::Denied,
            _ if err.raw_os_error() == Some(nix::libc::ELOOP) => Self::Link,
            _ => Self::Other(err),
        }
    }
}

/// Opens a namespace file without opening anything else: first as `O_PATH` (no device is
/// opened, no FIFO blocks), checked to be on nsfs, then reopened for reading through the
/// descriptor itself, so what is read is what was checked.
fn open_nsfs(path: &Path, follow: bool) -> Result<File, OpenError> {
    let mut flags = OFlag::O_PATH | OFlag::O_CLOEXEC;
    if !follow {
        flags |= OFlag::O_NOFOLLOW;
    }
    let handle = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(flags.bits())
        .open(path)?;
    // an O_PATH open of a link itself (O_NOFOLLOW) succeeds: refuse the link here
    if handle.metadata()?.file_type().is_symlink() {
        return Err(OpenError::Link);
    }
    if !fstatfs(&handle).is_ok_and(|fs| fs.filesystem_type() == NSFS_MAGIC) {
        return Err(OpenError::NotNsfs);
    }
    Ok(File::open(format!("/proc/self/fd/{}", handle.as_raw_fd()))?)
}

impl Target {
    /// Opens the namespace once: checks that it exists, is a network namespace and may be
    /// entered, and returns a handle every netlink thread enters, so it stays the same namespace
    /// whatever happens to its name, path or process afterwards. Bad input is a `BadInput`
    /// (exit 2); a permission problem is not (exit 4).
    pub fn open(&self) -> color_eyre::Result<Netns> {
        let (file, label) = match self {
            Self::Current => return Ok(Netns::current_with(discover::start_id())),
            Self::Named(name) => (open_named(name)?, name.clone()),
            Self::Path(path) => (open_path(path)?, path.to_string_lossy().into_owned()),
            Self::Pid(pid) => open_pid(*pid)?,
        };
        let file = Arc::new(file);
        check_network(&file, self)?;
        let meta = file
            .metadata()
            .wrap_err_with(|| format!("reading {self}"))?;
        let id = NsId {
            dev: meta.dev(),
            ino: meta.ino(),
        };
        let bound = match self {
            Self::Path(_) | Self::Pid(_) => discover::bound(),
            Self::Current | Self::Named(_) => Vec::new(),
        };
        let state_key = key::state_key(self, id, discover::start_id(), &bound);
        Ok(Netns {
            info: NetnsInfo::new(self.clone(), label, state_key, Some(id)),
            file: Some(file),
        })
    }

    /// The identity the target leads to now (`None`: nothing, or the current namespace): the TUI
    /// compares it with the one it opened to notice a deleted or replaced namespace.
    pub fn probe(&self) -> Option<NsId> {
        match self {
            Self::Current => None,
            Self::Named(name) => open_named(name).ok().and_then(|f| {
                let meta = f.metadata().ok()?;
                Some(NsId {
                    dev: meta.dev(),
                    ino: meta.ino(),
                })
            }),
            Self::Path(path) => discover::id_of(path),
            Self::Pid(pid) => discover::id_of(Path::new(&format!("/proc/{pid}/ns/net"))),
        }
    }
}

/// Opens `/run/netns/NAME` without following a link, with messages a person can act on.
fn open_named(name: &str) -> color_eyre::Result<File> {
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
    open_nsfs(&path_of(name), false).map_err(|err| match err {
        OpenError::Missing => BadInput(format!(
            "no network namespace named '{shown}' (looked in {NETNS_DIR}; see `ip netns list`)"
        ))
        .into(),
        OpenError::Denied => {
            eyre!("reading namespace '{shown}' needs root: its file in {NETNS_DIR} is not readable")
        }
        OpenError::Link => BadInput(format!(
            "'{shown}' in {NETNS_DIR} is a symbolic link, not a network namespace"
        ))
        .into(),
        OpenError::NotNsfs => BadInput(format!(
            "'{shown}' in {NETNS_DIR} is not a network namespace (not a mounted nsfs file)"
        ))
        .into(),
        OpenError::Other(err) => eyre!("cannot open namespace '{shown}' in {NETNS_DIR}: {err}"),
    })
}

/// Opens a namespace file given by path (`--netns-path`), following links as `/proc/PID/ns/net`
/// needs.
fn open_path(path: &Path) -> color_eyre::Result<File> {
    let shown = cut(&path.to_string_lossy(), 80);
    open_nsfs(path, true).map_err(|err| match err {
        OpenError::Missing => BadInput(format!("{shown}: no such file")).into(),
        OpenError::Denied => eyre!("opening {shown} needs root (permission denied)"),
        OpenError::NotNsfs | OpenError::Link => BadInput(format!(
            "{shown} is not a namespace file (such as /run/netns/NAME or /proc/PID/ns/net)"
        ))
        .into(),
        OpenError::Other(err) => eyre!("cannot open {shown}: {err}"),
    })
}

/// Opens the network namespace of process `pid` (`--pid`), and its label `pid 4242 (nginx)`.
fn open_pid(pid: u32) -> color_eyre::Result<(File, String)> {
    if pid == 0 {
        return Err(BadInput("0 is not a process id".into()).into());
    }
    let opened = open_nsfs(Path::new(&format!("/proc/{pid}/ns/net")), true);
    let file = opened.map_err(|err| -> color_eyre::Report {
        match err {
            OpenError::Missing if Path::new(&format!("/proc/{pid}")).exists() => BadInput(format!(
                "process {pid} has exited: its network namespace is gone"
            ))
            .into(),
            OpenError::Missing => BadInput(format!("no process with pid {pid}")).into(),
            OpenError::Denied => {
                eyre!("opening the network namespace of pid {pid} needs root (permission denied)")
            }
            OpenError::NotNsfs | OpenError::Link => {
                eyre!("/proc/{pid}/ns/net is not a namespace file (is /proc mounted?)")
            }
            OpenError::Other(err) => eyre!("cannot open /proc/{pid}/ns/net: {err}"),
        }
    })?;
    let comm = discover::comm_of(pid);
    let label = if comm.is_empty() {
        format!("pid {pid}")
    } else {
        format!("pid {pid} ({comm})")
    };
    Ok((file, label))
}

/// The kind of namespace an nsfs descriptor holds, when its link says so (`uts:[4026531838]`).
fn kind_of(file: &File) -> Option<String> {
    let link = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()?;
    let link = link.to_str()?;
    let (kind, rest) = link.split_once(":[")?;
    (rest.ends_with(']') && kind.bytes().all(|b| b.is_ascii_lowercase())).then(|| kind.to_owned())
}

/// Enters `file` on the calling thread, with the message for each way that fails.
pub(super) fn enter(file: &File, target: &Target) -> color_eyre::Result<()> {
    setns(file, CloneFlags::CLONE_NEWNET).map_err(|err| match err {
        Errno::EPERM => eyre!("entering {target} needs root (CAP_SYS_ADMIN)"),
        Errno::EINVAL => {
            let kind = kind_of(file).map_or_else(String::new, |k| format!(" (a {k} namespace)"));
            BadInput(format!("{target} is not a network namespace{kind}")).into()
        }
        other => eyre!("entering {target}: {other}"),
    })
}

/// Checks that `file` is a network namespace routescope may enter: a throwaway thread enters it
/// and returns (`setns` changes only the calling thread).
fn check_network(file: &Arc<File>, target: &Target) -> color_eyre::Result<()> {
    let (file, target) = (Arc::clone(file), target.clone());
    std::thread::Builder::new()
        .name("routescope-netns-check".into())
        .spawn(move || enter(&file, &target))
        .wrap_err("starting the namespace check")?
        .join()
        .map_err(|_| eyre!("the namespace check panicked"))?
}
