//! Typing: a filter for a pane, and a route-get query with history and completion. The
//! sections `[filter]` and `[prompt]` of the keymap say which keys act; every other key edits.

use crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler as _;

use super::{App, Effect, Mode, Pane, Zoom};
use crate::action::Action;
use crate::keymap::Section;
use crate::lookup::Query;

impl App {
    /// Typing a filter for `pane`: accept applies it, close drops the edit.
    pub(super) fn on_filter_key(&mut self, key: KeyEvent, pane: Pane, mut input: Input) {
        match self.keymap.action(Section::Filter, key) {
            Some(Action::Accept) => {
                let state = &mut self.panes[pane];
                input.value().trim().clone_into(&mut state.filter);
                state.selected = 0;
            }
            Some(Action::Close) => {}
            _ => {
                input.handle_event(&Event::Key(key));
                self.mode = Mode::Filter { pane, input };
            }
        }
    }

    /// Typing a query: errors show as you type; accept watches it; the history keys walk the
    /// queries typed before; complete fills in a device name.
    pub(super) fn on_prompt_key(&mut self, key: KeyEvent, mut input: Input) -> Vec<Effect> {
        match self.keymap.action(Section::Prompt, key) {
            Some(Action::Close) => return Vec::new(),
            Some(Action::Accept) => {
                let words: Vec<&str> = input.value().split_whitespace().collect();
                if !words.is_empty() {
                    match self.pin(&words.join(" ")) {
                        Ok(effects) => return effects,
                        Err(e) => self.prompt_error = Some(e),
                    }
                }
            }
            Some(step @ (Action::HistoryPrev | Action::HistoryNext)) => {
                let len = self.history.len();
                let pos = match (step, self.history_pos) {
                    (Action::HistoryPrev, None) => len.checked_sub(1),
                    (Action::HistoryPrev, Some(p)) => Some(p.saturating_sub(1)),
                    (_, Some(p)) if p + 1 < len => Some(p + 1),
                    _ => None,
                };
                self.history_pos = pos;
                input = Input::new(pos.map(|p| self.history[p].clone()).unwrap_or_default());
            }
            Some(Action::Complete) => input = Input::new(self.complete(input.value())),
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
        if let Zoom::On { scroll } = &mut self.zoom {
            *scroll = 0;
        }
        self.prompt_error = None;
        let mut effects = self.ask_kernel(&[at]);
        if !self.snapshot {
            effects.push(Effect::SaveWatch(self.saved_watch()));
        }
        Ok(effects)
    }
}
