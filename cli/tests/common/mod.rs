//! The library's shared test helpers, plus running the `npio` binary.
#![allow(dead_code)]

#[path = "../../../tests/common/mod.rs"]
mod shared;
pub use shared::*;

pub mod cli;
