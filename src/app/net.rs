//! The feed in the app: bursts of netlink events logged and applied, the first state's load
//! counted, and the watched flows re-evaluated and asked of the kernel.

use super::{App, Effect, LOG_LIMIT, LogEntry};
use crate::model::{Change, Family, Origin};
use crate::net::FeedEvent;
use crate::report::events::{change_line, change_phrase};
use crate::watch::{Noted, Touch};

impl App {
    /// A burst of netlink events: log and apply each, then re-evaluate every watched flow once;
    /// flows whose answer changed are asked of the kernel again.
    pub(super) fn on_net(&mut self, events: Vec<FeedEvent>, time: &str) -> Vec<Effect> {
        let record = self.loaded;
        let mut batch = Vec::new();
        for event in events {
            if let FeedEvent::Loading { family, routes } = event {
                match family {
                    Family::V4 => self.loading.0 = routes,
                    Family::V6 => self.loading.1 = routes,
                }
                continue;
            }
            self.log_event(&event, time);
            if let FeedEvent::Change { change, origin } = event {
                self.loaded |= matches!(change, Change::Snapshot(_));
                batch.push(Noted {
                    phrase: change_phrase(&self.state, &change),
                    origin,
                    touch: Touch::of(&change),
                });
                self.state.apply(change);
                self.generation += 1;
            }
        }
        if batch.is_empty() {
            return Vec::new();
        }
        let changed = self.watch.refresh(&self.state, time, &batch, record);
        if record {
            self.ask_kernel(&changed)
        } else {
            // the namespace's first state: every flow is asked, changed or not
            self.ask_kernel(&(0..self.watch.len()).collect::<Vec<_>>())
        }
    }

    /// Adds one line to the event log for `event` (the first state of a namespace is not one).
    fn log_event(&mut self, event: &FeedEvent, time: &str) {
        let line = match event {
            FeedEvent::Change {
                change: Change::Snapshot(_),
                ..
            } if !self.loaded => return,
            FeedEvent::Change { change, .. } => change_line(&self.state, change),
            FeedEvent::Resync { reason } => {
                self.resyncs += 1;
                format!("= resync  {reason}")
            }
            FeedEvent::ParseError { kind, error } => {
                self.parse_errors += 1;
                format!("! message type {kind} not understood: {error}")
            }
            FeedEvent::Loading { .. } => return,
        };
        let who = match event {
            FeedEvent::Change { origin, .. } if *origin != Origin::Reread => Some(origin.who()),
            _ => None,
        };
        self.log.push_back(LogEntry {
            time: time.to_owned(),
            line,
            who,
        });
        if self.log.len() > LOG_LIMIT {
            self.log.pop_front();
        }
    }

    /// The kernel questions for the watched flows at `positions` (none for a snapshot).
    pub(super) fn ask_kernel(&self, positions: &[usize]) -> Vec<Effect> {
        if self.snapshot {
            return Vec::new();
        }
        let mut effects: Vec<Effect> = positions
            .iter()
            .filter_map(|&i| self.watch.get(i))
            .filter(|f| f.invalid.is_none())
            .map(|f| Effect::AskKernel(f.query.clone()))
            .collect();
        effects.dedup();
        effects
    }

    /// Watches each of `queries` (restored or from the command line; a device they name need
    /// not exist yet); a query that does not parse is said on the notice line.
    pub(super) fn watch_all(&mut self, queries: &[String], save: bool) -> Vec<Effect> {
        let mut added = Vec::new();
        for text in queries {
            match self.watch.add(&self.state, text, false) {
                Ok(at) => added.push(at),
                Err(e) => {
                    self.notice = Some(format!("watch '{}': {e}", crate::model::escape(text)));
                }
            }
        }
        let mut effects = if self.loaded {
            self.ask_kernel(&added)
        } else {
            Vec::new()
        };
        if save && !self.snapshot {
            effects.push(Effect::SaveWatch(self.saved_watch()));
        }
        effects
    }
}
