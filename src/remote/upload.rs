//! [`RemoteWriter`]: a file written to object storage front to back, whole or not at all.
//!
//! Bytes go out as they are written: the first [`UPLOAD_PART`] are held, and an object that
//! stays that small is put with one request by [`RemoteWriter::finish`]; a larger one becomes a
//! multipart upload of parts of that size, sent while the writer goes on, at most
//! [`UPLOADS_IN_FLIGHT`] at a time (so memory stays bounded, about 80 MiB, whatever the
//! object's size). The object appears when the upload completes; a writer dropped or failing
//! before that aborts the upload and leaves the store as it was.
//!
//! It cannot seek: bytes already sent cannot be rewritten. Archives go through
//! [`crate::NpzWriter::new_stream`] (members end in data descriptors), `.npy` files through
//! [`crate::WriteOptions::write`], which never go back.

use std::collections::VecDeque;
use std::io::{self, Write};
use std::sync::mpsc::Receiver;
use std::sync::Arc;

use object_store::{MultipartUpload, ObjectStoreExt, PutPayload};

use super::store::{self, Located};
use crate::error::{Error, Result};

/// The part size of a multipart upload (S3 takes 5 MiB to 5 GiB; 10,000 parts at most, so
/// objects up to 160 GiB); objects up to this size are uploaded in one request.
const UPLOAD_PART: usize = 16 << 20;
/// Parts of one upload in flight at once.
const UPLOADS_IN_FLIGHT: usize = 4;

/// An object being written to object storage: [`Write`] only, uploaded as it is written and
/// made visible, whole, by [`RemoteWriter::finish`]. Dropped without `finish`, it leaves no
/// object (a started multipart upload is aborted).
///
/// Open one with [`crate::remote::Remote::create`]; pass it to
/// [`crate::NpzWriter::new_stream`] or [`crate::WriteOptions::write`].
///
/// ```no_run
/// let remote = npio::remote::Remote::new();
/// let mut npz = npio::NpzWriter::new_stream(remote.create("s3://bucket/out.npz").unwrap());
/// npz.add("a", &ndarray::arr1(&[1.0f32, 2.0])).unwrap();
/// let uploaded = npz.finish().unwrap().finish().unwrap();
/// println!("{uploaded} bytes uploaded");
/// ```
#[must_use = "the object appears only once finish() returned Ok; dropped, the upload is aborted"]
pub struct RemoteWriter {
    located: Located,
    url: String,
    /// Bytes written and not sent yet: at most [`UPLOAD_PART`].
    held: Vec<u8>,
    /// The multipart upload, once the object outgrew [`UPLOAD_PART`].
    upload: Option<Box<dyn MultipartUpload>>,
    /// Parts being sent, oldest first.
    in_flight: VecDeque<Receiver<object_store::Result<()>>>,
    /// Bytes handed to the upload so far.
    sent: u64,
    /// The first failure: every later write and `finish` report it.
    failed: Option<(io::ErrorKind, String)>,
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
            url: url.to_string(),
            held: Vec::new(),
            upload: None,
            in_flight: VecDeque::new(),
            sent: 0,
            failed: None,
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

    /// Uploads what is left and makes the object visible, whole; returns its size. Errors
    /// name the URL; after an error the object is as it was (a multipart upload is aborted).
    ///
    /// ```no_run
    /// use std::io::Write;
    /// let mut w = npio::remote::Remote::new().create("s3://bucket/notes.txt").unwrap();
    /// w.write_all(b"hello").unwrap();
    /// assert_eq!(w.finish().unwrap(), 5);
    /// ```
    pub fn finish(mut self) -> Result<u64> {
        self.complete()
            .map_err(|e| Error::from(e).at_path(std::path::Path::new(&self.url)))
    }

    fn complete(&mut self) -> io::Result<u64> {
        self.check()?;
        let Some(mut upload) = self.upload.take() else {
            let (store, path) = (Arc::clone(&self.located.store), self.located.path.clone());
            let all = std::mem::take(&mut self.held);
            let len = all.len() as u64;
            store::run(async move { store.put(&path, PutPayload::from(all)).await })
                .map_err(store::storage_error)?;
            return Ok(len);
        };
        let last = std::mem::take(&mut self.held);
        let outcome = (|| {
            if !last.is_empty() {
                self.send(&mut upload, last)?;
            }
            self.wait_for(0)
        })();
        match outcome {
            Ok(()) => {
                store::run(async move { upload.complete().await }).map_err(store::storage_error)?;
                Ok(self.sent)
            }
            Err(e) => {
                abort(upload);
                Err(e)
            }
        }
    }

    /// The first failure, again.
    fn check(&self) -> io::Result<()> {
        match &self.failed {
            Some((kind, message)) => Err(io::Error::new(*kind, message.clone())),
            None => Ok(()),
        }
    }

    /// Sends the full part held (more bytes are coming, so the object outgrew one request),
    /// starting the multipart upload first when needed.
    fn send_held(&mut self) -> io::Result<()> {
        let mut upload = match self.upload.take() {
            Some(upload) => upload,
            None => {
                let (store, path) = (Arc::clone(&self.located.store), self.located.path.clone());
                store::run(async move { store.put_multipart(&path).await })
                    .map_err(store::storage_error)?
            }
        };
        let part = std::mem::replace(&mut self.held, Vec::with_capacity(UPLOAD_PART));
        let result = self.send(&mut upload, part);
        self.upload = Some(upload);
        result
    }

    /// Sends one part, after waiting until fewer than [`UPLOADS_IN_FLIGHT`] are in flight.
    fn send(&mut self, upload: &mut Box<dyn MultipartUpload>, part: Vec<u8>) -> io::Result<()> {
        self.wait_for(UPLOADS_IN_FLIGHT - 1)?;
        self.sent += part.len() as u64;
        let uploading = upload.put_part(PutPayload::from(part));
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        store::spawn(async move {
            let _ = tx.send(uploading.await);
        });
        self.in_flight.push_back(rx);
        Ok(())
    }

    /// Waits until at most `left` parts are in flight.
    fn wait_for(&mut self, left: usize) -> io::Result<()> {
        while self.in_flight.len() > left {
            let done = self.in_flight.pop_front().expect("a part in flight");
            match done.recv() {
                Ok(Ok(())) => {}
                Ok(Err(e)) => return Err(store::storage_error(e)),
                Err(_) => return Err(io::Error::other("an upload task ended without a result")),
            }
        }
        Ok(())
    }
}

/// Aborts `upload`, best effort: the error that stopped it is the one to report.
fn abort(mut upload: Box<dyn MultipartUpload>) {
    let _ = store::run(async move { upload.abort().await });
}

impl Write for RemoteWriter {
    /// Takes what fits in the part being filled (so a large write is taken part by part, by
    /// `write_all`, and memory stays bounded); a full part is sent once more bytes come.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.check()?;
        if buf.is_empty() {
            return Ok(0);
        }
        if self.held.len() == UPLOAD_PART {
            if let Err(e) = self.send_held() {
                self.failed = Some((e.kind(), e.to_string()));
                return Err(e);
            }
        }
        let n = buf.len().min(UPLOAD_PART - self.held.len());
        self.held.extend_from_slice(&buf[..n]);
        Ok(n)
    }

    /// Bytes are sent in whole parts; what is held goes out with [`RemoteWriter::finish`].
    fn flush(&mut self) -> io::Result<()> {
        self.check()
    }
}

impl Drop for RemoteWriter {
    /// A writer not finished leaves no object: the parts in flight are waited for (S3 keeps
    /// parts that arrive after an abort), then the upload is aborted.
    fn drop(&mut self) {
        if let Some(upload) = self.upload.take() {
            let _ = self.wait_for(0);
            abort(upload);
        }
    }
}
