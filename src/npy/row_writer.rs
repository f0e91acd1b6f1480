//! Writing a `.npy` file row block by row block, and appending rows in place.

use std::io::{Read, Seek, SeekFrom, Write};

use ndarray::{ArrayBase, Data, Dimension};

use super::write::{Order, WriteOptions};
use crate::codec::Codec;
use crate::codec::Element;
use crate::error::{Error, Result};
use crate::header::{read_header, Header, ReadOptions};

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
    options: WriteOptions,
    prefix_len: usize,
    plan: <T as Codec>::Plan,
}

impl<W: Write + Seek, T: Element> std::fmt::Debug for NpyRowWriter<W, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpyRowWriter")
            .field("header", &self.header)
            .field("start", &self.start)
            .finish_non_exhaustive()
    }
}

impl<W: Write + Seek, T: Element> NpyRowWriter<W, T> {
    /// Starts a new array with rows of `row_shape`, in native byte order. With options
    /// (byte order, format version): [`WriteOptions::row_writer`].
    ///
    /// ```
    /// let w = npio::NpyRowWriter::<_, u8>::new(std::io::Cursor::new(Vec::new()), &[]).unwrap();
    /// assert_eq!(w.rows(), 0);
    /// ```
    pub fn new(writer: W, row_shape: &[usize]) -> Result<Self> {
        WriteOptions::new().row_writer(writer, row_shape)
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
        let (rows, view) = block_rows(block.view().into_dyn(), &self.header.shape[1..])?;
        match view.as_slice() {
            Some(slice) => T::write_slice(&mut self.writer, slice, &self.plan)?,
            None => T::write_rows(&mut self.writer, view.rows().into_iter(), &self.plan)?,
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
        let prefix = self.options.header_bytes(&self.header)?;
        if prefix.len() != self.prefix_len {
            return Err(Error::WrittenLength {
                what: format!("the .npy header for {} rows", self.rows()),
                expected: self.prefix_len as u64,
                written: prefix.len() as u64,
                unit: "bytes",
            });
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
        // The rows are given, not requested: say so in a mismatch.
        let plan = T::write_plan(&header.dtype).map_err(|e| match e {
            Error::DTypeMismatch { found, requested } => Error::RowsMismatch {
                found,
                given: requested,
            },
            other => other,
        })?;
        header.rows()?;
        let prefix_len = header.to_bytes()?.len();
        if prefix_len as u64 != info.data_offset {
            return Err(Error::NotAppendable {
                reason: format!(
                    "its header ({} bytes) is not the {prefix_len} bytes np.save would write, so \
                     it has no room to grow; rewrite the file first",
                    info.data_offset
                ),
            });
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
        Ok(NpyRowWriter {
            writer: file,
            start,
            header,
            options: WriteOptions::new(),
            prefix_len,
            plan,
        })
    }
}

/// The row writer with options.
impl WriteOptions {
    /// [`NpyRowWriter::new`] with these options: the byte order and format version apply; the
    /// memory order is always C (rows are appended along axis 0), so `Order::Fortran` is
    /// refused.
    ///
    /// ```
    /// let big = npio::WriteOptions::new().endian(npio::dtype::Endian::Big);
    /// let mut w = big.row_writer::<_, u16>(std::io::Cursor::new(Vec::new()), &[]).unwrap();
    /// w.write_rows(&ndarray::arr1(&[1u16])).unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// assert_eq!(&bytes[128..], &[0, 1]);
    /// ```
    pub fn row_writer<W: Write + Seek, T: Element>(
        &self,
        mut writer: W,
        row_shape: &[usize],
    ) -> Result<NpyRowWriter<W, T>> {
        let mut shape = vec![0];
        shape.extend_from_slice(row_shape);
        if self.get_order() == Some(Order::Fortran) {
            return Err(Error::NotRowMajor {
                shape,
                fortran_order: true,
            });
        }
        let start = writer.stream_position()?;
        let header = Header::new(T::dtype(self.endian_or_native()), shape, false);
        let prefix = self.header_bytes(&header)?;
        let plan = T::write_plan(&header.dtype)?;
        writer.write_all(&prefix)?;
        Ok(NpyRowWriter {
            writer,
            start,
            header,
            options: *self,
            prefix_len: prefix.len(),
            plan,
        })
    }
}

/// The one rule of every row writer ([`NpyRowWriter`], and the archive members'): a block is
/// several rows (its shape is `[n, row_shape...]`) or one row (its shape is the row shape).
/// Returns the number of rows and the block with the row axis first.
pub(crate) fn block_rows<'a, T>(
    view: ndarray::ArrayViewD<'a, T>,
    row_shape: &[usize],
) -> Result<(usize, ndarray::ArrayViewD<'a, T>)> {
    if view.shape() == row_shape {
        Ok((1, view.insert_axis(ndarray::Axis(0))))
    } else if view.ndim() == row_shape.len() + 1 && &view.shape()[1..] == row_shape {
        Ok((view.shape()[0], view))
    } else {
        Err(Error::BlockShape {
            block: view.shape().to_vec(),
            row_shape: row_shape.to_vec(),
        })
    }
}

/// Appends rows to an existing `.npy` file in place (see [`NpyRowWriter::append`]).
///
/// Concurrent appends are safe: the file is locked exclusively (an advisory lock,
/// `File::lock`: `flock` on Unix, `LockFileEx` on Windows) from reading its header until the
/// new rows and header are written and synced, so appends by several threads or processes
/// run one after another and no acknowledged row is lost. Programs that append without this
/// function (or without taking the same lock) are not held back.
///
/// Readers take no lock. The rows are written before the header that counts them, so a
/// reader during an append sees either the new header with all its rows, or the old header
/// followed by rows it does not count yet: npio's readers refuse those as trailing data
/// ([`Error::TrailingData`]: retry, or read with
/// [`ReadOptions::allow_trailing_data`] to get the rows counted so far), and NumPy loads the
/// old rows.
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
        // Held until `file` is dropped, after the sync.
        file.lock()?;
        let mut writer = NpyRowWriter::<_, T>::append(&file)?;
        writer.write_rows(rows)?;
        writer.finish()?.sync_all()?;
        Ok(())
    })
}
