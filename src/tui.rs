//! The interactive program: the one loop that owns the app, the terminal and all I/O; it changes
//! the app only by sending messages to `App::update`.

use std::collections::VecDeque;
use std::path::Path;
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use color_eyre::eyre::WrapErr;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::action::Action;
use crate::app::{App, Effect, Msg};
use crate::keymap::Keymap;
use crate::load as state;
use crate::lookup::Query;
use crate::model::State;
use crate::net::{FeedEvent, FeedOptions, KernelAnswer};
use crate::ui::{self, Theme};

/// The most feed events in one message (so between two frames and two looks at the keyboard).
const BATCH: usize = 4096;

/// Runs the terminal UI on a live namespace or on a snapshot file.
pub fn run(
    netns: Option<&str>,
    snapshot: Option<&Path>,
    ascii: bool,
) -> color_eyre::Result<ExitCode> {
    let runtime = state::runtime()?;
    let (keymap, warning) = Keymap::load();
    let app = match snapshot {
        Some(path) => App::new(state::read_snapshot(path)?, None, true, keymap),
        None => App::new(State::default(), netns.map(str::to_owned), false, keymap),
    };
    runtime.block_on(run_app(app, warning, &Theme::from_env(ascii)))?;
    Ok(ExitCode::SUCCESS)
}

/// The current time of day as `HH:MM:SS` (UTC), read here and handed to `update` as data.
fn clock() -> String {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
        % 86_400;
    format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// Starts following a namespace; events arrive on `tx`.
fn follow(
    netns: Option<String>,
    tx: mpsc::Sender<FeedEvent>,
) -> JoinHandle<color_eyre::Result<()>> {
    tokio::spawn(
        async move { crate::net::watch(netns.as_deref(), FeedOptions::default(), tx).await },
    )
}

/// The loop: draw when something changed, wait for keys, feed events, kernel answers, signals.
async fn run_app(mut app: App, warning: Option<String>, theme: &Theme) -> color_eyre::Result<()> {
    if let Some(warning) = warning {
        app.update(Msg::Notice(warning));
    }
    let (feed_tx, mut feed_rx) = mpsc::channel::<FeedEvent>(4096);
    let (kernel_tx, mut kernel_rx) = mpsc::channel::<(Query, KernelAnswer)>(16);
    let mut feed =
        (!app.is_snapshot()).then(|| follow(app.namespace().map(str::to_owned), feed_tx.clone()));
    let mut terminate =
        signal(SignalKind::terminate()).wrap_err("installing the SIGTERM handler")?;
    let mut hangup = signal(SignalKind::hangup()).wrap_err("installing the SIGHUP handler")?;
    let mut terminal = crate::terminal::init().wrap_err("taking over the terminal")?;
    let _guard = crate::terminal::Guard;
    let mut events = EventStream::new();
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.height));
    }
    while !app.should_quit() {
        // every wake-up below is a change (a key, feed events, an answer): draw once per wake-up
        terminal.draw(|frame| ui::render(frame, &app, theme))?;
        let effects = tokio::select! {
            event = events.next() => match event {
                Some(Ok(event)) => on_terminal_event(&mut app, &event, terminal.get_frame().area()),
                Some(Err(_)) | None => break,
            },
            Some(event) = feed_rx.recv() => {
                // a burst is one message and one frame; bounded, so keys are still read between bursts
                let mut events = vec![event];
                while events.len() < BATCH {
                    let Ok(event) = feed_rx.try_recv() else { break };
                    events.push(event);
                }
                app.update(Msg::Net { events, time: clock() })
            }
            Some((query, answer)) = kernel_rx.recv() => app.update(Msg::Kernel(Box::new(query), answer)),
            _ = terminate.recv() => break,
            _ = hangup.recv() => break,
        };
        // the messages sent while doing the I/O may ask for more
        let mut effects = VecDeque::from(effects);
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::AskKernel(query) => {
                    let request = crate::net::RouteGetRequest::for_query(app.state(), &query);
                    let (tx, netns) = (kernel_tx.clone(), app.namespace().map(str::to_owned));
                    tokio::spawn(async move {
                        if let Ok(answer) = crate::net::route_get(netns.as_deref(), request).await {
                            let _ = tx.send((query, answer)).await;
                        }
                    });
                }
                Effect::ListNamespaces => {
                    effects.extend(app.update(Msg::Namespaces(crate::net::list_namespaces())));
                }
                Effect::SwitchNamespace(netns) => {
                    if let Some(task) = feed.take() {
                        task.abort();
                    }
                    let (tx, rx) = mpsc::channel(4096);
                    feed_rx = rx;
                    feed = Some(follow(netns.clone(), tx));
                    effects.extend(app.update(Msg::NamespaceSwitched(netns)));
                }
            }
        }
        if feed.as_ref().is_some_and(JoinHandle::is_finished) {
            if let Some(Ok(Err(err))) = feed
                .take()
                .map(|f| futures::FutureExt::now_or_never(f).unwrap_or(Ok(Ok(()))))
            {
                app.update(Msg::Notice(format!("{err}")));
            }
        }
    }
    Ok(())
}

/// A key, mouse or resize event as messages to the app.
fn on_terminal_event(app: &mut App, event: &Event, screen: ratatui::layout::Rect) -> Vec<Effect> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => app.update(Msg::Key(*key)),
        Event::Resize(_, rows) => app.update(Msg::Resize(*rows)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(_) => ui::pane_at(screen, mouse.column, mouse.row)
                .map_or_else(Vec::new, |pane| app.update(Msg::Focus(pane))),
            MouseEventKind::ScrollUp => app.update(Msg::Action(Action::Up)),
            MouseEventKind::ScrollDown => app.update(Msg::Action(Action::Down)),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
