//! The application: one owner of all state, and the one `update` that changes it.

use std::collections::{BTreeMap, VecDeque};

use crossterm::event::KeyEvent;
use tui_input::Input;

use crate::action::Action;
use crate::analysis::Finding;
use crate::keymap::Keymap;
use crate::lookup::Query;
use crate::model::{Family, NexthopUsers, State};
use crate::net::{FeedEvent, Found, KernelAnswer, NetnsInfo, Target};
use crate::watch::WatchList;

mod copy;
mod findings;
mod jump;
mod keys;
mod lesson;
mod net;
mod nexthops;
mod pane;
mod read;
mod route_filter;
mod routes;
mod rows;
mod typing;
pub mod view;

pub use crate::watch::Watched;
pub use lesson::{Lesson, LessonStep};
pub use nexthops::RoutesView;
pub use pane::Pane;
use pane::{PaneMap, PaneState};
pub use view::{Row, Tone};

/// What the keyboard is talking to.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a filter for `pane` (the pane focused when typing began).
    Filter { pane: Pane, input: Input },
    /// Typing a route-get query.
    Prompt(Input),
    /// The help overlay, scrolled by `scroll` rows.
    Help { scroll: usize },
    /// The diagnosis: findings by severity, one selected.
    Findings { selected: usize },
    /// Choosing a network namespace: every one on the host, the one routescope started in first.
    Namespaces {
        entries: Vec<Found>,
        selected: usize,
    },
    /// Leaving a lesson: asking whether to remove its namespace (y/N).
    LeaveLesson,
}

/// Whether the focused pane fills the screen (the keys stay those of the panes); zoomed on the
/// watch pane, the selected flow's whole explanation is shown, scrolled by `scroll` rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Zoom {
    /// The panes side by side.
    #[default]
    Off,
    /// The focused pane alone; `scroll` rows of a zoomed explanation are above the screen.
    On { scroll: usize },
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
    /// Feed events read together, with the wall-clock time (`HH:MM:SS.mmm`) they were read: one
    /// message per burst, so a burst costs one pass over the cached route filter and one
    /// re-evaluation of each watched flow.
    Net {
        events: Vec<FeedEvent>,
        time: String,
    },
    /// The kernel answered a watched query.
    Kernel(Box<Query>, KernelAnswer),
    /// The kernel could not answer a watched query (an error, or no answer in time), and why.
    KernelFailed(Box<Query>, String),
    /// Flows to watch without being typed: the namespace's saved list and `--watch` queries,
    /// and whether the list should be saved afterwards (not when only restoring it).
    Watch { queries: Vec<String>, save: bool },
    /// Every network namespace on the host, for the picker (the starting one first).
    Namespaces(Vec<Found>),
    /// The run loop now follows this namespace with a fresh feed, so everything known about the
    /// previous one is dropped.
    NamespaceSwitched(NetnsInfo),
    /// Something the person at the terminal should know (a bad keymap file, the feed stopping),
    /// shown on the status line until Esc.
    Notice(String),
    /// The terminal's size in columns and rows, which sets the page size and how far the
    /// help and a zoomed explanation scroll.
    Resize { width: u16, height: u16 },
    /// A lesson to open (`routescope demo NAME`): its queries are watched, not saved.
    Lesson(Box<Lesson>),
    /// Whether state changes leave the diagnosis and the routes filter behind, for
    /// `Msg::Refresh` to bring up to date (the run loop's choice: it sends that at a bounded
    /// rate, so a storm of changes over a million routes does not redo them for every burst).
    Throttle(bool),
    /// Brings the diagnosis and the routes filter up to date with the state.
    Refresh,
}

/// Requests from `update` to the run loop, which does the I/O.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Ask the kernel about this query.
    AskKernel(Query),
    /// List the namespaces.
    ListNamespaces,
    /// Open and follow another namespace.
    SwitchNamespace(Target),
    /// Save the followed namespace's watch list (the queries as typed).
    SaveWatch(Vec<String>),
    /// Put this text on the clipboard: the run loop writes it to the terminal as OSC 52.
    Copy(String),
    /// Turn the terminal's mouse capture on (`true`) or off, so that it can select text.
    MouseCapture(bool),
}

/// The most log lines kept.
const LOG_LIMIT: usize = 10_000;

/// The whole application state; private, so that only `update` can change it (reads: `read.rs`).
pub struct App {
    state: State,
    namespace: NetnsInfo,
    /// Read from a snapshot: no kernel, no namespace switching.
    snapshot: bool,
    keymap: Keymap,
    focus: Pane,
    mode: Mode,
    /// Whether the focused pane fills the screen.
    zoom: Zoom,
    /// Whether the terminal reports the mouse to us (off: the terminal selects text).
    mouse_capture: bool,
    /// The terminal's columns and rows (until told: 80 × 24).
    screen: (u16, u16),
    /// Each pane's selection and filter.
    panes: PaneMap<PaneState>,
    /// The table shown by the routes pane; `None` shows every table.
    table: Option<(Family, u32)>,
    log: VecDeque<LogEntry>,
    /// The watched flows; the route-get panel explains the one selected in `Pane::Watch`.
    watch: WatchList,
    /// Whether the followed namespace's first state has arrived (before it, nothing is a change).
    loaded: bool,
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
    /// The routes passing the routes filter, as (table, position), what they were built from,
    /// and the generation of the state they were built for (older while throttled).
    filtered: Option<(FilterKey, u64, Vec<RoutePos>)>,
    /// The routes of each family (IPv4, IPv6) the first state's dump has read so far.
    loading: (usize, usize),
    /// Whether state changes wait for `Msg::Refresh` to redo the diagnosis and the filter.
    throttled: bool,
    /// Set by `Msg::Refresh` until the next `settle` has brought everything up to date.
    refresh_due: bool,
    /// The diagnosis of the state, and the generation it was made for.
    findings: (u64, Vec<Finding>),
    /// What the routes pane lists: routes, or nexthop objects.
    routes_view: RoutesView,
    /// What uses each nexthop object, and the generation it was found for (kept current only
    /// while the nexthops view is shown).
    nexthop_users: (u64, BTreeMap<u32, NexthopUsers>),
    /// The open lesson, if `routescope demo NAME` opened one.
    lesson: Option<lesson::OpenLesson>,
    /// The namespace to remove once the terminal is given back (the lesson's, if asked to).
    remove_on_exit: Option<String>,
}

/// Where a route sits: its table and its position there.
type RoutePos = ((Family, u32), usize);

/// What a cached filtered route list depends on besides the state: the filter and the table.
type FilterKey = (String, Option<(Family, u32)>);

impl App {
    /// An application showing `state` (live from `namespace`, or a read-only snapshot).
    pub fn new(state: State, namespace: NetnsInfo, snapshot: bool, keymap: Keymap) -> Self {
        let findings = (0, crate::analysis::check(&state));
        let loaded = snapshot || !state.links.is_empty();
        Self {
            state,
            namespace,
            snapshot,
            keymap,
            focus: Pane::Routes,
            mode: Mode::Normal,
            zoom: Zoom::Off,
            mouse_capture: true,
            screen: (80, 24),
            panes: PaneMap::default(),
            table: None,
            log: VecDeque::new(),
            watch: WatchList::default(),
            loaded,
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
            loading: (0, 0),
            throttled: false,
            refresh_due: false,
            findings,
            routes_view: RoutesView::Routes,
            nexthop_users: (u64::MAX, BTreeMap::new()),
            lesson: None,
            remove_on_exit: None,
        }
    }

    /// Applies one message; returns the I/O the run loop should do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        let effects = match msg {
            Msg::Key(key) => self.on_key(key),
            // zoomed, the screen is one pane: a click stays in it
            Msg::Focus(pane) => {
                if self.zoom == Zoom::Off {
                    self.focus = pane;
                }
                Vec::new()
            }
            Msg::Action(action) => self.on_pointer(action),
            Msg::Net { events, time } => self.on_net(events, &time),
            Msg::Kernel(query, answer) => {
                self.watch.kernel_replied(&query, &Ok(answer));
                Vec::new()
            }
            Msg::KernelFailed(query, why) => {
                self.watch.kernel_replied(&query, &Err(why));
                Vec::new()
            }
            Msg::Watch { queries, save } => self.watch_all(&queries, save),
            Msg::Namespaces(entries) => {
                self.mode = Mode::Namespaces {
                    entries,
                    selected: 0,
                };
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
            Msg::Resize { width, height } => {
                self.screen = (width, height);
                self.page = usize::from(height / 3).max(1);
                Vec::new()
            }
            Msg::Lesson(lesson) => self.open_lesson(*lesson),
            Msg::Throttle(on) => {
                self.throttled = on;
                Vec::new()
            }
            Msg::Refresh => {
                self.refresh_due = true;
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
        // throttled, what follows the state waits for `Msg::Refresh`; what the person changed
        // (the filter, the table) never waits
        let fresh = !self.throttled || std::mem::take(&mut self.refresh_due);
        // the diagnosis follows the state: run again once per change (a burst is one change)
        if fresh && self.findings.0 != self.generation {
            self.findings = (self.generation, crate::analysis::check(&self.state));
        }
        self.clamp(Pane::Rules);
        self.refresh(fresh);
        self.refresh_nexthop_users(fresh);
        for pane in Pane::ALL {
            self.clamp(pane);
        }
        // the findings view selects a finding, which may have gone with the change
        let last_finding = self.findings.1.len().saturating_sub(1);
        if let Mode::Findings { selected } = &mut self.mode {
            *selected = (*selected).min(last_finding);
        }
    }

    /// Forgets the namespace that was followed: its state, log, pinned query, table and counts.
    fn switched(&mut self, namespace: NetnsInfo) {
        self.namespace = namespace;
        self.state = State::default();
        self.generation += 1;
        self.log.clear();
        self.watch.clear();
        self.loaded = false;
        self.loading = (0, 0);
        self.table = None;
        self.resyncs = 0;
        self.parse_errors = 0;
    }
}
