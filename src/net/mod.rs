//! The kernel side: netlink dumps, the live feed, the route-get oracle and its fib trace,
//! namespaces (by name, path or pid, and every one on the host).
//!
//! The only module that imports the netlink crates; everything leaves it as model types.

mod attributes;
mod attribution;
mod cause;
mod codec;
pub mod convert;
mod dump;
mod fib_event;
mod messages;
mod monitor;
mod netconf;
mod netns;
mod nexthop;
mod origin;
mod pending;
mod proc;
mod proc_sockets;
mod raw_names;
mod replay;
mod route_bytes;
mod route_dump;
mod route_get;
mod trace;

pub use attribution::NO_ORIGIN_VARIABLE;
pub use dump::{Requester, dump_state, dump_state_of};
pub use fib_event::{Asked, FibEvent, KernelTrace, Purpose, parse_line as parse_trace_line};
pub use monitor::{FeedEvent, FeedOptions, apply, watch};
pub use netns::{
    Fact, Found, NETNS_DIR, Netns, NetnsInfo, NsId, Source, Target, all as all_namespaces,
    list as list_namespaces, name_all as name_namespaces, run_in, state_key,
};
pub use replay::changes as replay;
pub use route_get::{KernelAnswer, RouteGetRequest, Traced, route_get, route_get_traced};
pub use trace::{Caught, Tracer, shielded};
