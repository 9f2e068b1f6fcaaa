//! Fuzz target `netlink`: see `fuzz/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| routescope_fuzz::netlink(data));
