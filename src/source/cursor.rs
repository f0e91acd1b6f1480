//! [`Source`]: the cursor every positional source is read through.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;

use super::{ReadAhead, ReadAt};

/// [`Read`] and [`Seek`] over a shared [`ReadAt`] source, through a read-ahead buffer of its
/// own sized by the source ([`ReadAt::read_ahead`]). Clones share the source but not the
/// position, so several threads read one archive at once, each through its own clone (see
/// [`crate::NpzReader::read_all`]). The size is taken once, when the cursor is made.
///
/// ```
/// use std::io::{Read, Seek, SeekFrom};
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("source.bin");
/// # std::fs::write(&path, b"0123456789").unwrap();
/// let mut a = npio::source::Source::open(&path).unwrap();
/// let mut b = a.clone();
/// a.seek(SeekFrom::Start(5)).unwrap();
/// let (mut x, mut y) = ([0u8; 2], [0u8; 2]);
/// a.read_exact(&mut x).unwrap();
/// b.read_exact(&mut y).unwrap();
/// assert_eq!((&x, &y), (b"56", b"01"));
/// ```
pub struct Source<S: ?Sized> {
    inner: Arc<S>,
    size: u64,
    ahead: ReadAhead,
    pos: u64,
    buf: Vec<u8>,
    /// Source offset of `buf[0]`.
    buf_start: u64,
    /// The read-ahead of the next refill, and where the last refill ended.
    next_ahead: usize,
    last_end: u64,
}

impl<S: ReadAt> Source<S> {
    /// A cursor at the start of `source`.
    ///
    /// ```
    /// let s = npio::source::Source::new(npio::source::Memory::new(vec![0u8; 3]));
    /// assert_eq!(s.size(), 3);
    /// ```
    pub fn new(source: S) -> Source<S> {
        Source::from_arc(Arc::new(source))
    }
}

impl<S: ReadAt + ?Sized> Source<S> {
    /// A cursor at the start of a source shared with other owners (`Arc<dyn ReadAt>` too).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use npio::source::{Memory, ReadAt, Source};
    /// let shared: Arc<dyn ReadAt> = Arc::new(Memory::new(vec![7u8; 5]));
    /// assert_eq!(Source::from_arc(shared).size(), 5);
    /// ```
    pub fn from_arc(source: Arc<S>) -> Source<S> {
        let ahead = source.read_ahead();
        Source {
            size: source.size(),
            inner: source,
            ahead,
            pos: 0,
            buf: Vec::new(),
            buf_start: 0,
            next_ahead: ahead.first,
            last_end: u64::MAX,
        }
    }

    /// The source.
    ///
    /// ```
    /// let s = npio::source::Source::new(npio::source::Memory::new(vec![1u8]));
    /// assert_eq!(s.get_ref().get_ref(), &[1]);
    /// ```
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// The source, shared.
    ///
    /// ```
    /// let s = npio::source::Source::new(npio::source::Memory::new(vec![1u8]));
    /// assert_eq!(std::sync::Arc::strong_count(s.shared()), 1);
    /// ```
    pub fn shared(&self) -> &Arc<S> {
        &self.inner
    }

    /// The source's size, taken when the cursor was made.
    ///
    /// ```
    /// let s = npio::source::Source::new(npio::source::Memory::new(b"abcd"));
    /// assert_eq!(s.size(), 4);
    /// ```
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The position of the next read.
    #[cfg(any(feature = "remote", test))]
    pub(crate) fn position(&self) -> u64 {
        self.pos
    }

    /// Moves the position forward by `n` bytes read around the cursor.
    #[cfg(feature = "remote")]
    pub(crate) fn advance(&mut self, n: u64) {
        self.pos += n;
    }

    /// Refills the buffer at the position: `want` bytes at least, read ahead as the source
    /// asks (doubling while reads are sequential).
    fn refill(&mut self, want: usize) -> io::Result<()> {
        self.next_ahead = if self.pos == self.last_end {
            (self.next_ahead * 2).min(self.ahead.max)
        } else {
            self.ahead.first
        };
        let left = usize::try_from(self.size - self.pos).unwrap_or(usize::MAX);
        let len = self.next_ahead.max(want).min(left);
        self.buf.resize(len, 0);
        // One read: a source may answer with less (the part it holds already, say), which
        // is enough for this read; asking for the rest could cost a request not needed.
        let n = loop {
            match self.inner.read_at(&mut self.buf, self.pos) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other?,
            }
        };
        self.buf.truncate(n);
        self.buf_start = self.pos;
        self.last_end = self.pos + n as u64;
        Ok(())
    }
}

impl Source<File> {
    /// Opens a file for reading.
    ///
    /// ```
    /// assert!(npio::source::Source::open("no/such/file").is_err());
    /// ```
    pub fn open<P: AsRef<Path>>(path: P) -> io::Result<Source<File>> {
        Ok(Source::new(File::open(path)?))
    }
}

impl<S: ?Sized> Clone for Source<S> {
    fn clone(&self) -> Self {
        Source {
            inner: Arc::clone(&self.inner),
            size: self.size,
            ahead: self.ahead,
            pos: self.pos,
            buf: Vec::new(),
            buf_start: 0,
            next_ahead: self.ahead.first,
            last_end: u64::MAX,
        }
    }
}

impl<S: ?Sized> std::fmt::Debug for Source<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("size", &self.size)
            .field("pos", &self.pos)
            .finish_non_exhaustive()
    }
}

impl<S: ReadAt + ?Sized> Read for Source<S> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        if out.is_empty() || self.pos >= self.size {
            return Ok(0);
        }
        let buffered_end = self.buf_start + self.buf.len() as u64;
        if self.pos < self.buf_start || self.pos >= buffered_end {
            if out.len() >= self.ahead.direct {
                let n = self.inner.read_at(out, self.pos)?;
                self.pos += n as u64;
                return Ok(n);
            }
            self.refill(out.len())?;
            if self.buf.is_empty() {
                return Ok(0);
            }
        }
        let start = (self.pos - self.buf_start) as usize;
        let n = out.len().min(self.buf.len() - start);
        out[..n].copy_from_slice(&self.buf[start..start + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<S: ?Sized> Seek for Source<S> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(n) => Some(n),
            SeekFrom::End(d) => self.size.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        self.pos = target
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the start"))?;
        Ok(self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Memory;

    /// A source that records the reads it is asked for.
    struct Counted {
        bytes: Vec<u8>,
        reads: std::sync::Mutex<Vec<(u64, usize)>>,
        ahead: ReadAhead,
    }

    impl ReadAt for Counted {
        fn size(&self) -> u64 {
            self.bytes.len() as u64
        }
        fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
            self.reads.lock().unwrap().push((offset, buf.len()));
            Memory::new(&self.bytes[..]).read_at(buf, offset)
        }
        fn read_ahead(&self) -> ReadAhead {
            self.ahead
        }
    }

    fn counted(len: usize, ahead: ReadAhead) -> Source<Counted> {
        Source::new(Counted {
            bytes: (0..len).map(|i| i as u8).collect(),
            reads: Default::default(),
            ahead,
        })
    }

    #[test]
    fn small_sequential_reads_double_the_read_ahead_up_to_its_bound() {
        let mut s = counted(1 << 20, ReadAhead::new(100, 400, 1000));
        let mut out = [0u8; 10];
        for _ in 0..100 {
            s.read_exact(&mut out).unwrap();
        }
        let lens: Vec<usize> = s
            .get_ref()
            .reads
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.1)
            .collect();
        assert_eq!(lens, [100, 200, 400, 400]);
        // A seek starts again from the first size.
        s.seek(SeekFrom::Start(50_000)).unwrap();
        s.read_exact(&mut out).unwrap();
        assert_eq!(
            s.get_ref().reads.lock().unwrap().last(),
            Some(&(50_000, 100))
        );
        assert_eq!(out[0], (50_000 % 256) as u8);
    }

    #[test]
    fn large_reads_skip_the_buffer_and_clones_keep_their_own_position() {
        let mut s = counted(10_000, ReadAhead::new(100, 100, 1000));
        let mut b = s.clone();
        let mut big = vec![0u8; 5000];
        s.read_exact(&mut big).unwrap();
        assert_eq!(s.get_ref().reads.lock().unwrap()[0], (0, 5000));
        let mut one = [0u8; 1];
        b.read_exact(&mut one).unwrap();
        assert_eq!((one[0], b.position(), s.position()), (0, 1, 5000));
        // Past the end: nothing, and no request.
        s.seek(SeekFrom::End(5)).unwrap();
        let before = s.get_ref().reads.lock().unwrap().len();
        assert_eq!(s.read(&mut one).unwrap(), 0);
        assert_eq!(s.get_ref().reads.lock().unwrap().len(), before);
        assert!(s.seek(SeekFrom::Current(-20_000)).is_err());
    }
}
