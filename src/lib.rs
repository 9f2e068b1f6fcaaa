//! routescope: a terminal inspector for Linux routing.

pub mod action;
pub mod analysis;
pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diff;
pub mod error;
pub mod files;
pub use model::fixtures;

pub mod keymap;
pub mod load;
pub mod logging;
pub mod lookup;
pub mod model;
pub mod net;
pub mod report;
pub mod scenario;
pub mod signals;
pub mod terminal;
pub mod tui;
pub mod ui;
pub mod verify;
pub mod watch;
