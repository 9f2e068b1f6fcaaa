//! `routescope monitor`: changes as the kernel reports them, then the state routescope holds.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use color_eyre::eyre::{WrapErr, eyre};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::error::BadInput;
use crate::load as state;
use crate::model::{Change, State};
use crate::net::{FeedEvent, FeedOptions};
use crate::report::{events, json};

/// Follows namespace `netns` until `duration` elapses, Ctrl-C or SIGTERM.
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
    state::runtime()?.block_on(follow(netns.map(str::to_owned), as_json, duration))
}

/// The monitor loop: apply and print each event; at the end print the final state (JSON).
async fn follow(
    netns: Option<String>,
    as_json: bool,
    duration: Option<Duration>,
) -> color_eyre::Result<ExitCode> {
    let (tx, mut rx) = mpsc::channel(4096);
    let feed = tokio::spawn(async move {
        crate::net::watch(netns.as_deref(), FeedOptions::default(), tx).await
    });
    let mut interrupt =
        signal(SignalKind::interrupt()).wrap_err("installing the SIGINT handler")?;
    let mut terminate =
        signal(SignalKind::terminate()).wrap_err("installing the SIGTERM handler")?;
    let deadline = tokio::time::sleep(duration.unwrap_or(Duration::MAX / 4));
    tokio::pin!(deadline);
    let mut state = State::default();
    let mut out = std::io::stdout().lock();
    let mut started = false;
    loop {
        tokio::select! {
            event = rx.recv() => {
                let Some(event) = event else { break };
                print_event(&mut out, &mut state, event, as_json, &mut started)?;
            }
            _ = interrupt.recv() => break,
            _ = terminate.recv() => break,
            () = &mut deadline => break,
        }
    }
    drop(rx);
    if feed.is_finished() {
        feed.await.wrap_err("the netlink feed")??;
    }
    if !started {
        return Err(eyre!("the netlink feed stopped before it read the state"));
    }
    if as_json {
        let record = serde_json::json!({ "kind": "state", "state": json::StateJson(&state) });
        writeln!(out, "{record}")?;
    } else {
        let counts = events::change_line(&state, &Change::Snapshot(Box::new(state.clone())));
        writeln!(out, "{counts} (final)")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Applies one event and prints it (the first snapshot only sets the scene).
fn print_event(
    out: &mut impl Write,
    state: &mut State,
    event: FeedEvent,
    as_json: bool,
    started: &mut bool,
) -> color_eyre::Result<()> {
    match event {
        FeedEvent::Change(change) => {
            let initial = !*started && matches!(change, Change::Snapshot(_));
            *started = true;
            // describe deletions with the names the state had before the change
            let line = if as_json {
                events::change_json(state, &change).to_string()
            } else {
                events::change_line(state, &change)
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
                serde_json::json!({ "kind": "resync", "reason": reason })
            )?;
        }
        FeedEvent::Resync { reason } => writeln!(out, "= resync  {reason}")?,
        FeedEvent::ParseError { kind, error } if as_json => {
            writeln!(
                out,
                "{}",
                serde_json::json!({ "kind": "parse_error", "type": kind, "error": error })
            )?;
        }
        FeedEvent::ParseError { kind, error } => {
            writeln!(out, "! message type {kind} not understood: {error}")?;
        }
    }
    out.flush()?;
    Ok(())
}
