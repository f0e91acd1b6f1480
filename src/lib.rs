//! # npio
//!
//! Read and write NumPy's `.npy` files from Rust: every dtype `np.save` writes without pickle,
//! both byte orders, C and Fortran order, format versions 1.0, 2.0 and 3.0, into `ndarray`
//! arrays — typed when you know the type, dynamic ([`DynArray`]) when you don't. Files npio
//! writes are byte-for-byte what `np.save` writes for the same array.
//!
//! Data flows one way: bytes → [`header`] → [`dtype`] → [`element`] decoding → array.
//!
//! ```
//! use ndarray::array;
//! # let tmp = tempfile::tempdir().unwrap();
//! # let dir = tmp.path();
//! let path = dir.join("example.npy");
//! let a = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! npio::write_npy(&path, &a).unwrap();
//!
//! // typed, when the type is known
//! let b: ndarray::Array2<f64> = npio::read_npy(&path).unwrap();
//! assert_eq!(a, b);
//!
//! // dynamic, when it is not
//! let d = npio::read_npy_dyn(&path).unwrap();
//! assert_eq!(d.dtype().descr(), "'<f8'");
//! assert_eq!(d.shape(), &[2, 3]);
//! ```
//!
//! Hostile input is refused with a typed [`Error`], never a panic: the header size is limited
//! (10000 bytes by default, [`ReadOptions::max_header_size`] to raise it), literal nesting is
//! bounded, sizes are overflow-checked and no buffer is sized by the header's claim alone.

#![deny(missing_docs)]
#![deny(unsafe_code)]

pub mod array;
mod bulk;
mod deflate;
pub mod dtype;
pub mod element;
mod error;
pub mod header;
#[allow(unsafe_code)] // memory maps: see the module documentation
pub mod mmap;
pub mod npz;
pub mod read;
pub mod stream;
pub mod write;

pub use array::{ArrayData, DynArray, RawArray};
pub use dtype::{DType, Endian, Field, Record, Scalar, ScalarKind, SubArray, TimeUnit};
pub use element::Element;
pub use error::{Error, Result};
pub use header::{read_header, Header, HeaderInfo, ReadOptions, Version};
pub use mmap::{view_npy, view_npy_mut, view_npy_with, NpyMap, NpyMapMut, NpzMap};
pub use npz::{
    ArchiveFile, Compression, MemberInfo, NpzArrayWriter, NpzMemberWriter, NpzReader,
    NpzRowsWriter, NpzWriter,
};
pub use read::{
    from_bytes, from_bytes_dyn, read_npy, read_npy_dyn, read_npy_dyn_with, read_npy_with, NpyReader,
};
pub use stream::{
    append_npy, copy_data, transcode, transcoded_header, transcoded_len, verify, NpyRowWriter,
    RowChunks, VerifyReport,
};
pub use write::{
    to_bytes, to_bytes_dyn, write_array, write_dyn, write_npy, write_npy_dyn, Order, WriteOptions,
};

/// Re-exports of the crates in npio's public API, so callers use the same versions.
///
/// ```
/// let x = npio::reexports::half::f16::from_f32(1.5);
/// assert_eq!(x.to_f32(), 1.5);
/// ```
pub mod reexports {
    pub use half;
    pub use ndarray;
    pub use num_complex;
}

/// The README's examples, compiled and run as doc tests so they stay true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
