//! Filling large buffers fast: where whole-array reads spend their time.
//!
//! Reading a big array into a fresh buffer is bound by the kernel, not by the copy: every
//! 4 KiB page of the new buffer faults on first touch. Two measures remove most of that cost:
//!
//! - [`zeroed_vec`] advises transparent huge pages on large fresh allocations (as NumPy does),
//!   so one fault maps 2 MiB instead of 4 KiB;
//! - [`fill_file`] reads a large file range with several positional reads in parallel, each
//!   thread faulting and filling its own part, and applies a post-processing step (such as a
//!   byte swap) to each small piece while it is still in cache (the fill every positional
//!   source shares: [`crate::source::ReadAt::fill_at`]).
//!
//! Both only change speed: the bytes that land in the buffer are the same as a plain `read`.
//! `docs/PERFORMANCE.md` has the measurements behind the thresholds below.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};

use bytemuck::Pod;

use crate::error::Result;
use crate::io::read_up_to;
use crate::source::{piece_len, ReadAt};

/// Allocations at least this large get huge-page advice (two huge pages: smaller buffers
/// rarely contain an aligned 2 MiB range).
const HUGE_PAGE_MIN_BYTES: usize = 4 << 20;

pub(crate) use crate::source::PostProcess;

/// A zero-filled vector of `count` items; large ones are backed by huge pages where the
/// system allows (Linux with transparent huge pages in `madvise` or `always` mode).
pub(crate) fn zeroed_vec<T: Pod>(count: usize) -> Vec<T> {
    // alloc_zeroed: large allocations are fresh zero pages, not yet touched.
    let mut v = bytemuck::zeroed_vec::<T>(count);
    advise_huge_pages(bytemuck::cast_slice_mut(&mut v));
    v
}

#[cfg(target_os = "linux")]
#[allow(unsafe_code)]
pub(crate) fn advise_huge_pages(buf: &mut [u8]) {
    if buf.len() < HUGE_PAGE_MIN_BYTES {
        return;
    }
    const PAGE: usize = 4096;
    let start = (buf.as_ptr() as usize).next_multiple_of(PAGE);
    let end = (buf.as_ptr() as usize + buf.len()) & !(PAGE - 1);
    if end > start {
        // SAFETY: [start, end) is page-aligned and lies inside `buf`, which we borrow
        // mutably, so no other code uses this memory now. MADV_HUGEPAGE only tells the kernel
        // how to back the pages; it never changes their contents (zero pages stay zero,
        // written pages keep their data). Failure (e.g. THP disabled) is harmless and ignored.
        let _ = unsafe {
            rustix::mm::madvise(
                start as *mut std::ffi::c_void,
                end - start,
                rustix::mm::Advice::LinuxHugepage,
            )
        };
    }
}

#[cfg(not(target_os = "linux"))]
pub(crate) fn advise_huge_pages(_: &mut [u8]) {}

/// The whole pages of a large buffer, by address, so that [`PageRange::populate`] can fault
/// them in on an idle thread while another thread fills the buffer (a deflated member's output
/// while its compressed bytes arrive and inflate). Empty for buffers under 4 MiB.
#[derive(Clone, Copy, Debug)]
#[cfg_attr(not(feature = "npz"), allow(dead_code))] // used by the archive reader
pub(crate) struct PageRange {
    start: usize,
    end: usize,
}

#[cfg_attr(not(feature = "npz"), allow(dead_code))]
impl PageRange {
    /// The whole pages inside `buf`.
    pub(crate) fn of(buf: &[u8]) -> PageRange {
        const PAGE: usize = 4096;
        if buf.len() < HUGE_PAGE_MIN_BYTES {
            return PageRange { start: 0, end: 0 };
        }
        PageRange {
            start: (buf.as_ptr() as usize).next_multiple_of(PAGE),
            end: (buf.as_ptr() as usize + buf.len()) & !(PAGE - 1),
        }
    }

    /// Maps the pages writable, as a first write to each would, without writing: contents
    /// never change, so this is safe while other threads write to the same pages, and even
    /// after the buffer is gone (the kernel then refuses or maps pages no one reads).
    #[cfg(target_os = "linux")]
    #[allow(unsafe_code)]
    pub(crate) fn populate(self) {
        if self.end > self.start {
            // SAFETY: madvise touches no memory from user space; MADV_POPULATE_WRITE (Linux
            // 5.14) only fills page tables for the range, leaving every byte as it is, so it
            // cannot race with the writer of the buffer. Errors (EINVAL on older kernels,
            // ENOMEM for a range no longer mapped) are harmless: pages then fault in when
            // first written, as they would without this call.
            let _ = unsafe {
                rustix::mm::madvise(
                    self.start as *mut std::ffi::c_void,
                    self.end - self.start,
                    rustix::mm::Advice::LinuxPopulateWrite,
                )
            };
        }
    }

    /// Does nothing where the system has no such advice.
    #[cfg(not(target_os = "linux"))]
    pub(crate) fn populate(self) {}
}

/// Reads into `buf` until it is full or the source ends, applying `post` to each piece
/// (`unit`-byte items) as it lands. Returns the number of bytes read.
pub(crate) fn fill_sequential<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut [u8],
    unit: usize,
    post: PostProcess<'_>,
) -> Result<usize> {
    // Piece by piece even without a post-processing step: a checksumming reader (zip
    // members) then also sees each piece while it is in cache.
    let mut filled = 0;
    for piece in buf.chunks_mut(piece_len(unit)) {
        let got = read_up_to(reader, piece)?;
        filled += got;
        if let Some(post) = post {
            post(&mut piece[..got - got % unit]);
        }
        if got < piece.len() {
            break;
        }
    }
    Ok(filled)
}

/// Like [`fill_sequential`] for a file read from its current position: large buffers are
/// filled by several threads with positional reads ([`ReadAt::fill_at`]), and the file
/// position is then moved past what was read, as a plain `read` would.
pub(crate) fn fill_file(
    file: &mut File,
    buf: &mut [u8],
    unit: usize,
    post: PostProcess<'_>,
) -> Result<usize> {
    let start = file.stream_position()?;
    let filled = file.fill_at(buf, start, unit, post)?;
    file.seek(SeekFrom::Start(start + filled as u64))?;
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// Reads at least this large are split across threads (`source::fill`).
    const PARALLEL_MIN: usize = 32 << 20;

    /// A file holding `bytes`; removed when the returned folder is dropped.
    fn temp_file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, File) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        File::create(&path).unwrap().write_all(bytes).unwrap();
        let file = File::open(&path).unwrap();
        (dir, file)
    }

    fn pattern(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i * 7 + i / 251) as u8).collect()
    }

    #[test]
    fn huge_page_advice_keeps_contents() {
        // The advised vector is zero, and data written before advice survives it.
        let v = zeroed_vec::<u64>(HUGE_PAGE_MIN_BYTES / 8 + 3);
        assert!(v.iter().all(|&x| x == 0));
        let mut bytes = pattern(HUGE_PAGE_MIN_BYTES + 5);
        let copy = bytes.clone();
        advise_huge_pages(&mut bytes);
        assert_eq!(bytes, copy);
    }

    #[test]
    fn parallel_fill_matches_a_plain_read_and_moves_the_position() {
        let data = pattern(PARALLEL_MIN * 2 + 12_345);
        let (_dir, mut file) = temp_file("parallel", &data);
        file.seek(SeekFrom::Start(100)).unwrap();
        let mut buf = vec![0u8; data.len() - 100 - 45];
        let got = fill_file(&mut file, &mut buf, 8, None).unwrap();
        assert_eq!(got, buf.len());
        assert_eq!(buf, data[100..data.len() - 45]);
        let mut rest = Vec::new();
        file.read_to_end(&mut rest).unwrap();
        assert_eq!(rest, data[data.len() - 45..]);
    }

    #[test]
    fn parallel_fill_reports_the_filled_prefix_of_a_short_file() {
        let data = pattern(PARALLEL_MIN + 1000);
        let (_dir, mut file) = temp_file("short", &data);
        let mut buf = vec![0u8; PARALLEL_MIN * 3];
        let got = fill_file(&mut file, &mut buf, 4, None).unwrap();
        assert_eq!(got, data.len());
        assert_eq!(buf[..got], data[..]);
        assert_eq!(file.stream_position().unwrap(), data.len() as u64);
    }

    #[test]
    fn post_processing_sees_every_whole_item_once() {
        let data = pattern(PARALLEL_MIN + 4 * 1001);
        let (_dir, mut file) = temp_file("post", &data);
        let reverse = |b: &mut [u8]| b.chunks_exact_mut(4).for_each(|c| c.reverse());
        let mut expected = data.clone();
        reverse(&mut expected);
        for parallel in [true, false] {
            file.seek(SeekFrom::Start(0)).unwrap();
            let mut buf = vec![0u8; data.len()];
            let got = if parallel {
                fill_file(&mut file, &mut buf, 4, Some(&reverse)).unwrap()
            } else {
                fill_sequential(&mut file, &mut buf, 4, Some(&reverse)).unwrap()
            };
            assert_eq!(got, data.len());
            assert!(buf == expected, "parallel: {parallel}");
        }
    }
}
