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
