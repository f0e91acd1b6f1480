//! Object storage (`s3://`, `gs://`, `az://`, `http(s)://`): `npio.load` and the save functions
//! on URLs, through npio's `remote` feature, with the same checks as files. `storage_options`
//! are object_store's configuration keys, over the standard environment variables.

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use npio::remote::Remote;
use npio::source::ReadAt;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyTuple};

use crate::buffer::ArrayMemory;
use crate::errors::OrPy;
use crate::npy::{allocate, check_before_alloc, fill, header_for, read_options};
use crate::npz::{Archive, Npz};
use crate::npz_write::write_npz_to;

/// A `Remote` with `storage_options` (values as strings; `True`/`False` as `true`/`false`).
fn remote(
    storage_options: Option<HashMap<String, Bound<'_, PyAny>>>,
    max_header_size: usize,
) -> PyResult<Remote> {
    let mut remote = Remote::new().read_options(read_options(max_header_size));
    for (key, value) in storage_options.unwrap_or_default() {
        let value = if let Ok(flag) = value.cast::<PyBool>() {
            flag.is_true().to_string()
        } else {
            value.str()?.to_string()
        };
        remote = remote.option(key, value);
    }
    Ok(remote)
}

/// What `load` found at a URL: `("npy", array)`, `("npz", Archive)`, or `("other", first
/// bytes)` for the Python layer's message (or its pickle path).
#[pyfunction]
#[pyo3(signature = (url, storage_options, alloc, max_header_size=10000, threads=None))]
pub(crate) fn load_url<'py>(
    py: Python<'py>,
    url: &str,
    storage_options: Option<HashMap<String, Bound<'py, PyAny>>>,
    alloc: &Bound<'py, PyAny>,
    max_header_size: usize,
    threads: Option<usize>,
) -> PyResult<(&'static str, Bound<'py, PyAny>)> {
    let remote = remote(storage_options, max_header_size)?;
    let at = Some(Path::new(url));
    let (file, magic) = py
        .detach(|| -> npio::Result<_> {
            let mut file = remote.open(url)?;
            let mut magic = Vec::with_capacity(6);
            (&mut file).take(6).read_to_end(&mut magic)?;
            file.seek(SeekFrom::Start(0))?;
            Ok((file, magic))
        })
        .or_py(at)?;
    if magic.starts_with(b"PK\x03\x04") || magic.starts_with(b"PK\x05\x06") {
        let object = file.clone();
        let npz = py.detach(|| remote.npz_reader(file)).or_py(at)?;
        let archive = Archive::new(Npz::Remote(npz, object), Some(url.into()));
        return Ok(("npz", Bound::new(py, archive)?.into_any()));
    }
    if magic != b"\x93NUMPY" {
        return Ok(("other", PyBytes::new(py, &magic).into_any()));
    }
    let mut reader = py.detach(|| remote.npy_reader(file)).or_py(at)?;
    check_before_alloc(&mut reader, at, None)?;
    let array = allocate(alloc, reader.header())?;
    fill(py, reader, &array, threads, at, None)?;
    Ok(("npy", array.into_any()))
}

/// The whole object at `url` (for pickled data, which `allow_pickle=True` hands to NumPy).
#[pyfunction]
#[pyo3(signature = (url, storage_options=None))]
pub(crate) fn fetch_url<'py>(
    py: Python<'py>,
    url: &str,
    storage_options: Option<HashMap<String, Bound<'py, PyAny>>>,
) -> PyResult<Bound<'py, PyBytes>> {
    let remote = remote(storage_options, 10000)?;
    let at = Some(Path::new(url));
    let file = py.detach(|| remote.open(url)).or_py(at)?;
    // The size is the store's, not a claim of the data's: fetched straight into the bytes
    // object as parallel ranges, with the GIL released.
    let len = usize::try_from(file.size())
        .map_err(|_| pyo3::exceptions::PyMemoryError::new_err("object too large"))?;
    PyBytes::new_with(py, len, |out| {
        py.detach(|| -> npio::Result<()> {
            let got = file.get_ref().fill_at(out, 0, 1, None)?;
            if got != out.len() {
                return Err(npio::Error::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the object is shorter than its size",
                )));
            }
            Ok(())
        })
        .or_py(at)
    })
}

/// The URLs of the objects directly under `url` (a prefix, as a folder), sorted.
#[pyfunction]
#[pyo3(signature = (url, storage_options=None))]
pub(crate) fn list_url<'py>(
    py: Python<'py>,
    url: &str,
    storage_options: Option<HashMap<String, Bound<'py, PyAny>>>,
) -> PyResult<Vec<String>> {
    let remote = remote(storage_options, 10000)?;
    py.detach(|| remote.list(url)).or_py(Some(Path::new(url)))
}

/// Writes `data` as the object `url`, whole or not at all.
#[pyfunction]
#[pyo3(signature = (url, data, storage_options=None))]
pub(crate) fn put_url<'py>(
    py: Python<'py>,
    url: &str,
    data: &Bound<'py, PyBytes>,
    storage_options: Option<HashMap<String, Bound<'py, PyAny>>>,
) -> PyResult<()> {
    let remote = remote(storage_options, 10000)?;
    upload(py, &remote, url, &[data.as_bytes()])
}

/// Uploads `parts`, one after the other, as the object `url`, whole or not at all.
fn upload(py: Python<'_>, remote: &Remote, url: &str, parts: &[&[u8]]) -> PyResult<()> {
    py.detach(|| -> npio::Result<()> {
        use std::io::Write;
        let mut writer = remote.create(url)?;
        for part in parts {
            writer.write_all(part)?;
        }
        writer.finish().map(drop)
    })
    .or_py(Some(Path::new(url)))
}

/// `np.save` to a URL: the header and the array's memory, uploaded whole.
#[pyfunction]
#[pyo3(signature = (url, descr, shape, fortran_order, array, storage_options=None))]
pub(crate) fn save_npy_url<'py>(
    py: Python<'py>,
    url: &str,
    descr: &str,
    shape: Vec<usize>,
    fortran_order: bool,
    array: &Bound<'py, numpy::PyUntypedArray>,
    storage_options: Option<HashMap<String, Bound<'py, PyAny>>>,
) -> PyResult<()> {
    let remote = remote(storage_options, 10000)?;
    let memory = ArrayMemory::of(array, false)?;
    let head = header_for(descr, shape, fortran_order, &memory)?
        .to_bytes()
        .or_py(None)?;
    // SAFETY: `array` (held by the caller) keeps the memory alive; it is only read.
    let data = unsafe { memory.as_slice() };
    upload(py, &remote, url, &[&head, data])
}

/// `savez`/`savez_compressed` to a URL (members as `write_npz` takes them).
#[pyfunction]
#[pyo3(signature = (url, members, compress, level=None, threads=None, storage_options=None))]
pub(crate) fn write_npz_url<'py>(
    py: Python<'py>,
    url: &str,
    members: Vec<Bound<'py, PyTuple>>,
    compress: &str,
    level: Option<u32>,
    threads: Option<usize>,
    storage_options: Option<HashMap<String, Bound<'py, PyAny>>>,
) -> PyResult<()> {
    let remote = remote(storage_options, 10000)?;
    let writer = py
        .detach(|| remote.create(url))
        .or_py(Some(Path::new(url)))?;
    write_npz_to(py, writer, members, compress, level, threads)
}
