//! Progress of an archive being written: member bytes compressed (or stored) so far, for
//! progress bars over long compressions ([`crate::NpzWriter::set_progress`]).

use std::io::{self, Write};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// Where an archive counts its progress, if anywhere.
#[derive(Clone, Debug, Default)]
pub(crate) struct Progress(Option<Arc<AtomicU64>>);

impl Progress {
    /// Counts into `counter`.
    pub(crate) fn new(counter: Arc<AtomicU64>) -> Progress {
        Progress(Some(counter))
    }

    /// Adds `bytes` of member data done.
    pub(crate) fn advance(&self, bytes: u64) {
        if let Some(counter) = &self.0 {
            counter.fetch_add(bytes, Ordering::Relaxed);
        }
    }
}

/// A member's data output that counts what goes through it.
pub(crate) struct Counted<'a, Z: Write> {
    pub(crate) inner: &'a mut Z,
    pub(crate) progress: &'a Progress,
}

impl<Z: Write> Write for Counted<'_, Z> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> super::NpzWriter<W> {
    /// Counts the archive's progress in `counter`: from now on, every byte of member data
    /// (`.npy` header included) adds one once it is compressed, or written for stored
    /// members. Deflated members compressed in parallel blocks count block by block, so a bar
    /// driven by the counter follows the slow part of writing a compressed archive; the
    /// total to expect is the sum of the members' `.npy` sizes. Read it from any thread.
    ///
    /// ```
    /// use std::sync::{atomic::{AtomicU64, Ordering}, Arc};
    /// let done = Arc::new(AtomicU64::new(0));
    /// let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// w.set_progress(done.clone());
    /// w.add("a", &ndarray::Array1::<f64>::zeros(1000)).unwrap();
    /// w.finish().unwrap();
    /// assert_eq!(done.load(Ordering::Relaxed), 128 + 8000);
    /// ```
    pub fn set_progress(&mut self, counter: Arc<std::sync::atomic::AtomicU64>) {
        self.progress = Progress::new(counter);
    }
}
