//! [`RemoteWriter`]: a file written to object storage, whole or not at all.
//!
//! Writers of `.npy` rows and `.npz` archives seek back to finish what they wrote (a header's
//! row count, a zip's sizes), which an upload cannot do; so a remote file is written into a
//! nameless local temporary file first and uploaded by [`RemoteWriter::finish`]: one request
//! up to [`SINGLE_MAX`], else a multipart upload of [`UPLOAD_PART`]-sized parts,
//! [`UPLOADS_IN_FLIGHT`] at a time. The object appears when the upload completes, whole; a
//! writer dropped or failing before that leaves the store as it was.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::sync::Arc;

use object_store::{ObjectStoreExt, PutPayload};

use super::store::{self, Located};
use crate::error::{Error, Result};

/// Files up to this size are uploaded in one request.
const SINGLE_MAX: u64 = 16 << 20;
/// The part size of a multipart upload (S3 takes 5 MiB to 5 GiB; 10,000 parts at most, so
/// objects up to 160 GiB).
const UPLOAD_PART: u64 = 16 << 20;
/// Parts of one upload in flight at once.
const UPLOADS_IN_FLIGHT: usize = 4;

/// A file being written to object storage: [`Write`] and [`Seek`] over a local temporary file,
/// uploaded whole by [`RemoteWriter::finish`]. Dropped without `finish`, it uploads nothing.
///
/// Open one with [`crate::remote::Remote::create`]; pass it to [`crate::NpzWriter::new`],
/// [`crate::WriteOptions::write`] or [`crate::WriteOptions::row_writer`].
///
/// ```no_run
/// let remote = npio::remote::Remote::new();
/// let mut npz = npio::NpzWriter::new(remote.create("s3://bucket/out.npz").unwrap());
/// npz.add("a", &ndarray::arr1(&[1.0f32, 2.0])).unwrap();
/// let uploaded = npz.finish().unwrap().finish().unwrap();
/// println!("{uploaded} bytes uploaded");
/// ```
pub struct RemoteWriter {
    spool: File,
    located: Located,
    url: String,
}

impl std::fmt::Debug for RemoteWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteWriter")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl RemoteWriter {
    /// A writer for `url`, checked to name an object in a store npio can reach.
    pub(crate) fn create(url: &str, options: &[(String, String)]) -> io::Result<RemoteWriter> {
        Ok(RemoteWriter {
            located: store::locate(url, options)?,
            spool: tempfile::tempfile()?,
            url: url.to_string(),
        })
    }

    /// The URL the object is written to.
    ///
    /// ```no_run
    /// let w = npio::remote::Remote::new().create("s3://bucket/out.npy").unwrap();
    /// assert_eq!(w.url(), "s3://bucket/out.npy");
    /// ```
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Uploads what was written, as the whole object, and returns its size. Errors name the
    /// URL; after an error the object is as it was (a multipart upload is aborted).
    ///
    /// ```no_run
    /// use std::io::Write;
    /// let mut w = npio::remote::Remote::new().create("s3://bucket/notes.txt").unwrap();
    /// w.write_all(b"hello").unwrap();
    /// assert_eq!(w.finish().unwrap(), 5);
    /// ```
    pub fn finish(mut self) -> Result<u64> {
        self.upload()
            .map_err(|e| Error::from(e).at_path(std::path::Path::new(&self.url)))
    }

    fn upload(&mut self) -> io::Result<u64> {
        let len = self.spool.seek(SeekFrom::End(0))?;
        self.spool.seek(SeekFrom::Start(0))?;
        let (store, path) = (Arc::clone(&self.located.store), self.located.path.clone());
        if len <= SINGLE_MAX {
            let mut all = Vec::with_capacity(len as usize);
            (&mut self.spool).take(len).read_to_end(&mut all)?;
            store::run(async move { store.put(&path, PutPayload::from(all)).await })
                .map_err(store::storage_error)?;
            return Ok(len);
        }
        let mut upload = store::run(async move { store.put_multipart(&path).await })
            .map_err(store::storage_error)?;
        let mut in_flight = VecDeque::new();
        let mut sent = 0;
        let outcome = loop {
            if in_flight.len() == UPLOADS_IN_FLIGHT || (sent == len && !in_flight.is_empty()) {
                let done: std::sync::mpsc::Receiver<object_store::Result<()>> =
                    in_flight.pop_front().expect("a part in flight");
                match done.recv() {
                    Ok(Ok(())) => continue,
                    Ok(Err(e)) => break Err(store::storage_error(e)),
                    Err(_) => break Err(io::Error::other("an upload task ended without a result")),
                }
            }
            if sent == len {
                break Ok(());
            }
            let n = UPLOAD_PART.min(len - sent);
            let mut part = vec![0u8; n as usize];
            if let Err(e) = self.spool.read_exact(&mut part) {
                break Err(e);
            }
            sent += n;
            let uploading = upload.put_part(PutPayload::from(part));
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            store::spawn(async move {
                let _ = tx.send(uploading.await);
            });
            in_flight.push_back(rx);
        };
        match outcome {
            Ok(()) => {
                store::run(async move { upload.complete().await }).map_err(store::storage_error)?;
                Ok(len)
            }
            Err(e) => {
                // Best effort: the error that stopped the upload is the one to report.
                let _ = store::run(async move { upload.abort().await });
                Err(e)
            }
        }
    }
}

impl Write for RemoteWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.spool.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.spool.flush()
    }
}

impl Seek for RemoteWriter {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.spool.seek(to)
    }
}
