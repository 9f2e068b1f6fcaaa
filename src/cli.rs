//! The command line: global options and subcommands (see `docs/cli-contract.md`).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::net::Target;

/// A terminal inspector for Linux routing: live state, policy rules, every table, lookups explained.
#[derive(Debug, Parser)]
#[command(name = "routescope", version, about, long_about = None)]
pub struct Cli {
    /// Work in the network namespace NAME (as `ip -n NAME`: /run/netns/NAME).
    #[arg(short = 'n', long = "netns", value_name = "NAME", global = true)]
    pub netns: Option<String>,

    /// Work in the network namespace of process PID (/proc/PID/ns/net), e.g. a container's.
    #[arg(
        long,
        value_name = "PID",
        global = true,
        value_parser = parse_pid,
        allow_negative_numbers = true,
        conflicts_with_all = ["netns", "netns_path"]
    )]
    pub pid: Option<u32>,

    /// Work in the network namespace of the namespace file PATH (/run/netns/NAME,
    /// /proc/PID/ns/net, /run/docker/netns/ID …).
    #[arg(long, value_name = "PATH", global = true, conflicts_with = "netns")]
    pub netns_path: Option<PathBuf>,

    /// Read the state from a file written by `routescope dump --json` instead of the kernel.
    #[arg(
        long,
        value_name = "FILE",
        global = true,
        conflicts_with_all = ["netns", "pid", "netns_path"]
    )]
    pub snapshot: Option<PathBuf>,

    /// Draw borders with ASCII characters only (for terminals without box-drawing glyphs).
    #[arg(long, global = true)]
    pub ascii: bool,

    /// The TUI's colours: dark (the default), light (for a white background) or high-contrast;
    /// overrides `theme` in the config file (see the README). `NO_COLOR` still wins.
    #[arg(long, value_enum, value_name = "THEME", global = true)]
    pub theme: Option<crate::config::ThemeName>,

    /// Watch this flow (the words of `ip route get`, quoted: "8.8.8.8 from 10.0.0.2"):
    /// in the TUI it joins the namespace's saved watch list; `monitor` prints an `answer`
    /// record whenever its answer changes. Repeat for more flows.
    #[arg(long = "watch", value_name = "QUERY", global = true)]
    pub watch: Vec<String>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

impl Cli {
    /// The network namespace asked for: `-n`, `--pid` or `--netns-path` (clap lets through at
    /// most one), else the one routescope runs in.
    pub fn target(&self) -> Target {
        if let Some(name) = &self.netns {
            Target::Named(name.clone())
        } else if let Some(pid) = self.pid {
            Target::Pid(pid)
        } else if let Some(path) = &self.netns_path {
            Target::Path(path.clone())
        } else {
            Target::Current
        }
    }
}

/// A process id for `--pid`: a positive decimal number (the kernel's pids fit in 22 bits).
fn parse_pid(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("0 is not a process id".into()),
        Ok(pid) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(pid),
        _ => Err(format!(
            "'{}' is not a process id (a positive number)",
            crate::error::cut(text, 40)
        )),
    }
}

/// What to do; without a subcommand routescope opens the terminal UI.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the whole routing state once.
    Dump {
        /// Print JSON (the `dump --json` contract) instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Print changes as the kernel reports them; at the end, the state as routescope holds it.
    Monitor {
        /// Print one JSON object per line instead of text.
        #[arg(long)]
        json: bool,
        /// Stop SECS seconds after the state was read (default: run until Ctrl-C, SIGTERM or
        /// SIGHUP).
        #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
        duration: Option<f64>,
    },
    /// Explain where a packet goes and why: rule, table, route, source; checked against the kernel.
    Get {
        /// The words of `ip route get`: ADDRESS [from A] [iif DEV] [oif DEV] [mark M] [uid U]
        /// [ipproto P] [sport N] [dport N] [tos T]. A negative number is taken as a word, so
        /// `mark -1` is refused by the query's own parser with a message naming `mark`.
        #[arg(
            required_unless_present = "batch",
            num_args = 1..,
            value_name = "QUERY",
            allow_negative_numbers = true
        )]
        words: Vec<String>,
        /// Answer every query of FILE (one a line, `-` for standard input) with one state load.
        #[arg(long, value_name = "FILE", conflicts_with = "words")]
        batch: Option<PathBuf>,
        /// Print the explanation as JSON.
        #[arg(long)]
        json: bool,
        /// Do not ask the kernel; explain from routescope's own model only.
        #[arg(long)]
        no_kernel: bool,
        /// What the answer must be; exit 6 naming the first that does not hold.
        #[command(flatten)]
        expect: Expect,
    },
    /// Diagnose the state: what is wrong before anyone asks a query (exit 5 on a warning or error).
    Check {
        /// Print the findings as JSON.
        #[arg(long)]
        json: bool,
        /// More snapshot files to check after `--snapshot FILE`, one section each.
        #[arg(value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// What changed between two moments: two `dump --json` files, or a file and the live state
    /// (exit 1 when they differ, as diff(1)).
    Diff {
        /// The earlier state: a file written by `routescope dump --json`.
        #[arg(value_name = "A.json")]
        a: PathBuf,
        /// The later state: another such file (default: the live state, of `-n NETNS` if given).
        #[arg(value_name = "B.json")]
        b: Option<PathBuf>,
        /// The words of a `get` query, as one argument (`--query '8.8.8.8 mark 0x10'`), answered
        /// in both states; repeat it for more queries.
        #[arg(long = "query", value_name = "QUERY", allow_hyphen_values = true)]
        queries: Vec<String>,
        /// Print the differences as JSON.
        #[arg(long)]
        json: bool,
    },
    /// List the teaching scenarios, or build one in a throwaway namespace and open it as a
    /// lesson in the TUI.
    Demo {
        /// The scenario to build (omit to list them).
        name: Option<String>,
        /// Remove every namespace `routescope demo` created.
        #[arg(long, conflicts_with = "name")]
        clean: bool,
        /// Build the scenario and print what to try, without opening the TUI.
        #[arg(long, requires = "name")]
        no_tui: bool,
    },
}

/// Expectations `get` checks against its verdict (exit 6 when one fails).
#[derive(Debug, Default, Clone, clap::Args)]
pub struct Expect {
    /// The output device must be DEV.
    #[arg(long, value_name = "DEV")]
    pub expect_dev: Option<String>,
    /// The answering table must be T (name or number).
    #[arg(long, value_name = "T")]
    pub expect_table: Option<String>,
    /// The source address must be A.
    #[arg(long, value_name = "A")]
    pub expect_src: Option<std::net::IpAddr>,
    /// The deciding rule must have priority PRIO.
    #[arg(long, value_name = "PRIO")]
    pub expect_rule: Option<u32>,
    /// The route type or errno must be TYPE (`unicast`, `local`, `EACCES` …).
    #[arg(long, value_name = "TYPE")]
    pub expect_type: Option<String>,
}

#[cfg(test)]
mod tests {
    use clap::Parser as _;

    use super::{Cli, Target};

    /// The namespace the words ask for, or clap's error kind.
    fn target(words: &[&str]) -> Result<Target, clap::error::ErrorKind> {
        let args = std::iter::once("routescope").chain(words.iter().copied());
        Cli::try_parse_from(args)
            .map(|cli| cli.target())
            .map_err(|e| e.kind())
    }

    #[test]
    fn every_command_takes_one_namespace_option() {
        assert_eq!(target(&["dump"]), Ok(Target::Current));
        assert_eq!(
            target(&["-n", "blue", "dump"]),
            Ok(Target::Named("blue".into()))
        );
        assert_eq!(target(&["--pid", "4242"]), Ok(Target::Pid(4242)));
        assert_eq!(
            target(&["get", "1.1.1.1", "--pid", "7"]),
            Ok(Target::Pid(7))
        );
        assert_eq!(target(&["monitor", "--pid=7"]), Ok(Target::Pid(7)));
        assert_eq!(
            target(&["check", "--netns-path", "/proc/1/ns/net"]),
            Ok(Target::Path("/proc/1/ns/net".into()))
        );
        assert_eq!(
            target(&["--netns-path", "/run/docker/netns/x", "get", "--batch", "-"]),
            Ok(Target::Path("/run/docker/netns/x".into()))
        );
    }

    #[test]
    fn bad_pids_and_two_namespaces_are_usage_errors() {
        use clap::error::ErrorKind::{ArgumentConflict, InvalidValue, ValueValidation};
        for pid in ["0", "-1", "abc", "+5", "", "4294967296", " 7"] {
            let kind = target(&["--pid", pid, "dump"]);
            assert!(
                matches!(kind, Err(InvalidValue | ValueValidation)),
                "{pid:?}: {kind:?}"
            );
        }
        for words in [
            &["--pid", "1", "-n", "x", "dump"][..],
            &["-n", "x", "--netns-path", "/proc/1/ns/net"],
            &["--pid", "1", "--netns-path", "/proc/1/ns/net"],
            &["--snapshot", "f.json", "--pid", "1"],
            &[
                "--netns-path",
                "/proc/1/ns/net",
                "--snapshot",
                "f.json",
                "dump",
            ],
        ] {
            assert_eq!(target(words), Err(ArgumentConflict), "{words:?}");
        }
    }
}
