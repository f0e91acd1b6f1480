//! Where an array comes from: a path (`str`, `os.PathLike`), bytes in memory, or (archives)
//! a file object.

use std::path::PathBuf;

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// A file path or a `bytes` object.
pub(crate) enum Source<'py> {
    /// A file on disk.
    Path(PathBuf),
    /// Bytes held by Python (immutable, so safe to read without the GIL).
    Bytes(Bound<'py, PyBytes>),
    /// An object with `read` and `seek` (read by position, see `fileobj`).
    FileObject(Bound<'py, PyAny>),
}

impl<'py> Source<'py> {
    /// `bytes` as bytes, anything `os.fspath` accepts as a path, else an object with `read`
    /// and `seek` as a file object.
    pub(crate) fn from_py(object: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = object.cast::<PyBytes>() {
            return Ok(Source::Bytes(bytes.clone()));
        }
        if object.hasattr("read")? && object.hasattr("seek")? {
            return Ok(Source::FileObject(object.clone()));
        }
        object.extract::<PathBuf>().map(Source::Path).map_err(|_| {
            PyTypeError::new_err(format!(
                "expected a path (str or os.PathLike), bytes or a file object, got {}",
                object
                    .get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_else(|_| "an object".into())
            ))
        })
    }
}
