//! Moving the selection to a row of meaning rather than by steps: the default rules.

use super::{App, Pane};
use crate::model::priority;

impl App {
    /// Focuses the rules pane on the next default rule after the selected row (rule 0, then
    /// 32766, then 32767 of IPv4, then IPv6's, and round again), so every default rule is one key
    /// away however many policy rules come between; a filter that hides them all is cleared.
    pub(super) fn next_default_rule(&mut self) {
        let is_default = |p: u32| {
            [
                priority::LOCAL_RULE,
                priority::MAIN_RULE,
                priority::DEFAULT_RULE,
            ]
            .contains(&p)
        };
        if !self.visible_rules().any(|r| is_default(r.priority)) {
            self.panes[Pane::Rules].filter.clear();
        }
        let rows: Vec<usize> = self
            .visible_rules()
            .enumerate()
            .filter(|(_, r)| is_default(r.priority))
            .map(|(i, _)| i)
            .collect();
        let at = self.panes[Pane::Rules].selected;
        // from another pane the first press lands on the selected row's next default, as here
        if let Some(&row) = rows.iter().find(|&&i| i > at).or(rows.first()) {
            self.panes[Pane::Rules].selected = row;
        }
        self.focus = Pane::Rules;
    }
}
