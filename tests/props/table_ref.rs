//! The reference for `RouteTable`: a `Vec` kept in the documented order, and the operations.

use std::cmp::Reverse;
use std::net::IpAddr;

use ipnet::IpNet;
use routescope::model::{Hop, NextHop, Placement, Route, RouteFlags, RouteTable};

/// The documented sort key of a route in its table: address, longer prefix, higher tos, lower
/// metric; routes with equal keys keep the order their placements gave them.
pub fn key(r: &Route) -> (u128, Reverse<u8>, Reverse<u8>, u32) {
    let bits = match r.dst.addr() {
        IpAddr::V4(a) => u128::from(u32::from(a)),
        IpAddr::V6(a) => u128::from(a),
    };
    (bits, Reverse(r.dst.prefix_len()), Reverse(r.tos), r.metric)
}

/// The reference table: every route in table order, in a plain vector.
#[derive(Default)]
pub struct Reference(Vec<Route>);

impl Reference {
    /// `insert`: before (`First`) or after (`Last`) the routes of equal key; `Replace` overwrites
    /// the first route of the same slot, or goes last when there is none.
    pub fn insert(&mut self, route: Route, placement: Placement) {
        if placement == Placement::Replace {
            if let Some(i) = self.0.iter().position(|r| r.same_slot(&route)) {
                self.0[i] = route;
                return;
            }
        }
        let k = key(&route);
        let at = if placement == Placement::First {
            self.0.partition_point(|r| key(r) < k)
        } else {
            self.0.partition_point(|r| key(r) <= k)
        };
        self.0.insert(at, route);
    }

    /// `update`: overwrites the first route the record names, in place.
    fn update(&mut self, route: &Route) -> bool {
        let found = self.0.iter().position(|r| r.same_route(route));
        found.inspect(|&i| self.0[i] = route.clone()).is_some()
    }

    /// `remove`: the first route the record names, and nothing if none.
    fn remove(&mut self, route: &Route) -> Option<Route> {
        let found = self.0.iter().position(|r| r.same_route(route));
        found.map(|i| self.0.remove(i))
    }

    /// The prefix lengths present, longest first.
    fn prefix_lens(&self) -> Vec<u8> {
        let mut lens: Vec<u8> = self.0.iter().map(|r| r.dst.prefix_len()).collect();
        lens.sort_unstable_by(|a, b| b.cmp(a));
        lens.dedup();
        lens
    }
}

/// One operation on a table.
#[derive(Debug, Clone)]
pub enum TableOp {
    Insert(Route, Placement),
    Push(Route),
    Update(Route),
    Remove(Route),
    /// `retain` dropping the routes of this metric.
    DropMetric(u32),
    /// `routes_for` of this prefix (checked after every operation anyway).
    Lookup(IpNet),
    /// Pushes this many /32 routes from 10.1.0.0 on, enough to split chunks of 512.
    Bulk(u32),
    /// Inserts a copy of the n-th route with another protocol (a duplicate of its identity).
    InsertNth(usize, u8, Placement),
    /// Updates the n-th route with another protocol.
    UpdateNth(usize, u8),
    /// Removes the n-th route, or a route of its slot and type through another device.
    RemoveNth(usize, bool),
}

/// Asserts the table and the reference agree on everything a reader can see.
pub fn assert_same(table: &RouteTable, reference: &Reference, probe: IpNet) {
    assert_eq!(table.len(), reference.0.len(), "len");
    assert_eq!(table.is_empty(), reference.0.is_empty(), "is_empty");
    assert!(
        table.iter().eq(reference.0.iter().cloned()),
        "iteration order"
    );
    let half = reference.0.len() / 2;
    assert!(
        table
            .iter_from(half)
            .eq(reference.0[half..].iter().cloned()),
        "iter_from({half})"
    );
    assert_eq!(
        table.prefix_lens().collect::<Vec<_>>(),
        reference.prefix_lens(),
        "prefix_lens"
    );
    let dst = probe.trunc();
    let theirs = reference.0.iter().filter(|r| r.dst == dst).cloned();
    assert!(table.routes_for(probe).eq(theirs), "routes_for({probe})");
}

/// The n-th route of the reference (modulo its length) with `change` applied, if any route.
fn nth(reference: &Reference, n: usize, change: impl FnOnce(&mut Route)) -> Option<Route> {
    let len = reference.0.len();
    let mut r = reference.0.get(n.checked_rem(len)?)?.clone();
    change(&mut r);
    Some(r)
}

/// Turns an operation on an existing route into a plain one (a lookup when the table is empty).
fn resolve(reference: &Reference, op: TableOp) -> TableOp {
    let empty = || TableOp::Lookup("10.0.0.0/8".parse().expect("prefix"));
    match op {
        TableOp::InsertNth(n, protocol, placement) => nth(reference, n, |r| r.protocol = protocol)
            .map_or_else(empty, |r| TableOp::Insert(r, placement)),
        TableOp::UpdateNth(n, protocol) => {
            nth(reference, n, |r| r.protocol = protocol).map_or_else(empty, TableOp::Update)
        }
        TableOp::RemoveNth(n, other_hop) => nth(reference, n, |r| {
            if other_hop {
                r.hops = Hop::One(NextHop {
                    dev: 9,
                    gateway: None,
                    weight: 1,
                    flags: RouteFlags::default(),
                });
            }
        })
        .map_or_else(empty, TableOp::Remove),
        op => op,
    }
}

/// Applies one operation to both and checks what it returned.
pub fn step(table: &mut RouteTable, reference: &mut Reference, op: TableOp) -> IpNet {
    match resolve(reference, op) {
        TableOp::Insert(r, placement) => {
            let dst = r.dst;
            table.insert(r.clone(), placement);
            reference.insert(r, placement);
            dst
        }
        TableOp::Push(r) => {
            let dst = r.dst;
            table.push(r.clone());
            reference.insert(r, Placement::Last);
            dst
        }
        TableOp::Update(r) => {
            assert_eq!(table.update(&r), reference.update(&r), "update({r:?})");
            r.dst
        }
        TableOp::Remove(r) => {
            assert_eq!(table.remove(&r), reference.remove(&r), "remove({r:?})");
            r.dst
        }
        TableOp::DropMetric(m) => {
            let before = reference.0.len();
            reference.0.retain(|r| r.metric != m);
            assert_eq!(table.retain(|r| r.metric != m), before - reference.0.len());
            "10.0.0.0/24".parse().expect("prefix")
        }
        TableOp::Lookup(dst) => dst,
        TableOp::InsertNth(..) | TableOp::UpdateNth(..) | TableOp::RemoveNth(..) => {
            unreachable!("resolved above")
        }
        TableOp::Bulk(n) => {
            for i in 0..n {
                let r = super::host_route(0x0a01_0000 + i);
                table.push(r.clone());
                reference.insert(r, Placement::Last);
            }
            super::host_route(0x0a01_0000 + n / 2).dst
        }
    }
}
