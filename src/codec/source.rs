//! The data part of a `.npy` stream: the read loop every decoder uses.

use std::io::Read;

use bytemuck::Pod;

use super::fill::{fill_sequential, zeroed_vec, PostProcess};
use crate::error::{Error, Result};
use crate::io::read_up_to;

/// Largest single read ahead of the data while filling a buffer from a source of unknown
/// length.
pub(crate) const FILL_STEP: usize = 16 << 20;

/// Initial buffer size when the source's length is unknown; the buffer doubles from there.
const GROWTH_START_BYTES: usize = 1 << 20;

/// The data part of a `.npy` stream: knows its file offset and, when available, how many
/// bytes the source really holds.
pub struct DataReader<'r, R> {
    reader: &'r mut R,
    data_offset: u64,
    consumed: u64,
    remaining: Option<u64>,
    bulk_fill: Option<BulkFill<R>>,
}

/// A faster way to fill a large buffer from a particular kind of source (files: parallel
/// positional reads, see `fill_file`); same contract as
/// `fill_sequential`.
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

    /// Uses a faster fill for this kind of source (files: parallel positional reads).
    pub(crate) fn with_bulk_fill(mut self, fill: Option<BulkFill<R>>) -> Self {
        self.bulk_fill = fill;
        self
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
        let nbytes = count.checked_mul(size).ok_or(Error::SizeOverflow {
            shape: vec![count as u64],
            itemsize: size as u64,
        })?;
        let offset = self.data_offset + self.consumed;
        let truncated = |found: usize| Error::TruncatedData {
            offset,
            expected: nbytes as u64,
            found: found as u64,
        };
        if self.remaining.is_some() {
            self.check_claim_from_here(nbytes as u64)?;
            // The length is real: allocate once (fresh zero pages, huge where possible).
            let mut v = zeroed_vec::<T>(count);
            self.fill_exact(bytemuck::cast_slice_mut(&mut v), size, post)?;
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

    /// True when the source's length is known (files, archive members, bytes).
    pub(crate) fn len_known(&self) -> bool {
        self.remaining.is_some()
    }

    /// Fails before reading when the source is known to hold fewer than `nbytes` more bytes.
    pub(crate) fn check_claim_from_here(&self, nbytes: u64) -> Result<()> {
        match self.remaining {
            Some(remaining) if nbytes > remaining.saturating_sub(self.consumed) => {
                Err(Error::TruncatedData {
                    offset: self.data_offset + self.consumed,
                    expected: nbytes,
                    found: remaining.saturating_sub(self.consumed),
                })
            }
            _ => Ok(()),
        }
    }

    /// Fills all of `buf` (whole `unit`-byte items, `post` applied to each piece), with the
    /// fastest fill for this source; fails if the source ends first.
    pub(crate) fn fill_exact(
        &mut self,
        buf: &mut [u8],
        unit: usize,
        post: PostProcess<'_>,
    ) -> Result<()> {
        let offset = self.data_offset + self.consumed;
        let filled = self.fill(buf, unit, post)?;
        self.consumed += filled as u64;
        if filled < buf.len() {
            return Err(Error::TruncatedData {
                offset,
                expected: buf.len() as u64,
                found: filled as u64,
            });
        }
        Ok(())
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
