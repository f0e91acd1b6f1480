//! Fuzz target: see `checks::header`.
#![no_main]

#[allow(dead_code)] // each target uses one of the checks
#[path = "../checks.rs"]
mod checks;
#[path = "../limit.rs"]
mod limit;

#[global_allocator]
static ALLOC: limit::Limited = limit::Limited;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::header(data));
