//! Sources read by position: the one abstraction under every reader of bytes that can be
//! addressed by offset (a file, a buffer in memory, a memory map, an object in object storage).
//!
//! A source implements [`ReadAt`]: its size, and reads at an offset that never move a shared
//! position, so any number of threads read one source at once. [`Source`] is the cursor the
//! readers run on ([`crate::NpzReader`], [`crate::NpyReader`]): [`std::io::Read`] and
//! [`std::io::Seek`] over a shared `ReadAt`, with a read-ahead buffer sized by the source, and
//! cheap clones that share the source but not the position. Whole-array reads fill their
//! buffer with [`ReadAt::fill_at`]: positional reads on several threads for files, parallel
//! range requests for objects, one copy for memory.

mod cursor;
mod fill;

use std::fs::File;
use std::io;

pub use cursor::Source;
#[cfg(feature = "remote")]
pub(crate) use fill::fill_source;
pub use fill::PostProcess;
pub(crate) use fill::{fill_then_post, piece_len, read_at_file};

/// Bytes read by position. Implemented by [`File`] (`pread`), [`Memory`] (any buffer) and,
/// with the `remote` feature, `remote::RemoteObject`; implement it to read archives
/// and `.npy` files from a source of your own with every check npio makes.
///
/// ```
/// use npio::source::{Memory, ReadAt};
/// let bytes = Memory::new(b"0123456789".to_vec());
/// let mut buf = [0u8; 3];
/// assert_eq!(bytes.read_at(&mut buf, 4).unwrap(), 3);
/// assert_eq!(&buf, b"456");
/// assert_eq!(bytes.size(), 10);
/// ```
pub trait ReadAt: Send + Sync {
    /// The source's size in bytes.
    ///
    /// ```
    /// use npio::source::ReadAt;
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("size.bin");
    /// std::fs::write(&path, b"12345").unwrap();
    /// assert_eq!(std::fs::File::open(&path).unwrap().size(), 5);
    /// ```
    fn size(&self) -> u64;

    /// Reads up to `buf.len()` bytes at `offset` into `buf`; returns how many (0 at or past
    /// the end). Reads from several threads at once are independent.
    ///
    /// ```
    /// use npio::source::{Memory, ReadAt};
    /// let m = Memory::new(vec![1u8, 2, 3]);
    /// let mut buf = [0u8; 8];
    /// assert_eq!(m.read_at(&mut buf, 1).unwrap(), 2); // short at the end
    /// assert_eq!(m.read_at(&mut buf, 9).unwrap(), 0); // past it
    /// ```
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;

    /// How a [`Source`] cursor reads ahead of small reads over this source (default:
    /// [`ReadAhead::FILE`]).
    ///
    /// ```
    /// use npio::source::{Memory, ReadAhead, ReadAt};
    /// assert_eq!(Memory::new(vec![0u8]).read_ahead(), ReadAhead::NONE);
    /// ```
    fn read_ahead(&self) -> ReadAhead {
        ReadAhead::FILE
    }

    /// Fills `buf` from `offset` for a whole-array read, applying `post` (a byte swap, say) to
    /// each piece of whole `unit`-byte items once it arrived; returns the bytes filled (fewer
    /// only at the end of the source). The default splits large buffers across threads, each
    /// reading and post-processing its own part (see `docs/PERFORMANCE.md`, "read_npy").
    ///
    /// ```
    /// use npio::source::{Memory, ReadAt};
    /// let bytes = Memory::new(vec![1u8, 2, 3, 4, 5]);
    /// let mut buf = [0u8; 4];
    /// let swap = |b: &mut [u8]| b.chunks_exact_mut(2).for_each(|c| c.reverse());
    /// assert_eq!(bytes.fill_at(&mut buf, 1, 2, Some(&swap)).unwrap(), 4);
    /// assert_eq!(buf, [3, 2, 5, 4]);
    /// ```
    fn fill_at(
        &self,
        buf: &mut [u8],
        offset: u64,
        unit: usize,
        post: PostProcess<'_>,
    ) -> io::Result<usize> {
        fill::fill_parallel(self, buf, offset, unit, post)
    }
}

/// How a [`Source`] cursor buffers small reads: reads of at least `direct` bytes go straight
/// into the caller's buffer; smaller ones fill the cursor's buffer with `first` bytes, doubling
/// up to `max` while reads stay sequential.
///
/// ```
/// let files = npio::source::ReadAhead::FILE;
/// assert_eq!((files.first, files.max, files.direct), (64 << 10, 64 << 10, 64 << 10));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct ReadAhead {
    /// The first read-ahead after a seek.
    pub first: usize,
    /// The largest read-ahead.
    pub max: usize,
    /// Reads at least this large skip the buffer.
    pub direct: usize,
}

impl ReadAhead {
    /// Files: 64 KiB (the zip directory and headers are read in small pieces).
    pub const FILE: ReadAhead = ReadAhead {
        first: 64 << 10,
        max: 64 << 10,
        direct: 64 << 10,
    };
    /// Memory: no buffer, every read is one copy.
    pub const NONE: ReadAhead = ReadAhead {
        first: 0,
        max: 0,
        direct: 0,
    };

    /// A read-ahead of `first` bytes doubling to `max`, reads of `direct` bytes or more
    /// unbuffered.
    ///
    /// ```
    /// let remote = npio::source::ReadAhead::new(4 << 10, 1 << 20, 256 << 10);
    /// assert_eq!(remote.max, 1 << 20);
    /// ```
    pub const fn new(first: usize, max: usize, direct: usize) -> ReadAhead {
        ReadAhead { first, max, direct }
    }
}

impl ReadAt for File {
    fn size(&self) -> u64 {
        // A file that cannot say its size reads as empty: every read past 0 is short.
        self.metadata().map_or(0, |m| m.len())
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        read_at_file(self, buf, offset)
    }
}

/// Bytes in memory as a source: a `Vec<u8>`, `bytes::Bytes`, a memory map, `&[u8]`, any
/// `AsRef<[u8]>`. Cursors over it copy straight from the buffer.
///
/// ```
/// use std::io::Read;
/// let mut cursor = npio::source::Source::new(npio::source::Memory::new(&b"abc"[..]));
/// let mut s = String::new();
/// cursor.read_to_string(&mut s).unwrap();
/// assert_eq!(s, "abc");
/// ```
#[derive(Debug, Clone)]
pub struct Memory<B>(B);

impl<B: AsRef<[u8]>> Memory<B> {
    /// `bytes` as a source.
    ///
    /// ```
    /// let m = npio::source::Memory::new(vec![0u8; 4]);
    /// assert_eq!(m.get_ref().len(), 4);
    /// ```
    pub fn new(bytes: B) -> Memory<B> {
        Memory(bytes)
    }

    /// The buffer.
    ///
    /// ```
    /// let m = npio::source::Memory::new([1u8, 2]);
    /// assert_eq!(m.get_ref(), &[1, 2]);
    /// ```
    pub fn get_ref(&self) -> &B {
        &self.0
    }
}

impl<B: AsRef<[u8]> + Send + Sync> ReadAt for Memory<B> {
    fn size(&self) -> u64 {
        self.0.as_ref().len() as u64
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let bytes = self.0.as_ref();
        let start = usize::try_from(offset).map_or(bytes.len(), |o| o.min(bytes.len()));
        let n = buf.len().min(bytes.len() - start);
        buf[..n].copy_from_slice(&bytes[start..start + n]);
        Ok(n)
    }

    fn read_ahead(&self) -> ReadAhead {
        ReadAhead::NONE
    }

    fn fill_at(
        &self,
        buf: &mut [u8],
        offset: u64,
        unit: usize,
        post: PostProcess<'_>,
    ) -> io::Result<usize> {
        fill_then_post(self, buf, offset, unit, post)
    }
}
