//! What a route holds besides where it sorts (its table, type, nexthops, source …), and the pool
//! that keeps each distinct set of it once per table: a full view's million routes share a few
//! hundred such sets (two uplinks, one protocol), so a table stores a 4-byte id per route.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Arc;

use ipnet::IpNet;

use super::Scope;
use super::route::{Hop, Route, RouteExtra, RouteFlags, RouteKind};

/// The fields of a route other than its prefix, tos and metric.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) struct RouteAttrs {
    table: u32,
    prefsrc: Option<IpAddr>,
    kind: RouteKind,
    protocol: u8,
    scope: Scope,
    flags: RouteFlags,
    nhid: u32,
    hops: Hop,
    extra: Option<Arc<RouteExtra>>,
}

impl RouteAttrs {
    /// Splits a route into its prefix, tos and metric, and the rest.
    pub(super) fn split(route: Route) -> (IpNet, u8, u32, Self) {
        let Route {
            dst,
            prefsrc,
            kind,
            protocol,
            scope,
            tos,
            table,
            metric,
            flags,
            nhid,
            hops,
            extra,
        } = route;
        let attrs = Self {
            table,
            prefsrc,
            kind,
            protocol,
            scope,
            flags,
            nhid,
            hops,
            extra,
        };
        (dst, tos, metric, attrs)
    }

    /// The route with these attributes and this prefix, tos and metric (no allocation: the
    /// nexthop list and the rare attributes are shared).
    pub(super) fn route(&self, dst: IpNet, tos: u8, metric: u32) -> Route {
        Route {
            dst,
            prefsrc: self.prefsrc,
            kind: self.kind,
            protocol: self.protocol,
            scope: self.scope,
            tos,
            table: self.table,
            metric,
            flags: self.flags,
            nhid: self.nhid,
            hops: self.hops.clone(),
            extra: self.extra.clone(),
        }
    }
}

/// The distinct attribute sets of one table, each kept once with the number of its routes; a set
/// no route uses any more is dropped and its id reused.
#[derive(Debug, Clone, Default)]
pub(super) struct AttrPool {
    /// By id: the set and how many routes use it (`None`: a free id).
    sets: Vec<Option<(Arc<RouteAttrs>, u32)>>,
    /// The id of each set.
    ids: HashMap<Arc<RouteAttrs>, u32, foldhash::fast::RandomState>,
    /// Ids free for reuse.
    free: Vec<u32>,
    /// The id interned last: routes arrive from dumps in runs sharing one set.
    last: Option<u32>,
}

impl AttrPool {
    /// The id of `attrs`, counting one more route that uses it.
    pub(super) fn intern(&mut self, attrs: RouteAttrs) -> u32 {
        let id = match self.last.filter(|&id| *self.get(id) == attrs) {
            Some(id) => id,
            None => match self.ids.get(&attrs) {
                Some(&id) => id,
                None => self.add(attrs),
            },
        };
        if let Some((_, uses)) = &mut self.sets[id as usize] {
            *uses += 1;
        }
        self.last = Some(id);
        id
    }

    /// Stores a new set, with no route using it yet.
    fn add(&mut self, attrs: RouteAttrs) -> u32 {
        let shared = Arc::new(attrs);
        let entry = Some((Arc::clone(&shared), 0));
        let id = if let Some(id) = self.free.pop() {
            self.sets[id as usize] = entry;
            id
        } else {
            self.sets.push(entry);
            u32::try_from(self.sets.len() - 1).expect("fewer than 2^32 attribute sets")
        };
        self.ids.insert(shared, id);
        id
    }

    /// The set of id `id`.
    pub(super) fn get(&self, id: u32) -> &RouteAttrs {
        match &self.sets[id as usize] {
            Some((attrs, _)) => attrs,
            None => unreachable!("attribute set {id} is used by no route"),
        }
    }

    /// Counts one route fewer using set `id`, dropping the set when none does.
    pub(super) fn release(&mut self, id: u32) {
        let slot = &mut self.sets[id as usize];
        let Some((attrs, uses)) = slot else {
            return;
        };
        *uses -= 1;
        if *uses == 0 {
            self.ids.remove(&**attrs);
            *slot = None;
            self.free.push(id);
            if self.last == Some(id) {
                self.last = None;
            }
        }
    }

    /// One more than the largest id given out (ids index a per-set array of this length).
    pub(super) fn id_bound(&self) -> usize {
        self.sets.len()
    }

    /// How many distinct sets are in use.
    #[cfg(test)]
    pub(super) fn sets(&self) -> usize {
        self.ids.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NextHop;

    fn attrs(dev: u32) -> RouteAttrs {
        let mut route = Route::new(254, "10.0.0.0/8".parse().unwrap(), RouteKind::Unicast);
        route.hops = Hop::One(NextHop {
            dev,
            gateway: None,
            weight: 1,
            flags: RouteFlags::default(),
        });
        RouteAttrs::split(route).3
    }

    #[test]
    fn a_set_is_kept_once_and_dropped_with_its_last_route() {
        let mut pool = AttrPool::default();
        let a = pool.intern(attrs(1));
        let b = pool.intern(attrs(2));
        assert_eq!(pool.intern(attrs(1)), a, "through the map");
        assert_eq!(pool.intern(attrs(1)), a, "through the last one");
        assert_ne!(a, b);
        assert_eq!(pool.sets(), 2);
        pool.release(a);
        pool.release(a);
        assert_eq!(pool.sets(), 2, "one route still uses it");
        pool.release(a);
        assert_eq!(pool.sets(), 1);
        assert_eq!(pool.intern(attrs(3)), a, "its id is reused");
        assert_eq!(*pool.get(a), attrs(3));
        assert_eq!(*pool.get(b), attrs(2));
    }

    #[test]
    fn a_route_splits_and_comes_back_whole() {
        let mut route = Route::new(100, "2001:db8::/32".parse().unwrap(), RouteKind::Unicast);
        route.metric = 1024;
        route.tos = 0;
        route.prefsrc = Some("2001:db8::1".parse().unwrap());
        route.hops = Hop::from_vec(vec![
            NextHop {
                dev: 2,
                gateway: Some("fe80::1".parse().unwrap()),
                weight: 1,
                flags: RouteFlags::default(),
            },
            NextHop {
                dev: 3,
                gateway: Some("fe80::2".parse().unwrap()),
                weight: 2,
                flags: RouteFlags(RouteFlags::ONLINK),
            },
        ]);
        route.extra = Some(Arc::new(RouteExtra {
            pref: Some(1),
            ..RouteExtra::default()
        }));
        let (dst, tos, metric, attrs) = RouteAttrs::split(route.clone());
        assert_eq!(attrs.route(dst, tos, metric), route);
    }
}
