//! The signals that end a command (SIGINT, SIGQUIT, SIGTERM, SIGHUP), caught so that every way
//! out first gives back what the command holds (the terminal, the final state).

use color_eyre::eyre::WrapErr;
use nix::sys::signal::Signal;
use tokio::signal::unix::{SignalKind, signal};

/// Handlers for the signals that end a command; created before the command takes anything over.
pub struct Stops {
    handlers: Vec<(Signal, tokio::signal::unix::Signal)>,
}

/// The signals `Stops` catches.
const STOPS: [Signal; 4] = [
    Signal::SIGINT,
    Signal::SIGQUIT,
    Signal::SIGTERM,
    Signal::SIGHUP,
];

impl Stops {
    /// Installs the handlers (inside a tokio runtime).
    pub fn new() -> color_eyre::Result<Self> {
        let handlers = STOPS
            .into_iter()
            .map(|s| {
                signal(SignalKind::from_raw(s as i32))
                    .map(|h| (s, h))
                    .wrap_err_with(|| format!("installing the {} handler", s.as_str()))
            })
            .collect::<color_eyre::Result<_>>()?;
        Ok(Self { handlers })
    }

    /// The next of the signals to arrive.
    pub async fn next(&mut self) -> Signal {
        let waits = self.handlers.iter_mut().map(|(s, h)| {
            let s = *s;
            Box::pin(async move {
                h.recv().await;
                s
            })
        });
        futures::future::select_all(waits).await.0
    }
}

/// The exit status after signal `s`: 128 + its number, as shells report a killed command.
pub fn exit_status(s: Signal) -> u8 {
    u8::try_from(s as i32).map_or(u8::MAX, |n| crate::error::exit::SIGNALLED.saturating_add(n))
}
