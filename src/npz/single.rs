//! A one-member zip around a stream compressed elsewhere (deflate or zstd).
//!
//! The zip crate compresses members itself, on one thread, and copies members of another
//! archive as they are; it cannot take a stream compressed elsewhere. Wrapping the stream that
//! `npz/deflate.rs` (or `npz/zstd.rs`) compressed on every core in this minimal archive lets
//! the writer copy it in.
//! It earns its place on the `benches/compare.py` row "write npz deflated, mixed 56 MiB":
//! 395 ms (388-403) with parallel blocks through this wrapper, 859 ms (851-897) with every
//! member streamed through one compressor (2026-12-04, 2 cores, 7 and 5 runs).

#[cfg(doc)]
use super::PARALLEL_DEFLATE_MAX;

/// The zip method numbers of the streams [`one_member_zip`] wraps.
pub(super) const DEFLATED: u16 = 8;
#[cfg(feature = "zstd")]
pub(super) const ZSTD: u16 = 93;

/// A one-member zip archive around an already compressed stream (zip method `method`:
/// [`DEFLATED`] or [`ZSTD`]), so that the zip writer can copy the member into the real archive
/// as it is (`raw_copy_file_rename`). Same metadata as members the writer compresses itself:
/// 1980-01-01 00:00, Unix mode 0644. Sizes must fit in 32 bits (members up to
/// [`PARALLEL_DEFLATE_MAX`]).
pub(super) fn one_member_zip(raw: &[u8], crc: u32, uncompressed: u64, method: u16) -> Vec<u8> {
    const NAME: &[u8] = b"m";
    const DOS_DATE_1980_01_01: u16 = (1 << 5) | 1;
    // APPNOTE 4.4.3.2: 2.0 for deflate, 6.3 for zstd.
    let version_needed: u16 = if method == DEFLATED { 20 } else { 63 };
    let made_by_unix: u16 = (3 << 8) | version_needed;
    let unix_mode_0644: u32 = (0o100644) << 16;
    let (compressed, uncompressed) = (raw.len() as u32, uncompressed as u32);
    let mut out = Vec::with_capacity(raw.len() + 128);
    let put16 = |out: &mut Vec<u8>, v: u16| out.extend_from_slice(&v.to_le_bytes());
    // Local file header.
    out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    put16(&mut out, version_needed);
    put16(&mut out, 0); // flags
    put16(&mut out, method);
    put16(&mut out, 0); // time
    put16(&mut out, DOS_DATE_1980_01_01);
    for v in [crc, compressed, uncompressed] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    put16(&mut out, NAME.len() as u16);
    put16(&mut out, 0); // extra length
    out.extend_from_slice(NAME);
    out.extend_from_slice(raw);
    // Central directory.
    let directory_start = out.len() as u32;
    out.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
    put16(&mut out, made_by_unix);
    put16(&mut out, version_needed);
    put16(&mut out, 0);
    put16(&mut out, method);
    put16(&mut out, 0);
    put16(&mut out, DOS_DATE_1980_01_01);
    for v in [crc, compressed, uncompressed] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    put16(&mut out, NAME.len() as u16);
    for _ in 0..4 {
        put16(&mut out, 0); // extra, comment, disk, internal attributes
    }
    out.extend_from_slice(&unix_mode_0644.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes()); // local header offset
    out.extend_from_slice(NAME);
    let directory_len = out.len() as u32 - directory_start;
    // End of central directory.
    out.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    put16(&mut out, 0);
    put16(&mut out, 0);
    put16(&mut out, 1);
    put16(&mut out, 1);
    out.extend_from_slice(&directory_len.to_le_bytes());
    out.extend_from_slice(&directory_start.to_le_bytes());
    put16(&mut out, 0);
    out
}
