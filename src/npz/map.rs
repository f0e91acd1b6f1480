//! Memory-mapped `.npz` archives: stored members viewed in place.

use std::fs::File;
use std::path::Path;

use memmap2::Mmap;
use ndarray::{ArrayView, Dimension};

use super::MemberInfo;
use crate::codec::Element;
use crate::error::{Error, Result};
use crate::header::ReadOptions;
use crate::npy::view::{not_viewable, view_data};

/// A read-only memory map of an `.npz` archive, viewing stored members in place.
///
/// Members npio writes stored are 64-byte aligned, so they can be viewed; NumPy's `savez`
/// does not align them, and compressed members cannot be viewed at all: both give a clear
/// [`Error::NotViewable`] (read them with [`NpzReader`](crate::NpzReader) instead).
///
/// The first view of each member checks its bytes against the CRC-32 the archive records
/// (one pass over them, as every other read makes), so a damaged member is refused here as
/// everywhere else. What a map cannot check is a change made later: a file truncated while
/// mapped kills the process with `SIGBUS` when a view touches the missing pages (see
/// [`NpzMap::open`]'s safety contract).
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
#[derive(Debug)]
pub struct NpzMap {
    map: Mmap,
    members: Vec<MemberInfo>,
    /// Per member: set once its bytes passed the CRC check.
    checked: Vec<std::sync::OnceLock<()>>,
}

impl NpzMap {
    /// Maps an archive and reads its directory and member headers (not their data). With
    /// options: [`ReadOptions::map_npz`].
    ///
    /// # Safety
    ///
    /// The file must not be modified or truncated, by this or another process, while the map
    /// or any view of it is alive (see the [`npy`](crate::npy) module documentation).
    pub unsafe fn open<P: AsRef<Path>>(path: P) -> Result<NpzMap> {
        // SAFETY: forwarded to the caller.
        unsafe { ReadOptions::new().map_npz(path) }
    }

    /// Member names as NumPy lists them (owned, as [`NpzReader::names`](crate::NpzReader::names) gives them).
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npzmap-n.npz");
    /// # let mut w = npio::NpzWriter::create(&path).unwrap();
    /// # w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.finish().unwrap();
    /// let map = unsafe { npio::NpzMap::open(&path) }.unwrap();
    /// assert_eq!(map.names(), vec!["a"]);
    /// ```
    pub fn names(&self) -> Vec<String> {
        self.members.iter().map(|m| m.name.clone()).collect()
    }

    /// Every member's description.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npzmap-m.npz");
    /// # let mut w = npio::NpzWriter::create(&path).unwrap();
    /// # w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.finish().unwrap();
    /// let map = unsafe { npio::NpzMap::open(&path) }.unwrap();
    /// assert!(!map.members()[0].compressed);
    /// ```
    pub fn members(&self) -> &[MemberInfo] {
        &self.members
    }

    /// Views a stored member's array in place (name with or without `.npy`).
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npzmap-c.npz");
    /// let mut w = npio::NpzWriter::create_compressed(&path).unwrap();
    /// w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// w.finish().unwrap();
    /// let map = unsafe { npio::NpzMap::open(&path) }.unwrap();
    /// let err = map.view::<u8, ndarray::Ix1>("a").unwrap_err(); // names the member "a.npy"
    /// assert!(matches!(err.root(), npio::Error::NotViewable { .. }));
    /// ```
    pub fn view<T: Element, D: Dimension>(&self, name: &str) -> Result<ArrayView<'_, T, D>> {
        let with_ext = format!("{name}.npy");
        let index = self
            .members
            .iter()
            .position(|m| m.stored_name == name)
            .or_else(|| self.members.iter().position(|m| m.stored_name == with_ext))
            .ok_or_else(|| Error::NoSuchMember {
                name: name.to_string(),
                available: self.names(),
            })?;
        let member = &self.members[index];
        let result = (|| {
            let npy = member
                .npy
                .as_ref()
                .ok_or_else(|| not_viewable("the member is not a .npy array"))?;
            let offset = member
                .array_data_offset()
                .ok_or_else(|| not_viewable("the member is compressed"))?;
            let start = usize::try_from(offset).map_err(|_| not_viewable("offset out of range"))?;
            let len = npy.header.data_len()?;
            let data = start
                .checked_add(len)
                .and_then(|end| self.map.get(start..end))
                .ok_or_else(|| Error::TruncatedData {
                    offset,
                    expected: len as u64,
                    found: self.map.len().saturating_sub(start) as u64,
                })?;
            self.check_crc(index)?;
            view_data(&npy.header, data, offset)
        })();
        result.map_err(|e| e.in_member(&member.stored_name))
    }

    /// Checks member `index`'s stored bytes against its CRC-32, once.
    fn check_crc(&self, index: usize) -> Result<()> {
        if self.checked[index].get().is_some() {
            return Ok(());
        }
        let member = &self.members[index];
        let bytes = usize::try_from(member.data_start)
            .ok()
            .zip(usize::try_from(member.size).ok())
            .and_then(|(start, len)| self.map.get(start..start.checked_add(len)?))
            .ok_or_else(|| Error::TruncatedData {
                offset: member.data_start,
                expected: member.size,
                found: self.map.len().saturating_sub(member.data_start as usize) as u64,
            })?;
        if crc32fast::hash(bytes) != member.crc32 {
            return Err(Error::Archive {
                reason: "member data fails its CRC-32 check".into(),
            });
        }
        let _ = self.checked[index].set(());
        Ok(())
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
            let members = self.npz_reader(std::io::Cursor::new(&map[..]))?.members()?;
            let checked = members.iter().map(|_| std::sync::OnceLock::new()).collect();
            Ok(NpzMap {
                map,
                members,
                checked,
            })
        })
    }
}
