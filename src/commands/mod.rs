//! The subcommands: each turns the CLI's request into output and an exit status.

mod answers;
mod batch;
mod check;
mod demo;
mod diff;
mod dump;
mod get;
mod monitor;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::BadInput;
use crate::net::{Netns, Target};

/// Runs the command the CLI asked for; the namespace is opened before anything else, so a
/// missing one, or one that may not be entered, is the one line every command prints.
pub fn run(cli: Cli) -> color_eyre::Result<ExitCode> {
    let target = cli.target();
    let netns = if matches!(cli.command, Some(Command::Demo { .. })) {
        if target != Target::Current || cli.snapshot.is_some() {
            return Err(BadInput(
                "demo builds its own namespaces; -n, --pid, --netns-path and --snapshot do not apply to it"
                    .into(),
            )
            .into());
        }
        Netns::current()
    } else {
        target.open()?
    };
    match cli.command {
        Some(Command::Demo {
            name,
            clean,
            no_tui,
        }) => {
            let looks = crate::tui::Looks {
                ascii: cli.ascii,
                theme: cli.theme,
            };
            demo::run(name.as_deref(), clean, no_tui, looks)
        }
        Some(Command::Get {
            batch: Some(file),
            json,
            no_kernel,
            ..
        }) => batch::run(&netns, cli.snapshot.as_deref(), &file, json, no_kernel),
        Some(Command::Get {
            words,
            json,
            no_kernel,
            expect,
            batch: None,
        }) => get::run(
            &netns,
            cli.snapshot.as_deref(),
            &words,
            json,
            no_kernel,
            &expect,
        ),
        Some(Command::Check { json, files }) => {
            let snapshots: Vec<_> = cli.snapshot.into_iter().chain(files).collect();
            if target != Target::Current && !snapshots.is_empty() {
                return Err(BadInput(
                    "check takes a namespace (-n, --pid, --netns-path) or snapshot files, not both"
                        .into(),
                )
                .into());
            }
            check::run(&netns, &snapshots, json)
        }
        Some(Command::Diff {
            a,
            b,
            queries,
            json,
        }) => {
            if cli.snapshot.is_some() {
                return Err(BadInput(
                    "diff takes its states as A.json [B.json]; --snapshot does not apply".into(),
                )
                .into());
            }
            if target != Target::Current && b.is_some() {
                return Err(BadInput(
                    "diff A.json B.json compares two files; -n, --pid and --netns-path apply only when B is the live state"
                        .into(),
                )
                .into());
            }
            diff::run(&netns, &a, b.as_deref(), &queries, json)
        }
        Some(Command::Dump { json }) => dump::run(&netns, cli.snapshot.as_deref(), json),
        Some(Command::Monitor { json, duration }) => {
            if cli.snapshot.is_some() {
                return Err(BadInput(
                    "monitor follows the kernel; it cannot read a --snapshot".into(),
                )
                .into());
            }
            monitor::run(&netns, json, duration, &cli.watch)
        }
        None => {
            let looks = crate::tui::Looks {
                ascii: cli.ascii,
                theme: cli.theme,
            };
            crate::tui::run(&netns, cli.snapshot.as_deref(), &looks, &cli.watch)
        }
    }
}
