//! The interactive program: the one loop that owns the app, the terminal and all I/O; it changes
//! the app only by sending messages to `App::update`.

use std::collections::VecDeque;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use color_eyre::eyre::WrapErr;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use nix::sys::signal::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::action::Action;
use crate::app::{App, Effect, Lesson, Msg};
use crate::config::{Config, ThemeName};
use crate::error::one_line;
use crate::keymap::Keymap;
use crate::load as state;
use crate::lookup::Query;
use crate::model::State;
use crate::net::{KernelAnswer, Netns, NetnsInfo, Target};
use crate::signals::{self, Stops};
use crate::ui::{self, Theme};

mod feed;
mod pace;
mod watched;

use feed::{Followed, burst};
use pace::{Frames, Milestones, Pace};

/// How long a question to the kernel may take before the panel says it got no answer.
pub const KERNEL_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the followed namespace is looked at, to notice that it was deleted.
const NAMESPACE_CHECK: Duration = Duration::from_secs(1);
/// The least time between two bursts of feed events taken by the run loop: they gather in the
/// feed's channel meanwhile (it holds 80 ms of a 50,000 changes/s storm), so a storm wakes the
/// loop at most every few milliseconds, not per change.
const FEED_GAP: Duration = Duration::from_millis(10);

/// A kernel answer, or why there is none, for the query it answers.
type KernelReply = (Query, Result<KernelAnswer, String>);

/// How the screen is drawn, as the command line asks.
#[derive(Debug, Clone, Copy, Default)]
pub struct Looks {
    /// ASCII borders only.
    pub ascii: bool,
    /// `--theme`; `None` takes the config file's, else dark.
    pub theme: Option<ThemeName>,
}

/// Runs the terminal UI on a live namespace or on a snapshot file; after a signal that ends it
/// (SIGINT, SIGQUIT, SIGTERM, SIGHUP) the terminal is restored and the status is 128 + N.
pub fn run(
    netns: &Netns,
    snapshot: Option<&Path>,
    looks: &Looks,
    watch: &[String],
) -> color_eyre::Result<ExitCode> {
    let started = Instant::now();
    crate::watch::check_queries(watch).map_err(crate::error::BadInput)?;
    let (keymap, warning) = Keymap::load();
    let app = match snapshot {
        Some(path) => App::new(
            state::read_snapshot(path)?,
            NetnsInfo::current(),
            true,
            keymap,
        ),
        None => App::new(State::default(), netns.info().clone(), false, keymap),
    };
    Ok(run_with(app, netns, warning, watch, *looks, started)?.0)
}

/// Runs the terminal UI on namespace `netns` with `lesson` open (its flows are watched, not
/// saved, and the saved list is not restored); returns the exit status and the namespace the
/// person chose to remove on the way out, which the caller removes once the terminal is back.
pub fn run_lesson(
    netns: &Netns,
    lesson: Lesson,
    looks: &Looks,
) -> color_eyre::Result<(ExitCode, Option<String>)> {
    let started = Instant::now();
    let (keymap, warning) = Keymap::load();
    let mut app = App::new(State::default(), netns.info().clone(), false, keymap);
    // the state is not read yet: nothing to ask the kernel before it is
    app.update(Msg::Lesson(Box::new(lesson)));
    run_with(app, netns, warning, &[], *looks, started)
}

/// Runs `app` in the terminal until it quits or a signal ends it, with the config file's theme
/// unless `looks` names one: the exit status, and the namespace to remove afterwards, if the
/// app was asked to (the start's milestones are timed from `started`).
fn run_with(
    mut app: App,
    netns: &Netns,
    keymap_warning: Option<String>,
    watch: &[String],
    looks: Looks,
    started: Instant,
) -> color_eyre::Result<(ExitCode, Option<String>)> {
    let runtime = state::runtime()?;
    let (config, config_warning) = Config::load();
    let theme = Theme::from_env(
        looks.theme.or(config.theme).unwrap_or_default(),
        looks.ascii,
    );
    let warnings: Vec<String> = [keymap_warning, config_warning]
        .into_iter()
        .flatten()
        .collect();
    if !warnings.is_empty() {
        app.update(Msg::Notice(warnings.join("; ")));
    }
    // the diagnosis and the routes filter follow the state at a bounded rate (`Pace`)
    app.update(Msg::Throttle(true));
    let milestones = Milestones::new(started);
    let ended = runtime.block_on(run_app(&mut app, netns.clone(), watch, &theme, milestones));
    // a kernel question may still wait on its thread: do not wait for it
    runtime.shutdown_background();
    let status = match ended? {
        Some(stop) => ExitCode::from(signals::exit_status(stop)),
        None => ExitCode::SUCCESS,
    };
    Ok((status, app.remove_on_exit().map(str::to_owned)))
}

/// The current time of day as `HH:MM:SS.mmm` (UTC), read here and handed to `update` as data.
fn clock() -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = now.as_secs() % 86_400;
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60,
        now.subsec_millis()
    )
}

/// The saved watch list of namespace `netns`, as a message (a notice if it cannot be read).
fn restore_watch(netns: &NetnsInfo) -> Msg {
    let Some(path) = crate::watch::store::path(netns.state_key()) else {
        return Msg::Watch {
            queries: Vec::new(),
            save: false,
        };
    };
    match crate::watch::store::load(&path) {
        Ok(queries) => Msg::Watch {
            queries,
            save: false,
        },
        Err(why) => Msg::Notice(why),
    }
}

/// Saves the watch list of the namespace the app follows; says on the notice line why not.
fn save_watch(app: &mut App, queries: &[String]) {
    let saved = crate::watch::store::path(app.namespace().state_key())
        .ok_or_else(|| {
            "no state directory to save the watch list in (set HOME or XDG_STATE_HOME)".to_owned()
        })
        .and_then(|path| crate::watch::store::save(&path, queries));
    if let Err(why) = saved {
        app.update(Msg::Notice(why));
    }
}

/// The kernel's reply to a watched query as a message.
fn kernel_message(query: Query, reply: Result<KernelAnswer, String>) -> Msg {
    match reply {
        Ok(answer) => Msg::Kernel(Box::new(query), answer),
        Err(why) => Msg::KernelFailed(Box::new(query), why),
    }
}

/// Asks the kernel about `query` in the background; the reply (or why there is none, at the
/// latest after `KERNEL_TIMEOUT`) comes back on `tx`.
fn ask_kernel(netns: &Netns, app: &App, query: Query, tx: mpsc::Sender<KernelReply>) {
    let request = crate::net::RouteGetRequest::for_query(app.state(), &query);
    let netns = netns.clone();
    tokio::spawn(async move {
        let asked = crate::net::route_get(&netns, request);
        let reply = match tokio::time::timeout(KERNEL_TIMEOUT, asked).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(err)) => Err(one_line(&err)),
            Err(_) => Err(format!("no answer within {} s", KERNEL_TIMEOUT.as_secs())),
        };
        let _ = tx.send((query, reply)).await;
    });
}

/// Watches the namespace's saved flows (not in a lesson, whose flows are its steps), then the
/// command line's, which are saved with them.
fn start_watching(app: &mut App, watch: &[String]) -> Vec<Effect> {
    let mut effects = Vec::new();
    if !app.is_snapshot() && app.lesson().is_none() {
        effects.extend(app.update(restore_watch(app.namespace())));
    }
    if !watch.is_empty() {
        effects.extend(app.update(Msg::Watch {
            queries: watch.to_vec(),
            save: true,
        }));
    }
    effects
}

/// A stream of signal `s` (job control: SIGTSTP, SIGCONT), handled by the loop itself.
fn handler(s: Signal) -> color_eyre::Result<tokio::signal::unix::Signal> {
    signal(SignalKind::from_raw(s as i32))
        .wrap_err_with(|| format!("installing the {} handler", s.as_str()))
}

/// The loop: draw when something changed, wait for keys, feed events, kernel answers, signals.
/// Returns the signal that ended it, if one did.
async fn run_app(
    app: &mut App,
    netns: Netns,
    watch: &[String],
    theme: &Theme,
    mut milestones: Milestones,
) -> color_eyre::Result<Option<Signal>> {
    let mut pace = Pace::new();
    let mut startup = Some(start_watching(app, watch));
    let mut followed = Followed::start(netns, app.is_snapshot());
    let (kernel_tx, mut kernel_rx) = mpsc::channel::<KernelReply>(16);
    let mut checks = tokio::time::interval(NAMESPACE_CHECK);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stops = Stops::new()?;
    let (mut suspend, mut resume) = (handler(Signal::SIGTSTP)?, handler(Signal::SIGCONT)?);
    let mut terminal = crate::terminal::init().wrap_err("taking over the terminal")?;
    let _guard = crate::terminal::Guard;
    let mut events = EventStream::new();
    if let Ok(size) = terminal.size() {
        app.update(resized(size.width, size.height));
    }
    let mut frames = Frames::new();
    let (mut changed, mut paced) = (true, false);
    let mut feed_gate: Option<Instant> = None; // see `FEED_GAP`
    while !app.should_quit() {
        // every wake-up below is a change (a key, feed events, an answer) but a quiet check; the
        // feed's changes alone are drawn at a bounded rate
        if std::mem::replace(&mut changed, true) && frames.draw_now(std::mem::take(&mut paced)) {
            terminal.draw(|frame| ui::render(frame, app, theme))?;
            milestones.drawn(app);
            frames.drawn();
        }
        let refresh_at = pace.due();
        let frame_at = frames.due();
        let feed_at = feed_gate;
        let effects = if let Some(effects) = startup.take() {
            effects
        } else {
            tokio::select! {
                event = events.next() => match event {
                    Some(Ok(event)) => on_terminal_event(app, &event, terminal.get_frame().area()),
                    Some(Err(_)) | None => break,
                },
                Some(event) = followed.rx.recv(), if feed_at.is_none() => {
                    paced = true;
                    feed_gate = Some(Instant::now() + FEED_GAP);
                    app.update(Msg::Net { events: burst(event, &mut followed.rx), time: clock() })
                }
                () = tokio::time::sleep_until(feed_at.unwrap_or_else(Instant::now).into()),
                    if feed_at.is_some() => {
                    feed_gate = None;
                    changed = false;
                    Vec::new()
                }
                () = tokio::time::sleep_until(frame_at.unwrap_or_else(Instant::now).into()),
                    if frame_at.is_some() => Vec::new(),
                Some((query, reply)) = kernel_rx.recv() => app.update(kernel_message(query, reply)),
                () = tokio::time::sleep_until(refresh_at.unwrap_or_else(Instant::now).into()),
                    if refresh_at.is_some() => pace.refresh(app),
                stop = stops.next() => return Ok(Some(stop)),
                _ = suspend.recv() => {
                    crate::terminal::suspend();
                    take_back(&mut terminal, app)?
                }
                _ = resume.recv() => take_back(&mut terminal, app)?,
                _ = checks.tick() => if let Some(notice) = followed.watched.check(&picker_key(app)) {
                    app.update(Msg::Notice(notice))
                } else {
                    changed = false;
                    Vec::new()
                },
            }
        };
        // the messages sent while doing the I/O may ask for more
        let mut effects = VecDeque::from(effects);
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::AskKernel(query) => {
                    ask_kernel(&followed.netns, app, query, kernel_tx.clone());
                }
                Effect::ListNamespaces => {
                    effects.extend(app.update(Msg::Namespaces(crate::net::all_namespaces())));
                }
                Effect::SwitchNamespace(target) => {
                    effects.extend(switch_namespace(app, &mut followed, &target));
                }
                Effect::SaveWatch(queries) => save_watch(app, &queries),
                Effect::Copy(text) => {
                    let copied = crate::terminal::copy(terminal.backend_mut(), &text);
                    effects.extend(failed(app, "copying", copied));
                }
                Effect::MouseCapture(on) => {
                    let set = crate::terminal::mouse_capture(on);
                    effects.extend(failed(app, "mouse capture", set));
                }
            }
        }
        if let Some(why) = followed.failed() {
            app.update(Msg::Notice(why));
            changed = true;
        }
        pace.note(app);
    }
    Ok(None)
}

/// Follows the namespace `target` names instead, with its saved watch list, or says why it
/// cannot be opened.
fn switch_namespace(app: &mut App, followed: &mut Followed, target: &Target) -> Vec<Effect> {
    match target.open() {
        Ok(opened) => {
            followed.switch(opened);
            let mut effects = app.update(Msg::NamespaceSwitched(followed.netns.info().clone()));
            effects.extend(app.update(restore_watch(app.namespace())));
            effects
        }
        Err(err) => app.update(Msg::Notice(one_line(&err))),
    }
}

/// Takes the terminal again after a suspension, with mouse capture as the app has it.
fn take_back(
    terminal: &mut ratatui::DefaultTerminal,
    app: &App,
) -> color_eyre::Result<Vec<Effect>> {
    crate::terminal::resume(terminal, app.mouse_capture()).wrap_err("taking the terminal back")?;
    Ok(Vec::new())
}

/// The key of the namespace picker, for notices that suggest it.
fn picker_key(app: &App) -> String {
    app.keymap()
        .shown(crate::keymap::Section::Normal, Action::Namespaces)
}

/// The terminal's size as a message.
fn resized(width: u16, height: u16) -> Msg {
    Msg::Resize { width, height }
}

/// Says on the notice line that a terminal write for `what` failed, if it did.
fn failed(app: &mut App, what: &str, result: std::io::Result<()>) -> Vec<Effect> {
    match result {
        Ok(()) => Vec::new(),
        Err(err) => app.update(Msg::Notice(format!("{what}: {err}"))),
    }
}

/// A key, mouse or resize event as messages to the app.
fn on_terminal_event(app: &mut App, event: &Event, screen: ratatui::layout::Rect) -> Vec<Effect> {
    match event {
        Event::Key(key) if key.kind == KeyEventKind::Press => app.update(Msg::Key(*key)),
        Event::Resize(width, height) => app.update(resized(*width, *height)),
        Event::Mouse(mouse) => match mouse.kind {
            MouseEventKind::Down(_) => ui::pane_at(app, screen, mouse.column, mouse.row)
                .map_or_else(Vec::new, |pane| app.update(Msg::Focus(pane))),
            MouseEventKind::ScrollUp => app.update(Msg::Action(Action::Up)),
            MouseEventKind::ScrollDown => app.update(Msg::Action(Action::Down)),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}
