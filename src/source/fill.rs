//! Filling a large buffer from a positional source fast: several threads, each reading and
//! post-processing its own part (the `read_npy` rows of `benches/compare.py`: every 4 KiB page
//! of a fresh buffer faults on first touch, and the threads fault their parts at once).
//! `docs/PERFORMANCE.md` has the measurements behind the thresholds below.

use std::fs::File;
use std::io;

use super::ReadAt;
#[cfg(feature = "remote")]
use super::Source;

/// Reads at least this large are split across threads.
pub(crate) const PARALLEL_MIN_BYTES: usize = 32 << 20;

/// Most threads one read uses; more only contend for memory bandwidth.
const MAX_READ_THREADS: usize = 4;

/// Bytes read and post-processed per step, small enough to stay in cache between the two.
const PIECE_BYTES: usize = 1 << 20;

/// A step applied to each piece of the buffer right after it is read (for instance a byte
/// swap); pieces always hold whole items.
pub type PostProcess<'a> = Option<&'a (dyn Fn(&mut [u8]) + Sync)>;

/// [`ReadAt::fill_at`]'s default: large buffers split across threads on item boundaries.
pub(super) fn fill_parallel<S: ReadAt + ?Sized>(
    source: &S,
    buf: &mut [u8],
    start: u64,
    unit: usize,
    post: PostProcess<'_>,
) -> io::Result<usize> {
    let threads = crate::par::threads()
        .min(MAX_READ_THREADS)
        .min(buf.len() / (PARALLEL_MIN_BYTES / 2));
    if buf.len() < PARALLEL_MIN_BYTES || threads < 2 {
        return fill_part(source, buf, start, unit, post);
    }
    // Split on item boundaries, each part a whole number of pieces where possible.
    let per_thread = buf
        .len()
        .div_ceil(threads)
        .next_multiple_of(piece_len(unit));
    let parts: Vec<(usize, &mut [u8])> = buf.chunks_mut(per_thread).enumerate().collect();
    let results: Vec<io::Result<(usize, usize)>> = crate::par::map_parts(parts, |(i, part)| {
        let offset = start + (i * per_thread) as u64;
        let len = part.len();
        fill_part(source, part, offset, unit, post).map(|got| (got, len))
    });
    // The filled prefix ends at the first part that came up short.
    let mut filled = 0;
    for result in results {
        let (got, len) = result?;
        filled += got;
        if got < len {
            break;
        }
    }
    Ok(filled)
}

/// One thread's share: positional reads of `part` from `offset`, piece by piece.
fn fill_part<S: ReadAt + ?Sized>(
    source: &S,
    part: &mut [u8],
    mut offset: u64,
    unit: usize,
    post: PostProcess<'_>,
) -> io::Result<usize> {
    let mut filled = 0;
    for piece in part.chunks_mut(piece_len(unit)) {
        let got = read_up_to(source, piece, offset)?;
        filled += got;
        offset += got as u64;
        if let Some(post) = post {
            post(&mut piece[..got - got % unit.max(1)]);
        }
        if got < piece.len() {
            break;
        }
    }
    Ok(filled)
}

/// Fills `buf` from `offset` with plain positional reads (one call each as large as the
/// source answers), then applies `post` to its whole items: the `fill_at` of sources whose
/// reads are a copy or already parallel (memory, remote objects).
pub(crate) fn fill_then_post<S: ReadAt + ?Sized>(
    source: &S,
    buf: &mut [u8],
    offset: u64,
    unit: usize,
    post: PostProcess<'_>,
) -> io::Result<usize> {
    let filled = read_up_to(source, buf, offset)?;
    if let Some(post) = post {
        post(&mut buf[..filled - filled % unit.max(1)]);
    }
    Ok(filled)
}

/// Positional reads until `buf` is full or the source ends.
fn read_up_to<S: ReadAt + ?Sized>(source: &S, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match source.read_at(&mut buf[got..], offset + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Bytes per piece: whole items, about [`PIECE_BYTES`].
pub(crate) fn piece_len(unit: usize) -> usize {
    let unit = unit.max(1);
    (PIECE_BYTES / unit).max(1) * unit
}

/// Reads from `offset` without moving the file position (a single `pread`), retrying when
/// interrupted. Returns the bytes read (0 at the end of the file).
pub(crate) fn read_at_file(file: &File, buf: &mut [u8], offset: u64) -> io::Result<usize> {
    #[cfg(unix)]
    use std::os::unix::fs::FileExt;
    #[cfg(windows)]
    use std::os::windows::fs::FileExt;
    loop {
        #[cfg(unix)]
        let result = FileExt::read_at(file, buf, offset);
        #[cfg(windows)]
        let result = FileExt::seek_read(file, buf, offset);
        match result {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            other => return other,
        }
    }
}

/// Fills `buf` from a cursor's position with [`ReadAt::fill_at`] and moves the position past
/// what was read, as a plain `read` would: the whole-array fill of readers over a [`Source`].
#[cfg(feature = "remote")]
pub(crate) fn fill_source<S: ReadAt + ?Sized>(
    cursor: &mut Source<S>,
    buf: &mut [u8],
    unit: usize,
    post: PostProcess<'_>,
) -> crate::error::Result<usize> {
    let filled = cursor
        .get_ref()
        .fill_at(buf, cursor.position(), unit, post)?;
    cursor.advance(filled as u64);
    Ok(filled)
}
