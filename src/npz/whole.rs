//! Members read in one piece: the compressed bytes in, one libdeflate call (about 1.3x faster
//! than streaming through zlib-rs) or one zstd call, the CRC checked at once; into a buffer
//! npio allocates ([`inflate_member`]) or one the caller owns ([`read_member_into`]).

use std::io::{Read, Seek};

use zip::read::ZipFile;
use zip::{CompressionMethod, ZipArchive};

use super::deflate;
use super::DEFLATE_MAX_RATIO;
use crate::codec::fill::{zeroed_vec, PageRange};
use crate::error::{Error, Result};
use crate::header::{read_header, ReadOptions};
use crate::io::read_up_to;
use crate::par;

/// The most data a member can really yield: its declared size, and for compressed members
/// no more than their method's maximum expansion of its compressed bytes.
pub(super) fn length_bound<R: Read>(file: &ZipFile<'_, R>) -> u64 {
    length_bound_of(file.compression(), file.size(), file.compressed_size())
}

/// [`length_bound`] from the method, declared size and compressed size.
pub(super) fn length_bound_of(method: CompressionMethod, declared: u64, compressed: u64) -> u64 {
    match method {
        CompressionMethod::Stored => declared.min(compressed),
        #[cfg(feature = "zstd")]
        CompressionMethod::Zstd => declared.min(
            compressed
                .saturating_mul(super::zstd::MAX_RATIO)
                .saturating_add(1024),
        ),
        _ => declared.min(
            compressed
                .saturating_mul(DEFLATE_MAX_RATIO)
                .saturating_add(1024),
        ),
    }
}

/// Opens member `index` to stream through the zip crate's decoder, after refusing a zstd member
/// whose first frame asks for more window than a whole decode accepts (see
/// `zstd::check_windows`: one verdict on every route).
pub(super) fn by_index_streamed<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
) -> Result<ZipFile<'_, R>> {
    #[cfg(feature = "zstd")]
    if archive.by_index_data(index)?.compression() == CompressionMethod::Zstd {
        let mut head = [0u8; 18]; // the longest frame header
        let got = read_up_to(&mut archive.by_index_raw(index)?, &mut head)?;
        super::zstd::check_windows(&head[..got], false)?;
    }
    Ok(archive.by_index(index)?)
}

/// Compressed members up to this size are read whole: compressed bytes in, one libdeflate (or
/// zstd) call (about 1.3x faster than streaming through zlib-rs), CRC checked. Larger members
/// stream.
pub(super) const WHOLE_INFLATE_MAX: u64 = 512 << 20;

/// Inflates member `index` in one piece when it is deflated (or zstd) and at most `whole_max` bytes,
/// its CRC checked; `None` for members that stream. The buffer is sized by the declared size
/// only after the compressed bytes have really arrived and only if deflate could expand them
/// that far (and within the reader's data limit), so a false claim allocates nothing.
pub(super) fn inflate_member<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    options: &ReadOptions,
    whole_max: u64,
) -> Result<Option<Vec<u8>>> {
    let directory_start = archive.central_directory_start();
    let mut raw = archive.by_index_raw(index)?;
    let declared = raw.size();
    if !inflates_whole(&raw) || declared > whole_max || declared > options.get_max_data_size() {
        return Ok(None);
    }
    // When the claimed range ends before the zip directory (which was really read), the
    // compressed bytes exist and, with the ratio check, justify the declared size: the output
    // is allocated at once and its pages fault in on another thread (if one is free) while
    // the compressed bytes arrive. Otherwise the output is sized once they have arrived.
    let fits = fits_before(&raw, directory_start);
    let mut data = if fits {
        zeroed_vec(declared as usize)
    } else {
        Vec::new()
    };
    let pages = prefaulted(&raw, &data);
    let compressed = par::alongside(
        move || pages.populate(),
        || compressed_bytes(&mut raw, fits),
    )?;
    if !fits {
        data = zeroed_vec(declared as usize);
    }
    inflate_checked(raw.compression(), &compressed, &mut data, raw.crc32())?;
    Ok(Some(data))
}

/// Reads member `index`, an array, whole into `out`: its `.npy` header, then its data. A
/// deflated member is inflated straight into `out` (its pages faulting in on another thread
/// meanwhile); others, and deflated members of over [`WHOLE_INFLATE_MAX`] compressed bytes,
/// are streamed into it. Checks the CRC, and what
/// [`crate::NpyReader::read_raw_into`] checks: no object dtype, bools 0 or 1, nothing after
/// the data.
pub(super) fn read_member_into<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    index: usize,
    options: &ReadOptions,
    out: &mut [u8],
) -> Result<()> {
    let directory_start = archive.central_directory_start();
    let mut raw = archive.by_index_raw(index)?;
    if out.len() as u64 != raw.size() {
        return Err(Error::DataLength {
            found: out.len() as u64,
            expected: raw.size(),
        });
    }
    // Past the size inflated whole elsewhere, stream: the compressed bytes are not held.
    if inflates_whole(&raw) && raw.compressed_size() <= WHOLE_INFLATE_MAX {
        let fits = fits_before(&raw, directory_start);
        let pages = prefaulted(&raw, out);
        let compressed = par::alongside(
            move || pages.populate(),
            || compressed_bytes(&mut raw, fits),
        )?;
        inflate_checked(raw.compression(), &compressed, out, raw.crc32())?;
    } else {
        drop(raw);
        let mut file = by_index_streamed(archive, index)?;
        let got = read_up_to(&mut file, out)?;
        if got < out.len() {
            return Err(Error::Archive {
                reason: format!(
                    "member data is truncated: {got} of {} bytes present",
                    out.len()
                ),
            });
        }
        // Reading past the declared size makes the zip reader check the CRC.
        if file.read(&mut [0u8; 1])? != 0 {
            return Err(Error::Archive {
                reason: "member data is longer than the archive declares".into(),
            });
        }
    }
    check_array(out, options)
}

/// Members that claim more than this many times their compressed size are not prefaulted.
const PREFAULT_MAX_RATIO: u64 = 8;

/// The output pages to fault in on another thread while the compressed bytes arrive: all of
/// `out` when the member's claim is plausible for real data (at most [`PREFAULT_MAX_RATIO`]
/// times its compressed size), else none, so that the memory touched follows the data
/// actually inflated (libdeflate writes its output in order) and a member claiming far more
/// than it holds costs no memory for the claim.
fn prefaulted<R: Read>(raw: &ZipFile<'_, R>, out: &[u8]) -> PageRange {
    if raw.size() <= raw.compressed_size().saturating_mul(PREFAULT_MAX_RATIO) {
        PageRange::of(out)
    } else {
        PageRange::of(&out[..0])
    }
}

/// Whether `raw` is deflated (or zstd), with a declared size its compressed bytes could
/// inflate to.
fn inflates_whole<R: Read>(raw: &ZipFile<'_, R>) -> bool {
    let whole = match raw.compression() {
        CompressionMethod::Deflated => true,
        #[cfg(feature = "zstd")]
        CompressionMethod::Zstd => true,
        _ => false,
    };
    whole && length_bound(raw) == raw.size()
}

/// Whether the compressed bytes `raw` claims end before the zip directory (which was read).
fn fits_before<R: Read>(raw: &ZipFile<'_, R>, directory_start: u64) -> bool {
    raw.data_start()
        .and_then(|start| start.checked_add(raw.compressed_size()))
        .is_some_and(|end| end <= directory_start)
}

/// The compressed bytes of `raw`, all of them, able to inflate to its declared size. With
/// `fits` (see [`fits_before`]) they are read into a buffer of the claimed size; otherwise
/// collected as they come.
fn compressed_bytes<R: Read>(raw: &mut ZipFile<'_, R>, fits: bool) -> Result<Vec<u8>> {
    let (claimed, declared, method) = (raw.compressed_size(), raw.size(), raw.compression());
    let mut compressed = Vec::new();
    if fits {
        compressed = zeroed_vec(claimed as usize);
        let got = read_up_to(raw, &mut compressed)?;
        compressed.truncate(got);
    } else {
        raw.read_to_end(&mut compressed)?;
    }
    let arrived = compressed.len() as u64;
    if arrived < claimed || declared > length_bound_of(method, declared, arrived) {
        return Err(Error::Archive {
            reason: format!(
                "member data is truncated: {arrived} of {claimed} compressed bytes present"
            ),
        });
    }
    Ok(compressed)
}

/// Inflates `compressed` (deflated or zstd, as `method` says) into all of `out`, then checks
/// the CRC.
fn inflate_checked(
    method: CompressionMethod,
    compressed: &[u8],
    out: &mut [u8],
    crc: u32,
) -> Result<()> {
    match method {
        #[cfg(feature = "zstd")]
        CompressionMethod::Zstd => super::zstd::decompress_into(compressed, out)?,
        _ => deflate::inflate_into(compressed, out)?,
    }
    if crate::par::crc32(out) != crc {
        return Err(Error::Archive {
            reason: "member data fails its CRC-32 check".into(),
        });
    }
    Ok(())
}

/// Checks a whole `.npy` member in memory as an array npio hands out as bytes: a header, no
/// objects, exactly the data it describes. Bool bytes are carried as they are, as NumPy loads
/// them (only typed Rust `bool` reads and `verify` insist on 0 or 1).
fn check_array(bytes: &[u8], options: &ReadOptions) -> Result<()> {
    let info = read_header(&mut &bytes[..], options)?;
    let header = &info.header;
    header.dtype.check_no_object()?;
    info.check_len(bytes.len() as u64)?;
    let start = info.data_offset as usize;
    let end = start + header.data_len()?;
    if end != bytes.len() && !options.get_allow_trailing_data() {
        return Err(Error::TrailingData { offset: end as u64 });
    }
    Ok(())
}
