//! The output of an archive writer: remembers its first I/O error, and seeks only when the
//! output can.

use std::io::{self, Seek, SeekFrom, Write};
use std::sync::{Arc, OnceLock};

/// The archive's output. After its first I/O error it stops writing and remembers the error
/// in `failed`: the archive is broken from then on, the [`NpzWriter`] reports that error from
/// every later call, and the zip writer's own clean-up on drop (which prints to stderr when it
/// fails) finds nothing left to fail on. Positions are tracked so that seeks stay consistent
/// after a failure.
///
/// An output that cannot seek (a pipe, an upload: [`Sink::stream`]) answers position queries
/// and refuses every other seek; the zip writer over it is told so (`ZipWriter::new_stream`)
/// and never asks.
pub(super) struct Sink<W> {
    inner: W,
    failed: Failed,
    pos: u64,
    len: u64,
    /// `W`'s own seek, when it has one.
    seek: Option<fn(&mut W, SeekFrom) -> io::Result<u64>>,
}

/// The first I/O error of an archive's output, shared by the writer and its [`Sink`].
pub(super) type Failed = Arc<OnceLock<(io::ErrorKind, String)>>;

impl<W: Write + Seek> Sink<W> {
    /// A sink writing to the seekable `inner` that records its first failure in `failed`.
    pub(super) fn new(inner: W, failed: Failed) -> Sink<W> {
        Sink {
            seek: Some(<W as Seek>::seek),
            ..Sink::stream(inner, failed)
        }
    }
}

impl<W: Write> Sink<W> {
    /// A sink writing to `inner`, which is never asked to seek.
    pub(super) fn stream(inner: W, failed: Failed) -> Sink<W> {
        Sink {
            inner,
            failed,
            pos: 0,
            len: 0,
            seek: None,
        }
    }
}

impl<W: Write> Sink<W> {
    /// The output, flushed, unless it failed before (then that error, again).
    pub(super) fn into_inner(mut self) -> crate::error::Result<W> {
        if let Some((kind, message)) = self.failed.get() {
            return Err(crate::error::Error::Io(io::Error::new(
                *kind,
                message.clone(),
            )));
        }
        self.inner.flush()?;
        Ok(self.inner)
    }
}

impl<W: Write> Sink<W> {
    /// Runs `op` unless the sink failed before; records a new failure.
    fn guard<T>(&mut self, op: impl FnOnce(&mut W) -> io::Result<T>) -> Option<io::Result<T>> {
        if self.failed.get().is_some() {
            return None;
        }
        let result = op(&mut self.inner);
        if let Err(e) = &result {
            let _ = self.failed.set((e.kind(), e.to_string()));
        }
        Some(result)
    }
}

impl<W: Write> Write for Sink<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A writer that takes nothing is full (`write_all` turns that into `WriteZero`).
        let write = |w: &mut W| match w.write(buf)? {
            0 if !buf.is_empty() => Err(io::Error::new(
                io::ErrorKind::WriteZero,
                "the output accepts no more bytes",
            )),
            n => Ok(n),
        };
        let n = self.guard(write).unwrap_or(Ok(buf.len()))?;
        self.pos += n as u64;
        self.len = self.len.max(self.pos);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.guard(|w| w.flush()).unwrap_or(Ok(()))
    }
}

impl<W: Write> Seek for Sink<W> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let (pos, len) = (self.pos, self.len);
        let virtual_pos = || {
            let target = match to {
                SeekFrom::Start(p) => Some(p),
                SeekFrom::End(d) => len.checked_add_signed(d),
                SeekFrom::Current(d) => pos.checked_add_signed(d),
            };
            target.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek out of range"))
        };
        let Some(seek) = self.seek else {
            return match to {
                SeekFrom::Current(0) => Ok(pos),
                _ => Err(io::Error::new(
                    io::ErrorKind::Unsupported,
                    "the archive's output cannot seek",
                )),
            };
        };
        let p = match self.guard(|w| seek(w, to)) {
            Some(result) => result?,
            None => virtual_pos()?,
        };
        self.pos = p;
        self.len = self.len.max(p);
        Ok(p)
    }
}
