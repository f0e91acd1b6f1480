//! [`NpzRowsWriter`]: a member whose number of rows is known only at the end.

use std::fs::File;
use std::io::{BufWriter, Seek, Write};

use ndarray::{ArrayBase, Data, Dimension};

use super::NpzWriter;
use crate::codec::Element;
use crate::error::Result;

/// A temporary file with no name (removed by the OS when closed, even after a crash).
pub(super) struct SpillFile {
    pub(super) file: File,
}

impl SpillFile {
    pub(super) fn create() -> Result<SpillFile> {
        Ok(SpillFile {
            file: tempfile::tempfile()?,
        })
    }
}

/// Writes rows of unknown final number into one `.npz` member; see
/// [`NpzWriter::start_rows`].
///
/// ```
/// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
/// let rows = w.start_rows::<f32>("empty", &[3]).unwrap();
/// rows.finish().unwrap();
/// # w.finish().unwrap();
/// ```
#[must_use = "the rows are only added to the archive by finish()"]
pub struct NpzRowsWriter<'a, W: Write, T: Element> {
    pub(super) npz: &'a mut NpzWriter<W>,
    pub(super) name: String,
    pub(super) rows: crate::npy::row_writer::NpyRowWriter<BufWriter<File>, T>,
    pub(super) spill: SpillFile,
}

impl<W: Write, T: Element> std::fmt::Debug for NpzRowsWriter<'_, W, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzRowsWriter")
            .field("name", &self.name)
            .field("element", &T::NAME)
            .field("rows", &self.rows.rows())
            .finish_non_exhaustive()
    }
}

impl<W: Write, T: Element> NpzRowsWriter<'_, W, T> {
    /// Appends a block of rows (see [`crate::npy::row_writer::NpyRowWriter::write_rows`]).
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut rows = w.start_rows::<i8>("a", &[]).unwrap();
    /// rows.write_rows(&ndarray::arr1(&[1i8, 2, 3])).unwrap();
    /// assert_eq!(rows.rows(), 3);
    /// ```
    pub fn write_rows<S: Data<Elem = T>, D: Dimension>(
        &mut self,
        block: &ArrayBase<S, D>,
    ) -> Result<()> {
        self.rows.write_rows(block)
    }

    /// Rows written so far.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// assert_eq!(w.start_rows::<i8>("a", &[]).unwrap().rows(), 0);
    /// ```
    pub fn rows(&self) -> usize {
        self.rows.rows()
    }

    /// Completes the array and copies it into the archive as member `NAME.npy`.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut rows = w.start_rows::<u8>("a", &[]).unwrap();
    /// rows.write_rows(&ndarray::arr1(&[7u8])).unwrap();
    /// rows.finish().unwrap();
    /// let bytes = w.finish().unwrap().into_inner();
    /// assert_eq!(npio::NpzReader::new(std::io::Cursor::new(bytes)).unwrap().names(), vec!["a"]);
    /// ```
    pub fn finish(self) -> Result<()> {
        let NpzRowsWriter {
            npz,
            name,
            rows,
            mut spill,
        } = self;
        let buffered = rows.finish()?;
        buffered.into_inner().map_err(|e| e.into_error())?;
        let len = spill.file.seek(std::io::SeekFrom::End(0))?;
        spill.file.seek(std::io::SeekFrom::Start(0))?;
        npz.member_done();
        let mut member = npz.start_member(&format!("{name}.npy"), len)?;
        std::io::copy(&mut spill.file, &mut member)?;
        member.finish()
    }
}
