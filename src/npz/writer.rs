//! [`NpzWriter`] and the writers of single members.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::io::{self, Write};
use std::sync::mpsc::Receiver;

use zip::ZipArchive;

use super::background::{self, Deflated};
use super::deflate;
use super::members::{NpzArrayWriter, NpzMemberWriter};
use super::progress::{Counted, Progress};
use super::rows::{NpzRowsWriter, SpillFile};
use super::sink::Failed;
use super::zip_out::ZipOut;
use super::{Compression, Method, PARALLEL_DEFLATE_MAX};
use crate::codec::Element;
use crate::dtype::Endian;
use crate::error::{Error, Result};
use crate::header::Header;
use crate::npy::{transcoded_len, NpyReader, WriteNpy, WriteOptions};
use crate::par::Queue;

/// Writes `.npz` archives.
///
/// Methods that take an array (`add`, [`WriteOptions::add_to`], `start_array`, `start_rows`) take NumPy's
/// name and store the member as `NAME.npy`; methods that take bytes or a stream (`add_raw`,
/// `add_transcoded`, `start_member`) take the stored name exactly. Stored members have their data 64-byte aligned.
///
/// Deflated members added whole (`add`, `WriteOptions::add_to`, `add_raw`, `add_transcoded`, up to
/// 1 GiB) are compressed in the background (with the `parallel` feature,
/// as rayon tasks on the current pool) while the caller prepares the next member; an error writing such a member (an I/O error of the
/// output, in practice) is reported by the next call or by [`NpzWriter::finish`], and names
/// the member. Members appear in the archive in the order they were added.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let dir = tmp.path();
/// let mut w = npio::NpzWriter::create_compressed(dir.join("b.npz")).unwrap();
/// w.add("weights", &ndarray::Array2::<f32>::zeros((3, 4))).unwrap();
/// assert!(w.add("weights", &ndarray::arr1(&[1u8])).is_err()); // duplicate name
/// w.finish().unwrap();
/// ```
///
/// # Dropping without `finish`
///
/// Every member an `add*` call accepted ends up in the archive even when the writer is
/// dropped without [`NpzWriter::finish`] (an early `?` return, a panic): dropping waits for
/// members still compressing in the background and writes the zip directory, as Python's
/// `zipfile` and the zip crate do. A member started with `start_*` and never finished is left
/// out. Errors during a drop cannot be reported (and are never printed): call
/// [`NpzWriter::finish`] to learn whether the archive was written.
///
/// ```
/// use std::io::Cursor;
/// let mut out = Cursor::new(Vec::new());
/// {
///     let mut w = npio::NpzWriter::new_compressed(&mut out);
///     w.add("a", &ndarray::arr1(&[1.0f64, 2.0])).unwrap();
///     w.add("b", &ndarray::arr1(&[3u8])).unwrap();
///     // dropped here without finish()
/// }
/// let npz = npio::NpzReader::new(Cursor::new(out.into_inner())).unwrap();
/// assert_eq!(npz.names(), ["a", "b"]);
/// ```
#[must_use = "an archive is only known to be complete once finish() returned Ok"]
pub struct NpzWriter<W: Write> {
    /// `None` only once `finish` has taken it.
    zip: Option<ZipOut<W>>,
    /// The first I/O error of the output, shared with the [`Sink`].
    failed: Failed,
    compression: Compression,
    names: HashSet<String>,
    unfinished: Option<String>,
    /// True while a `start_member`/`start_array` member is open in the zip writer.
    member_open: bool,
    /// Members compressing in the background, in archive order.
    pending: VecDeque<PendingMember>,
    /// Where they compress.
    queue: Queue,
    /// Member bytes done, for [`NpzWriter::set_progress`].
    pub(super) progress: Progress,
}

impl<W: Write> std::fmt::Debug for NpzWriter<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzWriter")
            .field("compression", &self.compression)
            .field("members", &self.names.len())
            .field("unfinished", &self.unfinished)
            .field("finished", &self.zip.is_none())
            .field("failed", &self.failed.get().map(|(kind, _)| kind))
            .finish_non_exhaustive()
    }
}

/// A member being deflated in the background (see [`background`]).
struct PendingMember {
    stored: String,
    /// Uncompressed size (what the task holds in memory).
    len: u64,
    /// Its one-member zip, when ready.
    zip: Receiver<Deflated>,
}

/// Members deflating at once, per thread of the pool: enough that a long member added late
/// finds a free thread while earlier members' blocks are still compressing.
const IN_FLIGHT_PER_THREAD: usize = 4;

impl<W: Write> NpzWriter<W> {
    /// An archive over `zip`, whose output shares `failed`.
    pub(super) fn over(zip: ZipOut<W>, failed: Failed, compression: Compression) -> Self {
        NpzWriter {
            zip: Some(zip),
            failed,
            compression,
            names: HashSet::new(),
            unfinished: None,
            member_open: false,
            pending: VecDeque::new(),
            queue: Queue::default(),
            progress: Progress::default(),
        }
    }

    /// The zip writer, unless the output failed before (then that error, again).
    pub(super) fn zip(&mut self) -> Result<&mut ZipOut<W>> {
        if let Some((kind, message)) = self.failed.get() {
            return Err(Error::Io(io::Error::new(
                *kind,
                format!("the archive's output failed earlier: {message}"),
            )));
        }
        self.zip.as_mut().ok_or(Error::ArchiveFinished)
    }

    /// The open member's data output: the zip writer, counting progress.
    pub(super) fn data(&mut self) -> Result<Counted<'_, ZipOut<W>>> {
        self.zip()?;
        let inner = self.zip.as_mut().ok_or(Error::ArchiveFinished)?;
        Ok(Counted {
            inner,
            progress: &self.progress,
        })
    }

    /// Changes the compression of the members added from now on (members of one archive may
    /// differ).
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.set_compression(npio::npz::Compression::deflated());
    /// ```
    pub fn set_compression(&mut self, compression: Compression) {
        self.compression = compression;
    }

    /// The compression of members added from now on.
    ///
    /// ```
    /// let w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// assert_eq!(w.compression(), npio::npz::Compression::Auto);
    /// ```
    pub fn compression(&self) -> Compression {
        self.compression
    }

    /// Reserves `stored_name` for a new member.
    fn claim_name(&mut self, stored_name: &str) -> Result<()> {
        if let Some(open) = &self.unfinished {
            return Err(Error::MemberUnfinished {
                member: open.clone(),
            });
        }
        if !self.names.insert(stored_name.to_string()) {
            return Err(Error::DuplicateMember {
                name: stored_name.to_string(),
            });
        }
        Ok(())
    }

    /// Opens a member under `stored_name`, sized `len` bytes.
    fn open_member(&mut self, stored_name: String, len: u64) -> Result<()> {
        self.claim_name(&stored_name)?;
        self.flush_pending()?;
        let options = self.compression.file_options(len)?;
        self.zip()?.start_file(stored_name, options)?;
        Ok(())
    }

    /// Whether a member of `len` bytes is encoded in memory first, to be deflated in parallel.
    fn buffers(&self, len: u64) -> bool {
        self.compression != Compression::Stored && len <= PARALLEL_DEFLATE_MAX
    }

    /// Adds a member whose bytes are all at hand. Deflated members are compressed on all
    /// cores (see [`super::deflate`]) on a background thread while the caller prepares the
    /// next member, then copied into the archive as they are.
    fn add_whole(&mut self, stored_name: &str, bytes: Cow<'_, [u8]>) -> Result<()> {
        let plan = self.compression.plan()?;
        if matches!(plan, Method::Store) || bytes.len() as u64 > PARALLEL_DEFLATE_MAX {
            self.open_member(stored_name.to_string(), bytes.len() as u64)?;
            return self
                .data()?
                .write_all(&bytes)
                .map_err(|e| Error::from(e).in_member(stored_name));
        }
        self.claim_name(stored_name)?;
        let level = match plan {
            Method::Level(level) => Some(level),
            #[cfg(feature = "zstd")]
            Method::Zstd(level) => {
                let len = bytes.len() as u64;
                let zip = background::zstd(&self.queue, bytes, level, &self.progress);
                return self.enqueue(stored_name, len, zip);
            }
            _ => None,
        };
        let len = bytes.len() as u64;
        let zip = if bytes.len() < deflate::SMALL_MEMBER {
            background::now(&bytes, level, &self.progress)
        } else {
            // The background task owns what it compresses.
            let progress = self.progress.clone();
            background::start(&self.queue, bytes.into_owned(), level, progress)
        };
        self.enqueue(stored_name, len, zip)
    }

    /// Queues a member compressing in the background; members before it are written once
    /// enough are in flight.
    fn enqueue(&mut self, stored_name: &str, len: u64, zip: Receiver<Deflated>) -> Result<()> {
        self.pending.push_back(PendingMember {
            stored: stored_name.to_string(),
            len,
            zip,
        });
        // Members before this one are written once enough are in flight, holding at most
        // PARALLEL_DEFLATE_MAX bytes together.
        let most = crate::par::threads() * IN_FLIGHT_PER_THREAD;
        while self.pending.len() > most
            || (self.pending.len() > 1
                && self.pending.iter().map(|p| p.len).sum::<u64>() > PARALLEL_DEFLATE_MAX)
        {
            let first = self.pending.pop_front();
            self.write_pending(first)?;
        }
        Ok(())
    }

    /// Waits for a member compressed in the background and copies it into the archive.
    fn write_pending(&mut self, pending: Option<PendingMember>) -> Result<()> {
        let Some(PendingMember { stored, zip, .. }) = pending else {
            return Ok(());
        };
        let zip = crate::par::recv(&zip).unwrap_or_else(|| {
            Err(Error::Io(io::Error::other(
                "the task deflating this member panicked",
            )))
        });
        self.copy_single(&stored, zip)
    }

    /// Copies the member of a one-member zip into the archive as `stored`.
    fn copy_single(&mut self, stored: &str, single: Result<Vec<u8>>) -> Result<()> {
        let result = (|| {
            let mut archive = ZipArchive::new(std::io::Cursor::new(single?))?;
            let file = archive.by_index_raw(0)?;
            self.zip()?.raw_copy_file_rename(file, stored)?;
            Ok(())
        })();
        result.map_err(|e: Error| e.in_member(stored))
    }

    /// Writes the members still compressing in the background, in order.
    fn flush_pending(&mut self) -> Result<()> {
        while let Some(first) = self.pending.pop_front() {
            self.write_pending(Some(first))?;
        }
        Ok(())
    }

    /// Adds an array (typed `ndarray` array or [`crate::DynArray`]) as member `NAME.npy`,
    /// written as `np.save` writes it.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// w.add("s", &npio::DynArray::from_strings(&ndarray::arr1(&["x"]))).unwrap();
    /// # w.finish().unwrap();
    /// ```
    pub fn add<A: WriteNpy + ?Sized>(&mut self, name: &str, array: &A) -> Result<()> {
        self.add_written(name, array, &WriteOptions::default())
    }

    /// Adds an array written with `options`: [`WriteOptions::add_to`].
    pub(super) fn add_written<A: WriteNpy + ?Sized>(
        &mut self,
        name: &str,
        array: &A,
        options: &WriteOptions,
    ) -> Result<()> {
        let stored = format!("{name}.npy");
        let len = array.npy_len(options)?;
        if self.buffers(len) {
            let mut bytes = Vec::with_capacity(len as usize);
            array.write_to(&mut bytes, options)?;
            return self.add_whole(&stored, bytes.into());
        }
        self.open_member(stored.clone(), len)?;
        array
            .write_to(&mut self.data()?, options)
            .map_err(|e| e.in_member(&stored))
    }

    /// Adds a member under exactly `stored_name` (like [`NpzWriter::add_raw`], no `.npy`
    /// added) holding the `.npy` stream `reader` reads, re-encoded with `options` (see
    /// [`NpyReader::transcode`]): converts or copies an array from a file or another archive
    /// in bounded memory. Returns the member's size.
    ///
    /// ```
    /// use npio::{dtype::Endian, NpyReader, WriteOptions};
    /// let npy = npio::to_bytes(&ndarray::arr1(&[1u16, 2])).unwrap();
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let big = WriteOptions::default().endian(Endian::Big);
    /// w.add_transcoded("a.npy", NpyReader::new(std::io::Cursor::new(&npy[..])).unwrap(), &big).unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// let a: npio::DynArray = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap().read("a").unwrap();
    /// assert_eq!(a.dtype().typestr(), ">u2");
    /// ```
    pub fn add_transcoded<R: std::io::Read>(
        &mut self,
        stored_name: &str,
        reader: NpyReader<R>,
        options: &WriteOptions,
    ) -> Result<u64> {
        let stored = stored_name;
        let len = transcoded_len(reader.header(), options)?;
        if self.buffers(len) {
            let mut bytes = Vec::with_capacity(len as usize);
            reader.transcode(&mut bytes, options)?;
            self.add_whole(stored, bytes.into())?;
            return Ok(len);
        }
        let mut member = self.start_member(stored, len)?;
        reader
            .transcode(&mut member, options)
            .map_err(|e| e.in_member(stored))?;
        member.finish()?;
        Ok(len)
    }

    /// Adds a member that is not an array (or an already encoded `.npy`), under exactly
    /// `stored_name`. Pass a `Vec<u8>` to hand it over without a copy when it is deflated.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.add_raw("README.txt", b"units: metres").unwrap();
    /// w.add_raw("data.bin", vec![1u8, 2, 3]).unwrap();
    /// ```
    pub fn add_raw<'b>(
        &mut self,
        stored_name: &str,
        bytes: impl Into<Cow<'b, [u8]>>,
    ) -> Result<()> {
        self.add_whole(stored_name, bytes.into())
    }

    /// Starts a member under exactly `stored_name` (no `.npy` added) holding `len` bytes,
    /// written through the returned writer, which must be finished. Use it to copy members
    /// of another archive as they are.
    ///
    /// ```
    /// use std::io::Write;
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut m = w.start_member("notes.txt", 2).unwrap();
    /// m.write_all(b"hi").unwrap();
    /// m.finish().unwrap();
    /// # w.finish().unwrap();
    /// ```
    pub fn start_member(&mut self, stored_name: &str, len: u64) -> Result<NpzMemberWriter<'_, W>> {
        self.open_member(stored_name.to_string(), len)?;
        self.unfinished = Some(stored_name.to_string());
        self.member_open = true;
        Ok(NpzMemberWriter {
            npz: self,
            stored: stored_name.to_string(),
            announced: len,
            remaining: len,
        })
    }

    /// Starts member `NAME.npy` for an array whose rows arrive incrementally. The header
    /// (dtype and full shape, C order) is written now; blocks of rows follow through the
    /// returned writer, which must be finished.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// let mut member = w.start_array::<f64>("rows", &[4, 2]).unwrap();
    /// member.write_rows(&ndarray::arr2(&[[1.0, 2.0], [3.0, 4.0]])).unwrap();
    /// member.write_rows(&ndarray::arr2(&[[5.0, 6.0], [7.0, 8.0]])).unwrap();
    /// member.finish().unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap();
    /// let a: ndarray::Array2<f64> = npz.read("rows").unwrap();
    /// assert_eq!(a[[3, 1]], 8.0);
    /// ```
    pub fn start_array<T: Element>(
        &mut self,
        name: &str,
        shape: &[usize],
    ) -> Result<NpzArrayWriter<'_, W, T>> {
        let header = Header::new(T::dtype(Endian::NATIVE), shape.to_vec(), false);
        let plan = T::write_plan(&header.dtype)?;
        let prefix = header.to_bytes()?;
        let total = header.element_count()?;
        let stored = format!("{name}.npy");
        self.open_member(
            stored.clone(),
            prefix.len() as u64 + header.data_len()? as u64,
        )?;
        self.unfinished = Some(stored.clone());
        self.member_open = true;
        self.data()?
            .write_all(&prefix)
            .map_err(|e| Error::from(e).in_member(&stored))?;
        Ok(NpzArrayWriter {
            npz: self,
            stored,
            row_shape: shape.get(1..).unwrap_or_default().to_vec(),
            announced: total,
            remaining: total,
            plan,
        })
    }

    /// Starts member `NAME.npy` for rows whose final number is not known: they are written to
    /// a temporary `.npy` file (bounded memory) and copied into the archive by
    /// [`NpzRowsWriter::finish`], with the header `np.save` would write for the whole.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// let mut rows = w.start_rows::<u32>("log", &[2]).unwrap();
    /// for k in 0..5u32 {
    ///     rows.write_rows(&ndarray::arr1(&[k, k * k])).unwrap();
    /// }
    /// rows.finish().unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// let a: ndarray::Array2<u32> = npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap().read("log").unwrap();
    /// assert_eq!(a.shape(), &[5, 2]);
    /// assert_eq!(a[[4, 1]], 16);
    /// ```
    pub fn start_rows<T: Element>(
        &mut self,
        name: &str,
        row_shape: &[usize],
    ) -> Result<NpzRowsWriter<'_, W, T>> {
        if let Some(open) = &self.unfinished {
            return Err(Error::MemberUnfinished {
                member: open.clone(),
            });
        }
        let spill = SpillFile::create()?;
        let file = spill.file.try_clone()?;
        let rows =
            crate::npy::row_writer::NpyRowWriter::new(std::io::BufWriter::new(file), row_shape)?;
        let stored = format!("{name}.npy");
        if self.names.contains(&stored) {
            return Err(Error::DuplicateMember { name: stored });
        }
        self.unfinished = Some(stored.clone());
        Ok(NpzRowsWriter {
            npz: self,
            name: name.to_string(),
            rows,
            spill,
        })
    }

    /// Finishes the archive (writes the central directory) and gives back the writer.
    ///
    /// ```
    /// let w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// assert_eq!(w.finish().unwrap().into_inner().len(), 22);
    /// ```
    pub fn finish(mut self) -> Result<W> {
        if let Some(open) = &self.unfinished {
            return Err(Error::MemberUnfinished {
                member: open.clone(),
            });
        }
        self.flush_pending()?;
        self.zip()?;
        let zip = self.zip.take().ok_or(Error::ArchiveFinished)?;
        zip.finish()?.into_inner()
    }

    /// Marks the open `start_*` member as complete.
    pub(super) fn member_done(&mut self) {
        self.unfinished = None;
        self.member_open = false;
    }
}

impl<W: Write> Drop for NpzWriter<W> {
    /// Completes the archive with every member that was accepted (see the type's docs); a
    /// member left open by `start_*` is removed. Errors are dropped silently: `finish`
    /// reports them.
    fn drop(&mut self) {
        if self.zip.is_none() {
            return;
        }
        if self.member_open {
            if let Some(zip) = self.zip.as_mut() {
                let _ = zip.abort_file();
            }
        }
        let _ = self.flush_pending();
        // The zip writer writes its directory when it is dropped, right after this; its
        // output cannot fail loudly any more (see `Sink`).
    }
}
