//! The zip writer under an [`NpzWriter`]: over an output that seeks back to finish each
//! member's local header (files), or over a stream that never goes back (pipes, uploads),
//! whose members end in data descriptors instead.
//!
//! [`NpzWriter`]: super::NpzWriter

use std::io::{self, Read, Write};

use zip::result::ZipResult;
use zip::write::{SimpleFileOptions, StreamWriter};
use zip::{read::ZipFile, ZipWriter};

use super::sink::Sink;

/// A zip writer over a seekable [`Sink`] or a stream.
pub(super) enum ZipOut<W: Write> {
    /// Each member's local header is rewritten once its sizes and CRC are known.
    Seekable(ZipWriter<Sink<W>>),
    /// Members are written front to back, each followed by a data descriptor (APPNOTE 4.3.9).
    Stream(ZipWriter<StreamWriter<Sink<W>>>),
}

/// Runs the same expression on whichever zip writer `$zip` holds.
macro_rules! either {
    ($zip:expr, $z:ident => $body:expr) => {
        match $zip {
            ZipOut::Seekable($z) => $body,
            ZipOut::Stream($z) => $body,
        }
    };
}

impl<W: Write> ZipOut<W> {
    /// Opens a member written through [`Write`].
    pub(super) fn start_file(&mut self, name: String, options: SimpleFileOptions) -> ZipResult<()> {
        either!(self, z => z.start_file(name, options))
    }

    /// Copies a member of another archive as it is (compressed bytes, CRC, sizes), under `name`.
    pub(super) fn raw_copy_file_rename<R: Read>(
        &mut self,
        file: ZipFile<'_, R>,
        name: &str,
    ) -> ZipResult<()> {
        either!(self, z => z.raw_copy_file_rename(file, name))
    }

    /// Drops the open member.
    pub(super) fn abort_file(&mut self) -> ZipResult<()> {
        either!(self, z => z.abort_file())
    }

    /// Writes the central directory and hands back the output.
    pub(super) fn finish(self) -> ZipResult<Sink<W>> {
        match self {
            ZipOut::Seekable(z) => z.finish(),
            ZipOut::Stream(z) => Ok(z.finish()?.into_inner()),
        }
    }
}

impl<W: Write> Write for ZipOut<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        either!(self, z => z.write(buf))
    }

    fn flush(&mut self) -> io::Result<()> {
        either!(self, z => z.flush())
    }
}
