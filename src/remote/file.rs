//! [`RemoteFile`]: an object in object storage read as a seekable file, by range requests:
//! a [`Source`] cursor over a [`RemoteObject`], the positional source.
//!
//! Opening fetches the object's size and its last [`TAIL`] bytes in one request (where an
//! archive keeps its directory). Small reads fetch a little ahead ([`AHEAD_MIN`], doubling
//! while reads are sequential) and keep what they fetched in a cache shared by clones, so an
//! archive's local headers and `.npy` headers cost one small request each and are fetched
//! once; large reads (member data) go straight into the caller's buffer as [`PART`]-sized
//! ranges, [`IN_FLIGHT`] at a time, copied while the next ones arrive. Every range is asked
//! for with the object's ETag, so an object replaced while it is read fails the read instead
//! of mixing two versions.

use std::collections::{BTreeMap, VecDeque};
use std::io;
use std::ops::Range;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures::StreamExt;
use object_store::{GetOptions, GetRange, ObjectStore};

use super::store::{self, Located};
use super::Stats;
use crate::source::{PostProcess, ReadAhead, ReadAt, Source};

/// The bytes fetched with the size when an object is opened: an archive's end records and,
/// for most archives, its whole directory.
pub(crate) const TAIL: u64 = 64 << 10;
/// The smallest read-ahead: a zip local header and a `.npy` header fit in it.
const AHEAD_MIN: u64 = 4 << 10;
/// The largest read-ahead of sequential small reads (a large zip directory read entry by
/// entry).
const AHEAD_MAX: u64 = 1 << 20;
/// Reads of at least this many bytes skip the cache and go straight into the caller's buffer.
const DIRECT_MIN: u64 = 256 << 10;
/// The size of one range request of a large read.
const PART: u64 = 8 << 20;
/// Range requests of one large read in flight at once.
const IN_FLIGHT: usize = 8;
/// The largest object [`RemoteFile::fetch_whole`] brings into memory.
const WHOLE_MAX: u64 = 4 << 30;
/// The most bytes of small pieces kept for later reads.
const CACHE_MAX: usize = 16 << 20;
/// Prefetched ranges closer than this are fetched as one range (one request costs more than
/// this many bytes).
const GAP: u64 = 16 << 10;

/// An object in object storage (`s3://`, `gs://`, `az://`, `http(s)://`), read as a file:
/// [`std::io::Read`] and [`std::io::Seek`] by range requests, so [`crate::NpzReader`] and [`crate::NpyReader`]
/// read it with the same checks as a local file, moving only the bytes they need. Clones share
/// the connection, the fetched headers and the counters, but not the position: several threads
/// read members of one archive at once, each with its own clone.
///
/// Open one with [`crate::remote::Remote::open`].
///
/// ```no_run
/// use std::io::Read;
/// let mut object = npio::remote::Remote::new().open("s3://bucket/data.npy").unwrap();
/// let mut magic = [0u8; 6];
/// object.read_exact(&mut magic).unwrap();
/// assert_eq!(&magic, b"\x93NUMPY");
/// println!("{} bytes in {} requests", object.bytes_fetched(), object.requests());
/// ```
pub type RemoteFile = Source<RemoteObject>;

/// An object in object storage as a positional source ([`ReadAt`]): what every
/// [`RemoteFile`] cursor over it and its clones share (the connection, the fetched headers,
/// the counters). Get one from a [`RemoteFile`] with [`Source::get_ref`].
///
/// ```no_run
/// use npio::source::ReadAt;
/// let file = npio::remote::Remote::new().open("s3://bucket/a.npz").unwrap();
/// let mut end = [0u8; 22];
/// file.get_ref().read_at(&mut end, file.size() - 22).unwrap(); // one range request
/// ```
#[derive(Clone)]
pub struct RemoteObject(Arc<Object>);

impl std::fmt::Debug for RemoteObject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RemoteObject")
            .field("url", &self.0.url)
            .field("size", &self.0.size)
            .finish_non_exhaustive()
    }
}

/// What clones share.
struct Object {
    located: Located,
    url: String,
    size: u64,
    e_tag: Option<String>,
    /// This object's transfers, and those of the `Remote` that opened it.
    own: Stats,
    session: Arc<Stats>,
    cache: Mutex<Cache>,
    /// The whole object, while [`RemoteFile::fetch_whole`] holds it: reads copy from it.
    whole: std::sync::RwLock<Option<Bytes>>,
}

/// Small fetched pieces by offset, oldest dropped first past [`CACHE_MAX`] bytes.
#[derive(Default)]
struct Cache {
    pieces: BTreeMap<u64, Bytes>,
    order: VecDeque<u64>,
    bytes: usize,
}

impl Cache {
    /// Copies from the piece holding `pos` into `out`: how many bytes, if one holds it.
    fn copy_at(&self, pos: u64, out: &mut [u8]) -> Option<usize> {
        let (&start, piece) = self.pieces.range(..=pos).next_back()?;
        let skip = usize::try_from(pos - start).ok()?;
        let from = piece.get(skip..).filter(|rest| !rest.is_empty())?;
        let n = from.len().min(out.len());
        out[..n].copy_from_slice(&from[..n]);
        Some(n)
    }

    fn insert(&mut self, start: u64, piece: Bytes) {
        if piece.is_empty() || piece.len() > CACHE_MAX {
            return;
        }
        self.bytes += piece.len();
        if let Some(old) = self.pieces.insert(start, piece) {
            self.bytes -= old.len();
        } else {
            self.order.push_back(start);
        }
        while self.bytes > CACHE_MAX {
            let Some(oldest) = self.order.pop_front() else {
                break;
            };
            if let Some(old) = self.pieces.remove(&oldest) {
                self.bytes -= old.len();
            }
        }
    }
}

impl Source<RemoteObject> {
    /// Opens the object `url` names in its store: one request for its size and last bytes.
    pub(crate) fn open_object(
        url: &str,
        options: &[(String, String)],
        session: Arc<Stats>,
    ) -> io::Result<RemoteFile> {
        let located = store::locate(url, options)?;
        let (store, path) = (Arc::clone(&located.store), located.path.clone());
        let tail = store::run(async move {
            let options = GetOptions::new().with_range(Some(GetRange::Suffix(TAIL)));
            let got = store.get_opts(&path, options).await?;
            let (meta, range) = (got.meta.clone(), got.range.clone());
            Ok::<_, object_store::Error>((meta, range, got.bytes().await?))
        });
        let (meta, range, bytes) = match tail {
            Ok(found) => found,
            // Servers refuse a suffix range of an empty object (416) or answer it whole (200):
            // ask for its size alone. Other failures (a server that cannot be
            // reached) are not tried twice.
            Err(e @ object_store::Error::Generic { .. }) if refused_range(&e) => {
                let (store, path) = (Arc::clone(&located.store), located.path.clone());
                let meta = store::run(async move {
                    object_store::ObjectStoreExt::head(store.as_ref(), &path).await
                })
                .map_err(store::storage_error)?;
                (meta, 0..0, Bytes::new())
            }
            Err(e) => return Err(store::storage_error(e)),
        };
        if range.end - range.start != bytes.len() as u64 || range.end > meta.size {
            return Err(changed(url));
        }
        let object = Object {
            located,
            url: url.to_string(),
            size: meta.size,
            e_tag: meta.e_tag,
            own: Stats::default(),
            session,
            cache: Mutex::default(),
            whole: std::sync::RwLock::default(),
        };
        object.count(bytes.len() as u64);
        object.lock().insert(range.start, bytes);
        Ok(Source::new(RemoteObject(Arc::new(object))))
    }

    /// What this cursor's clones share.
    fn object(&self) -> &Arc<Object> {
        &self.get_ref().0
    }

    /// The URL this object was opened by.
    ///
    /// ```no_run
    /// let object = npio::remote::Remote::new().open("s3://bucket/a.npz").unwrap();
    /// assert_eq!(object.url(), "s3://bucket/a.npz");
    /// ```
    pub fn url(&self) -> &str {
        &self.object().url
    }

    /// The bytes received so far from the store for this object, by this reader and every
    /// clone of it: what reading really moved over the network.
    ///
    /// ```no_run
    /// use std::io::Read;
    /// let mut object = npio::remote::Remote::new().open("s3://bucket/a.npz").unwrap();
    /// object.read_exact(&mut [0u8; 4]).unwrap(); // in the first request's bytes, or one more
    /// println!("{} bytes moved", object.bytes_fetched());
    /// ```
    pub fn bytes_fetched(&self) -> u64 {
        self.object().own.fetched()
    }

    /// The requests made so far for this object (by this reader and its clones).
    ///
    /// ```no_run
    /// let object = npio::remote::Remote::new().open("s3://bucket/a.npz").unwrap();
    /// assert_eq!(object.requests(), 1);
    /// ```
    pub fn requests(&self) -> u64 {
        self.object().own.requests()
    }

    /// Fetches the whole object into memory now, as 8 MiB ranges 8 at a time (a download at
    /// full speed), for reading all of it: later reads of this object and
    /// its clones cost no request until [`RemoteFile::release_whole`]. Objects over 4 GiB are
    /// left to be read by ranges (`Ok(false)`).
    ///
    /// ```no_run
    /// let remote = npio::remote::Remote::new();
    /// let file = remote.open("s3://bucket/run.npz").unwrap();
    /// file.fetch_whole().unwrap();
    /// let all = remote.npz_reader(file.clone()).unwrap().read_all().unwrap(); // from memory
    /// file.release_whole();
    /// # let _ = all;
    /// ```
    pub fn fetch_whole(&self) -> io::Result<bool> {
        let size = self.object().size;
        if size > WHOLE_MAX {
            return Ok(false);
        }
        if self.object().holds_whole() {
            return Ok(true);
        }
        // The size is the store's, not a claim of the data's, and bounded above.
        let mut all = vec![0u8; size as usize];
        self.get_ref().read_direct(0, &mut all)?;
        *self
            .object()
            .whole
            .write()
            .unwrap_or_else(|p| p.into_inner()) = Some(Bytes::from(all));
        Ok(true)
    }

    /// Lets go of the memory [`RemoteFile::fetch_whole`] took (reads go back to ranges).
    ///
    /// ```no_run
    /// let file = npio::remote::Remote::new().open("s3://bucket/run.npz").unwrap();
    /// file.fetch_whole().unwrap();
    /// file.release_whole();
    /// ```
    pub fn release_whole(&self) {
        *self
            .object()
            .whole
            .write()
            .unwrap_or_else(|p| p.into_inner()) = None;
    }

    /// Fetches the parts of `ranges` not already held, all at once, into the cache that
    /// clones share (an archive's local headers, before they are checked one by one). Ranges
    /// less than [`GAP`] apart are fetched as one, up to [`CACHE_MAX`]` / 2` bytes in all.
    pub(crate) fn prefetch(&self, ranges: &[Range<u64>]) -> io::Result<()> {
        if self.object().holds_whole() {
            return Ok(()); // all of it is here already
        }
        let wanted = self.coalesce(ranges);
        let object = Arc::clone(self.object());
        let got = store::run(async move {
            let fetches = wanted.into_iter().map(|r| {
                let object = Arc::clone(&object);
                async move { object.get(r.clone()).await.map(|b| (r.start, b)) }
            });
            futures::stream::iter(fetches)
                .buffer_unordered(16)
                .collect::<Vec<_>>()
                .await
        });
        let mut cache = self.object().lock();
        for piece in got {
            let (start, bytes) = piece?;
            cache.insert(start, bytes);
        }
        Ok(())
    }

    /// The ranges to fetch for `ranges`: clipped to the object, those already held left out,
    /// neighbours merged, within the prefetch budget.
    fn coalesce(&self, ranges: &[Range<u64>]) -> Vec<Range<u64>> {
        let size = self.object().size;
        let mut sorted: Vec<Range<u64>> = {
            let cache = self.object().lock();
            ranges
                .iter()
                .map(|r| r.start.min(size)..r.end.min(size))
                .filter(|r| !r.is_empty() && cache.copy_at(r.start, &mut [0u8; 1]).is_none())
                .collect()
        };
        sorted.sort_by_key(|r| r.start);
        merge(sorted, GAP, (CACHE_MAX / 2) as u64)
    }
}

impl RemoteObject {
    /// Reads `out.len()` bytes at `start` straight into `out`, in [`PART`]-sized ranges,
    /// [`IN_FLIGHT`] at a time, each copied as it arrives.
    fn read_direct(&self, start: u64, out: &mut [u8]) -> io::Result<()> {
        let ranges: Vec<Range<u64>> = (0..out.len() as u64)
            .step_by(PART as usize)
            .map(|at| start + at..start + (at + PART).min(out.len() as u64))
            .collect();
        let (tx, mut rx) = tokio::sync::mpsc::channel(IN_FLIGHT);
        let object = Arc::clone(&self.0);
        let wanted = ranges.clone();
        store::spawn(async move {
            let fetches = wanted.into_iter().map(|r| {
                let object = Arc::clone(&object);
                async move { object.get(r).await }
            });
            let mut arriving = futures::stream::iter(fetches).buffered(IN_FLIGHT);
            while let Some(piece) = arriving.next().await {
                if tx.send(piece).await.is_err() {
                    break; // the reader gave up: stop fetching
                }
            }
        });
        for r in ranges {
            let piece = rx
                .blocking_recv()
                .ok_or_else(|| io::Error::other("a remote read ended early"))??;
            let at = (r.start - start) as usize;
            out[at..at + piece.len()].copy_from_slice(&piece);
        }
        Ok(())
    }
}

impl ReadAt for RemoteObject {
    fn size(&self) -> u64 {
        self.0.size
    }

    /// Copies from the whole object when [`RemoteFile::fetch_whole`] holds it, else from a
    /// piece fetched before (by any clone); else reads of 256 KiB or more go
    /// straight into `buf` as parallel ranges, and smaller ones are one range request whose
    /// bytes are kept for the clones.
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let object = &self.0;
        if buf.is_empty() || offset >= object.size {
            return Ok(0);
        }
        let want = (buf.len() as u64).min(object.size - offset) as usize;
        let buf = &mut buf[..want];
        if let Some(whole) = &*object.whole.read().unwrap_or_else(|p| p.into_inner()) {
            let at = offset as usize;
            buf.copy_from_slice(&whole[at..at + want]);
            return Ok(want);
        }
        if let Some(n) = object.lock().copy_at(offset, buf) {
            return Ok(n);
        }
        if want as u64 >= DIRECT_MIN {
            self.read_direct(offset, buf)?;
            return Ok(want);
        }
        let fetching = Arc::clone(object);
        let range = offset..offset + want as u64;
        let piece = store::run(async move { fetching.get(range).await })?;
        buf.copy_from_slice(&piece);
        object.lock().insert(offset, piece);
        Ok(want)
    }

    /// Small reads ahead: 4 KiB (a zip local header and a `.npy` header fit), doubling
    /// to 1 MiB while sequential (a large zip directory read entry by entry).
    fn read_ahead(&self) -> ReadAhead {
        ReadAhead::new(AHEAD_MIN as usize, AHEAD_MAX as usize, DIRECT_MIN as usize)
    }

    /// One read: the 8 MiB ranges of a large buffer are in flight 8 at a time, then
    /// `post` (a byte swap) over what arrived.
    fn fill_at(
        &self,
        buf: &mut [u8],
        offset: u64,
        unit: usize,
        post: PostProcess<'_>,
    ) -> io::Result<usize> {
        crate::source::fill_then_post(self, buf, offset, unit, post)
    }
}

impl Object {
    /// Counts one response of `bytes` bytes, for this object and its `Remote`.
    fn count(&self, bytes: u64) {
        self.own.count(bytes);
        self.session.count(bytes);
    }

    /// Whether the whole object is in memory ([`RemoteFile::fetch_whole`]).
    fn holds_whole(&self) -> bool {
        self.whole
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Cache> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// One range request, checked: exactly the bytes asked for, of the version opened.
    async fn get(&self, range: Range<u64>) -> io::Result<Bytes> {
        let options = GetOptions::new()
            .with_range(Some(range.clone()))
            .with_if_match(self.e_tag.clone());
        let store: &dyn ObjectStore = self.located.store.as_ref();
        let got = match store.get_opts(&self.located.path, options).await {
            Ok(got) => got.bytes().await,
            Err(e) => Err(e),
        };
        self.count(got.as_ref().map_or(0, |b| b.len() as u64));
        let bytes = got.map_err(|e| match e {
            object_store::Error::Precondition { .. } => changed(&self.url),
            other => store::storage_error(other),
        })?;
        if bytes.len() as u64 != range.end - range.start {
            return Err(changed(&self.url));
        }
        Ok(bytes)
    }
}

impl crate::npz::deferred::Ahead for RemoteFile {
    fn prefetch(&self, ranges: &[Range<u64>]) -> io::Result<()> {
        RemoteFile::prefetch(self, ranges)
    }

    fn fetch_whole(&self) -> io::Result<()> {
        RemoteFile::fetch_whole(self).map(drop)
    }

    fn release_whole(&self) {
        RemoteFile::release_whole(self)
    }
}

/// `sorted` (by start) with ranges less than `gap` apart merged, as many as fit in `budget`
/// bytes (gaps included), in order.
fn merge(sorted: Vec<Range<u64>>, gap: u64, mut budget: u64) -> Vec<Range<u64>> {
    let mut merged: Vec<Range<u64>> = Vec::new();
    for r in sorted {
        match merged.last_mut() {
            Some(last) if r.start <= last.end.saturating_add(gap) => {
                let grown = r.end.max(last.end) - last.end;
                if grown > budget {
                    break;
                }
                budget -= grown;
                last.end += grown;
            }
            _ => {
                let len = r.end - r.start;
                if len > budget {
                    break;
                }
                budget -= len;
                merged.push(r);
            }
        }
    }
    merged
}

/// Whether `err` is a server refusing a range (416), or answering it with the whole object
/// (as S3 servers do for an empty one), rather than a failure to reach it.
fn refused_range(err: &object_store::Error) -> bool {
    let text = err.to_string().to_ascii_lowercase();
    ["416", "range not satisfiable", "non-partial"]
        .iter()
        .any(|s| text.contains(s))
}

/// The error for an object that changed (or shrank) while it was being read.
fn changed(url: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!(
            "{url} changed while it was being read (its size or version is not the one opened)"
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_ranges_merge_far_ones_do_not_and_the_budget_holds() {
        let got = merge(
            vec![0..10, 5..20, 30..40, 100..110, 1000..1010],
            15,
            1 << 20,
        );
        assert_eq!(got, vec![0..40, 100..110, 1000..1010]);
        // The budget counts gaps too, and stops at the first range that does not fit.
        assert_eq!(merge(vec![0..10, 20..30, 100..200], 15, 35), vec![0..30]);
        assert_eq!(
            merge(vec![0..100, 200..300], 15, 99),
            Vec::<Range<u64>>::new()
        );
    }

    #[test]
    fn the_cache_finds_pieces_and_drops_the_oldest_past_its_bound() {
        let mut cache = Cache::default();
        cache.insert(100, Bytes::from(vec![7u8; 10]));
        let mut out = [0u8; 20];
        assert_eq!(cache.copy_at(105, &mut out), Some(5));
        assert_eq!(&out[..5], &[7; 5]);
        assert_eq!(cache.copy_at(110, &mut out), None);
        assert_eq!(cache.copy_at(99, &mut out), None);
        let big = CACHE_MAX / 2 + 1;
        cache.insert(1 << 30, Bytes::from(vec![1u8; big]));
        cache.insert(2 << 30, Bytes::from(vec![2u8; big]));
        assert!(cache.bytes <= CACHE_MAX);
        assert_eq!(
            cache.copy_at(100, &mut out),
            None,
            "the oldest piece was dropped"
        );
        assert_eq!(cache.copy_at(2 << 30, &mut out), Some(20));
    }
}
