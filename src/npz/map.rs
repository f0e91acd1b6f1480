//! Memory-mapped `.npz` archives: stored members viewed in place ([`NpzMap`], an
//! [`NpzView`] over a memory map).

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;

use super::view::NpzView;
use crate::error::Result;
use crate::header::ReadOptions;

/// A read-only memory map of an `.npz` archive, viewing stored members in place: an
/// [`NpzView`] over the map (see it for what can be viewed and what is checked).
///
/// What a map cannot check is a change made later: a file truncated while mapped kills the
/// process with `SIGBUS` when a view touches the missing pages (see [`NpzMap::open`]'s safety
/// contract).
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("npzmap.npz");
/// let mut w = npio::NpzWriter::create(&path).unwrap();
/// w.add("a", &ndarray::arr1(&[1.0f64, 2.0, 3.0])).unwrap();
/// w.finish().unwrap();
/// // SAFETY: nothing modifies the archive while it is mapped.
/// let map = unsafe { npio::NpzMap::open(&path) }.unwrap();
/// let a: ndarray::ArrayView1<f64> = map.view("a").unwrap();
/// assert_eq!(a.sum(), 6.0);
/// ```
pub type NpzMap = NpzView<Mmap>;

impl NpzView<Mmap> {
    /// Maps an archive and reads its directory and member headers (not their data). With
    /// options: [`ReadOptions::map_npz`].
    ///
    /// # Safety
    ///
    /// The file must not be modified or truncated, by this or another process, while the map
    /// or any view of it is alive (see the [`npy`](crate::npy) module documentation).
    ///
    /// ```
    /// // SAFETY: nothing modifies the file while it is mapped.
    /// assert!(unsafe { npio::NpzMap::open("no/such/file.npz") }.is_err());
    /// ```
    pub unsafe fn open<P: AsRef<Path>>(path: P) -> Result<NpzMap> {
        // SAFETY: forwarded to the caller.
        unsafe { ReadOptions::new().map_npz(path) }
    }
}

/// The memory map of an archive with options.
impl ReadOptions {
    /// [`NpzMap::open`] with these options (applied to every member).
    ///
    /// # Safety
    ///
    /// As for [`NpzMap::open`].
    ///
    /// ```
    /// let opts = npio::ReadOptions::new().max_header_size(1 << 20);
    /// // SAFETY: nothing modifies the file while it is mapped.
    /// assert!(unsafe { opts.map_npz("no/such/file.npz") }.is_err());
    /// ```
    pub unsafe fn map_npz<P: AsRef<Path>>(&self, path: P) -> Result<NpzMap> {
        let path = path.as_ref();
        crate::error::with_path(path, || {
            let file = File::open(path)?;
            // SAFETY: the caller guarantees the file is not changed while mapped.
            let map = unsafe { Mmap::map(&file)? };
            self.npz_view(map)
        })
    }
}
