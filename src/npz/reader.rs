//! [`NpzReader`]: lists, describes and reads the members of an archive.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use zip::read::ZipFile;
use zip::{CompressionMethod, ZipArchive};

use super::archive::open_archive;
use super::deferred::{Deferred, Prefetch};
use super::names::NameIndex;
use super::whole::{
    by_index_streamed, inflate_member, length_bound, read_member_into, WHOLE_INFLATE_MAX,
};
use super::{listed_name, MemberInfo};
use crate::error::{Error, Result};
use crate::format::MAGIC;
use crate::header::{read_header, ReadOptions};
use crate::io::read_up_to;
use crate::npy::{DynArray, NpyReader, ReadNpy};
use crate::source::Source;

/// Reads `.npz` archives.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("a.npz");
/// let mut w = npio::NpzWriter::create(&path).unwrap();
/// w.add("arr_0", &ndarray::arr1(&[1.5f32])).unwrap();
/// w.finish().unwrap();
/// let mut npz = npio::NpzReader::open(&path).unwrap();
/// let a: npio::DynArray = npz.read("arr_0").unwrap();
/// assert_eq!(a.dtype().descr_repr(), "'<f4'");
/// ```
///
/// Opening an archive checks its structure once (see [`NpzReader::new`]); member
/// names are looked up in an index built then. Member names are untrusted input: to extract
/// members into a folder, map each name with [`crate::npz::member_path`]. Cloning a reader
/// over a cheaply cloned source ([`Source`], `Cursor<&[u8]>`) gives an independent
/// reader, for reading members on several threads.
#[derive(Clone)]
pub struct NpzReader<R> {
    archive: ZipArchive<R>,
    /// The file's path when opened by path: named in errors.
    path: Option<std::sync::Arc<Path>>,
    /// Shared by clones: cloning a reader costs no copy of the names.
    names: std::sync::Arc<NameIndex>,
    options: ReadOptions,
    /// Local headers left to check on first read (remote sources); `None`: all checked.
    deferred: Option<std::sync::Arc<Deferred>>,
}
impl<R> std::fmt::Debug for NpzReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzReader")
            .field("members", &self.names.stored().len())
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl NpzReader<Source<File>> {
    /// Opens an archive file. Errors name the path. With options: [`ReadOptions::open_npz`].
    ///
    /// ```
    /// let err = npio::NpzReader::open("no/such/file.npz").err().unwrap();
    /// assert!(err.to_string().starts_with("no/such/file.npz: "));
    /// ```
    pub fn open<P: AsRef<Path>>(path: P) -> Result<Self> {
        ReadOptions::new().open_npz(path)
    }
}

impl<R> NpzReader<R> {
    /// Names `path` (a file's path, an object's URL) in this reader's errors.
    #[cfg(feature = "remote")]
    pub(crate) fn named(&mut self, path: &Path) {
        self.path = Some(std::sync::Arc::from(path));
    }
}

impl<R: Read + Seek> NpzReader<R> {
    /// Reads the archive directory from any seekable source. With options:
    /// [`ReadOptions::npz_reader`].
    ///
    /// The archive's structure is checked before any member is read: data before the
    /// archive, local headers that disagree with the directory, entries that share bytes
    /// (zip bombs made of many entries over one stream), and member names that are equal
    /// after decoding are all refused with [`Error::Archive`].
    ///
    /// ```
    /// let err = npio::NpzReader::new(std::io::Cursor::new(b"not a zip".to_vec())).err().unwrap();
    /// assert!(matches!(err, npio::Error::Archive { .. }));
    /// ```
    pub fn new(reader: R) -> Result<Self> {
        ReadOptions::new().npz_reader(reader)
    }

    /// The member names as NumPy lists them (`.npy` stripped), in archive order.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add("b", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.add_raw("notes.txt", b"hello").unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.names(), vec!["b", "notes.txt"]);
    /// ```
    pub fn names(&self) -> Vec<String> {
        self.names.listed()
    }

    /// The member names exactly as stored, in archive order.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add("b", &ndarray::arr1(&[1u8])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.stored_names(), vec!["b.npy"]);
    /// ```
    pub fn stored_names(&self) -> Vec<String> {
        self.names.stored().to_vec()
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

    /// The archive index and stored name of a member (see [`NameIndex::find`]), its local
    /// header checked if that was deferred.
    fn index_of(&mut self, name: &str) -> Result<(usize, String)> {
        let (index, stored) = self
            .names
            .find(name)
            .map(|(index, stored)| (index, stored.to_string()))
            .map_err(|e| self.located(e))?;
        self.checked(index)
            .map_err(|e| self.located(e.in_member(&stored)))?;
        Ok((index, stored))
    }

    /// Checks member `index`'s local header if that was deferred (see [`Deferred`]).
    fn checked(&mut self, index: usize) -> Result<()> {
        match &self.deferred {
            Some(deferred) => deferred.check(&mut self.archive, index),
            None => Ok(()),
        }
    }

    /// `e`, naming the archive's file when it was opened by path.
    fn located(&self, e: Error) -> Error {
        match &self.path {
            Some(path) => e.at_path(path),
            None => e,
        }
    }

    /// Opens member `index` and runs `f` on it, naming the member in any error.
    fn with_index<T>(
        &mut self,
        index: usize,
        f: impl FnOnce(&mut ZipFile<'_, R>, &ReadOptions) -> Result<T>,
    ) -> Result<T> {
        let options = self.options;
        let result = (|| {
            self.checked(index)?;
            let mut file = by_index_streamed(&mut self.archive, index)?;
            f(&mut file, &options)
        })();
        result.map_err(|e| self.located(e.in_member(&self.names.stored()[index])))
    }

    /// Opens the member called `name` and runs `f` on it, naming the member in any error.
    fn with_member<T>(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut ZipFile<'_, R>, &ReadOptions) -> Result<T>,
    ) -> Result<T> {
        let (index, _) = self.index_of(name)?;
        self.with_index(index, f)
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
        let (index, _) = self.index_of(name)?;
        self.info_at(index)
    }

    /// [`NpzReader::member_info`] of member `index`. A member whose directory size is too
    /// small for the data its header describes fails with [`Error::TruncatedData`], before
    /// any data is read.
    fn info_at(&mut self, index: usize) -> Result<MemberInfo> {
        self.with_index(index, |file, options| {
            let stored_name = file.name()?.into_owned();
            let mut magic = [0u8; 6];
            let got = read_up_to(file, &mut magic)?;
            let npy = if got == magic.len() && &magic == MAGIC {
                let info = read_header(&mut (&magic[..]).chain(&mut *file), options)?;
                info.check_len(length_bound(file))?;
                Some(info)
            } else {
                None
            };
            Ok(MemberInfo {
                name: listed_name(&stored_name).to_string(),
                stored_name,
                compressed: file.compression() != CompressionMethod::Stored,
                method: method_number(file.compression()),
                compressed_size: file.compressed_size(),
                size: file.size(),
                data_start: file.data_start().unwrap_or_default(),
                crc32: file.crc32(),
                npy,
            })
        })
    }

    /// Describes every member, in archive order.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(npz.members().unwrap()[0].name, "a");
    /// ```
    pub fn members(&mut self) -> Result<Vec<MemberInfo>> {
        self.each_member().collect()
    }

    /// Describes every member one at a time, in archive order: the memory held is one
    /// member's, whatever the number of members (for listing archives of millions).
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.add("b", &ndarray::arr1(&[2u8])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let names: Vec<String> = npz.each_member().map(|m| m.unwrap().name).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn each_member(&mut self) -> impl Iterator<Item = Result<MemberInfo>> + '_ {
        // A remote source fetches every header at once rather than one request per member.
        let ahead = match &self.deferred {
            Some(deferred) => deferred.prefetch_headers(&self.archive),
            None => Ok(()),
        };
        let first = ahead.err().map(|e| Err(self.located(e)));
        let rest = (0..self.names.stored().len()).map(move |i| self.info_at(i));
        first.into_iter().chain(rest)
    }

    /// Reads a member as `A`: a typed array or a [`DynArray`] (see [`NpyReader::read`]).
    /// The name may be given with or without `.npy`.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add("a", &ndarray::arr1(&[7i64])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let a: ndarray::Array1<i64> = npz.read("a").unwrap();
    /// assert_eq!(a[0], 7);
    /// let d: npio::DynArray = npz.read("a.npy").unwrap();
    /// assert_eq!(d.dtype().typestr(), "<i8");
    /// ```
    pub fn read<A: ReadNpy>(&mut self, name: &str) -> Result<A> {
        let (index, stored) = self.index_of(name)?;
        open_member(&mut self.archive, index, &self.options, WHOLE_INFLATE_MAX)
            .and_then(|npy| npy.read())
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

    /// Reads array member `name` whole into `out`, header and data in one buffer with no copy
    /// in between: a deflated member is inflated straight into `out`, for buffers owned by
    /// another runtime (a NumPy array's memory, say). `out` must be exactly the member's size
    /// ([`MemberInfo::size`]); its data then starts at the header's
    /// [`data_offset`](crate::npy::HeaderInfo::data_offset). Checked as
    /// [`NpyReader::read_raw_into`] checks: the CRC, no object dtype, bools 0 or 1, nothing
    /// after the data (unless the options allow it).
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// # w.add("a", &ndarray::arr1(&[1u16, 2])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let info = npz.member_info("a").unwrap();
    /// let mut out = vec![0u8; info.size as usize];
    /// npz.read_member_into("a", &mut out).unwrap();
    /// let start = info.npy.unwrap().data_offset as usize;
    /// assert_eq!(out[start..], [1, 0, 2, 0]);
    /// ```
    pub fn read_member_into(&mut self, name: &str, out: &mut [u8]) -> Result<()> {
        let (index, stored) = self.index_of(name)?;
        read_member_into(&mut self.archive, index, &self.options, out)
            .map_err(|e| e.in_member(&stored))
    }

    /// Opens one member for streaming: the header is parsed, and the returned reader yields the
    /// data. Deflated members up to 128 MiB are inflated whole first (one fast libdeflate
    /// call, CRC checked at once); larger ones stream as they are inflated, and reading their
    /// data to its end checks the CRC.
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// # w.add("a", &ndarray::arr1(&[1u8, 2, 3])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let member = npz.member_reader("a").unwrap();
    /// assert_eq!(member.header().shape, vec![3]);
    /// let a: ndarray::Array1<u8> = member.read().unwrap();
    /// assert_eq!(a.sum(), 6);
    /// ```
    pub fn member_reader(&mut self, name: &str) -> Result<NpyReader<impl Read + '_>> {
        let (index, stored) = self.index_of(name)?;
        open_member(&mut self.archive, index, &self.options, MEMBER_BUFFER_MAX)
            .map_err(|e| e.in_member(&stored))
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
        by_index_streamed(&mut self.archive, index).map_err(|e| e.in_member(&stored))
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

impl<R: Read + Seek + Clone + Send + Sync> NpzReader<R> {
    /// Reads every array member (those named `*.npy`), in archive order; with the `parallel`
    /// feature on the current rayon pool (run it inside `ThreadPool::install` to bound it),
    /// each task reading whole members through its own clone of the reader, largest first. Cheap to clone: [`Source`] (what [`NpzReader::open`] uses) and
    /// `Cursor<&[u8]>`; a `Cursor<Vec<u8>>` would be copied per thread. Members that are not
    /// arrays are left out (read them with [`NpzReader::read_raw`]).
    ///
    /// ```
    /// # use std::io::Cursor;
    /// let mut w = npio::NpzWriter::new_compressed(Cursor::new(Vec::new()));
    /// w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// w.add_raw("notes.txt", b"hi").unwrap();
    /// w.add("b", &ndarray::arr1(&[2.0f64])).unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// let npz = npio::NpzReader::new(Cursor::new(&bytes[..])).unwrap();
    /// let all = npz.read_all().unwrap();
    /// let names: Vec<&str> = all.iter().map(|(n, _)| n.as_str()).collect();
    /// assert_eq!(names, ["a", "b"]);
    /// ```
    pub fn read_all(&self) -> Result<Vec<(String, DynArray)>> {
        let stored = self.names.stored();
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
        let options = &self.options;
        let deferred = self.deferred.as_deref();
        // A remote archive is fetched whole at full speed (and let go at the end): every
        // member is read.
        let _whole = deferred
            .map(|d| d.whole())
            .transpose()
            .map_err(|e| self.located(e))?;
        let read_one = |archive: &mut ZipArchive<R>, index: usize| -> (usize, Result<DynArray>) {
            let result = deferred
                .map_or(Ok(()), |d| d.check(archive, index))
                .and_then(|()| open_member(archive, index, options, WHOLE_INFLATE_MAX))
                .and_then(|npy| npy.read())
                .map_err(|e| e.in_member(&stored[index]));
            (index, result)
        };
        // Each task reads whole members through its own clone of the reader, on the caller's
        // rayon pool (or the global one).
        #[cfg(feature = "parallel")]
        let results: Vec<(usize, Result<DynArray>)> = {
            use rayon::prelude::*;
            order
                .par_iter()
                .map_init(
                    || self.archive.clone(),
                    |archive, &index| read_one(archive, index),
                )
                .collect()
        };
        #[cfg(not(feature = "parallel"))]
        let results: Vec<(usize, Result<DynArray>)> = {
            let mut archive = self.archive.clone();
            order
                .iter()
                .map(|&index| read_one(&mut archive, index))
                .collect()
        };
        let mut slots: Vec<Option<Result<DynArray>>> = (0..stored.len()).map(|_| None).collect();
        for (index, result) in results {
            slots[index] = Some(result);
        }
        let mut out = Vec::with_capacity(order.len());
        for (index, slot) in slots.into_iter().enumerate() {
            if let Some(result) = slot {
                let array = result.map_err(|e| self.located(e))?;
                out.push((listed_name(&stored[index]).to_string(), array));
            }
        }
        Ok(out)
    }
}

/// Deflated members a [`NpzReader::member_reader`] inflates whole (one libdeflate call) rather
/// than streaming: the most memory one open member holds.
const MEMBER_BUFFER_MAX: u64 = 128 << 20;

/// The zip method number of `method` (the zip crate keeps it private).
fn method_number(method: CompressionMethod) -> u16 {
    match method {
        CompressionMethod::Stored => 0,
        CompressionMethod::Deflated => 8,
        #[cfg(feature = "zstd")]
        CompressionMethod::Zstd => 93,
        #[allow(deprecated)] // the only way to learn the number of a method zip cannot read
        CompressionMethod::Unsupported(n) => n,
        _ => u16::MAX,
    }
}

/// Opens member `index` as a `.npy` stream, inflating it whole when it is deflated and at most
/// `whole_max` bytes (see [`inflate_member`]).
fn open_member<'a, R: Read + Seek>(
    archive: &'a mut ZipArchive<R>,
    index: usize,
    options: &ReadOptions,
    whole_max: u64,
) -> Result<NpyReader<MemberData<'a, R>>> {
    let data = match inflate_member(archive, index, options, whole_max)? {
        Some(data) => MemberData::Whole(std::io::Cursor::new(data)),
        None => MemberData::Stream(by_index_streamed(archive, index)?),
    };
    let bound = match &data {
        MemberData::Whole(cursor) => cursor.get_ref().len() as u64,
        MemberData::Stream(file) => length_bound(file),
    };
    open_npy(data, bound, options)
}

/// A member's bytes: inflated whole, or streamed from the archive.
enum MemberData<'a, R: Read> {
    Whole(std::io::Cursor<Vec<u8>>),
    Stream(ZipFile<'a, R>),
}

impl<R: Read> Read for MemberData<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            MemberData::Whole(cursor) => cursor.read(buf),
            MemberData::Stream(file) => file.read(buf),
        }
    }
}

/// Parses a member's `.npy` header with the member's real length known, so a header claiming
/// more data than the member holds fails before anything is allocated or inflated.
fn open_npy<F: Read>(file: F, bound: u64, options: &ReadOptions) -> Result<NpyReader<F>> {
    Ok(options.npy_stream(file)?.with_len(bound))
}

/// The `.npz` readers with options.
impl ReadOptions {
    /// [`NpzReader::open`] with these options (applied to every member).
    ///
    /// ```
    /// let opts = npio::ReadOptions::new().max_header_size(1 << 20);
    /// assert!(opts.open_npz("no/such/file.npz").is_err());
    /// ```
    pub fn open_npz<P: AsRef<Path>>(&self, path: P) -> Result<NpzReader<Source<File>>> {
        let path = path.as_ref();
        let mut reader = Source::open(path)
            .map_err(Error::from)
            .and_then(|file| self.npz_reader(file))
            .map_err(|e| e.at_path(path))?;
        reader.path = Some(std::sync::Arc::from(path));
        Ok(reader)
    }

    /// [`NpzReader::new`] with these options (applied to every member).
    ///
    /// ```
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # let bytes = w.finish().unwrap().into_inner();
    /// let opts = npio::ReadOptions::new().max_header_size(100);
    /// let mut npz = opts.npz_reader(std::io::Cursor::new(bytes)).unwrap();
    /// let err = npz.read::<npio::DynArray>("a").unwrap_err();
    /// assert!(err.to_string().contains("header"), "{err}");
    /// ```
    pub fn npz_reader<R: Read + Seek>(&self, reader: R) -> Result<NpzReader<R>> {
        self.npz_reader_with(reader, None)
    }

    /// [`ReadOptions::npz_reader`] for a source where every read is a request: local headers
    /// are checked when each member is first read, and `prefetch` fetches ranges ahead (see
    /// [`Deferred`]). With `None`, every check is done now.
    pub(crate) fn npz_reader_with<R: Read + Seek>(
        &self,
        reader: R,
        deferred: Option<Prefetch>,
    ) -> Result<NpzReader<R>> {
        let (archive, names, deferred) = open_archive(reader, deferred)?;
        Ok(NpzReader {
            archive,
            path: None,
            names: std::sync::Arc::new(names),
            options: *self,
            deferred,
        })
    }
}
