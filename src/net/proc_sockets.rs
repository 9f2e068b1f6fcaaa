//! What `/proc` says about netlink sockets and the processes holding them: the namespace's
//! socket table (port id → inode), which file descriptor of which process is that socket, and
//! the process's name and command line. `net::origin` caches what it learns from here.
//!
//! The socket table is read through `/proc/thread-self/net/netlink`, so from the feed's thread
//! it lists the sockets of the namespace being followed (`/proc/net` follows the main thread).

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

use crate::model::{Process, escape};

/// The protocol number of `NETLINK_ROUTE` in the socket table's `Eth` column.
const NETLINK_ROUTE: u32 = 0;

/// The `NETLINK_ROUTE` sockets of a socket table's text (`/proc/net/netlink`): port id → inode.
///
/// Columns are found by their header names (`Eth`, `Pid`, `Inode`), so a kernel that adds a
/// column still parses; lines that do not parse are skipped, and the kernel's own socket (port
/// id 0) is left out.
pub fn route_sockets(table: &str) -> HashMap<u32, u64> {
    let mut lines = table.lines();
    let Some(header) = lines.next() else {
        return HashMap::new();
    };
    let column = |name: &str| header.split_whitespace().position(|c| c == name);
    let (Some(eth), Some(pid), Some(inode)) = (column("Eth"), column("Pid"), column("Inode"))
    else {
        return HashMap::new();
    };
    lines
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let protocol: u32 = fields.get(eth)?.parse().ok()?;
            let portid: u32 = fields.get(pid)?.parse().ok()?;
            let inode: u64 = fields.get(inode)?.parse().ok()?;
            (protocol == NETLINK_ROUTE && portid != 0).then_some((portid, inode))
        })
        .collect()
}

/// The inode of a file descriptor's link text when it is a socket (`socket:[12345]`).
pub fn socket_inode(link: &str) -> Option<u64> {
    link.strip_prefix("socket:[")?
        .strip_suffix(']')?
        .parse()
        .ok()
}

/// `PF_EXITING` in the flags of `/proc/PID/stat`: the process has begun to exit.
const PF_EXITING: u64 = 0x4;

/// Whether `/proc/PID/stat` text shows a process that is exiting (`PF_EXITING`) or a zombie.
/// Such a process has already closed its descriptors, though its sockets may still be listed
/// for a moment.
pub fn is_exiting(stat: &str) -> bool {
    // the command name may hold spaces and parentheses: the fields start after the last ')'
    let Some((_, fields)) = stat.rsplit_once(')') else {
        return false;
    };
    let mut fields = fields.split_whitespace();
    let state = fields.next();
    let flags: Option<u64> = fields.nth(5).and_then(|f| f.parse().ok());
    matches!(state, Some("Z" | "X" | "x")) || flags.is_some_and(|f| f & PF_EXITING != 0)
}

/// A command line as `/proc/PID/cmdline` holds it (NUL-separated arguments), joined by spaces
/// and escaped for a terminal.
pub fn command_line(raw: &[u8]) -> String {
    let words: Vec<String> = raw
        .split(|b| *b == 0)
        .filter(|w| !w.is_empty())
        .map(|w| crate::model::escape_bytes(w).into_owned())
        .collect();
    words.join(" ")
}

/// A command name as `/proc/PID/comm` holds it, without its newline and escaped.
pub fn command_name(raw: &[u8]) -> String {
    let name = raw.strip_suffix(b"\n").unwrap_or(raw);
    escape(&String::from_utf8_lossy(name)).into_owned()
}

/// Where a socket is held: a process and one of its file descriptors.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Holder {
    /// The process id (in routescope's pid namespace).
    pub pid: u32,
    /// The file descriptor number.
    pub fd: u32,
}

/// What the resolver needs to read; a trait so its cache is tested without `/proc`.
pub trait Source {
    /// The `NETLINK_ROUTE` sockets of the namespace being followed (port id → inode), or `None`
    /// when the table cannot be read.
    fn route_sockets(&mut self) -> Option<HashMap<u32, u64>>;
    /// The file descriptor of process `pid` that is socket `inode`, if it holds it.
    fn fd_of(&mut self, pid: u32, inode: u64) -> Option<u32>;
    /// The socket inode at `fd` of process `pid`, if that is still a socket.
    fn socket_at(&mut self, holder: Holder) -> Option<u64>;
    /// Every process's file descriptors that are one of `wanted`: inode → holder.
    fn scan(&mut self, wanted: &HashSet<u64>) -> HashMap<u64, Holder>;
    /// The process's name and command line, if it still exists.
    fn describe(&mut self, pid: u32) -> Option<Process>;
    /// Whether process `pid` exists and is exiting.
    fn exiting(&mut self, pid: u32) -> bool;
}

/// The real `/proc`.
#[derive(Debug, Clone)]
pub struct ProcFs {
    root: PathBuf,
}

impl Default for ProcFs {
    fn default() -> Self {
        Self {
            root: PathBuf::from("/proc"),
        }
    }
}

impl ProcFs {
    /// The directory of file descriptors of `pid`.
    fn fd_dir(&self, pid: u32) -> PathBuf {
        self.root.join(pid.to_string()).join("fd")
    }
}

/// The socket inode a file descriptor link points at.
fn link_inode(path: &Path) -> Option<u64> {
    let target = std::fs::read_link(path).ok()?;
    socket_inode(target.to_str()?)
}

/// The numeric entries of a directory (pids under `/proc`, fds under `fd/`).
fn numbered(dir: &Path) -> impl Iterator<Item = u32> + use<> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|entry| entry.ok()?.file_name().to_str()?.parse().ok())
}

impl Source for ProcFs {
    fn route_sockets(&mut self) -> Option<HashMap<u32, u64>> {
        let text = std::fs::read_to_string(self.root.join("thread-self/net/netlink")).ok()?;
        Some(route_sockets(&text))
    }

    fn fd_of(&mut self, pid: u32, inode: u64) -> Option<u32> {
        let dir = self.fd_dir(pid);
        numbered(&dir).find(|fd| link_inode(&dir.join(fd.to_string())) == Some(inode))
    }

    fn socket_at(&mut self, holder: Holder) -> Option<u64> {
        link_inode(&self.fd_dir(holder.pid).join(holder.fd.to_string()))
    }

    fn scan(&mut self, wanted: &HashSet<u64>) -> HashMap<u64, Holder> {
        let mut found = HashMap::new();
        for pid in numbered(&self.root) {
            let dir = self.fd_dir(pid);
            for fd in numbered(&dir) {
                if let Some(inode) = link_inode(&dir.join(fd.to_string())) {
                    if wanted.contains(&inode) {
                        found.entry(inode).or_insert(Holder { pid, fd });
                    }
                }
            }
        }
        found
    }

    fn describe(&mut self, pid: u32) -> Option<Process> {
        let dir = self.root.join(pid.to_string());
        let comm = std::fs::read(dir.join("comm")).ok()?;
        let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        Some(Process {
            pid,
            comm: command_name(&comm),
            cmdline: command_line(&cmdline),
        })
    }

    fn exiting(&mut self, pid: u32) -> bool {
        let stat = std::fs::read_to_string(self.root.join(pid.to_string()).join("stat"));
        stat.is_ok_and(|text| is_exiting(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket table as a 6.x kernel prints it, with sockets of several protocols.
    const TABLE: &str = "\
sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
0000000095df0459 0   0          00000000 0        0        0     2        0        4       
00000000fe670b5c 4   0          00000000 0        0        0     2        0        566     
000000001b2c3d4e 0   612        000405d1 0        0        0     2        0        81234   
000000002c3d4e5f 0   4294962345 00000000 0        0        0     2        0        81240   
000000003d4e5f60 16  612        00000000 0        0        0     2        0        81299   
";

    #[test]
    fn the_table_gives_route_sockets_by_port_id() {
        let sockets = route_sockets(TABLE);
        assert_eq!(sockets.len(), 2, "{sockets:?}");
        assert_eq!(
            sockets[&612], 81234,
            "the route socket, not the generic one"
        );
        assert_eq!(
            sockets[&4_294_962_345], 81240,
            "a kernel-chosen port id prints as unsigned"
        );
        assert!(!sockets.contains_key(&0), "the kernel's own socket");
    }

    #[test]
    fn columns_are_found_by_name_and_bad_lines_skipped() {
        let reordered = "Inode Pid Eth\n77 900 0\nnot a line\n78 x 0\n";
        assert_eq!(route_sockets(reordered), HashMap::from([(900, 77)]));
        assert!(route_sockets("").is_empty());
        assert!(
            route_sockets("sk Eth Pid\n1 0 5\n").is_empty(),
            "no Inode column"
        );
    }

    #[test]
    fn exiting_processes_are_seen_in_their_stat() {
        let running = "612 (net watch) d) S 1 612 612 0 -1 4194560 120 0 0 0 3 1 0 0 20 0";
        assert!(!is_exiting(running), "a name with ') ' in it");
        let exiting = "612 (ip) R 1 612 612 0 -1 4194628 120 0 0 0 3 1 0 0 20 0";
        assert!(is_exiting(exiting), "flags 0x400044 hold PF_EXITING");
        assert!(is_exiting("612 (ip) Z 1 612 612 0 -1 4194560 0"));
        assert!(!is_exiting(""));
    }

    #[test]
    fn socket_links_and_command_lines() {
        assert_eq!(socket_inode("socket:[81234]"), Some(81234));
        assert_eq!(socket_inode("pipe:[81234]"), None);
        assert_eq!(socket_inode("/dev/null"), None);
        assert_eq!(
            command_line(b"/usr/sbin/ip\0-n\0ns 1\0-batch\0-\0"),
            "/usr/sbin/ip -n ns 1 -batch -"
        );
        assert_eq!(command_line(b""), "");
        assert_eq!(command_line(b"evil\x1b[2J\0"), "evil\\x1b[2J");
        assert_eq!(command_name(b"netwatchd\n"), "netwatchd");
        assert_eq!(command_name(b"a\x07b\n"), "a\\x07b");
    }
}
