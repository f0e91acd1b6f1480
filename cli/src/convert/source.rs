//! What a single conversion reads: a local file, or an object named by a URL and read by range
//! requests (npio's `remote` feature). Local reads count into the progress meter.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use npio::remote::{Remote, RemoteFile};
use npio::{NpyReader, NpzReader};

use super::Settings;
use crate::progress::Counting;
use crate::CliError;

/// The bytes of a `.npy` input.
pub enum NpySource {
    /// A local file.
    File(Counting<BufReader<File>>),
    /// An object.
    Object(Counting<RemoteFile>),
}

impl Read for NpySource {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            NpySource::File(f) => f.read(buf),
            NpySource::Object(o) => o.read(buf),
        }
    }
}

impl Seek for NpySource {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            NpySource::File(f) => f.seek(pos),
            NpySource::Object(o) => o.seek(pos),
        }
    }
}

/// Opens a `.npy` input (a path or a URL); its header is read and checked.
pub fn open_npy(path: &Path, settings: &Settings) -> Result<NpyReader<NpySource>, CliError> {
    let source = match crate::remote::url(path) {
        Some(url) => {
            let object = Remote::new()
                .open(url)
                .map_err(|e| CliError::npio(path, e))?;
            NpySource::Object(Counting::new(object, &settings.read_meter))
        }
        None => {
            let file = File::open(path).map_err(|e| CliError::io(path, e))?;
            NpySource::File(Counting::new(
                BufReader::with_capacity(1 << 20, file),
                &settings.read_meter,
            ))
        }
    };
    settings
        .read
        .npy_reader(source)
        .map_err(|e| CliError::npio(path, e))
}

/// An `.npz` input: a local archive, or an object whose members are fetched when read.
pub enum Archive {
    /// A local archive.
    File(NpzReader<Counting<npio::source::Source<std::fs::File>>>),
    /// An archive in object storage.
    Object(NpzReader<RemoteFile>),
}

/// Runs `$body` with `$npz` bound to the archive reader, whichever its source.
macro_rules! with_archive {
    ($archive:expr, |$npz:ident| $body:expr) => {
        match $archive {
            $crate::convert::source::Archive::File(mut $npz) => $body,
            $crate::convert::source::Archive::Object(mut $npz) => $body,
        }
    };
}
pub(crate) use with_archive;

/// Opens an archive (a path or a URL).
pub fn open_archive(path: &Path, settings: &Settings) -> Result<Archive, CliError> {
    if let Some(url) = crate::remote::url(path) {
        let remote = Remote::new().read_options(settings.read);
        return remote
            .open_npz(url)
            .map(Archive::Object)
            .map_err(|e| CliError::npio(path, e));
    }
    let file = npio::source::Source::open(path).map_err(|e| CliError::io(path, e))?;
    settings
        .read
        .npz_reader(Counting::new(file, &settings.read_meter))
        .map(Archive::File)
        .map_err(|e| CliError::npio(path, e))
}

/// Opens an archive with at least one member.
pub fn open_npz(path: &Path, settings: &Settings) -> Result<Archive, CliError> {
    let archive = open_archive(path, settings)?;
    let empty = match &archive {
        Archive::File(npz) => npz.is_empty(),
        Archive::Object(npz) => npz.is_empty(),
    };
    if empty {
        return Err(CliError::data(format!(
            "{}: nothing to convert: the archive has no members",
            path.display()
        )));
    }
    Ok(archive)
}
