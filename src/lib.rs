//! routescope: a terminal inspector for Linux routing.

pub mod model;
pub mod report;
pub mod cli;
pub mod scenario;
pub mod commands;
pub mod logging;
