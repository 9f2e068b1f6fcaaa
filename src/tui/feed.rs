//! The run loop's feed: following a namespace with the load reported, reading bursts, noticing
//! the feed ended with an error.

use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::error::one_line;
use crate::net::{FeedEvent, FeedOptions, Netns};

/// The most feed events in one message (so between two frames and two looks at the keyboard).
const BATCH: usize = 4096;

/// Starts following a namespace; events arrive on `tx`, the first state's load reported as it
/// goes.
pub fn follow(netns: Netns, tx: mpsc::Sender<FeedEvent>) -> JoinHandle<color_eyre::Result<()>> {
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
pub fn feed_failed(feed: &mut Option<JoinHandle<color_eyre::Result<()>>>) -> Option<String> {
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
