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
