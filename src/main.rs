//! routescope: parse the command line, run the command, turn errors into one line and a status.

use std::process::ExitCode;

use clap::Parser as _;
use routescope::cli::Cli;
use routescope::{commands, error};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // help and version are not errors; usage errors are one line and exit 2
        Err(err) if !err.use_stderr() => {
            let _ = err.print();
            return ExitCode::SUCCESS;
        }
        Err(err) => {
            let text = err.to_string();
            let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
            let mut first = lines
                .next()
                .unwrap_or("bad usage")
                .trim_start_matches("error: ")
                .to_owned();
            // "the following required arguments were not provided:" names them on the next line
            if first.ends_with(':') {
                first = format!("{first} {}", lines.next().unwrap_or_default());
            }
            // an invalid value of a fixed set (`--theme`) names the set on a later line
            if let Some(values) = lines.find(|l| l.starts_with("[possible values:")) {
                first = format!("{first} {values}");
            }
            eprintln!(
                "routescope: {} (see --help)",
                routescope::model::escape(&first)
            );
            return ExitCode::from(2);
        }
    };
    // no colours (reports go to the log and to one line), no span traces nobody asked for
    let hooks = color_eyre::config::HookBuilder::blank().capture_span_trace_by_default(false);
    if let Err(err) = hooks.install() {
        eprintln!("routescope: {err}");
    }
    routescope::logging::init();
    match commands::run(cli) {
        Ok(status) => status,
        Err(report) => {
            routescope::logging::error(&report);
            eprintln!("routescope: {}", error::one_line(&report));
            error::exit_status(&report)
        }
    }
}
