//! `npio._npio`: the Rust engine of the `npio` Python package.
//!
//! The Python layer (`npio/__init__.py`) gives NumPy's function names and arguments; this
//! module does the work on npio's public API, with the GIL released while bytes move:
//! headers are parsed and checked here, arrays are allocated by NumPy (so every dtype NumPy
//! describes works, byte order and memory order included) and filled in place.

mod ahead;
mod buffer;
mod errors;
mod fileobj;
mod npy;
mod npz;
mod npz_write;
mod pool;
mod read;
mod remote;
mod source;
mod stored;

use pyo3::prelude::*;

/// The extension module.
#[pymodule]
fn _npio(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_THREADS", pool::MAX_THREADS)?;
    m.add(
        "PickleRequired",
        m.py().get_type::<errors::PickleRequired>(),
    )?;
    m.add_function(wrap_pyfunction!(npy::read_npy, m)?)?;
    m.add_function(wrap_pyfunction!(npy::parse_header, m)?)?;
    m.add_function(wrap_pyfunction!(npy::view_info, m)?)?;
    m.add_function(wrap_pyfunction!(npy::save_npy, m)?)?;
    m.add_function(wrap_pyfunction!(npy::npy_bytes, m)?)?;
    m.add_function(wrap_pyfunction!(npz::open_npz, m)?)?;
    m.add_function(wrap_pyfunction!(npz_write::write_npz, m)?)?;
    m.add_function(wrap_pyfunction!(remote::load_url, m)?)?;
    m.add_function(wrap_pyfunction!(remote::fetch_url, m)?)?;
    m.add_function(wrap_pyfunction!(remote::put_url, m)?)?;
    m.add_function(wrap_pyfunction!(remote::list_url, m)?)?;
    m.add_function(wrap_pyfunction!(remote::save_npy_url, m)?)?;
    m.add_function(wrap_pyfunction!(remote::write_npz_url, m)?)?;
    m.add_class::<npz::Archive>()?;
    Ok(())
}
