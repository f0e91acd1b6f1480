//! `.npy` files: reading, writing, streaming rows, verifying, converting and viewing in place.
//!
//! The entry points are at the crate root ([`crate::read_npy`], [`crate::write_npy`],
//! [`crate::NpyReader`], [`crate::NpyRowWriter`], [`crate::view_npy`], ...); this module holds
//! what they take and return: headers, format versions, memory order, row chunks, verify
//! reports, raw and dynamic array data.
//!
//! Zero-copy views are possible when the data is in native byte order and aligned for the
//! element type (otherwise the error says why and points to the copying readers): over bytes
//! you already have ([`crate::view_npy`], [`crate::view_npy_mut`]), over memory-mapped files
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

pub(crate) mod array;
mod decode;
mod display;
mod fields;
#[cfg(feature = "mmap")]
#[allow(unsafe_code)] // memory maps: see the module documentation
pub(crate) mod map;
pub(crate) mod read;
pub(crate) mod row_writer;
mod rows;
mod transcode;
pub(crate) mod view;
pub(crate) mod write;

pub use crate::codec::{ArrayData, RawArray};
pub use crate::format::Version;
/// The six bytes every `.npy` file starts with (for the npio crates; not part of the API).
#[doc(hidden)]
pub use crate::format::MAGIC;
pub use crate::header::{read_header, Header, HeaderInfo, DEFAULT_MAX_HEADER_SIZE};
#[cfg(feature = "npz")]
pub(crate) use row_writer::block_rows;
pub use rows::RowChunks;
#[cfg(feature = "npz")]
pub(crate) use transcode::transcoded_len;
pub use transcode::VerifyReport;
pub use write::Order;
#[allow(unused_imports)] // the crate's own paths to what the root exports
pub(crate) use {
    array::DynArray,
    read::{NpyReader, ReadNpy},
    write::{WriteNpy, WriteOptions},
};
