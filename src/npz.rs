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
//! writer.add_array("x", &ndarray::arr1(&[1.0f64, 2.0])).unwrap();
//! writer.add_array("dir/y", &ndarray::arr2(&[[1u8, 2], [3, 4]])).unwrap();
//! let bytes = writer.finish().unwrap().into_inner();
//!
//! let mut npz = npio::NpzReader::new(Cursor::new(bytes)).unwrap();
//! assert_eq!(npz.names(), vec!["x", "dir/y"]);
//! let y: ndarray::Array2<u8> = npz.read_array("dir/y.npy").unwrap();
//! assert_eq!(y[[1, 0]], 3);
//! ```

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs::File;
use std::io::{BufWriter, Read, Seek, Write};
use std::path::Path;

use ndarray::{Array, ArrayBase, Data, Dimension};
use zip::read::ZipFile;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::deflate;

use crate::array::DynArray;
use crate::dtype::Endian;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::header::{read_header, read_up_to, Header, HeaderInfo, ReadOptions, MAGIC};
use crate::read::NpyReader;
use crate::write::{array_npy_len, dyn_npy_len, write_array, write_dyn, WriteOptions};

/// The largest expansion deflate can achieve (about 1032:1); a member claiming to inflate to
/// more than this is refused before anything is inflated or allocated.
const DEFLATE_MAX_RATIO: u64 = 1032;

/// Stored members have their data aligned to this many bytes inside the archive.
pub const STORED_ALIGNMENT: u16 = 64;

/// Members at least this large are written with zip64 fields.
const ZIP64_THRESHOLD: u64 = u32::MAX as u64;

/// How members are compressed.
///
/// ```
/// assert_eq!(npio::Compression::default(), npio::Compression::Stored);
/// assert_eq!(npio::Compression::deflated(), npio::Compression::Deflated { level: 6 });
/// ```
///
/// Deflated members up to [`PARALLEL_DEFLATE_MAX`] bytes that are added whole (`add_array`,
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
    /// Deflate with an encoder chosen per member from samples of its data: zlib-rs level 9
    /// where that is at least 5% smaller than level 6 (image-like bytes often are; most
    /// numeric data gains 1-2% for twice the time), else libdeflate level 6 where its output
    /// is no larger than zlib-rs level 6 (float data: smaller and about twice as fast), else
    /// zlib-rs level 6. Members streamed with `start_*` use zlib-rs level 6. Used by
    /// [`NpzWriter::new_compressed`] and `npio convert --compress`.
    Auto,
}

impl Compression {
    /// Deflate at NumPy's level, 6.
    ///
    /// ```
    /// assert!(matches!(npio::Compression::deflated(), npio::Compression::Deflated { .. }));
    /// ```
    pub fn deflated() -> Compression {
        Compression::Deflated { level: 6 }
    }

    /// What this asks for, with the level checked.
    fn plan(self) -> Result<Plan> {
        match self {
            Compression::Stored => Ok(Plan::Store),
            Compression::Deflated { level } if level <= 9 => Ok(Plan::Level(level)),
            Compression::Deflated { level } => Err(Error::Usage(format!(
                "deflate level {level} is out of range 0..=9"
            ))),
            Compression::Auto => Ok(Plan::Choose),
        }
    }

    fn file_options(self, npy_len: u64) -> Result<SimpleFileOptions> {
        let base = SimpleFileOptions::default()
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644)
            .large_file(npy_len >= ZIP64_THRESHOLD);
        let level = match self.plan()? {
            Plan::Store => {
                return Ok(base
                    .compression_method(CompressionMethod::Stored)
                    .with_alignment(STORED_ALIGNMENT))
            }
            Plan::Level(level) => level,
            // Streamed members cannot be sampled ahead: NumPy's level.
            Plan::Choose => 6,
        };
        Ok(base
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(i64::from(level))))
    }
}

/// A [`Compression`] with its level checked.
enum Plan {
    Store,
    Level(u32),
    /// Choose the encoder per member ([`Compression::Auto`]).
    Choose,
}

/// Largest member compressed in parallel blocks (it is held in memory, compressed, while
/// being written); larger deflated members stream through one compressor.
pub const PARALLEL_DEFLATE_MAX: u64 = 1 << 30;

/// What an archive member is, read from the zip directory and the member's `.npy` header
/// (the data is not inflated).
///
/// ```
/// # use std::io::Cursor;
/// let mut w = npio::NpzWriter::new(Cursor::new(Vec::new()));
/// w.add_array("a", &ndarray::arr1(&[1i32, 2, 3])).unwrap();
/// let mut npz = npio::NpzReader::new(Cursor::new(w.finish().unwrap().into_inner())).unwrap();
/// let info = npz.member_info("a").unwrap();
/// assert_eq!(info.stored_name, "a.npy");
/// assert!(!info.compressed);
/// assert_eq!(info.array_data_offset().unwrap() % 64, 0);
/// assert_eq!(info.npy.unwrap().header.shape, vec![3]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberInfo {
    /// The name NumPy lists: the stored name with `.npy` stripped.
    pub name: String,
    /// The name as stored in the archive.
    pub stored_name: String,
    /// True when the member is deflated (or otherwise compressed).
    pub compressed: bool,
    /// The member's size inside the archive.
    pub compressed_size: u64,
    /// The member's uncompressed size.
    pub size: u64,
    /// Offset of the member's (possibly compressed) bytes from the start of the archive.
    pub data_start: u64,
    /// The `.npy` header, or `None` for a member that is not an array.
    pub npy: Option<HeaderInfo>,
}

impl MemberInfo {
    /// For a stored array member, the offset of its array data from the start of the archive
    /// (where a memory map of the archive would find it).
    ///
    /// ```
    /// # use std::io::Cursor;
    /// let mut w = npio::NpzWriter::new_compressed(Cursor::new(Vec::new()));
    /// w.add_array("a", &ndarray::arr1(&[1u8])).unwrap();
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
fn listed_name(stored: &str) -> &str {
    stored.strip_suffix(".npy").unwrap_or(stored)
}

/// Reads `.npz` archives.
///
/// ```
/// # let dir = std::env::temp_dir().join("npio-doc-npz-open");
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("a.npz");
/// let mut w = npio::NpzWriter::create(&path).unwrap();
/// w.add_array("arr_0", &ndarray::arr1(&[1.5f32])).unwrap();
/// w.finish().unwrap();
/// let mut npz = npio::NpzReader::open(&path).unwrap();
/// let a = npz.read_dyn("arr_0").unwrap();
/// assert_eq!(a.dtype().descr(), "'<f4'");
/// ```
pub struct NpzReader<R> {
    archive: ZipArchive<R>,
    options: ReadOptions,
}

/// An archive file read with positional reads through a small buffer of its own: clones
/// share the open file but not the position, so several threads can read members at once
/// (see [`NpzReader::read_all`]).
///
/// ```
/// use std::io::{Read, Seek, SeekFrom};
/// # let path = std::env::temp_dir().join("npio-doc-archive-file.bin");
/// # std::fs::write(&path, b"0123456789").unwrap();
/// let mut a = npio::ArchiveFile::open(&path).unwrap();
/// let mut b = a.clone();
/// a.seek(SeekFrom::Start(5)).unwrap();
/// let (mut x, mut y) = ([0u8; 2], [0u8; 2]);
/// a.read_exact(&mut x).unwrap();
/// b.read_exact(&mut y).unwrap();
/// assert_eq!((&x, &y), (b"56", b"01"));
/// ```
#[derive(Debug)]
pub struct ArchiveFile {
    file: std::sync::Arc<File>,
    len: u64,
    pos: u64,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    buf_start: u64,
}

/// Reads smaller than this go through the buffer (the zip directory is read in small pieces).
const ARCHIVE_BUFFER: usize = 64 << 10;

impl ArchiveFile {
    /// Opens a file for reading.
    ///
    /// ```
    /// assert!(npio::ArchiveFile::open("no/such/file").is_err());
    /// ```
    pub fn open<P: AsRef<Path>>(path: P) -> std::io::Result<ArchiveFile> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(ArchiveFile {
            file: std::sync::Arc::new(file),
            len,
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
        })
    }
}

impl Clone for ArchiveFile {
    fn clone(&self) -> Self {
        ArchiveFile {
            file: self.file.clone(),
            len: self.len,
            pos: self.pos,
            buf: Vec::new(),
            buf_start: 0,
        }
    }
}

impl Read for ArchiveFile {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let buffered_end = self.buf_start + self.buf.len() as u64;
        if self.pos < self.buf_start || self.pos >= buffered_end {
            if out.len() >= ARCHIVE_BUFFER {
                let n = crate::bulk::read_at(&self.file, out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            self.buf.resize(ARCHIVE_BUFFER, 0);
            let n = crate::bulk::read_at(&self.file, &mut self.buf, self.pos)?;
            self.buf.truncate(n);
            self.buf_start = self.pos;
            if n == 0 {
                return Ok(0);
            }
        }
        let start = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.buf.len() - start);
        out[..n].copy_from_slice(&self.buf[start..start + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ArchiveFile {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}

impl NpzReader<ArchiveFile> {
    /// Opens an archive file.
    ///
    /// ```
    /// assert!(npio::NpzReader::open("no/such/file.npz").is_err());
    /// ```
    pub fn open<P: AsRef<Path>>(path: P) -> Result<Self> {
        Self::open_with(path, ReadOptions::default())
    }

    /// Opens an archive file with read options (applied to every member).
    ///
    /// ```
    /// let opts = npio::ReadOptions::default().max_header_size(1 << 20);
    /// assert!(npio::NpzReader::open_with("no/such/file.npz", opts).is_err());
    /// ```
    pub fn open_with<P: AsRef<Path>>(path: P, options: ReadOptions) -> Result<Self> {
        Self::with_options(ArchiveFile::open(path)?, options)
    }
}

impl<R: Read + Seek> NpzReader<R> {
    /// Reads the archive directory from any seekable source.
    ///
    /// ```
    /// let err = npio::NpzReader::new(std::io::Cursor::new(b"not a zip".to_vec())).err().unwrap();
    /// assert!(matches!(err, npio::Error::Archive(_)));
    /// ```
    pub fn new(reader: R) -> Result<Self> {
        Self::with_options(reader, ReadOptions::default())
    }

    /// Reads the archive directory, with read options applied to every member.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add_array("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let opts = npio::ReadOptions::default().max_header_size(100);
    /// let mut npz = npio::NpzReader::with_options(std::io::Cursor::new(bytes), opts).unwrap();
    /// assert!(npz.read_dyn("a").unwrap_err().to_string().contains("max_header_size"));
    /// ```
    pub fn with_options(reader: R, options: ReadOptions) -> Result<Self> {
        let archive = ZipArchive::new(reader)?;
        // Zip readers disagree on which of two same-named entries wins (NumPy takes the last);
        // an archive that can be read two ways is refused rather than silently hiding data.
        if archive.has_duplicate_names() {
            return Err(Error::Archive(
                "duplicate member names in the central directory: the archive is ambiguous".into(),
            ));
        }
        Ok(NpzReader { archive, options })
    }

    /// The member names as NumPy lists them (`.npy` stripped), in archive order.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add_array("b", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.add_raw("notes.txt", b"hello").unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.names(), vec!["b", "notes.txt"]);
    /// ```
    pub fn names(&self) -> Vec<String> {
        self.stored_names()
            .iter()
            .map(|n| listed_name(n).to_string())
            .collect()
    }

    /// The member names exactly as stored, in archive order.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add_array("b", &ndarray::arr1(&[1u8])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.stored_names(), vec!["b.npy"]);
    /// ```
    pub fn stored_names(&self) -> Vec<String> {
        self.archive
            .file_names()
            .map(|n| n.map(|n| n.into_owned()).unwrap_or_default())
            .collect()
    }

    /// The number of members.
    ///
    /// ```
    /// # let bytes = npio::NpzWriter::new(std::io::Cursor::new(Vec::new())).finish().unwrap().into_inner();
    /// let npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.len(), 0);
    /// ```
    pub fn len(&self) -> usize {
        self.archive.len()
    }

    /// True for an archive without members.
    ///
    /// ```
    /// # let bytes = npio::NpzWriter::new(std::io::Cursor::new(Vec::new())).finish().unwrap().into_inner();
    /// assert!(npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap().is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.archive.is_empty()
    }

    /// The archive index of a member: the exact stored name first, then with `.npy` added,
    /// as `np.load` looks keys up.
    fn index_of(&self, name: &str) -> Result<(usize, String)> {
        let stored = self.stored_names();
        let with_ext = format!("{name}.npy");
        stored
            .iter()
            .position(|n| n == name)
            .or_else(|| stored.iter().position(|n| *n == with_ext))
            .map(|i| (i, stored[i].clone()))
            .ok_or_else(|| Error::NoSuchMember {
                name: name.to_string(),
                available: self.names(),
            })
    }

    /// Opens member `index` and runs `f` on it, naming the member in any error.
    fn with_member<T>(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut ZipFile<'_, R>, &ReadOptions) -> Result<T>,
    ) -> Result<T> {
        let (index, stored) = self.index_of(name)?;
        let options = self.options.clone();
        let result = (|| {
            let mut file = self.archive.by_index(index)?;
            f(&mut file, &options)
        })();
        result.map_err(|e| e.in_member(&stored))
    }

    /// Describes one member from the directory and its `.npy` header, inflating only the few
    /// bytes of the header.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add_raw("notes.txt", b"hello").unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert!(npz.member_info("notes.txt").unwrap().npy.is_none());
    /// ```
    pub fn member_info(&mut self, name: &str) -> Result<MemberInfo> {
        self.with_member(name, |file, options| {
            let stored_name = file.name()?.into_owned();
            let mut magic = [0u8; 6];
            let got = read_up_to(file, &mut magic)?;
            let npy = if got == magic.len() && &magic == MAGIC {
                Some(read_header(&mut (&magic[..]).chain(&mut *file), options)?)
            } else {
                None
            };
            Ok(MemberInfo {
                name: listed_name(&stored_name).to_string(),
                stored_name,
                compressed: file.compression() != CompressionMethod::Stored,
                compressed_size: file.compressed_size(),
                size: file.size(),
                data_start: file.data_start().unwrap_or_default(),
                npy,
            })
        })
    }

    /// Describes every member, in archive order.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add_array("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.members().unwrap()[0].name, "a");
    /// ```
    pub fn members(&mut self) -> Result<Vec<MemberInfo>> {
        let names = self.stored_names();
        names.iter().map(|n| self.member_info(n)).collect()
    }

    /// Reads a member as a typed array (see [`NpyReader::read_array`]).
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add_array("a", &ndarray::arr1(&[7i64])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let a: ndarray::Array1<i64> = npz.read_array("a").unwrap();
    /// assert_eq!(a[0], 7);
    /// ```
    pub fn read_array<T: Element, D: Dimension>(&mut self, name: &str) -> Result<Array<T, D>> {
        let (index, stored) = self.index_of(name)?;
        read_member(&mut self.archive, index, &self.options, |npy| {
            npy.read_array()
        })
        .map_err(|e| e.in_member(&stored))
    }

    /// Reads a member without knowing its type (see [`NpyReader::read_dyn`]).
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// # w.add_array("a", &ndarray::arr1(&[7u16])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.read_dyn("a.npy").unwrap().dtype().descr(), "'<u2'");
    /// ```
    pub fn read_dyn(&mut self, name: &str) -> Result<DynArray> {
        let (index, stored) = self.index_of(name)?;
        read_member(&mut self.archive, index, &self.options, |npy| {
            npy.read_dyn()
        })
        .map_err(|e| e.in_member(&stored))
    }

    /// Reads a member's bytes as stored (uncompressed): for members that are not arrays, which
    /// NumPy >= 2.4 also returns as bytes. The CRC is checked.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add_raw("notes.txt", b"hello").unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.read_raw("notes.txt").unwrap(), b"hello");
    /// ```
    pub fn read_raw(&mut self, name: &str) -> Result<Vec<u8>> {
        self.with_member(name, |file, _| {
            // Grows as data arrives; the zip reader stops at the declared size.
            let mut out = Vec::new();
            file.read_to_end(&mut out)?;
            Ok(out)
        })
    }

    /// Opens one member for streaming: the header is parsed, and the returned reader yields the
    /// data as it is inflated. Reading the data to its end checks the CRC.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// # w.add_array("a", &ndarray::arr1(&[1u8, 2, 3])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let member = npz.member_reader("a").unwrap();
    /// assert_eq!(member.header().shape, vec![3]);
    /// let a: ndarray::Array1<u8> = member.read_array().unwrap();
    /// assert_eq!(a.sum(), 6);
    /// ```
    pub fn member_reader(&mut self, name: &str) -> Result<NpyReader<impl Read + '_>> {
        let (index, stored) = self.index_of(name)?;
        let options = self.options.clone();
        let file = self
            .archive
            .by_index(index)
            .map_err(|e| Error::from(e).in_member(&stored))?;
        let bound = length_bound(&file);
        open_npy(file, bound, &options).map_err(|e| e.in_member(&stored))
    }

    /// Opens one member's bytes (uncompressed) as a stream, for members that are not arrays or
    /// to copy a member as it is. Reading to the end checks the CRC.
    ///
    /// ```
    /// use std::io::Read;
    /// # let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// # w.add_raw("notes.txt", b"hello").unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let mut text = String::new();
    /// npz.raw_reader("notes.txt").unwrap().read_to_string(&mut text).unwrap();
    /// assert_eq!(text, "hello");
    /// ```
    pub fn raw_reader(&mut self, name: &str) -> Result<impl Read + '_> {
        let (index, stored) = self.index_of(name)?;
        self.archive
            .by_index(index)
            .map_err(|e| Error::from(e).in_member(&stored))
    }

    /// Gives back the underlying reader.
    ///
    /// ```
    /// # let bytes = npio::NpzWriter::new(std::io::Cursor::new(Vec::new())).finish().unwrap().into_inner();
    /// let npz = npio::NpzReader::new(std::io::Cursor::new(bytes.clone())).unwrap();
    /// assert_eq!(npz.into_inner().into_inner(), bytes);
    /// ```
    pub fn into_inner(self) -> R {
        self.archive.into_inner()
    }
}

impl<R: Read + Seek + Clone + Send> NpzReader<R> {
    /// Reads every array member (those named `*.npy`), in archive order, on all cores: each
    /// thread reads whole members through its own clone of the reader, largest members
    /// first. Cheap to clone: [`ArchiveFile`] (what [`NpzReader::open`] uses) and
    /// `Cursor<&[u8]>`; a `Cursor<Vec<u8>>` would be copied per thread. Members that are not
    /// arrays are left out (read them with [`NpzReader::read_raw`]).
    ///
    /// ```
    /// # use std::io::Cursor;
    /// let mut w = npio::NpzWriter::new_compressed(Cursor::new(Vec::new()));
    /// w.add_array("a", &ndarray::arr1(&[1u8])).unwrap();
    /// w.add_raw("notes.txt", b"hi").unwrap();
    /// w.add_array("b", &ndarray::arr1(&[2.0f64])).unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// let npz = npio::NpzReader::new(Cursor::new(&bytes[..])).unwrap();
    /// let all = npz.read_all().unwrap();
    /// let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn read_all(&self) -> Result<Vec<(String, DynArray)>> {
        let stored = self.stored_names();
        let mut order: Vec<usize> = (0..stored.len())
            .filter(|&i| stored[i].ends_with(".npy"))
            .collect();
        // Sizes from the zip directory already in memory: no reads, no clone of the reader.
        order.sort_by_key(|&i| {
            std::cmp::Reverse(
                self.archive
                    .by_index_data(i)
                    .map_or(0, |f| f.compressed_size()),
            )
        });
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(order.len())
            .max(1);
        let next = std::sync::atomic::AtomicUsize::new(0);
        let slots: Vec<std::sync::Mutex<Option<Result<DynArray>>>> =
            (0..stored.len()).map(|_| Default::default()).collect();
        let options = &self.options;
        let read_one = |archive: &mut ZipArchive<R>, index: usize| -> Result<DynArray> {
            read_member(archive, index, options, |npy| npy.read_dyn())
        };
        std::thread::scope(|scope| {
            for _ in 0..threads {
                let mut archive = self.archive.clone();
                let (next, slots, order, stored) = (&next, &slots, &order, &stored);
                scope.spawn(move || loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(&index) = order.get(k) else { break };
                    let result =
                        read_one(&mut archive, index).map_err(|e| e.in_member(&stored[index]));
                    *slots[index].lock().unwrap_or_else(|p| p.into_inner()) = Some(result);
                });
            }
        });
        let mut out = Vec::with_capacity(order.len());
        for (index, slot) in slots.into_iter().enumerate() {
            if let Some(result) = slot.into_inner().unwrap_or_else(|p| p.into_inner()) {
                out.push((listed_name(&stored[index]).to_string(), result?));
            }
        }
        Ok(out)
    }
}

/// The most data a member can really yield: its declared size, and for compressed members
/// no more than deflate's maximum expansion of its compressed bytes.
fn length_bound<R: Read>(file: &ZipFile<'_, R>) -> u64 {
    length_bound_of(file.compression(), file.size(), file.compressed_size())
}

/// [`length_bound`] from the method, declared size and compressed size.
fn length_bound_of(method: CompressionMethod, declared: u64, compressed: u64) -> u64 {
    match method {
        CompressionMethod::Stored => declared.min(compressed),
        _ => declared.min(
            compressed
                .saturating_mul(DEFLATE_MAX_RATIO)
                .saturating_add(1024),
        ),
    }
}

/// Deflated members up to this size are read whole: compressed bytes in, one libdeflate call
/// (about 1.3x faster than streaming through zlib-rs), CRC checked. Larger members stream.
const WHOLE_INFLATE_MAX: u64 = 512 << 20;

/// Reads member `index` as a `.npy` stream with `read`. Deflated members up to
/// [`WHOLE_INFLATE_MAX`] are inflated in one piece first; the buffer is sized by the declared
/// size only after the compressed bytes have really arrived and only if deflate could expand
/// them that far (and within the reader's data limit), so a false claim allocates nothing.
fn read_member<R: Read + Seek, T>(
    archive: &mut ZipArchive<R>,
    index: usize,
    options: &ReadOptions,
    read: impl FnOnce(NpyReader<&mut dyn Read>) -> Result<T>,
) -> Result<T> {
    let directory_start = archive.central_directory_start();
    let whole = {
        let mut raw = archive.by_index_raw(index)?;
        let declared = raw.size();
        let whole = raw.compression() == CompressionMethod::Deflated
            && declared <= WHOLE_INFLATE_MAX
            && declared <= options.get_max_data_size()
            && length_bound(&raw) == declared;
        if whole {
            let (claimed, crc) = (raw.compressed_size(), raw.crc32());
            // Sized at once when the claimed range ends before the zip directory (which was
            // really read, so the bytes exist); otherwise grown as they arrive.
            let fits = raw
                .data_start()
                .and_then(|start| start.checked_add(claimed))
                .is_some_and(|end| end <= directory_start);
            let mut compressed = if fits {
                Vec::with_capacity(claimed as usize)
            } else {
                Vec::new()
            };
            raw.read_to_end(&mut compressed)?;
            if (compressed.len() as u64) < claimed
                || declared
                    > length_bound_of(
                        CompressionMethod::Deflated,
                        declared,
                        compressed.len() as u64,
                    )
            {
                return Err(Error::Archive(format!(
                    "member data is truncated: {} of {claimed} compressed bytes present",
                    compressed.len()
                )));
            }
            let data = deflate::inflate_whole(&compressed, declared as usize)?;
            if crc32fast::hash(&data) != crc {
                return Err(Error::Archive("member data fails its CRC-32 check".into()));
            }
            Some(data)
        } else {
            None
        }
    };
    match whole {
        Some(data) => {
            let mut source: &[u8] = &data;
            let npy = NpyReader::with_length(
                &mut source as &mut dyn Read,
                options.clone(),
                data.len() as u64,
            )?;
            read(npy)
        }
        None => {
            let mut file = archive.by_index(index)?;
            let bound = length_bound(&file);
            read(open_npy(&mut file as &mut dyn Read, bound, options)?)
        }
    }
}

/// Parses a member's `.npy` header with the member's real length known, so a header claiming
/// more data than the member holds fails before anything is allocated or inflated.
fn open_npy<F: Read>(file: F, bound: u64, options: &ReadOptions) -> Result<NpyReader<F>> {
    NpyReader::with_length(file, options.clone(), bound)
}

/// Writes `.npz` archives.
///
/// Arrays are added under `NAME.npy` (NumPy's naming); members that are not arrays can be
/// added under their own names. Stored members have their data 64-byte aligned.
///
/// Deflated members added whole (`add_array`, `add_dyn`, `add_raw`, up to
/// [`PARALLEL_DEFLATE_MAX`]) are compressed on a background thread, on all cores, while the
/// caller prepares the next member; an error writing such a member (an I/O error of the
/// output, in practice) is reported by the next call or by [`NpzWriter::finish`], and names
/// the member. Members appear in the archive in the order they were added.
///
/// ```
/// # let dir = std::env::temp_dir().join("npio-doc-npz-writer");
/// # std::fs::create_dir_all(&dir).unwrap();
/// let mut w = npio::NpzWriter::create_compressed(dir.join("b.npz")).unwrap();
/// w.add_array("weights", &ndarray::Array2::<f32>::zeros((3, 4))).unwrap();
/// assert!(w.add_array("weights", &ndarray::arr1(&[1u8])).is_err()); // duplicate name
/// w.finish().unwrap();
/// ```
pub struct NpzWriter<W: Write + Seek> {
    zip: ZipWriter<W>,
    compression: Compression,
    names: HashSet<String>,
    unfinished: Option<String>,
    pending: Option<PendingMember>,
}

/// A member being deflated on a background thread: the one-member zip it will be copied from.
struct PendingMember {
    stored: String,
    job: std::thread::JoinHandle<Result<Vec<u8>>>,
}

impl NpzWriter<BufWriter<File>> {
    /// Creates (or truncates) an archive file with stored members, like `np.savez`.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join("npio-doc-npz-create.npz");
    /// npio::NpzWriter::create(&path).unwrap().finish().unwrap();
    /// assert_eq!(std::fs::metadata(&path).unwrap().len(), 22); // an empty zip
    /// ```
    pub fn create<P: AsRef<Path>>(path: P) -> Result<Self> {
        Ok(Self::new(BufWriter::new(File::create(path)?)))
    }

    /// Creates (or truncates) an archive file with deflated members, like
    /// `np.savez_compressed`.
    ///
    /// ```
    /// # let path = std::env::temp_dir().join("npio-doc-npz-create-c.npz");
    /// npio::NpzWriter::create_compressed(&path).unwrap().finish().unwrap();
    /// ```
    pub fn create_compressed<P: AsRef<Path>>(path: P) -> Result<Self> {
        Ok(Self::new_compressed(BufWriter::new(File::create(path)?)))
    }
}

impl<W: Write + Seek> NpzWriter<W> {
    /// An archive with stored members, like `np.savez`.
    ///
    /// ```
    /// let w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # let _ = w;
    /// ```
    pub fn new(writer: W) -> Self {
        Self::with_compression(writer, Compression::Stored)
    }

    /// An archive with deflated members, like `np.savez_compressed`, with the encoder chosen
    /// per member (see [`Compression::Auto`]).
    ///
    /// ```
    /// let w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// # let _ = w;
    /// ```
    pub fn new_compressed(writer: W) -> Self {
        Self::with_compression(writer, Compression::Auto)
    }

    /// An archive whose members are compressed as given.
    ///
    /// ```
    /// let w = npio::NpzWriter::with_compression(std::io::Cursor::new(Vec::new()), npio::Compression::Deflated { level: 1 });
    /// # let _ = w;
    /// ```
    pub fn with_compression(writer: W, compression: Compression) -> Self {
        NpzWriter {
            zip: ZipWriter::new(writer),
            compression,
            names: HashSet::new(),
            unfinished: None,
            pending: None,
        }
    }

    /// Changes the compression of the members added from now on.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.set_compression(npio::Compression::deflated());
    /// ```
    pub fn set_compression(&mut self, compression: Compression) {
        self.compression = compression;
    }

    /// The compression of members added from now on.
    ///
    /// ```
    /// let w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// assert_eq!(w.compression(), npio::Compression::Auto);
    /// ```
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Reserves `stored_name` for a new member.
    fn claim_name(&mut self, stored_name: &str) -> Result<()> {
        if let Some(open) = &self.unfinished {
            return Err(Error::Usage(format!(
                "member {open:?} was started but not finished"
            )));
        }
        if !self.names.insert(stored_name.to_string()) {
            return Err(Error::DuplicateMember {
                name: stored_name.to_string(),
            });
        }
        Ok(())
    }

    /// Opens a member under `stored_name`, sized `len` bytes.
    fn open_member(&mut self, stored_name: String, len: u64) -> Result<()> {
        self.claim_name(&stored_name)?;
        self.flush_pending()?;
        let options = self.compression.file_options(len)?;
        self.zip.start_file(stored_name, options)?;
        Ok(())
    }

    /// Whether a member of `len` bytes is encoded in memory first, to be deflated in parallel.
    fn buffers(&self, len: u64) -> bool {
        self.compression != Compression::Stored && len <= PARALLEL_DEFLATE_MAX
    }

    /// Adds a member whose bytes are all at hand. Deflated members are compressed on all
    /// cores (see [`crate::deflate`]) on a background thread while the caller prepares the
    /// next member, then copied into the archive as they are.
    fn add_whole(&mut self, stored_name: &str, bytes: Cow<'_, [u8]>) -> Result<()> {
        let plan = self.compression.plan()?;
        if matches!(plan, Plan::Store) || bytes.len() as u64 > PARALLEL_DEFLATE_MAX {
            self.open_member(stored_name.to_string(), bytes.len() as u64)?;
            return self
                .zip
                .write_all(&bytes)
                .map_err(|e| Error::from(e).in_member(stored_name));
        }
        self.claim_name(stored_name)?;
        let bytes = bytes.into_owned(); // the background thread owns what it compresses
        let job = std::thread::spawn(move || {
            let encoder = match plan {
                Plan::Level(level) => deflate::Encoder::Zlib(level),
                _ => deflate::choose_encoder(&bytes),
            };
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            let crc = crc32fast::hash(&bytes);
            let raw = deflate::compress(&bytes, encoder, threads)?;
            Ok(one_deflated_member_zip(&raw, crc, bytes.len() as u64))
        });
        // The previous member finishes compressing while this one starts.
        let previous = self.pending.replace(PendingMember {
            stored: stored_name.to_string(),
            job,
        });
        self.write_pending(previous)
    }

    /// Waits for a member compressed in the background and copies it into the archive.
    fn write_pending(&mut self, pending: Option<PendingMember>) -> Result<()> {
        let Some(PendingMember { stored, job }) = pending else {
            return Ok(());
        };
        let result = (|| {
            let single = job
                .join()
                .map_err(|_| Error::Usage("a compression thread panicked".into()))??;
            let mut archive = ZipArchive::new(std::io::Cursor::new(single))?;
            let file = archive.by_index_raw(0)?;
            self.zip.raw_copy_file_rename(file, &stored)?;
            Ok(())
        })();
        result.map_err(|e: Error| e.in_member(&stored))
    }

    /// Writes the member still compressing in the background, if any.
    fn flush_pending(&mut self) -> Result<()> {
        let pending = self.pending.take();
        self.write_pending(pending)
    }

    /// Adds a typed array as member `NAME.npy`, written as `np.save` writes it.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.add_array("a", &ndarray::arr1(&[1u8])).unwrap();
    /// ```
    pub fn add_array<T, S, D>(&mut self, name: &str, array: &ArrayBase<S, D>) -> Result<()>
    where
        T: Element,
        S: Data<Elem = T>,
        D: Dimension,
    {
        self.add_array_with(name, array, &WriteOptions::default())
    }

    /// Adds a typed array with write options (byte order, memory order, version).
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.add_array_with("a", &ndarray::arr1(&[1u32]), &npio::WriteOptions::default().endian(npio::Endian::Big)).unwrap();
    /// ```
    pub fn add_array_with<T, S, D>(
        &mut self,
        name: &str,
        array: &ArrayBase<S, D>,
        options: &WriteOptions,
    ) -> Result<()>
    where
        T: Element,
        S: Data<Elem = T>,
        D: Dimension,
    {
        let stored = format!("{name}.npy");
        let len = array_npy_len(array, options)?;
        if self.buffers(len) {
            let mut bytes = Vec::with_capacity(len as usize);
            write_array(&mut bytes, array, options)?;
            return self.add_whole(&stored, bytes.into());
        }
        self.open_member(stored.clone(), len)?;
        write_array(&mut self.zip, array, options).map_err(|e| e.in_member(&stored))
    }

    /// Adds a dynamic array as member `NAME.npy`.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.add_dyn("s", &npio::DynArray::from_strings(&ndarray::arr1(&["a"]))).unwrap();
    /// ```
    pub fn add_dyn(&mut self, name: &str, array: &DynArray) -> Result<()> {
        self.add_dyn_with(name, array, &WriteOptions::default())
    }

    /// Adds a dynamic array with write options.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let a = npio::DynArray::from_array(ndarray::arr1(&[1i16]));
    /// w.add_dyn_with("a", &a, &npio::WriteOptions::default().endian(npio::Endian::Big)).unwrap();
    /// ```
    pub fn add_dyn_with(
        &mut self,
        name: &str,
        array: &DynArray,
        options: &WriteOptions,
    ) -> Result<()> {
        let stored = format!("{name}.npy");
        let len = dyn_npy_len(array, options)?;
        if self.buffers(len) {
            let mut bytes = Vec::with_capacity(len as usize);
            write_dyn(&mut bytes, array, options)?;
            return self.add_whole(&stored, bytes.into());
        }
        self.open_member(stored.clone(), len)?;
        write_dyn(&mut self.zip, array, options).map_err(|e| e.in_member(&stored))
    }

    /// Adds a member that is not an array (or an already encoded `.npy`), under exactly
    /// `stored_name`. Pass a `Vec<u8>` to hand it over without a copy when it is deflated.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.add_raw("README.txt", b"units: metres").unwrap();
    /// w.add_raw("data.bin", vec![1u8, 2, 3]).unwrap();
    /// ```
    pub fn add_raw<'b>(
        &mut self,
        stored_name: &str,
        bytes: impl Into<Cow<'b, [u8]>>,
    ) -> Result<()> {
        self.add_whole(stored_name, bytes.into())
    }

    /// Starts member `NAME.npy` holding an already encoded `.npy` stream of exactly `npy_len`
    /// bytes, written through the returned writer (for example by [`crate::transcode`]), which
    /// must be finished.
    ///
    /// ```
    /// use std::io::Write;
    /// let npy = npio::to_bytes(&ndarray::arr1(&[1u8, 2])).unwrap();
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut member = w.start_npy("a", npy.len() as u64).unwrap();
    /// member.write_all(&npy).unwrap();
    /// member.finish().unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// assert_eq!(npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap().read_raw("a").unwrap(), npy);
    /// ```
    pub fn start_npy(&mut self, name: &str, npy_len: u64) -> Result<NpzMemberWriter<'_, W>> {
        self.start_member(&format!("{name}.npy"), npy_len)
    }

    /// Starts a member under exactly `stored_name` (no `.npy` added) holding `len` bytes,
    /// written through the returned writer, which must be finished. Use it to copy members
    /// of another archive as they are.
    ///
    /// ```
    /// use std::io::Write;
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut m = w.start_member("notes.txt", 2).unwrap();
    /// m.write_all(b"hi").unwrap();
    /// m.finish().unwrap();
    /// # w.finish().unwrap();
    /// ```
    pub fn start_member(&mut self, stored_name: &str, len: u64) -> Result<NpzMemberWriter<'_, W>> {
        self.open_member(stored_name.to_string(), len)?;
        self.unfinished = Some(stored_name.to_string());
        Ok(NpzMemberWriter {
            npz: self,
            stored: stored_name.to_string(),
            remaining: len,
        })
    }

    /// Starts member `NAME.npy` for an array whose rows arrive incrementally. The header
    /// (dtype and full shape, C order) is written now; blocks of rows follow through the
    /// returned writer, which must be finished.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// let mut member = w.start_array::<f64>("rows", &[4, 2]).unwrap();
    /// member.write_rows(&ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]])).unwrap();
    /// member.write_rows(&ndarray::arr2(&[[5.0, 6.0], [7.0, 8.0]])).unwrap();
    /// member.finish().unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let a: ndarray::Array2<f64> = npz.read_array("rows").unwrap();
    /// assert_eq!(a[[3, 1]], 8.0);
    /// ```
    pub fn start_array<T: Element>(
        &mut self,
        name: &str,
        shape: &[usize],
    ) -> Result<NpzArrayWriter<'_, W, T>> {
        let header = Header::new(T::dtype(Endian::NATIVE), shape.to_vec(), false);
        let prefix = header.to_bytes()?;
        let total = header.element_count()?;
        let stored = format!("{name}.npy");
        self.open_member(
            stored.clone(),
            prefix.len() as u64 + header.data_len()? as u64,
        )?;
        self.zip
            .write_all(&prefix)
            .map_err(|e| Error::from(e).in_member(&stored))?;
        self.unfinished = Some(stored.clone());
        Ok(NpzArrayWriter {
            npz: self,
            stored,
            row_shape: shape.get(1..).unwrap_or_default().to_vec(),
            remaining: total,
            _element: std::marker::PhantomData,
        })
    }

    /// Starts member `NAME.npy` for rows whose final number is not known: they are written to
    /// a temporary `.npy` file (bounded memory) and copied into the archive by
    /// [`NpzRowsWriter::finish`], with the header `np.save` would write for the whole.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// let mut rows = w.start_rows::<u32>("log", &[2]).unwrap();
    /// for k in 0..5u32 {
    ///     rows.write_rows(&ndarray::arr1(&[k, k * k])).unwrap();
    /// }
    /// rows.finish().unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// let a: ndarray::Array2<u32> = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap().read_array("log").unwrap();
    /// assert_eq!(a.shape(), &[5, 2]);
    /// assert_eq!(a[[4, 1]], 16);
    /// ```
    pub fn start_rows<T: Element>(
        &mut self,
        name: &str,
        row_shape: &[usize],
    ) -> Result<NpzRowsWriter<'_, W, T>> {
        if let Some(open) = &self.unfinished {
            return Err(Error::Usage(format!(
                "member {open:?} was started but not finished"
            )));
        }
        let spill = SpillFile::create()?;
        let file = spill.file.try_clone()?;
        let rows = crate::stream::NpyRowWriter::new(std::io::BufWriter::new(file), row_shape)?;
        let stored = format!("{name}.npy");
        if self.names.contains(&stored) {
            return Err(Error::DuplicateMember { name: stored });
        }
        self.unfinished = Some(stored.clone());
        Ok(NpzRowsWriter {
            npz: self,
            name: name.to_string(),
            rows,
            spill,
        })
    }

    /// Finishes the archive (writes the central directory) and gives back the writer.
    ///
    /// ```
    /// let w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// assert_eq!(w.finish().unwrap().into_inner().len(), 22);
    /// ```
    pub fn finish(mut self) -> Result<W> {
        if let Some(open) = &self.unfinished {
            return Err(Error::Usage(format!(
                "member {open:?} was started but not finished"
            )));
        }
        self.flush_pending()?;
        let mut inner = self.zip.finish()?;
        inner.flush()?;
        Ok(inner)
    }
}

/// Writes the bytes of one `.npz` member; see [`NpzWriter::start_npy`].
///
/// Writing more bytes than announced fails; [`NpzMemberWriter::finish`] checks that all of
/// them were written.
///
/// ```
/// use std::io::Write;
/// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
/// let mut m = w.start_npy("a", 4).unwrap();
/// assert!(m.write_all(&[0; 5]).is_err());
/// ```
pub struct NpzMemberWriter<'a, W: Write + Seek> {
    npz: &'a mut NpzWriter<W>,
    stored: String,
    remaining: u64,
}

impl<W: Write + Seek> Write for NpzMemberWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() as u64 > self.remaining {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("more bytes than announced for member {:?}", self.stored),
            ));
        }
        let n = self.npz.zip.write(buf)?;
        self.remaining -= n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.npz.zip.flush()
    }
}

impl<W: Write + Seek> NpzMemberWriter<'_, W> {
    /// Checks that every announced byte was written and closes the member.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// assert!(w.start_npy("a", 4).unwrap().finish().is_err());
    /// ```
    pub fn finish(self) -> Result<()> {
        if self.remaining != 0 {
            return Err(Error::InvalidArray(format!(
                "member {:?} is missing {} bytes",
                self.stored, self.remaining
            )));
        }
        self.npz.unfinished = None;
        Ok(())
    }
}

/// Writes one array member of an `.npz` row block by row block; see
/// [`NpzWriter::start_array`].
///
/// ```
/// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
/// let mut m = w.start_array::<u8>("a", &[3]).unwrap();
/// m.write_rows(&ndarray::arr1(&[1, 2])).unwrap();
/// assert!(m.finish().is_err()); // one row missing
/// ```
pub struct NpzArrayWriter<'a, W: Write + Seek, T: Element> {
    npz: &'a mut NpzWriter<W>,
    stored: String,
    row_shape: Vec<usize>,
    remaining: usize,
    _element: std::marker::PhantomData<T>,
}

impl<W: Write + Seek, T: Element> NpzArrayWriter<'_, W, T> {
    /// Appends a block of rows: an array whose first axis counts rows and whose other axes
    /// match the member's shape.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut m = w.start_array::<i32>("a", &[2, 3]).unwrap();
    /// assert!(m.write_rows(&ndarray::arr2(&[[1, 2]])).is_err()); // wrong row shape
    /// ```
    pub fn write_rows<S: Data<Elem = T>, D: Dimension>(
        &mut self,
        block: &ArrayBase<S, D>,
    ) -> Result<()> {
        let shape = block.shape();
        if shape.is_empty() || shape[1..] != self.row_shape[..] {
            return Err(Error::InvalidArray(format!(
                "a block of shape {shape:?} does not fit rows of shape {:?}",
                self.row_shape
            )));
        }
        if block.len() > self.remaining {
            return Err(Error::InvalidArray(format!(
                "{} more elements than the member's shape holds",
                block.len() - self.remaining
            )));
        }
        let view = block.view().into_dyn();
        let stored = self.stored.clone();
        let result = match view.as_slice() {
            Some(slice) => T::write_slice(&mut self.npz.zip, slice, Endian::NATIVE),
            None => T::write_rows(&mut self.npz.zip, view.rows().into_iter(), Endian::NATIVE),
        };
        result.map_err(|e| Error::from(e).in_member(&stored))?;
        self.remaining -= block.len();
        Ok(())
    }

    /// Checks that every element was written and closes the member.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut m = w.start_array::<u8>("a", &[1]).unwrap();
    /// m.write_rows(&ndarray::arr1(&[9])).unwrap();
    /// m.finish().unwrap();
    /// ```
    pub fn finish(self) -> Result<()> {
        if self.remaining != 0 {
            return Err(Error::InvalidArray(format!(
                "member {:?} is missing {} elements",
                self.stored, self.remaining
            )));
        }
        self.npz.unfinished = None;
        Ok(())
    }
}

/// A temporary file removed when dropped.
struct SpillFile {
    path: std::path::PathBuf,
    file: File,
}

impl SpillFile {
    fn create() -> Result<SpillFile> {
        static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("npio-rows-{}-{n}.npy", std::process::id()));
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)?;
        Ok(SpillFile { path, file })
    }
}

impl Drop for SpillFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Writes rows of unknown final number into one `.npz` member; see
/// [`NpzWriter::start_rows`].
///
/// ```
/// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
/// let rows = w.start_rows::<f32>("empty", &[3]).unwrap();
/// rows.finish().unwrap();
/// # w.finish().unwrap();
/// ```
pub struct NpzRowsWriter<'a, W: Write + Seek, T: Element> {
    npz: &'a mut NpzWriter<W>,
    name: String,
    rows: crate::stream::NpyRowWriter<BufWriter<File>, T>,
    spill: SpillFile,
}

impl<W: Write + Seek, T: Element> NpzRowsWriter<'_, W, T> {
    /// Appends a block of rows (see [`crate::NpyRowWriter::write_rows`]).
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut rows = w.start_rows::<i8>("a", &[]).unwrap();
    /// rows.write_rows(&ndarray::arr1(&[1i8, 2, 3])).unwrap();
    /// assert_eq!(rows.rows(), 3);
    /// ```
    pub fn write_rows<S: Data<Elem = T>, D: Dimension>(
        &mut self,
        block: &ArrayBase<S, D>,
    ) -> Result<()> {
        self.rows.write_rows(block)
    }

    /// Rows written so far.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// assert_eq!(w.start_rows::<i8>("a", &[]).unwrap().rows(), 0);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows.rows()
    }

    /// Completes the array and copies it into the archive as member `NAME.npy`.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut rows = w.start_rows::<u8>("a", &[]).unwrap();
    /// rows.write_rows(&ndarray::arr1(&[7u8])).unwrap();
    /// rows.finish().unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// assert_eq!(npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap().names(), vec!["a"]);
    /// ```
    pub fn finish(self) -> Result<()> {
        let NpzRowsWriter {
            npz,
            name,
            rows,
            mut spill,
        } = self;
        let buffered = rows.finish()?;
        buffered.into_inner().map_err(|e| e.into_error())?;
        let len = spill.file.seek(std::io::SeekFrom::End(0))?;
        spill.file.seek(std::io::SeekFrom::Start(0))?;
        npz.unfinished = None;
        let mut member = npz.start_npy(&name, len)?;
        std::io::copy(&mut spill.file, &mut member)?;
        member.finish()
    }
}

/// A one-member zip archive around an already deflated stream, so that the zip writer can
/// copy the member into the real archive as it is (`raw_copy_file_rename`). Same metadata as
/// members the writer compresses itself: 1980-01-01 00:00, Unix mode 0644. Sizes must fit in
/// 32 bits (members up to [`PARALLEL_DEFLATE_MAX`]).
fn one_deflated_member_zip(raw: &[u8], crc: u32, uncompressed: u64) -> Vec<u8> {
    const NAME: &[u8] = b"m";
    const DOS_DATE_1980_01_01: u16 = (1 << 5) | 1;
    const VERSION_NEEDED: u16 = 20;
    const MADE_BY_UNIX: u16 = (3 << 8) | VERSION_NEEDED;
    let unix_mode_0644: u32 = (0o100644) << 16;
    let (compressed, uncompressed) = (raw.len() as u32, uncompressed as u32);
    let mut out = Vec::with_capacity(raw.len() + 128);
    let put16 = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    // Local file header.
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    put16(&mut out, VERSION_NEEDED);
    put16(&mut out, 0); // flags
    put16(&mut out, 8); // deflate
    put16(&mut out, 0); // time
    put16(&mut out, DOS_DATE_1980_01_01);
    for v in [crc, compressed, uncompressed] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    put16(&mut out, NAME.len() as u16);
    put16(&mut out, 0); // extra length
    out.extend_from_slice(NAME);
    out.extend_from_slice(raw);
    // Central directory.
    let directory_start = out.len() as u32;
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    put16(&mut out, MADE_BY_UNIX);
    put16(&mut out, VERSION_NEEDED);
    put16(&mut out, 0);
    put16(&mut out, 8);
    put16(&mut out, 0);
    put16(&mut out, DOS_DATE_1980_01_01);
    for v in [crc, compressed, uncompressed] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    put16(&mut out, NAME.len() as u16);
    for _ in 0..4 {
        put16(&mut out, 0); // extra, comment, disk, internal attributes
    }
    out.extend_from_slice(&unix_mode_0644.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(NAME);
    let directory_len = out.len() as u32 - directory_start;
    // End of central directory.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, 1);
    put16(&mut out, 1);
    out.extend_from_slice(&directory_len.to_le_bytes());
    out.extend_from_slice(&directory_start.to_le_bytes());
    put16(&mut out, 0);
    out
}
