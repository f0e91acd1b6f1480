//! The crate's one read loop, and positional reads. The bottom layer, with [`crate::error`].

use std::io::Read;

use crate::error::Result;

/// Reads until `buf` is full or the source ends; returns the number of bytes read. The one
/// read loop of the crate (retrying interrupted reads).
pub(crate) fn read_up_to<R: Read + ?Sized>(reader: &mut R, buf: &mut [u8]) -> Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(got)
}

/// Writes at least this large reserve their blocks first (see [`reserve`]).
const RESERVE_MIN: u64 = 1 << 20;

/// Reserves the file's blocks for `len` bytes from `offset` before they are written, without
/// changing its size (`fallocate` with `KEEP_SIZE`, as `np.save` does): a large write then
/// does not allocate blocks as it goes (512 MiB `.npy`: see docs/PERFORMANCE.md, "Why
/// `np.save` writes a large file faster"). Best effort: filesystems without it, other systems
/// and small writes are left as they are.
pub(crate) fn reserve(file: &std::fs::File, offset: u64, len: u64) {
    #[cfg(target_os = "linux")]
    if len >= RESERVE_MIN {
        let _ = rustix::fs::fallocate(file, rustix::fs::FallocateFlags::KEEP_SIZE, offset, len);
    }
    #[cfg(not(target_os = "linux"))]
    let _ = (file, offset, len, RESERVE_MIN);
}
