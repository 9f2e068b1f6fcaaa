//! `routescope monitor`: changes as the kernel reports them, then the state routescope holds.

use std::io::{ErrorKind, Write};
use std::os::fd::AsFd as _;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};
use nix::poll::{PollFd, PollFlags, PollTimeout, poll};
use tokio::sync::{mpsc, oneshot};

use crate::error::{BadInput, Interrupted};
use crate::load as state;
use crate::model::{Change, Origin, State};
use crate::net::{FeedEvent, FeedOptions};
use crate::report::{events, json};
use crate::signals::Stops;
use crate::watch::{Noted, Touch};

use super::answers::Answers;

/// The most events printed before the watched flows are re-evaluated.
const BATCH: usize = 4096;

/// Follows namespace `netns` for `duration` after the state was read, or until SIGINT, SIGTERM
/// or SIGHUP; a reader that goes away (`| head`) ends it quietly.
pub fn run(
    netns: &crate::net::Netns,
    as_json: bool,
    duration: Option<f64>,
    watch: &[String],
) -> color_eyre::Result<ExitCode> {
    let answers = Answers::new(watch, as_json)?;
    let duration = duration
        .map(|d| {
            Duration::try_from_secs_f64(d)
                .map_err(|_| BadInput(format!("--duration: '{d}' is not a number of seconds")))
        })
        .transpose()?;
    let runtime = state::runtime()?;
    let result = runtime.block_on(follow(netns.clone(), as_json, duration, answers));
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
    netns: crate::net::Netns,
    as_json: bool,
    duration: Option<Duration>,
    mut answers: Answers,
) -> color_eyre::Result<ExitCode> {
    let mut stops = Stops::new()?;
    let (tx, mut rx) = mpsc::channel(4096);
    let feed =
        tokio::spawn(async move { crate::net::watch(&netns, FeedOptions::default(), tx).await });
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
                // what is already queued joins this event: the watched flows are re-evaluated
                // once per batch, not once per change
                let mut batch = Vec::new();
                let mut next = Some(event);
                while let Some(event) = next.take() {
                    batch.extend(print_event(&mut out, &mut state, event, as_json, &mut started)?);
                    if batch.len() < BATCH {
                        next = rx.try_recv().ok();
                    }
                }
                let time = now();
                if first && started {
                    let until = tokio::time::Instant::now() + duration.unwrap_or(Duration::MAX / 4);
                    deadline.as_mut().reset(until);
                    answers.started(&mut out, &state, &time)?;
                } else if started && !answers.is_empty() {
                    answers.after_batch(&mut out, &state, &batch, &time)?;
                }
                out.flush()?;
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
        write!(out, r#"{{"kind":"state","time":"{}","state":"#, now())?;
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

/// Applies one event and prints it (the first snapshot only sets the scene); a change is
/// returned as the watched flows need it. JSON records carry the time the event reached this
/// loop.
fn print_event(
    out: &mut impl Write,
    state: &mut State,
    event: FeedEvent,
    as_json: bool,
    started: &mut bool,
) -> color_eyre::Result<Option<Noted>> {
    let mut noted = None;
    match event {
        FeedEvent::Change { change, origin } => {
            noted = Some(Noted {
                phrase: events::change_phrase(state, &change),
                origin: origin.clone(),
                touch: Touch::of(&change),
            });
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
        // only the TUI's feed reports its load
        FeedEvent::Loading { .. } => {}
    }
    Ok(noted)
}

/// The time now as RFC 3339 in UTC with milliseconds (`2026-11-24T23:40:01.217Z`).
fn now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs();
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
        now.subsec_millis()
    )
}

/// The calendar date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`), so a
/// timestamp needs no date crate.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::civil_from_days;

    #[test]
    fn days_since_the_epoch_become_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_781), (2026, 11, 24));
    }
}
