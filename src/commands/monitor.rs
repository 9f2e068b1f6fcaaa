//! `routescope monitor`: changes as the kernel reports them, then the state routescope holds.

use std::io::{ErrorKind, Write};
use std::os::fd::AsFd as _;
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use color_eyre::eyre::{WrapErr, eyre};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use tokio::sync::{mpsc, oneshot};

use crate::error::{BadInput, Interrupted};
use crate::load as state;
use crate::model::{Change, Origin, State};
use crate::net::{FeedEvent, FeedOptions};
use crate::report::{events, json, time};
use crate::signals::Stops;

/// Follows namespace `netns` for `duration` after the state was read, or until SIGINT, SIGTERM
/// or SIGHUP; a reader that goes away (`| head`) ends it quietly.
pub fn run(
    netns: Option<&str>,
    as_json: bool,
    duration: Option<f64>,
) -> color_eyre::Result<ExitCode> {
    let duration = duration
        .map(|d| {
            Duration::try_from_secs_f64(d)
                .map_err(|_| BadInput(format!("--duration: '{d}' is not a number of seconds")))
        })
        .transpose()?;
    let runtime = state::runtime()?;
    let result = runtime.block_on(follow(netns.map(str::to_owned), as_json, duration));
    // the feed's thread may still be reading a dump: the process ends without waiting for it
    runtime.shutdown_background();
    match result {
        Err(err) if is_closed_output(&err) => Ok(ExitCode::SUCCESS),
        other => other,
    }
}

/// Whether an error is the reader of standard output having gone away.
fn is_closed_output(err: &color_eyre::Report) -> bool {
    err.chain()
        .filter_map(|e| e.downcast_ref::<std::io::Error>())
        .any(|e| e.kind() == ErrorKind::BrokenPipe)
}

/// Why the loop stopped.
enum End {
    /// Time is up, or a signal asked to stop: print the final state.
    Finish,
    /// The feed ended (its result says why).
    FeedEnded,
    /// Nobody reads standard output any more.
    OutputClosed,
}

/// The monitor loop: apply and print each event; at the end print the final state.
async fn follow(
    netns: Option<String>,
    as_json: bool,
    duration: Option<Duration>,
) -> color_eyre::Result<ExitCode> {
    let mut stops = Stops::new()?;
    let (tx, mut rx) = mpsc::channel(4096);
    let feed = tokio::spawn(async move {
        crate::net::watch(netns.as_deref(), FeedOptions::default(), tx).await
    });
    let mut closed = output_closed();
    // the duration counts from the moment the state has been read, so a short one still ends
    // with the state, however long the first dump took
    let deadline = tokio::time::sleep(Duration::MAX / 4);
    tokio::pin!(deadline);
    let mut state = State::default();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let mut started = false;
    let end = loop {
        tokio::select! {
            event = rx.recv() => {
                let Some(event) = event else { break End::FeedEnded };
                let first = !started;
                print_event(&mut out, &mut state, event, as_json, &mut started)?;
                if first && started {
                    let until = tokio::time::Instant::now() + duration.unwrap_or(Duration::MAX / 4);
                    deadline.as_mut().reset(until);
                }
            }
            stop = stops.next() => {
                if !started {
                    return Err(Interrupted {
                        status: crate::signals::exit_status(stop),
                        name: stop.as_str(),
                        doing: "the state was read",
                    }
                    .into());
                }
                break End::Finish;
            }
            () = &mut deadline => break End::Finish,
            _ = &mut closed => break End::OutputClosed,
        }
    };
    drop(rx);
    match end {
        End::OutputClosed => return Ok(ExitCode::SUCCESS),
        End::FeedEnded => {
            feed.await.wrap_err("the netlink feed")??;
            if !started {
                return Err(eyre!("the netlink feed stopped before it read the state"));
            }
        }
        End::Finish => {}
    }
    write_final(&mut out, &state, as_json)?;
    Ok(ExitCode::SUCCESS)
}

/// Writes the last record: the state as JSON, streamed (never built in memory), or its counts.
fn write_final(out: &mut impl Write, state: &State, as_json: bool) -> color_eyre::Result<()> {
    if as_json {
        let now = time::rfc3339_millis(SystemTime::now());
        write!(out, r#"{{"kind":"state","time":"{now}","state":"#)?;
        serde_json::to_writer(&mut *out, &json::StateJson(state))?;
        out.write_all(b"}\n")?;
    } else {
        writeln!(
            out,
            "= state   {} links, {} addresses, {} rules, {} routes (final)",
            state.links.len(),
            state.addresses.len(),
            state.rules.len(),
            state.route_count()
        )?;
    }
    out.flush()?;
    Ok(())
}

/// Resolves when nobody reads standard output any more (the reader of a pipe closed, a terminal
/// hung up), seen by a thread that polls for nothing but the error; it never resolves for a file.
fn output_closed() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    let Ok(fd) = std::io::stdout().as_fd().try_clone_to_owned() else {
        return rx;
    };
    let spawned = std::thread::Builder::new()
        .name("routescope-stdout".into())
        .spawn(move || {
            loop {
                let mut fds = [PollFd::new(fd.as_fd(), PollFlags::empty())];
                match poll(&mut fds, PollTimeout::NONE) {
                    Err(nix::errno::Errno::EINTR) => {}
                    Err(_) => return,
                    Ok(_) => {
                        let gone = PollFlags::POLLERR | PollFlags::POLLHUP;
                        if fds[0].revents().is_some_and(|r| r.intersects(gone)) {
                            let _ = tx.send(());
                        }
                        return;
                    }
                }
            }
        });
    if spawned.is_err() {
        tracing::warn!("could not start the thread that watches standard output");
    }
    rx
}

/// Applies one event and prints it (the first snapshot only sets the scene). JSON records carry
/// the time the event reached this loop.
fn print_event(
    out: &mut impl Write,
    state: &mut State,
    event: FeedEvent,
    as_json: bool,
    started: &mut bool,
) -> color_eyre::Result<()> {
    let now = || time::rfc3339_millis(SystemTime::now());
    match event {
        FeedEvent::Change { change, origin } => {
            let initial = !*started && matches!(change, Change::Snapshot(_));
            *started = true;
            // describe deletions with the names the state had before the change
            let line = if as_json {
                events::change_record(state, &change, &origin, &now()).to_string()
            } else {
                events::change_line(state, &change) + &events::by_suffix(&origin)
            };
            state.apply(change);
            if !initial {
                writeln!(out, "{line}")?;
            } else if !as_json {
                writeln!(out, "{line} (watching; Ctrl-C to stop)")?;
            }
        }
        FeedEvent::Resync { reason } if as_json => {
            writeln!(
                out,
                "{}",
                serde_json::json!({
                    "kind": "resync",
                    "time": now(),
                    "reason": reason,
                    "origin": events::origin_json(&Origin::Reread),
                })
            )?;
        }
        FeedEvent::Resync { reason } => writeln!(out, "= resync  {reason}")?,
        FeedEvent::ParseError { kind, error } if as_json => {
            writeln!(
                out,
                "{}",
                serde_json::json!({
                    "kind": "parse_error",
                    "time": now(),
                    "type": kind,
                    "error": error,
                })
            )?;
        }
        FeedEvent::ParseError { kind, error } => {
            writeln!(out, "! message type {kind} not understood: {error}")?;
        }
    }
    out.flush()?;
    Ok(())
}
