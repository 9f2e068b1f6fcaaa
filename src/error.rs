//! The error types and exit statuses every layer may use; nothing here imports a command.

use std::process::ExitCode;

pub use crate::model::cut;

/// An input the user can fix (query, file, namespace name): exit status 2, one clear line.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

/// A command stopped by a signal before it had anything to show: exit status 128 + the signal.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {name} before {doing}")]
pub struct Interrupted {
    /// The exit status: 128 + the signal's number.
    pub status: u8,
    pub name: &'static str,
    pub doing: &'static str,
}

/// Exit statuses shared by every command (and those of `get` in `docs/cli-contract.md`).
pub mod exit {
    /// Success; for `get`, the destination is routable.
    pub const OK: u8 = 0;
    /// `get`: the lookup ends in a routing error.
    pub const ROUTE_ERROR: u8 = 1;
    /// `diff`: the two states differ (diff(1)'s status).
    pub const DIFFERENT: u8 = 1;
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
    /// Added to the signal's number when a signal ended the program (the shell's convention).
    pub const SIGNALLED: u8 = 128;
}

/// The exit status for an error: 2 for bad input, 128 + N after signal N, 4 for everything else.
pub fn exit_status(report: &color_eyre::Report) -> ExitCode {
    if let Some(stop) = report.downcast_ref::<Interrupted>() {
        ExitCode::from(stop.status)
    } else if report.chain().any(<dyn std::error::Error>::is::<BadInput>) {
        ExitCode::from(exit::BAD_INPUT)
    } else {
        ExitCode::from(exit::FAILURE)
    }
}

/// The longest one-line error message, in characters; longer ones are cut with `…`.
pub const LINE_MAX: usize = 300;

/// An error as one short line: the outermost message followed by its causes, control characters
/// escaped, cut at `LINE_MAX` characters.
pub fn one_line(report: &color_eyre::Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in report.chain() {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
    }
    cut(&parts.join(": ").replace('\n', " "), LINE_MAX)
}

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn long_or_odd_input_is_cut_and_escaped() {
        assert_eq!(cut("eth0", 80), "eth0");
        assert_eq!(cut(&"x".repeat(300), 80), format!("{}…", "x".repeat(80)));
        assert_eq!(cut("a\nb\u{1b}[31m", 80), "a\\x0ab\\x1b[31m");
    }
}
