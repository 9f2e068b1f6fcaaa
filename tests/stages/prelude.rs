//! What every stage table uses, for `use crate::prelude::*`: the devices of
//! `fixtures::server()`, the state builders, the expectations and the runner.

pub use routescope::lookup::{PathChoice, SourceChoice, StepResult};
pub use routescope::model::{
    Errno, Neighbour, NeighbourState, RouteKind, RuleAction, Scope, Selector, table,
};

pub use crate::devices::{
    RouteExt, addr4, addr4_scope, addr6, del, direct, ip, link, lose, multipath, net, nexthop,
    nexthop_group, nhid, second_default, sysctl, typed, v1, v1_fwd, v6, v6_v1, via,
};
pub use crate::select::{
    act, and, detached, from, fwmark, goto, iif, oif, port, port_mask, rule, rule_at, rule6,
    rule6_50, rule50, to,
};
pub use crate::want::{
    Want, among, as_is, cast, check, fails, goes, local, main_default, main6, on_link, r, skipped,
    t, t6,
};

/// `lo` in `fixtures::server()` and in the verifying namespaces.
pub const LO: u32 = 1;
/// `eth0` (99.88.22.2/24, default via 99.88.22.1).
pub const ETH0: u32 = 2;
/// `v1`, added by [`v1`] (10.1.0.1/24).
pub const V1: u32 = 3;
/// A further device some rows add.
pub const V9: u32 = 4;
/// The `main` table.
pub const MAIN: u32 = table::MAIN;
/// The `local` table.
pub const LOCAL: u32 = table::LOCAL;
