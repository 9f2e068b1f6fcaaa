//! Noticing that the followed namespace was deleted or replaced while routescope follows it.

use crate::net::{Netns, NsId, Target};

/// What the followed namespace's name, path or process leads to now, to notice when it is
/// deleted or replaced (routescope keeps following the namespace it opened).
pub struct Watched {
    target: Target,
    identity: Option<NsId>,
    told: bool,
}

impl Watched {
    /// Starts watching `netns` (routescope's own namespace cannot go away: never told).
    pub fn new(netns: &Netns) -> Self {
        Self {
            target: netns.target().clone(),
            identity: netns.info().id(),
            told: netns.target() == &Target::Current,
        }
    }

    /// A notice the first time the namespace is found deleted or replaced (`pick` is the key
    /// of the namespace picker).
    pub fn check(&mut self, pick: &str) -> Option<String> {
        if self.told {
            return None;
        }
        let now = self.target.probe();
        if now == self.identity {
            return None;
        }
        self.told = true;
        // the status line names the namespace already
        Some(match (&self.target, now) {
            (Target::Pid(_), _) => {
                format!("the process has exited: its namespace is kept open ({pick}: pick another)")
            }
            (_, None) => {
                format!("namespace deleted: this is its last state ({pick}: pick another)")
            }
            (_, Some(_)) => format!(
                "namespace replaced: this is the old one's last state ({pick}: follow the new one)"
            ),
        })
    }
}
