//! Keys and actions: each mode reads its keys from its section of the keymap.

use crossterm::event::KeyEvent;
use tui_input::Input;

use super::{App, Effect, Mode, Pane, Zoom};
use crate::action::Action;
use crate::keymap::Section;
use crate::model::Family;
use crate::net::Found;

impl App {
    /// A key press, routed by mode.
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Effect> {
        match std::mem::take(&mut self.mode) {
            Mode::Normal => {
                // the zoomed explanation scrolls with the view's keys before the panes' keys
                let view = self
                    .explaining()
                    .then(|| self.keymap.action(Section::View, key))
                    .flatten();
                if let Some(action) = view {
                    self.scroll_explanation(action);
                    return Vec::new();
                }
                // an open lesson's keys come before the panes'
                let lesson = self
                    .lesson()
                    .and_then(|_| self.keymap.action(Section::Lesson, key));
                if let Some(action) = lesson {
                    return self.on_action(action);
                }
                self.keymap
                    .action(Section::Normal, key)
                    .map_or_else(Vec::new, |a| self.on_action(a))
            }
            Mode::Help { scroll } => {
                self.on_help_key(key, scroll);
                Vec::new()
            }
            Mode::Filter { pane, input } => {
                self.on_filter_key(key, pane, input);
                Vec::new()
            }
            Mode::Prompt(input) => self.on_prompt_key(key, input),
            Mode::Findings { selected } => self.on_findings_key(key, selected),
            Mode::Namespaces { entries, selected } => self.on_picker_key(key, entries, selected),
            Mode::LeaveLesson => {
                self.on_leave_key(key);
                Vec::new()
            }
        }
    }

    /// An action from the mouse wheel: it moves the focused pane's selection, scrolls a zoomed
    /// explanation or the help, and waits while anything else is open.
    pub(super) fn on_pointer(&mut self, action: Action) -> Vec<Effect> {
        match self.mode {
            Mode::Normal if self.explaining() => {
                self.scroll_explanation(action);
                Vec::new()
            }
            Mode::Normal => self.on_action(action),
            Mode::Help { scroll } => {
                self.mode = Mode::Help {
                    scroll: super::view::scrolled(scroll, action, self.help_rows_now()),
                };
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Whether the keys scroll the zoomed explanation of a watched flow.
    pub(super) fn explaining(&self) -> bool {
        matches!(self.zoom, Zoom::On { .. }) && self.focus == Pane::Watch && self.pinned().is_some()
    }

    /// A named action in normal mode (zoomed or not).
    pub(super) fn on_action(&mut self, action: Action) -> Vec<Effect> {
        let pane = self.focus;
        let at = self.panes[pane].selected;
        match action {
            Action::Quit => self.quit_or_leave(),
            Action::Help => self.mode = Mode::Help { scroll: 0 },
            Action::FocusNext => self.focus_on(pane.next()),
            Action::FocusPrev => self.focus_on(pane.prev()),
            Action::Up => self.select(at.saturating_sub(1)),
            Action::Down => self.select(at.saturating_add(1)),
            Action::PageUp => self.select(at.saturating_sub(self.page())),
            Action::PageDown => self.select(at.saturating_add(self.page())),
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
                // zoomed, the prompt is in the watch pane: show that one
                if self.zoom != Zoom::Off {
                    self.focus_on(Pane::Watch);
                }
            }
            Action::Namespaces if self.snapshot => {
                self.notice = Some("a snapshot has no namespaces".into());
            }
            Action::Namespaces => return vec![Effect::ListNamespaces],
            Action::NextTable => self.next_table(),
            Action::DefaultRules => self.next_default_rule(),
            Action::Nexthops => self.toggle_nexthops(),
            Action::Follow => self.follow(),
            Action::NextLesson => self.step_lesson(true),
            Action::PrevLesson => self.step_lesson(false),
            Action::Findings => self.mode = Mode::Findings { selected: 0 },
            Action::Open if pane == Pane::Watch && self.pinned().is_some() => {
                self.zoom = Zoom::On { scroll: 0 };
            }
            Action::Remove if pane == Pane::Watch && at < self.watch.len() => {
                self.watch.remove(at);
                self.clamp(Pane::Watch);
                if !self.snapshot {
                    return vec![Effect::SaveWatch(self.saved_watch())];
                }
            }
            Action::Open | Action::Remove => {
                self.notice = Some(format!(
                    "{} works in the watch pane: focus it with {}",
                    action.name(),
                    self.keymap.shown(Section::Normal, Action::FocusNext)
                ));
            }
            Action::Zoom => {
                self.zoom = match self.zoom {
                    Zoom::Off => Zoom::On { scroll: 0 },
                    Zoom::On { .. } => Zoom::Off,
                };
            }
            Action::Close if self.zoom != Zoom::Off => self.zoom = Zoom::Off,
            Action::Close => {
                let state = &mut self.panes[pane];
                if !state.filter.is_empty() {
                    // the selection indexed the filtered rows; start again at the top
                    state.filter.clear();
                    state.selected = 0;
                }
                self.notice = None;
            }
            Action::Copy => return self.copy_selection(),
            Action::CopyCommand => return self.copy_command(),
            Action::Mouse => {
                self.mouse_capture = !self.mouse_capture;
                self.notice = Some(if self.mouse_capture {
                    "mouse capture on: clicks focus, the wheel scrolls".to_owned()
                } else {
                    format!(
                        "mouse capture off: the terminal selects text ({} turns it on)",
                        self.keymap.shown(Section::Normal, Action::Mouse)
                    )
                });
                return vec![Effect::MouseCapture(self.mouse_capture)];
            }
            // the keys of typing and of lists, never bound in normal mode
            Action::Accept | Action::Complete | Action::HistoryPrev | Action::HistoryNext => {}
        }
        Vec::new()
    }

    /// Moves the focus to `pane`; a zoomed explanation starts again at its top.
    fn focus_on(&mut self, pane: Pane) {
        self.focus = pane;
        if let Zoom::On { scroll } = &mut self.zoom {
            *scroll = 0;
        }
    }

    /// Rows moved by a page up or down: a third of the screen, or all of a zoomed pane.
    fn page(&self) -> usize {
        match self.zoom {
            Zoom::Off => self.page,
            Zoom::On { .. } => usize::from(self.screen.1.saturating_sub(4)).max(1),
        }
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

    /// Whether `key` is the normal-mode key of one of `section`'s openers (it closes again).
    pub(super) fn opens(&self, section: Section, key: KeyEvent) -> bool {
        self.keymap
            .action(Section::Normal, key)
            .is_some_and(|a| section.opened_by().contains(&a))
    }

    /// The help: the view's keys scroll it; close, or the key that opened it, closes it.
    fn on_help_key(&mut self, key: KeyEvent, scroll: usize) {
        match self.keymap.action(Section::View, key) {
            Some(Action::Close) => {}
            Some(action) => {
                let scroll = super::view::scrolled(scroll, action, self.help_rows_now());
                self.mode = Mode::Help { scroll };
            }
            None if self.opens(Section::View, key) => {}
            None => self.mode = Mode::Help { scroll },
        }
    }

    /// The namespace picker: the picker's keys move, follow (accept) or close.
    fn on_picker_key(
        &mut self,
        key: KeyEvent,
        entries: Vec<Found>,
        selected: usize,
    ) -> Vec<Effect> {
        let last = entries.len().saturating_sub(1);
        let selected = match self.keymap.action(Section::Picker, key) {
            Some(Action::Close) => return Vec::new(),
            None if self.opens(Section::Picker, key) => return Vec::new(),
            Some(Action::Accept) => {
                return entries
                    .into_iter()
                    .nth(selected)
                    .map(|found| Effect::SwitchNamespace(found.target))
                    .into_iter()
                    .collect();
            }
            Some(Action::Up) => selected.saturating_sub(1),
            Some(Action::Down) => (selected + 1).min(last),
            Some(Action::Top) => 0,
            Some(Action::Bottom) => last,
            _ => selected,
        };
        self.mode = Mode::Namespaces { entries, selected };
        Vec::new()
    }
}
