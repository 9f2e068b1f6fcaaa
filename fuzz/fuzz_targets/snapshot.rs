//! Fuzz target `snapshot`: see `fuzz/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| routescope_fuzz::snapshot(data));
