//! Reading `.npy` data: [`NpyReader`] over any [`Read`], and path/byte helpers.
//!
//! Data is read in one pass straight into the final buffer and byte-swapped in place. The
//! allocation is never sized by the header alone: when the source's length is known (files,
//! seekable readers, byte slices) the claim is checked against it first; otherwise the buffer
//! grows as data actually arrives.
//!
//! ```
//! use ndarray::array;
//! let bytes = npio::to_bytes(&array![[1.0f64, 2.0], [3.0, 4.0]]).unwrap();
//! let reader = npio::NpyReader::new(&bytes[..]).unwrap();
//! assert_eq!(reader.header().shape, vec![2, 2]);
//! let a: ndarray::Array2<f64> = reader.read_array().unwrap();
//! assert_eq!(a[[1, 0]], 3.0);
//! ```

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use bytemuck::Pod;
use ndarray::{Array, ArrayD, Dimension, IxDyn, ShapeBuilder};

use crate::array::{ArrayData, DynArray, RawArray};
use crate::bulk::{fill_sequential, PostProcess};
use crate::dtype::{DType, ScalarKind};
use crate::element::Element;
use crate::error::{with_path, Error, Result};
use crate::header::{read_header, read_up_to, Header, HeaderInfo, ReadOptions};

/// Largest single read ahead of the data while filling a buffer from a source of unknown
/// length.
pub(crate) const FILL_STEP: usize = 16 << 20;

/// Initial buffer size when the source's length is unknown; the buffer doubles from there.
const GROWTH_START_BYTES: usize = 1 << 20;

/// The data part of a `.npy` stream: knows its file offset and, when available, how many
/// bytes the source really holds.
#[doc(hidden)]
pub struct DataReader<'r, R> {
    reader: &'r mut R,
    data_offset: u64,
    consumed: u64,
    remaining: Option<u64>,
    bulk_fill: Option<BulkFill<R>>,
}

/// A faster way to fill a large buffer from a particular kind of source (files: parallel
/// positional reads, see [`crate::bulk::fill_file`]); same contract as
/// [`crate::bulk::fill_sequential`].
pub(crate) type BulkFill<R> = fn(&mut R, &mut [u8], usize, PostProcess<'_>) -> Result<usize>;

impl<'r, R: Read> DataReader<'r, R> {
    /// A data reader positioned at the first data byte.
    pub(crate) fn new(reader: &'r mut R, data_offset: u64, remaining: Option<u64>) -> Self {
        DataReader {
            reader,
            data_offset,
            consumed: 0,
            remaining,
            bulk_fill: None,
        }
    }

    /// Fills `buf` (whole `unit`-byte items) from the source, applying `post` to each piece.
    fn fill(&mut self, buf: &mut [u8], unit: usize, post: PostProcess<'_>) -> Result<usize> {
        match self.bulk_fill {
            Some(fill) => fill(self.reader, buf, unit, post),
            None => fill_sequential(self.reader, buf, unit, post),
        }
    }

    /// Counts `consumed` bytes as already read (by a caller that read them directly).
    pub(crate) fn with_consumed(mut self, consumed: u64) -> Self {
        self.consumed = consumed;
        self
    }

    /// Fails before reading anything when the source is known to be shorter than `total`.
    pub(crate) fn check_claim(&self, total: u64) -> Result<()> {
        match self.remaining {
            Some(remaining) if total > remaining => Err(Error::TruncatedData {
                offset: self.data_offset,
                expected: total,
                found: remaining,
            }),
            _ => Ok(()),
        }
    }

    /// Reads the next `n` bytes into `buf` (cleared first); `total` (the whole data size) is
    /// only used in the error. With the source's length unknown, `buf` grows by at most
    /// [`FILL_STEP`] ahead of the data that really arrived, so a size claimed by the header
    /// (say, one enormous item) cannot make us allocate it.
    pub(crate) fn read_chunk(&mut self, buf: &mut Vec<u8>, n: usize, total: u64) -> Result<()> {
        let short = |consumed| Error::TruncatedData {
            offset: self.data_offset,
            expected: total,
            found: consumed,
        };
        if self.remaining.is_some() {
            // The length is real: reuse the buffer as it is (no zero-fill when its size holds).
            buf.resize(n, 0);
            let got = read_up_to(self.reader, buf)?;
            self.consumed += got as u64;
            return if got < n {
                Err(short(self.consumed))
            } else {
                Ok(())
            };
        }
        buf.clear();
        while buf.len() < n {
            let old = buf.len();
            let step = (n - old).min(FILL_STEP);
            buf.resize(old + step, 0);
            let got = read_up_to(self.reader, &mut buf[old..])?;
            self.consumed += got as u64;
            if got < step {
                return Err(short(self.consumed));
            }
        }
        Ok(())
    }

    /// Bytes of data read so far.
    pub(crate) fn consumed(&self) -> u64 {
        self.consumed
    }

    /// File offset of the first data byte.
    pub(crate) fn data_offset(&self) -> u64 {
        self.data_offset
    }

    /// Reads `count` values of `T` in file byte order.
    pub(crate) fn read_pod_vec<T: Pod>(&mut self, count: usize) -> Result<Vec<T>> {
        self.read_pod_vec_with(count, None)
    }

    /// Reads `count` values of `T`, applying `post` to each piece (whole values) as it
    /// arrives, while it is still in cache: byte swaps cost almost nothing this way.
    pub(crate) fn read_pod_vec_with<T: Pod>(
        &mut self,
        count: usize,
        post: PostProcess<'_>,
    ) -> Result<Vec<T>> {
        let size = std::mem::size_of::<T>();
        let nbytes = count
            .checked_mul(size)
            .ok_or(Error::InvalidArray("data size overflows".into()))?;
        let offset = self.data_offset + self.consumed;
        let truncated = |found: usize| Error::TruncatedData {
            offset,
            expected: nbytes as u64,
            found: found as u64,
        };
        if let Some(remaining) = self.remaining {
            if (nbytes as u64) > remaining {
                return Err(Error::TruncatedData {
                    offset,
                    expected: nbytes as u64,
                    found: remaining,
                });
            }
            // The length is real: allocate once (fresh zero pages, huge where possible).
            let mut v = crate::bulk::zeroed_vec::<T>(count);
            let filled = self.fill(bytemuck::cast_slice_mut(&mut v), size, post)?;
            self.consumed += filled as u64;
            if filled < nbytes {
                return Err(truncated(filled));
            }
            return Ok(v);
        }
        // Unknown length: grow as data arrives, so a false claim costs at most twice what the
        // source really delivered.
        let mut v: Vec<T> = Vec::new();
        let mut filled_bytes = 0usize;
        let start = (GROWTH_START_BYTES / size.max(1)).max(1);
        while v.len() < count {
            let target = count.min(v.len().saturating_mul(2).max(start));
            v.resize(target, T::zeroed());
            let bytes: &mut [u8] = bytemuck::cast_slice_mut(&mut v);
            let got = fill_sequential(self.reader, &mut bytes[filled_bytes..], size, post)?;
            filled_bytes += got;
            self.consumed += got as u64;
            if filled_bytes < bytes.len() {
                return Err(truncated(filled_bytes));
            }
        }
        Ok(v)
    }

    /// Fails if there is data after the array, unless `allow`.
    pub(crate) fn check_end(&mut self, allow: bool) -> Result<()> {
        if allow {
            return Ok(());
        }
        // Even when the length is known, read to the end: a source may be longer than it said,
        // and some sources check integrity at their end (a zip member's CRC).
        let extra = self.remaining.is_some_and(|r| r > self.consumed) || {
            let mut one = [0u8; 1];
            read_up_to(self.reader, &mut one)? == 1
        };
        if extra {
            return Err(Error::TrailingData {
                offset: self.data_offset + self.consumed,
            });
        }
        Ok(())
    }
}

/// A `.npy` reader: the header is parsed on construction, the data on `read_*`.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&["a".len() as u32])).unwrap();
/// let r = npio::NpyReader::new(std::io::Cursor::new(bytes)).unwrap();
/// assert_eq!(r.header().dtype.descr(), "'<u4'");
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

impl<R: Read> NpyReader<R> {
    /// Parses the header with default options. Works on non-seekable streams; the data buffer
    /// then grows as data arrives.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1i8])).unwrap();
    /// assert!(npio::NpyReader::new(&bytes[..]).is_ok());
    /// ```
    pub fn new(reader: R) -> Result<Self> {
        Self::with_options(reader, ReadOptions::default())
    }

    /// Parses the header with the given options.
    ///
    /// To read several arrays saved one after another into one stream, pass `&mut stream`
    /// and allow trailing data:
    ///
    /// ```
    /// let mut stream = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
    /// stream.extend(npio::to_bytes(&ndarray::arr1(&[2u8, 3])).unwrap());
    /// let mut src = &stream[..];
    /// let opts = npio::ReadOptions::default().allow_trailing_data(true);
    /// let a: ndarray::Array1<u8> = npio::NpyReader::with_options(&mut src, opts.clone()).unwrap().read_array().unwrap();
    /// let b: ndarray::Array1<u8> = npio::NpyReader::with_options(&mut src, opts).unwrap().read_array().unwrap();
    /// assert_eq!((a.len(), b.len()), (1, 2));
    /// ```
    pub fn with_options(mut reader: R, options: ReadOptions) -> Result<Self> {
        let info = read_header(&mut reader, &options)?;
        Ok(NpyReader {
            reader,
            info,
            remaining: None,
            options,
            data_start: None,
            bulk_fill: None,
        })
    }

    /// The array description.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1i8])).unwrap();
    /// assert_eq!(npio::NpyReader::new(&bytes[..]).unwrap().header().shape, vec![1]);
    /// ```
    pub fn header(&self) -> &Header {
        &self.info.header
    }

    /// The header with format version and data offset.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1i8])).unwrap();
    /// assert_eq!(npio::NpyReader::new(&bytes[..]).unwrap().info().data_offset, 128);
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
    /// let mut rest = npio::NpyReader::new(&bytes[..]).unwrap().into_inner();
    /// assert_eq!(rest, &[7u8][..]);
    /// ```
    pub fn into_inner(self) -> R {
        self.reader
    }

    fn data_reader(&mut self) -> DataReader<'_, R> {
        DataReader {
            reader: &mut self.reader,
            data_offset: self.info.data_offset,
            consumed: 0,
            remaining: self.remaining,
            bulk_fill: self.bulk_fill,
        }
    }

    /// Reads the data as an array of `T` with dimension `D` (use `IxDyn` when the number of
    /// dimensions is not known). Either byte order is converted to native; Fortran-order files
    /// give F-layout arrays without a transposing copy.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1.5f32])).unwrap();
    /// let err = npio::NpyReader::new(&bytes[..]).unwrap().read_array::<f64, ndarray::Ix1>().unwrap_err();
    /// assert_eq!(err.to_string(), "dtype mismatch: the file holds '<f4', but f64 was requested");
    /// ```
    pub fn read_array<T: Element, D: Dimension>(mut self) -> Result<Array<T, D>> {
        let header = self.info.header.clone();
        if !T::accepts(&header.dtype) {
            return Err(Error::DTypeMismatch {
                found: header.dtype.descr(),
                requested: T::NAME.to_string(),
            });
        }
        check_ndim::<D>(&header)?;
        let endian = header.dtype.scalar_endian();
        let count = header.element_count()?;
        let allow_trailing = self.options.get_allow_trailing_data();
        let mut data = self.data_reader();
        let values = T::read_vec(&mut data, count, endian)?;
        data.check_end(allow_trailing)?;
        let array = shape_vec(&header, values)?;
        array
            .into_dimensionality::<D>()
            .map_err(|_| ndim_error::<D>(&header))
    }

    /// Reads any array without knowing its type: numeric types become typed arrays in native
    /// byte order; strings, void, records and long doubles keep their exact bytes.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u16, 2])).unwrap();
    /// let dynamic = npio::NpyReader::new(&bytes[..]).unwrap().read_dyn().unwrap();
    /// assert!(matches!(dynamic.data(), npio::ArrayData::UInt16(_)));
    /// ```
    pub fn read_dyn(mut self) -> Result<DynArray> {
        let header = self.info.header.clone();
        if header.dtype.has_object() {
            return Err(Error::ObjectDType {
                descr: header.dtype.descr(),
            });
        }
        let count = header.element_count()?;
        let allow_trailing = self.options.get_allow_trailing_data();
        let mut data = self.data_reader();
        let values = read_dyn_data(&mut data, &header, count)?;
        data.check_end(allow_trailing)?;
        DynArray::new(header.dtype, values)
    }
}

impl<R: Read> NpyReader<R> {
    /// Parses the header of a source whose total length (header included) is known without
    /// seeking, such as an archive member or a download with a content length. The data
    /// buffer is then allocated once, after checking the header's claim against that length.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u32, 2])).unwrap();
    /// let r = npio::NpyReader::with_length(&bytes[..], Default::default(), 130).unwrap();
    /// assert!(matches!(r.read_dyn(), Err(npio::Error::TruncatedData { found: 2, .. })));
    /// ```
    pub fn with_length(reader: R, options: ReadOptions, total_len: u64) -> Result<Self> {
        let mut this = Self::with_options(reader, options)?;
        this.remaining = Some(total_len.saturating_sub(this.info.data_offset));
        Ok(this)
    }
}

impl<R: Read + Seek> NpyReader<R> {
    /// Parses the header of a seekable source, and measures how much data it really holds so
    /// that the data buffer can be allocated once, after checking the header's claim.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2, 3])).unwrap();
    /// let r = npio::NpyReader::new_seekable(std::io::Cursor::new(&bytes[..bytes.len() - 1]), Default::default()).unwrap();
    /// let err = r.read_dyn().unwrap_err();
    /// assert!(matches!(err, npio::Error::TruncatedData { offset: 128, expected: 3, found: 2 }));
    /// ```
    pub fn new_seekable(mut reader: R, options: ReadOptions) -> Result<Self> {
        let info = read_header(&mut reader, &options)?;
        let pos = reader.stream_position()?;
        let end = reader.seek(SeekFrom::End(0))?;
        reader.seek(SeekFrom::Start(pos))?;
        Ok(NpyReader {
            reader,
            info,
            remaining: Some(end.saturating_sub(pos)),
            options,
            data_start: Some(pos),
            bulk_fill: None,
        })
    }

    /// Reads rows `rows.start..rows.end` (along axis 0) of a C-order array by seeking to
    /// them: random access without reading the rest. Can be called repeatedly.
    ///
    /// ```
    /// let a = ndarray::Array2::from_shape_fn((1000, 3), |(i, j)| (i * 3 + j) as u32);
    /// let bytes = npio::to_bytes(&a).unwrap();
    /// let mut r = npio::NpyReader::new_seekable(std::io::Cursor::new(bytes), Default::default()).unwrap();
    /// let rows = r.read_rows::<u32>(500..502).unwrap();
    /// assert_eq!(rows, a.slice(ndarray::s![500..502, ..]).into_dyn());
    /// assert!(r.read_rows::<u32>(999..1001).is_err());
    /// ```
    pub fn read_rows<T: Element>(&mut self, rows: std::ops::Range<usize>) -> Result<ArrayD<T>> {
        let header = &self.info.header;
        if !T::accepts(&header.dtype) {
            return Err(Error::DTypeMismatch {
                found: header.dtype.descr(),
                requested: T::NAME.to_string(),
            });
        }
        let Some((&total_rows, row_shape)) = header.shape.split_first() else {
            return Err(Error::Usage("a 0-d array has no rows".into()));
        };
        if header.fortran_order {
            return Err(Error::Usage(
                "rows of a Fortran-order array are not contiguous; read it whole".into(),
            ));
        }
        if rows.start > rows.end || rows.end > total_rows {
            return Err(Error::Usage(format!(
                "rows {rows:?} out of range for {total_rows} rows"
            )));
        }
        let row_elems: usize = row_shape.iter().product();
        let row_bytes = row_elems * header.dtype.itemsize();
        let start = match self.data_start {
            Some(pos) => pos,
            None => {
                let pos = self.reader.stream_position()?;
                self.data_start = Some(pos);
                pos
            }
        };
        let skip = (rows.start * row_bytes) as u64;
        self.reader.seek(SeekFrom::Start(start + skip))?;
        let endian = header.dtype.scalar_endian();
        let count = (rows.end - rows.start) * row_elems;
        let mut data = DataReader::new(
            &mut self.reader,
            self.info.data_offset + skip,
            self.remaining.map(|r| r.saturating_sub(skip)),
        );
        let values = T::read_vec(&mut data, count, endian)?;
        let mut shape = vec![rows.end - rows.start];
        shape.extend_from_slice(row_shape);
        ArrayD::from_shape_vec(IxDyn(&shape), values)
            .map_err(|e| Error::InvalidArray(e.to_string()))
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

/// Puts file-order values into an array of the header's shape and memory order.
pub(crate) fn shape_vec<T>(header: &Header, values: Vec<T>) -> Result<ArrayD<T>> {
    let shape = IxDyn(&header.shape);
    let result = if header.fortran_order {
        ArrayD::from_shape_vec(shape.f(), values)
    } else {
        ArrayD::from_shape_vec(shape, values)
    };
    result.map_err(|e| Error::InvalidArray(format!("shape {:?}: {e}", header.shape)))
}

fn read_typed<T: Element, R: Read>(
    data: &mut DataReader<'_, R>,
    header: &Header,
    count: usize,
) -> Result<ArrayD<T>> {
    let endian = header.dtype.scalar_endian();
    shape_vec(header, T::read_vec(data, count, endian)?)
}

fn read_dyn_data<R: Read>(
    data: &mut DataReader<'_, R>,
    header: &Header,
    count: usize,
) -> Result<ArrayData> {
    use half::f16;
    use num_complex::Complex;
    let scalar = match &header.dtype {
        DType::Scalar(s) => Some((s.kind(), s.size())),
        _ => None,
    };
    Ok(match scalar {
        Some((ScalarKind::Bool, _)) => ArrayData::Bool(read_typed(data, header, count)?),
        Some((ScalarKind::Int, 1)) => ArrayData::Int8(read_typed(data, header, count)?),
        Some((ScalarKind::Int, 2)) => ArrayData::Int16(read_typed(data, header, count)?),
        Some((ScalarKind::Int, 4)) => ArrayData::Int32(read_typed(data, header, count)?),
        Some((ScalarKind::Int, 8)) => ArrayData::Int64(read_typed(data, header, count)?),
        Some((ScalarKind::UInt, 1)) => ArrayData::UInt8(read_typed(data, header, count)?),
        Some((ScalarKind::UInt, 2)) => ArrayData::UInt16(read_typed(data, header, count)?),
        Some((ScalarKind::UInt, 4)) => ArrayData::UInt32(read_typed(data, header, count)?),
        Some((ScalarKind::UInt, 8)) => ArrayData::UInt64(read_typed(data, header, count)?),
        Some((ScalarKind::Float, 2)) => {
            ArrayData::Float16(read_typed::<f16, R>(data, header, count)?)
        }
        Some((ScalarKind::Float, 4)) => ArrayData::Float32(read_typed(data, header, count)?),
        Some((ScalarKind::Float, 8)) => ArrayData::Float64(read_typed(data, header, count)?),
        Some((ScalarKind::Complex, 8)) => {
            ArrayData::Complex64(read_typed::<Complex<f32>, R>(data, header, count)?)
        }
        Some((ScalarKind::Complex, 16)) => {
            ArrayData::Complex128(read_typed::<Complex<f64>, R>(data, header, count)?)
        }
        Some((ScalarKind::DateTime { .. }, _)) => {
            ArrayData::DateTime64(read_typed(data, header, count)?)
        }
        Some((ScalarKind::TimeDelta { .. }, _)) => {
            ArrayData::TimeDelta64(read_typed(data, header, count)?)
        }
        _ => {
            let nbytes = header.data_len()?;
            // Record and void bytes are carried as they are: NumPy writes and loads records whose
            // bool fields hold any byte, so only a typed bool result checks them.
            let bytes = data.read_pod_vec::<u8>(nbytes)?;
            ArrayData::Raw(RawArray::new(
                header.shape.clone(),
                header.fortran_order,
                bytes,
                header.dtype.itemsize(),
            )?)
        }
    })
}

/// Opens a file for reading with its real length known.
/// Opens a `.npy` file for a whole-array read: the header is parsed from a small buffered
/// read, then the data is read straight from the file, in parallel when it is large.
fn open(path: &Path, options: ReadOptions) -> Result<NpyReader<File>> {
    let mut file = File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        // A pipe or device: read it as a stream of unknown length.
        return NpyReader::with_options(file, options);
    }
    let mut head = BufReader::with_capacity(8192, &mut file);
    let info = read_header(&mut head, &options)?;
    let unread_buffered = head.buffer().len() as u64;
    drop(head);
    let data_start = file.stream_position()? - unread_buffered;
    file.seek(SeekFrom::Start(data_start))?;
    let end = metadata.len();
    Ok(NpyReader {
        reader: file,
        info,
        remaining: Some(end.saturating_sub(data_start)),
        options,
        data_start: Some(data_start),
        bulk_fill: Some(crate::bulk::fill_file),
    })
}

/// Reads a typed array from a `.npy` file.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let path = dir.join("a.npy");
/// npio::write_npy(&path, &ndarray::arr2(&[[1i32, 2], [3, 4]])).unwrap();
/// let a: ndarray::Array2<i32> = npio::read_npy(&path).unwrap();
/// assert_eq!(a.sum(), 10);
/// ```
pub fn read_npy<T: Element, D: Dimension, P: AsRef<Path>>(path: P) -> Result<Array<T, D>> {
    let path = path.as_ref();
    with_path(path, || open(path, ReadOptions::default())?.read_array())
}

/// Reads a typed array from a `.npy` file with options (e.g. a larger header limit).
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("read-npy-with.npy");
/// npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
/// let opts = npio::ReadOptions::default().max_header_size(1 << 20);
/// let a: ndarray::Array1<u8> = npio::read_npy_with(&path, opts).unwrap();
/// # assert_eq!(a.len(), 1);
/// ```
pub fn read_npy_with<T: Element, D: Dimension, P: AsRef<Path>>(
    path: P,
    options: ReadOptions,
) -> Result<Array<T, D>> {
    let path = path.as_ref();
    with_path(path, || open(path, options)?.read_array())
}

/// Reads any `.npy` file without knowing its type.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("read-npy-dyn.npy");
/// npio::write_npy(&path, &ndarray::arr1(&[1.0f32, 2.0])).unwrap();
/// let a = npio::read_npy_dyn(&path).unwrap();
/// assert_eq!(a.dtype().descr(), "'<f4'");
/// assert_eq!(a.shape(), &[2]);
/// ```
pub fn read_npy_dyn<P: AsRef<Path>>(path: P) -> Result<DynArray> {
    let path = path.as_ref();
    with_path(path, || open(path, ReadOptions::default())?.read_dyn())
}

/// Reads any `.npy` file without knowing its type, with options.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("read-npy-dyn-with.npy");
/// # npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
/// let a = npio::read_npy_dyn_with(&path, npio::ReadOptions::default().max_header_size(100)).unwrap_err();
/// assert!(a.to_string().contains("max_header_size"));
/// ```
pub fn read_npy_dyn_with<P: AsRef<Path>>(path: P, options: ReadOptions) -> Result<DynArray> {
    let path = path.as_ref();
    with_path(path, || open(path, options)?.read_dyn())
}

/// Reads a typed array from the bytes of a `.npy` file.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[true, false])).unwrap();
/// let a: ndarray::Array1<bool> = npio::from_bytes(&bytes).unwrap();
/// assert_eq!(a.to_vec(), vec![true, false]);
/// ```
pub fn from_bytes<T: Element, D: Dimension>(bytes: &[u8]) -> Result<Array<T, D>> {
    NpyReader::new_seekable(std::io::Cursor::new(bytes), ReadOptions::default())?.read_array()
}

/// Reads any array from the bytes of a `.npy` file.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr0(5i64)).unwrap();
/// assert_eq!(npio::from_bytes_dyn(&bytes).unwrap().shape(), &[] as &[usize]);
/// ```
pub fn from_bytes_dyn(bytes: &[u8]) -> Result<DynArray> {
    NpyReader::new_seekable(std::io::Cursor::new(bytes), ReadOptions::default())?.read_dyn()
}

/// Decodes array data held in memory (in the header's memory order) into a [`DynArray`],
/// through the same path as reading a file.
pub(crate) fn decode(header: &Header, bytes: &[u8]) -> Result<DynArray> {
    if header.dtype.has_object() {
        return Err(Error::ObjectDType {
            descr: header.dtype.descr(),
        });
    }
    let mut source = bytes;
    let mut data = DataReader::new(&mut source, 0, Some(bytes.len() as u64));
    let values = read_dyn_data(&mut data, header, header.element_count()?)?;
    data.check_end(false)?;
    DynArray::new(header.dtype.clone(), values)
}
