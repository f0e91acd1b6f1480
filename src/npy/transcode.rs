//! Streaming over `.npy` data in bounded memory: re-encoding a stream into another byte order
//! ([`NpyReader::transcode`]) and checking every byte of it ([`NpyReader::verify`]), whatever the array's size.
//!
//! ```
//! use npio::{dtype::Endian, WriteOptions};
//! let little = npio::to_bytes(&ndarray::arr1(&[1u32, 2])).unwrap();
//! let mut big = Vec::new();
//! let reader = npio::NpyReader::new(std::io::Cursor::new(&little[..])).unwrap();
//! reader.transcode(&mut big, &WriteOptions::default().endian(Endian::Big)).unwrap();
//! assert_eq!(&big[128..], &[0, 0, 0, 1, 0, 0, 0, 2]);
//! let report = npio::NpyReader::new(std::io::Cursor::new(&big[..])).unwrap().verify().unwrap();
//! assert_eq!(report.data_bytes, 8);
//! ```

use std::io::{Read, Write};

use super::array::DynArray;
use super::read::NpyReader;
use super::write::{converted_header, encoded_len, write_dyn, WriteOptions};
use crate::codec::swap::{apply_swaps, swap_plan};
use crate::codec::{check_bools, DataReader};
use crate::dtype::{DType, Endian, ScalarKind};
use crate::error::{Error, Result};
use crate::header::{Header, HeaderInfo};

/// Target size of the reused buffer of the streaming paths.
pub(crate) const CHUNK_BYTES: usize = 4 << 20;

/// What [`NpyReader::verify`] checked.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[true, false])).unwrap();
/// let report = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().verify().unwrap();
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

/// Reads a stream's data in chunks of whole items, checking its length, what follows the
/// data and, with `bools`, that a bool array's bytes are 0 or 1; `each` sees every chunk with
/// the chunk's offset inside the data.
fn for_each_chunk<R: Read>(
    reader: NpyReader<R>,
    bools: bool,
    mut each: impl FnMut(&mut [u8], u64) -> Result<()>,
) -> Result<(HeaderInfo, u64)> {
    let (mut inner, info, remaining, options) = reader.into_parts();
    let header = &info.header;
    header.dtype.check_no_object()?;
    let itemsize = header.dtype.itemsize();
    let total = header.data_len()?;
    let mut data = DataReader::new(&mut inner, info.data_offset, remaining);
    data.check_claim(total as u64)?;
    // `verify` insists that a bool array holds 0s and 1s (its dynamic read is a Rust `bool`
    // array); copies carry any byte, as NumPy does (and bool fields of records always).
    let is_bool = bools && header.dtype.as_scalar().map(|s| s.kind()) == Some(ScalarKind::Bool);
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
        if is_bool {
            check_bools(part, info.data_offset + done as u64)?;
        }
        each(part, done as u64)?;
        done += n;
    }
    data.check_end(options.get_allow_trailing_data())?;
    Ok((info, total as u64))
}

/// The exact size of the `.npy` stream [`NpyReader::transcode`] writes
/// for a stream with header `source`.
#[cfg(feature = "npz")]
pub(crate) fn transcoded_len(source: &Header, options: &WriteOptions) -> Result<u64> {
    encoded_len(&converted_header(source, options), options)
}

/// Whole-stream operations: verify, transcode, copy the data out.
impl<R: Read> NpyReader<R> {
    /// Reads every byte of a `.npy` stream in bounded memory (a few MiB whatever the array size),
    /// checking that the data is as long as the header says, that bool bytes are 0 or 1, that
    /// nothing follows the data, and (for zip members) the CRC.
    ///
    /// ```
    /// let mut bytes = npio::to_bytes(&ndarray::arr1(&[true, true])).unwrap();
    /// *bytes.last_mut().unwrap() = 7;
    /// let err = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().verify().unwrap_err();
    /// assert!(matches!(err, npio::Error::InvalidBool { offset: 129, value: 7 }));
    /// ```
    pub fn verify(self) -> Result<VerifyReport> {
        let (info, data_bytes) = for_each_chunk(self, true, |_, _| Ok(()))?;
        Ok(VerifyReport {
            elements: info.header.element_count()? as u64,
            header: info.header,
            data_bytes,
        })
    }

    /// Re-encodes a `.npy` stream: the same array, in the byte order, memory order and format
    /// version `options` ask for (by default unchanged), written exactly as `np.save` would write
    /// it. Returns the bytes written.
    ///
    /// Byte-order and version changes stream in bounded memory. A memory-order change of an array
    /// with two or more axes longer than 1 needs the whole array in memory.
    ///
    /// ```
    /// use npio::{npy::Order, WriteOptions};
    /// let c = npio::to_bytes(&ndarray::arr2(&[[1u8, 2], [3, 4]])).unwrap();
    /// let mut f = Vec::new();
    /// npio::NpyReader::new(std::io::Cursor::new(&c[..])).unwrap().transcode(&mut f, &WriteOptions::default().order(Order::Fortran)).unwrap();
    /// assert_eq!(&f[128..], &[1, 3, 2, 4]);
    /// ```
    pub fn transcode<W: Write + ?Sized>(
        self,
        writer: &mut W,
        options: &WriteOptions,
    ) -> Result<u64> {
        let reader = self;
        let source = reader.header().clone();
        let target = converted_header(&source, options);
        let total = encoded_len(&target, options)?;
        if target.fortran_order != source.fortran_order {
            let array: DynArray = reader.read()?;
            write_dyn(writer, &array, options)?;
            return Ok(total);
        }
        writer.write_all(&options.header_bytes(&target)?)?;
        let swaps = swap_plan(&source.dtype, &target.dtype);
        let itemsize = source.dtype.itemsize();
        for_each_chunk(reader, false, |chunk, _| {
            apply_swaps(chunk, itemsize, &swaps);
            writer.write_all(chunk)?;
            Ok(())
        })?;
        Ok(total)
    }

    /// Streams the data (no header) to `writer` as data of `target` to `writer` as data of `target`: the same dtype,
    /// possibly in other byte orders. C-order data streams in bounded memory; Fortran-order data is
    /// reordered to C order in memory. Used to concatenate arrays.
    ///
    /// ```
    /// let a = npio::to_bytes(&ndarray::arr1(&[1u16, 2])).unwrap();
    /// let mut out = Vec::new();
    /// let be = npio::DType::parse(">u2").unwrap();
    /// npio::NpyReader::new(std::io::Cursor::new(&a[..])).unwrap().copy_data(&mut out, &be).unwrap();
    /// assert_eq!(out, vec![0, 1, 0, 2]);
    /// ```
    pub fn copy_data<W: Write + ?Sized>(self, writer: &mut W, target: &DType) -> Result<u64> {
        let reader = self;
        let source = reader.header().clone();
        if source.dtype.with_endian(Endian::Little) != target.with_endian(Endian::Little) {
            return Err(Error::DTypeMismatch {
                found: source.dtype.clone(),
                requested: target.descr_repr(),
            });
        }
        let swaps = swap_plan(&source.dtype, target);
        let itemsize = source.dtype.itemsize();
        if source.fortran_order {
            let array: DynArray = reader.read()?;
            let mut c = Vec::new();
            let options = WriteOptions::default().order(super::write::Order::C);
            write_dyn(&mut c, &array, &options)?;
            let data = &mut c[encoded_len(&converted_header(&source, &options), &options)?
                as usize
                - source.data_len()?..];
            apply_swaps(data, itemsize, &swaps);
            writer.write_all(data)?;
            return Ok(data.len() as u64);
        }
        let (_, total) = for_each_chunk(reader, false, |chunk, _| {
            apply_swaps(chunk, itemsize, &swaps);
            writer.write_all(chunk)?;
            Ok(())
        })?;
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dtype::{DType, Endian};
    use crate::header::{read_header, ReadOptions};
    use crate::npy::Order;

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
        let raw = crate::npy::RawArray::new(vec![n], false, bytes, dt.itemsize()).unwrap();
        let array = crate::DynArray::new(dt, crate::npy::ArrayData::Raw(raw)).unwrap();
        let file = crate::to_bytes(&array).unwrap();
        for endian in [Endian::Big, Endian::Little] {
            let opts = WriteOptions::default().endian(endian);
            let mut streamed = Vec::new();
            let len = NpyReader::new(std::io::Cursor::new(&file[..]))
                .unwrap()
                .transcode(&mut streamed, &opts)
                .unwrap();
            let mut in_memory = Vec::new();
            write_dyn(&mut in_memory, &array, &opts).unwrap();
            assert_eq!(streamed, in_memory);
            assert_eq!(len, streamed.len() as u64);
        }
        let report = NpyReader::new(std::io::Cursor::new(&file[..]))
            .unwrap()
            .verify()
            .unwrap();
        assert_eq!(report.elements, n as u64);
    }

    #[test]
    fn verify_carries_bools_inside_records_and_checks_lengths() {
        // NumPy writes and loads records whose bool fields hold other bytes.
        let dt = DType::parse("[('a', '<i2'), ('flag', '|b1', (2,))]").unwrap();
        let raw =
            crate::npy::RawArray::new(vec![2], false, vec![0, 0, 1, 0, 0, 0, 0, 2], 4).unwrap();
        let file =
            crate::to_bytes(&crate::DynArray::new(dt, crate::npy::ArrayData::Raw(raw)).unwrap())
                .unwrap();
        NpyReader::new(std::io::Cursor::new(&file[..]))
            .unwrap()
            .verify()
            .unwrap();
        let mut rewritten = Vec::new();
        NpyReader::new(std::io::Cursor::new(&file[..]))
            .unwrap()
            .transcode(&mut rewritten, &WriteOptions::default())
            .unwrap();
        assert_eq!(rewritten, file);
        // Only a typed bool result refuses the byte.
        let dyn_array = crate::from_bytes::<DynArray>(&file).unwrap();
        let err = dyn_array.field_array::<bool>("flag").unwrap_err();
        assert!(matches!(err, Error::InvalidBool { value: 2, .. }), "{err}");
        // A bool array itself must hold 0s and 1s.
        let bools = crate::to_bytes(&ndarray::arr1(&[true, false])).unwrap();
        let mut bad = bools.clone();
        *bad.last_mut().unwrap() = 2;
        assert!(matches!(
            NpyReader::new(std::io::Cursor::new(&bad[..]))
                .unwrap()
                .verify(),
            Err(Error::InvalidBool { value: 2, .. })
        ));
        let file = bools;
        let short = &file[..file.len() - 1];
        assert!(matches!(
            NpyReader::stream(short).unwrap().verify(),
            Err(Error::TruncatedData { .. })
        ));
        let mut long = file.clone();
        long.push(0);
        assert!(matches!(
            NpyReader::new(std::io::Cursor::new(&long[..]))
                .unwrap()
                .verify(),
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
        let err = NpyReader::new(std::io::Cursor::new(&file[..]))
            .unwrap()
            .verify()
            .unwrap_err();
        assert!(
            matches!(err, Error::TruncatedData { found: 10, .. }),
            "{err}"
        );
        let err = NpyReader::new(std::io::Cursor::new(&file[..]))
            .unwrap()
            .transcode(&mut Vec::new(), &WriteOptions::default())
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
        NpyReader::new(std::io::Cursor::new(&file[..]))
            .unwrap()
            .transcode(&mut out, &opts)
            .unwrap();
        let back: ndarray::Array2<u16> = crate::from_bytes(&out).unwrap();
        assert_eq!(back, a);
        assert!(back.t().is_standard_layout());
    }
}
