//! The application: one owner of all state, and the one `update` that changes it.

use std::collections::VecDeque;

use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler as _;

use crate::action::Action;
use crate::keymap::Keymap;
use crate::lookup::{Explanation, Query, explain, resolve};
use crate::model::{Change, Family, Route, State};
use crate::net::{FeedEvent, KernelAnswer};
use crate::report::events::change_line;

/// The panes, in focus order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Interfaces,
    Rules,
    Routes,
    Events,
}

impl Pane {
    const ALL: [Self; 4] = [Self::Interfaces, Self::Rules, Self::Routes, Self::Events];

    fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// What the keyboard is talking to.
#[derive(Debug, Clone, Default)]
pub enum Mode {
    #[default]
    Normal,
    /// Typing a filter for the focused pane.
    Filter(Input),
    /// Typing a route-get query.
    Prompt(Input),
    Help,
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
    /// When and why the answer last changed ("12:00:01 after: - route … ").
    pub changed: Option<String>,
}

/// One line of the event log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogEntry {
    pub time: String,
    pub line: String,
}

/// A message to `update`: everything that can happen.
#[derive(Debug)]
pub enum Msg {
    /// A key press.
    Key(KeyEvent),
    /// A change from the netlink feed, with the wall-clock time it arrived (`HH:MM:SS`).
    Net { event: FeedEvent, time: String },
    /// The kernel answered the pinned query.
    Kernel(Box<Query>, KernelAnswer),
    /// The namespaces under /run/netns, for the picker.
    Namespaces(Vec<String>),
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

/// The whole application state.
pub struct App {
    pub state: State,
    pub namespace: Option<String>,
    /// Read from a snapshot: no kernel, no namespace switching.
    pub snapshot: bool,
    pub keymap: Keymap,
    pub focus: Pane,
    pub mode: Mode,
    pub selected: [usize; 4],
    pub filters: [String; 4],
    /// The table shown by the routes pane; `None` shows every table.
    pub table: Option<(Family, u32)>,
    pub log: VecDeque<LogEntry>,
    pub pinned: Option<Pinned>,
    pub prompt_error: Option<String>,
    pub history: Vec<String>,
    history_pos: Option<usize>,
    pub resyncs: usize,
    pub parse_errors: usize,
    pub page: usize,
    pub quit: bool,
    pub notice: Option<String>,
    /// Bumped on every state change, so cached views know they are stale.
    generation: u64,
    /// The routes passing the routes filter, as (table, position), and what they were built from.
    filtered: Option<(FilterKey, Vec<RoutePos>)>,
}

/// Where a route sits: its table and its position there.
type RoutePos = ((Family, u32), usize);

/// What a cached filtered route list depends on.
type FilterKey = (String, Option<(Family, u32)>, u64);

impl App {
    /// An application showing `state` (live from `namespace`, or a read-only snapshot).
    pub fn new(state: State, namespace: Option<String>, snapshot: bool, keymap: Keymap) -> Self {
        Self {
            state,
            namespace,
            snapshot,
            keymap,
            focus: Pane::Routes,
            mode: Mode::Normal,
            selected: [0; 4],
            filters: Default::default(),
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
        }
    }

    /// Applies one message; returns the I/O the run loop should do.
    pub fn update(&mut self, msg: Msg) -> Vec<Effect> {
        match msg {
            Msg::Key(key) => self.on_key(key),
            Msg::Net { event, time } => self.on_net(event, &time),
            Msg::Kernel(query, answer) => {
                if let Some(p) = self.pinned.as_mut().filter(|p| p.query == *query) {
                    p.kernel = Some(answer);
                }
                Vec::new()
            }
            Msg::Namespaces(names) => {
                self.mode = Mode::Namespaces { names, selected: 0 };
                Vec::new()
            }
            Msg::Resize(rows) => {
                self.page = usize::from(rows / 3).max(1);
                Vec::new()
            }
        }
    }

    /// A key press, routed by mode.
    fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match std::mem::take(&mut self.mode) {
            Mode::Normal => self
                .keymap
                .action(key)
                .map_or_else(Vec::new, |a| self.on_action(a)),
            Mode::Help => {
                let action = self.keymap.action(key);
                if !matches!(action, Some(Action::Help | Action::Close | Action::Quit)) {
                    self.mode = Mode::Help;
                }
                Vec::new()
            }
            Mode::Filter(input) => {
                self.on_filter_key(key, input);
                Vec::new()
            }
            Mode::Prompt(input) => self.on_prompt_key(key, input),
            Mode::Namespaces { names, selected } => self.on_picker_key(key, names, selected),
        }
    }

    /// Performs an action as if its key was pressed (the mouse wheel uses this).
    pub fn act(&mut self, action: Action) -> Vec<Effect> {
        if matches!(self.mode, Mode::Normal) {
            self.on_action(action)
        } else {
            Vec::new()
        }
    }

    /// A named action in normal mode.
    fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let i = self.focus.index();
        let rows = self.row_count(self.focus);
        let last = rows.saturating_sub(1);
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.mode = Mode::Help,
            Action::FocusNext => self.focus = Pane::ALL[(i + 1) % 4],
            Action::FocusPrev => self.focus = Pane::ALL[(i + 3) % 4],
            Action::Up => self.selected[i] = self.selected[i].saturating_sub(1),
            Action::Down => self.selected[i] = (self.selected[i] + 1).min(last),
            Action::PageUp => self.selected[i] = self.selected[i].saturating_sub(self.page),
            Action::PageDown => self.selected[i] = (self.selected[i] + self.page).min(last),
            Action::Top => self.selected[i] = 0,
            Action::Bottom => self.selected[i] = last,
            Action::Filter => self.mode = Mode::Filter(Input::new(self.filters[i].clone())),
            Action::RouteGet => {
                self.prompt_error = None;
                self.history_pos = None;
                self.mode = Mode::Prompt(Input::default());
            }
            Action::Namespaces if self.snapshot => {
                self.notice = Some("a snapshot has no namespaces".into());
            }
            Action::Namespaces => return vec![Effect::ListNamespaces],
            Action::NextTable => self.next_table(),
            Action::Close => {
                self.filters[i].clear();
                self.notice = None;
            }
        }
        Vec::new()
    }

    /// Cycles the routes pane through all tables, then each table in turn.
    fn next_table(&mut self) {
        let keys: Vec<(Family, u32)> = self.state.tables.keys().copied().collect();
        self.table = match self.table {
            None => keys.first().copied(),
            Some(current) => keys.iter().skip_while(|k| **k != current).nth(1).copied(),
        };
        self.selected[Pane::Routes.index()] = 0;
    }

    /// Typing a filter: Enter applies it, Esc drops the edit.
    fn on_filter_key(&mut self, key: KeyEvent, mut input: Input) {
        match key.code {
            KeyCode::Enter => {
                let i = self.focus.index();
                input.value().trim().clone_into(&mut self.filters[i]);
                self.selected[i] = 0;
            }
            KeyCode::Esc => {}
            _ => {
                input.handle_event(&Event::Key(key));
                self.mode = Mode::Filter(input);
            }
        }
    }

    /// Typing a query: errors show as you type; Enter pins it; Up/Down walk the history.
    fn on_prompt_key(&mut self, key: KeyEvent, mut input: Input) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => return Vec::new(),
            KeyCode::Enter => {
                let words: Vec<&str> = input.value().split_whitespace().collect();
                let parsed = Query::parse(&words).and_then(|q| q.validate(&self.state).map(|()| q));
                match parsed {
                    Ok(query) => return self.pin(query, input.value().trim().to_owned()),
                    Err(e) => self.prompt_error = Some(e.to_string()),
                }
            }
            KeyCode::Up | KeyCode::Down => {
                let len = self.history.len();
                let pos = match (key.code, self.history_pos) {
                    (KeyCode::Up, None) => len.checked_sub(1),
                    (KeyCode::Up, Some(p)) => Some(p.saturating_sub(1)),
                    (_, Some(p)) if p + 1 < len => Some(p + 1),
                    _ => None,
                };
                self.history_pos = pos;
                input = Input::new(pos.map(|p| self.history[p].clone()).unwrap_or_default());
            }
            KeyCode::Tab => input = Input::new(self.complete(input.value())),
            _ => {
                input.handle_event(&Event::Key(key));
                let words: Vec<&str> = input.value().split_whitespace().collect();
                self.prompt_error = if words.is_empty() {
                    None
                } else {
                    Query::parse(&words).err().map(|e| e.to_string())
                };
            }
        }
        self.mode = Mode::Prompt(input);
        Vec::new()
    }

    /// Completes a device name after `iif` / `oif`.
    fn complete(&self, text: &str) -> String {
        let (head, last) = text.rsplit_once(' ').unwrap_or(("", text));
        if !matches!(head.split_whitespace().last(), Some("iif" | "oif")) {
            return text.to_owned();
        }
        let names: Vec<&str> = self
            .state
            .links
            .values()
            .map(|l| l.name.as_str())
            .filter(|n| n.starts_with(last))
            .collect();
        match names.as_slice() {
            [one] => format!("{head} {one} "),
            _ => text.to_owned(),
        }
    }

    /// Pins a query: explains it now, asks the kernel, remembers it.
    fn pin(&mut self, query: Query, text: String) -> Vec<Effect> {
        if self.history.last() != Some(&text) {
            self.history.push(text);
        }
        let explanation = explain(&self.state, &query);
        self.pinned = Some(Pinned {
            query: query.clone(),
            explanation,
            kernel: None,
            changed: None,
        });
        self.prompt_error = None;
        if self.snapshot {
            Vec::new()
        } else {
            vec![Effect::AskKernel(query)]
        }
    }

    /// The namespace picker.
    fn on_picker_key(&mut self, key: KeyEvent, names: Vec<String>, selected: usize) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Enter => {
                // the first entry is the namespace routescope was started in
                let choice = if selected == 0 {
                    None
                } else {
                    names.get(selected - 1).cloned()
                };
                vec![Effect::SwitchNamespace(choice)]
            }
            code => {
                let selected = match code {
                    KeyCode::Up | KeyCode::Char('k') => selected.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => (selected + 1).min(names.len()),
                    _ => selected,
                };
                self.mode = Mode::Namespaces { names, selected };
                Vec::new()
            }
        }
    }

    /// A netlink event: log it, apply it, re-explain the pinned query.
    fn on_net(&mut self, event: FeedEvent, time: &str) -> Vec<Effect> {
        let line = match &event {
            FeedEvent::Change(Change::Snapshot(_))
                if self.log.is_empty() && self.state.links.is_empty() =>
            {
                None
            }
            FeedEvent::Change(change) => Some(change_line(&self.state, change)),
            FeedEvent::Resync { reason } => {
                self.resyncs += 1;
                Some(format!("= resync  {reason}"))
            }
            FeedEvent::ParseError { kind, error } => {
                self.parse_errors += 1;
                Some(format!("! message type {kind} not understood: {error}"))
            }
        };
        if let FeedEvent::Change(change) = event {
            self.state.apply(change);
            self.generation += 1;
        }
        let Some(line) = line else { return Vec::new() };
        self.log.push_back(LogEntry {
            time: time.to_owned(),
            line: line.clone(),
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
        if self.snapshot {
            Vec::new()
        } else {
            vec![Effect::AskKernel(p.query.clone())]
        }
    }

    /// How many rows a pane has with its filter applied.
    pub fn row_count(&self, pane: Pane) -> usize {
        match pane {
            Pane::Interfaces => self.state.links.len(),
            Pane::Rules => self.visible_rules().len(),
            Pane::Routes => self.route_count(),
            Pane::Events => self.log.len(),
        }
    }

    /// The table the routes pane shows: the selected rule's while the rules pane has focus.
    pub fn routes_table(&self) -> Option<(Family, u32)> {
        if self.focus == Pane::Rules {
            let rules = self.visible_rules();
            if let Some(rule) = rules.get(self.selected[Pane::Rules.index()]) {
                return Some((rule.family, rule.table));
            }
        }
        self.table
    }

    /// The rules shown (IPv4 then IPv6) with the filter applied.
    pub fn visible_rules(&self) -> Vec<&crate::model::Rule> {
        let filter = &self.filters[Pane::Rules.index()];
        self.state
            .rules
            .iter()
            .filter(|r| {
                filter.is_empty()
                    || r.selector_text(&self.state.table_names.name(r.table))
                        .contains(filter.as_str())
            })
            .collect()
    }

    /// The number of routes in the routes pane.
    pub fn route_count(&self) -> usize {
        match self.filtered_routes() {
            Some(list) => list.len(),
            None => self.shown_tables().map(|(_, t)| t.len()).sum(),
        }
    }

    /// The cached filter result, when a filter is set and the cache is current.
    fn filtered_routes(&self) -> Option<&[((Family, u32), usize)]> {
        if self.filters[Pane::Routes.index()].is_empty() {
            return None;
        }
        self.filtered
            .as_ref()
            .filter(|(key, _)| *key == self.filter_key())
            .map(|(_, list)| list.as_slice())
    }

    /// What the filtered route list depends on now.
    fn filter_key(&self) -> FilterKey {
        (
            self.filters[Pane::Routes.index()].clone(),
            self.routes_table(),
            self.generation,
        )
    }

    /// Rebuilds the filtered route list if the filter, the table or the state changed; the run
    /// loop calls it once per frame, so a filter over a million routes costs one pass per change.
    pub fn refresh(&mut self) {
        if self.filters[Pane::Routes.index()].is_empty()
            || self
                .filtered
                .as_ref()
                .is_some_and(|(k, _)| *k == self.filter_key())
        {
            return;
        }
        let list: Vec<((Family, u32), usize)> = self
            .shown_tables()
            .flat_map(|(key, t)| t.iter().enumerate().map(move |(i, r)| (*key, i, r)))
            .filter(|(_, _, r)| self.route_passes(r))
            .map(|(key, i, _)| (key, i))
            .collect();
        self.filtered = Some((self.filter_key(), list));
    }

    /// The tables the routes pane draws from.
    fn shown_tables(&self) -> impl Iterator<Item = (&(Family, u32), &crate::model::RouteTable)> {
        let only = self.routes_table();
        self.state
            .tables
            .iter()
            .filter(move |(k, _)| only.is_none_or(|o| o == **k))
    }

    /// Whether a route passes the routes filter: a prefix covering or inside it, or text.
    fn route_passes(&self, r: &Route) -> bool {
        let filter = self.filters[Pane::Routes.index()].as_str();
        if let Ok(net) = filter.parse::<ipnet::IpNet>() {
            return net.contains(&r.dst) || r.dst.contains(&net);
        }
        if let Ok(addr) = filter.parse::<std::net::IpAddr>() {
            return r.dst.contains(&addr);
        }
        crate::report::text::route_line(&self.state, r).contains(filter)
    }

    /// The routes from row `start`, at most `count` (only these are ever built for drawing).
    pub fn route_window(&self, start: usize, count: usize) -> Vec<&Route> {
        if !self.filters[Pane::Routes.index()].is_empty() {
            let Some(list) = self.filtered_routes() else {
                return Vec::new();
            };
            return list
                .iter()
                .skip(start)
                .take(count)
                .filter_map(|(key, i)| {
                    self.state
                        .tables
                        .get(key)
                        .and_then(|t| t.iter_from(*i).next())
                })
                .collect();
        }
        let mut skip = start;
        let mut out = Vec::with_capacity(count);
        for (_, table) in self.shown_tables() {
            if skip >= table.len() {
                skip -= table.len();
                continue;
            }
            out.extend(table.iter_from(skip).take(count - out.len()));
            skip = 0;
            if out.len() == count {
                break;
            }
        }
        out
    }
}
