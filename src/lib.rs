//! routescope: a terminal inspector for Linux routing.

pub mod model;
