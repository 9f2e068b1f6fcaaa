//! The run loop's pacing of expensive work: the diagnosis and the routes filter brought up to
//! date at a bounded rate while changes storm in, frames for the feed's changes drawn at a
//! bounded rate (a key still draws at once), and the start's milestones logged.

use std::time::{Duration, Instant};

use crate::app::{App, Effect, Msg};

/// The least time between two refreshes of what follows the state.
const MIN_GAP: Duration = Duration::from_millis(200);

/// When the app's derived views (diagnosis, routes filter) are next brought up to date.
pub struct Pace {
    /// When the refresh due runs, if one is due.
    due: Option<Instant>,
    /// The earliest a refresh may run: `MIN_GAP`, or twice the last one's cost, after it.
    next_allowed: Instant,
}

impl Pace {
    /// Nothing due; the first refresh may run at once.
    pub fn new() -> Self {
        Self {
            due: None,
            next_allowed: Instant::now(),
        }
    }

    /// Notes whether the app's derived views are behind its state: if so a refresh is due as
    /// soon as allowed (after the frame the loop draws first).
    pub fn note(&mut self, app: &App) {
        if self.due.is_none() && app.stale() {
            self.due = Some(self.next_allowed.max(Instant::now()));
        }
    }

    /// When the refresh due should run.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    /// Brings the app's derived views up to date, and holds the next refresh back for at least
    /// `MIN_GAP` or twice this one's cost, so that at most a third of the time goes to them.
    pub fn refresh(&mut self, app: &mut App) -> Vec<Effect> {
        let started = Instant::now();
        let effects = app.update(Msg::Refresh);
        let cost = started.elapsed();
        self.due = None;
        self.next_allowed = Instant::now() + MIN_GAP.max(cost * 2);
        tracing::debug!("views refreshed in {cost:?}");
        effects
    }
}

/// The least time between two frames drawn for the feed's changes alone: under tens of thousands
/// of changes a second a frame per burst of them would take most of a core.
const FRAME_GAP: Duration = Duration::from_millis(40);

/// When the screen is drawn: at once after a key, an answer or a refresh; for the feed's changes
/// at most every `FRAME_GAP`, the frame then due at the end of the gap.
pub struct Frames {
    /// When the last frame was drawn.
    last: Instant,
    /// When a frame held back for the gap is due.
    due: Option<Instant>,
}

impl Frames {
    /// No frame drawn yet: the first may come at once.
    pub fn new() -> Self {
        let now = Instant::now();
        Self {
            last: now.checked_sub(FRAME_GAP).unwrap_or(now),
            due: None,
        }
    }

    /// Whether a change is drawn now; one from the feed (`paced`) within the gap after the last
    /// frame is not, and a frame is then due at the gap's end.
    pub fn draw_now(&mut self, paced: bool) -> bool {
        let next = self.last + FRAME_GAP;
        if paced && Instant::now() < next {
            self.due.get_or_insert(next);
            return false;
        }
        true
    }

    /// Notes a frame drawn.
    pub fn drawn(&mut self) {
        self.last = Instant::now();
        self.due = None;
    }

    /// When the frame held back is due, if one is.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }
}

/// The start's milestones, logged once each (at `info`): the first frame, and the first frame
/// with the whole first state, timed from the start.
pub struct Milestones {
    /// When the program started.
    started: Instant,
    /// Whether the first frame was logged.
    first_frame: bool,
    /// Whether the first frame with the whole first state was logged.
    full_view: bool,
}

impl Milestones {
    /// Timing from `started`.
    pub fn new(started: Instant) -> Self {
        Self {
            started,
            first_frame: false,
            full_view: false,
        }
    }

    /// Notes that a frame of `app` was drawn.
    pub fn drawn(&mut self, app: &App) {
        let ms = self.started.elapsed().as_secs_f64() * 1000.0;
        if !std::mem::replace(&mut self.first_frame, true) {
            tracing::info!("first frame drawn {ms:.1} ms after the start");
        }
        if app.loading().is_none() && !std::mem::replace(&mut self.full_view, true) {
            let routes = app.state().route_count();
            tracing::info!("full view on screen {ms:.1} ms after the start: {routes} routes");
        }
    }
}
