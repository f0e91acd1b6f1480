//! The element codec: how the bytes of one element type become Rust values and back.
//!
//! [`Element`] maps each fixed-size NumPy type to its Rust type, from one table
//! (`table.rs`); the read loop
//! ([`DataReader`]), the parallel fill of large buffers, byte swapping and the storage enum
//! of dynamic arrays ([`ArrayData`], [`RawArray`]) live here, once. Above this layer, `npy`
//! assembles arrays and files; below it, `dtype` and `header` only describe them.

mod data;
mod element;
pub(crate) mod fill;
mod source;
pub(crate) mod swap;
mod table;

pub(crate) use data::{for_each_typed, for_each_typed_match, numpy_fortran_order, shape_vec};
pub use data::{ArrayData, RawArray};
pub use element::Element;
pub(crate) use element::{check_bools, CastError, Codec};
pub(crate) use source::{BulkFill, DataReader};
pub(crate) use table::element_table;
