//! Reading the next member ahead: the drop-in way to read an archive, `{k: z[k] for k in
//! z.files}`, asks for one member at a time, which left the second core idle while
//! `read_all` used both. When a member of an archive file or of bytes is asked for, the next
//! compressed array member (in archive order, up to [`AHEAD_MAX`] bytes) starts being read
//! whole on a thread of its own into a buffer NumPy allocated, before the member asked for is
//! read or waited for; so two members are read at once, and when the next one is asked for the
//! wait is what is left of its read (never for file objects or stores, where it would move
//! bytes nobody may ask for). The
//! row "python: every member by z[name]" of `benches/compare_python.py` measures it.

use std::path::Path;
use std::thread::JoinHandle;

use npio::npy::HeaderInfo;
use numpy::PyUntypedArray;
use pyo3::prelude::*;

use crate::buffer::ArrayMemory;
use crate::npz::{with_reader, Npz};
use crate::read::{whole_member, Allocator};

/// Members larger than this are not read ahead (the memory is held until the member is asked
/// for, or the archive closed).
const AHEAD_MAX: u64 = 64 << 20;

/// A member being read ahead, whole, into `buffer`.
pub(crate) struct Ahead {
    stored: String,
    buffer: Py<PyUntypedArray>,
    npy: HeaderInfo,
    /// `None` once joined.
    filling: Option<JoinHandle<npio::Result<()>>>,
}

impl Ahead {
    /// Starts reading member `stored` of `npz` on a thread of its own, when it is a compressed
    /// array member read whole (see `whole_member`) of at most [`AHEAD_MAX`] bytes; `None`
    /// otherwise, and when anything goes wrong (the read asked for later reports it).
    pub(crate) fn start(
        py: Python<'_>,
        mut npz: Npz,
        stored: &str,
        numpy: &Allocator<'_, '_>,
        path: Option<&Path>,
    ) -> Option<Ahead> {
        let info = py
            .detach(|| with_reader!(&mut npz, r => r.member_info(stored)))
            .ok()?;
        if info.size > AHEAD_MAX {
            return None;
        }
        let npy = whole_member(&info, stored, path).ok()??;
        let buffer = numpy.bytes(info.size).ok()?;
        let mut memory = ArrayMemory::of(&buffer, true).ok()?;
        let name = stored.to_string();
        let filling = std::thread::Builder::new()
            .name("npio-read-ahead".into())
            .spawn(move || {
                // SAFETY: `buffer` was allocated above for this read only; it is kept alive by
                // the `Ahead` and handed to Python code only after this thread was joined.
                let out = unsafe { memory.as_mut_slice() };
                with_reader!(&mut npz, r => r.read_member_into(&name, out))
            })
            .ok()?;
        Some(Ahead {
            stored: stored.to_string(),
            buffer: buffer.unbind(),
            npy,
            filling: Some(filling),
        })
    }

    /// Waits for the read (the GIL released): member `stored`'s array when this read it
    /// without error, else `None` (the caller then reads the member itself).
    pub(crate) fn take<'py>(
        mut self,
        py: Python<'py>,
        stored: &str,
        numpy: &Allocator<'_, 'py>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let filling = self.filling.take();
        let done = py.detach(|| filling.map(JoinHandle::join));
        if self.stored != stored || !matches!(done, Some(Ok(Ok(())))) {
            return Ok(None);
        }
        numpy.view(self.buffer.bind(py), &self.npy).map(Some)
    }
}

impl Drop for Ahead {
    /// The thread writes into `buffer`: it is waited for before the buffer can go.
    fn drop(&mut self) {
        if let Some(filling) = self.filling.take() {
            let _ = filling.join();
        }
    }
}
