//! # npio
//!
//! Read and write NumPy's `.npy` and `.npz` files from Rust: every dtype `np.save` writes without
//! pickle, both byte orders, C and Fortran order, format versions 1.0, 2.0 and 3.0, into
//! `ndarray` arrays — typed when you know the type, dynamic ([`DynArray`]) when you don't.
//! Files npio writes are byte-for-byte what `np.save` writes for the same array.
//!
//! ## One entry point per task
//!
//! | Task | Use |
//! |---|---|
//! | Read a `.npy` file, typed or dynamic | [`read_npy`] (`let a: Array2<f32> = read_npy(path)?`, `let d: DynArray = ...`) |
//! | Read from a seekable reader (ndarray-npy style) | [`ReadNpy::read_npy`] (`Array2::<f64>::read_npy(reader)?`) |
//! | Read from bytes in memory | [`from_bytes`] |
//! | Write a `.npy` file (typed or [`DynArray`]) | [`write_npy`] |
//! | Write to any writer / to bytes | [`WriteNpy::write_npy`] (`a.write_npy(writer)?`) / [`to_bytes`] |
//! | Raise limits, allow trailing data | [`ReadOptions`]: set, then end in the operation (`ReadOptions::new().max_header_size(n).read_npy(path)`) |
//! | Change byte order, memory order, version | [`WriteOptions`]: the same (`WriteOptions::new().endian(e).write_npy(path, &a)`) |
//! | Inspect a header, read rows, verify, transcode | [`NpyReader`] ([`NpyReader::open`], [`NpyReader::new`], [`NpyReader::stream`], `read_rows`, `row_chunks`, `verify`, `transcode`) |
//! | Write rows whose count is known only at the end, append rows | [`NpyRowWriter`], [`append_npy`] |
//! | Read an `.npz` archive | [`NpzReader`] (`npz.read::<A>(name)`, `read_all`) |
//! | Read or write in object storage (`s3://`, `gs://`, `az://`, `https://`) | `remote::Remote` (feature `remote`: `open_npz(url)`, `read_npy(url)`, `write_npy(url, &a)`, `create(url)`) |
//! | Write an `.npz` archive (stored or deflated) | [`NpzWriter`] (`npz.add(name, &a)`, `start_rows`; `NpzWriter::new_stream` to a pipe or an upload) |
//! | Read from a source of your own (by offset) | [`source::ReadAt`], wrapped in [`source::Source`] and passed to [`NpzReader::new`] or [`ReadOptions::npy_reader`] |
//! | View a file without copying (memory map) | [`NpyMap`], [`NpyMapMut`], [`NpzMap`]; bytes: [`view_npy`], [`view_npy_mut`], [`npz::NpzView`] |
//! | Describe or build element types | [`DType`] (and [`dtype`]), [`Element`] for the Rust types |
//! | Rust structs as NumPy records | `#[derive(npio::Record)]` ([`record`]), then the functions above with `Array<YourStruct, D>` |
//! | Dates and durations | [`time`] (`Datetime64<Seconds>`, ...) |
//! | Handle errors | [`Error`] (typed, `#[non_exhaustive]`; converts into `std::io::Error`) |
//!
//! The root holds these entry points; the modules hold what they take and return (headers,
//! versions, memory order, compression, row chunks, reports, dtype parts).
//!
//! ```
//! use ndarray::{array, Array2};
//! use npio::DynArray;
//! # let tmp = tempfile::tempdir().unwrap();
//! # let dir = tmp.path();
//! let path = dir.join("example.npy");
//! let a = array![[1.0f64, 2.0, 3.0], [4.0, 5.0, 6.0]];
//! npio::write_npy(&path, &a).unwrap();
//!
//! // typed, when the type is known
//! let b: Array2<f64> = npio::read_npy(&path).unwrap();
//! assert_eq!(a, b);
//!
//! // dynamic, when it is not
//! let d: DynArray = npio::read_npy(&path).unwrap();
//! assert_eq!(d.dtype().typestr(), "<f8");
//! assert_eq!(d.shape(), &[2, 3]);
//! ```
//!
//! ## Features
//!
//! | Feature | Default | What it adds | Dependencies |
//! |---|---|---|---|
//! | `npz` | yes | [`NpzReader`], [`NpzWriter`], the [`npz`] module | zip, flate2, crc32fast, libdeflater, tempfile |
//! | `mmap` | yes | [`NpyMap`], [`NpyMapMut`] (and [`NpzMap`] with `npz`) | memmap2 |
//! | `parallel` | yes | large reads, block deflate and [`NpzReader::read_all`] run on rayon, inside the caller's pool when there is one | rayon |
//! | `derive` | yes | `#[derive(npio::Record)]`: Rust structs as NumPy records (see [`record`]) | npio-derive (syn, quote) |
//! | `remote` | no | `remote`: `.npy`/`.npz` in S3, GCS, Azure and over HTTP by range requests (implies `npz`) | object_store, tokio, futures, url, bytes |
//!
//! With `default-features = false` the `.npy` core needs only ndarray, nom, byteorder, half,
//! num-complex, bytemuck and thiserror, and everything runs on the caller's thread. With
//! `parallel`, run npio inside `rayon::ThreadPool::install` to bound its threads.
//!
//! ## Layers
//!
//! Data flows one way: bytes → `format` (the prefix and the Python literal) → [`dtype`] →
//! header → `codec` (element decoding, byte swaps) → [`record`] (structs as records) → [`npy`]
//! → [`npz`]. See
//! `docs/ARCHITECTURE.md`.
//!
//! Hostile input is refused with a typed [`Error`], never a panic: the header size is limited
//! (10000 bytes by default, [`ReadOptions::max_header_size`] to raise it), literal nesting is
//! bounded, sizes are overflow-checked and no buffer is sized by the header's claim alone.

#![deny(missing_docs)]
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod codec;
pub mod dtype;
mod error;
mod format;
mod header;
mod io;
pub mod npy;
#[cfg(feature = "npz")]
pub mod npz;
mod par;
pub mod record;
#[cfg(feature = "remote")]
pub mod remote;
pub mod source;

/// NumPy's `datetime64` and `timedelta64` as Rust element types, their unit in the type.
///
/// ```
/// use npio::time::{unit::Seconds, Datetime64};
/// let t = Datetime64::<Seconds>::new(60);
/// let bytes = npio::to_bytes(&ndarray::arr1(&[t])).unwrap();
/// let d: npio::DynArray = npio::from_bytes(&bytes).unwrap();
/// assert_eq!(d.dtype().typestr(), "<M8[s]");
/// ```
pub mod time {
    pub use crate::record::time::{unit, Datetime64, Timedelta64, Unit};
}

pub use codec::Element;
pub use dtype::DType;
pub use error::{Error, Result};
pub use header::ReadOptions;
/// `#[derive(npio::Record)]`: a struct with named fields as a NumPy record (see [`record`]).
#[cfg(feature = "derive")]
pub use npio_derive::Record;
pub use npy::array::DynArray;
#[cfg(feature = "mmap")]
pub use npy::map::{NpyMap, NpyMapMut};
pub use npy::read::{from_bytes, read_npy, NpyReader, ReadNpy};
pub use npy::row_writer::{append_npy, NpyRowWriter};
pub use npy::view::{view_npy, view_npy_mut};
pub use npy::write::{to_bytes, write_npy, WriteNpy, WriteOptions};
#[cfg(all(feature = "npz", feature = "mmap"))]
pub use npz::NpzMap;
#[cfg(feature = "npz")]
pub use npz::{NpzReader, NpzWriter};

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
