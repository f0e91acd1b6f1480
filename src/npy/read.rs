//! Reading `.npy` data: [`NpyReader`] over any [`Read`], the [`ReadNpy`] trait for what can
//! be read (typed `ndarray` arrays and [`DynArray`]), and the path and byte functions.
//!
//! Data is read in one pass straight into the final buffer and byte-swapped in place. The
//! allocation is never sized by the header alone: when the source's length is known (files,
//! seekable readers, byte slices) the claim is checked against it first; otherwise the buffer
//! grows as data actually arrives.
//!
//! ```
//! use ndarray::array;
//! let bytes = npio::to_bytes(&array![[1.0f64, 2.0], [3.0, 4.0]]).unwrap();
//! let reader = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap();
//! assert_eq!(reader.header().shape, vec![2, 2]);
//! let a: ndarray::Array2<f64> = reader.read().unwrap();
//! assert_eq!(a[[1, 0]], 3.0);
//! ```

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use ndarray::{Array, Dimension};

use super::array::DynArray;
use super::decode::read_dyn_data;
use crate::codec::{shape_vec, BulkFill, DataReader, Element};
use crate::error::{with_path, Error, Result};
use crate::header::{read_header, Header, HeaderInfo, ReadOptions};

/// What a `.npy` array can be read as: a typed `ndarray` array (`Array<T, D>` for an
/// [`Element`] type `T` and any dimension `D`, `IxDyn` included) or a [`DynArray`] when the
/// type is not known. Every reading entry point is generic over it: [`crate::read_npy`],
/// [`crate::from_bytes`], [`NpyReader::read`] and `NpzReader::read`. Users of `ndarray-npy`
/// know this as `ReadNpyExt`.
///
/// ```
/// use npio::{DynArray, ReadNpy};
/// let bytes = npio::to_bytes(&ndarray::arr1(&[1.5f32, 2.5])).unwrap();
/// let typed = ndarray::Array1::<f32>::read_npy(std::io::Cursor::new(&bytes)).unwrap();
/// let dynamic = DynArray::read_npy(std::io::Cursor::new(&bytes)).unwrap();
/// assert_eq!(dynamic.into_array::<f32, ndarray::Ix1>().unwrap(), typed);
/// ```
pub trait ReadNpy: Sized + sealed::FromNpy {
    /// Reads a `.npy` stream (header and data) from a seekable reader, as
    /// [`NpyReader::new`] then [`NpyReader::read`] do: the claim is checked against the
    /// source's length. Streams that cannot seek: [`NpyReader::stream`]; options:
    /// [`ReadOptions::npy_reader`].
    ///
    /// ```
    /// use npio::ReadNpy;
    /// let bytes = npio::to_bytes(&ndarray::arr2(&[[1i32, 2], [3, 4]])).unwrap();
    /// let a = ndarray::Array2::<i32>::read_npy(std::io::Cursor::new(bytes)).unwrap();
    /// assert_eq!(a.sum(), 10);
    /// ```
    fn read_npy<R: Read + Seek>(reader: R) -> Result<Self> {
        NpyReader::new(reader)?.read()
    }
}

pub(crate) mod sealed {
    use super::*;

    /// The crate-private half of [`ReadNpy`](super::ReadNpy).
    pub trait FromNpy: Sized {
        /// Reads the data of a reader whose header has been parsed.
        fn from_npy<R: Read>(reader: NpyReader<R>) -> Result<Self>;
    }

    impl<T: Element, D: Dimension> FromNpy for Array<T, D> {
        fn from_npy<R: Read>(reader: NpyReader<R>) -> Result<Self> {
            reader.read_typed()
        }
    }

    impl FromNpy for DynArray {
        fn from_npy<R: Read>(reader: NpyReader<R>) -> Result<Self> {
            reader.read_dynamic()
        }
    }
}

impl<T: Element, D: Dimension> ReadNpy for Array<T, D> {}

impl ReadNpy for DynArray {}
/// A `.npy` reader: the header is parsed on construction, the data by [`NpyReader::read`],
/// [`NpyReader::read_rows`], [`NpyReader::row_chunks`] or [`NpyReader::verify`].
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&["a".len() as u32])).unwrap();
/// let r = npio::NpyReader::new(std::io::Cursor::new(bytes)).unwrap();
/// assert_eq!(r.header().dtype.descr_repr(), "'<u4'");
/// ```
pub struct NpyReader<R> {
    reader: R,
    info: HeaderInfo,
    remaining: Option<u64>,
    options: ReadOptions,
    /// Stream position of the first data byte, for random access on seekable sources.
    data_start: Option<u64>,
    /// A faster fill for this kind of source, if there is one.
    bulk_fill: Option<BulkFill<R>>,
}

impl<R> std::fmt::Debug for NpyReader<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpyReader")
            .field("info", &self.info)
            .field("remaining", &self.remaining)
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

impl NpyReader<File> {
    /// Opens a `.npy` file: the header is parsed from a small buffered read, and the data is
    /// later read straight from the file (in parallel when it is large and the `parallel`
    /// feature is on), after checking the header's claim against the file's real length.
    /// Errors name the file. With options: [`ReadOptions::open_npy`].
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("open.npy");
    /// npio::write_npy(&path, &ndarray::arr1(&[1u8, 2, 3])).unwrap();
    /// let reader = npio::NpyReader::open(&path).unwrap();
    /// assert_eq!(reader.header().shape, vec![3]);
    /// ```
    pub fn open<P: AsRef<Path>>(path: P) -> Result<Self> {
        ReadOptions::new().open_npy(path)
    }
}

impl<R: Read + Seek> NpyReader<R> {
    /// Parses the header of a seekable source (a file, a `Cursor` over bytes, a `BufReader`
    /// of either) from its current position. The source's length is learned by seeking, so
    /// the header's claim is checked against it before anything is allocated, and
    /// [`NpyReader::read_rows`] can seek to rows. With options: [`ReadOptions::npy_reader`];
    /// for pipes and other streams: [`NpyReader::stream`].
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1i8])).unwrap();
    /// let cut = &bytes[..bytes.len() - 1];
    /// let err = npio::NpyReader::new(std::io::Cursor::new(cut)).unwrap().check_data_len().unwrap_err();
    /// assert!(matches!(err, npio::Error::TruncatedData { expected: 1, found: 0, .. }));
    /// ```
    pub fn new(reader: R) -> Result<Self> {
        ReadOptions::new().npy_reader(reader)
    }
}

impl<R: Read> NpyReader<R> {
    /// Parses the header of a stream that cannot seek (a pipe, a socket, a decompressor):
    /// the data buffer then grows as data arrives, so a false claim allocates no more than
    /// the stream delivers. With options: [`ReadOptions::npy_stream`].
    ///
    /// To read several arrays saved one after another into one stream, pass `&mut stream`
    /// and allow trailing data:
    ///
    /// ```
    /// let mut stream = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
    /// stream.extend(npio::to_bytes(&ndarray::arr1(&[2u8, 3])).unwrap());
    /// let mut src = &stream[..];
    /// let opts = npio::ReadOptions::new().allow_trailing_data(true);
    /// let a: ndarray::Array1<u8> = opts.npy_stream(&mut src).unwrap().read().unwrap();
    /// let b: ndarray::Array1<u8> = opts.npy_stream(&mut src).unwrap().read().unwrap();
    /// assert_eq!((a.len(), b.len()), (1, 2));
    /// ```
    pub fn stream(reader: R) -> Result<Self> {
        ReadOptions::new().npy_stream(reader)
    }

    /// Parses the header; nothing about the source's length is known yet.
    fn parse(mut reader: R, options: &ReadOptions) -> Result<Self> {
        let info = read_header(&mut reader, options)?;
        Ok(NpyReader {
            reader,
            info,
            remaining: None,
            options: *options,
            data_start: None,
            bulk_fill: None,
        })
    }

    /// The array description.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1i8])).unwrap();
    /// assert_eq!(npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().header().shape, vec![1]);
    /// ```
    pub fn header(&self) -> &Header {
        &self.info.header
    }

    /// The header with format version and data offset.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1i8])).unwrap();
    /// assert_eq!(npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().info().data_offset, 128);
    /// ```
    pub fn info(&self) -> &HeaderInfo {
        &self.info
    }

    /// The reader, header, known remaining length and options, for the streaming paths.
    pub(crate) fn into_parts(self) -> (R, HeaderInfo, Option<u64>, ReadOptions) {
        (self.reader, self.info, self.remaining, self.options)
    }

    /// Gives back the underlying reader, positioned at the first data byte (unless data has
    /// been read).
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[7u8])).unwrap();
    /// let rest = npio::NpyReader::stream(&bytes[..]).unwrap().into_inner();
    /// assert_eq!(rest, &[7u8][..]);
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }

    fn data_reader(&mut self) -> DataReader<'_, R> {
        DataReader::new(&mut self.reader, self.info.data_offset, self.remaining)
            .with_bulk_fill(self.bulk_fill)
    }

    /// Reads the data as `A`: a typed array (`Array<T, D>`; use `IxDyn` when the number of
    /// dimensions is not known) or a [`DynArray`]. Either byte order is converted to native;
    /// Fortran-order files give F-layout arrays without a transposing copy. Numeric types
    /// become typed arrays inside a [`DynArray`]; strings, void, records and long doubles
    /// keep their exact bytes.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1.5f32])).unwrap();
    /// let err = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().read::<ndarray::Array1<f64>>().unwrap_err();
    /// assert_eq!(err.to_string(), "dtype mismatch: the file holds '<f4', but f64 was requested");
    /// let any: npio::DynArray = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().read().unwrap();
    /// assert!(matches!(any.data(), npio::npy::ArrayData::Float32(_)));
    /// ```
    pub fn read<A: ReadNpy>(self) -> Result<A> {
        A::from_npy(self)
    }

    /// Reads the data as an array of `T` with dimension `D`.
    fn read_typed<T: Element, D: Dimension>(mut self) -> Result<Array<T, D>> {
        let header = self.info.header.clone();
        let plan = T::read_plan(&header.dtype)?;
        check_ndim::<D>(&header)?;
        let count = header.element_count()?;
        let allow_trailing = self.options.get_allow_trailing_data();
        let mut data = self.data_reader();
        let values = T::read_vec(&mut data, count, &plan)?;
        data.check_end(allow_trailing)?;
        let array = shape_vec(&header, values)?;
        array
            .into_dimensionality::<D>()
            .map_err(|_| ndim_error::<D>(&header))
    }

    /// Reads any array without knowing its type.
    fn read_dynamic(mut self) -> Result<DynArray> {
        let header = self.info.header.clone();
        header.dtype.check_no_object()?;
        let count = header.element_count()?;
        let allow_trailing = self.options.get_allow_trailing_data();
        let mut data = self.data_reader();
        let values = read_dyn_data(&mut data, &header, count)?;
        data.check_end(allow_trailing)?;
        DynArray::new(header.dtype, values)
    }

    /// Checks that the source can hold the data the header claims, when its length is known
    /// (files, archive members, byte slices); sources of unknown length pass. Call it before
    /// allocating a buffer of the header's size for [`NpyReader::read_raw_into`]: a hostile
    /// header can claim any size.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("short.npy");
    /// let mut bytes = npio::to_bytes(&ndarray::arr1(&[1u32, 2, 3])).unwrap();
    /// bytes.truncate(bytes.len() - 1);
    /// std::fs::write(&path, bytes).unwrap();
    /// let err = npio::NpyReader::open(&path).unwrap().check_data_len().unwrap_err();
    /// assert!(matches!(err, npio::Error::TruncatedData { expected: 12, found: 11, .. }));
    /// ```
    pub fn check_data_len(&mut self) -> Result<()> {
        let total = self.info.header.data_len()? as u64;
        self.data_reader().check_claim(total)
    }

    /// Reads the data bytes exactly as stored (the file's byte order and memory order) into
    /// `out`, which must be [`Header::data_len`] bytes long: for buffers owned by another
    /// runtime, such as a NumPy array's memory. Files are read as [`NpyReader::read`] reads
    /// them (in parallel when large); nothing may follow the data unless the options allow it.
    /// Bool bytes other than 0 and 1 are carried as they are, as NumPy loads them (typed
    /// `bool` reads and [`NpyReader::verify`] refuse them).
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u16, 2])).unwrap();
    /// let mut reader = npio::NpyReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// reader.check_data_len().unwrap();
    /// let mut out = vec![0u8; reader.header().data_len().unwrap()];
    /// reader.read_raw_into(&mut out).unwrap();
    /// assert_eq!(out, [1, 0, 2, 0]);
    /// ```
    pub fn read_raw_into(mut self, out: &mut [u8]) -> Result<()> {
        let header = self.info.header.clone();
        header.dtype.check_no_object()?;
        let total = header.data_len()?;
        if out.len() != total {
            return Err(Error::DataLength {
                found: out.len() as u64,
                expected: total as u64,
            });
        }
        let allow_trailing = self.options.get_allow_trailing_data();
        let unit = header.dtype.itemsize().max(1);
        let mut data = self.data_reader();
        data.check_claim(total as u64)?;
        data.fill_exact(out, unit, None)?;
        data.check_end(allow_trailing)
    }
}

impl<R: Read> NpyReader<R> {
    /// Fills whole-array reads with `fill` (a source with a faster way than piece by piece:
    /// positional reads of a file, parallel ranges of a remote object).
    #[cfg(feature = "remote")]
    pub(crate) fn with_bulk_fill(mut self, fill: BulkFill<R>) -> Self {
        self.bulk_fill = Some(fill);
        self
    }

    /// Tells the reader its source's total length in bytes (header included), for sources
    /// that cannot say it themselves: the header's claim is then checked against it.
    pub(crate) fn with_len(mut self, total_len: u64) -> Self {
        self.remaining = Some(total_len.saturating_sub(self.info.data_offset));
        self
    }
}

impl<R: Read + Seek> NpyReader<R> {
    /// Reads rows `rows.start..rows.end` (along axis 0) of a C-order array as `A` (a typed
    /// array or a [`DynArray`], as [`NpyReader::read`]) by seeking to them: random access
    /// without reading the rest. Can be called repeatedly.
    ///
    /// ```
    /// let a = ndarray::Array2::from_shape_fn((1000, 3), |(i, j)| (i * 3 + j) as u32);
    /// let bytes = npio::to_bytes(&a).unwrap();
    /// let mut r = npio::NpyReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let rows: ndarray::Array2<u32> = r.read_rows(500..502).unwrap();
    /// assert_eq!(rows, a.slice(ndarray::s![500..502, ..]));
    /// let any: npio::DynArray = r.read_rows(0..1).unwrap();
    /// assert_eq!(any.shape(), &[1, 3]);
    /// assert!(r.read_rows::<npio::DynArray>(999..1001).is_err());
    /// ```
    pub fn read_rows<A: ReadNpy>(&mut self, rows: std::ops::Range<usize>) -> Result<A> {
        let header = &self.info.header;
        let (total_rows, row_shape) = header.rows()?;
        if rows.start > rows.end || rows.end > total_rows {
            return Err(Error::RowRange {
                start: rows.start,
                end: rows.end,
                rows: total_rows,
            });
        }
        // Bounded by the header's data length, which was checked for overflow.
        let row_bytes = (row_shape.iter().product::<usize>() * header.dtype.itemsize()) as u64;
        let start = match self.data_start {
            Some(pos) => pos,
            None => {
                let pos = self.reader.stream_position()?;
                self.data_start = Some(pos);
                pos
            }
        };
        let skip = rows.start as u64 * row_bytes;
        let len = rows.len() as u64 * row_bytes;
        self.reader.seek(SeekFrom::Start(start + skip))?;
        let mut info = self.info.clone();
        info.header.shape[0] = rows.len();
        info.data_offset += skip;
        let part = NpyReader {
            reader: (&mut self.reader).take(len),
            info,
            remaining: self.remaining.map(|r| r.saturating_sub(skip).min(len)),
            // The rows after these are not trailing data.
            options: self.options.allow_trailing_data(true),
            data_start: None,
            bulk_fill: None,
        };
        A::from_npy(part)
    }
}

fn check_ndim<D: Dimension>(header: &Header) -> Result<()> {
    match D::NDIM {
        Some(n) if n != header.shape.len() => Err(ndim_error::<D>(header)),
        _ => Ok(()),
    }
}

fn ndim_error<D: Dimension>(header: &Header) -> Error {
    Error::DimensionMismatch {
        expected: D::NDIM.unwrap_or(0),
        found: header.shape.len(),
        shape: header.shape.iter().map(|&d| d as u64).collect(),
    }
}

/// Opens a `.npy` file for a whole-array read: the header is parsed from a small buffered
/// read, then the data is read straight from the file, in parallel when it is large.
fn open(path: &Path, options: &ReadOptions) -> Result<NpyReader<File>> {
    let mut file = File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        // A pipe or device: read it as a stream of unknown length.
        return NpyReader::parse(file, options);
    }
    let mut head = BufReader::with_capacity(8192, &mut file);
    let info = read_header(&mut head, options)?;
    let unread_buffered = head.buffer().len() as u64;
    drop(head);
    let data_start = file.stream_position()? - unread_buffered;
    file.seek(SeekFrom::Start(data_start))?;
    let end = metadata.len();
    Ok(NpyReader {
        reader: file,
        info,
        remaining: Some(end.saturating_sub(data_start)),
        options: *options,
        data_start: Some(data_start),
        bulk_fill: Some(crate::codec::fill::fill_file),
    })
}

/// Reads a `.npy` file as `A`: a typed `ndarray` array when the type is known, a [`DynArray`]
/// when it is not. With options: [`ReadOptions::read_npy`].
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("a.npy");
/// npio::write_npy(&path, &ndarray::arr2(&[[1i32, 2], [3, 4]])).unwrap();
/// let a: ndarray::Array2<i32> = npio::read_npy(&path).unwrap();
/// assert_eq!(a.sum(), 10);
/// let d: npio::DynArray = npio::read_npy(&path).unwrap();
/// assert_eq!(d.dtype().typestr(), "<i4");
/// ```
pub fn read_npy<A: ReadNpy, P: AsRef<Path>>(path: P) -> Result<A> {
    ReadOptions::new().read_npy(path)
}

/// Reads the bytes of a `.npy` file as `A` (typed array or [`DynArray`]). With options:
/// [`ReadOptions::from_bytes`].
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[true, false])).unwrap();
/// let a: ndarray::Array1<bool> = npio::from_bytes(&bytes).unwrap();
/// assert_eq!(a.to_vec(), vec![true, false]);
/// let d: npio::DynArray = npio::from_bytes(&bytes).unwrap();
/// assert_eq!(d.shape(), &[2]);
/// ```
pub fn from_bytes<A: ReadNpy>(bytes: &[u8]) -> Result<A> {
    ReadOptions::new().from_bytes(bytes)
}

/// The `.npy` reading operations with options.
impl ReadOptions {
    /// [`read_npy`] with these options.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("read-npy-with.npy");
    /// npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
    /// let opts = npio::ReadOptions::new().max_header_size(1 << 20);
    /// let a: ndarray::Array1<u8> = opts.read_npy(&path).unwrap();
    /// # assert_eq!(a.len(), 1);
    /// ```
    pub fn read_npy<A: ReadNpy, P: AsRef<Path>>(&self, path: P) -> Result<A> {
        let path = path.as_ref();
        with_path(path, || open(path, self)?.read())
    }

    /// [`from_bytes`] with these options.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::Array1::<f64>::zeros(100)).unwrap();
    /// let opts = npio::ReadOptions::new().max_data_size(100);
    /// assert!(opts.from_bytes::<npio::DynArray>(&bytes).is_err());
    /// ```
    pub fn from_bytes<A: ReadNpy>(&self, bytes: &[u8]) -> Result<A> {
        self.npy_stream(bytes)?.with_len(bytes.len() as u64).read()
    }

    /// [`NpyReader::open`] with these options.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("open-with.npy");
    /// npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
    /// let opts = npio::ReadOptions::new().max_header_size(64);
    /// assert!(opts.open_npy(&path).is_err()); // the header is 118 bytes
    /// ```
    pub fn open_npy<P: AsRef<Path>>(&self, path: P) -> Result<NpyReader<File>> {
        let path = path.as_ref();
        with_path(path, || open(path, self))
    }

    /// [`NpyReader::new`] with these options.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
    /// let opts = npio::ReadOptions::new().max_header_size(64);
    /// assert!(opts.npy_reader(std::io::Cursor::new(bytes)).is_err());
    /// ```
    pub fn npy_reader<R: Read + Seek>(&self, mut reader: R) -> Result<NpyReader<R>> {
        let start = reader.stream_position()?;
        let end = reader.seek(SeekFrom::End(0))?;
        reader.seek(SeekFrom::Start(start))?;
        let mut npy = NpyReader::parse(reader, self)?;
        let data_start = start + npy.info.data_offset;
        npy.data_start = Some(data_start);
        npy.remaining = Some(end.saturating_sub(data_start));
        Ok(npy)
    }

    /// [`NpyReader::stream`] with these options.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
    /// let opts = npio::ReadOptions::new().max_header_size(64);
    /// assert!(opts.npy_stream(&bytes[..]).is_err());
    /// ```
    pub fn npy_stream<R: Read>(&self, reader: R) -> Result<NpyReader<R>> {
        NpyReader::parse(reader, self)
    }
}
