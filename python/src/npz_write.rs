//! Writing `.npz` archives: `write_npz` behind `savez` and `savez_compressed`, to a path, to
//! bytes, or to a URL (feature `remote` of npio).

use std::fs::File;
use std::io::{BufWriter, Cursor, Write};
use std::path::PathBuf;

use npio::{npz::Compression, NpzWriter};
use numpy::PyUntypedArray;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};

use crate::buffer::ArrayMemory;
use crate::errors::OrPy;
use crate::npy::header_for;
use crate::pool;

/// A member to write: an array's header and memory, or ready bytes.
enum Member<'py> {
    Array {
        stored: String,
        head: Vec<u8>,
        memory: ArrayMemory,
        _array: Bound<'py, PyUntypedArray>,
    },
    Bytes {
        stored: String,
        bytes: Bound<'py, PyBytes>,
    },
}

/// A member from Python: `(stored_name, descr, shape, fortran_order, array)` or
/// `(stored_name, bytes)`.
fn member_from_py<'py>(item: &Bound<'py, PyTuple>) -> PyResult<Member<'py>> {
    let stored: String = item.get_item(0)?.extract()?;
    match item.len() {
        2 => Ok(Member::Bytes {
            stored,
            bytes: item.get_item(1)?.cast_into::<PyBytes>()?,
        }),
        5 => {
            let descr: String = item.get_item(1)?.extract()?;
            let shape: Vec<usize> = item.get_item(2)?.extract()?;
            let fortran: bool = item.get_item(3)?.extract()?;
            let array = item.get_item(4)?.cast_into::<PyUntypedArray>()?;
            let memory = ArrayMemory::of(&array, false)?;
            let head = header_for(&descr, shape, fortran, &memory)?
                .to_bytes()
                .or_py(None)?;
            Ok(Member::Array {
                stored,
                head,
                memory,
                _array: array,
            })
        }
        _ => Err(PyTypeError::new_err(
            "a member is (name, descr, shape, fortran_order, array) or (name, bytes)",
        )),
    }
}

/// Adds one member: stored members stream from the array's memory; deflated ones are
/// compressed in parallel blocks from one buffer.
fn add_member<W: Write>(
    npz: &mut NpzWriter<W>,
    stored: &str,
    head: &[u8],
    data: &[u8],
) -> npio::Result<()> {
    let len = (head.len() + data.len()) as u64;
    if npz.compression() == Compression::Stored {
        let mut member = npz.start_member(stored, len)?;
        member.write_all(head)?;
        member.write_all(data)?;
        return member.finish();
    }
    let mut bytes = Vec::with_capacity(head.len() + data.len());
    bytes.extend_from_slice(head);
    bytes.extend_from_slice(data);
    npz.add_raw(stored, bytes)
}

/// Writes every member to `to`, then finishes the archive.
fn write_all<W: Write>(
    mut npz: NpzWriter<W>,
    compression: Compression,
    members: &[(String, &[u8], &[u8])],
) -> npio::Result<W> {
    npz.set_compression(compression);
    for (stored, head, data) in members {
        add_member(&mut npz, stored, head, data)?;
    }
    npz.finish()
}

/// The compression `savez`/`savez_compressed` ask for: `compress` is `"stored"`, `"deflate"`
/// (npio's per-member encoder choice, or zlib at `level`) or `"zstd"` (at `level`, default 3).
fn compression(compress: &str, level: Option<u32>) -> PyResult<Compression> {
    let out_of_range = |range: &str| {
        Err(PyValueError::new_err(format!(
            "compression level {} is out of range {range} for {compress}",
            level.unwrap_or_default()
        )))
    };
    match (compress, level) {
        ("stored", _) => Ok(Compression::Stored),
        ("deflate", None) => Ok(Compression::Auto),
        ("deflate", Some(level)) if level <= 9 => Ok(Compression::Deflated { level }),
        ("deflate", Some(_)) => out_of_range("0..=9"),
        ("zstd", None) => Ok(Compression::zstd()),
        ("zstd", Some(level)) if (1..=22).contains(&level) => Ok(Compression::Zstd {
            level: level as i32,
        }),
        ("zstd", Some(_)) => out_of_range("1..=22"),
        (other, _) => Err(PyValueError::new_err(format!(
            "codec must be 'deflate' or 'zstd', not {other:?}"
        ))),
    }
}

/// Where an archive goes.
pub(crate) enum Target {
    /// A local file.
    Path(PathBuf),
    /// Bytes returned to Python.
    Bytes,
    /// An object in object storage, uploaded whole when the archive is complete.
    Remote(npio::remote::RemoteWriter),
}

/// Writes `members` (Python tuples, see `member_from_py`) as an archive to `target`, with the
/// GIL released: the bytes when `target` is `Target::Bytes`.
pub(crate) fn write_members<'py>(
    py: Python<'py>,
    target: Target,
    members: &[Bound<'py, PyTuple>],
    compression: Compression,
    threads: Option<usize>,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let members: Vec<Member<'py>> = members
        .iter()
        .map(member_from_py)
        .collect::<PyResult<_>>()?;
    // SAFETY: every array is kept alive by `members` until the end of this function and only
    // read; bytes objects are immutable.
    let parts: Vec<(String, &[u8], &[u8])> = members
        .iter()
        .map(|m| match m {
            Member::Array {
                stored,
                head,
                memory,
                ..
            } => (stored.clone(), head.as_slice(), unsafe {
                memory.as_slice()
            }),
            Member::Bytes { stored, bytes } => (stored.clone(), &[][..], bytes.as_bytes()),
        })
        .collect();
    match target {
        Target::Path(path) => {
            py.detach(|| {
                pool::run(threads, || -> npio::Result<()> {
                    let file = BufWriter::new(File::create(&path)?);
                    write_all(NpzWriter::new(file), compression, &parts)?.flush()?;
                    Ok(())
                })
            })?
            .or_py(Some(&path))?;
            Ok(None)
        }
        Target::Remote(writer) => {
            let url = PathBuf::from(writer.url());
            py.detach(|| {
                pool::run(threads, || -> npio::Result<()> {
                    let written = write_all(
                        NpzWriter::new_stream(BufWriter::new(writer)),
                        compression,
                        &parts,
                    )?;
                    let writer = written.into_inner().map_err(|e| e.into_error())?;
                    writer.finish().map(drop)
                })
            })?
            .or_py(Some(&url))?;
            Ok(None)
        }
        Target::Bytes => {
            let bytes = py.detach(|| {
                pool::run(threads, || -> npio::Result<Vec<u8>> {
                    Ok(
                        write_all(NpzWriter::new(Cursor::new(Vec::new())), compression, &parts)?
                            .into_inner(),
                    )
                })
            })?;
            Ok(Some(PyBytes::new(py, &bytes.or_py(None)?)))
        }
    }
}

/// Writes an archive to `target` (a path), or returns its bytes when `target` is `None`.
/// `compress`: `"stored"`, `"deflate"` or `"zstd"` (see [`compression`]).
#[pyfunction]
#[pyo3(signature = (target, members, compress, level=None, threads=None))]
pub(crate) fn write_npz<'py>(
    py: Python<'py>,
    target: Option<PathBuf>,
    members: Vec<Bound<'py, PyTuple>>,
    compress: &str,
    level: Option<u32>,
    threads: Option<usize>,
) -> PyResult<Option<Bound<'py, PyBytes>>> {
    let target = target.map_or(Target::Bytes, Target::Path);
    write_members(py, target, &members, compression(compress, level)?, threads)
}

/// `write_npz` to a URL: the archive is uploaded whole once complete.
pub(crate) fn write_npz_to<'py>(
    py: Python<'py>,
    writer: npio::remote::RemoteWriter,
    members: Vec<Bound<'py, PyTuple>>,
    compress: &str,
    level: Option<u32>,
    threads: Option<usize>,
) -> PyResult<()> {
    let target = Target::Remote(writer);
    write_members(py, target, &members, compression(compress, level)?, threads).map(drop)
}
