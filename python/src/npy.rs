//! `.npy` reads and writes: headers are parsed and checked by npio, arrays are allocated by
//! NumPy (through the `alloc` callable the Python layer passes) and filled without the GIL.

use std::fs::File;
use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use npio::npy::{read_header, Header};
use npio::{DType, NpyReader, ReadOptions};
use numpy::PyUntypedArray;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::buffer::ArrayMemory;
use crate::errors::{in_member, OrPy};
use crate::pool;
use crate::source::Source;

/// A header as Python gets it: `(descr, shape, fortran_order, data offset)`.
pub(crate) type HeaderTuple = (String, Vec<usize>, bool, u64);

/// Read options with NumPy's `max_header_size`.
pub(crate) fn read_options(max_header_size: usize) -> ReadOptions {
    ReadOptions::default().max_header_size(max_header_size)
}

/// Asks Python for an empty array of the header's dtype, shape and order.
pub(crate) fn allocate<'py>(
    alloc: &Bound<'py, PyAny>,
    header: &Header,
) -> PyResult<Bound<'py, PyUntypedArray>> {
    let py = alloc.py();
    let shape = PyTuple::new(py, &header.shape)?;
    let array = alloc.call1((header.dtype.descr_repr(), shape, header.fortran_order))?;
    Ok(array.cast_into::<PyUntypedArray>()?)
}

/// Checks what must hold before allocating: no Python objects, and a size the source can
/// really hold (a header can claim any size).
pub(crate) fn check_before_alloc<R: Read>(
    reader: &mut NpyReader<R>,
    path: Option<&Path>,
    member: Option<&str>,
) -> PyResult<()> {
    let checked = reader
        .header()
        .dtype
        .check_no_object()
        .and_then(|()| reader.check_data_len());
    checked.map_err(|e| in_member(e, member)).or_py(path)
}

/// Fills `array`, just allocated for `reader`'s header, with the GIL released.
pub(crate) fn fill<R: Read + Send>(
    py: Python<'_>,
    reader: NpyReader<R>,
    array: &Bound<'_, PyUntypedArray>,
    threads: Option<usize>,
    path: Option<&Path>,
    member: Option<&str>,
) -> PyResult<()> {
    let mut memory = ArrayMemory::of(array, true)?;
    let result = py.detach(|| {
        pool::run(threads, move || {
            // SAFETY: `array` was allocated by `alloc` for this read and no Python code has
            // seen it yet; the caller's `array` reference keeps it alive.
            let out = unsafe { memory.as_mut_slice() };
            reader.read_raw_into(out)
        })
    })?;
    result.map_err(|e| in_member(e, member)).or_py(path)
}

/// Reads a `.npy` file (path, file object) or `.npy` bytes into a new NumPy array made by
/// `alloc(descr, shape, fortran_order)`.
#[pyfunction]
#[pyo3(signature = (source, alloc, max_header_size=10000, threads=None))]
pub(crate) fn read_npy<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    alloc: &Bound<'py, PyAny>,
    max_header_size: usize,
    threads: Option<usize>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = read_options(max_header_size);
    match Source::from_py(source)? {
        Source::Path(path) => {
            let path = path.as_path();
            let mut reader = py.detach(|| options.open_npy(path)).or_py(Some(path))?;
            check_before_alloc(&mut reader, Some(path), None)?;
            let array = allocate(alloc, reader.header())?;
            fill(py, reader, &array, threads, Some(path), None)?;
            Ok(array.into_any())
        }
        Source::Bytes(bytes) => {
            let data = bytes.as_bytes();
            // A seekable source: its length is learned, and the claim checked against it.
            let mut reader = options.npy_reader(Cursor::new(data)).or_py(None)?;
            check_before_alloc(&mut reader, None, None)?;
            let array = allocate(alloc, reader.header())?;
            fill(py, reader, &array, threads, None, None)?;
            Ok(array.into_any())
        }
        Source::FileObject(file) => {
            let source = npio::source::Source::new(crate::fileobj::FileObject::new(&file)?);
            let mut reader = py.detach(|| options.npy_reader(source)).or_py(None)?;
            check_before_alloc(&mut reader, None, None)?;
            let array = allocate(alloc, reader.header())?;
            fill(py, reader, &array, threads, None, None)?;
            Ok(array.into_any())
        }
    }
}

/// Parses the header at the start of `prefix` (for file objects, which Python reads itself):
/// `(descr, shape, fortran_order, data_offset)`.
#[pyfunction]
#[pyo3(signature = (prefix, max_header_size=10000))]
pub(crate) fn parse_header(prefix: &[u8], max_header_size: usize) -> PyResult<HeaderTuple> {
    let mut input = prefix;
    let info = read_header(&mut input, &read_options(max_header_size)).or_py(None)?;
    let header = &info.header;
    header.dtype.check_no_object().or_py(None)?;
    Ok((
        header.dtype.descr_repr(),
        header.shape.clone(),
        header.fortran_order,
        info.data_offset,
    ))
}

/// The layout of a view of a `.npy` image held by Python (bytes, bytearray, memoryview...):
/// `(descr, shape, fortran_order, data_offset)`, from its first bytes `prefix` and its whole
/// length `total_len`, checked as every read is (no objects, the header's claim against the
/// length, nothing after the data).
/// The shape comes as a tuple, ready for `np.ndarray` (this is the whole of `npio.loads`'s
/// work in Rust: the 48 KB `loads` row of `benches/compare_memory.py` counts each step).
#[pyfunction]
#[pyo3(signature = (prefix, total_len, max_header_size=10000))]
pub(crate) fn view_info<'py>(
    py: Python<'py>,
    prefix: &[u8],
    total_len: u64,
    max_header_size: usize,
) -> PyResult<(String, Bound<'py, PyTuple>, bool, u64)> {
    let mut input = prefix;
    let info = read_header(&mut input, &read_options(max_header_size)).or_py(None)?;
    let header = &info.header;
    header.dtype.check_no_object().or_py(None)?;
    info.check_extent(total_len, false).or_py(None)?;
    Ok((
        header.dtype.descr_repr(),
        PyTuple::new(py, &header.shape)?,
        header.fortran_order,
        info.data_offset,
    ))
}

/// The header for an array described by Python, checked against the array's memory.
pub(crate) fn header_for(
    descr: &str,
    shape: Vec<usize>,
    fortran_order: bool,
    memory: &ArrayMemory,
) -> PyResult<Header> {
    let dtype = DType::parse(descr).or_py(None)?;
    let header = Header::new(dtype, shape, fortran_order);
    let len = header.data_len().or_py(None)?;
    if len != memory.len() {
        return Err(PyValueError::new_err(format!(
            "the array holds {} bytes, but dtype {descr} and shape {:?} need {len}",
            memory.len(),
            header.shape
        )));
    }
    Ok(header)
}

/// Writes a contiguous array as a `.npy` file, exactly as `np.save` writes it.
#[pyfunction]
pub(crate) fn save_npy(
    py: Python<'_>,
    path: PathBuf,
    descr: &str,
    shape: Vec<usize>,
    fortran_order: bool,
    array: &Bound<'_, PyUntypedArray>,
) -> PyResult<()> {
    let memory = ArrayMemory::of(array, false)?;
    let header = header_for(descr, shape, fortran_order, &memory)?;
    let head = header.to_bytes().or_py(None)?;
    py.detach(|| -> npio::Result<()> {
        let mut file = File::create(&path)?;
        // The blocks reserved first, as np.save does (see docs/PERFORMANCE.md).
        #[cfg(target_os = "linux")]
        if memory.len() >= 1 << 20 {
            let len = (head.len() + memory.len()) as u64;
            let _ = rustix::fs::fallocate(&file, rustix::fs::FallocateFlags::KEEP_SIZE, 0, len);
        }
        file.write_all(&head)?;
        // SAFETY: `array` (held by the caller) keeps the memory alive; it is only read.
        file.write_all(unsafe { memory.as_slice() })?;
        Ok(())
    })
    .or_py(Some(&path))
}

/// The `.npy` bytes of a contiguous array (`npio.dumps`, and saves to file objects).
#[pyfunction]
pub(crate) fn npy_bytes<'py>(
    py: Python<'py>,
    descr: &str,
    shape: Vec<usize>,
    fortran_order: bool,
    array: &Bound<'py, PyUntypedArray>,
) -> PyResult<Bound<'py, PyBytes>> {
    let memory = ArrayMemory::of(array, false)?;
    let header = header_for(descr, shape, fortran_order, &memory)?;
    let head = header.to_bytes().or_py(None)?;
    // SAFETY: `array` keeps the memory alive; it is only read, with the GIL held.
    crate::buffer::bytes_of(py, &[&head, unsafe { memory.as_slice() }])
}
