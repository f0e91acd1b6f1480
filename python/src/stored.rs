//! Stored (uncompressed) array members given out without the zip reader: their layout, and
//! the CRC-32 check of their bytes, copied on the way when they cannot be viewed.
//!
//! For the rows "stored npz from memory, every member" of `benches/compare_memory.py`: there
//! the whole cost is this hash, and for archives NumPy wrote (members not aligned for their
//! dtype) one copy; both run on every core for large members, in one pass over the bytes.
//! Tested from Python (`python/tests/test_memory.py`: copies equal NumPy's arrays, one flipped
//! byte in a header or in the data is refused, small and large members).

use std::io::{Read, Seek};
use std::path::Path;

use npio::npz::MemberInfo;
use npio::NpzReader;
use pyo3::prelude::*;
use rayon::prelude::*;

use crate::errors::{in_member, OrPy};
use crate::npy::{check_before_alloc, HeaderTuple};

/// Members at least this large are hashed (and copied) in pieces on every core.
const PARALLEL_MIN: usize = 4 << 20;

/// For a stored array member: its `(descr, shape, fortran_order, data offset)` and its entry,
/// after the same checks as a read (header, claim against the member's size); `None` for
/// compressed members.
pub(crate) fn stored_array<R: Read + Seek + Send>(
    py: Python<'_>,
    reader: &mut NpzReader<R>,
    stored: &str,
    path: Option<&Path>,
) -> PyResult<Option<(HeaderTuple, MemberInfo)>> {
    let info = py.detach(|| reader.member_info(stored)).or_py(path)?;
    let Some(offset) = info.array_data_offset() else {
        return Ok(None);
    };
    let mut member = reader.member_reader(stored).or_py(path)?;
    check_before_alloc(&mut member, path, Some(stored))?;
    let header = member.header().clone();
    let tuple = (
        header.dtype.descr_repr(),
        header.shape.clone(),
        header.fortran_order,
        offset,
    );
    Ok(Some((tuple, info)))
}

/// Checks a stored member's bytes, found in `archive`, against its CRC-32; with `out`, copies
/// the member's array data (its last `out.len()` bytes) there in the same pass.
pub(crate) fn check_and_copy(
    archive: &[u8],
    member: &MemberInfo,
    out: Option<&mut [u8]>,
) -> npio::Result<()> {
    let bytes = usize::try_from(member.data_start)
        .ok()
        .zip(usize::try_from(member.size).ok())
        .and_then(|(start, len)| archive.get(start..start.checked_add(len)?))
        .ok_or_else(|| npio::Error::TruncatedData {
            offset: member.data_start,
            expected: member.size,
            found: (archive.len() as u64).saturating_sub(member.data_start),
        })?;
    let crc = match out {
        None => hash(bytes),
        Some(out) => {
            let Some(split) = bytes.len().checked_sub(out.len()) else {
                return Err(npio::Error::TruncatedData {
                    offset: member.data_start,
                    expected: out.len() as u64,
                    found: bytes.len() as u64,
                });
            };
            let (header, data) = bytes.split_at(split);
            let mut crc = crc32fast::Hasher::new();
            crc.update(header);
            crc.combine(&copy_hashing(data, out));
            crc.finalize()
        }
    };
    if crc != member.crc32 {
        let err = npio::Error::Archive {
            reason: "member data fails its CRC-32 check".into(),
        };
        return Err(in_member(err, Some(&member.stored_name)));
    }
    Ok(())
}

/// The size of the pieces `len` bytes are cut into, one or more per thread.
fn piece(len: usize) -> usize {
    len.div_ceil(rayon::current_num_threads()).max(1 << 20)
}

/// The CRC-32 of `bytes`.
fn hash(bytes: &[u8]) -> u32 {
    if bytes.len() < PARALLEL_MIN {
        return crc32fast::hash(bytes);
    }
    bytes
        .par_chunks(piece(bytes.len()))
        .map(|chunk| {
            let mut hasher = crc32fast::Hasher::new();
            hasher.update(chunk);
            hasher
        })
        .reduce_with(|mut left, right| {
            left.combine(&right);
            left
        })
        .map_or(0, |h| h.finalize())
}

/// Copies `data` into `out` (of the same length) and returns the hasher of `data`.
fn copy_hashing(data: &[u8], out: &mut [u8]) -> crc32fast::Hasher {
    let one = |data: &[u8], out: &mut [u8]| {
        let mut hasher = crc32fast::Hasher::new();
        // Hashed while the piece is in cache from the copy.
        for (d, o) in data.chunks(64 << 10).zip(out.chunks_mut(64 << 10)) {
            o.copy_from_slice(d);
            hasher.update(d);
        }
        hasher
    };
    if data.len() < PARALLEL_MIN {
        return one(data, out);
    }
    let size = piece(data.len());
    data.par_chunks(size)
        .zip(out.par_chunks_mut(size))
        .map(|(d, o)| one(d, o))
        .reduce_with(|mut left, right| {
            left.combine(&right);
            left
        })
        .unwrap_or_default()
}
