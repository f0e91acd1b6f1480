//! `.npy` files: reading, writing, streaming rows, verifying, converting and viewing in place.
//!
//! The everyday entry points are at the crate root ([`crate::read_npy`], [`crate::write_npy`],
//! [`crate::NpyReader`], ...); this module holds the rest of the `.npy` toolkit.
//!
//! Zero-copy views are possible when the data is in native byte order and aligned for the
//! element type (otherwise the error says why and points to the copying readers): over bytes
//! you already have ([`view_npy`], [`view_npy_mut`]), over memory-mapped files
//! (`NpyMap`, `NpyMapMut`, feature `mmap`), and over stored members of memory-mapped `.npz`
//! archives (`NpzMap`, features `npz` and `mmap`; NumPy itself cannot). Opening a map costs the
//! header parse only, whatever the file size.
//!
//! # Safety of memory maps
//!
//! A memory map shows the file's current contents. If the file is modified or truncated by
//! this or any other process while a map of it is alive, views would see data change under
//! them (undefined behaviour for Rust references) or the process could be killed by `SIGBUS`.
//! This is memmap2's contract, and the constructors that map files are therefore `unsafe fn`:
//! the caller promises the file stays unchanged while the map lives. The byte-slice views have
//! no such condition and are safe.

mod array;
mod decode;
mod display;
mod fields;
#[cfg(feature = "mmap")]
#[allow(unsafe_code)] // memory maps: see the module documentation
mod map;
mod read;
mod row_writer;
mod rows;
mod transcode;
pub(crate) mod view;
mod write;

pub use crate::codec::RawArray;
pub use crate::format::{Version, MAGIC};
pub use crate::header::{read_header, Header, HeaderInfo, DEFAULT_MAX_HEADER_SIZE};
pub use array::DynArray;
#[cfg(feature = "mmap")]
pub use map::{NpyMap, NpyMapMut};
pub use read::{from_bytes, read_npy, read_npy_with, NpyReader, ReadNpy};
#[cfg(feature = "npz")]
pub(crate) use row_writer::block_rows;
pub use row_writer::{append_npy, NpyRowWriter};
pub use rows::RowChunks;
#[cfg(feature = "npz")]
pub(crate) use transcode::transcoded_len;
pub use transcode::VerifyReport;
pub use view::{view_npy, view_npy_mut, view_npy_with};
pub use write::{to_bytes, write_npy, write_npy_with, Order, WriteNpy, WriteOptions};
