//! The kernel's routing state as owned, compact data: pure, no I/O, testable from fixtures.

mod addr_text;
mod address;
mod answer;
mod apply;
mod fences;
pub mod fixtures;
mod invariants;
mod length_filter;
mod link;
mod name;
mod neighbour;
mod nexthop;
mod origin;
mod route;
mod route_attrs;
mod route_chunks;
mod route_table;
mod rule;
mod rule_index;
mod rules;
mod selector;
mod siblings;
mod state;
mod sysctl;
mod tables;

pub use addr_text::{addr_or_none, push_addr, push_net};
pub use address::{Address, AddressFlags, Scope};
pub use answer::{Answer, Errno, Outcome, priority, table};
pub use apply::{Change, Op};
pub use invariants::InvariantError;
pub use link::{Link, LinkFlags, OperState, hex_colon};
pub use name::{HEX_PREFIX, LinkName, cut, escape, escape_bytes};
pub use neighbour::{Neighbour, NeighbourState};
pub use nexthop::{FIRST_USERS, Nexthop, NexthopGroupMember, NexthopUsers, nexthop_users};
pub use origin::{Origin, Owner, Process};
pub use route::{Hop, NextHop, Placement, Route, RouteExtra, RouteFlags, RouteKind};
pub use route_table::RouteTable;
pub use rule::{MODELLED_RULE_FLAGS, Rule, RuleAction};
pub use rule_index::{Candidates, RuleIndex};
pub use rules::Rules;
pub use selector::{
    Fit, LEGACY_TOS_MASK, Need, Packet, PortMatch, Selector, SelectorKind, c_hex, ipproto_name,
    prefix_text,
};
pub use state::{Family, State};
pub use sysctl::{DeviceSysctls, Sysctls};
pub use tables::TableNames;
