//! Keys and actions: what a key press does in each mode.

use crossterm::event::{Event, KeyCode, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler as _;

use super::{App, Effect, Mode, Pane};
use crate::action::Action;
use crate::lookup::Query;
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
            Mode::Explain { scroll } => {
                self.on_explain_key(key, scroll);
                Vec::new()
            }
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
            Action::Open if pane == Pane::Watch && self.pinned().is_some() => {
                self.mode = Mode::Explain { scroll: 0 };
            }
            Action::Remove if pane == Pane::Watch && at < self.watch.len() => {
                self.watch.remove(at);
                self.clamp(Pane::Watch);
                if !self.snapshot {
                    return vec![Effect::SaveWatch(self.watch.texts())];
                }
            }
            Action::Open | Action::Remove => {
                self.notice = Some(format!(
                    "{} works in the watch pane: focus it with tab",
                    action.name()
                ));
            }
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
                if !words.is_empty() {
                    match self.pin(&words.join(" ")) {
                        Ok(effects) => return effects,
                        Err(e) => self.prompt_error = Some(e),
                    }
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

    /// Watches a typed query (its devices must exist) and selects it, so the route-get panel
    /// explains it; asks the kernel and saves the list. `Err` says why it was not added.
    pub(super) fn pin(&mut self, text: &str) -> Result<Vec<Effect>, String> {
        let at = self
            .watch
            .add(&self.state, text, true)
            .map_err(|e| e.to_string())?;
        if self.history.last().map(String::as_str) != Some(text) {
            self.history.push(text.to_owned());
        }
        self.panes[Pane::Watch].selected = at;
        self.prompt_error = None;
        let mut effects = self.ask_kernel(&[at]);
        if !self.snapshot {
            effects.push(Effect::SaveWatch(self.watch.texts()));
        }
        Ok(effects)
    }

    /// Scrolls the full explanation, or closes it.
    fn on_explain_key(&mut self, key: KeyEvent, scroll: usize) {
        let scroll = match self.keymap.action(key) {
            Some(Action::Up) => scroll.saturating_sub(1),
            Some(Action::Down) => scroll.saturating_add(1),
            Some(Action::PageUp) => scroll.saturating_sub(self.page),
            Some(Action::PageDown) => scroll.saturating_add(self.page),
            Some(Action::Top) => 0,
            Some(Action::Bottom) => usize::MAX / 2,
            Some(Action::Close | Action::Open | Action::Quit) => return,
            _ => scroll,
        };
        self.mode = Mode::Explain { scroll };
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
