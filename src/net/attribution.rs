//! Who made each change the feed reports: the process behind the notification's port id
//! (`origin`), or for the kernel's own changes the event that made it act (`cause`).

use std::time::Instant;

use super::cause::Causes;
use super::origin::Resolver;
use super::proc_sockets::ProcFs;
use crate::model::{Change, Origin};

/// The environment variable that turns attribution off, for benchmarks only: every change then
/// carries its bare port id (owner unknown, no kernel cause).
pub const NO_ORIGIN_VARIABLE: &str = "ROUTESCOPE_NO_ORIGIN";

/// The feed's attribution state: the port id cache and the recent causes. Lives on the feed's
/// thread, which has entered the namespace, so `/proc/thread-self` shows that namespace.
#[derive(Debug)]
pub struct Attribution {
    /// The port id cache; `None` when attribution is off.
    resolver: Option<Resolver<ProcFs>>,
    /// The recent link and address events, for the kernel's own changes.
    causes: Causes,
}

impl Attribution {
    /// Attribution as the environment asks: on, unless `ROUTESCOPE_NO_ORIGIN` is set non-empty.
    pub fn from_environment() -> Self {
        let off = std::env::var_os(NO_ORIGIN_VARIABLE).is_some_and(|v| !v.is_empty());
        Self {
            resolver: (!off).then(|| Resolver::new(ProcFs::default())),
            causes: Causes::default(),
        }
    }

    /// Notes a link or address change the kernel may act on; `flags_before` are a link's flags
    /// before the change (`None`: not seen before).
    pub fn note(
        &mut self,
        change: &Change,
        flags_before: Option<u32>,
        name: impl Fn(u32) -> String,
    ) {
        if self.resolver.is_some() {
            self.causes.note(change, flags_before, name, Instant::now());
        }
    }

    /// The origin of `change`, notified with port id `portid`.
    pub fn origin(&mut self, portid: u32, change: &Change) -> Origin {
        let Some(resolver) = self.resolver.as_mut() else {
            return Origin::of_portid(portid);
        };
        let now = Instant::now();
        match portid {
            0 => Origin::Kernel {
                cause: self.causes.of(change, now),
            },
            portid => Origin::Socket {
                portid,
                owner: resolver.owner(portid, now),
            },
        }
    }
}
