//! `.npz` archives: zip files of `.npy` members, as `np.savez` and `np.savez_compressed` write
//! them and `np.load` reads them.
//!
//! [`NpzReader`] lists members the way NumPy does (`.npy` stripped, archive order, nested
//! names with `/` kept), finds them with or without `.npy`, reads headers without inflating
//! data, and reads members typed, dynamically, as raw bytes (members that are not arrays) or
//! as a stream. [`NpzWriter`] writes stored members with their data aligned to 64 bytes (so
//! they can be memory-mapped later) or deflated members, with zip64 wherever it is needed.
//!
//! ```
//! use std::io::Cursor;
//! let mut writer = npio::NpzWriter::new_compressed(Cursor::new(Vec::new()));
//! writer.add("x", &ndarray::arr1(&[1.0f64, 2.0])).unwrap();
//! writer.add("dir/y", &ndarray::arr2(&[[1u8, 2], [3, 4]])).unwrap();
//! let bytes = writer.finish().unwrap().into_inner();
//!
//! let mut npz = npio::NpzReader::new(Cursor::new(bytes)).unwrap();
//! assert_eq!(npz.names(), vec!["x", "dir/y"]);
//! let y: ndarray::Array2<u8> = npz.read("dir/y.npy").unwrap();
//! assert_eq!(y[[1, 0]], 3);
//! ```

mod archive;
mod background;
pub(crate) mod deferred;
mod deflate;
#[cfg(feature = "mmap")]
#[allow(unsafe_code)] // memory maps: see the module documentation of `npio::npy`
mod map;
mod members;
mod names;
mod outputs;
mod progress;
mod reader;
mod rows;
mod single;
mod sink;
mod view;
mod whole;
mod writer;
mod zip_out;
#[cfg(feature = "zstd")]
mod zstd;

/// The positional file reader under [`NpzReader::open`] (an internal, for the npio crates).
#[doc(hidden)]
#[cfg(feature = "mmap")]
pub use map::NpzMap;
pub use members::{NpzArrayWriter, NpzMemberWriter};
pub use names::member_path;
pub use reader::NpzReader;
pub use rows::NpzRowsWriter;
pub use view::NpzView;
pub use writer::NpzWriter;

use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

use crate::error::{Error, Result};
use crate::header::HeaderInfo;

/// The largest expansion deflate can achieve (about 1032:1); a member claiming to inflate to
/// more than this is refused before anything is inflated or allocated.
pub(crate) const DEFLATE_MAX_RATIO: u64 = 1032;

/// Stored members have their data aligned to this many bytes inside the archive.
pub const STORED_ALIGNMENT: u16 = 64;

/// Members at least this large are written with zip64 fields.
pub(crate) const ZIP64_THRESHOLD: u64 = u32::MAX as u64;

/// How members are compressed.
///
/// ```
/// assert_eq!(npio::npz::Compression::default(), npio::npz::Compression::Stored);
/// assert_eq!(npio::npz::Compression::deflated(), npio::npz::Compression::Deflated { level: 6 });
/// ```
///
/// Deflated members up to 1 GiB that are added whole (`add_array`,
/// `add_dyn`, `add_raw`) are compressed on all cores in 1 MiB blocks that form one ordinary
/// deflate stream; members started with `start_*` stream through one compressor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Compression {
    /// No compression (`np.savez`); data aligned to 64 bytes in the archive.
    #[default]
    Stored,
    /// Deflate at a level from 0 to 9 (`np.savez_compressed` uses zlib's default, 6).
    Deflated {
        /// The deflate level, 0 (fastest) to 9 (smallest).
        level: u32,
    },
    /// Deflate with the fastest encoder whose output is the size of level 6 (NumPy's) within
    /// half a percent, chosen per member from samples of its data: libdeflate level 1 on
    /// entropy-bound data (float noise), else libdeflate level 6 (float and image-like data:
    /// as small or smaller, about twice as fast), else zlib-rs level 6 (integers), in
    /// parallel blocks. Members streamed with `start_*` use zlib-rs level 6. Used by
    /// [`NpzWriter::new_compressed`] and `npio convert --compress`.
    Auto,
    /// Zstandard (zip method 93) at a level from 1 (fastest) to 22 (smallest), feature `zstd`:
    /// at levels 1 to 3 several times faster than deflate at a similar or smaller size. NumPy
    /// reads such members with Python 3.14 or later (PEP 784), or with `backports.zstd`;
    /// ndarray-npy reads and writes them. Large members compress on several threads into one
    /// zstd frame.
    #[cfg(feature = "zstd")]
    Zstd {
        /// The zstd level, 1 (fastest) to 22 (smallest); 3 is zstd's default.
        level: i32,
    },
}

impl Compression {
    /// Deflate at NumPy's level, 6.
    ///
    /// ```
    /// assert!(matches!(npio::npz::Compression::deflated(), npio::npz::Compression::Deflated { .. }));
    /// ```
    pub fn deflated() -> Compression {
        Compression::Deflated { level: 6 }
    }

    /// Zstandard at its default level, 3 (feature `zstd`).
    ///
    /// ```
    /// assert_eq!(npio::npz::Compression::zstd(), npio::npz::Compression::Zstd { level: 3 });
    /// ```
    #[cfg(feature = "zstd")]
    pub fn zstd() -> Compression {
        Compression::Zstd { level: 3 }
    }

    /// What this asks for, with the level checked.
    pub(crate) fn plan(self) -> Result<Method> {
        match self {
            Compression::Stored => Ok(Method::Store),
            Compression::Deflated { level } if level <= 9 => Ok(Method::Level(level)),
            Compression::Deflated { level } => Err(Error::InvalidArgument {
                argument: "deflate level",
                reason: format!("{level} is out of range 0..=9"),
            }),
            Compression::Auto => Ok(Method::Choose),
            #[cfg(feature = "zstd")]
            Compression::Zstd { level } if (1..=22).contains(&level) => Ok(Method::Zstd(level)),
            #[cfg(feature = "zstd")]
            Compression::Zstd { level } => Err(Error::InvalidArgument {
                argument: "zstd level",
                reason: format!("{level} is out of range 1..=22"),
            }),
        }
    }

    pub(crate) fn file_options(self, npy_len: u64) -> Result<SimpleFileOptions> {
        let base = SimpleFileOptions::default()
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644)
            .large_file(npy_len >= ZIP64_THRESHOLD);
        let level = match self.plan()? {
            Method::Store => {
                return Ok(base
                    .compression_method(CompressionMethod::Stored)
                    .with_alignment(STORED_ALIGNMENT))
            }
            Method::Level(level) => level,
            // Streamed members cannot be sampled ahead: NumPy's level.
            Method::Choose => 6,
            #[cfg(feature = "zstd")]
            Method::Zstd(level) => {
                return Ok(base
                    .compression_method(CompressionMethod::Zstd)
                    .compression_level(Some(i64::from(level))))
            }
        };
        Ok(base
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(i64::from(level))))
    }
}

/// How a [`Compression`] compresses a member, its level checked.
pub(crate) enum Method {
    Store,
    Level(u32),
    /// Choose the encoder per member ([`Compression::Auto`]).
    Choose,
    /// Zstandard at this level.
    #[cfg(feature = "zstd")]
    Zstd(i32),
}

/// Largest member compressed in parallel blocks (it is held in memory, compressed, while
/// being written); larger deflated members stream through one compressor.
pub(crate) const PARALLEL_DEFLATE_MAX: u64 = 1 << 30;

/// What an archive member is, read from the zip directory and the member's `.npy` header
/// (the data is not inflated).
///
/// ```
/// # use std::io::Cursor;
/// let mut w = npio::NpzWriter::new(Cursor::new(Vec::new()));
/// w.add("a", &ndarray::arr1(&[1i32, 2, 3])).unwrap();
/// let mut npz = npio::NpzReader::new(Cursor::new(w.finish().unwrap().into_inner())).unwrap();
/// let info = npz.member_info("a").unwrap();
/// assert_eq!(info.stored_name, "a.npy");
/// assert!(!info.compressed);
/// assert_eq!(info.array_data_offset().unwrap() % 64, 0);
/// assert_eq!(info.npy.unwrap().header.shape, vec![3]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MemberInfo {
    /// The name NumPy lists: the stored name with `.npy` stripped.
    pub name: String,
    /// The name as stored in the archive.
    pub stored_name: String,
    /// True when the member is deflated (or otherwise compressed).
    pub compressed: bool,
    /// The member's zip compression method: 0 stored, 8 deflated, 93 zstd (see
    /// [`MemberInfo::method_name`]).
    pub method: u16,
    /// The member's size inside the archive.
    pub compressed_size: u64,
    /// The member's uncompressed size.
    pub size: u64,
    /// Offset of the member's (possibly compressed) bytes from the start of the archive.
    pub data_start: u64,
    /// The CRC-32 of the member's uncompressed bytes, as the zip directory records it.
    pub crc32: u32,
    /// The `.npy` header, or `None` for a member that is not an array.
    pub npy: Option<HeaderInfo>,
}

impl MemberInfo {
    /// The name of the member's compression method: `"stored"`, `"deflated"`, `"zstd"`, or
    /// `"method N"` for others (which npio cannot read).
    ///
    /// ```
    /// # use std::io::Cursor;
    /// let mut w = npio::NpzWriter::new_compressed(Cursor::new(Vec::new()));
    /// w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// let mut npz = npio::NpzReader::new(Cursor::new(w.finish().unwrap().into_inner())).unwrap();
    /// assert_eq!(npz.member_info("a").unwrap().method_name(), "deflated");
    /// ```
    pub fn method_name(&self) -> std::borrow::Cow<'static, str> {
        match self.method {
            0 => "stored".into(),
            8 => "deflated".into(),
            93 => "zstd".into(),
            n => format!("method {n}").into(),
        }
    }

    /// For a stored array member, the offset of its array data from the start of the archive
    /// (where a memory map of the archive would find it).
    ///
    /// ```
    /// # use std::io::Cursor;
    /// let mut w = npio::NpzWriter::new_compressed(Cursor::new(Vec::new()));
    /// w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// let mut npz = npio::NpzReader::new(Cursor::new(w.finish().unwrap().into_inner())).unwrap();
    /// assert_eq!(npz.member_info("a").unwrap().array_data_offset(), None); // compressed
    /// ```
    pub fn array_data_offset(&self) -> Option<u64> {
        match (&self.npy, self.compressed) {
            (Some(info), false) => Some(self.data_start + info.data_offset),
            _ => None,
        }
    }
}

/// The name NumPy lists for a stored name.
pub(crate) fn listed_name(stored: &str) -> &str {
    stored.strip_suffix(".npy").unwrap_or(stored)
}
