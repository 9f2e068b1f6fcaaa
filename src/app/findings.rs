//! The diagnosis in the app: the findings view, what choosing a finding does, and which rows of
//! the other panes a finding is about (they carry a marker).

use crossterm::event::KeyEvent;

use super::{App, Effect, Mode, Pane};
use crate::action::Action;
use crate::analysis::{Finding, Severity, Subject};
use crate::keymap::Section;
use crate::model::{Route, Rule};

impl App {
    /// The findings of the current state, most severe first.
    pub fn findings(&self) -> &[Finding] {
        &self.findings.1
    }

    /// How many findings there are of each severity: errors, warnings, infos.
    pub fn finding_counts(&self) -> (usize, usize, usize) {
        let count = |s: Severity| self.findings().iter().filter(|f| f.severity == s).count();
        (
            count(Severity::Error),
            count(Severity::Warning),
            count(Severity::Info),
        )
    }

    /// The most severe finding about `matches`, for a row's marker.
    fn marker(&self, matches: impl Fn(&Subject) -> bool) -> Option<Severity> {
        self.findings()
            .iter()
            .filter(|f| f.subjects.iter().any(&matches))
            .map(|f| f.severity)
            .min()
    }

    /// The marker of a link row (a finding about the link or one of its addresses).
    pub fn link_marker(&self, index: u32) -> Option<Severity> {
        self.marker(|s| match s {
            Subject::Link(i) => *i == index,
            Subject::Address(a) => a.index == index,
            _ => false,
        })
    }

    /// The marker of a rule row.
    pub fn rule_marker(&self, rule: &Rule) -> Option<Severity> {
        self.marker(|s| matches!(s, Subject::Rule(r) if r == rule))
    }

    /// The marker of a route row.
    pub fn route_marker(&self, route: &Route) -> Option<Severity> {
        self.marker(
            |s| matches!(s, Subject::Route(r) if r.same_route(route) && r.table == route.table),
        )
    }

    /// The marker of a nexthop object's row.
    pub fn nexthop_marker(&self, id: u32) -> Option<Severity> {
        self.marker(|s| matches!(s, Subject::Nexthop(n) if *n == id))
    }

    /// A key in the findings view: the picker's keys move, choose (accept) or close.
    pub(super) fn on_findings_key(&mut self, key: KeyEvent, selected: usize) -> Vec<Effect> {
        let last = self.findings().len().saturating_sub(1);
        let selected = match self.keymap.action(Section::Picker, key) {
            Some(Action::Accept) => return self.choose_finding(selected),
            Some(Action::Close) => return Vec::new(),
            None if self.opens(Section::Picker, key) => return Vec::new(),
            Some(Action::Up) => selected.saturating_sub(1),
            Some(Action::Down) => (selected + 1).min(last),
            Some(Action::Top) => 0,
            Some(Action::Bottom) => last,
            _ => selected,
        };
        self.mode = Mode::Findings { selected };
        Vec::new()
    }

    /// Chooses a finding: its first subject is selected in its pane, and its evidence query,
    /// if it has one, is pinned so the explanation shows the problem.
    fn choose_finding(&mut self, selected: usize) -> Vec<Effect> {
        let Some(finding) = self.findings().get(selected).cloned() else {
            return Vec::new();
        };
        if let Some(subject) = finding.subjects.first() {
            self.select_subject(subject);
        }
        let Some(words) = finding.evidence else {
            self.notice = Some(format!("{}: no query shows this one", finding.id));
            return Vec::new();
        };
        self.pin(&words).unwrap_or_else(|e| {
            self.notice = Some(format!("{}: {e}", finding.id));
            Vec::new()
        })
    }

    /// Focuses the pane that shows `subject` and selects its row there; a filter that hides the
    /// row is cleared, so that the pane's detail line describes the subject and no other row.
    fn select_subject(&mut self, subject: &Subject) {
        if let Subject::Nexthop(id) = subject {
            // the nexthops view of the routes pane lists it
            self.show_nexthop(*id);
            return;
        }
        let pane = Self::subject_pane(subject);
        if self.subject_row(subject).is_none() {
            self.panes[pane].filter.clear();
        }
        let row = self.subject_row(subject).map(|(_, row)| row);
        self.focus = pane;
        if let Some(row) = row {
            self.panes[pane].selected = row;
        }
    }

    /// The pane that shows rows like `subject`.
    fn subject_pane(subject: &Subject) -> Pane {
        match subject {
            Subject::Rule(_) => Pane::Rules,
            Subject::Link(_) | Subject::Address(_) => Pane::Interfaces,
            Subject::Route(_) | Subject::Nexthop(_) => Pane::Routes,
        }
    }

    /// The pane and row that show `subject` under the pane's filter; a route's table becomes
    /// the one the routes pane shows, unfiltered (nexthops: `show_nexthop`).
    fn subject_row(&mut self, subject: &Subject) -> Option<(Pane, usize)> {
        let (pane, row) = match subject {
            Subject::Rule(rule) => (Pane::Rules, self.visible_rules().position(|r| r == rule)),
            Subject::Link(index) => (
                Pane::Interfaces,
                self.visible_links().position(|l| l.index == *index),
            ),
            Subject::Address(a) => (
                Pane::Interfaces,
                self.visible_links().position(|l| l.index == a.index),
            ),
            Subject::Route(route) => {
                self.show_routes();
                self.table = Some((route.family(), route.table));
                self.panes[Pane::Routes].filter.clear();
                let row = self
                    .state
                    .table(route.family(), route.table)
                    .and_then(|t| t.iter().position(|r| r.same_route(route)));
                (Pane::Routes, row)
            }
            Subject::Nexthop(_) => return None,
        };
        row.map(|row| (pane, row))
    }
}
