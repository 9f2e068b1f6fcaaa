//! Port id → the process holding that netlink socket, cached so that a storm of notifications
//! costs a map look-up each, not a walk through `/proc`.
//!
//! A port id is looked up in the namespace's socket table (which gives the socket's inode), then
//! the inode is found among the process's file descriptors: first those of the process whose
//! pid is the port id (the kernel gives a process's first socket its pid), then those of the
//! last full scan of `/proc`, and only then in a new scan, at most one per `SCAN_INTERVAL`.
//! A socket still listed while the process whose pid is its port id is exiting (descriptors are
//! closed before sockets are released) is that process's: gone, and no scan. An answer is kept for `RECHECK`; after that the table is read again, and a port id that now
//! names another socket (closed and reused) is resolved afresh.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use super::proc_sockets::{Holder, Source};
use crate::model::Owner;

/// How long an answer for a port id is used before the socket table is read again.
pub const RECHECK: Duration = Duration::from_secs(1);
/// The least time between two full scans of every process's file descriptors.
pub const SCAN_INTERVAL: Duration = Duration::from_secs(1);
/// Past this many cached port ids, stale answers are dropped.
const CACHE_LIMIT: usize = 4096;

/// What is known about one port id.
#[derive(Debug, Clone)]
struct Entry {
    /// The inode of the socket that had the port id, `None` when no socket had it.
    inode: Option<u64>,
    /// Where the socket was found.
    holder: Option<Holder>,
    /// The answer.
    owner: Owner,
    /// Until when the answer is used without looking again.
    fresh_until: Instant,
}

/// Where a socket was found.
enum Found {
    /// At this descriptor of this process.
    At(Holder),
    /// Nowhere, but the process whose pid is its port id is exiting.
    Exiting,
    /// Nowhere routescope could look.
    Nowhere,
}

/// The port id → owner resolver with its cache, for the namespace its source reads.
#[derive(Debug)]
pub struct Resolver<S> {
    /// Where sockets and processes are read (`/proc`, or a test's fake).
    source: S,
    /// What is known per port id.
    ports: HashMap<u32, Entry>,
    /// Socket holders found by the last full scan, by inode.
    holders: HashMap<u64, Holder>,
    /// When the last full scan ran, which limits the next one.
    last_scan: Option<Instant>,
}

impl<S: Source> Resolver<S> {
    /// A resolver with an empty cache reading `source`.
    pub fn new(source: S) -> Self {
        Self {
            source,
            ports: HashMap::new(),
            holders: HashMap::new(),
            last_scan: None,
        }
    }

    /// The owner of the socket with port id `portid` at `now`, from the cache while it is fresh.
    pub fn owner(&mut self, portid: u32, now: Instant) -> Owner {
        if let Some(entry) = self.ports.get(&portid).filter(|e| now < e.fresh_until) {
            return entry.owner.clone();
        }
        let entry = self.look_up(portid, now);
        let owner = entry.owner.clone();
        if self.ports.len() >= CACHE_LIMIT {
            self.ports.retain(|_, e| now < e.fresh_until);
        }
        self.ports.insert(portid, entry);
        owner
    }

    /// Reads the socket table and finds the socket's holder.
    fn look_up(&mut self, portid: u32, now: Instant) -> Entry {
        let Some(table) = self.source.route_sockets() else {
            return Entry {
                inode: None,
                holder: None,
                owner: Owner::Unknown,
                fresh_until: now + RECHECK,
            };
        };
        let Some(&inode) = table.get(&portid) else {
            return Entry {
                inode: None,
                holder: None,
                owner: Owner::Gone,
                fresh_until: now + RECHECK,
            };
        };
        // the same socket, still at the same descriptor: what was found stands
        if let Some(known) = self.ports.get(&portid).filter(|e| e.inode == Some(inode)) {
            if let (Some(holder), Owner::Running(_)) = (known.holder, &known.owner) {
                if self.source.socket_at(holder) == Some(inode) {
                    return Entry {
                        fresh_until: now + RECHECK,
                        ..known.clone()
                    };
                }
            }
        }
        let wanted = || table.values().copied().collect();
        let found = match self.holder_of(portid, inode, wanted, now) {
            Found::At(holder) => self.source.describe(holder.pid).map(|p| (holder, p)),
            Found::Exiting => {
                return Entry {
                    inode: Some(inode),
                    holder: None,
                    owner: Owner::Gone,
                    fresh_until: now + RECHECK,
                };
            }
            Found::Nowhere => None,
        };
        match found {
            Some((holder, process)) => Entry {
                inode: Some(inode),
                holder: Some(holder),
                owner: Owner::Running(process),
                fresh_until: now + RECHECK,
            },
            // a socket whose last reference another `/proc` reader held is released a moment
            // after its owner has exited and been reaped: one more read of the table tells
            None if self.released(portid, inode) => Entry {
                inode: Some(inode),
                holder: None,
                owner: Owner::Gone,
                fresh_until: now + RECHECK,
            },
            // looked for again once another scan is allowed
            None => Entry {
                inode: Some(inode),
                holder: None,
                owner: Owner::Unknown,
                fresh_until: self.next_scan(now),
            },
        }
    }

    /// Whether socket `inode` no longer has port id `portid`, read afresh.
    fn released(&mut self, portid: u32, inode: u64) -> bool {
        self.source
            .route_sockets()
            .is_some_and(|table| table.get(&portid) != Some(&inode))
    }

    /// The earliest time a full scan may run again.
    fn next_scan(&self, now: Instant) -> Instant {
        self.last_scan.map_or(now, |t| t + SCAN_INTERVAL).max(now)
    }

    /// Where socket `inode` (port id `portid`) is held: in the process whose pid is the port id,
    /// where the last scan saw it, or in a new scan if one is allowed (`wanted`: the inodes
    /// worth keeping from it).
    fn holder_of(
        &mut self,
        portid: u32,
        inode: u64,
        wanted: impl FnOnce() -> HashSet<u64>,
        now: Instant,
    ) -> Found {
        if let Some(fd) = self.source.fd_of(portid, inode) {
            return Found::At(Holder { pid: portid, fd });
        }
        if self.source.exiting(portid) {
            return Found::Exiting;
        }
        if let Some(&holder) = self.holders.get(&inode) {
            if self.source.socket_at(holder) == Some(inode) {
                return Found::At(holder);
            }
        }
        if self.next_scan(now) > now {
            return Found::Nowhere;
        }
        self.holders = self.source.scan(&wanted());
        self.last_scan = Some(now);
        self.holders
            .get(&inode)
            .copied()
            .map_or(Found::Nowhere, Found::At)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Process;

    /// How many times the resolver read the socket table and scanned every process.
    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    struct Reads {
        tables: usize,
        scans: usize,
    }

    /// `tables` reads of the socket table and `scans` full scans.
    fn reads(tables: usize, scans: usize) -> Reads {
        Reads { tables, scans }
    }

    /// A pretend `/proc`: sockets by port id, and each process's descriptors; it counts reads.
    #[derive(Default)]
    struct Fake {
        table: HashMap<u32, u64>,
        fds: HashMap<u32, HashMap<u32, u64>>,
        names: HashMap<u32, &'static str>,
        exiting: HashSet<u32>,
        /// Port ids whose sockets leave the table right after the next read of it.
        released_after_read: HashSet<u32>,
        reads: Reads,
    }

    impl Fake {
        /// Process `pid` named `name` holds socket `inode` at descriptor 3 with port id `portid`.
        fn hold(&mut self, pid: u32, name: &'static str, portid: u32, inode: u64) {
            self.table.insert(portid, inode);
            self.fds.entry(pid).or_default().insert(3, inode);
            self.names.insert(pid, name);
        }

        /// Process `pid` exits, closing its sockets.
        fn exit(&mut self, pid: u32) {
            let inodes: Vec<u64> = self
                .fds
                .remove(&pid)
                .unwrap_or_default()
                .into_values()
                .collect();
            self.table.retain(|_, inode| !inodes.contains(inode));
            self.names.remove(&pid);
        }
    }

    impl Source for Fake {
        fn route_sockets(&mut self) -> Option<HashMap<u32, u64>> {
            self.reads.tables += 1;
            let table = self.table.clone();
            let released = std::mem::take(&mut self.released_after_read);
            self.table.retain(|portid, _| !released.contains(portid));
            Some(table)
        }
        fn fd_of(&mut self, pid: u32, inode: u64) -> Option<u32> {
            let fds = self.fds.get(&pid)?;
            fds.iter().find(|(_, i)| **i == inode).map(|(fd, _)| *fd)
        }
        fn socket_at(&mut self, holder: Holder) -> Option<u64> {
            self.fds.get(&holder.pid)?.get(&holder.fd).copied()
        }
        fn scan(&mut self, wanted: &HashSet<u64>) -> HashMap<u64, Holder> {
            self.reads.scans += 1;
            let mut found = HashMap::new();
            for (&pid, fds) in &self.fds {
                for (&fd, &inode) in fds {
                    if wanted.contains(&inode) {
                        found.insert(inode, Holder { pid, fd });
                    }
                }
            }
            found
        }
        fn exiting(&mut self, pid: u32) -> bool {
            self.exiting.contains(&pid)
        }
        fn describe(&mut self, pid: u32) -> Option<Process> {
            let name = self.names.get(&pid)?;
            Some(Process {
                pid,
                comm: (*name).to_owned(),
                cmdline: format!("/usr/sbin/{name}"),
            })
        }
    }

    /// The pid an owner names, if it is running.
    fn pid(owner: &Owner) -> Option<u32> {
        match owner {
            Owner::Running(p) => Some(p.pid),
            Owner::Gone | Owner::Unknown => None,
        }
    }

    #[test]
    fn a_port_id_that_is_a_pid_needs_no_scan() {
        let mut fake = Fake::default();
        fake.hold(612, "netwatchd", 612, 81234);
        let mut resolver = Resolver::new(fake);
        let now = Instant::now();
        assert_eq!(pid(&resolver.owner(612, now)), Some(612));
        assert_eq!(resolver.source.reads, reads(1, 0));
    }

    #[test]
    fn a_storm_from_one_port_reads_the_table_once_a_second() {
        let mut fake = Fake::default();
        fake.hold(612, "netwatchd", 612, 81234);
        let mut resolver = Resolver::new(fake);
        let start = Instant::now();
        for i in 0..50_000u32 {
            let now = start + Duration::from_micros(u64::from(i) * 20); // 50,000/s for 1 s
            assert_eq!(pid(&resolver.owner(612, now)), Some(612));
            assert_eq!(resolver.owner(4242, now), Owner::Gone, "an exited tool");
        }
        assert_eq!(resolver.source.reads, reads(2, 0));
        resolver.owner(4242, start + RECHECK);
        assert_eq!(
            resolver.source.reads.tables, 3,
            "looked at again after RECHECK"
        );
    }

    #[test]
    fn a_second_socket_is_found_by_a_scan_and_scans_are_rate_limited() {
        let mut fake = Fake::default();
        fake.hold(700, "daemon", 700, 1);
        // its second socket, whose port id the kernel chose
        fake.table.insert(3_000_000_000, 2);
        fake.fds.get_mut(&700).unwrap().insert(4, 2);
        fake.table.insert(3_000_000_001, 99); // held by nobody routescope can see
        let mut resolver = Resolver::new(fake);
        let now = Instant::now();
        assert_eq!(pid(&resolver.owner(3_000_000_000, now)), Some(700));
        assert_eq!(resolver.source.reads.scans, 1);
        assert_eq!(resolver.owner(3_000_000_001, now), Owner::Unknown);
        assert_eq!(
            resolver.source.reads.scans, 1,
            "no second scan within the interval"
        );
        for _ in 0..1000 {
            resolver.owner(3_000_000_001, now + Duration::from_millis(500));
        }
        assert_eq!(
            resolver.source.reads,
            reads(3, 1),
            "the unheld socket's table is read twice, then cached"
        );
        assert_eq!(
            resolver.owner(3_000_000_001, now + SCAN_INTERVAL),
            Owner::Unknown
        );
        assert_eq!(resolver.source.reads.scans, 2, "scanned again once allowed");
    }

    #[test]
    fn a_reused_port_id_names_its_new_owner() {
        let mut fake = Fake::default();
        fake.hold(900, "old", 900, 10);
        let mut resolver = Resolver::new(fake);
        let now = Instant::now();
        assert_eq!(pid(&resolver.owner(900, now)), Some(900));
        resolver.source.exit(900);
        assert_eq!(
            pid(&resolver.owner(900, now + Duration::from_millis(10))),
            Some(900),
            "cached until RECHECK"
        );
        let later = now + RECHECK;
        assert_eq!(resolver.owner(900, later), Owner::Gone);
        // the port id comes back on another socket, held by another process
        resolver.source.hold(901, "new", 900, 11);
        let again = later + RECHECK;
        match resolver.owner(900, again) {
            Owner::Running(p) => assert_eq!((p.pid, p.comm.as_str()), (901, "new")),
            other => panic!("expected the new owner, got {other:?}"),
        }
    }

    #[test]
    fn a_socket_outliving_its_exiting_process_is_gone_without_a_scan() {
        let mut fake = Fake::default();
        fake.table.insert(950, 30); // still listed, its descriptor already closed
        fake.exiting.insert(950);
        let mut resolver = Resolver::new(fake);
        assert_eq!(resolver.owner(950, Instant::now()), Owner::Gone);
        assert_eq!(resolver.source.reads, reads(1, 0));
    }

    #[test]
    fn a_socket_released_a_moment_after_its_owner_was_reaped_is_gone() {
        let mut fake = Fake::default();
        // listed at the first read, held by no process, and no process 960 any more
        fake.table.insert(960, 31);
        fake.released_after_read.insert(960);
        let mut resolver = Resolver::new(fake);
        assert_eq!(resolver.owner(960, Instant::now()), Owner::Gone);
        assert_eq!(resolver.source.reads, reads(2, 1));
    }

    #[test]
    fn a_known_socket_is_confirmed_without_a_scan() {
        let mut fake = Fake::default();
        fake.hold(800, "d", 5_000_000, 20);
        let mut resolver = Resolver::new(fake);
        let now = Instant::now();
        assert_eq!(pid(&resolver.owner(5_000_000, now)), Some(800));
        for k in 1..=5 {
            resolver.owner(5_000_000, now + RECHECK * k);
        }
        assert_eq!(resolver.source.reads, reads(6, 1));
    }
}
