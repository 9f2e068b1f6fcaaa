//! The application: one owner of all state, and the one `update` that changes it.

use std::collections::VecDeque;

use crossterm::event::KeyEvent;
use tui_input::Input;

use crate::action::Action;
use crate::analysis::Finding;
use crate::keymap::Keymap;
use crate::lookup::{Explanation, Query, explain, resolve};
use crate::model::{Change, Family, Origin, State};
use crate::net::{FeedEvent, KernelAnswer};
use crate::report::events::change_line;

mod findings;
mod keys;
mod pane;
mod read;
mod routes;
mod rows;

pub use pane::Pane;
use pane::{PaneMap, PaneState};

/// What the keyboard is talking to.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a filter for `pane` (the pane focused when typing began).
    Filter {
        pane: Pane,
        input: Input,
    },
    /// Typing a route-get query.
    Prompt(Input),
    Help,
    /// The diagnosis: findings by severity, one selected.
    Findings {
        selected: usize,
    },
    /// Choosing a network namespace.
    Namespaces {
        names: Vec<String>,
        selected: usize,
    },
}

/// A route-get query kept on screen and re-explained whenever the state changes.
#[derive(Debug, Clone)]
pub struct Pinned {
    pub query: Query,
    pub explanation: Explanation,
    /// The kernel's answer for the current state, once it arrives.
    pub kernel: Option<KernelAnswer>,
    /// Why the kernel gave no answer (it failed, or did not answer in time).
    pub kernel_error: Option<String>,
    /// When and why the answer last changed ("12:00:01 after: - route … ").
    pub changed: Option<String>,
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub time: String,
    pub line: String,
    /// Who made the change (`Origin::who`), for changes the kernel notified.
    pub who: Option<String>,
}

/// A message to `update`: everything that can happen, and the only way the app changes.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A click on a pane (the run loop finds which from the layout): focus it.
    Focus(Pane),
    /// An action from outside the keyboard (the mouse wheel); like its key, only in normal mode.
    Action(Action),
    /// Feed events read together, with the wall-clock time (`HH:MM:SS`) they were read: one
    /// message per burst, so a burst costs one pass over the cached route filter.
    Net {
        events: Vec<FeedEvent>,
        time: String,
    },
    /// The kernel answered the pinned query.
    Kernel(Box<Query>, KernelAnswer),
    /// The kernel could not answer the pinned query (an error, or no answer in time), and why.
    KernelFailed(Box<Query>, String),
    /// The namespaces under /run/netns, for the picker.
    Namespaces(Vec<String>),
    /// The run loop now follows this namespace (`None`: the one routescope started in) with a
    /// fresh feed, so everything known about the previous one is dropped.
    NamespaceSwitched(Option<String>),
    /// Something the person at the terminal should know (a bad keymap file, the feed stopping),
    /// shown on the status line until Esc.
    Notice(String),
    /// The terminal was resized (rows), which sets the page size.
    Resize(u16),
}

/// Requests from `update` to the run loop, which does the I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask the kernel about this query.
    AskKernel(Query),
    /// List the namespaces.
    ListNamespaces,
    /// Follow another namespace (`None`: the current one).
    SwitchNamespace(Option<String>),
}

/// The most log lines kept.
const LOG_LIMIT: usize = 10_000;

/// The whole application state; private, so that only `update` can change it (reads: `read.rs`).
pub struct App {
    state: State,
    namespace: Option<String>,
    /// Read from a snapshot: no kernel, no namespace switching.
    snapshot: bool,
    keymap: Keymap,
    focus: Pane,
    mode: Mode,
    /// Each pane's selection and filter.
    panes: PaneMap<PaneState>,
    /// The table shown by the routes pane; `None` shows every table.
    table: Option<(Family, u32)>,
    log: VecDeque<LogEntry>,
    pinned: Option<Pinned>,
    prompt_error: Option<String>,
    history: Vec<String>,
    history_pos: Option<usize>,
    resyncs: usize,
    parse_errors: usize,
    /// Rows moved by a page up or down.
    page: usize,
    quit: bool,
    notice: Option<String>,
    /// Bumped on every state change, so cached views know they are stale.
    generation: u64,
    /// The routes passing the routes filter, as (table, position), and what they were built from.
    filtered: Option<(FilterKey, Vec<RoutePos>)>,
    /// The diagnosis of the state, and the generation it was made for.
    findings: (u64, Vec<Finding>),
}

/// Where a route sits: its table and its position there.
type RoutePos = ((Family, u32), usize);

/// What a cached filtered route list depends on.
type FilterKey = (String, Option<(Family, u32)>, u64);

impl App {
    /// An application showing `state` (live from `namespace`, or a read-only snapshot).
    pub fn new(state: State, namespace: Option<String>, snapshot: bool, keymap: Keymap) -> Self {
        let findings = (0, crate::analysis::check(&state));
        Self {
            state,
            namespace,
            snapshot,
            keymap,
            focus: Pane::Routes,
            mode: Mode::Normal,
            panes: PaneMap::default(),
            table: None,
            log: VecDeque::new(),
            pinned: None,
            prompt_error: None,
            history: Vec::new(),
            history_pos: None,
            resyncs: 0,
            parse_errors: 0,
            page: 10,
            quit: false,
            notice: None,
            generation: 0,
            filtered: None,
            findings,
        }
    }

    /// Applies one message; returns the I/O the run loop should do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let effects = match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Focus(pane) => {
                self.focus = pane;
                Vec::new()
            }
            Msg::Action(action) if matches!(self.mode, Mode::Normal) => self.on_action(action),
            Msg::Action(_) => Vec::new(),
            Msg::Net { events, time } => {
                let mut effects = Vec::new();
                for event in events {
                    effects.extend(self.on_net(event, &time));
                }
                effects.dedup();
                effects
            }
            Msg::Kernel(query, answer) => {
                if let Some(p) = self.pinned.as_mut().filter(|p| p.query == *query) {
                    p.kernel = Some(answer);
                    p.kernel_error = None;
                }
                Vec::new()
            }
            Msg::KernelFailed(query, why) => {
                if let Some(p) = self.pinned.as_mut().filter(|p| p.query == *query) {
                    p.kernel_error = Some(why);
                }
                Vec::new()
            }
            Msg::Namespaces(names) => {
                self.mode = Mode::Namespaces { names, selected: 0 };
                Vec::new()
            }
            Msg::NamespaceSwitched(namespace) => {
                self.switched(namespace);
                Vec::new()
            }
            Msg::Notice(text) => {
                self.notice = Some(text);
                Vec::new()
            }
            Msg::Resize(rows) => {
                self.page = usize::from(rows / 3).max(1);
                Vec::new()
            }
        };
        self.settle();
        effects
    }

    /// Leaves the app consistent after every message, however rows went away (a feed event, a
    /// snapshot, another namespace, a filter, another table): every selection on a row that exists
    /// and the route filter current. Rules come first because the routes pane may show the
    /// selected rule's table.
    fn settle(&mut self) {
        // the diagnosis follows the state: run again once per change (a burst is one change)
        if self.findings.0 != self.generation {
            self.findings = (self.generation, crate::analysis::check(&self.state));
        }
        self.clamp(Pane::Rules);
        self.refresh();
        for pane in Pane::ALL {
            self.clamp(pane);
        }
    }

    /// Forgets the namespace that was followed: its state, log, pinned query, table and counts.
    fn switched(&mut self, namespace: Option<String>) {
        self.namespace = namespace;
        self.state = State::default();
        self.generation += 1;
        self.log.clear();
        self.pinned = None;
        self.table = None;
        self.resyncs = 0;
        self.parse_errors = 0;
    }

    /// A netlink event: log it, apply it, re-explain the pinned query.
    fn on_net(&mut self, event: FeedEvent, time: &str) -> Vec<Effect> {
        let line = match &event {
            FeedEvent::Change {
                change: Change::Snapshot(_),
                ..
            } if self.log.is_empty() && self.state.links.is_empty() => None,
            FeedEvent::Change { change, .. } => Some(change_line(&self.state, change)),
            FeedEvent::Resync { reason } => {
                self.resyncs += 1;
                Some(format!("= resync  {reason}"))
            }
            FeedEvent::ParseError { kind, error } => {
                self.parse_errors += 1;
                Some(format!("! message type {kind} not understood: {error}"))
            }
        };
        let who = match &event {
            FeedEvent::Change { origin, .. } if *origin != Origin::Reread => Some(origin.who()),
            _ => None,
        };
        if let FeedEvent::Change { change, .. } = event {
            self.state.apply(change);
            self.generation += 1;
        }
        let Some(line) = line else { return Vec::new() };
        self.log.push_back(LogEntry {
            time: time.to_owned(),
            line: line.clone(),
            who,
        });
        if self.log.len() > LOG_LIMIT {
            self.log.pop_front();
        }
        let Some(p) = self.pinned.as_mut() else {
            return Vec::new();
        };
        // the cheap verdict decides; the full explanation is rebuilt only when it changed
        if resolve(&self.state, &p.query) == p.explanation.verdict {
            return Vec::new();
        }
        p.explanation = explain(&self.state, &p.query);
        p.changed = Some(format!("{time} the answer changed after: {}", line.trim()));
        p.kernel = None;
        p.kernel_error = None;
        if self.snapshot {
            Vec::new()
        } else {
            vec![Effect::AskKernel(p.query.clone())]
        }
    }
}
