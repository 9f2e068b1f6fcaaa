//! Table-driven tests of each lookup stage, without root: every row changes `fixtures::server()`
//! a little, asks a query and checks the typed result (`StepResult`, `Answer`, `Errno`, rule
//! priority, table, device, source), never text.
//!
//! Each expected value was checked against Linux 6.18 (iproute2 6.1) in a throwaway namespace
//! built like the fixture; the comment above a row gives the `ip` commands and the kernel's
//! answer. The verifying namespace was:
//!
//! ```text
//! ip netns add rs-stage-x; ip netns add rs-stage-x-peer; ip -n rs-stage-x link set lo up
//! ip -n rs-stage-x link add eth0 type veth peer name peth0 netns rs-stage-x-peer   # ifindex 2
//! ip -n rs-stage-x link set eth0 addrgenmode none        # then both ends up
//! ip -n rs-stage-x addr add 11.22.33.44/32 dev lo
//! ip -n rs-stage-x addr add 99.88.22.2/24 dev eth0
//! ip -n rs-stage-x addr add fe80::2/64 dev eth0 nodad
//! ip -n rs-stage-x route add default via 99.88.22.1
//! ip -n rs-stage-x route add default via 99.88.22.254 table 100
//! ip -n rs-stage-x rule add pref 100 fwmark 0x10 lookup 100
//! ```
//!
//! Further devices (`v1`, `v9`) were veth pairs made the same way. Every row holds the kernel's
//! value; a row routescope gets wrong is a failing test, never an ignored one.

/// A stage table: `EDIT, "QUERY" => WANT;` per row, one line each (`prelude::r` makes the rows).
macro_rules! rows {
    ($($edit:expr, $query:literal => $want:expr);* $(;)?) => {
        &[$($crate::prelude::r($edit, $query, $want)),*]
    };
}

#[path = "stages/actions.rs"]
mod actions;
#[path = "stages/devices.rs"]
mod devices;
#[path = "stages/input.rs"]
mod input;
#[path = "stages/ipv6.rs"]
mod ipv6;
#[path = "stages/output.rs"]
mod output;
#[path = "stages/prelude.rs"]
mod prelude;
#[path = "stages/rules.rs"]
mod rules;
#[path = "stages/select.rs"]
mod select;
#[path = "stages/source.rs"]
mod source;
#[path = "stages/table.rs"]
mod table;
#[path = "stages/want.rs"]
mod want;
