//! Where an [`NpzWriter`] writes: a file it creates, any seekable output, or a stream that
//! never goes back (a pipe, an upload).

use std::fs::File;
use std::io::{BufWriter, Seek, Write};
use std::path::Path;

use zip::ZipWriter;

use super::sink::{Failed, Sink};
use super::zip_out::ZipOut;
use super::{Compression, NpzWriter};
use crate::error::Result;

impl NpzWriter<BufWriter<File>> {
    /// Creates (or truncates) an archive file with stored members, like `np.savez`.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npz-create.npz");
    /// npio::NpzWriter::create(&path).unwrap().finish().unwrap();
    /// assert_eq!(std::fs::metadata(&path).unwrap().len(), 22); // an empty zip
    /// ```
    pub fn create<P: AsRef<Path>>(path: P) -> Result<Self> {
        let path = path.as_ref();
        crate::error::with_path(path, || Ok(Self::new(BufWriter::new(File::create(path)?))))
    }

    /// Creates (or truncates) an archive file with deflated members, like
    /// `np.savez_compressed`.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npz-create-c.npz");
    /// npio::NpzWriter::create_compressed(&path).unwrap().finish().unwrap();
    /// ```
    pub fn create_compressed<P: AsRef<Path>>(path: P) -> Result<Self> {
        let path = path.as_ref();
        crate::error::with_path(path, || {
            Ok(Self::new_compressed(BufWriter::new(File::create(path)?)))
        })
    }
}

impl<W: Write + Seek> NpzWriter<W> {
    /// An archive with stored members, like `np.savez`.
    ///
    /// ```
    /// let w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// # let _ = w;
    /// ```
    pub fn new(writer: W) -> Self {
        Self::new_with(writer, Compression::Stored)
    }

    /// An archive with deflated members, like `np.savez_compressed`, with the encoder chosen
    /// per member (see [`Compression::Auto`]).
    ///
    /// ```
    /// let w = npio::NpzWriter::new_compressed(std::io::Cursor::new(Vec::new()));
    /// # let _ = w;
    /// ```
    pub fn new_compressed(writer: W) -> Self {
        Self::new_with(writer, Compression::Auto)
    }

    fn new_with(writer: W, compression: Compression) -> Self {
        let failed = Failed::default();
        let zip = ZipOut::Seekable(ZipWriter::new(Sink::new(writer, failed.clone())));
        Self::over(zip, failed, compression)
    }
}

impl<W: Write> NpzWriter<W> {
    /// An archive written front to back to an output that cannot seek: a pipe, or an upload
    /// (`remote::Remote::create`). Each member's sizes and CRC follow its data in a
    /// data descriptor (APPNOTE 4.3.9), which NumPy, Python's `zipfile`, `unzip` and npio
    /// read. Members are stored, like `np.savez`; [`NpzWriter::set_compression`] changes
    /// that.
    ///
    /// ```
    /// let mut out = Vec::new(); // any `Write`
    /// let mut w = npio::NpzWriter::new_stream(&mut out);
    /// w.set_compression(npio::npz::Compression::deflated());
    /// w.add("a", &ndarray::arr1(&[1.0f64, 2.0])).unwrap();
    /// w.finish().unwrap();
    /// let npz = npio::NpzReader::new(std::io::Cursor::new(out)).unwrap();
    /// assert_eq!(npz.names(), ["a"]);
    /// ```
    pub fn new_stream(writer: W) -> Self {
        let failed = Failed::default();
        let zip = ZipOut::Stream(ZipWriter::new_stream(Sink::stream(writer, failed.clone())));
        Self::over(zip, failed, Compression::Stored)
    }
}
