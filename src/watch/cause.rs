//! Which change of a batch made a watched answer change: each change is noted with what it
//! touched, and the one closest to the flow's answer (before or after) is named as the cause.

use std::collections::VecDeque;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::lookup::{Query, Verdict};
use crate::model::{Change, Family, Origin, State};

/// What one change touched, as far as a watched answer can depend on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Touch {
    Rule {
        family: Family,
        priority: u32,
    },
    Route {
        table: u32,
        dst: IpNet,
    },
    Link {
        index: u32,
    },
    Address {
        index: u32,
        addr: IpAddr,
    },
    Neighbour {
        addr: IpAddr,
    },
    Nexthop {
        id: u32,
    },
    /// A re-read of a whole kind (routes, addresses, sysctls …): it can change anything.
    Reread,
}

impl Touch {
    /// What `change` touches.
    pub fn of(change: &Change) -> Self {
        match change {
            Change::Rule(_, r) => Self::Rule {
                family: r.family,
                priority: r.priority,
            },
            Change::Route(_, _, r) => Self::Route {
                table: r.table,
                dst: r.dst,
            },
            Change::Link(_, l) => Self::Link { index: l.index },
            Change::Address(_, a) => Self::Address {
                index: a.index,
                addr: a.local,
            },
            Change::Neighbour(_, n) => Self::Neighbour { addr: n.dst },
            Change::Nexthop(_, n) => Self::Nexthop { id: n.id },
            Change::Tables(..)
            | Change::Addresses(_)
            | Change::Neighbours(_)
            | Change::Nexthops(_)
            | Change::Sysctls(_)
            | Change::Groups(_)
            | Change::Snapshot(_) => Self::Reread,
        }
    }

    /// How closely this touches a flow whose answer went from `before` to `after`: 2 when it
    /// is part of either answer (its rule, route, source, gateway or nexthop; for a device, the
    /// one it left by), 1 when it could have changed it (a rule before the deciding one, a route
    /// covering the destination, the device it now takes, a re-read), 0 otherwise.
    fn closeness(&self, state: &State, query: &Query, before: &Verdict, after: &Verdict) -> u8 {
        let both = [before, after];
        let dst = query.destination();
        match *self {
            Self::Rule { family, priority } if family == Family::of(dst) => {
                let deciding = both.iter().filter_map(|v| v.rule.as_ref());
                if deciding.clone().any(|r| r.priority == priority) {
                    2
                } else {
                    u8::from(deciding.into_iter().any(|r| priority <= r.priority))
                }
            }
            Self::Route { table, dst: prefix } if prefix.contains(&dst) => {
                if both.iter().any(|v| v.answer.table == Some(table)) {
                    2
                } else {
                    1
                }
            }
            Self::Rule { .. } | Self::Route { .. } => 0,
            Self::Link { index } => {
                let named = [&query.iif, &query.oif]
                    .into_iter()
                    .flatten()
                    .any(|n| state.link_by_name(n).is_some_and(|l| l.index == index));
                // the device the packet left by is closer than the one it now takes: losing a
                // link moves answers, and the new device is usually a consequence
                if named || before.answer.dev == Some(index) {
                    2
                } else {
                    u8::from(after.answer.dev == Some(index))
                }
            }
            Self::Address { index, addr } => {
                if both.iter().any(|v| v.answer.src == Some(addr)) || query.from == Some(addr) {
                    2
                } else {
                    u8::from(both.iter().any(|v| v.answer.dev == Some(index)))
                }
            }
            Self::Neighbour { addr } => {
                2 * u8::from(both.iter().any(|v| v.answer.gateway == Some(addr)))
            }
            Self::Nexthop { id } => {
                let uses = |v: &&Verdict| v.route.as_ref().is_some_and(|r| r.nhid == id);
                2 * u8::from(both.iter().any(uses))
            }
            Self::Reread => 1,
        }
    }
}

/// One change of a batch, as the watch list needs it: how to say it, who made it, what it touched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Noted {
    /// The change in a few words (`rule 5270 was deleted`), in the names of the state it
    /// applied to.
    pub phrase: String,
    pub origin: Origin,
    pub touch: Touch,
}

/// Why a watched answer changed: the change of its batch closest to the answer, and who made it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cause {
    pub phrase: String,
    pub origin: Origin,
    /// How many other changes arrived in the same batch.
    pub others: usize,
}

impl Cause {
    /// The change of `batch` that most plausibly made the answer go from `before` to `after`:
    /// the closest, and among equally close ones a change before a re-read and the last change;
    /// `None` for an empty batch. When that
    /// is only a re-read (the kernel changed routes silently, e.g. after a link went down), the
    /// closest change of `earlier` batches is named as its reason.
    pub fn pick(
        state: &State,
        query: &Query,
        before: &Verdict,
        after: &Verdict,
        batch: &[Noted],
        earlier: &VecDeque<Noted>,
    ) -> Option<Self> {
        let closeness = |n: &Noted| n.touch.closeness(state, query, before, after);
        // among equals a change beats a re-read, the last change wins, and the first re-read
        // (routes are re-read first; addresses, neighbours and sysctls follow)
        let closest = |list: &mut dyn Iterator<Item = &Noted>| {
            list.enumerate()
                .max_by_key(|(i, n)| {
                    let reread = n.touch == Touch::Reread;
                    (
                        closeness(n),
                        !reread,
                        if reread { usize::MAX - i } else { *i },
                    )
                })
                .map(|(_, n)| n.clone())
        };
        let mut chosen = closest(&mut batch.iter())?;
        if chosen.touch == Touch::Reread {
            if let Some(reason) = closest(&mut earlier.iter()).filter(|n| closeness(n) > 0) {
                chosen = Noted {
                    phrase: format!("{} after {}", chosen.phrase, reason.phrase),
                    ..reason
                };
            }
        }
        Some(Self {
            phrase: chosen.phrase,
            origin: chosen.origin,
            others: batch.len() - 1,
        })
    }

    /// `rule 5270 was deleted by networkd (pid 612)`, with the other changes of its batch counted.
    pub fn describe(&self) -> String {
        let others = match self.others {
            0 => String::new(),
            1 => " (and 1 other change)".to_owned(),
            n => format!(" (and {n} other changes)"),
        };
        format!("{} by {}{others}", self.phrase, self.origin.who())
    }
}
