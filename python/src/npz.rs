//! Reading `.npz` archives: a lazy reader (`Archive`, behind Python's `NpzFile`) of a file,
//! bytes or a URL, whose `read_all` reads every member on all cores.

use std::collections::HashSet;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use npio::npy::HeaderInfo;
use npio::npz::MemberInfo;
use npio::remote::RemoteFile;
use npio::source::{Memory, Source as Cursor};
use npio::NpzReader;
use numpy::PyUntypedArray;
use pyo3::exceptions::{PyKeyError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use rayon::prelude::*;

use crate::buffer::ArrayMemory;
use crate::errors::{in_member, OrPy};
use crate::fileobj::FileObject;
use crate::npy::{allocate, check_before_alloc, fill, read_options, HeaderTuple};
use crate::pool;
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

/// Reads one member: an array for `*.npy` members, the bytes of any other member.
fn read_member<'py, R: Read + Seek + Send>(
    py: Python<'py>,
    reader: &mut NpzReader<R>,
    stored: &str,
    numpy: &Allocator<'_, 'py>,
    threads: Option<usize>,
    path: Option<&Path>,
) -> PyResult<Bound<'py, PyAny>> {
    if !stored.ends_with(".npy") {
        let bytes = py.detach(|| reader.read_raw(stored)).or_py(path)?;
        return Ok(PyBytes::new(py, &bytes).into_any());
    }
    let info = py.detach(|| reader.member_info(stored)).or_py(path)?;
    if let Some(npy) = whole_member(&info, stored, path)? {
        let buffer = numpy.bytes(info.size)?;
        let mut memory = ArrayMemory::of(&buffer, true)?;
        // SAFETY: `buffer` was allocated above for this read only, no Python code has seen it
        // yet, and it outlives the call.
        py.detach(|| reader.read_member_into(stored, unsafe { memory.as_mut_slice() }))
            .or_py(path)?;
        return numpy.view(&buffer, &npy);
    }
    let mut member = reader.member_reader(stored).or_py(path)?;
    check_before_alloc(&mut member, path, Some(stored))?;
    let array = allocate(numpy.alloc, member.header())?;
    fill(py, member, &array, threads, path, Some(stored))?;
    Ok(array.into_any())
}

/// The Python callables that allocate arrays: `alloc(descr, shape, fortran_order)` gives an
/// empty array, `view(buffer, offset, descr, shape, fortran_order)` the array in a byte buffer
/// that holds a whole member.
struct Allocator<'a, 'py> {
    alloc: &'a Bound<'py, PyAny>,
    view: &'a Bound<'py, PyAny>,
}

impl<'py> Allocator<'_, 'py> {
    /// An uninitialised byte array of `len` bytes.
    fn bytes(&self, len: u64) -> PyResult<Bound<'py, PyUntypedArray>> {
        let py = self.alloc.py();
        let len = usize::try_from(len)
            .map_err(|_| PyValueError::new_err("the member is too large for this machine"))?;
        let array = self
            .alloc
            .call1(("'|u1'", PyTuple::new(py, [len])?, false))?;
        Ok(array.cast_into::<PyUntypedArray>()?)
    }

    /// The array of `npy` in `buffer`, a whole member.
    fn view(
        &self,
        buffer: &Bound<'py, PyUntypedArray>,
        npy: &HeaderInfo,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = self.view.py();
        let header = &npy.header;
        self.view.call1((
            buffer,
            npy.data_offset,
            header.dtype.descr_repr(),
            PyTuple::new(py, &header.shape)?,
            header.fortran_order,
        ))
    }
}

/// The header of an array member read whole into a byte buffer and viewed in place: deflated
/// members holding exactly their header and data (inflated straight into the buffer NumPy
/// keeps: no copy, half the memory). `None` for members read into a new array (stored ones
/// are copied from the file once anyway). Arrays of objects raise as `np.load` does.
fn whole_member(
    info: &MemberInfo,
    stored: &str,
    path: Option<&Path>,
) -> PyResult<Option<HeaderInfo>> {
    let Some(npy) = &info.npy else {
        return Ok(None);
    };
    npy.header
        .dtype
        .check_no_object()
        .map_err(|e| in_member(e, Some(stored)))
        .or_py(path)?;
    let exact = npy
        .header
        .data_len()
        .ok()
        .and_then(|len| npy.data_offset.checked_add(len as u64))
        == Some(info.size);
    Ok((info.compressed && exact).then(|| npy.clone()))
}

/// A member to fill in `read_all`: into its array, or whole into a byte buffer then viewed.
struct Job {
    stored: String,
    size: u64,
    memory: ArrayMemory,
    whole: bool,
}

/// Reads every member; arrays are filled on the pool, largest first, one reader per thread.
fn read_all_from<'py, R: Read + Seek + Clone + Send + Sync>(
    py: Python<'py>,
    reader: &NpzReader<R>,
    stored: &[String],
    numpy: &Allocator<'_, 'py>,
    threads: Option<usize>,
    path: Option<&Path>,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let mut first = reader.clone();
    let mut values = Vec::with_capacity(stored.len());
    let mut views = Vec::new();
    let mut jobs = Vec::new();
    // Every header (members() inflates only their bytes, checks that each member can hold
    // the data it claims, and fetches a remote archive's headers at once); the data is read
    // on the pool below.
    let infos = py.detach(|| first.members()).or_py(path)?;
    for (name, info) in stored.iter().zip(infos) {
        if !name.ends_with(".npy") {
            let bytes = py.detach(|| first.read_raw(name)).or_py(path)?;
            values.push(PyBytes::new(py, &bytes).into_any());
            continue;
        }
        let whole = whole_member(&info, name, path)?;
        let array = match (&whole, &info.npy) {
            (Some(_), _) => numpy.bytes(info.size)?,
            (None, Some(npy)) => allocate(numpy.alloc, &npy.header)?,
            (None, None) => {
                // Named `.npy` without being one: the reader says what is wrong.
                let mut member = first.member_reader(name).or_py(path)?;
                check_before_alloc(&mut member, path, Some(name))?;
                allocate(numpy.alloc, member.header())?
            }
        };
        let memory = ArrayMemory::of(&array, true)?;
        jobs.push(Job {
            stored: name.clone(),
            size: memory.len() as u64,
            memory,
            whole: whole.is_some(),
        });
        if let Some(npy) = whole {
            views.push((values.len(), array.clone(), npy));
        }
        values.push(array.into_any());
    }
    jobs.sort_by_key(|job| std::cmp::Reverse(job.size));
    let result = py.detach(|| {
        pool::run(threads, move || {
            jobs.into_par_iter()
                .map_init(
                    || reader.clone(),
                    |r, mut job| {
                        // SAFETY: each job's array was allocated above for this read only and
                        // no Python code has seen it yet; `values` keeps them alive.
                        let out = unsafe { job.memory.as_mut_slice() };
                        if job.whole {
                            return r.read_member_into(&job.stored, out);
                        }
                        let member = r.member_reader(&job.stored)?;
                        member
                            .read_raw_into(out)
                            .map_err(|e| in_member(e, Some(&job.stored)))
                    },
                )
                .collect::<npio::Result<()>>()
        })
    })?;
    result.or_py(path)?;
    for (index, buffer, npy) in views {
        values[index] = numpy.view(&buffer, &npy)?;
    }
    Ok(values)
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
        }
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
    fn close(&self) {
        *self.npz.lock().unwrap_or_else(|e| e.into_inner()) = None;
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
