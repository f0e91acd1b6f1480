//! Zstandard members (zip method 93; feature `zstd`): whole members compressed into one zstd
//! frame, on several of libzstd's own worker threads when large, and decoded whole.
//!
//! One frame per member, because Python's `zipfile` (3.14, and `backports.zstd`) stops at the
//! end of the first frame. libzstd cuts a large input into jobs for its workers itself, so a
//! member still compresses on every core. `docs/PERFORMANCE.md` ("zstd members") has the
//! measurements.

use crate::error::{Error, Result};

/// The most a zstd frame can expand: an RLE block (3-byte header and one byte) stands for up
/// to 128 KiB. A member claiming more than this times its compressed size (plus a frame's
/// overhead) is refused before anything is allocated.
pub(crate) const MAX_RATIO: u64 = 1 << 15;

/// Members at least this large compress on libzstd's worker threads; smaller ones compress on
/// the calling thread (the other members of the archive keep the other threads busy).
const WORKERS_FROM: usize = 8 << 20;

/// Compresses `data` into one zstd frame at `level`.
pub(crate) fn compress(data: &[u8], level: i32) -> Result<Vec<u8>> {
    let failed = |e: std::io::Error| Error::Io(std::io::Error::other(format!("zstd: {e}")));
    let mut compressor = zstd::bulk::Compressor::new(level).map_err(failed)?;
    let threads = crate::par::threads();
    if data.len() >= WORKERS_FROM && threads > 1 {
        compressor
            .set_parameter(zstd::zstd_safe::CParameter::NbWorkers(threads as u32))
            .map_err(failed)?;
    }
    compressor.compress(data).map_err(failed)
}

/// The largest history window a frame may ask of its decoder: libzstd's default limit for
/// streaming decoders (`ZSTD_WINDOWLOG_LIMIT_DEFAULT`, 128 MiB), which the zip crate's decoder
/// (npio's streaming route) and Python's `zipfile` apply, and no encoder exceeds without being
/// asked to (`--long`). A whole decode needs no window, but refuses the same frames, so that every
/// route gives the same verdict and no window is ever allocated from a claim.
const MAX_WINDOW: u64 = 1 << 27;

/// The window the zstd frame at the start of `frame` asks for (0 for a skippable frame), or
/// `None` when `frame` does not start with a whole frame header (RFC 8878, 3.1.1.1).
fn frame_window(frame: &[u8]) -> Option<u64> {
    let magic = u32::from_le_bytes(frame.get(..4)?.try_into().ok()?);
    if magic & 0xFFFF_FFF0 == 0x184D_2A50 {
        return Some(0);
    }
    if magic != 0xFD2F_B528 {
        return None;
    }
    let descriptor = *frame.get(4)?;
    if descriptor & 0x20 == 0 {
        // Window_Descriptor: exponent and mantissa.
        let window = *frame.get(5)?;
        let base = 1u64 << (10 + u32::from(window >> 3));
        return Some(base + base / 8 * u64::from(window & 7));
    }
    // A single segment: the window is the content size, which follows the dictionary ID.
    let at = 5 + [0, 1, 2, 4][usize::from(descriptor & 3)];
    let len = [1, 2, 4, 8][usize::from(descriptor >> 6)];
    let mut size = [0u8; 8];
    size[..len].copy_from_slice(frame.get(at..at + len)?);
    Some(u64::from_le_bytes(size) + if len == 2 { 256 } else { 0 })
}

/// Refuses a frame of `raw` that asks for a window over [`MAX_WINDOW`]: every frame when `raw`
/// is a whole member, the first when it is only the start of one (for the streaming route,
/// whose decoder checks the frames after it).
pub(crate) fn check_windows(mut raw: &[u8], whole: bool) -> Result<()> {
    while let Some(window) = frame_window(raw) {
        if window > MAX_WINDOW {
            return Err(Error::Archive {
                reason: format!(
                    "zstd frame asks for a window of {window} bytes, over the {} MiB decoders \
                     accept",
                    MAX_WINDOW >> 20
                ),
            });
        }
        match zstd::zstd_safe::find_frame_compressed_size(raw) {
            Ok(n) if whole && n > 0 && n <= raw.len() => raw = &raw[n..],
            _ => break,
        }
    }
    Ok(())
}

/// Decodes the zstd frames in `raw` into all of `out`, which they must fill exactly (`out` is
/// sized by the member's declared size, already checked against [`MAX_RATIO`]).
pub(crate) fn decompress_into(raw: &[u8], out: &mut [u8]) -> Result<()> {
    check_windows(raw, true)?;
    let size = out.len();
    let bad = |reason: String| Error::Archive { reason };
    let mut decompressor =
        zstd::bulk::Decompressor::new().map_err(|e| bad(format!("zstd: {e}")))?;
    match decompressor.decompress_to_buffer(raw, out) {
        Ok(n) if n == size => Ok(()),
        Ok(n) => Err(bad(format!(
            "member data is truncated: {n} of {size} bytes present"
        ))),
        Err(e) if e.to_string().contains("too small") => {
            Err(bad("member data is longer than the archive declares".into()))
        }
        Err(e) => Err(bad(format!("member data is not valid zstd: {e}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_decodes_to_what_was_compressed_and_nothing_else() {
        let data: Vec<u8> = (0..(WORKERS_FROM + 12345) as u32)
            .map(|i| (i % 7 + i / 4096 % 3) as u8)
            .collect();
        let raw = compress(&data, 3).unwrap();
        assert!(raw.len() * 50 < data.len(), "{}", raw.len());
        let mut out = vec![0u8; data.len()];
        decompress_into(&raw, &mut out).unwrap();
        assert_eq!(out, data);
        let mut short = vec![0u8; data.len() - 1];
        let err = decompress_into(&raw, &mut short).unwrap_err().to_string();
        assert!(err.contains("longer than the archive declares"), "{err}");
        let mut long = vec![0u8; data.len() + 1];
        let err = decompress_into(&raw, &mut long).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
        let err = decompress_into(&raw[..raw.len() / 2], &mut out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("zstd") || err.contains("truncated"), "{err}");
    }

    /// The window rule agrees with libzstd's streaming decoder (the zip crate's, Python's):
    /// a frame's window descriptor set from 4 MiB to 512 MiB is accepted by every route up to
    /// 128 MiB and refused by every route above it.
    #[test]
    fn windows_over_128_mib_are_refused_as_streaming_decoders_refuse_them() {
        let data: Vec<u8> = (0..4u32 << 20)
            .map(|i| ((i % 251) ^ (i >> 13)) as u8)
            .collect();
        let raw = compress(&data, 3).unwrap();
        assert_eq!(raw[4] & 0x20, 0, "a frame with a window descriptor");
        for (exponent, mantissa) in [(12, 0), (16, 0), (17, 0), (17, 1), (18, 0), (19, 0)] {
            let mut frame = raw.clone();
            frame[5] = exponent << 3 | mantissa;
            let window = frame_window(&frame).unwrap();
            assert_eq!(window, (8 + u64::from(mantissa)) << (7 + exponent));
            let streamed = zstd::stream::decode_all(&frame[..]);
            let mut out = vec![0u8; data.len()];
            let whole = decompress_into(&frame, &mut out);
            assert_eq!(
                whole.is_ok(),
                streamed.is_ok(),
                "window {window}: {whole:?}"
            );
            assert_eq!(whole.is_ok(), window <= MAX_WINDOW, "window {window}");
            if let Ok(streamed) = streamed {
                assert!(streamed == data && out == data);
            }
        }
        // Only the first frame is looked at for a stream; a whole member's every frame.
        let mut two = raw.clone();
        two.extend_from_slice(&raw);
        let at = raw.len() + 5;
        two[at] = 20 << 3;
        assert!(check_windows(&two, false).is_ok());
        let err = check_windows(&two, true).unwrap_err().to_string();
        assert!(err.contains("window of 1073741824 bytes"), "{err}");
    }

    #[test]
    fn an_rle_block_stays_within_the_ratio_bound() {
        let zeros = vec![0u8; 64 << 20];
        let raw = compress(&zeros, 3).unwrap();
        assert!(
            (zeros.len() as u64) <= raw.len() as u64 * MAX_RATIO,
            "{} bytes from {}",
            zeros.len(),
            raw.len()
        );
    }
}
