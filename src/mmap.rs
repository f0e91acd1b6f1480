//! Zero-copy views of `.npy` data: over bytes you already have ([`view_npy`],
//! [`view_npy_mut`]), over memory-mapped files ([`NpyMap`], [`NpyMapMut`]), and over stored
//! members of memory-mapped `.npz` archives ([`NpzMap`], which NumPy itself cannot do).
//!
//! A view is possible when the data is in native byte order and aligned for the element type;
//! otherwise the error says why and points to the copying readers. Opening a map costs the
//! header parse only, whatever the file size.
//!
//! # Safety of memory maps
//!
//! A memory map shows the file's current contents. If the file is modified or truncated by
//! this or any other process while a map of it is alive, views would see data change under
//! them (undefined behaviour for Rust references) or the process could be killed by `SIGBUS`.
//! This is memmap2's contract, and the constructors that map files are therefore `unsafe fn`:
//! the caller promises the file stays unchanged while the map lives. The byte-slice views have
//! no such condition and are safe.
//!
//! ```
//! let bytes = npio::to_bytes(&ndarray::arr2(&[[1.0f64, 2.0], [3.0, 4.0]])).unwrap();
//! // Vec<u8> gives no alignment guarantee for f64; copy into an 8-byte aligned buffer.
//! let mut aligned = vec![0u64; bytes.len().div_ceil(8)];
//! let buf = &mut bytemuck::cast_slice_mut::<u64, u8>(&mut aligned)[..bytes.len()];
//! buf.copy_from_slice(&bytes);
//! let view: ndarray::ArrayView2<f64> = npio::view_npy(buf).unwrap();
//! assert_eq!(view[[1, 0]], 3.0);
//! ```

use std::fs::{File, OpenOptions};
use std::io::{Cursor, Write};
use std::path::Path;

use memmap2::{Mmap, MmapMut};
use ndarray::{ArrayView, ArrayViewMut, Dimension, IxDyn, ShapeBuilder};

use crate::dtype::DType;
use crate::element::Element;
use crate::error::{Error, Result};
use crate::header::{read_header, Header, HeaderInfo, ReadOptions};
use crate::npz::{MemberInfo, NpzReader};

fn not_viewable(reason: impl Into<String>) -> Error {
    Error::NotViewable {
        reason: reason.into(),
    }
}

/// Checks that `header`'s data can be seen as `T` with dimension `D` in place.
fn check_viewable<T: Element, D: Dimension>(header: &Header) -> Result<()> {
    if !T::accepts(&header.dtype) {
        return Err(Error::DTypeMismatch {
            found: header.dtype.descr(),
            requested: T::NAME.to_string(),
        });
    }
    if let Some(n) = D::NDIM {
        if n != header.shape.len() {
            return Err(Error::DimensionMismatch {
                expected: n,
                found: header.shape.len(),
                shape: header.shape.iter().map(|&d| d as u64).collect(),
            });
        }
    }
    if let DType::Scalar(s) = &header.dtype {
        if s.endian().needs_swap() {
            return Err(not_viewable(format!(
                "the data is {:?}-endian ({}) and this machine is not",
                s.endian(),
                header.dtype.descr()
            )));
        }
    }
    Ok(())
}

fn view_shape(header: &Header) -> ndarray::StrideShape<IxDyn> {
    if header.fortran_order {
        IxDyn(&header.shape).f().into()
    } else {
        IxDyn(&header.shape).into()
    }
}

/// The data bytes of a `.npy` image: exactly `data_len` bytes after the header.
fn data_range(info: &HeaderInfo, total: usize) -> Result<std::ops::Range<usize>> {
    let start = info.data_offset as usize;
    let len = info.header.data_len()?;
    let available = total.saturating_sub(start);
    if available < len {
        return Err(Error::TruncatedData {
            offset: info.data_offset,
            expected: len as u64,
            found: available as u64,
        });
    }
    if available > len {
        return Err(Error::TrailingData {
            offset: (start + len) as u64,
        });
    }
    Ok(start..start + len)
}

fn cast_error<T: Element>(header: &Header, offset: u64) -> Error {
    if T::NAME == "bool" {
        not_viewable("a bool byte is neither 0 nor 1")
    } else {
        not_viewable(format!(
            "the data at offset {offset} is not aligned to {} bytes for {} ({})",
            std::mem::align_of::<T>(),
            T::NAME,
            header.dtype.descr()
        ))
    }
}

/// Views the data of a whole `.npy` image (header and data) in place, without copying.
///
/// Works when the dtype matches `T` in native byte order and the data is aligned for `T`
/// (files written by NumPy >= 1.14 and by npio put the data at a 64-byte offset, so an aligned
/// buffer gives aligned data). Bool data is checked to be 0/1, which reads it once.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2, 3])).unwrap();
/// let v: ndarray::ArrayView1<u8> = npio::view_npy(&bytes).unwrap();
/// assert_eq!(v.sum(), 6);
/// let big = npio::from_bytes_dyn(&bytes).unwrap();
/// # let _ = big;
/// ```
pub fn view_npy<'a, T: Element, D: Dimension>(npy: &'a [u8]) -> Result<ArrayView<'a, T, D>> {
    view_npy_with(npy, &ReadOptions::default())
}

/// [`view_npy`] with read options (header size limit; trailing data).
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
/// let opts = npio::ReadOptions::default().max_header_size(64);
/// assert!(npio::view_npy_with::<u8, ndarray::Ix1>(&bytes, &opts).is_err());
/// ```
pub fn view_npy_with<'a, T: Element, D: Dimension>(
    npy: &'a [u8],
    options: &ReadOptions,
) -> Result<ArrayView<'a, T, D>> {
    let info = read_header(&mut &npy[..], options)?;
    view_data(
        &info.header,
        &npy[data_range(&info, npy.len())?],
        info.data_offset,
    )
}

/// Views the data bytes of an array with `header` (no header in `data`).
fn view_data<'a, T: Element, D: Dimension>(
    header: &Header,
    data: &'a [u8],
    offset: u64,
) -> Result<ArrayView<'a, T, D>> {
    check_viewable::<T, D>(header)?;
    let slice = T::cast_bytes(data).ok_or_else(|| cast_error::<T>(header, offset))?;
    let view = ArrayView::from_shape(view_shape(header), slice)
        .map_err(|e| Error::InvalidArray(e.to_string()))?;
    view.into_dimensionality::<D>()
        .map_err(|e| Error::InvalidArray(e.to_string()))
}

/// Views the data of a whole `.npy` image mutably, in place: edits change the bytes.
///
/// ```
/// let mut bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2])).unwrap();
/// npio::view_npy_mut::<u8, ndarray::Ix1>(&mut bytes).unwrap()[0] = 9;
/// assert_eq!(npio::from_bytes::<u8, ndarray::Ix1>(&bytes).unwrap()[0], 9);
/// ```
pub fn view_npy_mut<'a, T: Element, D: Dimension>(
    npy: &'a mut [u8],
) -> Result<ArrayViewMut<'a, T, D>> {
    let info = read_header(&mut &npy[..], &ReadOptions::default())?;
    let range = data_range(&info, npy.len())?;
    view_data_mut(&info.header, &mut npy[range], info.data_offset)
}

fn view_data_mut<'a, T: Element, D: Dimension>(
    header: &Header,
    data: &'a mut [u8],
    offset: u64,
) -> Result<ArrayViewMut<'a, T, D>> {
    check_viewable::<T, D>(header)?;
    let slice = T::cast_bytes_mut(data).ok_or_else(|| cast_error::<T>(header, offset))?;
    let view = ArrayViewMut::from_shape(view_shape(header), slice)
        .map_err(|e| Error::InvalidArray(e.to_string()))?;
    view.into_dimensionality::<D>()
        .map_err(|e| Error::InvalidArray(e.to_string()))
}

/// A read-only memory map of a `.npy` file.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("npymap.npy");
/// npio::write_npy(&path, &ndarray::arr2(&[[1i32, 2], [3, 4]])).unwrap();
/// // SAFETY: nothing modifies the file while it is mapped.
/// let map = unsafe { npio::NpyMap::open(&path) }.unwrap();
/// let view: ndarray::ArrayView2<i32> = map.view().unwrap();
/// assert_eq!(view.sum(), 10);
/// ```
#[derive(Debug)]
pub struct NpyMap {
    map: Mmap,
    info: HeaderInfo,
}

impl NpyMap {
    /// Maps a `.npy` file and parses its header; costs the same whatever the file size.
    ///
    /// # Safety
    ///
    /// The file must not be modified or truncated, by this or another process, while the map
    /// or any view of it is alive (see the [module documentation](self)).
    pub unsafe fn open<P: AsRef<Path>>(path: P) -> Result<NpyMap> {
        // SAFETY: forwarded to the caller.
        unsafe { Self::open_with(path, &ReadOptions::default()) }
    }

    /// [`NpyMap::open`] with read options.
    ///
    /// # Safety
    ///
    /// As for [`NpyMap::open`].
    pub unsafe fn open_with<P: AsRef<Path>>(path: P, options: &ReadOptions) -> Result<NpyMap> {
        let path = path.as_ref();
        crate::error::with_path(path, || {
            let file = File::open(path)?;
            // SAFETY: the caller guarantees the file is not changed while mapped (this
            // function's contract, which is memmap2's).
            let map = unsafe { Mmap::map(&file)? };
            let info = read_header(&mut &map[..], options)?;
            data_range(&info, map.len())?;
            Ok(NpyMap { map, info })
        })
    }

    /// The array description.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymap-h.npy");
    /// # npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
    /// let map = unsafe { npio::NpyMap::open(&path) }.unwrap();
    /// assert_eq!(map.header().shape, vec![1]);
    /// ```
    pub fn header(&self) -> &Header {
        &self.info.header
    }

    /// The header with version and data offset.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymap-i.npy");
    /// # npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
    /// let map = unsafe { npio::NpyMap::open(&path) }.unwrap();
    /// assert_eq!(map.info().data_offset, 128);
    /// ```
    pub fn info(&self) -> &HeaderInfo {
        &self.info
    }

    /// Views the data as `T`, without copying.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymap-v.npy");
    /// npio::write_array(&mut std::fs::File::create(&path).unwrap(), &ndarray::arr1(&[1u16]),
    ///     &npio::WriteOptions::default().endian(npio::Endian::Big)).unwrap();
    /// let map = unsafe { npio::NpyMap::open(&path) }.unwrap();
    /// let err = map.view::<u16, ndarray::Ix1>().unwrap_err();
    /// assert!(err.to_string().contains("copying reader"));
    /// ```
    pub fn view<T: Element, D: Dimension>(&self) -> Result<ArrayView<'_, T, D>> {
        let range = data_range(&self.info, self.map.len())?;
        view_data(&self.info.header, &self.map[range], self.info.data_offset)
    }

    /// The mapped bytes of the whole file.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymap-b.npy");
    /// # npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
    /// let map = unsafe { npio::NpyMap::open(&path) }.unwrap();
    /// assert_eq!(map.bytes().len(), 129);
    /// ```
    pub fn bytes(&self) -> &[u8] {
        &self.map
    }
}

/// A writable memory map of a `.npy` file: edit arrays on disk in place, or create a new file
/// of a given dtype and shape (NumPy's `open_memmap(mode='w+')`).
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("npymapmut.npy");
/// # let _ = std::fs::remove_file(&path);
/// // SAFETY: nothing else touches the file while it is mapped.
/// let mut map = unsafe { npio::NpyMapMut::create::<f32, _>(&path, &[2, 3], npio::Order::C) }.unwrap();
/// map.view_mut::<f32, ndarray::Ix2>().unwrap().fill(1.5);
/// map.flush().unwrap();
/// drop(map);
/// let a: ndarray::Array2<f32> = npio::read_npy(&path).unwrap();
/// assert_eq!(a.sum(), 9.0);
/// ```
#[derive(Debug)]
pub struct NpyMapMut {
    map: MmapMut,
    info: HeaderInfo,
}

impl NpyMapMut {
    /// Maps an existing `.npy` file for reading and writing.
    ///
    /// # Safety
    ///
    /// The file must not be modified or truncated by anything but this map while the map or a
    /// view of it is alive (see the [module documentation](self)).
    pub unsafe fn open<P: AsRef<Path>>(path: P) -> Result<NpyMapMut> {
        let path = path.as_ref();
        crate::error::with_path(path, || {
            let file = OpenOptions::new().read(true).write(true).open(path)?;
            // SAFETY: forwarded to the caller (memmap2's contract).
            let map = unsafe { MmapMut::map_mut(&file)? };
            let info = read_header(&mut &map[..], &ReadOptions::default())?;
            data_range(&info, map.len())?;
            Ok(NpyMapMut { map, info })
        })
    }

    /// Creates a new `.npy` file for an array of `T` with `shape` (zero-filled, the header what
    /// `np.save` writes) and maps it. Fails if the file exists.
    ///
    /// # Safety
    ///
    /// As for [`NpyMapMut::open`].
    pub unsafe fn create<T: Element, P: AsRef<Path>>(
        path: P,
        shape: &[usize],
        order: crate::Order,
    ) -> Result<NpyMapMut> {
        let fortran = crate::write::fortran_flag(order == crate::Order::Fortran, shape);
        let header = Header::new(T::dtype(crate::Endian::NATIVE), shape.to_vec(), fortran);
        // SAFETY: forwarded to the caller.
        unsafe { Self::create_with_header(path, &header) }
    }

    /// Creates a new `.npy` file for any header (any dtype, records included) and maps it.
    ///
    /// # Safety
    ///
    /// As for [`NpyMapMut::open`].
    pub unsafe fn create_with_header<P: AsRef<Path>>(
        path: P,
        header: &Header,
    ) -> Result<NpyMapMut> {
        let path = path.as_ref();
        crate::error::with_path(path, || {
            let prefix = header.to_bytes()?;
            let total = prefix.len() as u64 + header.data_len()? as u64;
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .open(path)?;
            file.write_all(&prefix)?;
            // Extending the file leaves a sparse, zero-filled hole: no data is written here.
            file.set_len(total)?;
            // SAFETY: forwarded to the caller (memmap2's contract).
            let map = unsafe { MmapMut::map_mut(&file)? };
            let info = read_header(
                &mut &map[..],
                &ReadOptions::default().max_header_size(prefix.len()),
            )?;
            Ok(NpyMapMut { map, info })
        })
    }

    /// The array description.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymapmut-h.npy");
    /// # let _ = std::fs::remove_file(&path);
    /// let map = unsafe { npio::NpyMapMut::create::<u8, _>(&path, &[4], npio::Order::C) }.unwrap();
    /// assert_eq!(map.header().shape, vec![4]);
    /// ```
    pub fn header(&self) -> &Header {
        &self.info.header
    }

    /// Views the data as `T`, read-only.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymapmut-v.npy");
    /// # let _ = std::fs::remove_file(&path);
    /// let map = unsafe { npio::NpyMapMut::create::<u8, _>(&path, &[4], npio::Order::C) }.unwrap();
    /// assert_eq!(map.view::<u8, ndarray::Ix1>().unwrap().sum(), 0);
    /// ```
    pub fn view<T: Element, D: Dimension>(&self) -> Result<ArrayView<'_, T, D>> {
        let range = data_range(&self.info, self.map.len())?;
        view_data(&self.info.header, &self.map[range], self.info.data_offset)
    }

    /// Views the data as `T` for editing in place.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymapmut-m.npy");
    /// # let _ = std::fs::remove_file(&path);
    /// let mut map = unsafe { npio::NpyMapMut::create::<i64, _>(&path, &[3], npio::Order::C) }.unwrap();
    /// map.view_mut::<i64, ndarray::Ix1>().unwrap()[2] = -1;
    /// assert_eq!(map.view::<i64, ndarray::Ix1>().unwrap()[2], -1);
    /// ```
    pub fn view_mut<T: Element, D: Dimension>(&mut self) -> Result<ArrayViewMut<'_, T, D>> {
        let range = data_range(&self.info, self.map.len())?;
        view_data_mut(
            &self.info.header,
            &mut self.map[range],
            self.info.data_offset,
        )
    }

    /// Writes changes back to the file.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymapmut-f.npy");
    /// # let _ = std::fs::remove_file(&path);
    /// let map = unsafe { npio::NpyMapMut::create::<u8, _>(&path, &[1], npio::Order::C) }.unwrap();
    /// map.flush().unwrap();
    /// ```
    pub fn flush(&self) -> Result<()> {
        Ok(self.map.flush()?)
    }
}

/// A read-only memory map of an `.npz` archive, viewing stored members in place.
///
/// Members npio writes stored are 64-byte aligned, so they can be viewed; NumPy's `savez`
/// does not align them, and compressed members cannot be viewed at all: both give a clear
/// [`Error::NotViewable`] (read them with [`NpzReader`] instead).
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("npzmap.npz");
/// let mut w = npio::NpzWriter::create(&path).unwrap();
/// w.add_array("a", &ndarray::arr1(&[1.0f64, 2.0, 3.0])).unwrap();
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
}

impl NpzMap {
    /// Maps an archive and reads its directory and member headers (not their data).
    ///
    /// # Safety
    ///
    /// The file must not be modified or truncated, by this or another process, while the map
    /// or any view of it is alive (see the [module documentation](self)).
    pub unsafe fn open<P: AsRef<Path>>(path: P) -> Result<NpzMap> {
        // SAFETY: forwarded to the caller.
        unsafe { Self::open_with(path, &ReadOptions::default()) }
    }

    /// [`NpzMap::open`] with read options.
    ///
    /// # Safety
    ///
    /// As for [`NpzMap::open`].
    pub unsafe fn open_with<P: AsRef<Path>>(path: P, options: &ReadOptions) -> Result<NpzMap> {
        let path = path.as_ref();
        crate::error::with_path(path, || {
            let file = File::open(path)?;
            // SAFETY: the caller guarantees the file is not changed while mapped.
            let map = unsafe { Mmap::map(&file)? };
            let members =
                NpzReader::with_options(Cursor::new(&map[..]), options.clone())?.members()?;
            Ok(NpzMap { map, members })
        })
    }

    /// Member names as NumPy lists them.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npzmap-n.npz");
    /// # let mut w = npio::NpzWriter::create(&path).unwrap();
    /// # w.add_array("a", &ndarray::arr1(&[1u8])).unwrap();
    /// # w.finish().unwrap();
    /// let map = unsafe { npio::NpzMap::open(&path) }.unwrap();
    /// assert_eq!(map.names(), vec!["a"]);
    /// ```
    pub fn names(&self) -> Vec<&str> {
        self.members.iter().map(|m| m.name.as_str()).collect()
    }

    /// Every member's description.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npzmap-m.npz");
    /// # let mut w = npio::NpzWriter::create(&path).unwrap();
    /// # w.add_array("a", &ndarray::arr1(&[1u8])).unwrap();
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
    /// w.add_array("a", &ndarray::arr1(&[1u8])).unwrap();
    /// w.finish().unwrap();
    /// let map = unsafe { npio::NpzMap::open(&path) }.unwrap();
    /// let err = map.view::<u8, ndarray::Ix1>("a").unwrap_err(); // names the member "a.npy"
    /// assert!(matches!(err.root(), npio::Error::NotViewable { .. }));
    /// ```
    pub fn view<T: Element, D: Dimension>(&self, name: &str) -> Result<ArrayView<'_, T, D>> {
        let with_ext = format!("{name}.npy");
        let member = self
            .members
            .iter()
            .find(|m| m.stored_name == name)
            .or_else(|| self.members.iter().find(|m| m.stored_name == with_ext))
            .ok_or_else(|| Error::NoSuchMember {
                name: name.to_string(),
                available: self.names().iter().map(|n| n.to_string()).collect(),
            })?;
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
            view_data(&npy.header, data, offset)
        })();
        result.map_err(|e| e.in_member(&member.stored_name))
    }
}
