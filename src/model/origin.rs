//! Who caused a change: the netlink port id of the request's socket and, when it could be
//! resolved, the process that owned that socket (`net::origin` resolves it).

/// The process behind a netlink socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Its process id in the namespace routescope runs in.
    pub pid: u32,
    /// Its command name (`/proc/PID/comm`), escaped for a terminal.
    pub comm: String,
    /// Its command line, arguments joined by spaces and escaped for a terminal.
    pub cmdline: String,
}

/// What became of a socket's owner by the time the change was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// The socket is open and this process holds it.
    Running(Process),
    /// The socket is closed: whatever made the change has exited (a short-lived `ip`).
    Gone,
    /// Not known: not looked up (attribution off), or the socket is open but no process
    /// routescope can see holds it (another pid namespace, no permission).
    Unknown,
}

/// Where a change came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A request on the socket with this port id (`nlmsg_pid`, never 0).
    Socket {
        /// The socket's netlink port id; for most short-lived tools it is their pid.
        portid: u32,
        /// The socket's owner, as far as it was found when the change was read.
        owner: Owner,
    },
    /// The kernel itself (port id 0), with what the feed knows of why (a link went down).
    Kernel {
        /// The event that made the kernel do it, when known.
        cause: Option<String>,
    },
    /// routescope's own read of the state: the first dump, or a re-read after a silent change
    /// or an overrun (the reason is in the resync event before it).
    Reread,
}

impl Origin {
    /// The origin of a notification with port id `portid`, before any process is resolved.
    pub fn of_portid(portid: u32) -> Self {
        match portid {
            0 => Self::Kernel { cause: None },
            portid => Self::Socket {
                portid,
                owner: Owner::Unknown,
            },
        }
    }

    /// The port id the kernel reported (0 for the kernel and for re-reads).
    pub fn portid(&self) -> u32 {
        match self {
            Self::Socket { portid, .. } => *portid,
            Self::Kernel { .. } | Self::Reread => 0,
        }
    }

    /// The resolved process, if any.
    pub fn process(&self) -> Option<&Process> {
        match self {
            Self::Socket {
                owner: Owner::Running(process),
                ..
            } => Some(process),
            Self::Socket { .. } | Self::Kernel { .. } | Self::Reread => None,
        }
    }

    /// Whether the socket's owner was still running: `None` when not known or not a socket.
    pub fn running(&self) -> Option<bool> {
        match self {
            Self::Socket {
                owner: Owner::Running(_),
                ..
            } => Some(true),
            Self::Socket {
                owner: Owner::Gone, ..
            } => Some(false),
            Self::Socket {
                owner: Owner::Unknown,
                ..
            }
            | Self::Kernel { .. }
            | Self::Reread => None,
        }
    }

    /// The kernel's reason, when the kernel made the change and the feed knows why.
    pub fn cause(&self) -> Option<&str> {
        match self {
            Self::Kernel { cause } => cause.as_deref(),
            Self::Socket { .. } | Self::Reread => None,
        }
    }

    /// Who, in a few words: `networkd (pid 612)`, `port 4242 (no longer running)`, `port 4242`
    /// (owner not found), `kernel (link eth0 went down)`, `re-read`.
    pub fn who(&self) -> String {
        match self {
            Self::Socket {
                owner: Owner::Running(p),
                ..
            } => format!("{} (pid {})", p.comm, p.pid),
            Self::Socket {
                portid,
                owner: Owner::Gone,
            } => format!("port {portid} (no longer running)"),
            Self::Socket {
                portid,
                owner: Owner::Unknown,
            } => format!("port {portid}"),
            Self::Kernel { cause: Some(cause) } => format!("kernel ({cause})"),
            Self::Kernel { cause: None } => "kernel".to_owned(),
            Self::Reread => "re-read".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn port_zero_is_the_kernel_and_others_are_sockets() {
        assert_eq!(Origin::of_portid(0), Origin::Kernel { cause: None });
        assert_eq!(Origin::of_portid(7).portid(), 7);
        assert_eq!(Origin::of_portid(7).who(), "port 7");
        assert_eq!(Origin::of_portid(7).running(), None);
        let gone = Origin::Socket {
            portid: 7,
            owner: Owner::Gone,
        };
        assert_eq!(gone.who(), "port 7 (no longer running)");
        assert_eq!(gone.running(), Some(false));
        let named =
            crate::model::fixtures::by_process(612, "networkd", "/lib/systemd/systemd-networkd");
        assert_eq!(named.who(), "networkd (pid 612)");
        assert_eq!(named.process().map(|p| p.pid), Some(612));
        let kernel = Origin::Kernel {
            cause: Some("link eth0 went down".into()),
        };
        assert_eq!(kernel.who(), "kernel (link eth0 went down)");
        assert_eq!(kernel.cause(), Some("link eth0 went down"));
        assert_eq!(Origin::Reread.who(), "re-read");
    }
}
