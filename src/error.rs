//! The error types and exit statuses every layer may use; nothing here imports a command.

use std::process::ExitCode;

use crate::model::escape;

/// An input the user can fix (query, file, namespace name): exit status 2, one clear line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// Exit statuses shared by every command (and those of `get` in `docs/cli-contract.md`).
pub mod exit {
    /// Success; for `get`, the destination is routable.
    pub const OK: u8 = 0;
    /// `get`: the lookup ends in a routing error.
    pub const ROUTE_ERROR: u8 = 1;
    /// Bad usage or bad input.
    pub const BAD_INPUT: u8 = 2;
    /// `get`: routescope's explanation disagrees with the kernel.
    pub const DISAGREE: u8 = 3;
    /// Something outside the input failed (netlink, permissions, the kernel).
    pub const FAILURE: u8 = 4;
    /// `check`: at least one warning or error was found.
    pub const FINDINGS: u8 = 5;
    /// `get`: an `--expect-*` option does not hold.
    pub const UNEXPECTED: u8 = 6;
}

/// The exit status for an error: 2 for bad input, 4 for everything else.
pub fn exit_status(report: &color_eyre::Report) -> ExitCode {
    if report.chain().any(<dyn std::error::Error>::is::<BadInput>) {
        ExitCode::from(exit::BAD_INPUT)
    } else {
        ExitCode::from(exit::FAILURE)
    }
}

/// An error as one line: the outermost message followed by its causes, escaped (`escape`), since
/// it may quote a query word, a file or a namespace name that holds terminal escapes.
pub fn one_line(report: &color_eyre::Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in report.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    escape(&parts.join(": ").replace('\n', " ")).into_owned()
}
