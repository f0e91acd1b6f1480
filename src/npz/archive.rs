//! Opening an archive: the structural checks every archive passes before any member is read.

use std::io::{Read, Seek};
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
