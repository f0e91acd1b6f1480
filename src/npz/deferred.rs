//! Local headers checked when a member is first read, not when the archive is opened: for
//! sources where every read is a request (object storage), opening then costs the directory
//! alone, and reading one member of a thousand fetches that member, not a thousand headers.
//! The row it serves: "one member of a 64-member archive in object storage"
//! (`tests/remote.rs`, `benches/compare.py` remote rows).
//!
//! The checks are the eager ones (`archive::open_archive`), split by what they need:
//!
//! - at opening, from the directory alone: no two entries share bytes (each entry's local
//!   header, name and data, at their smallest, end before the next entry starts, and the last
//!   before the directory), which refuses the overlapping-entry bomb before anything is read;
//!   and the first member's checks below (its local header is in the archive's first bytes,
//!   already read), which also refuse a name the directory lists twice;
//! - when a member is first read (by any route, through any clone): its local header agrees
//!   with its directory entry (name, sizes, method, flags), and its data, now that the local
//!   header's length is known, still ends before the next entry.
//!
//! What is not done: the eager scan of the bytes between entries for local headers the
//! directory does not list (it would read them). npio, like NumPy, reads members by the
//! directory, so such headers are never read.

use std::io::{Read, Seek};
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use zip::read::ZipReadOptions;
use zip::ZipArchive;

use crate::error::{Error, Result};

/// What a source where every read is a request does ahead of reads.
pub(crate) trait Ahead: Send + Sync {
    /// Fetches `ranges` at once (the headers of many members).
    fn prefetch(&self, ranges: &[Range<u64>]) -> std::io::Result<()>;
    /// Fetches the whole source at full speed, for reading every member.
    fn fetch_whole(&self) -> std::io::Result<()>;
    /// Lets go of what [`Ahead::fetch_whole`] fetched.
    fn release_whole(&self);
}

/// A remote source's hook.
pub(crate) type Prefetch = Arc<dyn Ahead>;

/// Holds a whole fetched source until dropped (see [`Deferred::whole`]).
pub(crate) struct Whole<'a>(&'a Deferred);

impl Drop for Whole<'_> {
    fn drop(&mut self) {
        self.0.prefetch.release_whole();
    }
}

/// The bytes after a local header's start fetched ahead to describe a member: the local
/// header (30 bytes, the name, the extra field) and the member's `.npy` header.
const HEADERS_AHEAD: u64 = 1024;

/// The size of a local file header before its name and extra field.
const LOCAL_HEADER_FIXED: u64 = 30;

/// The members of one archive whose local headers are checked on first read.
pub(crate) struct Deferred {
    /// Where each member's bytes must end: the next entry's local header, or the directory.
    bounds: Vec<u64>,
    /// Members checked so far (by this reader or a clone).
    checked: Vec<AtomicBool>,
    prefetch: Prefetch,
}

impl std::fmt::Debug for Deferred {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deferred")
            .field("members", &self.bounds.len())
            .finish_non_exhaustive()
    }
}

/// An inconsistent structure, said as the eager checks say it.
fn inconsistent(reason: impl std::fmt::Display) -> Error {
    Error::Archive {
        reason: format!("inconsistent zip structure, refused before reading any member: {reason}"),
    }
}

impl Deferred {
    /// Checks what the directory of `archive` alone tells (no two entries share bytes) and
    /// returns the checks left for each member's first read.
    pub(crate) fn new<R: Read + Seek>(archive: &ZipArchive<R>, prefetch: Prefetch) -> Result<Self> {
        let mut spans = Vec::with_capacity(archive.len());
        for i in 0..archive.len() {
            let entry = archive.by_index_data(i)?;
            let least = LOCAL_HEADER_FIXED
                .checked_add(entry.name_raw().len() as u64)
                .and_then(|n| n.checked_add(entry.compressed_size()))
                .and_then(|n| n.checked_add(entry.header_start()))
                .ok_or_else(|| inconsistent("an entry's end overflows"))?;
            spans.push((entry.header_start(), least, i));
        }
        spans.sort_unstable();
        let directory = archive.central_directory_start();
        let mut bounds = vec![0; spans.len()];
        for (k, &(_, least, i)) in spans.iter().enumerate() {
            let bound = spans.get(k + 1).map_or(directory, |next| next.0);
            if least > bound {
                return Err(inconsistent("archive contains overlapping entries"));
            }
            bounds[i] = bound;
        }
        Ok(Deferred {
            checked: (0..bounds.len()).map(|_| AtomicBool::new(false)).collect(),
            bounds,
            prefetch,
        })
    }

    /// Checks member `index` of `archive` (the archive this was made for) unless it was.
    pub(crate) fn check<R: Read + Seek>(
        &self,
        archive: &mut ZipArchive<R>,
        index: usize,
    ) -> Result<()> {
        if self.checked[index].load(Ordering::Acquire) {
            return Ok(());
        }
        let options = ZipReadOptions::new().enforce_header_consistency(true);
        let file = archive
            .by_index_with_options(index, options)
            .map_err(|e| match e {
                zip::result::ZipError::Io(io) => Error::Io(io),
                other => inconsistent(other),
            })?;
        let end = file
            .data_start()
            .and_then(|start| start.checked_add(file.compressed_size()));
        if end.is_none_or(|end| end > self.bounds[index]) {
            return Err(inconsistent("archive contains overlapping entries"));
        }
        self.checked[index].store(true, Ordering::Release);
        Ok(())
    }

    /// Fetches, all at once, the local and `.npy` headers of the members not checked yet (to
    /// describe every member without a request each).
    pub(crate) fn prefetch_headers<R: Read + Seek>(&self, archive: &ZipArchive<R>) -> Result<()> {
        let ranges: Vec<Range<u64>> = (0..archive.len())
            .filter(|&i| !self.checked[i].load(Ordering::Relaxed))
            .filter_map(|i| archive.by_index_data(i).ok())
            .map(|entry| entry.header_start())
            .map(|start| start..start.saturating_add(HEADERS_AHEAD))
            .collect();
        self.prefetch.prefetch(&ranges).map_err(Error::from)
    }

    /// Fetches the whole archive, held until the guard is dropped (`read_all`).
    pub(crate) fn whole(&self) -> Result<Whole<'_>> {
        self.prefetch.fetch_whole()?;
        Ok(Whole(self))
    }
}
