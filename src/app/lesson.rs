//! A lesson (`routescope demo NAME`): a teaching scenario's question, its queries watched as
//! steps, each with what to look at and the answer; and, on the way out, whether to remove the
//! scenario's namespace.

use crossterm::event::{KeyCode, KeyEvent};

use super::{App, Effect, Mode, Pane, RoutesView};
use crate::action::Action;
use crate::keymap::Section;
use crate::lookup::Query;
use crate::model::{Family, Route};
use crate::scenario::Scenario;

/// A teaching scenario as a lesson: the situation's question and one step per query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lesson {
    /// The scenario's one-line title.
    pub title: String,
    /// The question the lesson answers, in one or two sentences.
    pub question: String,
    /// The namespace the scenario was built in, offered for removal when the lesson ends.
    pub namespace: String,
    pub steps: Vec<LessonStep>,
}

/// One step of a lesson: a query to watch, what to look at on screen, and the answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonStep {
    /// The words after `ip route get`.
    pub query: String,
    pub look: String,
    pub answer: String,
}

/// Text from the scenario file with its line breaks and indentation folded into single spaces.
fn folded(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl Lesson {
    /// The lesson of `scenario`, built in namespace `namespace`.
    pub fn of(scenario: &Scenario, namespace: &str) -> Self {
        Self {
            title: folded(&scenario.title),
            question: folded(&scenario.question),
            namespace: namespace.to_owned(),
            steps: scenario
                .tries
                .iter()
                .map(|t| LessonStep {
                    query: folded(&t.query),
                    look: folded(&t.look),
                    answer: folded(&t.answer),
                })
                .collect(),
        }
    }
}

/// The open lesson and the step shown.
#[derive(Debug, Clone)]
pub(super) struct OpenLesson {
    lesson: Lesson,
    step: usize,
}

impl App {
    /// The open lesson and the index of the step shown.
    pub fn lesson(&self) -> Option<(&Lesson, usize)> {
        self.lesson.as_ref().map(|open| (&open.lesson, open.step))
    }

    /// The namespace to remove once the terminal is given back: the lesson's, when the person
    /// answered yes on the way out.
    pub fn remove_on_exit(&self) -> Option<&str> {
        self.remove_on_exit.as_deref()
    }

    /// Opens `lesson`: its queries join the watch list, unsaved, and its first step is shown.
    pub(super) fn open_lesson(&mut self, lesson: Lesson) -> Vec<Effect> {
        let queries: Vec<String> = lesson.steps.iter().map(|s| s.query.clone()).collect();
        self.lesson = Some(OpenLesson { lesson, step: 0 });
        let effects = self.watch_all(&queries, false);
        self.show_step();
        effects
    }

    /// The watched queries to save: every one but the lesson's, which belong to the lesson.
    pub(super) fn saved_watch(&self) -> Vec<String> {
        let lesson: Vec<Query> = self
            .lesson
            .iter()
            .flat_map(|open| &open.lesson.steps)
            .filter_map(|s| Query::parse(&s.query.split_whitespace().collect::<Vec<_>>()).ok())
            .collect();
        self.watch
            .flows()
            .iter()
            .filter(|f| !lesson.contains(&f.query))
            .map(|f| f.text.clone())
            .collect()
    }

    /// Shows the next step of the lesson (`forward`) or the one before.
    pub(super) fn step_lesson(&mut self, forward: bool) {
        let Some(open) = self.lesson.as_mut() else {
            self.notice = Some("no lesson is open: `routescope demo NAME` opens one".into());
            return;
        };
        let last = open.lesson.steps.len().saturating_sub(1);
        open.step = if forward {
            (open.step + 1).min(last)
        } else {
            open.step.saturating_sub(1)
        };
        self.show_step();
    }

    /// Selects the step's flow in the watch pane, so its explanation is shown, and brings the
    /// rule and the route its answer names into view in their panes.
    fn show_step(&mut self) {
        let Some(query) = self
            .lesson
            .as_ref()
            .and_then(|open| open.lesson.steps.get(open.step))
            .and_then(|s| Query::parse(&s.query.split_whitespace().collect::<Vec<_>>()).ok())
        else {
            return;
        };
        let Some(at) = self.watch.flows().iter().position(|f| f.query == query) else {
            return;
        };
        self.panes[Pane::Watch].selected = at;
        let verdict = self.watch.flows()[at].verdict().clone();
        let family = Family::of(query.destination());
        if let Some(priority) = verdict.rule.map(|r| r.priority) {
            let row = self
                .visible_rules()
                .position(|r| r.priority == priority && r.family == family);
            if let Some(row) = row {
                self.panes[Pane::Rules].selected = row;
            }
        }
        if let Some(row) = verdict.route.and_then(|r| self.route_row(&r)) {
            self.panes[Pane::Routes].selected = row;
        }
    }

    /// The row of `route` in the routes pane as it is (no filter, routes listed), if shown.
    fn route_row(&self, route: &Route) -> Option<usize> {
        if !self.filter(Pane::Routes).is_empty() || self.routes_view != RoutesView::Routes {
            return None;
        }
        let mut before = 0;
        for ((family, id), table) in self.shown_tables() {
            if (*family, *id) == (route.family(), route.table) {
                let at = table.iter().position(|r| r.same_route(route))?;
                return Some(before + at);
            }
            before += table.len();
        }
        None
    }

    /// Quits, or during a lesson first asks whether to remove its namespace.
    pub(super) fn quit_or_leave(&mut self) {
        if self.lesson.is_some() {
            self.mode = Mode::LeaveLesson;
        } else {
            self.quit = true;
        }
    }

    /// The question on the way out of a lesson: `y` removes the namespace, `n` or Enter keeps
    /// it (the default), the quit key again leaves keeping it, Esc goes back to the lesson.
    pub(super) fn on_leave_key(&mut self, key: KeyEvent) {
        match key.code {
            KeyCode::Char('y' | 'Y') => {
                self.remove_on_exit = self.lesson.as_ref().map(|o| o.lesson.namespace.clone());
                self.quit = true;
            }
            KeyCode::Char('n' | 'N') | KeyCode::Enter => self.quit = true,
            KeyCode::Esc => {}
            _ if self.keymap.action(Section::Normal, key) == Some(Action::Quit) => self.quit = true,
            _ => self.mode = Mode::LeaveLesson,
        }
    }
}
