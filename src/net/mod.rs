//! The kernel side: netlink dumps, the live feed, the route-get oracle, namespaces.
//!
//! The only module that imports the netlink crates; everything leaves it as model types.

mod codec;
mod convert;
mod dump;
mod monitor;
mod netns;
mod nexthop;
mod pending;
mod proc;
mod replay;
mod route_get;

pub use dump::{Requester, dump_state};
pub use monitor::{FeedEvent, FeedOptions, apply, watch};
pub use netns::{
    NETNS_DIR, check as check_namespace, identity as namespace_identity, list as list_namespaces,
    run_in,
};
pub use replay::changes as replay;
pub use route_get::{KernelAnswer, RouteGetRequest, route_get};
