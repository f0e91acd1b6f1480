//! Writers of one member of an archive: bytes of a known length, or an array row block by
//! row block.

use std::io::{self, Write};

use ndarray::{ArrayBase, Data, Dimension};

use super::NpzWriter;
use crate::codec::{Codec, Element};
use crate::error::{Error, Result};
use crate::npy::{WriteNpy, WriteOptions};

/// Writes the bytes of one `.npz` member; see [`NpzWriter::start_member`].
///
/// Writing more bytes than announced fails; [`NpzMemberWriter::finish`] checks that all of
/// them were written.
///
/// ```
/// use std::io::Write;
/// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
/// let mut m = w.start_member(&format!("{}.npy", "a"), 4).unwrap();
/// assert!(m.write_all(&[0; 5]).is_err());
/// ```
#[must_use = "a member is only complete once finish() returned Ok"]
pub struct NpzMemberWriter<'a, W: Write> {
    pub(super) npz: &'a mut NpzWriter<W>,
    pub(super) stored: String,
    pub(super) announced: u64,
    pub(super) remaining: u64,
}

impl<W: Write> Write for NpzMemberWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if buf.len() as u64 > self.remaining {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("more bytes than announced for member {:?}", self.stored),
            ));
        }
        let n = self.npz.data().map_err(io::Error::other)?.write(buf)?;
        self.remaining -= n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.npz.zip().map_err(io::Error::other)?.flush()
    }
}

impl<W: Write> NpzMemberWriter<'_, W> {
    /// Checks that every announced byte was written and closes the member.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// assert!(w.start_member("a.npy", 4).unwrap().finish().is_err());
    /// ```
    pub fn finish(self) -> Result<()> {
        if self.remaining != 0 {
            return Err(Error::WrittenLength {
                what: format!("member {:?}", self.stored),
                expected: self.announced,
                written: self.announced - self.remaining,
                unit: "bytes",
            });
        }
        self.npz.member_done();
        Ok(())
    }
}

/// Writes one array member of an `.npz` row block by row block; see
/// [`NpzWriter::start_array`].
///
/// ```
/// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
/// let mut m = w.start_array::<u8>("a", &[3]).unwrap();
/// m.write_rows(&ndarray::arr1(&[1, 2])).unwrap();
/// assert!(m.finish().is_err()); // one row missing
/// ```
#[must_use = "a member is only complete once finish() returned Ok"]
pub struct NpzArrayWriter<'a, W: Write, T: Element> {
    pub(super) npz: &'a mut NpzWriter<W>,
    pub(super) stored: String,
    pub(super) row_shape: Vec<usize>,
    pub(super) announced: usize,
    pub(super) remaining: usize,
    pub(super) plan: <T as Codec>::Plan,
}

impl<W: Write, T: Element> NpzArrayWriter<'_, W, T> {
    /// Appends a block of rows: an array whose first axis counts rows and whose other axes
    /// match the member's shape, or one row (an array of the row shape), the rule of every
    /// row writer ([`crate::NpyRowWriter::write_rows`] too).
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut m = w.start_array::<i32>("a", &[2, 3]).unwrap();
    /// assert!(m.write_rows(&ndarray::arr2(&[[1, 2]])).is_err()); // wrong row shape
    /// ```
    pub fn write_rows<S: Data<Elem = T>, D: Dimension>(
        &mut self,
        block: &ArrayBase<S, D>,
    ) -> Result<()> {
        let (_, view) = crate::npy::block_rows(block.view().into_dyn(), &self.row_shape)?;
        if block.len() > self.remaining {
            return Err(Error::WrittenLength {
                what: format!("member {:?}", self.stored),
                expected: self.announced as u64,
                written: (self.announced - self.remaining + block.len()) as u64,
                unit: "elements",
            });
        }
        let stored = self.stored.clone();
        let mut zip = self.npz.data().map_err(|e| e.in_member(&stored))?;
        let result = match view.as_slice() {
            Some(slice) => T::write_slice(&mut zip, slice, &self.plan),
            None => T::write_rows(&mut zip, view.rows().into_iter(), &self.plan),
        };
        result.map_err(|e| Error::from(e).in_member(&stored))?;
        self.remaining -= block.len();
        Ok(())
    }

    /// Checks that every element was written and closes the member.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let mut m = w.start_array::<u8>("a", &[1]).unwrap();
    /// m.write_rows(&ndarray::arr1(&[9])).unwrap();
    /// m.finish().unwrap();
    /// ```
    pub fn finish(self) -> Result<()> {
        if self.remaining != 0 {
            return Err(Error::WrittenLength {
                what: format!("member {:?}", self.stored),
                expected: self.announced as u64,
                written: (self.announced - self.remaining) as u64,
                unit: "elements",
            });
        }
        self.npz.member_done();
        Ok(())
    }
}

impl<W: Write> std::fmt::Debug for NpzMemberWriter<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzMemberWriter")
            .field("member", &self.stored)
            .field("announced", &self.announced)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

impl<W: Write, T: Element> std::fmt::Debug for NpzArrayWriter<'_, W, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NpzArrayWriter")
            .field("member", &self.stored)
            .field("element", &T::NAME)
            .field("row_shape", &self.row_shape)
            .field("remaining", &self.remaining)
            .finish_non_exhaustive()
    }
}

/// Archive members with options.
impl WriteOptions {
    /// [`NpzWriter::add`] with these options (byte order, memory order, version) for this
    /// member.
    ///
    /// ```
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// let big = npio::WriteOptions::new().endian(npio::dtype::Endian::Big);
    /// big.add_to(&mut w, "a", &ndarray::arr1(&[1u32])).unwrap();
    /// # w.finish().unwrap();
    /// ```
    pub fn add_to<W: Write, A: WriteNpy + ?Sized>(
        &self,
        npz: &mut NpzWriter<W>,
        name: &str,
        array: &A,
    ) -> Result<()> {
        npz.add_written(name, array, self)
    }
}
