//! The interactive program: the one loop that owns the app, the terminal and all I/O; it changes
//! the app only by sending messages to `App::update`.

use std::collections::VecDeque;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use color_eyre::eyre::WrapErr;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseEventKind};
use futures::StreamExt;
use nix::sys::signal::Signal;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::action::Action;
use crate::app::{App, Effect, Msg};
use crate::error::one_line;
use crate::keymap::Keymap;
use crate::load as state;
use crate::lookup::Query;
use crate::model::State;
use crate::net::{FeedEvent, FeedOptions, KernelAnswer, Netns, NetnsInfo, NsId, Target};
use crate::signals::{self, Stops};
use crate::ui::{self, Theme};

/// The most feed events in one message (so between two frames and two looks at the keyboard).
const BATCH: usize = 4096;

/// How long a question to the kernel may take before the panel says it got no answer.
pub const KERNEL_TIMEOUT: Duration = Duration::from_secs(5);

/// How often the followed namespace is looked at, to notice that it was deleted.
const NAMESPACE_CHECK: Duration = Duration::from_secs(1);

/// A kernel answer, or why there is none, for the query it answers.
type KernelReply = (Query, Result<KernelAnswer, String>);

/// Runs the terminal UI on a live namespace or on a snapshot file; after a signal that ends it
/// (SIGINT, SIGQUIT, SIGTERM, SIGHUP) the terminal is restored and the status is 128 + N.
pub fn run(
    netns: &Netns,
    snapshot: Option<&Path>,
    ascii: bool,
    watch: &[String],
) -> color_eyre::Result<ExitCode> {
    crate::watch::check_queries(watch).map_err(crate::error::BadInput)?;
    let runtime = state::runtime()?;
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
    let ended = runtime.block_on(run_app(
        app,
        netns.clone(),
        warning,
        watch,
        &Theme::from_env(ascii),
    ));
    // a kernel question may still wait on its thread: do not wait for it
    runtime.shutdown_background();
    Ok(match ended? {
        Some(stop) => ExitCode::from(signals::exit_status(stop)),
        None => ExitCode::SUCCESS,
    })
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

/// Starts following a namespace; events arrive on `tx`.
fn follow(netns: Netns, tx: mpsc::Sender<FeedEvent>) -> JoinHandle<color_eyre::Result<()>> {
    tokio::spawn(async move { crate::net::watch(&netns, FeedOptions::default(), tx).await })
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

/// What the followed namespace's name, path or process leads to now, to notice when it is
/// deleted or replaced (routescope keeps following the namespace it opened).
struct Watched {
    target: Target,
    identity: Option<NsId>,
    told: bool,
}

impl Watched {
    /// Starts watching `netns` (routescope's own namespace cannot go away: never told).
    fn new(netns: &Netns) -> Self {
        Self {
            target: netns.target().clone(),
            identity: netns.info().id(),
            told: netns.target() == &Target::Current,
        }
    }

    /// A notice the first time the namespace is found deleted or replaced.
    fn check(&mut self) -> Option<String> {
        if self.told {
            return None;
        }
        let now = self.target.probe();
        if now == self.identity {
            return None;
        }
        self.told = true;
        // the status line names the namespace already
        Some(match (&self.target, now) {
            (Target::Pid(_), _) => {
                "the process has exited: its namespace is kept open (n: pick another)".to_owned()
            }
            (_, None) => "namespace deleted: this is its last state (n: pick another)".to_owned(),
            (_, Some(_)) => {
                "namespace replaced: this is the old one's last state (n: follow the new one)"
                    .to_owned()
            }
        })
    }
}

/// Watches the namespace's saved flows, then the command line's, which are saved with them.
fn start_watching(app: &mut App, watch: &[String]) -> Vec<Effect> {
    let mut effects = Vec::new();
    if !app.is_snapshot() {
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
    mut app: App,
    mut netns: Netns,
    warning: Option<String>,
    watch: &[String],
    theme: &Theme,
) -> color_eyre::Result<Option<Signal>> {
    if let Some(warning) = warning {
        app.update(Msg::Notice(warning));
    }
    let mut startup = Some(start_watching(&mut app, watch));
    let (feed_tx, mut feed_rx) = mpsc::channel::<FeedEvent>(4096);
    let (kernel_tx, mut kernel_rx) = mpsc::channel::<KernelReply>(16);
    let mut feed = (!app.is_snapshot()).then(|| follow(netns.clone(), feed_tx.clone()));
    let mut watched = Watched::new(&netns);
    let mut checks = tokio::time::interval(NAMESPACE_CHECK);
    checks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut stops = Stops::new()?;
    let (mut suspend, mut resume) = (handler(Signal::SIGTSTP)?, handler(Signal::SIGCONT)?);
    let mut terminal = crate::terminal::init().wrap_err("taking over the terminal")?;
    let _guard = crate::terminal::Guard;
    let mut events = EventStream::new();
    if let Ok(size) = terminal.size() {
        app.update(Msg::Resize(size.height));
    }
    let mut changed = true;
    while !app.should_quit() {
        // every wake-up below is a change (a key, feed events, an answer) but a quiet check
        if std::mem::replace(&mut changed, true) {
            terminal.draw(|frame| ui::render(frame, &app, theme))?;
        }
        let effects = if let Some(effects) = startup.take() {
            effects
        } else {
            tokio::select! {
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
                Some((query, reply)) = kernel_rx.recv() => app.update(kernel_message(query, reply)),
                stop = stops.next() => return Ok(Some(stop)),
                _ = suspend.recv() => {
                    crate::terminal::suspend();
                    crate::terminal::resume(&mut terminal).wrap_err("taking the terminal back")?;
                    Vec::new()
                }
                _ = resume.recv() => {
                    crate::terminal::resume(&mut terminal).wrap_err("taking the terminal back")?;
                    Vec::new()
                }
                _ = checks.tick() => if let Some(notice) = watched.check() {
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
                Effect::AskKernel(query) => ask_kernel(&netns, &app, query, kernel_tx.clone()),
                Effect::ListNamespaces => {
                    effects.extend(app.update(Msg::Namespaces(crate::net::all_namespaces())));
                }
                Effect::SwitchNamespace(target) => match target.open() {
                    Ok(opened) => {
                        if let Some(task) = feed.take() {
                            task.abort();
                        }
                        netns = opened;
                        let (tx, rx) = mpsc::channel(4096);
                        feed_rx = rx;
                        feed = Some(follow(netns.clone(), tx));
                        watched = Watched::new(&netns);
                        let info = netns.info().clone();
                        effects.extend(app.update(Msg::NamespaceSwitched(info)));
                        effects.extend(app.update(restore_watch(app.namespace())));
                    }
                    Err(err) => effects.extend(app.update(Msg::Notice(one_line(&err)))),
                },
                Effect::SaveWatch(queries) => save_watch(&mut app, &queries),
            }
        }
        if feed.as_ref().is_some_and(JoinHandle::is_finished) {
            if let Some(Ok(Err(err))) = feed
                .take()
                .map(|f| futures::FutureExt::now_or_never(f).unwrap_or(Ok(Ok(()))))
            {
                app.update(Msg::Notice(one_line(&err)));
                changed = true;
            }
        }
    }
    Ok(None)
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
