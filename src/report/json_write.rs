//! Writing `dump --json` fast: routes serialized in chunks on two threads, straight from the
//! model into reused buffers, in the order `StateJson` gives them (its output, byte for byte).

use std::io::{self, BufWriter, Write};
use std::sync::mpsc;

use super::json::Part;
use super::json_route::{DevNames, RouteJson, dev_name_table};
use crate::model::{RouteTable, State};

/// Routes per chunk: a few MiB of text, so two chunks in flight stay small next to the state.
const CHUNK: usize = 32 * 1024;

/// Writes the state as one JSON object followed by a newline.
pub fn write_state(state: &State, out: impl Write) -> io::Result<()> {
    let mut out = BufWriter::with_capacity(1 << 16, out);
    let mut head = serde_json::to_vec(&Part::Head(state))?;
    head.pop(); // its closing brace: the routes and the tail follow
    out.write_all(&head)?;
    out.write_all(b",\"routes\":[")?;
    let names = dev_name_table(state);
    write_routes(state, DevNames::Cached(&names), &mut out)?;
    out.write_all(b"],")?;
    let tail = serde_json::to_vec(&Part::Tail(state))?;
    out.write_all(&tail[1..])?; // without its opening brace
    out.write_all(b"\n")?;
    out.flush()
}

/// A run of up to `CHUNK` routes of one table, from a position.
type Span<'a> = (&'a RouteTable, usize);

/// Writes every route, comma-separated: even chunks on this thread, odd ones on a helper that
/// hands each over when done (at most two chunks wait), so both cores serialize.
fn write_routes(state: &State, names: DevNames<'_>, out: &mut impl Write) -> io::Result<()> {
    let spans: Vec<Span<'_>> = state
        .tables
        .values()
        .flat_map(|t| (0..t.len()).step_by(CHUNK).map(move |at| (t, at)))
        .collect();
    let mut buf = Vec::new();
    if spans.len() < 2 {
        for (i, span) in spans.iter().enumerate() {
            chunk(&mut buf, state, names, *span, i == 0)?;
        }
        return out.write_all(&buf);
    }
    std::thread::scope(|scope| {
        let (done, ready) = mpsc::sync_channel::<io::Result<Vec<u8>>>(1);
        let helper_spans = &spans;
        scope.spawn(move || {
            for span in helper_spans.iter().skip(1).step_by(2) {
                let mut buf = Vec::with_capacity(CHUNK * 64);
                let result = chunk(&mut buf, state, names, *span, false).map(|()| buf);
                if done.send(result).is_err() {
                    break; // the writer stopped (an error): nothing more is wanted
                }
            }
        });
        for (i, span) in spans.iter().enumerate() {
            if i % 2 == 0 {
                buf.clear();
                chunk(&mut buf, state, names, *span, i == 0)?;
                out.write_all(&buf)?;
            } else {
                let theirs = ready
                    .recv()
                    .map_err(|_| io::Error::other("the route writer thread stopped"))??;
                out.write_all(&theirs)?;
            }
        }
        Ok(())
    })
}

/// Appends the routes of `span`, each preceded by a comma unless it is the very first route.
fn chunk(
    buf: &mut Vec<u8>,
    state: &State,
    names: DevNames<'_>,
    (table, at): Span<'_>,
    first: bool,
) -> io::Result<()> {
    for (i, route) in table.iter_from(at).take(CHUNK).enumerate() {
        if i > 0 || !first {
            buf.push(b',');
        }
        let json = RouteJson {
            route,
            state,
            names,
        };
        serde::Serialize::serialize(&json, &mut serde_json::Serializer::new(&mut *buf))?;
    }
    Ok(())
}
