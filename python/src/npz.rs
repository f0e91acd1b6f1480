//! Reading `.npz` archives: a lazy reader (`Archive`, behind Python's `NpzFile`) of a file,
//! bytes or a URL, whose `read_all` reads every member on all cores.

use std::collections::HashSet;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use npio::npz::MemberInfo;
use npio::remote::RemoteFile;
use npio::source::{Memory, Source as Cursor};
use npio::NpzReader;
use numpy::PyUntypedArray;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use rayon::prelude::*;

use crate::ahead::Ahead;
use crate::buffer::ArrayMemory;
use crate::errors::{in_member, OrPy};
use crate::fileobj::FileObject;
use crate::npy::{read_options, HeaderTuple};
use crate::pool;
use crate::read::{read_all_from, read_member, Allocator};
use crate::source::Source;
use crate::stored;

/// Archive bytes held by Python: the `bytes` object itself, not a copy (copying a large
/// archive cost more than reading its stored members: `tests/test_memory.py` measures the
/// memory), shared by the readers of several threads.
#[derive(Clone)]
pub(crate) struct Shared(Arc<HeldBytes>);

/// A `bytes` object and where its contents are.
struct HeldBytes {
    /// Keeps the object, so its contents, alive.
    _owner: Py<PyBytes>,
    ptr: *const u8,
    len: usize,
}

// SAFETY: the contents of a `bytes` object never change and never move while a reference to
// the object is held (`_owner`), so reading them from any thread, without the GIL, is sound;
// `Py` itself is Send and Sync (its reference is released under the GIL).
#[allow(unsafe_code)]
unsafe impl Send for HeldBytes {}
// SAFETY: as for Send: shared references only read immutable bytes.
#[allow(unsafe_code)]
unsafe impl Sync for HeldBytes {}

impl Shared {
    fn new(bytes: &Bound<'_, PyBytes>) -> Shared {
        let contents = bytes.as_bytes();
        Shared(Arc::new(HeldBytes {
            _owner: bytes.clone().unbind(),
            ptr: contents.as_ptr(),
            len: contents.len(),
        }))
    }
}

impl AsRef<[u8]> for Shared {
    #[allow(unsafe_code)]
    fn as_ref(&self) -> &[u8] {
        // SAFETY: `ptr` and `len` are the contents of the `bytes` object `_owner` keeps alive,
        // which never change or move (see `HeldBytes`).
        unsafe { std::slice::from_raw_parts(self.0.ptr, self.0.len) }
    }
}

/// An archive read from a file, from memory or from object storage. Cloning is cheap (the open
/// file, the bytes or the object's fetched headers, and the name index are shared), and each
/// clone reads on its own.
#[derive(Clone)]
pub(crate) enum Npz {
    File(NpzReader<Cursor<std::fs::File>>),
    Memory(NpzReader<Cursor<Memory<Shared>>>),
    /// A Python file object, read by position (`seek` + `read` under a lock).
    FileObject(NpzReader<Cursor<FileObject>>),
    /// The reader, and the object it reads (fetched whole for `read_all`).
    Remote(NpzReader<RemoteFile>, RemoteFile),
}

/// Runs `$body` with `$reader` bound to the archive's reader, whatever its source.
macro_rules! with_reader {
    ($npz:expr, $reader:ident => $body:expr) => {
        match $npz {
            Npz::File($reader) => $body,
            Npz::Memory($reader) => $body,
            Npz::FileObject($reader) => $body,
            Npz::Remote($reader, _) => $body,
        }
    };
}
pub(crate) use with_reader;

/// An open `.npz` archive: member names are listed once; members are read on demand.
///
/// Threads read members at once: each read takes its own clone of the reader (the lock is held
/// only to clone it, never across a release of the GIL, so threads neither deadlock nor wait
/// for each other's reads).
#[pyclass(frozen, module = "npio._npio")]
pub(crate) struct Archive {
    /// `None` once closed.
    npz: Mutex<Option<Npz>>,
    path: Option<PathBuf>,
    stored: Vec<String>,
    stored_set: HashSet<String>,
    names: Vec<String>,
    /// The member being read ahead, if any (see `ahead`).
    ahead: Mutex<Option<Ahead>>,
}

/// Opens an archive (a path, its bytes, or a file object read member by member).
#[pyfunction]
#[pyo3(signature = (source, max_header_size=10000))]
pub(crate) fn open_npz(
    py: Python<'_>,
    source: &Bound<'_, PyAny>,
    max_header_size: usize,
) -> PyResult<Archive> {
    let options = read_options(max_header_size);
    let (npz, path) = match Source::from_py(source)? {
        Source::Path(path) => {
            let reader = py.detach(|| options.open_npz(&path)).or_py(Some(&path))?;
            (Npz::File(reader), Some(path))
        }
        Source::Bytes(bytes) => {
            let shared = Shared::new(&bytes);
            let reader = options
                .npz_reader(Cursor::new(Memory::new(shared)))
                .or_py(None)?;
            (Npz::Memory(reader), None)
        }
        Source::FileObject(file) => {
            // Errors name the file's `name` (its path, for files `open` made).
            let name = file
                .getattr("name")
                .and_then(|n| n.extract::<PathBuf>())
                .ok();
            let source = Cursor::new(FileObject::new(&file)?);
            let reader = py
                .detach(|| options.npz_reader(source))
                .or_py(name.as_deref())?;
            (Npz::FileObject(reader), name)
        }
    };
    Ok(Archive::new(npz, path))
}

impl Archive {
    /// The archive `npz` opened, named `path` (a file's path or an object's URL) in errors.
    pub(crate) fn new(npz: Npz, path: Option<PathBuf>) -> Archive {
        let (stored, names) = with_reader!(&npz, r => (r.stored_names(), r.names()));
        Archive {
            stored_set: stored.iter().cloned().collect(),
            npz: Mutex::new(Some(npz)),
            path,
            stored,
            names,
            ahead: Mutex::new(None),
        }
    }

    /// Starts reading ahead the member after `stored` in archive order (unless `threads` is
    /// 1, the archive is not a file or bytes, or the member is not a compressed array; see
    /// `ahead`), into the read-ahead slot, before `stored` itself is waited for: so two
    /// members are read at once when members are asked for one after the other.
    fn read_ahead_after(
        &self,
        py: Python<'_>,
        stored: &str,
        numpy: &Allocator<'_, '_>,
        threads: Option<usize>,
    ) -> PyResult<()> {
        if threads == Some(1) || crate::pool::threads(threads) < 2 {
            return Ok(());
        }
        // Files and memory only: from a file object or a store, a member nobody asked for
        // would be bytes moved for nothing.
        let npz = self.reader()?;
        if !matches!(npz, Npz::File(_) | Npz::Memory(_)) {
            return Ok(());
        }
        let at = self.stored.iter().position(|s| s == stored);
        let Some(next) = at.and_then(|i| self.stored.get(i + 1)) else {
            return Ok(());
        };
        let started = Ahead::start(py, npz, next, numpy, self.path.as_deref());
        let replaced = std::mem::replace(&mut *self.lock_ahead(), started);
        py.detach(|| drop(replaced)); // waits for a read nobody asked for
        Ok(())
    }

    /// The read-ahead slot (never held across a release of the GIL).
    fn lock_ahead(&self) -> std::sync::MutexGuard<'_, Option<Ahead>> {
        self.ahead.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A reader of its own for one call: a clone taken under the lock, which is released
    /// before anything is read (and before the GIL is released).
    fn reader(&self) -> PyResult<Npz> {
        self.npz
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
            .ok_or_else(closed)
    }
}

#[pymethods]
impl Archive {
    /// Member names as NumPy lists them (`.npy` stripped), in archive order.
    fn names(&self) -> Vec<String> {
        self.names.clone()
    }

    /// The path or URL the archive was opened from; `None` for bytes.
    fn location(&self) -> Option<String> {
        self.path.as_ref().map(|p| p.display().to_string())
    }

    /// Member names as stored in the archive.
    fn stored_names(&self) -> Vec<String> {
        self.stored.clone()
    }

    /// The stored name for `key` (a listed name or a stored name), or `None`.
    fn resolve(&self, key: &str) -> Option<String> {
        if self.stored_set.contains(key) {
            return Some(key.to_string());
        }
        let with_suffix = format!("{key}.npy");
        self.stored_set
            .contains(&with_suffix)
            .then_some(with_suffix)
    }

    /// Reads member `key`: an array, or bytes for a member that is not an array (`alloc` and
    /// `view` as in `Allocator`).
    #[pyo3(signature = (key, alloc, view, threads=None))]
    fn read<'py>(
        &self,
        py: Python<'py>,
        key: &str,
        alloc: &Bound<'py, PyAny>,
        view: &Bound<'py, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let numpy = Allocator { alloc, view };
        let stored = self
            .resolve(key)
            .ok_or_else(|| PyKeyError::new_err(format!("{key} is not a file in the archive")))?;
        let ahead = self.lock_ahead().take();
        self.read_ahead_after(py, &stored, &numpy, threads)?;
        if let Some(ahead) = ahead {
            if let Some(array) = ahead.take(py, &stored, &numpy)? {
                return Ok(array);
            }
        }
        let mut npz = self.reader()?;
        let path = self.path.as_deref();
        with_reader!(&mut npz, r => read_member(py, r, &stored, &numpy, threads, path))
    }

    /// The bytes of member `key` as stored (inflated, CRC-checked): an object array's pickle,
    /// which the Python layer hands to NumPy when pickles are allowed.
    fn raw<'py>(&self, py: Python<'py>, key: &str) -> PyResult<Bound<'py, PyBytes>> {
        let stored = self
            .resolve(key)
            .ok_or_else(|| PyKeyError::new_err(format!("{key} is not a file in the archive")))?;
        let mut npz = self.reader()?;
        let path = self.path.as_deref();
        let bytes = py
            .detach(|| with_reader!(&mut npz, r => r.read_raw(&stored)))
            .or_py(path)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// Every member, `(name, value)` in archive order; arrays are read in parallel.
    #[pyo3(signature = (alloc, view, threads=None))]
    fn read_all<'py>(
        &self,
        py: Python<'py>,
        alloc: &Bound<'py, PyAny>,
        view: &Bound<'py, PyAny>,
        threads: Option<usize>,
    ) -> PyResult<Vec<(String, Bound<'py, PyAny>)>> {
        let numpy = Allocator { alloc, view };
        let npz = self.reader()?;
        let path = self.path.as_deref();
        // Every member is read: a remote archive is fetched whole first, at full speed (and
        // let go of when this returns).
        let _whole = match &npz {
            Npz::Remote(_, file) => Some(FetchedWhole::new(py, file.clone(), path)?),
            _ => None,
        };
        let values =
            with_reader!(&npz, r => read_all_from(py, r, &self.stored, &numpy, threads, path))?;
        Ok(self.names.iter().cloned().zip(values).collect())
    }

    /// For a stored (uncompressed) array member: `(descr, shape, fortran_order, offset)`,
    /// where `offset` is the position of its data in the archive (file or bytes), for a memory
    /// map or a view of the bytes; `None` for compressed members and members that are not
    /// arrays. With `check` (the default) the member's bytes are checked against their CRC-32
    /// first (as every read checks them), with the GIL released; without it, the caller checks
    /// them with `check_stored` before it hands out the data.
    #[pyo3(signature = (key, check=true))]
    fn map_info(&self, py: Python<'_>, key: &str, check: bool) -> PyResult<Option<HeaderTuple>> {
        let Some((stored, tuple, member)) = self.stored_member(py, key)? else {
            return Ok(None);
        };
        if check {
            self.check_member(py, &stored, &member, None)?;
        }
        Ok(Some(tuple))
    }

    /// Checks stored array member `key` against its CRC-32; with `out` (a new array of the
    /// member's dtype and shape, for an archive in memory) copies its data there in the same
    /// pass, on every core for large members. For members whose bytes are not aligned for
    /// their dtype, which cannot be viewed.
    #[pyo3(signature = (key, out=None))]
    fn check_stored(
        &self,
        py: Python<'_>,
        key: &str,
        out: Option<&Bound<'_, PyUntypedArray>>,
    ) -> PyResult<()> {
        let Some((stored, _, member)) = self.stored_member(py, key)? else {
            return Err(PyValueError::new_err(format!(
                "{key}: not a stored array member"
            )));
        };
        self.check_member(py, &stored, &member, out)
    }

    /// [`Archive::check_stored`] of several members at once, side by side on the pool (large
    /// members in pieces too): `read_all` of an archive in memory. `outs[i]` is a new array
    /// for a member whose bytes cannot be viewed, or `None` to check only.
    #[pyo3(signature = (keys, outs, threads=None))]
    fn check_stored_all(
        &self,
        py: Python<'_>,
        keys: Vec<String>,
        outs: Vec<Option<Bound<'_, PyUntypedArray>>>,
        threads: Option<usize>,
    ) -> PyResult<()> {
        let Npz::Memory(reader) = self.reader()? else {
            for (key, out) in keys.iter().zip(&outs) {
                self.check_stored(py, key, out.as_ref())?;
            }
            return Ok(());
        };
        let mut jobs = Vec::with_capacity(keys.len());
        for (key, out) in keys.iter().zip(&outs) {
            let Some((stored, _, member)) = self.stored_member(py, key)? else {
                return Err(PyValueError::new_err(format!(
                    "{key}: not a stored array member"
                )));
            };
            let memory = out.as_ref().map(|o| ArrayMemory::of(o, true)).transpose()?;
            jobs.push((stored, member, memory));
        }
        let source = reader.into_inner();
        let bytes = source.get_ref().get_ref().as_ref();
        let checked = py.detach(|| {
            pool::run(threads, || {
                jobs.into_par_iter()
                    .try_for_each(|(stored, member, mut memory)| {
                        // SAFETY: each `out` is a new array the caller made for this copy and has
                        // not handed to other code; `outs` keeps them alive.
                        let out = memory.as_mut().map(|m| unsafe { m.as_mut_slice() });
                        stored::check_and_copy(bytes, &member, out)
                            .map_err(|e| in_member(e, Some(&stored)))
                    })
            })
        })?;
        checked.or_py(self.path.as_deref())
    }

    /// A new file descriptor of the archive file that was opened and checked (the caller
    /// owns it), so that members are mapped from that file even if its path now names
    /// another; `None` for archives in memory.
    fn dup_file(&self) -> PyResult<Option<i32>> {
        let Npz::File(reader) = self.reader()? else {
            return Ok(None);
        };
        let file = reader
            .into_inner()
            .get_ref()
            .try_clone()
            .map_err(|e| pyo3::exceptions::PyOSError::new_err(e.to_string()))?;
        #[cfg(unix)]
        {
            use std::os::fd::IntoRawFd;
            Ok(Some(file.into_raw_fd()))
        }
        #[cfg(not(unix))]
        {
            drop(file);
            Ok(None)
        }
    }

    /// Closes the archive; later reads raise `ValueError`.
    fn close(&self, py: Python<'_>) {
        *self.npz.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let ahead = self.lock_ahead().take();
        py.detach(|| drop(ahead));
    }

    /// True once closed.
    #[getter]
    fn closed(&self) -> bool {
        self.npz.lock().unwrap_or_else(|e| e.into_inner()).is_none()
    }
}

impl Archive {
    /// The stored name, `(descr, shape, fortran_order, data offset)` and entry of stored
    /// array member `key`; `None` for members that are compressed or not arrays.
    fn stored_member(
        &self,
        py: Python<'_>,
        key: &str,
    ) -> PyResult<Option<(String, HeaderTuple, MemberInfo)>> {
        let Some(stored) = self.resolve(key) else {
            return Err(PyKeyError::new_err(format!(
                "{key} is not a file in the archive"
            )));
        };
        if !stored.ends_with(".npy") {
            return Ok(None);
        }
        let path = self.path.as_deref();
        let found = with_reader!(self.reader()?, owned => {
            let mut owned = owned;
            stored::stored_array(py, &mut owned, &stored, path)?
        });
        Ok(found.map(|(tuple, member)| (stored, tuple, member)))
    }

    /// Checks a stored member's CRC-32 (copying its data into `out` on the way, for archives
    /// in memory).
    fn check_member(
        &self,
        py: Python<'_>,
        stored: &str,
        member: &MemberInfo,
        out: Option<&Bound<'_, PyUntypedArray>>,
    ) -> PyResult<()> {
        let path = self.path.as_deref();
        match (self.reader()?, out) {
            (Npz::Memory(reader), out) => {
                // The bytes are at hand: hashed (and copied) where they are.
                let source = reader.into_inner();
                let bytes = source.get_ref().get_ref();
                let mut memory = out.map(|o| ArrayMemory::of(o, true)).transpose()?;
                py.detach(|| {
                    // SAFETY: `out` is a new array the caller made for this copy and has not
                    // handed to other code; the caller's reference keeps it alive.
                    let out = memory.as_mut().map(|m| unsafe { m.as_mut_slice() });
                    stored::check_and_copy(bytes.as_ref(), member, out)
                })
                .or_py(path)
            }
            (npz, None) => with_reader!(npz, owned => {
                let mut owned = owned;
                py.detach(|| check_crc(&mut owned, stored)).or_py(path)
            }),
            (_, Some(_)) => Err(PyValueError::new_err(
                "check_stored copies members of archives in memory only",
            )),
        }
    }
}

/// A remote object fetched whole into memory, let go of when dropped.
struct FetchedWhole(RemoteFile);

impl FetchedWhole {
    fn new(py: Python<'_>, file: RemoteFile, path: Option<&Path>) -> PyResult<FetchedWhole> {
        py.detach(|| file.fetch_whole())
            .map_err(npio::Error::from)
            .or_py(path)?;
        Ok(FetchedWhole(file))
    }
}

impl Drop for FetchedWhole {
    fn drop(&mut self) {
        self.0.release_whole();
    }
}

/// Reads member `stored` through, so that the zip reader checks its CRC-32.
fn check_crc<R: Read + Seek>(reader: &mut NpzReader<R>, stored: &str) -> npio::Result<()> {
    let mut raw = reader.raw_reader(stored)?;
    let mut buf = vec![0u8; 1 << 20];
    while raw
        .read(&mut buf)
        .map_err(|e| in_member(e.into(), Some(stored)))?
        != 0
    {}
    Ok(())
}

/// The error for reads after `close()`.
fn closed() -> PyErr {
    PyValueError::new_err("the archive is closed")
}
