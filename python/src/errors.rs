//! npio's typed errors as Python exceptions: files that are missing or unreadable raise the
//! matching `OSError`, a missing archive member `KeyError`, pickled object arrays
//! `PickleRequired` (a `ValueError`, as `np.load(allow_pickle=False)` raises), anything
//! malformed a `ValueError` whose message names the file, the member and the problem.

use std::io::ErrorKind;
use std::path::Path;

use pyo3::create_exception;
use pyo3::exceptions::{
    PyFileNotFoundError, PyIsADirectoryError, PyKeyError, PyOSError, PyPermissionError,
    PyValueError,
};
use pyo3::PyErr;

create_exception!(
    _npio,
    PickleRequired,
    pyo3::exceptions::PyValueError,
    "The data holds Python objects, which only pickle can read: \
     load it with allow_pickle=True (only from a trusted source)."
);

/// The exception for `err`; `path` is named first when the message does not already name it.
pub(crate) fn to_py(err: npio::Error, path: Option<&Path>) -> PyErr {
    let mut message = err.to_string();
    if let Some(path) = path {
        let shown = path.display().to_string();
        if !message.starts_with(&shown) {
            message = format!("{shown}: {message}");
        }
    }
    match err.root() {
        npio::Error::Io(io) => match io.kind() {
            ErrorKind::NotFound => PyFileNotFoundError::new_err(message),
            ErrorKind::PermissionDenied => PyPermissionError::new_err(message),
            ErrorKind::IsADirectory => PyIsADirectoryError::new_err(message),
            ErrorKind::UnexpectedEof
            | ErrorKind::InvalidData
            | ErrorKind::InvalidInput
            | ErrorKind::Unsupported => PyValueError::new_err(message),
            _ => PyOSError::new_err(message),
        },
        npio::Error::NoSuchMember { .. } => PyKeyError::new_err(message),
        npio::Error::ObjectDType { .. } => PickleRequired::new_err(format!(
            "Object arrays cannot be loaded when allow_pickle=False ({message}); if you trust \
             the file, load it with allow_pickle=True (NumPy then unpickles it)"
        )),
        _ => PyValueError::new_err(message),
    }
}

/// Converts npio results, naming `path` in errors.
pub(crate) trait OrPy<T> {
    /// The value, or the Python exception for the error.
    fn or_py(self, path: Option<&Path>) -> pyo3::PyResult<T>;
}

impl<T> OrPy<T> for npio::Result<T> {
    fn or_py(self, path: Option<&Path>) -> pyo3::PyResult<T> {
        self.map_err(|e| to_py(e, path))
    }
}

/// Names the archive member an error happened in (unless it already names one).
pub(crate) fn in_member(err: npio::Error, stored: Option<&str>) -> npio::Error {
    match (err, stored) {
        (already @ npio::Error::Member { .. }, _) | (already, None) => already,
        (other, Some(member)) => npio::Error::Member {
            member: member.to_string(),
            source: Box::new(other),
        },
    }
}
