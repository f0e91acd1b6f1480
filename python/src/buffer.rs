//! The memory of a NumPy array, handed to npio while the GIL is released.

use numpy::npyffi::flags::NPY_ARRAY_WRITEABLE;
use numpy::{PyArrayDescrMethods, PyUntypedArray, PyUntypedArrayMethods};
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The contiguous data block of a NumPy array: its address and length in bytes.
///
/// The array object is kept alive by the caller (a `Bound` it holds across the GIL-free
/// section), so the block stays allocated while this value is used.
pub(crate) struct ArrayMemory {
    ptr: *mut u8,
    len: usize,
}

// SAFETY: `ArrayMemory` is a plain address and length; the block it names is owned by a NumPy
// array the caller keeps alive for as long as the value is used, and the functions below state
// who may touch it meanwhile.
unsafe impl Send for ArrayMemory {}

// SAFETY: shared references only give `len` and, through the `unsafe` `as_slice`, reads whose
// contract is stated there.
unsafe impl Sync for ArrayMemory {}

impl ArrayMemory {
    /// The memory of `array`, which must be contiguous in C or Fortran order (and writeable
    /// when `write` is set).
    pub(crate) fn of(array: &Bound<'_, PyUntypedArray>, write: bool) -> PyResult<Self> {
        if !array.is_c_contiguous() && !array.is_fortran_contiguous() {
            return Err(PyValueError::new_err(
                "the array is not contiguous (C or Fortran order)",
            ));
        }
        let raw = array.as_array_ptr();
        // SAFETY: `raw` points to the live `PyArrayObject` of `array` (we hold a reference and
        // the GIL); its `flags` and `data` fields are plain reads.
        let (flags, data) = unsafe { ((*raw).fields.flags, (*raw).fields.data) };
        if write && flags & NPY_ARRAY_WRITEABLE == 0 {
            return Err(PyValueError::new_err("the array is read-only"));
        }
        let len = array
            .len()
            .checked_mul(array.dtype().itemsize())
            .ok_or_else(|| PyValueError::new_err("the array size overflows"))?;
        Ok(ArrayMemory {
            ptr: data.cast::<u8>(),
            len,
        })
    }

    /// Length in bytes.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The block as bytes to fill.
    ///
    /// # Safety
    /// The array must be alive and not be read or written by anyone else while the slice is
    /// used: the caller made it just now and has not handed it to Python code yet.
    pub(crate) unsafe fn as_mut_slice(&mut self) -> &mut [u8] {
        if self.len == 0 {
            return &mut [];
        }
        // SAFETY: a contiguous array's data block holds `len` bytes at `ptr` (checked in
        // `of`); exclusivity is the caller's promise above.
        unsafe { std::slice::from_raw_parts_mut(self.ptr, self.len) }
    }

    /// The block as bytes to read.
    ///
    /// # Safety
    /// The array must be alive while the slice is used, and no other thread may write to it
    /// meanwhile (as with NumPy's own `tofile`, which also reads without the GIL).
    pub(crate) unsafe fn as_slice(&self) -> &[u8] {
        if self.len == 0 {
            return &[];
        }
        // SAFETY: as in `as_mut_slice`; reads only.
        unsafe { std::slice::from_raw_parts(self.ptr, self.len) }
    }
}

/// A new `bytes` object holding `parts` one after the other, filled by one copy of each part
/// into memory CPython hands out uninitialised. pyo3's `PyBytes::new_with` zero-fills the
/// object first, a second pass over memory that `npio.dumps` paid on every call (see
/// docs/PERFORMANCE.md, "dumps").
pub(crate) fn bytes_of<'py>(py: Python<'py>, parts: &[&[u8]]) -> PyResult<Bound<'py, PyBytes>> {
    let len: usize = parts.iter().map(|p| p.len()).sum();
    let size = pyo3::ffi::Py_ssize_t::try_from(len)
        .map_err(|_| pyo3::exceptions::PyOverflowError::new_err("too many bytes"))?;
    // SAFETY: a NULL source asks CPython for a new, uninitialised bytes object of `size`
    // bytes; `from_owned_ptr_or_err` takes the new reference, or the MemoryError when NULL.
    let object = unsafe {
        Bound::from_owned_ptr_or_err(
            py,
            pyo3::ffi::PyBytes_FromStringAndSize(std::ptr::null(), size),
        )?
    };
    // SAFETY: `object` is the bytes object just made, seen by no other code yet;
    // `PyBytes_AsString` gives its buffer of exactly `len` bytes, which the copies below fill
    // from start to end (the parts' lengths sum to `len`) without reading it or making a
    // reference to it before every byte is written.
    unsafe {
        let mut at = pyo3::ffi::PyBytes_AsString(object.as_ptr()).cast::<u8>();
        for part in parts {
            std::ptr::copy_nonoverlapping(part.as_ptr(), at, part.len());
            at = at.add(part.len());
        }
    }
    Ok(object.cast_into::<PyBytes>()?)
}
