//! The routes pane's second view, the nexthop objects with what uses each; and following a route
//! to its nexthop object, and a nexthop to its device.

use super::{App, Pane};
use crate::model::{Nexthop, NexthopUsers};

/// What the routes pane lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoutesView {
    /// The routes of every table, or of one.
    #[default]
    Routes,
    /// The nexthop objects; `route_row` is the routes' selection to come back to.
    Nexthops { route_row: usize },
}

impl App {
    /// What the routes pane lists now.
    pub fn routes_view(&self) -> RoutesView {
        self.routes_view
    }

    /// The nexthop objects the nexthops view shows, by id: those whose gateway is inside the
    /// routes filter when it is a prefix or an address, else whose text contains it.
    pub fn visible_nexthops(&self) -> impl Iterator<Item = &Nexthop> {
        let filter = self.filter(Pane::Routes);
        let net = filter.parse::<ipnet::IpNet>().ok();
        let addr = filter.parse::<std::net::IpAddr>().ok();
        self.state
            .nexthops
            .values()
            .filter(move |nh| match (net, addr) {
                (Some(net), _) => nh.gateway.is_some_and(|g| net.contains(&g)),
                (None, Some(addr)) => nh.gateway == Some(addr),
                (None, None) => crate::report::text::nexthop_line(&self.state, nh).contains(filter),
            })
    }

    /// The nexthop object selected in the nexthops view (none while the pane lists routes).
    pub fn selected_nexthop(&self) -> Option<&Nexthop> {
        match self.routes_view {
            RoutesView::Nexthops { .. } => self.visible_nexthops().nth(self.selected(Pane::Routes)),
            RoutesView::Routes => None,
        }
    }

    /// What uses nexthop object `id` (routes by `nhid`, groups listing it); `None`: nothing.
    /// Current while the nexthops view is shown.
    pub fn nexthop_users(&self, id: u32) -> Option<&NexthopUsers> {
        self.nexthop_users.1.get(&id)
    }

    /// Switches the routes pane between routes and nexthop objects, each keeping its place.
    pub(super) fn toggle_nexthops(&mut self) {
        let at = self.panes[Pane::Routes].selected;
        let (view, row) = match self.routes_view {
            RoutesView::Routes => (RoutesView::Nexthops { route_row: at }, 0),
            RoutesView::Nexthops { route_row } => (RoutesView::Routes, route_row),
        };
        self.routes_view = view;
        self.panes[Pane::Routes].selected = row;
        self.focus = Pane::Routes;
    }

    /// Lists the nexthop objects and selects `id` (a filter that hides it is cleared); false
    /// when there is no such object.
    pub(super) fn show_nexthop(&mut self, id: u32) -> bool {
        if !self.state.nexthops.contains_key(&id) {
            return false;
        }
        if let RoutesView::Routes = self.routes_view {
            self.toggle_nexthops();
        }
        if !self.visible_nexthops().any(|nh| nh.id == id) {
            self.panes[Pane::Routes].filter.clear();
        }
        let row = self.visible_nexthops().position(|nh| nh.id == id);
        if let Some(row) = row {
            self.panes[Pane::Routes].selected = row;
        }
        self.focus = Pane::Routes;
        true
    }

    /// Lists routes again in the routes pane, if it listed nexthop objects.
    pub(super) fn show_routes(&mut self) {
        if let RoutesView::Nexthops { .. } = self.routes_view {
            self.toggle_nexthops();
        }
    }

    /// Focuses the interfaces pane on link `index` (a filter that hides it is cleared).
    fn show_link(&mut self, index: u32) {
        if !self.visible_links().any(|l| l.index == index) {
            self.panes[Pane::Interfaces].filter.clear();
        }
        let row = self.visible_links().position(|l| l.index == index);
        if let Some(row) = row {
            self.panes[Pane::Interfaces].selected = row;
            self.focus = Pane::Interfaces;
        } else {
            self.notice = Some(format!("device {index} is not known"));
        }
    }

    /// One step along the way a packet is sent: from the selected route to its nexthop object
    /// (or its device when it names none), from a nexthop to its device, or from a group to its
    /// first member.
    pub(super) fn follow(&mut self) {
        if self.focus != Pane::Routes {
            self.notice = Some(
                "follow works in the routes pane: a route to its nexthop, a nexthop to its device"
                    .into(),
            );
            return;
        }
        if let RoutesView::Nexthops { .. } = self.routes_view {
            let Some(nh) = self.selected_nexthop() else {
                return;
            };
            let (id, dev, first) = (nh.id, nh.dev, nh.group.first().map(|m| m.id));
            match (dev, first) {
                (Some(dev), _) => self.show_link(dev),
                (None, Some(member)) => {
                    self.show_nexthop(member);
                }
                (None, None) => {
                    self.notice = Some(format!("nexthop {id} has no device"));
                }
            }
            return;
        }
        let Some(route) = self.selected_route() else {
            return;
        };
        let (nhid, dev) = (route.nhid, route.dev());
        if nhid != 0 {
            if !self.show_nexthop(nhid) {
                self.notice = Some(format!("nexthop {nhid} is not in the state"));
            }
        } else if dev != 0 {
            self.show_link(dev);
        } else {
            self.notice = Some("this route names neither a nexthop object nor a device".into());
        }
    }

    /// Recomputes what uses each nexthop object once per change (throttled: once per refresh,
    /// `state_too`), and only while the nexthops view is shown (it costs a pass over every route);
    /// opening the view never waits.
    pub(super) fn refresh_nexthop_users(&mut self, state_too: bool) {
        let shown = matches!(self.routes_view, RoutesView::Nexthops { .. });
        let never = self.nexthop_users.0 == u64::MAX;
        if shown && self.nexthop_users.0 != self.generation && (state_too || never) {
            self.nexthop_users = (self.generation, crate::model::nexthop_users(&self.state));
        }
    }
}
