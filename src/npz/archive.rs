//! Opening an archive: the positional file reader, and the structural checks every archive
//! passes before any member is read.

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;
use std::sync::Arc;

use zip::ZipArchive;

use super::deferred::{Deferred, Prefetch};
use super::names::NameIndex;
use crate::error::{Error, Result};

/// Reads the zip directory of `reader` and checks the archive's structure before anything
/// is inflated, so that every later read can trust it:
///
/// - nothing precedes the archive (self-extracting style): NumPy refuses such files too;
/// - every member's local header agrees with its central-directory entry (name, sizes,
///   method, flags), no two entries share bytes (the overlapping-entry zip bomb: a thousand
///   entries pointing at one deflate stream), and no local header hides outside the
///   directory;
/// - member names are distinct after decoding and decode at all.
///
/// One pass over the local headers, in archive order: linear in the number of members.
/// With `deferred` (a remote source's prefetch hook), the local headers are checked when each
/// member is first read instead (see [`Deferred`]), and opening reads the directory alone.
pub(crate) fn open_archive<R: Read + Seek>(
    mut reader: R,
    deferred: Option<Prefetch>,
) -> Result<(ZipArchive<R>, NameIndex, Option<Arc<Deferred>>)> {
    // np.load decides by the first bytes too: a zip must start with a local header (or, when
    // empty, with its end record).
    let mut start = [0u8; 4];
    reader.seek(std::io::SeekFrom::Start(0))?;
    let got = crate::io::read_up_to(&mut reader, &mut start)?;
    if got == start.len() && &start == b"\x93NUM" {
        return Err(Error::Archive {
            reason: "this is a .npy file (it starts with \\x93NUMPY), not an .npz archive: \
                     read it with read_npy or NpyReader"
                .into(),
        });
    }
    if got == start.len() && &start != b"PK\x03\x04" && &start != b"PK\x05\x06" {
        return Err(Error::Archive {
            reason: format!(
                "the file starts with {} instead of a zip header: other data precedes the archive \
             (a self-extracting or concatenated file?); NumPy refuses such files, and so does npio",
                crate::error::escaped(&start)
            ),
        });
    }
    let mut archive = ZipArchive::new(reader)?;
    if archive.offset() != 0 {
        return Err(Error::Archive {
            reason: format!(
                "{} bytes of other data precede the zip archive (a self-extracting or \
             concatenated file?); NumPy refuses such files, and so does npio",
                archive.offset()
            ),
        });
    }
    let names = NameIndex::new(
        archive
            .file_names()
            .map(|n| n.map(|n| n.into_owned()).map_err(Error::from)),
    )?;
    if let Some(prefetch) = deferred {
        let deferred = Deferred::new(&archive, prefetch)?;
        // The first member now: this also refuses names the directory lists twice (which the
        // zip crate's index keeps once), and its local header is in the bytes read above.
        if !archive.is_empty() {
            deferred.check(&mut archive, 0)?;
        }
        return Ok((archive, names, Some(Arc::new(deferred))));
    }
    archive
        .validate_header_consistency()
        .map_err(|e| Error::Archive {
            reason: format!("inconsistent zip structure, refused before reading any member: {e}"),
        })?;
    Ok((archive, names, None))
}
/// An archive file read with positional reads through a small buffer of its own: clones
/// share the open file but not the position, so several threads can read members at once
/// (see `NpzReader::read_all`).
///
/// ```
/// use std::io::{Read, Seek, SeekFrom};
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("archive-file.bin");
/// # std::fs::write(&path, b"0123456789").unwrap();
/// let mut a = npio::npz::ArchiveFile::open(&path).unwrap();
/// let mut b = a.clone();
/// a.seek(SeekFrom::Start(5)).unwrap();
/// let (mut x, mut y) = ([0u8; 2], [0u8; 2]);
/// a.read_exact(&mut x).unwrap();
/// b.read_exact(&mut y).unwrap();
/// assert_eq!((&x, &y), (b"56", b"01"));
/// ```
#[derive(Debug)]
pub struct ArchiveFile {
    file: std::sync::Arc<File>,
    len: u64,
    pos: u64,
    buf: Vec<u8>,
    /// File offset of `buf[0]`.
    buf_start: u64,
}

/// Reads smaller than this go through the buffer (the zip directory is read in small pieces).
const ARCHIVE_BUFFER: usize = 64 << 10;

impl ArchiveFile {
    /// Opens a file for reading.
    ///
    /// ```
    /// assert!(npio::npz::ArchiveFile::open("no/such/file").is_err());
    /// ```
    pub fn open<P: AsRef<Path>>(path: P) -> std::io::Result<ArchiveFile> {
        let file = File::open(path)?;
        let len = file.metadata()?.len();
        Ok(ArchiveFile {
            file: std::sync::Arc::new(file),
            len,
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
        })
    }
}

impl ArchiveFile {
    /// The open file: the very file whose structure was checked, whatever happens to its path
    /// since (for mapping members of that file, not of one put in its place).
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("archive-file-f.bin");
    /// # std::fs::write(&path, b"0123456789").unwrap();
    /// let a = npio::npz::ArchiveFile::open(&path).unwrap();
    /// assert_eq!(a.file().metadata().unwrap().len(), 10);
    /// ```
    pub fn file(&self) -> &File {
        &self.file
    }
}

impl Clone for ArchiveFile {
    fn clone(&self) -> Self {
        ArchiveFile {
            file: self.file.clone(),
            len: self.len,
            pos: self.pos,
            buf: Vec::new(),
            buf_start: 0,
        }
    }
}

impl Read for ArchiveFile {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        let buffered_end = self.buf_start + self.buf.len() as u64;
        if self.pos < self.buf_start || self.pos >= buffered_end {
            if out.len() >= ARCHIVE_BUFFER {
                let n = crate::codec::fill::read_at(&self.file, out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            self.buf.resize(ARCHIVE_BUFFER, 0);
            let n = crate::codec::fill::read_at(&self.file, &mut self.buf, self.pos)?;
            self.buf.truncate(n);
            self.buf_start = self.pos;
            if n == 0 {
                return Ok(0);
            }
        }
        let start = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.buf.len() - start);
        out[..n].copy_from_slice(&self.buf[start..start + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for ArchiveFile {
    fn seek(&mut self, to: std::io::SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            std::io::SeekFrom::Start(n) => Some(n),
            std::io::SeekFrom::End(d) => self.len.checked_add_signed(d),
            std::io::SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target.ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "seek before the start of the file",
            )
        })?;
        Ok(self.pos)
    }
}
