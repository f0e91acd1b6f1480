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

/// Decodes the zstd frames in `raw` into all of `out`, which they must fill exactly (`out` is
/// sized by the member's declared size, already checked against [`MAX_RATIO`]).
pub(crate) fn decompress_into(raw: &[u8], out: &mut [u8]) -> Result<()> {
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
