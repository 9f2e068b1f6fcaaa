//! How the state is written for people (text) and for scripts (the JSON contract), and read back.

pub mod diff;
pub mod events;
pub mod explain;
pub mod findings;
pub mod json;
pub mod json_route;
pub mod json_write;
pub mod names;
pub mod route_match;
mod route_words;
pub mod snapshot;
pub mod text;
