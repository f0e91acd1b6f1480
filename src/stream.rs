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

use std::io::{Read, Write};

use crate::error::{Error, Result};
use crate::header::{Header, HeaderInfo};
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
    let bools = header.dtype.bool_offsets();
    // Whole items per chunk (zero-size items have no data to read).
    let chunk = CHUNK_BYTES
        .checked_div(itemsize)
        .map_or(0, |items| items.max(1) * itemsize);
    // Never more than the data itself, which was checked against the source when its
    // length is known; otherwise the buffer is at most one chunk.
    let mut buf = vec![0u8; chunk.min(total)];
    let mut done = 0usize;
    while done < total {
        let n = buf.len().min(total - done);
        let part = &mut buf[..n];
        data.read_chunk(part, total as u64)?;
        if !bools.is_empty() {
            for (k, item) in part.chunks_exact(itemsize).enumerate() {
                for &offset in &bools {
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
    fn verify_checks_bools_inside_records_and_lengths() {
        let dt = DType::parse("[('a', '<i2'), ('flag', '|b1', (2,))]").unwrap();
        let raw = crate::RawArray::new(vec![2], false, vec![0, 0, 1, 0, 0, 0, 0, 2], 4).unwrap();
        let file =
            crate::to_bytes_dyn(&crate::DynArray::new(dt, crate::ArrayData::Raw(raw)).unwrap())
                .unwrap();
        let err = verify(NpyReader::new(&file[..]).unwrap()).unwrap_err();
        assert!(matches!(err, Error::InvalidBool { value: 2, .. }), "{err}");
        let mut file = file;
        *file.last_mut().unwrap() = 1; // now valid: check the lengths
        verify(NpyReader::new(&file[..]).unwrap()).unwrap();
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
