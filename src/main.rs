//! routescope: parse the command line, run the command, turn errors into one line and a status.

use std::process::ExitCode;

use clap::Parser;
use routescope::cli::Cli;
use routescope::commands;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Err(err) = color_eyre::install() {
        eprintln!("routescope: {err}");
    }
    routescope::logging::init();
    match commands::run(cli) {
        Ok(status) => status,
        Err(report) => {
            tracing::error!("{report:?}");
            eprintln!("routescope: {}", commands::one_line(&report));
            commands::exit_status(&report)
        }
    }
}
