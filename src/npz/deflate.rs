//! Deflate for whole npz members: parallel blocks, and a level chosen from the data.
//!
//! A member is cut into blocks of [`BLOCK_BYTES`]; each block is compressed as its own task
//! with the 32 KiB before it as a preset dictionary (so matches still reach back across the
//! cut) and ends with a sync flush (an empty stored block that leaves the output
//! byte-aligned); the last block finishes the stream. Concatenated in order, the blocks are
//! one ordinary raw deflate stream, readable by zlib, NumPy, `unzip` and every zip reader.
//! This is the technique of Mark Adler's `pigz`.
//!
//! No deflate implementation wins everywhere, so [`choose_encoder`] compresses a few samples of
//! the member several ways and picks the fastest encoder whose output is the size of level 6
//! (what NumPy writes; the smaller of zlib-rs's and libdeflate's) within half a percent:
//! libdeflate (a C library) at level 1 on entropy-bound data such as float noise (four times
//! zlib's speed, same size), else libdeflate at level 6 (on float and image-like data about
//! twice as fast as zlib-rs, and as small or smaller), else zlib-rs level 6 (integers).
//! Higher levels are used only when the caller asks for them.
//! libdeflate compresses a member in one piece (it cannot end a block without ending the
//! stream), so its members are compressed one thread each, several members at a time.
//! [`inflate_into`] reads whole members with libdeflate too, about 1.3x faster than zlib-rs.
//! `docs/PERFORMANCE.md` has the measurements.

use flate2::{Compress, CompressError, FlushCompress, Status};

use crate::error::{Error, Result};

/// Input bytes per independently compressed block.
pub(crate) const BLOCK_BYTES: usize = 1 << 20;

/// Deflate's window: the dictionary each block starts with.
const WINDOW_BYTES: usize = 32 << 10;

/// Bytes per sample and number of samples [`choose_encoder`] compresses.
const SAMPLE_BYTES: usize = 32 << 10;
const SAMPLES: usize = 4;

/// libdeflate is chosen when its samples are at most this fraction of level 6's (what NumPy
/// writes): the same size within half a percent, at two to four times the speed.
const SAME_SIZE: f64 = 1.005;

/// How one member is deflated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoder {
    /// zlib-rs at this level, in parallel blocks.
    Zlib(u32),
    /// libdeflate at this level, one piece.
    Libdeflate(u32),
}

/// Members smaller than this are not sampled (sampling would cost more than any choice
/// saves): see [`compress_small`].
pub(crate) const SMALL_MEMBER: usize = SAMPLE_BYTES * SAMPLES * 2;

/// libdeflate level 1 output at least this fraction of its input means entropy-bound data,
/// where no level finds more to remove.
const ENTROPY_BOUND: f64 = 0.9;

/// Members smaller than this go straight to libdeflate level 6: probing with level 1 first
/// would cost more (each call clears its match finder's tables, 128 KiB at level 1) than
/// level 6 spends on the whole member.
const TINY_MEMBER: usize = 4 << 10;

/// Compresses a member smaller than [`SMALL_MEMBER`] when npio chooses: libdeflate level 1
/// where the data is entropy-bound, else libdeflate level 6 (as small as zlib's level 6 or
/// smaller, at twice its speed; on a few KiB zlib-rs is slower still, as it sets up more).
/// Tiny members (under [`TINY_MEMBER`]) always take level 6.
pub(crate) fn compress_small(data: &[u8]) -> Result<Vec<u8>> {
    if data.len() < TINY_MEMBER {
        return libdeflate(data, 6);
    }
    let fast = libdeflate(data, 1)?;
    if fast.len() as f64 >= data.len() as f64 * ENTROPY_BOUND {
        return Ok(fast);
    }
    libdeflate(data, 6)
}

/// The encoder for a member of at least [`SMALL_MEMBER`] bytes when the caller lets npio
/// choose (see the module documentation).
pub(crate) fn choose_encoder(data: &[u8]) -> Encoder {
    if data.len() < SMALL_MEMBER {
        return Encoder::Zlib(6);
    }
    let stride = (data.len() - SAMPLE_BYTES) / (SAMPLES - 1);
    let sample = |i: usize| &data[i * stride..i * stride + SAMPLE_BYTES];
    // Samples compress as parallel tasks: the choice costs a fraction of the member.
    let sizes: Vec<Option<[usize; 3]>> = crate::par::map(SAMPLES, |i| {
        Some([
            deflate_block(sample(i), &[], 6, true).ok()?.len(),
            libdeflate(sample(i), 1).ok()?.len(),
            libdeflate(sample(i), 6).ok()?.len(),
        ])
    });
    // Compressing into memory cannot fail; if it did, keep NumPy's level.
    let Some(sizes) = sizes.into_iter().collect::<Option<Vec<_>>>() else {
        return Encoder::Zlib(6);
    };
    let total = |k: usize| sizes.iter().map(|s| s[k]).sum::<usize>() as f64;
    let (zlib6, fastest, libdeflate6) = (total(0), total(1), total(2));
    // What level 6 achieves: NumPy's zlib lands between the two implementations (zlib-rs is
    // 6% larger on image-like bytes, libdeflate 1-2% larger on integers).
    let level6 = zlib6.min(libdeflate6);
    if fastest <= level6 * SAME_SIZE {
        // Entropy-bound data (float noise): every level gives the same size.
        Encoder::Libdeflate(1)
    } else if libdeflate6 <= zlib6 * SAME_SIZE {
        Encoder::Libdeflate(6)
    } else {
        Encoder::Zlib(6)
    }
}

/// Compresses `data` into one raw deflate stream with `encoder` (zlib-rs in parallel blocks).
pub(crate) fn compress(data: &[u8], encoder: Encoder) -> Result<Vec<u8>> {
    match encoder {
        Encoder::Zlib(level) => deflate(data, level),
        Encoder::Libdeflate(level) => libdeflate(data, level),
    }
}

/// One raw deflate stream from libdeflate.
fn libdeflate(data: &[u8], level: u32) -> Result<Vec<u8>> {
    let failed = |what: String| Error::Io(std::io::Error::other(format!("libdeflate: {what}")));
    let level = libdeflater::CompressionLvl::new(level as i32)
        .map_err(|e| failed(format!("level {level}: {e:?}")))?;
    let mut compressor = libdeflater::Compressor::new(level);
    let mut out = vec![0u8; compressor.deflate_compress_bound(data.len())];
    let n = compressor
        .deflate_compress(data, &mut out)
        .map_err(|e| failed(format!("{e:?}")))?;
    out.truncate(n);
    Ok(out)
}

/// Inflates a whole raw deflate stream into `out`, which it must fill exactly (`out` is sized
/// by the member's declared size, already checked against what its compressed size can hold).
pub(crate) fn inflate_into(raw: &[u8], out: &mut [u8]) -> Result<()> {
    let size = out.len();
    let mut decompressor = libdeflater::Decompressor::new();
    match decompressor.deflate_decompress(raw, out) {
        Ok(n) if n == size => Ok(()),
        Ok(n) => Err(Error::Archive {
            reason: format!("member data inflates to {n} bytes, but the archive declares {size}"),
        }),
        Err(libdeflater::DecompressionError::InsufficientSpace) => Err(Error::Archive {
            reason: format!(
                "member data inflates to more than the {size} bytes the archive declares"
            ),
        }),
        Err(libdeflater::DecompressionError::BadData) => Err(Error::Archive {
            reason: "member data is not valid deflate data".into(),
        }),
    }
}

/// Compresses `data` into one raw deflate stream at `level`, its blocks as parallel tasks.
pub(crate) fn deflate(data: &[u8], level: u32) -> Result<Vec<u8>> {
    join_blocks(crate::par::map(block_count(data.len()), |i| {
        block(data, i, level)
    }))
}

/// How many blocks [`deflate`] cuts `len` bytes into.
pub(crate) fn block_count(len: usize) -> usize {
    len.div_ceil(BLOCK_BYTES).max(1)
}

/// The length of block `i` of `len` bytes.
pub(crate) fn block_len(len: usize, i: usize) -> usize {
    let start = i * BLOCK_BYTES;
    (start + BLOCK_BYTES).min(len).saturating_sub(start)
}

/// Block `i` of `data` compressed at `level`: one fragment of the member's stream.
pub(crate) fn block(data: &[u8], i: usize, level: u32) -> BlockResult {
    let start = i * BLOCK_BYTES;
    let end = (start + BLOCK_BYTES).min(data.len());
    let dictionary = &data[start.saturating_sub(WINDOW_BYTES)..start];
    deflate_block(
        &data[start..end],
        dictionary,
        level,
        i + 1 == block_count(data.len()),
    )
}

/// The member's stream: its blocks' fragments in order.
pub(crate) fn join_blocks(results: Vec<BlockResult>) -> Result<Vec<u8>> {
    let mut out = Vec::with_capacity(results.iter().map(|r| r.as_ref().map_or(0, Vec::len)).sum());
    for result in results {
        out.extend_from_slice(&result.map_err(compress_error)?);
    }
    Ok(out)
}

/// One compressed block, or why it failed.
pub(crate) type BlockResult = std::result::Result<Vec<u8>, CompressError>;

fn compress_error(e: CompressError) -> Error {
    Error::Io(std::io::Error::other(format!("deflate failed: {e}")))
}

/// Compresses one block as a raw deflate fragment: ends with a sync flush, or finishes the
/// stream when `last`.
fn deflate_block(
    input: &[u8],
    dictionary: &[u8],
    level: u32,
    last: bool,
) -> std::result::Result<Vec<u8>, CompressError> {
    let mut compress = Compress::new(flate2::Compression::new(level), false);
    if !dictionary.is_empty() {
        compress.set_dictionary(dictionary)?;
    }
    let flush = if last {
        FlushCompress::Finish
    } else {
        FlushCompress::Sync
    };
    let mut out = Vec::with_capacity(input.len() / 2 + 1024);
    loop {
        let consumed = compress.total_in() as usize;
        let status = compress.compress_vec(&input[consumed..], &mut out, flush)?;
        let all_in = compress.total_in() as usize == input.len();
        let done = if last {
            status == Status::StreamEnd
        } else {
            // The flush is complete once a call leaves output space unused.
            all_in && out.len() < out.capacity()
        };
        if done {
            return Ok(out);
        }
        out.reserve(out.capacity().max(4096));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    fn inflate(raw: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        flate2::read::DeflateDecoder::new(raw)
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    fn walk(n: usize) -> Vec<u8> {
        let mut x = 0.0f64;
        let mut state = 12345u64;
        let values: Vec<f64> = (0..n)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                x += (state >> 40) as f64 / (1u64 << 24) as f64 - 0.5;
                x
            })
            .collect();
        bytemuck::cast_slice(&values).to_vec()
    }

    #[test]
    fn parallel_blocks_form_one_stream_that_inflates_to_the_input() {
        for len in [0, 1, BLOCK_BYTES - 1, BLOCK_BYTES, 3 * BLOCK_BYTES + 17] {
            let data = walk(len.div_ceil(8));
            let data = &data[..len];
            {
                let raw = deflate(data, 6).unwrap();
                assert_eq!(inflate(&raw), data, "len {len}");
            }
        }
    }

    #[test]
    fn output_does_not_depend_on_the_thread_count() {
        let data = walk(3 * BLOCK_BYTES + 5);
        let reference = deflate(&data, 6).unwrap();
        #[cfg(feature = "parallel")]
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap();
            assert_eq!(pool.install(|| deflate(&data, 6).unwrap()), reference);
        }
        assert_eq!(inflate(&reference), data);
    }

    #[test]
    fn dictionaries_keep_the_ratio_close_to_one_stream() {
        // Repetitive data compresses across block cuts thanks to the preset dictionary: the
        // blocks together are hardly larger than one stream (without dictionaries each block
        // would restart from nothing).
        use std::io::Write;
        let data: Vec<u8> = (0..4 * BLOCK_BYTES).map(|i| (i % 1000) as u8).collect();
        let blocks = deflate(&data, 6).unwrap();
        let mut one = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
        one.write_all(&data).unwrap();
        let one = one.finish().unwrap();
        assert!(
            blocks.len() <= one.len() + 4 * 64,
            "{} vs {}",
            blocks.len(),
            one.len()
        );
        let undictionaried: usize = data
            .chunks(BLOCK_BYTES)
            .map(|b| deflate_block(b, &[], 6, true).unwrap().len())
            .sum();
        assert!(
            blocks.len() + 1000 < undictionaried,
            "{} vs {undictionaried}",
            blocks.len()
        );
    }

    #[test]
    fn each_member_gets_the_encoder_that_pays() {
        assert_eq!(choose_encoder(&[0u8; 100]), Encoder::Zlib(6));
        // Random-walk floats: libdeflate is smaller than zlib-rs level 6 (and faster).
        assert_eq!(choose_encoder(&walk(1 << 18)), Encoder::Libdeflate(6));
        // Image-like bytes (smooth gradient plus a little noise): libdeflate is 10% smaller
        // than zlib-rs at level 6 there, and faster.
        let mut state = 7u64;
        let image: Vec<u8> = (0..1usize << 21)
            .map(|i| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                (((i % 4096 + i / 4096) / 37 % 256) as u8).wrapping_add((state >> 61) as u8)
            })
            .collect();
        assert_eq!(choose_encoder(&image), Encoder::Libdeflate(6));
        let size = |encoder| compress(&image, encoder).unwrap().len();
        assert!(size(Encoder::Libdeflate(6)) < size(Encoder::Zlib(6)));
        // Float noise is entropy-bound: every level gives one size, so the fastest encoder.
        let noise: Vec<u8> = (0..1usize << 19)
            .flat_map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                ((state >> 40) as f32 / (1u32 << 24) as f32 - 0.5).to_le_bytes()
            })
            .collect();
        assert_eq!(choose_encoder(&noise), Encoder::Libdeflate(1));
        // Every encoder's output inflates back, with zlib or libdeflate.
        let data = walk(1 << 18);
        for encoder in [
            Encoder::Zlib(6),
            Encoder::Zlib(9),
            Encoder::Libdeflate(1),
            Encoder::Libdeflate(6),
        ] {
            let raw = compress(&data, encoder).unwrap();
            assert_eq!(inflate(&raw), data);
            assert_eq!(inflate_whole(&raw, data.len()).unwrap(), data);
        }
    }

    #[test]
    fn small_members_are_as_small_as_numpys_level_6() {
        let zlib6 = |data: &[u8]| deflate_block(data, &[], 6, true).unwrap().len();
        let mut state = 3u64;
        let mut noise = || {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
            (state >> 33) as u32
        };
        let noise_f64: Vec<u8> = (0..1000)
            .flat_map(|_| (noise() as f64 / 7.0).to_le_bytes())
            .collect();
        let ints: Vec<u8> = (0..100i32).flat_map(|i| i.to_le_bytes()).collect();
        let text = b"units: metres; origin: survey 12; ".repeat(300);
        for data in [
            &walk(3000)[..],
            &noise_f64,
            &ints,
            &text,
            &[0u8; 5000],
            &[],
            b"x",
        ] {
            let raw = compress_small(data).unwrap();
            assert_eq!(inflate(&raw), data);
            let numpy = zlib6(data);
            assert!(
                raw.len() as f64 <= numpy as f64 * 1.01 + 8.0,
                "{} bytes: {} vs zlib's {numpy}",
                data.len(),
                raw.len()
            );
        }
    }

    /// `inflate_into` on a fresh buffer of `size` bytes.
    fn inflate_whole(raw: &[u8], size: usize) -> Result<Vec<u8>> {
        let mut out = vec![0; size];
        inflate_into(raw, &mut out).map(|()| out)
    }

    #[test]
    fn whole_inflate_refuses_wrong_sizes_and_bad_data() {
        let data = walk(1000);
        let raw = compress(&data, Encoder::Zlib(6)).unwrap();
        let short = inflate_whole(&raw, data.len() - 1).unwrap_err();
        assert!(short.to_string().contains("more than"), "{short}");
        let long = inflate_whole(&raw, data.len() + 1).unwrap_err();
        assert!(
            long.to_string().contains("inflates to 8000 bytes"),
            "{long}"
        );
        let bad = inflate_whole(&[0xff; 20], 100).unwrap_err();
        assert!(bad.to_string().contains("not valid deflate"), "{bad}");
    }
}
