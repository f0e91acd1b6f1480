//! `.npy` files and `.npz` archives in object storage: `s3://`, `gs://`, `az://` (and
//! `abfs://`), `http://` and `https://` URLs, on the `object_store` crate (feature `remote`).
//!
//! Reads move only the bytes they need: opening fetches the object's last 64 KiB (an
//! archive's directory), then the local and `.npy` headers of the members (all at once), then
//! only the members read, large ones as several ranges in flight. Everything read goes through
//! the same checks as a local file (claims against the object's real size, limits, bools,
//! trailing data, CRCs): a hostile remote archive is refused as a local one is.
//!
//! Configuration is `object_store`'s: the standard environment variables (`AWS_ENDPOINT_URL`,
//! `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`, `AWS_ALLOW_HTTP`,
//! `GOOGLE_SERVICE_ACCOUNT`, `AZURE_STORAGE_ACCOUNT_NAME`, ...) and explicit options with the
//! same names in lower case without the prefix's `_URL` (`aws_endpoint`, `aws_region`, ...),
//! as Polars and pandas take them; an option no store knows is an error.
//!
//! Errors name the URL; a missing object is an [`std::io::ErrorKind::NotFound`] I/O error,
//! missing rights or credentials `PermissionDenied`, network failures `Other` with the
//! store's message.
//!
//! ```no_run
//! use npio::remote::Remote;
//! let remote = Remote::new().option("aws_region", "eu-west-1");
//! let mut npz = remote.open_npz("s3://bucket/checkpoint.npz").unwrap();
//! let w: ndarray::Array2<f32> = npz.read("weights").unwrap(); // fetches this member only
//! let all = npz.read_all().unwrap(); // every member, in parallel
//! let a: npio::DynArray = remote.read_npy("https://example.org/data/a.npy").unwrap();
//! remote.write_npy("s3://bucket/out.npy", &w).unwrap(); // whole or not at all
//! println!("{} bytes moved", remote.bytes_fetched());
//! ```

mod file;
mod store;
mod upload;

use std::io::{Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

pub use file::{RemoteFile, RemoteObject};
pub use upload::RemoteWriter;

use crate::error::{Error, Result};
use crate::header::ReadOptions;
use crate::npy::write::WriteOptions;
use crate::npy::{NpyReader, ReadNpy, WriteNpy};
use crate::npz::NpzReader;

/// How to reach object storage (options), and the reads and writes that end there.
///
/// Cheap to clone; clones share the transfer counters ([`Remote::bytes_fetched`]).
///
/// ```
/// let remote = npio::remote::Remote::new()
///     .option("aws_endpoint", "http://127.0.0.1:9000")
///     .option("aws_allow_http", "true");
/// assert_eq!(remote.bytes_fetched(), 0);
/// let err = remote.open("ftp://example.org/a.npy").unwrap_err();
/// assert!(err.to_string().starts_with("ftp://example.org/a.npy: "), "{err}");
/// ```
#[derive(Clone, Debug, Default)]
pub struct Remote {
    options: Vec<(String, String)>,
    read: ReadOptions,
    write: WriteOptions,
    stats: Arc<Stats>,
}

/// Transfer counters shared by a [`Remote`], its clones and everything they open.
#[derive(Debug, Default)]
pub(crate) struct Stats {
    fetched: AtomicU64,
    requests: AtomicU64,
}

impl Remote {
    /// Configuration from the environment alone, default read and write options.
    ///
    /// ```
    /// let remote = npio::remote::Remote::new();
    /// assert_eq!(remote.requests(), 0);
    /// ```
    pub fn new() -> Remote {
        Remote::default()
    }

    /// Sets one of `object_store`'s configuration keys (`aws_endpoint`, `aws_region`,
    /// `aws_access_key_id`, `aws_allow_http`, `google_service_account`,
    /// `azure_storage_account_name`, `timeout`, ...), over what the environment says. Keys are
    /// checked when a URL of that store is opened: one the store does not know is an error.
    ///
    /// ```
    /// let remote = npio::remote::Remote::new().option("aws_no_such_key", "1");
    /// let err = remote.open("s3://bucket/a.npy").unwrap_err();
    /// assert!(err.to_string().contains("aws_no_such_key"), "{err}");
    /// ```
    pub fn option(mut self, key: impl Into<String>, value: impl Into<String>) -> Remote {
        self.options.push((key.into(), value.into()));
        self
    }

    /// The options reads check with (limits, trailing data), as for local files.
    ///
    /// ```
    /// let remote = npio::remote::Remote::new()
    ///     .read_options(npio::ReadOptions::new().max_header_size(1 << 20));
    /// # let _ = remote;
    /// ```
    pub fn read_options(mut self, options: ReadOptions) -> Remote {
        self.read = options;
        self
    }

    /// The options writes use (byte order, memory order, version), as for local files.
    ///
    /// ```
    /// let remote = npio::remote::Remote::new()
    ///     .write_options(npio::WriteOptions::new().endian(npio::dtype::Endian::Big));
    /// # let _ = remote;
    /// ```
    pub fn write_options(mut self, options: WriteOptions) -> Remote {
        self.write = options;
        self
    }

    /// Opens an object as a seekable file (one request: its size and last bytes).
    ///
    /// ```no_run
    /// let object = npio::remote::Remote::new().open("s3://bucket/a.npy").unwrap();
    /// println!("{} bytes", object.size());
    /// ```
    pub fn open(&self, url: &str) -> Result<RemoteFile> {
        RemoteFile::open_object(url, &self.options, Arc::clone(&self.stats))
            .map_err(|e| at(url, e.into()))
    }

    /// Opens an `.npz` archive: its directory and the headers of its members are fetched and
    /// checked as a local archive's are; members are fetched when read.
    ///
    /// ```no_run
    /// let mut npz = npio::remote::Remote::new().open_npz("gs://bucket/a.npz").unwrap();
    /// println!("{:?}", npz.names());
    /// ```
    pub fn open_npz(&self, url: &str) -> Result<NpzReader<RemoteFile>> {
        self.npz_reader(self.open(url)?)
    }

    /// [`Remote::open_npz`] of an object already open (after looking at its first bytes, say).
    ///
    /// ```no_run
    /// use std::io::Read;
    /// let remote = npio::remote::Remote::new();
    /// let mut object = remote.open("s3://bucket/data").unwrap();
    /// let mut magic = [0u8; 2];
    /// object.read_exact(&mut magic).unwrap();
    /// if &magic == b"PK" {
    ///     let npz = remote.npz_reader(object).unwrap(); // reads from the start again
    ///     println!("{:?}", npz.names());
    /// }
    /// ```
    pub fn npz_reader(&self, file: RemoteFile) -> Result<NpzReader<RemoteFile>> {
        let url = file.url().to_string();
        let prefetch = std::sync::Arc::new(file.clone());
        let mut npz = self
            .read
            .npz_reader_with(file, Some(prefetch))
            .map_err(|e| at(&url, e))?;
        npz.named(Path::new(&url));
        Ok(npz)
    }

    /// Opens a `.npy` file: its header is fetched and checked against the object's size.
    ///
    /// ```no_run
    /// let mut npy = npio::remote::Remote::new().open_npy("s3://bucket/a.npy").unwrap();
    /// let first: ndarray::ArrayD<f64> = npy.read_rows(0..10).unwrap(); // these rows only
    /// ```
    pub fn open_npy(&self, url: &str) -> Result<NpyReader<RemoteFile>> {
        self.npy_reader(self.open(url)?)
    }

    /// [`Remote::open_npy`] of an object already open; it is read from its start.
    ///
    /// ```no_run
    /// let remote = npio::remote::Remote::new();
    /// let object = remote.open("s3://bucket/a.npy").unwrap();
    /// let npy = remote.npy_reader(object).unwrap();
    /// println!("{:?}", npy.header().shape);
    /// ```
    pub fn npy_reader(&self, mut file: RemoteFile) -> Result<NpyReader<RemoteFile>> {
        let url = file.url().to_string();
        file.seek(SeekFrom::Start(0))
            .map_err(|e| at(&url, e.into()))?;
        let npy = self.read.npy_reader(file).map_err(|e| at(&url, e))?;
        Ok(npy.with_bulk_fill(crate::source::fill_source))
    }

    /// Reads a whole `.npy` file as `A` (typed array or [`crate::DynArray`]).
    ///
    /// ```no_run
    /// let a: npio::DynArray = npio::remote::Remote::new().read_npy("s3://bucket/a.npy").unwrap();
    /// ```
    pub fn read_npy<A: ReadNpy>(&self, url: &str) -> Result<A> {
        self.open_npy(url)?.read().map_err(|e| at(url, e))
    }

    /// A writer whose bytes become the object `url` when it is finished
    /// ([`RemoteWriter::finish`]); sent as they are written (a multipart upload past 16 MiB),
    /// front to back: archives go through [`crate::NpzWriter::new_stream`].
    ///
    /// ```no_run
    /// let w = npio::remote::Remote::new().create("s3://bucket/out.npz").unwrap();
    /// let mut npz = npio::NpzWriter::new_stream(w);
    /// npz.set_compression(npio::npz::Compression::deflated());
    /// npz.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// npz.finish().unwrap().finish().unwrap();
    /// ```
    pub fn create(&self, url: &str) -> Result<RemoteWriter> {
        RemoteWriter::create(url, &self.options).map_err(|e| at(url, e.into()))
    }

    /// Writes `array` as the `.npy` object `url`, whole or not at all.
    ///
    /// ```no_run
    /// let remote = npio::remote::Remote::new();
    /// remote.write_npy("s3://bucket/a.npy", &ndarray::arr1(&[1.0f64])).unwrap();
    /// ```
    pub fn write_npy<A: WriteNpy + ?Sized>(&self, url: &str, array: &A) -> Result<()> {
        let mut out = std::io::BufWriter::new(self.create(url)?);
        self.write.write(&mut out, array).map_err(|e| at(url, e))?;
        let writer = out
            .into_inner()
            .map_err(|e| at(url, e.into_error().into()))?;
        writer.finish().map(drop)
    }

    /// The URLs of the objects directly under `url`, taken as a folder (`s3://bucket/runs/`
    /// lists `s3://bucket/runs/a.npz`, not `s3://bucket/runs/old/b.npz`), sorted. Stores that
    /// cannot list (plain HTTP servers) give an `Unsupported` or `Other` I/O error.
    ///
    /// ```no_run
    /// let remote = npio::remote::Remote::new();
    /// for url in remote.list("s3://bucket/runs/").unwrap() {
    ///     if url.ends_with(".npz") {
    ///         println!("{url}");
    ///     }
    /// }
    /// ```
    pub fn list(&self, url: &str) -> Result<Vec<String>> {
        store::list(url, &self.options).map_err(|e| at(url, e.into()))
    }

    /// The bytes received from stores so far by everything this `Remote` (or a clone) opened.
    ///
    /// ```
    /// assert_eq!(npio::remote::Remote::new().bytes_fetched(), 0);
    /// ```
    pub fn bytes_fetched(&self) -> u64 {
        self.stats.fetched()
    }

    /// The requests made so far by everything this `Remote` (or a clone) opened.
    ///
    /// ```
    /// assert_eq!(npio::remote::Remote::new().requests(), 0);
    /// ```
    pub fn requests(&self) -> u64 {
        self.stats.requests()
    }
}

impl Stats {
    /// Counts one response of `bytes` bytes.
    pub(crate) fn count(&self, bytes: u64) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        self.fetched.fetch_add(bytes, Ordering::Relaxed);
    }

    pub(crate) fn fetched(&self) -> u64 {
        self.fetched.load(Ordering::Relaxed)
    }

    pub(crate) fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }
}

/// `err` naming `url` (once).
fn at(url: &str, err: Error) -> Error {
    err.at_path(Path::new(url))
}
