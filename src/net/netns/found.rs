//! Naming the network namespaces found on the host: a pure function over the facts `discover`
//! collects, so the deduplication and the names are tested without a kernel.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::Target;

/// What identifies a namespace: the device and inode of its nsfs file (the same for every file
/// and process that leads to it, for as long as it exists).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NsId {
    /// The nsfs device (one per host).
    pub dev: u64,
    /// The namespace's inode number (`ip netns identify`, `lsns` show it).
    pub ino: u64,
}

/// Where a namespace was seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Bound under `/run/netns` with this name (what `-n` takes).
    Named(String),
    /// Bound in a container runtime's directory (or a `/var/run/netns` distinct from `/run/netns`).
    Runtime(PathBuf),
    /// The namespace of a running process, with its command name (`/proc/PID/comm`).
    Process {
        /// Its process id.
        pid: u32,
        /// Its command name (raw: any bytes the process chose).
        comm: String,
    },
}

/// One sighting: a namespace file or a process, and the namespace it leads to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fact {
    /// The file or process seen.
    pub source: Source,
    /// The namespace it leads to.
    pub id: NsId,
}

/// A distinct network namespace on the host, as the picker lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// How to follow it: `Current` for the one routescope started in, else its `/run/netns`
    /// name, its runtime path, or the lowest pid in it.
    pub target: Target,
    /// What to call it: the `/run/netns` name, the runtime path, or `pid 4242 nginx +2 more`
    /// (raw: the picker escapes it).
    pub name: String,
    /// Its identity; `None` only for the starting namespace when `/proc` could not be read.
    pub id: Option<NsId>,
    /// Whether routescope started in it.
    pub started_in: bool,
}

/// The name shown for the starting namespace when nothing else names it.
const STARTED_IN: &str = "(the namespace routescope started in)";

/// Everything seen of one namespace, each list sorted before use.
#[derive(Default)]
struct Sightings {
    names: Vec<String>,
    paths: Vec<PathBuf>,
    processes: Vec<(u32, String)>,
}

impl Sightings {
    /// The best way to reach it and its name, and how it sorts: named, then runtime paths, then
    /// processes (by lowest pid); `None` if nothing was seen.
    fn describe(mut self) -> Option<(Target, String, (u8, String, u32))> {
        self.names.sort();
        self.paths.sort();
        self.processes.sort();
        if let Some(name) = self.names.into_iter().next() {
            return Some((Target::Named(name.clone()), name.clone(), (0, name, 0)));
        }
        if let Some(path) = self.paths.into_iter().next() {
            let shown = path.to_string_lossy().into_owned();
            return Some((Target::Path(path), shown.clone(), (1, shown, 0)));
        }
        let more = self.processes.len().saturating_sub(1);
        let (pid, comm) = self.processes.into_iter().next()?;
        let name = if more > 0 {
            format!("pid {pid} {comm} +{more} more")
        } else {
            format!("pid {pid} {comm}")
        };
        Some((Target::Pid(pid), name, (2, String::new(), pid)))
    }
}

/// Every distinct namespace in `facts` (deduplicated by device and inode), named by its
/// `/run/netns` name, else its runtime path, else the processes in it; the one routescope
/// started in (`start`) comes first, reached as `Target::Current`, then named ones, runtime
/// paths and processes, each sorted.
pub fn name_all(facts: &[Fact], start: Option<NsId>) -> Vec<Found> {
    let mut groups: BTreeMap<NsId, Sightings> = BTreeMap::new();
    for fact in facts {
        let seen = groups.entry(fact.id).or_default();
        match &fact.source {
            Source::Named(name) => seen.names.push(name.clone()),
            Source::Runtime(path) => seen.paths.push(path.clone()),
            Source::Process { pid, comm } => seen.processes.push((*pid, comm.clone())),
        }
    }
    let first_name = start
        .and_then(|id| groups.remove(&id))
        .and_then(Sightings::describe)
        .map_or_else(|| STARTED_IN.to_owned(), |(_, name, _)| name);
    let mut rest: Vec<_> = groups
        .into_iter()
        .filter_map(|(id, seen)| {
            let (target, name, order) = seen.describe()?;
            let found = Found {
                target,
                name,
                id: Some(id),
                started_in: false,
            };
            Some((order, found))
        })
        .collect();
    rest.sort_by(|a, b| a.0.cmp(&b.0));
    let started = Found {
        target: Target::Current,
        name: first_name,
        id: start,
        started_in: true,
    };
    std::iter::once(started)
        .chain(rest.into_iter().map(|(_, found)| found))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The namespace with inode `ino` (one device, as on every host: nsfs is one mount).
    fn id(ino: u64) -> NsId {
        NsId { dev: 4, ino }
    }

    fn named(name: &str, ino: u64) -> Fact {
        Fact {
            source: Source::Named(name.into()),
            id: id(ino),
        }
    }

    fn runtime(path: &str, ino: u64) -> Fact {
        Fact {
            source: Source::Runtime(path.into()),
            id: id(ino),
        }
    }

    fn process(pid: u32, comm: &str, ino: u64) -> Fact {
        Fact {
            source: Source::Process {
                pid,
                comm: comm.into(),
            },
            id: id(ino),
        }
    }

    /// The target, name and starting mark of each entry, in order.
    fn listed(facts: &[Fact], start: Option<NsId>) -> Vec<(Target, String, bool)> {
        name_all(facts, start)
            .into_iter()
            .map(|f| (f.target, f.name, f.started_in))
            .collect()
    }

    #[test]
    fn each_namespace_once_by_its_best_name_starting_one_first() {
        let facts = [
            process(1, "systemd", 10),
            process(700, "sshd", 10),
            process(4242, "nginx", 20),
            process(4250, "nginx", 20),
            process(4300, "worker", 20),
            runtime("/run/docker/netns/1a2b", 20),
            process(5000, "postgres", 30),
            runtime("/run/docker/netns/9f9f", 30),
            named("blue", 30),
            process(6001, "sleep", 40),
            process(6000, "sh", 40),
            named("red", 50),
            named("alpha", 50),
        ];
        assert_eq!(
            listed(&facts, Some(id(10))),
            [
                (Target::Current, "pid 1 systemd +1 more".into(), true),
                (Target::Named("alpha".into()), "alpha".into(), false),
                (Target::Named("blue".into()), "blue".into(), false),
                (
                    Target::Path("/run/docker/netns/1a2b".into()),
                    "/run/docker/netns/1a2b".into(),
                    false
                ),
                (Target::Pid(6000), "pid 6000 sh +1 more".into(), false),
            ]
        );
    }

    #[test]
    fn the_starting_namespace_is_listed_even_when_nothing_else_names_it() {
        let facts = [named("blue", 30)];
        for start in [Some(id(10)), None] {
            let all = name_all(&facts, start);
            assert_eq!(all.len(), 2);
            assert_eq!(all[0].target, Target::Current);
            assert_eq!(all[0].name, STARTED_IN);
            assert_eq!(all[0].id, start);
            assert!(all[0].started_in && !all[1].started_in);
        }
        // a named namespace routescope started in keeps its name, but is followed as itself
        let all = name_all(&facts, Some(id(30)));
        assert_eq!(all.len(), 1);
        assert_eq!(
            (&all[0].target, all[0].name.as_str()),
            (&Target::Current, "blue")
        );
    }

    #[test]
    fn the_same_inode_on_another_device_is_another_namespace() {
        let facts = [
            process(1, "init", 10),
            Fact {
                source: Source::Named("other".into()),
                id: NsId { dev: 5, ino: 10 },
            },
        ];
        assert_eq!(name_all(&facts, Some(id(10))).len(), 2);
    }
}
