//! Reading an array as blocks of rows, in bounded memory.

use std::io::Read;

use ndarray::{ArrayViewD, IxDyn};

use super::read::NpyReader;
use crate::codec::Codec;
use crate::codec::{DataReader, Element};
use crate::error::{Error, Result};
use crate::header::Header;

/// Reads an array as blocks of rows (along axis 0, C order), each an array view of one reused
/// buffer: arrays of any size in bounded memory. Made by [`NpyReader::row_chunks`]; works on
/// any reader, `.npz` members included.
///
/// ```
/// let a = ndarray::Array2::from_shape_fn((10, 2), |(i, j)| (i * 2 + j) as i32);
/// let bytes = npio::to_bytes(&a).unwrap();
/// let mut chunks = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().row_chunks::<i32>(4).unwrap();
/// let mut sums = Vec::new();
/// while let Some(block) = chunks.next_chunk() {
///     sums.push(block.unwrap().sum());
/// }
/// assert_eq!(sums, vec![28, 92, 70]); // rows 0-3, 4-7, 8-9
/// ```
pub struct RowChunks<R, T: Element> {
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
    plan: <T as Codec>::Plan,
    bytes: Vec<u8>,
    values: Vec<T>,
    finished: bool,
}

impl<R: Read> NpyReader<R> {
    /// Iterates over blocks of `rows_per_chunk` rows (the last block may be shorter), reusing
    /// one buffer. The array must be C-order (or have at most one axis longer than 1). Rows
    /// that hold no data (shape `(n, 0)`) come in a single block whatever `n`.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2, 3])).unwrap();
    /// let chunks = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().row_chunks::<u8>(2).unwrap();
    /// assert_eq!(chunks.rows_total(), 3);
    /// ```
    pub fn row_chunks<T: Element>(self, rows_per_chunk: usize) -> Result<RowChunks<R, T>> {
        let (reader, info, remaining, options) = self.into_parts();
        let header = info.header;
        let plan = T::read_plan(&header.dtype)?;
        let (rows_total, row_shape) = header.rows()?;
        if rows_per_chunk == 0 {
            return Err(Error::InvalidArgument {
                argument: "rows_per_chunk",
                reason: "must be at least 1".into(),
            });
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
            plan,
            bytes: Vec::new(),
            values: Vec::new(),
            finished: false,
        })
    }
}

impl<R, T: Element> std::fmt::Debug for RowChunks<R, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowChunks")
            .field("header", &self.header)
            .field("rows_total", &self.rows_total)
            .field("rows_done", &self.rows_done)
            .field("rows_per_chunk", &self.rows_per_chunk)
            .finish_non_exhaustive()
    }
}

impl<R: Read, T: Element> RowChunks<R, T> {
    /// The array description.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::Array2::<f32>::zeros((4, 5))).unwrap();
    /// let chunks = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().row_chunks::<f32>(1).unwrap();
    /// assert_eq!(chunks.header().shape, vec![4, 5]);
    /// ```
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The number of rows (the length of axis 0).
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::Array2::<f32>::zeros((4, 5))).unwrap();
    /// assert_eq!(npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().row_chunks::<f32>(3).unwrap().rows_total(), 4);
    /// ```
    pub fn rows_total(&self) -> usize {
        self.rows_total
    }

    /// The next block of rows as a view of the reused buffer; `None` after the last block
    /// (once the end of the data has been checked) and after an error.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[5i64])).unwrap();
    /// let mut c = npio::NpyReader::stream(&bytes[..bytes.len() - 1]).unwrap().row_chunks::<i64>(1).unwrap();
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
                        .map_err(|source| Error::Shape { shape, source }),
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
        let left = self.rows_total - self.rows_done;
        // Rows without data (an empty axis after the first) come in one block: a file must not
        // make the caller's loop run once per claimed row (10^10 of them in 150 bytes).
        let rows = if self.row_elems == 0 {
            left
        } else {
            self.rows_per_chunk.min(left)
        };
        let nbytes = rows * self.row_elems * self.header.dtype.itemsize();
        let total = self.header.data_len()? as u64;
        let mut data = DataReader::new(&mut self.reader, self.data_offset, self.remaining)
            .with_consumed(self.consumed);
        data.read_chunk(&mut self.bytes, nbytes, total)?;
        self.consumed = data.consumed();
        let before = self.consumed - nbytes as u64;
        T::decode_into(&self.bytes, &mut self.values, &self.plan).map_err(|bad| {
            Error::InvalidBool {
                offset: self.data_offset + before + bad as u64,
                value: self.bytes[bad],
            }
        })?;
        self.rows_done += rows;
        Ok(rows)
    }
}
