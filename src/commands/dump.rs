//! `routescope dump`: the whole state once, as text or as the JSON contract.

use std::io::ErrorKind;
use std::path::Path;
use std::process::ExitCode;

use crate::load as state;
use crate::report::{json, text};

/// Prints the state of `netns` (or of a snapshot) to standard output.
pub fn run(
    netns: &crate::net::Netns,
    snapshot: Option<&Path>,
    as_json: bool,
) -> color_eyre::Result<ExitCode> {
    // routes read from their bytes on blocking sockets, both families at once (`load_for`)
    let families = [crate::model::Family::V4, crate::model::Family::V6];
    let state = state::runtime()?.block_on(state::load_for(netns, snapshot, &families))?;
    let stdout = std::io::stdout().lock();
    let written = if as_json {
        json::write_state(&state, stdout)
    } else {
        text::write_state(&state, stdout)
    };
    match written {
        // a reader that stopped early (`| head`) is not an error
        Err(e) if e.kind() == ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e.into()),
        Ok(()) => Ok(ExitCode::SUCCESS),
    }
}
