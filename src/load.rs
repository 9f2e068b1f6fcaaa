//! Where a command's state comes from: a snapshot file, or the kernel of a namespace.

use std::path::Path;

use color_eyre::eyre::WrapErr;

use crate::error::{BadInput, cut};
use crate::files;
use crate::model::{Family, State};
use crate::report::snapshot::parse_snapshot;

/// The largest snapshot read, 1 GiB (a `dump --json` of about five million routes); parsing takes
/// a few times the file's size in memory, so a larger file is refused rather than read.
pub const SNAPSHOT_LIMIT: u64 = 1 << 30;

/// Reads a `dump --json` file, with a one-line error naming the file and the problem; only a
/// regular file up to `SNAPSHOT_LIMIT` is read.
pub fn read_snapshot(path: &Path) -> color_eyre::Result<State> {
    let shown = cut(&path.display().to_string(), 80);
    let text = files::read_text(path, SNAPSHOT_LIMIT)
        .map_err(|e| BadInput(format!("cannot read snapshot {shown}: {e}")))?;
    parse_snapshot(&text).map_err(|e| BadInput(format!("{shown}: {e}")).into())
}

/// The state of a snapshot file, or a fresh dump of the namespace's whole kernel state, read
/// the quick way (`load_for` both families; the differential test checks it equals the request
/// connection's dump, `net::dump_state`).
pub async fn load(netns: &crate::net::Netns, snapshot: Option<&Path>) -> color_eyre::Result<State> {
    load_for(netns, snapshot, &[Family::V4, Family::V6]).await
}

/// What a lookup of `families` reads (`net::dump_state_of`: the other family's rules, routes
/// and neighbours left out, routes read from their bytes), or a snapshot file whole.
pub async fn load_for(
    netns: &crate::net::Netns,
    snapshot: Option<&Path>,
    families: &[Family],
) -> color_eyre::Result<State> {
    match snapshot {
        Some(path) => read_snapshot(path),
        None => crate::net::dump_state_of(netns, families)
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
