//! When to re-read what the kernel changes without telling: a deadline set by the first cause.
//!
//! The feed notes each cause (a link going down, an IPv4 address removed, …) and re-reads
//! `delay` after the *first* one; causes that arrive before that join the same re-read and never
//! push it back, so a silent change reaches the consumer within `delay` plus one re-read even
//! while thousands of other notifications arrive each second. A re-read of a large table is slow
//! (over a second at a million routes) and notifications wait while it runs, so the next re-read
//! starts no sooner than the last one took after it ended: re-reads use at most half the feed's
//! time, and the bound becomes `max(delay, last re-read) + re-read` instead of growing without end.

use std::time::{Duration, Instant};

/// Which re-reads are due.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// IPv4 routes (they vanish with a link, an address or a nexthop).
    pub ipv4_routes: bool,
    /// IPv6 routes (they turn `linkdown` without a notification).
    pub ipv6_routes: bool,
    /// Addresses, neighbours and nexthops, which change silently around links.
    pub link_objects: bool,
    /// The sysctls the lookup depends on (netconf notifications name only some of them).
    pub sysctls: bool,
}

impl Due {
    /// Whether anything is due.
    pub fn any(self) -> bool {
        self.ipv4_routes || self.ipv6_routes || self.link_objects || self.sysctls
    }
}

/// The re-reads that are due and the time they must start.
#[derive(Debug)]
pub struct Pending {
    /// What the causes seen since the last re-read began call for.
    pub due: Due,
    /// How long after the first cause the re-read starts (later causes join it meanwhile).
    delay: Duration,
    /// When the re-read starts: set by the first cause, never moved by later ones.
    deadline: Option<Instant>,
    /// No re-read starts before this: the last one's end plus its duration.
    not_before: Option<Instant>,
}

impl Pending {
    /// Nothing due; re-reads will start `delay` after their first cause.
    pub fn new(delay: Duration) -> Self {
        Self {
            due: Due::default(),
            delay,
            deadline: None,
            not_before: None,
        }
    }

    /// Sets the deadline if the first cause was noted at `now`; returns it only then.
    pub fn noted(&mut self, now: Instant) -> Option<Instant> {
        if self.deadline.is_some() || !self.due.any() {
            return None;
        }
        let earliest = now + self.delay;
        self.deadline = Some(self.not_before.map_or(earliest, |t| t.max(earliest)));
        self.deadline
    }

    /// The time the pending re-read must start, if one is due.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Takes what is due as the re-read starts; causes noted from now on start a new deadline.
    pub fn start(&mut self) -> Due {
        self.deadline = None;
        std::mem::take(&mut self.due)
    }

    /// Records a re-read that ran from `started` to `ended`, holding the next one back as long.
    pub fn finished(&mut self, started: Instant, ended: Instant) {
        self.not_before = Some(ended + ended.saturating_duration_since(started));
    }

    /// Forgets what is due: a whole new state was read.
    pub fn clear(&mut self) {
        self.start();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn later_causes_never_push_the_deadline_back() {
        let t0 = Instant::now();
        let mut p = Pending::new(50 * MS);
        assert_eq!(p.noted(t0), None, "nothing noted, nothing due");
        p.due.ipv4_routes = true;
        assert_eq!(p.noted(t0), Some(t0 + 50 * MS));
        for i in 1..20_000 {
            p.due.sysctls = true;
            assert_eq!(p.noted(t0 + i * MS / 1000), None, "already set");
        }
        assert_eq!(p.deadline(), Some(t0 + 50 * MS));
        let due = p.start();
        assert!(due.ipv4_routes && due.sysctls && !due.ipv6_routes);
        assert_eq!(p.deadline(), None);
        assert!(!p.due.any(), "taken by the re-read");
    }

    #[test]
    fn a_slow_re_read_holds_the_next_one_back_as_long() {
        let t0 = Instant::now();
        let mut p = Pending::new(50 * MS);
        p.due.ipv4_routes = true;
        p.noted(t0);
        p.start();
        p.finished(t0 + 50 * MS, t0 + 1050 * MS);
        p.due.ipv4_routes = true;
        assert_eq!(p.noted(t0 + 1060 * MS), Some(t0 + 2050 * MS));
        p.start();
        p.finished(t0 + 2050 * MS, t0 + 2060 * MS);
        p.due.link_objects = true;
        assert_eq!(
            p.noted(t0 + 3000 * MS),
            Some(t0 + 3050 * MS),
            "a quick re-read holds nothing back"
        );
        p.clear();
        assert!(!p.due.any() && p.deadline().is_none());
    }
}
