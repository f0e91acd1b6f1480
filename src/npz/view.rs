//! Archives in memory, stored members viewed in place: [`NpzView`] over any bytes (`&[u8]`,
//! `Vec<u8>`, `bytes::Bytes`, a memory map: [`crate::NpzMap`] is `NpzView<Mmap>`).

use ndarray::{ArrayView, Dimension};

use super::MemberInfo;
use crate::codec::Element;
use crate::error::{Error, Result};
use crate::header::ReadOptions;
use crate::npy::view::{not_viewable, view_data};

/// An `.npz` archive held in memory (any `B: AsRef<[u8]>`: `&[u8]`, `Vec<u8>`,
/// `bytes::Bytes`, or a memory map, as [`crate::NpzMap`]), viewing stored members in place
/// without a copy.
///
/// Opening reads the directory and every member's header, with the checks every route makes;
/// members npio writes stored are 64-byte aligned, so they can be viewed; NumPy's `savez`
/// does not align them, and compressed members cannot be viewed at all: both give a clear
/// [`Error::NotViewable`] (read them with [`NpzReader`](crate::NpzReader) over
/// `std::io::Cursor::new(bytes)` instead).
///
/// The first view of each member checks its bytes against the CRC-32 the archive records
/// (one pass over them, as every other read makes), so a damaged member is refused here as
/// everywhere else.
///
/// ```
/// let mut bytes = Vec::new();
/// let mut w = npio::NpzWriter::new(std::io::Cursor::new(&mut bytes));
/// w.add("a", &ndarray::arr1(&[1.0f64, 2.0, 3.0])).unwrap();
/// w.finish().unwrap();
/// let archive = npio::npz::NpzView::new(bytes).unwrap(); // owns the bytes; no copy is made
/// let a: ndarray::ArrayView1<f64> = archive.view("a").unwrap();
/// assert_eq!(a.sum(), 6.0);
/// ```
#[derive(Debug)]
pub struct NpzView<B> {
    bytes: B,
    members: Vec<MemberInfo>,
    /// Per member: set once its bytes passed the CRC check.
    checked: Vec<std::sync::OnceLock<()>>,
    /// Whether members may hold bytes after their array data.
    allow_trailing: bool,
}

impl<B: AsRef<[u8]>> NpzView<B> {
    /// Reads the directory and member headers of the archive `bytes` (not the members' data).
    /// With options: [`ReadOptions::npz_view`].
    ///
    /// ```
    /// assert!(npio::npz::NpzView::new(&b"not an archive"[..]).is_err());
    /// ```
    pub fn new(bytes: B) -> Result<NpzView<B>> {
        ReadOptions::new().npz_view(bytes)
    }

    /// The bytes the archive is read from.
    ///
    /// ```
    /// # let mut bytes = Vec::new();
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(&mut bytes));
    /// # w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.finish().unwrap();
    /// let len = bytes.len();
    /// let archive = npio::npz::NpzView::new(bytes).unwrap();
    /// assert_eq!(archive.bytes().len(), len);
    /// ```
    pub fn bytes(&self) -> &B {
        &self.bytes
    }

    /// Member names as NumPy lists them (owned, as [`NpzReader::names`](crate::NpzReader::names) gives them).
    ///
    /// ```
    /// # let mut bytes = Vec::new();
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(&mut bytes));
    /// # w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.finish().unwrap();
    /// let archive = npio::npz::NpzView::new(&bytes[..]).unwrap();
    /// assert_eq!(archive.names(), vec!["a"]);
    /// ```
    pub fn names(&self) -> Vec<String> {
        self.members.iter().map(|m| m.name.clone()).collect()
    }

    /// Every member's description.
    ///
    /// ```
    /// # let mut bytes = Vec::new();
    /// # let mut w = npio::NpzWriter::new(std::io::Cursor::new(&mut bytes));
    /// # w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.finish().unwrap();
    /// let archive = npio::npz::NpzView::new(bytes).unwrap();
    /// assert!(!archive.members()[0].compressed);
    /// ```
    pub fn members(&self) -> &[MemberInfo] {
        &self.members
    }

    /// Views a stored member's array in place (name with or without `.npy`).
    ///
    /// ```
    /// let mut bytes = Vec::new();
    /// let mut w = npio::NpzWriter::new_compressed(std::io::Cursor::new(&mut bytes));
    /// w.add("a", &ndarray::arr1(&[1u8])).unwrap();
    /// w.finish().unwrap();
    /// let archive = npio::npz::NpzView::new(bytes).unwrap();
    /// let err = archive.view::<u8, ndarray::Ix1>("a").unwrap_err(); // names the member "a.npy"
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
            // The member holds exactly its array, as every read checks.
            npy.check_extent(member.size, self.allow_trailing)?;
            let start = usize::try_from(offset).map_err(|_| not_viewable("offset out of range"))?;
            let len = npy.header.data_len()?;
            let data = start
                .checked_add(len)
                .and_then(|end| self.bytes.as_ref().get(start..end))
                .ok_or_else(|| Error::TruncatedData {
                    offset,
                    expected: len as u64,
                    found: self.bytes.as_ref().len().saturating_sub(start) as u64,
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
            .and_then(|(start, len)| self.bytes.as_ref().get(start..start.checked_add(len)?))
            .ok_or_else(|| Error::TruncatedData {
                offset: member.data_start,
                expected: member.size,
                found: self
                    .bytes
                    .as_ref()
                    .len()
                    .saturating_sub(member.data_start as usize) as u64,
            })?;
        if crate::par::crc32(bytes) != member.crc32 {
            return Err(Error::Archive {
                reason: "member data fails its CRC-32 check".into(),
            });
        }
        let _ = self.checked[index].set(());
        Ok(())
    }
}

/// Archives in memory with options.
impl ReadOptions {
    /// [`NpzView::new`] with these options (applied to every member).
    ///
    /// ```
    /// let opts = npio::ReadOptions::new().max_header_size(1 << 20);
    /// assert!(opts.npz_view(Vec::new()).is_err()); // no archive at all
    /// ```
    pub fn npz_view<B: AsRef<[u8]>>(&self, bytes: B) -> Result<NpzView<B>> {
        let members = self
            .npz_reader(std::io::Cursor::new(bytes.as_ref()))?
            .members()?;
        let checked = members.iter().map(|_| std::sync::OnceLock::new()).collect();
        Ok(NpzView {
            bytes,
            members,
            checked,
            allow_trailing: self.get_allow_trailing_data(),
        })
    }
}
