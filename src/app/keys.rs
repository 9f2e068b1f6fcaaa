//! Keys and actions: what a key press does in each mode.

use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler as _;

use super::{App, Effect, Mode, Pane, Pinned};
use crate::action::Action;
use crate::lookup::{Query, explain};
use crate::model::Family;
use crate::net::Found;

impl App {
    /// A key press, routed by mode.
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
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
            Mode::Filter { pane, input } => {
                self.on_filter_key(key, pane, input);
                Vec::new()
            }
            Mode::Prompt(input) => self.on_prompt_key(key, input),
            Mode::Findings { selected } => self.on_findings_key(key, selected),
            Mode::Namespaces { entries, selected } => self.on_picker_key(key, entries, selected),
        }
    }

    /// A named action in normal mode.
    pub(super) fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let pane = self.focus;
        let at = self.panes[pane].selected;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.mode = Mode::Help,
            Action::FocusNext => self.focus = pane.next(),
            Action::FocusPrev => self.focus = pane.prev(),
            Action::Up => self.select(at.saturating_sub(1)),
            Action::Down => self.select(at.saturating_add(1)),
            Action::PageUp => self.select(at.saturating_sub(self.page)),
            Action::PageDown => self.select(at.saturating_add(self.page)),
            Action::Top => self.select(0),
            Action::Bottom => self.select(usize::MAX),
            Action::Filter => {
                let input = Input::new(self.panes[pane].filter.clone());
                self.mode = Mode::Filter { pane, input };
            }
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
            Action::Findings => self.mode = Mode::Findings { selected: 0 },
            Action::Close => {
                let state = &mut self.panes[pane];
                if !state.filter.is_empty() {
                    // the selection indexed the filtered rows; start again at the top
                    state.filter.clear();
                    state.selected = 0;
                }
                self.notice = None;
            }
        }
        Vec::new()
    }

    /// Moves the focused pane's selection to `row`, or to its last row if there are fewer.
    fn select(&mut self, row: usize) {
        let last = self.row_count(self.focus).saturating_sub(1);
        self.panes[self.focus].selected = row.min(last);
    }

    /// Cycles the routes pane through all tables, then each table in turn.
    fn next_table(&mut self) {
        let keys: Vec<(Family, u32)> = self.state.tables.keys().copied().collect();
        self.table = match self.table {
            None => keys.first().copied(),
            Some(current) => keys.iter().skip_while(|k| **k != current).nth(1).copied(),
        };
        self.panes[Pane::Routes].selected = 0;
    }

    /// Typing a filter for `pane`: Enter applies it, Esc drops the edit.
    fn on_filter_key(&mut self, key: KeyEvent, pane: Pane, mut input: Input) {
        match key.code {
            KeyCode::Enter => {
                let state = &mut self.panes[pane];
                input.value().trim().clone_into(&mut state.filter);
                state.selected = 0;
            }
            KeyCode::Esc => {}
            _ => {
                input.handle_event(&Event::Key(key));
                self.mode = Mode::Filter { pane, input };
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
        // the escaped form, which is what the panes show and what a query accepts
        let names: Vec<String> = self
            .state
            .links
            .values()
            .map(|l| l.name.to_string())
            .filter(|n| n.starts_with(last))
            .collect();
        match names.as_slice() {
            [one] => format!("{head} {one} "),
            _ => text.to_owned(),
        }
    }

    /// Pins a query: explains it now, asks the kernel, remembers it.
    pub(super) fn pin(&mut self, query: Query, text: String) -> Vec<Effect> {
        if self.history.last() != Some(&text) {
            self.history.push(text);
        }
        let explanation = explain(&self.state, &query);
        self.pinned = Some(Pinned {
            query: query.clone(),
            explanation,
            kernel: None,
            kernel_error: None,
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
    fn on_picker_key(
        &mut self,
        key: KeyEvent,
        entries: Vec<Found>,
        selected: usize,
    ) -> Vec<Effect> {
        match key.code {
            KeyCode::Esc => Vec::new(),
            KeyCode::Enter => entries
                .into_iter()
                .nth(selected)
                .map(|found| Effect::SwitchNamespace(found.target))
                .into_iter()
                .collect(),
            code => {
                let selected = match code {
                    KeyCode::Up | KeyCode::Char('k') => selected.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => {
                        (selected + 1).min(entries.len().saturating_sub(1))
                    }
                    _ => selected,
                };
                self.mode = Mode::Namespaces { entries, selected };
                Vec::new()
            }
        }
    }
}
