//! `.npy` files: reading, writing, streaming rows, verifying, converting and viewing in place.
//!
//! The everyday entry points are at the crate root ([`crate::read_npy`], [`crate::write_npy`],
//! [`crate::NpyReader`], ...); this module holds the rest of the `.npy` toolkit.

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
pub use row_writer::{append_npy, NpyRowWriter};
pub use rows::RowChunks;
#[cfg(feature = "npz")]
pub(crate) use transcode::transcoded_len;
pub use transcode::VerifyReport;
pub use view::{view_npy, view_npy_mut, view_npy_with};
pub use write::{to_bytes, write_npy, write_npy_with, Order, WriteNpy, WriteOptions};
