//! Reading members into NumPy arrays: one member, or every member on the pool (`read_all`),
//! arrays allocated by NumPy and filled in place with the GIL released.

use std::io::{Read, Seek};
use std::path::Path;

use npio::npy::HeaderInfo;
use npio::npz::MemberInfo;
use npio::NpzReader;
use numpy::PyUntypedArray;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyTuple};
use rayon::prelude::*;

use crate::buffer::ArrayMemory;
use crate::errors::{in_member, OrPy};
use crate::npy::{allocate, check_before_alloc, fill};
use crate::pool;

/// Reads one member: an array for `*.npy` members, the bytes of any other member.
pub(crate) fn read_member<'py, R: Read + Seek + Send>(
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
pub(crate) struct Allocator<'a, 'py> {
    pub(crate) alloc: &'a Bound<'py, PyAny>,
    pub(crate) view: &'a Bound<'py, PyAny>,
}

impl<'py> Allocator<'_, 'py> {
    /// An uninitialised byte array of `len` bytes.
    pub(crate) fn bytes(&self, len: u64) -> PyResult<Bound<'py, PyUntypedArray>> {
        let py = self.alloc.py();
        let len = usize::try_from(len)
            .map_err(|_| PyValueError::new_err("the member is too large for this machine"))?;
        let array = self
            .alloc
            .call1(("'|u1'", PyTuple::new(py, [len])?, false))?;
        Ok(array.cast_into::<PyUntypedArray>()?)
    }

    /// The array of `npy` in `buffer`, a whole member.
    pub(crate) fn view(
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
pub(crate) fn whole_member(
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
pub(crate) fn read_all_from<'py, R: Read + Seek + Clone + Send + Sync>(
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
