//! Memory-mapped `.npy` files: [`NpyMap`] (read-only) and [`NpyMapMut`] (edit in place, or
//! create a file like NumPy's `open_memmap`).
//!
//! A view is possible when the data is in native byte order and aligned for the element type;
//! otherwise the error says why and points to the copying readers. Opening a map costs the
//! header parse only, whatever the file size.
//!
//! The constructors that map files are `unsafe fn`: see "Safety of memory maps" in the
//! [`npy`](crate::npy) module documentation.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use memmap2::{Mmap, MmapMut};
use ndarray::{ArrayView, ArrayViewMut, Dimension};

use super::view::{data_range, view_data, view_data_mut};
use crate::codec::Element;
use crate::error::Result;
use crate::header::{read_header, Header, HeaderInfo, ReadOptions};

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
    allow_trailing: bool,
    /// Named in errors.
    path: std::path::PathBuf,
}

impl NpyMap {
    /// Maps a `.npy` file and parses its header; costs the same whatever the file size.
    /// With options: [`ReadOptions::map_npy`].
    ///
    /// # Safety
    ///
    /// The file must not be modified or truncated, by this or another process, while the map
    /// or any view of it is alive (see the [`npy`](crate::npy) module documentation).
    pub unsafe fn open<P: AsRef<Path>>(path: P) -> Result<NpyMap> {
        // SAFETY: forwarded to the caller.
        unsafe { ReadOptions::new().map_npy(path) }
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
    /// let big = npio::WriteOptions::new().endian(npio::dtype::Endian::Big);
    /// big.write_npy(&path, &ndarray::arr1(&[1u16])).unwrap();
    /// let map = unsafe { npio::NpyMap::open(&path) }.unwrap();
    /// let err = map.view::<u16, ndarray::Ix1>().unwrap_err(); // names the file
    /// assert!(err.to_string().starts_with(&path.display().to_string()));
    /// assert!(err.to_string().contains("copying reader"));
    /// ```
    pub fn view<T: Element, D: Dimension>(&self) -> Result<ArrayView<'_, T, D>> {
        let path = &self.path;
        let range = data_range(&self.info, self.map.len(), self.allow_trailing)
            .map_err(|e| e.at_path(path))?;
        view_data(&self.info.header, &self.map[range], self.info.data_offset)
            .map_err(|e| e.at_path(path))
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
/// let mut map = unsafe { npio::NpyMapMut::create::<f32, _>(&path, &[2, 3], npio::npy::Order::C) }.unwrap();
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
    allow_trailing: bool,
    /// Named in errors.
    path: std::path::PathBuf,
}

impl NpyMapMut {
    /// Maps an existing `.npy` file for reading and writing.
    ///
    /// # Safety
    ///
    /// The file must not be modified or truncated by anything but this map while the map or a
    /// view of it is alive (see the [`npy`](crate::npy) module documentation).
    pub unsafe fn open<P: AsRef<Path>>(path: P) -> Result<NpyMapMut> {
        // SAFETY: forwarded to the caller.
        unsafe { ReadOptions::new().map_npy_mut(path) }
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
        order: super::write::Order,
    ) -> Result<NpyMapMut> {
        let fortran = crate::header::fortran_flag(order == super::write::Order::Fortran, shape);
        let header = Header::new(
            T::dtype(crate::dtype::Endian::NATIVE),
            shape.to_vec(),
            fortran,
        );
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
            Ok(NpyMapMut {
                map,
                info,
                allow_trailing: false,
                path: path.to_path_buf(),
            })
        })
    }

    /// The array description.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymapmut-h.npy");
    /// # let _ = std::fs::remove_file(&path);
    /// let map = unsafe { npio::NpyMapMut::create::<u8, _>(&path, &[4], npio::npy::Order::C) }.unwrap();
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
    /// let map = unsafe { npio::NpyMapMut::create::<u8, _>(&path, &[4], npio::npy::Order::C) }.unwrap();
    /// assert_eq!(map.view::<u8, ndarray::Ix1>().unwrap().sum(), 0);
    /// ```
    pub fn view<T: Element, D: Dimension>(&self) -> Result<ArrayView<'_, T, D>> {
        let path = &self.path;
        let range = data_range(&self.info, self.map.len(), self.allow_trailing)
            .map_err(|e| e.at_path(path))?;
        view_data(&self.info.header, &self.map[range], self.info.data_offset)
            .map_err(|e| e.at_path(path))
    }

    /// Views the data as `T` for editing in place.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymapmut-m.npy");
    /// # let _ = std::fs::remove_file(&path);
    /// let mut map = unsafe { npio::NpyMapMut::create::<i64, _>(&path, &[3], npio::npy::Order::C) }.unwrap();
    /// map.view_mut::<i64, ndarray::Ix1>().unwrap()[2] = -1;
    /// assert_eq!(map.view::<i64, ndarray::Ix1>().unwrap()[2], -1);
    /// ```
    pub fn view_mut<T: Element, D: Dimension>(&mut self) -> Result<ArrayViewMut<'_, T, D>> {
        let path = &self.path;
        let range = data_range(&self.info, self.map.len(), self.allow_trailing)
            .map_err(|e| e.at_path(path))?;
        view_data_mut(
            &self.info.header,
            &mut self.map[range],
            self.info.data_offset,
        )
        .map_err(|e| e.at_path(path))
    }

    /// Writes changes back to the file.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("npymapmut-f.npy");
    /// # let _ = std::fs::remove_file(&path);
    /// let map = unsafe { npio::NpyMapMut::create::<u8, _>(&path, &[1], npio::npy::Order::C) }.unwrap();
    /// map.flush().unwrap();
    /// ```
    pub fn flush(&self) -> Result<()> {
        Ok(self.map.flush()?)
    }
}

/// The memory maps of `.npy` files with options.
impl ReadOptions {
    /// [`NpyMap::open`] with these options.
    ///
    /// # Safety
    ///
    /// As for [`NpyMap::open`].
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("map-with.npy");
    /// npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
    /// let opts = npio::ReadOptions::new().max_header_size(64);
    /// // SAFETY: nothing modifies the file while it is mapped.
    /// assert!(unsafe { opts.map_npy(&path) }.is_err()); // the header is 118 bytes
    /// ```
    pub unsafe fn map_npy<P: AsRef<Path>>(&self, path: P) -> Result<NpyMap> {
        let path = path.as_ref();
        crate::error::with_path(path, || {
            let file = File::open(path)?;
            // SAFETY: the caller guarantees the file is not changed while mapped (this
            // function's contract, which is memmap2's).
            let map = unsafe { Mmap::map(&file)? };
            let info = read_header(&mut &map[..], self)?;
            let allow_trailing = self.get_allow_trailing_data();
            data_range(&info, map.len(), allow_trailing)?;
            Ok(NpyMap {
                map,
                info,
                allow_trailing,
                path: path.to_path_buf(),
            })
        })
    }

    /// [`NpyMapMut::open`] with these options.
    ///
    /// # Safety
    ///
    /// As for [`NpyMapMut::open`].
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("map-mut-with.npy");
    /// npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap();
    /// let opts = npio::ReadOptions::new().max_header_size(64);
    /// // SAFETY: nothing else touches the file while it is mapped.
    /// assert!(unsafe { opts.map_npy_mut(&path) }.is_err());
    /// ```
    pub unsafe fn map_npy_mut<P: AsRef<Path>>(&self, path: P) -> Result<NpyMapMut> {
        let path = path.as_ref();
        crate::error::with_path(path, || {
            let file = OpenOptions::new().read(true).write(true).open(path)?;
            // SAFETY: forwarded to the caller (memmap2's contract).
            let map = unsafe { MmapMut::map_mut(&file)? };
            let info = read_header(&mut &map[..], self)?;
            let allow_trailing = self.get_allow_trailing_data();
            data_range(&info, map.len(), allow_trailing)?;
            Ok(NpyMapMut {
                map,
                info,
                allow_trailing,
                path: path.to_path_buf(),
            })
        })
    }
}
