//! Who caused a change: the netlink port id of the request's socket and, when it could be
//! resolved, the process that owned that socket (`net::origin` resolves it).

/// The process behind a netlink socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Process {
    /// Its process id in the namespace routescope runs in.
    pub pid: u32,
    /// Its command name (`/proc/PID/comm`).
    pub comm: String,
    /// Its command line, arguments joined by spaces and escaped for a terminal.
    pub cmdline: String,
}

/// Where a change came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// A request on the socket with this port id (`nlmsg_pid`, never 0).
    Socket {
        /// The socket's netlink port id; for most short-lived tools it is their pid.
        portid: u32,
        /// The process that owns the socket, when it still existed when the change was read.
        process: Option<Process>,
    },
    /// The kernel itself (port id 0), with what the model knows of why (a link went down).
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
                process: None,
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
            Self::Socket { process, .. } => process.as_ref(),
            Self::Kernel { .. } | Self::Reread => None,
        }
    }

    /// Who, in a few words: `networkd (pid 612)`, `port 4242 (no longer running)`,
    /// `kernel (link eth0 went down)`, `re-read`.
    pub fn who(&self) -> String {
        match self {
            Self::Socket {
                process: Some(p), ..
            } => format!("{} (pid {})", p.comm, p.pid),
            Self::Socket {
                portid,
                process: None,
            } => format!("port {portid} (no longer running)"),
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
        assert_eq!(Origin::of_portid(7).who(), "port 7 (no longer running)");
        let named = Origin::Socket {
            portid: 612,
            process: Some(Process {
                pid: 612,
                comm: "networkd".into(),
                cmdline: "/lib/systemd/systemd-networkd".into(),
            }),
        };
        assert_eq!(named.who(), "networkd (pid 612)");
        assert_eq!(Origin::Reread.who(), "re-read");
    }
}
