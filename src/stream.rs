//! Streaming over `.npy` data in bounded memory: re-encoding a stream into another byte order
//! ([`transcode`]) and checking every byte of it ([`verify`]), whatever the array's size.
//!
//! ```
//! use npio::{Endian, WriteOptions};
//! let little = npio::to_bytes(&ndarray::arr1(&[1u32, 2])).unwrap();
//! let mut big = Vec::new();
//! let reader = npio::NpyReader::new(&little[..]).unwrap();
//! npio::transcode(reader, &mut big, &WriteOptions::default().endian(Endian::Big)).unwrap();
//! assert_eq!(&big[128..], &[0, 0, 0, 1, 0, 0, 0, 2]);
//! let report = npio::verify(npio::NpyReader::new(&big[..]).unwrap()).unwrap();
//! assert_eq!(report.data_bytes, 8);
//! ```

use std::io::{Read, Seek, SeekFrom, Write};

use ndarray::{ArrayBase, ArrayViewD, Data, Dimension, IxDyn};

use crate::dtype::{Endian, ScalarKind};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::header::{read_header, Header, HeaderInfo, ReadOptions};
use crate::read::{DataReader, NpyReader};
use crate::write::{
    apply_swaps, converted_header, encoded_len, swap_plan, write_dyn, WriteOptions,
};

/// Target size of the reused buffer of the streaming paths.
const CHUNK_BYTES: usize = 4 << 20;

/// What [`verify`] checked.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[true, false])).unwrap();
/// let report = npio::verify(npio::NpyReader::new(&bytes[..]).unwrap()).unwrap();
/// assert_eq!((report.elements, report.data_bytes), (2, 2));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// The header that was read.
    pub header: Header,
    /// Number of elements.
    pub elements: u64,
    /// Bytes of array data read.
    pub data_bytes: u64,
}

/// Reads a stream's data in chunks of whole items, checking its length, that every bool byte
/// (also inside records) is 0 or 1, and what follows the data; `each` sees every chunk with
/// the chunk's offset inside the data.
fn for_each_chunk<R: Read>(
    reader: NpyReader<R>,
    mut each: impl FnMut(&mut [u8], u64) -> Result<()>,
) -> Result<(HeaderInfo, u64)> {
    let (mut inner, info, remaining, options) = reader.into_parts();
    let header = &info.header;
    if header.dtype.has_object() {
        return Err(Error::ObjectDType {
            descr: header.dtype.descr(),
        });
    }
    let itemsize = header.dtype.itemsize();
    let total = header.data_len()?;
    let mut data = DataReader::new(&mut inner, info.data_offset, remaining);
    data.check_claim(total as u64)?;
    // A bool array must hold 0s and 1s (its dynamic read is a Rust `bool` array); bool
    // fields of records are carried as they are, as NumPy does.
    let bools: &[usize] = match header.dtype.as_scalar().map(|s| s.kind()) {
        Some(ScalarKind::Bool) => &[0],
        _ => &[],
    };
    // Whole items per chunk (zero-size items have no data to read).
    let chunk = CHUNK_BYTES
        .checked_div(itemsize)
        .map_or(0, |items| items.max(1) * itemsize);
    // One reused buffer of at most a chunk, filled as data arrives (see `read_chunk`).
    let mut buf = Vec::new();
    let mut done = 0usize;
    while done < total {
        let n = chunk.min(total - done);
        data.read_chunk(&mut buf, n, total as u64)?;
        let part = &mut buf[..];
        if !bools.is_empty() {
            for (k, item) in part.chunks_exact(itemsize).enumerate() {
                for &offset in bools {
                    if item[offset] > 1 {
                        return Err(Error::InvalidBool {
                            offset: info.data_offset + (done + k * itemsize + offset) as u64,
                            value: item[offset],
                        });
                    }
                }
            }
        }
        each(part, done as u64)?;
        done += n;
    }
    data.check_end(options.get_allow_trailing_data())?;
    Ok((info, total as u64))
}

/// Reads every byte of a `.npy` stream in bounded memory (a few MiB whatever the array size),
/// checking that the data is as long as the header says, that bool bytes are 0 or 1, that
/// nothing follows the data, and (for zip members) the CRC.
///
/// ```
/// let mut bytes = npio::to_bytes(&ndarray::arr1(&[true, true])).unwrap();
/// *bytes.last_mut().unwrap() = 7;
/// let err = npio::verify(npio::NpyReader::new(&bytes[..]).unwrap()).unwrap_err();
/// assert!(matches!(err, npio::Error::InvalidBool { offset: 129, value: 7 }));
/// ```
pub fn verify<R: Read>(reader: NpyReader<R>) -> Result<VerifyReport> {
    let (info, data_bytes) = for_each_chunk(reader, |_, _| Ok(()))?;
    Ok(VerifyReport {
        elements: info.header.element_count()? as u64,
        header: info.header,
        data_bytes,
    })
}

/// The header [`transcode`] writes for a stream with header `source`.
///
/// ```
/// use npio::{DType, Header, WriteOptions, Endian};
/// let source = Header::new(DType::parse("<f8").unwrap(), vec![3], false);
/// let target = npio::transcoded_header(&source, &WriteOptions::default().endian(Endian::Big));
/// assert_eq!(target.dtype.descr(), "'>f8'");
/// ```
pub fn transcoded_header(source: &Header, options: &WriteOptions) -> Header {
    converted_header(source, options)
}

/// The exact size of the `.npy` stream [`transcode`] writes for a stream with header `source`.
///
/// ```
/// use npio::{DType, Header, WriteOptions};
/// let source = Header::new(DType::parse("<f8").unwrap(), vec![3], false);
/// assert_eq!(npio::transcoded_len(&source, &WriteOptions::default()).unwrap(), 128 + 24);
/// ```
pub fn transcoded_len(source: &Header, options: &WriteOptions) -> Result<u64> {
    encoded_len(&converted_header(source, options), options)
}

/// Re-encodes a `.npy` stream: the same array, in the byte order, memory order and format
/// version `options` ask for (by default unchanged), written exactly as `np.save` would write
/// it. Returns the bytes written.
///
/// Byte-order and version changes stream in bounded memory. A memory-order change of an array
/// with two or more axes longer than 1 needs the whole array in memory.
///
/// ```
/// use npio::{Order, WriteOptions};
/// let c = npio::to_bytes(&ndarray::arr2(&[[1u8, 2], [3, 4]])).unwrap();
/// let mut f = Vec::new();
/// npio::transcode(npio::NpyReader::new(&c[..]).unwrap(), &mut f, &WriteOptions::default().order(Order::Fortran)).unwrap();
/// assert_eq!(&f[128..], &[1, 3, 2, 4]);
/// ```
pub fn transcode<R: Read, W: Write + ?Sized>(
    reader: NpyReader<R>,
    writer: &mut W,
    options: &WriteOptions,
) -> Result<u64> {
    let source = reader.header().clone();
    let target = converted_header(&source, options);
    let total = encoded_len(&target, options)?;
    if target.fortran_order != source.fortran_order {
        let array = reader.read_dyn()?;
        write_dyn(writer, &array, options)?;
        return Ok(total);
    }
    writer.write_all(&options.header_bytes(&target)?)?;
    let swaps = swap_plan(&source.dtype, &target.dtype);
    let itemsize = source.dtype.itemsize();
    for_each_chunk(reader, |chunk, _| {
        apply_swaps(chunk, itemsize, &swaps);
        writer.write_all(chunk)?;
        Ok(())
    })?;
    Ok(total)
}

/// Reads an array as blocks of rows (along axis 0, C order), each an array view of one reused
/// buffer: arrays of any size in bounded memory. Made by [`NpyReader::row_chunks`]; works on
/// any reader, `.npz` members included.
///
/// ```
/// let a = ndarray::Array2::from_shape_fn((10, 2), |(i, j)| (i * 2 + j) as i32);
/// let bytes = npio::to_bytes(&a).unwrap();
/// let mut chunks = npio::NpyReader::new(&bytes[..]).unwrap().row_chunks::<i32>(4).unwrap();
/// let mut sums = Vec::new();
/// while let Some(block) = chunks.next_chunk() {
///     sums.push(block.unwrap().sum());
/// }
/// assert_eq!(sums, vec![28, 92, 70]); // rows 0-3, 4-7, 8-9
/// ```
pub struct RowChunks<R, T> {
    reader: R,
    header: Header,
    data_offset: u64,
    consumed: u64,
    remaining: Option<u64>,
    allow_trailing: bool,
    rows_total: usize,
    rows_done: usize,
    rows_per_chunk: usize,
    row_elems: usize,
    endian: Endian,
    bytes: Vec<u8>,
    values: Vec<T>,
    finished: bool,
}

impl<R: Read> NpyReader<R> {
    /// Iterates over blocks of `rows_per_chunk` rows (the last block may be shorter), reusing
    /// one buffer. The array must be C-order (or have at most one axis longer than 1).
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2, 3])).unwrap();
    /// let chunks = npio::NpyReader::new(&bytes[..]).unwrap().row_chunks::<u8>(2).unwrap();
    /// assert_eq!(chunks.rows_total(), 3);
    /// ```
    pub fn row_chunks<T: Element>(self, rows_per_chunk: usize) -> Result<RowChunks<R, T>> {
        let (reader, info, remaining, options) = self.into_parts();
        let header = info.header;
        if !T::accepts(&header.dtype) {
            return Err(Error::DTypeMismatch {
                found: header.dtype.descr(),
                requested: T::NAME.to_string(),
            });
        }
        let Some((&rows_total, row_shape)) = header.shape.split_first() else {
            return Err(Error::Usage(
                "a 0-d array has no rows: read it whole".into(),
            ));
        };
        if header.fortran_order {
            return Err(Error::Usage(
                "rows of a Fortran-order array are not contiguous: read it whole".into(),
            ));
        }
        if rows_per_chunk == 0 {
            return Err(Error::Usage("rows_per_chunk must be at least 1".into()));
        }
        let total = header.data_len()? as u64;
        if let Some(r) = remaining {
            if total > r {
                return Err(Error::TruncatedData {
                    offset: info.data_offset,
                    expected: total,
                    found: r,
                });
            }
        }
        let endian = header.dtype.scalar_endian();
        Ok(RowChunks {
            reader,
            row_elems: row_shape.iter().product(),
            header,
            data_offset: info.data_offset,
            consumed: 0,
            remaining,
            allow_trailing: options.get_allow_trailing_data(),
            rows_total,
            rows_done: 0,
            rows_per_chunk,
            endian,
            bytes: Vec::new(),
            values: Vec::new(),
            finished: false,
        })
    }
}

impl<R: Read, T: Element> RowChunks<R, T> {
    /// The array description.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::Array2::<f32>::zeros((4, 5))).unwrap();
    /// let chunks = npio::NpyReader::new(&bytes[..]).unwrap().row_chunks::<f32>(1).unwrap();
    /// assert_eq!(chunks.header().shape, vec![4, 5]);
    /// ```
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The number of rows (the length of axis 0).
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::Array2::<f32>::zeros((4, 5))).unwrap();
    /// assert_eq!(npio::NpyReader::new(&bytes[..]).unwrap().row_chunks::<f32>(3).unwrap().rows_total(), 4);
    /// ```
    pub fn rows_total(&self) -> usize {
        self.rows_total
    }

    /// The next block of rows as a view of the reused buffer; `None` after the last block
    /// (once the end of the data has been checked) and after an error.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[5i64])).unwrap();
    /// let mut c = npio::NpyReader::new(&bytes[..bytes.len() - 1]).unwrap().row_chunks::<i64>(1).unwrap();
    /// assert!(c.next_chunk().unwrap().is_err()); // truncated
    /// ```
    pub fn next_chunk(&mut self) -> Option<Result<ArrayViewD<'_, T>>> {
        if self.rows_done == self.rows_total {
            if self.finished {
                return None;
            }
            self.finished = true;
            // `consumed` bytes were already read: account for them in the end check.
            let mut data = DataReader::new(&mut self.reader, self.data_offset, self.remaining)
                .with_consumed(self.consumed);
            return data.check_end(self.allow_trailing).err().map(Err);
        }
        match self.read_block() {
            Ok(rows) => {
                let mut shape = vec![rows];
                shape.extend_from_slice(&self.header.shape[1..]);
                Some(
                    ArrayViewD::from_shape(IxDyn(&shape), &self.values)
                        .map_err(|e| Error::InvalidArray(e.to_string())),
                )
            }
            Err(e) => {
                // An error ends the iteration: the source is not in a state to continue.
                self.rows_done = self.rows_total;
                self.finished = true;
                Some(Err(e))
            }
        }
    }

    /// Reads and decodes the next block into the reused buffer; returns its number of rows.
    fn read_block(&mut self) -> Result<usize> {
        let rows = self.rows_per_chunk.min(self.rows_total - self.rows_done);
        let nbytes = rows * self.row_elems * self.header.dtype.itemsize();
        let total = self.header.data_len()? as u64;
        let mut data = DataReader::new(&mut self.reader, self.data_offset, self.remaining)
            .with_consumed(self.consumed);
        data.read_chunk(&mut self.bytes, nbytes, total)?;
        self.consumed = data.consumed();
        let before = self.consumed - nbytes as u64;
        T::decode_into(&self.bytes, &mut self.values, self.endian).map_err(|bad| {
            Error::InvalidBool {
                offset: self.data_offset + before + bad as u64,
                value: self.bytes[bad],
            }
        })?;
        self.rows_done += rows;
        Ok(rows)
    }
}

/// Writes a C-order `.npy` row block by row block when the final number of rows is not known:
/// the header is rewritten on [`NpyRowWriter::finish`] (NumPy's growth-axis padding leaves room
/// for it, so the data never moves), and the file is then what `np.save` writes for the whole.
/// [`NpyRowWriter::append`] continues an existing file in place instead.
///
/// Call `finish`: until then the header still holds the previous number of rows.
///
/// ```
/// use std::io::Cursor;
/// let mut w = npio::NpyRowWriter::<_, f64>::new(Cursor::new(Vec::new()), &[2]).unwrap();
/// w.write_rows(&ndarray::arr2(&[[1.0, 2.0]])).unwrap();
/// w.write_rows(&ndarray::arr2(&[[3.0, 4.0], [5.0, 6.0]])).unwrap();
/// let bytes = w.finish().unwrap().into_inner();
/// let a = ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]);
/// assert_eq!(bytes, npio::to_bytes(&a).unwrap()); // what np.save writes
/// ```
#[must_use = "the header is only completed by finish()"]
pub struct NpyRowWriter<W: Write + Seek, T: Element> {
    writer: W,
    start: u64,
    header: Header,
    prefix_len: usize,
    endian: Endian,
    _element: std::marker::PhantomData<T>,
}

impl<W: Write + Seek, T: Element> NpyRowWriter<W, T> {
    /// Starts a new array with rows of `row_shape`, in native byte order.
    ///
    /// ```
    /// let w = npio::NpyRowWriter::<_, u8>::new(std::io::Cursor::new(Vec::new()), &[]).unwrap();
    /// assert_eq!(w.rows(), 0);
    /// ```
    pub fn new(writer: W, row_shape: &[usize]) -> Result<Self> {
        Self::with_endian(writer, row_shape, Endian::NATIVE)
    }

    /// Starts a new array whose data is written in `endian` byte order.
    ///
    /// ```
    /// let mut w = npio::NpyRowWriter::<_, u16>::with_endian(std::io::Cursor::new(Vec::new()), &[], npio::Endian::Big).unwrap();
    /// w.write_rows(&ndarray::arr1(&[1u16])).unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// assert_eq!(&bytes[128..], &[0, 1]);
    /// ```
    pub fn with_endian(mut writer: W, row_shape: &[usize], endian: Endian) -> Result<Self> {
        let start = writer.stream_position()?;
        let mut shape = vec![0];
        shape.extend_from_slice(row_shape);
        let header = Header::new(T::dtype(endian), shape, false);
        let prefix = header.to_bytes()?;
        writer.write_all(&prefix)?;
        let endian = header.dtype.scalar_endian();
        Ok(NpyRowWriter {
            writer,
            start,
            header,
            prefix_len: prefix.len(),
            endian,
            _element: std::marker::PhantomData,
        })
    }

    /// Rows written so far (including those already in an appended file).
    ///
    /// ```
    /// let mut w = npio::NpyRowWriter::<_, u8>::new(std::io::Cursor::new(Vec::new()), &[3]).unwrap();
    /// w.write_rows(&ndarray::Array2::<u8>::zeros((2, 3))).unwrap();
    /// assert_eq!(w.rows(), 2);
    /// ```
    pub fn rows(&self) -> usize {
        self.header.shape[0]
    }

    /// Appends a block of rows: an array whose first axis counts rows and whose other axes
    /// match the row shape (or a single row, of exactly the row shape).
    ///
    /// ```
    /// let mut w = npio::NpyRowWriter::<_, i32>::new(std::io::Cursor::new(Vec::new()), &[2]).unwrap();
    /// w.write_rows(&ndarray::arr1(&[1, 2])).unwrap(); // one row
    /// assert!(w.write_rows(&ndarray::arr1(&[1, 2, 3])).is_err());
    /// ```
    pub fn write_rows<S: Data<Elem = T>, D: Dimension>(
        &mut self,
        block: &ArrayBase<S, D>,
    ) -> Result<()> {
        let row_shape = &self.header.shape[1..];
        let view = block.view().into_dyn();
        let (rows, view) = if view.shape() == row_shape {
            (1, view.insert_axis(ndarray::Axis(0)))
        } else if view.ndim() == row_shape.len() + 1 && &view.shape()[1..] == row_shape {
            (view.shape()[0], view)
        } else {
            return Err(Error::InvalidArray(format!(
                "a block of shape {:?} does not fit rows of shape {row_shape:?}",
                view.shape()
            )));
        };
        match view.as_slice() {
            Some(slice) => T::write_slice(&mut self.writer, slice, self.endian)?,
            None => T::write_rows(&mut self.writer, view.rows().into_iter(), self.endian)?,
        }
        self.header.shape[0] += rows;
        Ok(())
    }

    /// Rewrites the header with the final number of rows and gives back the writer,
    /// positioned after the data.
    ///
    /// ```
    /// let w = npio::NpyRowWriter::<_, u8>::new(std::io::Cursor::new(Vec::new()), &[]).unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// assert_eq!(bytes, npio::to_bytes(&ndarray::Array1::<u8>::zeros(0)).unwrap());
    /// ```
    pub fn finish(mut self) -> Result<W> {
        let prefix = self.header.to_bytes()?;
        if prefix.len() != self.prefix_len {
            return Err(Error::InvalidArray(format!(
                "the header for {} rows no longer fits the space reserved for it",
                self.rows()
            )));
        }
        let end = self.writer.stream_position()?;
        self.writer.seek(SeekFrom::Start(self.start))?;
        self.writer.write_all(&prefix)?;
        self.writer.seek(SeekFrom::Start(end))?;
        self.writer.flush()?;
        Ok(self.writer)
    }
}

impl<F: Read + Write + Seek, T: Element> NpyRowWriter<F, T> {
    /// Continues an existing C-order `.npy` (growing axis 0), checking that `T` matches its
    /// dtype, that its data is complete, and that its header has the growth room `np.save`
    /// leaves; rows are written in the file's byte order.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("append.npy");
    /// npio::write_npy(&path, &ndarray::arr2(&[[1i16, 2]])).unwrap();
    /// let file = std::fs::OpenOptions::new().read(true).write(true).open(&path).unwrap();
    /// let mut w = npio::NpyRowWriter::<_, i16>::append(file).unwrap();
    /// w.write_rows(&ndarray::arr2(&[[3, 4], [5, 6]])).unwrap();
    /// w.finish().unwrap();
    /// let all: ndarray::Array2<i16> = npio::read_npy(&path).unwrap();
    /// assert_eq!(all, ndarray::arr2(&[[1, 2], [3, 4], [5, 6]]));
    /// ```
    pub fn append(mut file: F) -> Result<Self> {
        let start = file.stream_position()?;
        let info = read_header(
            &mut file,
            &ReadOptions::default().max_header_size(usize::MAX),
        )?;
        let header = info.header;
        if !T::accepts(&header.dtype) {
            return Err(Error::DTypeMismatch {
                found: header.dtype.descr(),
                requested: T::NAME.to_string(),
            });
        }
        if header.shape.is_empty() || header.fortran_order {
            return Err(Error::Usage(
                "only C-order arrays with at least one axis can be appended to".into(),
            ));
        }
        let prefix_len = header.to_bytes()?.len();
        if prefix_len as u64 != info.data_offset {
            return Err(Error::Usage(format!(
                "the file's header ({} bytes) is not the {prefix_len} bytes np.save would write, so it \
                 has no room to grow; rewrite the file first (npio convert IN OUT)",
                info.data_offset
            )));
        }
        let data_len = header.data_len()? as u64;
        let end = file.seek(SeekFrom::End(0))?;
        let expected_end = start + info.data_offset + data_len;
        if end < expected_end {
            return Err(Error::TruncatedData {
                offset: info.data_offset,
                expected: data_len,
                found: end.saturating_sub(start + info.data_offset),
            });
        }
        if end > expected_end {
            return Err(Error::TrailingData {
                offset: expected_end - start,
            });
        }
        let endian = header.dtype.scalar_endian();
        Ok(NpyRowWriter {
            writer: file,
            start,
            header,
            prefix_len,
            endian,
            _element: std::marker::PhantomData,
        })
    }
}

/// Appends rows to an existing `.npy` file in place (see [`NpyRowWriter::append`]).
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("append-npy.npy");
/// npio::write_npy(&path, &ndarray::arr1(&[1.0f32])).unwrap();
/// npio::append_npy(&path, &ndarray::arr1(&[2.0f32, 3.0])).unwrap();
/// let a: ndarray::Array1<f32> = npio::read_npy(&path).unwrap();
/// assert_eq!(a.to_vec(), vec![1.0, 2.0, 3.0]);
/// ```
pub fn append_npy<T, S, D, P>(path: P, rows: &ArrayBase<S, D>) -> Result<()>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
    P: AsRef<std::path::Path>,
{
    let path = path.as_ref();
    crate::error::with_path(path, || {
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)?;
        let mut writer = NpyRowWriter::<_, T>::append(file)?;
        writer.write_rows(rows)?;
        writer.finish()?.sync_all()?;
        Ok(())
    })
}

/// Copies a `.npy` stream's data (no header) to `writer` as data of `target`: the same dtype,
/// possibly in other byte orders. C-order data streams in bounded memory; Fortran-order data is
/// reordered to C order in memory. Used to concatenate arrays.
///
/// ```
/// let a = npio::to_bytes(&ndarray::arr1(&[1u16, 2])).unwrap();
/// let mut out = Vec::new();
/// let be = npio::DType::parse(">u2").unwrap();
/// npio::copy_data(npio::NpyReader::new(&a[..]).unwrap(), &mut out, &be).unwrap();
/// assert_eq!(out, vec![0, 1, 0, 2]);
/// ```
pub fn copy_data<R: Read, W: Write + ?Sized>(
    reader: NpyReader<R>,
    writer: &mut W,
    target: &crate::DType,
) -> Result<u64> {
    let source = reader.header().clone();
    if source.dtype.with_endian(Endian::Little) != target.with_endian(Endian::Little) {
        return Err(Error::DTypeMismatch {
            found: source.dtype.descr(),
            requested: target.descr(),
        });
    }
    let swaps = swap_plan(&source.dtype, target);
    let itemsize = source.dtype.itemsize();
    if source.fortran_order {
        let array = reader.read_dyn()?;
        let mut c = Vec::new();
        let options = WriteOptions::default().order(crate::Order::C);
        write_dyn(&mut c, &array, &options)?;
        let data = &mut c[encoded_len(&converted_header(&source, &options), &options)? as usize
            - source.data_len()?..];
        apply_swaps(data, itemsize, &swaps);
        writer.write_all(data)?;
        return Ok(data.len() as u64);
    }
    let (_, total) = for_each_chunk(reader, |chunk, _| {
        apply_swaps(chunk, itemsize, &swaps);
        writer.write_all(chunk)?;
        Ok(())
    })?;
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{DType, Endian, Order};

    #[test]
    fn transcode_matches_the_in_memory_writer() {
        let dt =
            DType::parse("[('a', '<i4'), ('b', '>c8', (2,)), ('c', '|b1'), ('d', '<U2')]").unwrap();
        let n = 100_000usize; // more than one chunk
        let mut bytes = Vec::with_capacity(n * dt.itemsize());
        for k in 0..n {
            let mut item = vec![0u8; dt.itemsize()];
            item[..4].copy_from_slice(&(k as i32).to_le_bytes());
            item[4..20].copy_from_slice(&[(k % 7) as u8; 16]);
            item[20] = (k % 2) as u8;
            item[21..25].copy_from_slice(&65u32.to_le_bytes());
            bytes.extend(item);
        }
        let raw = crate::RawArray::new(vec![n], false, bytes, dt.itemsize()).unwrap();
        let array = crate::DynArray::new(dt, crate::ArrayData::Raw(raw)).unwrap();
        let file = crate::to_bytes_dyn(&array).unwrap();
        for endian in [Endian::Big, Endian::Little] {
            let opts = WriteOptions::default().endian(endian);
            let mut streamed = Vec::new();
            let len = transcode(NpyReader::new(&file[..]).unwrap(), &mut streamed, &opts).unwrap();
            let mut in_memory = Vec::new();
            write_dyn(&mut in_memory, &array, &opts).unwrap();
            assert_eq!(streamed, in_memory);
            assert_eq!(len, streamed.len() as u64);
        }
        let report = verify(NpyReader::new(&file[..]).unwrap()).unwrap();
        assert_eq!(report.elements, n as u64);
    }

    #[test]
    fn verify_carries_bools_inside_records_and_checks_lengths() {
        // NumPy writes and loads records whose bool fields hold other bytes.
        let dt = DType::parse("[('a', '<i2'), ('flag', '|b1', (2,))]").unwrap();
        let raw = crate::RawArray::new(vec![2], false, vec![0, 0, 1, 0, 0, 0, 0, 2], 4).unwrap();
        let file =
            crate::to_bytes_dyn(&crate::DynArray::new(dt, crate::ArrayData::Raw(raw)).unwrap())
                .unwrap();
        verify(NpyReader::new(&file[..]).unwrap()).unwrap();
        let mut rewritten = Vec::new();
        transcode(
            NpyReader::new(&file[..]).unwrap(),
            &mut rewritten,
            &WriteOptions::default(),
        )
        .unwrap();
        assert_eq!(rewritten, file);
        // Only a typed bool result refuses the byte.
        let dyn_array = crate::from_bytes_dyn(&file).unwrap();
        let err = dyn_array.field_array::<bool>("flag").unwrap_err();
        assert!(matches!(err, Error::InvalidBool { value: 2, .. }), "{err}");
        // A bool array itself must hold 0s and 1s.
        let bools = crate::to_bytes(&ndarray::arr1(&[true, false])).unwrap();
        let mut bad = bools.clone();
        *bad.last_mut().unwrap() = 2;
        assert!(matches!(
            verify(NpyReader::new(&bad[..]).unwrap()),
            Err(Error::InvalidBool { value: 2, .. })
        ));
        let file = bools;
        let short = &file[..file.len() - 1];
        assert!(matches!(
            verify(NpyReader::new(short).unwrap()),
            Err(Error::TruncatedData { .. })
        ));
        let mut long = file.clone();
        long.push(0);
        assert!(matches!(
            verify(NpyReader::new(&long[..]).unwrap()),
            Err(Error::TrailingData { .. })
        ));
    }

    #[test]
    fn claimed_sizes_are_not_allocated_up_front() {
        // One 4 GB item claimed, 10 bytes present, on a stream of unknown length: the buffer
        // grows with the data, so this fails as truncated instead of allocating 4 GB.
        let header = Header::new(crate::DType::parse("|V4000000000").unwrap(), vec![1], false);
        let mut file = header.to_bytes().unwrap();
        file.extend([0u8; 10]);
        let err = verify(NpyReader::new(&file[..]).unwrap()).unwrap_err();
        assert!(
            matches!(err, Error::TruncatedData { found: 10, .. }),
            "{err}"
        );
        let err = transcode(
            NpyReader::new(&file[..]).unwrap(),
            &mut Vec::new(),
            &WriteOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(err, Error::TruncatedData { .. }), "{err}");
        // A header length claim of 4 GiB with the limit lifted: read as it arrives.
        let mut claim = b"\x93NUMPY\x02\x00".to_vec();
        claim.extend(u32::MAX.to_le_bytes());
        claim.extend(b"{'descr'");
        let opts = ReadOptions::default().max_header_size(usize::MAX);
        let err = read_header(&mut &claim[..], &opts).unwrap_err();
        assert!(matches!(err, Error::TruncatedHeader { .. }), "{err}");
    }

    #[test]
    fn order_changes_fall_back_to_memory() {
        let a = ndarray::Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as u16);
        let file = crate::to_bytes(&a).unwrap();
        let mut out = Vec::new();
        let opts = WriteOptions::default()
            .order(Order::Fortran)
            .endian(Endian::Big);
        transcode(NpyReader::new(&file[..]).unwrap(), &mut out, &opts).unwrap();
        let back: ndarray::Array2<u16> = crate::from_bytes(&out).unwrap();
        assert_eq!(back, a);
        assert!(back.t().is_standard_layout());
    }
}
