//! A Python file object (`open(path, "rb")`, an fsspec file, anything with `seek` and `read`)
//! as a positional source, so archives passed as file objects are read member by member, as
//! `np.load` reads them, instead of whole into memory.

use std::io;

use npio::source::{ReadAhead, ReadAt};
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The most bytes one `read` call asks the file object for: a large member is read in pieces
/// so that Python's `bytes` for it never doubles the memory.
const READ_MAX: usize = 16 << 20;

/// A file object read by position. Its `seek` and `read` pairs run under a `threading.Lock`
/// of their own (taken through Python, so waiting for it releases the GIL), so threads reading
/// members at once never interleave them.
pub(crate) struct FileObject {
    file: Py<PyAny>,
    lock: Py<PyAny>,
    /// Where the archive starts in the file (its position when opened), and its size from there.
    base: u64,
    size: u64,
}

impl FileObject {
    /// `file` from its current position to its end, if it has `seek` and `read`.
    pub(crate) fn new(file: &Bound<'_, PyAny>) -> PyResult<FileObject> {
        let py = file.py();
        let base: u64 = file.call_method0("tell")?.extract()?;
        let end: u64 = file.call_method1("seek", (0, 2))?.extract()?;
        file.call_method1("seek", (base,))?;
        Ok(FileObject {
            file: file.clone().unbind(),
            lock: py.import("threading")?.getattr("Lock")?.call0()?.unbind(),
            base,
            size: end.saturating_sub(base),
        })
    }

    /// One `seek` and `read` of at most `buf.len()` bytes, under the lock.
    fn read_locked(&self, py: Python<'_>, buf: &mut [u8], offset: u64) -> PyResult<usize> {
        let lock = self.lock.bind(py);
        lock.call_method0("acquire")?;
        let read = (|| {
            let file = self.file.bind(py);
            file.call_method1("seek", (self.base + offset,))?;
            let data = file.call_method1("read", (buf.len().min(READ_MAX),))?;
            let bytes = data.cast::<PyBytes>()?.as_bytes();
            let n = bytes.len().min(buf.len());
            buf[..n].copy_from_slice(&bytes[..n]);
            Ok(n)
        })();
        lock.call_method0("release")?;
        read
    }
}

impl ReadAt for FileObject {
    fn size(&self) -> u64 {
        self.size
    }

    /// Small reads ahead: 4 KiB first (a local header, a `.npy` header), doubling to 1 MiB
    /// while sequential (a directory): a file object may be a network file, where every byte
    /// read ahead is a byte moved.
    fn read_ahead(&self) -> ReadAhead {
        ReadAhead::new(4 << 10, 1 << 20, 64 << 10)
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        if buf.is_empty() || offset >= self.size {
            return Ok(0);
        }
        let want = (buf.len() as u64).min(self.size - offset) as usize;
        Python::attach(|py| self.read_locked(py, &mut buf[..want], offset))
            .map_err(|e| io::Error::other(format!("reading the file object failed: {e}")))
    }
}
