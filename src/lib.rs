//! routescope: a terminal inspector for Linux routing.

pub mod cli;
pub mod commands;
pub mod fixtures;
pub mod logging;
pub mod lookup;
pub mod model;
pub mod net;
pub mod report;
pub mod scenario;
pub mod verify;
