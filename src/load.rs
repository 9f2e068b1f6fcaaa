//! Where a command's state comes from: a snapshot file, or the kernel of a namespace.

use std::path::Path;

use color_eyre::eyre::WrapErr;

use crate::error::BadInput;
use crate::model::State;
use crate::report::snapshot::parse_snapshot;

/// Reads a `dump --json` file, with a one-line error naming the file and the problem.
pub fn read_snapshot(path: &Path) -> color_eyre::Result<State> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| BadInput(format!("cannot read snapshot {}: {e}", path.display())))?;
    parse_snapshot(&text).map_err(|e| BadInput(format!("{}: {e}", path.display())).into())
}

/// The state of a snapshot file, or a fresh dump of the namespace's kernel state.
pub async fn load(netns: Option<&str>, snapshot: Option<&Path>) -> color_eyre::Result<State> {
    match snapshot {
        Some(path) => read_snapshot(path),
        None => crate::net::dump_state(netns)
            .await
            .wrap_err("reading the routing state"),
    }
}

/// A multi-threaded runtime for a command (two workers: the machine has few cores to spare).
pub fn runtime() -> color_eyre::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .wrap_err("starting the async runtime")
}
