//! The run loop's feed: following a namespace with the load reported, reading bursts, noticing
//! the feed ended with an error.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::watched::Watched;
use crate::error::one_line;
use crate::net::{FeedEvent, FeedOptions, Netns};

/// How many feed events wait in the channel at most (80 ms of a 50,000 changes/s storm).
const CHANNEL: usize = 4096;

/// The namespace followed: its feed task (none for a snapshot), the channel its events come on,
/// and the watch on its name.
pub struct Followed {
    pub netns: Netns,
    pub task: Option<JoinHandle<color_eyre::Result<()>>>,
    pub rx: mpsc::Receiver<FeedEvent>,
    pub watched: Watched,
}

impl Followed {
    /// Starts following `netns` (a snapshot has no feed: nothing comes on the channel).
    pub fn start(netns: Netns, snapshot: bool) -> Self {
        let (tx, rx) = mpsc::channel(CHANNEL);
        Self {
            task: (!snapshot).then(|| follow(netns.clone(), tx)),
            rx,
            watched: Watched::new(&netns),
            netns,
        }
    }

    /// Follows `opened` instead: the old feed is stopped and its events left unread.
    pub fn switch(&mut self, opened: Netns) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
        *self = Self::start(opened, false);
    }

    /// Why the feed task ended, once, if it ended with an error (then it is gone).
    pub fn failed(&mut self) -> Option<String> {
        feed_failed(&mut self.task)
    }
}

/// The most feed events in one message (so between two frames and two looks at the keyboard).
const BATCH: usize = 4096;

/// Starts following a namespace; events arrive on `tx`, the first state's load reported as it
/// goes.
fn follow(netns: Netns, tx: mpsc::Sender<FeedEvent>) -> JoinHandle<color_eyre::Result<()>> {
    let options = FeedOptions {
        progress: true,
        ..FeedOptions::default()
    };
    tokio::spawn(async move { crate::net::watch(&netns, options, tx).await })
}

/// The feed events waiting after `first`, with it: a burst is one message and one frame; bounded
/// by `BATCH`, so keys are still read between bursts.
pub fn burst(first: FeedEvent, feed_rx: &mut mpsc::Receiver<FeedEvent>) -> Vec<FeedEvent> {
    let mut events = vec![first];
    while events.len() < BATCH {
        let Ok(event) = feed_rx.try_recv() else { break };
        events.push(event);
    }
    events
}

/// Why the feed task ended, once, if it ended with an error (then it is gone).
fn feed_failed(feed: &mut Option<JoinHandle<color_eyre::Result<()>>>) -> Option<String> {
    if !feed.as_ref().is_some_and(JoinHandle::is_finished) {
        return None;
    }
    match feed
        .take()
        .map(|f| futures::FutureExt::now_or_never(f).unwrap_or(Ok(Ok(()))))
    {
        Some(Ok(Err(err))) => Some(one_line(&err)),
        _ => None,
    }
}
