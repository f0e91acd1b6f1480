//! Writing `.npy` data byte for byte as `np.save` does.
//!
//! The header matches NumPy's exactly (key order, `repr` quoting, growth-axis padding, 64-byte
//! alignment, automatic format version). Contiguous data goes out in one `write_all`; data
//! that must be converted (byte order, memory order, non-contiguous views) goes through a
//! small reused buffer, never one I/O call per element.
//!
//! ```
//! use npio::dtype::Endian;
//! use npio::npy::Order;
//! use npio::{DynArray, WriteOptions};
//! let a = ndarray::arr2(&[[1u16, 2], [3, 4]]);
//! let out = WriteOptions::new().endian(Endian::Big).order(Order::Fortran).to_bytes(&a).unwrap();
//! let back: DynArray = npio::from_bytes(&out).unwrap();
//! assert_eq!(back.dtype().descr_repr(), "'>u2'");
//! assert!(back.is_fortran_order());
//! assert_eq!(back.into_array::<u16, ndarray::Ix2>().unwrap(), a);
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use ndarray::{ArrayBase, ArrayViewD, Data, Dimension};

use super::array::DynArray;
use crate::codec::swap::{apply_swaps, swap_plan};
use crate::codec::{for_each_typed, numpy_fortran_order, ArrayData, Element, RawArray};
use crate::dtype::{DType, Endian};
use crate::error::{with_path, Result};
use crate::format::Version;
use crate::header::{fortran_flag, Header};

/// Memory order of the written data.
///
/// ```
/// assert_ne!(npio::npy::Order::C, npio::npy::Order::Fortran);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Row-major (`fortran_order: False`).
    C,
    /// Column-major (`fortran_order: True`).
    Fortran,
}

/// Options for writing: byte order, memory order, format version. The default writes what
/// `np.save` writes. Set them with the builder methods, then end in the operation; every
/// writing route has one here:
///
/// | Without options | With options |
/// |---|---|
/// | [`write_npy(path, &a)`](crate::write_npy) | [`WriteOptions::write_npy`] |
/// | [`to_bytes(&a)`](crate::to_bytes) | [`WriteOptions::to_bytes`] |
/// | [`a.write_npy(writer)`](crate::WriteNpy::write_npy) | [`WriteOptions::write`] |
/// | [`NpyRowWriter::new(writer, row_shape)`](crate::NpyRowWriter::new) | [`WriteOptions::row_writer`] |
/// | `NpzWriter::add(name, &a)` | `WriteOptions::add_to` (feature `npz`) |
///
/// ```
/// use npio::{dtype::Endian, npy::Version};
/// let opts = npio::WriteOptions::new().endian(Endian::Big).version(Version::V2_0);
/// let bytes = opts.to_bytes(&ndarray::arr1(&[1u16])).unwrap();
/// assert_eq!((&bytes[6..8], &bytes[128..]), (&[2u8, 0][..], &[0u8, 1][..]));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct WriteOptions {
    endian: Option<Endian>,
    order: Option<Order>,
    version: Option<Version>,
}

impl WriteOptions {
    /// The default options: what `np.save` writes (the same as `WriteOptions::default()`).
    ///
    /// ```
    /// assert_eq!(npio::WriteOptions::new(), npio::WriteOptions::default());
    /// ```
    pub fn new() -> Self {
        Self::default()
    }

    /// Writes the data in this byte order (default: native for typed arrays, the dtype's own
    /// for dynamic arrays).
    ///
    /// ```
    /// let big = npio::WriteOptions::new().endian(npio::dtype::Endian::Big);
    /// let bytes = big.to_bytes(&ndarray::arr1(&[1u32])).unwrap();
    /// assert_eq!(&bytes[128..], &[0, 0, 0, 1]);
    /// ```
    pub fn endian(mut self, endian: Endian) -> Self {
        self.endian = Some(endian);
        self
    }

    /// Writes the data in this memory order (default: NumPy's rule, Fortran only for arrays
    /// that are Fortran-contiguous and not C-contiguous).
    ///
    /// ```
    /// let fortran = npio::WriteOptions::new().order(npio::npy::Order::Fortran);
    /// let v = fortran.to_bytes(&ndarray::arr2(&[[1u8, 2], [3, 4]])).unwrap();
    /// assert_eq!(&v[128..], &[1, 3, 2, 4]);
    /// ```
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    /// Forces a format version (default: NumPy's choice, the oldest that can hold the header).
    ///
    /// ```
    /// let v2 = npio::WriteOptions::new().version(npio::npy::Version::V2_0);
    /// let v = v2.to_bytes(&ndarray::arr1(&[1u8])).unwrap();
    /// assert_eq!(&v[6..8], &[2, 0]);
    /// ```
    pub fn version(mut self, version: Version) -> Self {
        self.version = Some(version);
        self
    }

    /// The memory order asked for, if any.
    pub(crate) fn get_order(&self) -> Option<Order> {
        self.order
    }

    /// The byte order asked for, native when none was.
    pub(crate) fn endian_or_native(&self) -> Endian {
        self.endian.unwrap_or(Endian::NATIVE)
    }

    pub(crate) fn header_bytes(&self, header: &Header) -> Result<Vec<u8>> {
        match self.version {
            Some(v) => header.to_bytes_with_version(v),
            None => header.to_bytes(),
        }
    }

    fn fortran(&self, default: bool) -> bool {
        match self.order {
            Some(Order::Fortran) => true,
            Some(Order::C) => false,
            None => default,
        }
    }
}

/// The header written for a typed array.
fn typed_header<T: Element>(
    view: &ArrayViewD<'_, T>,
    dtype: DType,
    options: &WriteOptions,
) -> Header {
    let fortran = fortran_flag(options.fortran(numpy_fortran_order(view)), view.shape());
    Header::new(dtype, view.shape().to_vec(), fortran)
}

/// The header written for a dynamic array.
fn dyn_header(array: &DynArray, options: &WriteOptions) -> Header {
    let dtype = match options.endian {
        Some(e) => array.dtype().with_endian(e),
        None => array.dtype().clone(),
    };
    let fortran = fortran_flag(options.fortran(array.is_fortran_order()), array.shape());
    Header::new(dtype, array.shape().to_vec(), fortran)
}

/// The header a conversion with `options` gives a `.npy` stream with header `source`: the
/// same array in the chosen byte order and memory order.
pub(crate) fn converted_header(source: &Header, options: &WriteOptions) -> Header {
    let dtype = match options.endian {
        Some(e) => source.dtype.with_endian(e),
        None => source.dtype.clone(),
    };
    let fortran = fortran_flag(options.fortran(source.fortran_order), &source.shape);
    Header::new(dtype, source.shape.clone(), fortran)
}

/// The exact size of the `.npy` stream for `header`: prefix plus data.
pub(crate) fn encoded_len(header: &Header, options: &WriteOptions) -> Result<u64> {
    Ok(options.header_bytes(header)?.len() as u64 + header.data_len()? as u64)
}

/// Writes typed data with the given dtype (whose byte order is the one written).
fn write_typed<T: Element, W: Write + ?Sized>(
    writer: &mut W,
    view: ArrayViewD<'_, T>,
    dtype: DType,
    options: &WriteOptions,
) -> Result<()> {
    let plan = T::write_plan(&dtype)?;
    let header = typed_header(&view, dtype, options);
    let fortran = header.fortran_order;
    header.data_len()?;
    writer.write_all(&options.header_bytes(&header)?)?;
    let ordered = if fortran { view.reversed_axes() } else { view };
    match ordered.as_slice() {
        Some(contiguous) => T::write_slice(writer, contiguous, &plan)?,
        // 0-d arrays are always contiguous, so there is at least one axis here. Rows are
        // 1-D views: iterating them is fast, unlike element-wise IxDyn iteration.
        None => T::write_rows(writer, ordered.rows().into_iter(), &plan)?,
    }
    Ok(())
}

/// Writes a dynamic array's data (its header first), in its dtype's byte order unless the
/// options say otherwise.
pub(crate) fn write_dyn<W: Write + ?Sized>(
    writer: &mut W,
    array: &DynArray,
    options: &WriteOptions,
) -> Result<()> {
    let header = dyn_header(array, options);
    match array.data() {
        ArrayData::Raw(raw) => write_raw(writer, raw, array.dtype(), header, options),
        data => {
            for_each_typed!(data, a => write_typed(writer, a.view(), header.dtype, options), raw _r => unreachable!())
        }
    }
}

/// Writes raw element bytes, converting memory order and byte order as asked.
fn write_raw<W: Write + ?Sized>(
    writer: &mut W,
    raw: &RawArray,
    from: &DType,
    header: Header,
    options: &WriteOptions,
) -> Result<()> {
    let fortran = header.fortran_order;
    writer.write_all(&options.header_bytes(&header)?)?;
    let to = header.dtype;
    let bytes = raw.bytes_in_order(fortran);
    let swaps = swap_plan(from, &to);
    let itemsize = raw.itemsize();
    if swaps.is_empty() || itemsize == 0 {
        writer.write_all(&bytes)?;
        return Ok(());
    }
    let items_per_chunk = ((1 << 16) / itemsize).max(1);
    // Sized by the data at hand, never by the item size alone (an empty array may claim huge items).
    let mut buf = Vec::with_capacity((items_per_chunk * itemsize).min(bytes.len()));
    for chunk in bytes.chunks(items_per_chunk * itemsize) {
        buf.clear();
        buf.extend_from_slice(chunk);
        apply_swaps(&mut buf, itemsize, &swaps);
        writer.write_all(&buf)?;
    }
    Ok(())
}

/// What can be written as a `.npy` array: any `ndarray` array of an [`Element`] type (owned,
/// view or shared, any dimension, any memory layout) and a [`DynArray`].
///
/// The method writes to any [`Write`] (pass `&mut writer` to keep using it); the free
/// functions [`crate::write_npy`] and [`crate::to_bytes`] write to a path or to bytes; with
/// options, [`WriteOptions::write`]. Users of `ndarray-npy` know this as `WriteNpyExt`.
///
/// ```
/// use npio::WriteNpy;
/// let a = ndarray::arr2(&[[1.0f32, 2.0], [3.0, 4.0]]);
/// let mut out = Vec::new();
/// a.write_npy(&mut out).unwrap();
/// assert_eq!(out, npio::to_bytes(&a).unwrap());
/// ```
pub trait WriteNpy: sealed::ToNpy {
    /// Writes the array as a `.npy` stream, exactly what `np.save` writes.
    ///
    /// ```
    /// use npio::WriteNpy;
    /// let mut out = Vec::new();
    /// ndarray::arr1(&[0.0f64, 1.0, 2.0]).write_npy(&mut out).unwrap();
    /// assert_eq!(out.len(), 128 + 24);
    /// ```
    fn write_npy<W: Write>(&self, mut writer: W) -> Result<()> {
        self.write_to(&mut writer, &WriteOptions::default())
    }
}

pub(crate) mod sealed {
    use super::*;

    /// The crate-private half of [`WriteNpy`](super::WriteNpy).
    pub trait ToNpy {
        /// The header written for this array with `options`.
        fn npy_header(&self, options: &WriteOptions) -> Header;

        /// Writes the whole `.npy` stream.
        fn write_to<W: Write + ?Sized>(&self, writer: &mut W, options: &WriteOptions)
            -> Result<()>;

        /// The exact size of the stream [`ToNpy::write_to`] writes.
        fn npy_len(&self, options: &WriteOptions) -> Result<u64> {
            encoded_len(&self.npy_header(options), options)
        }
    }

    impl<T, S, D> ToNpy for ArrayBase<S, D>
    where
        T: Element,
        S: Data<Elem = T>,
        D: Dimension,
    {
        fn npy_header(&self, options: &WriteOptions) -> Header {
            let dtype = T::dtype(options.endian.unwrap_or(Endian::NATIVE));
            typed_header(&self.view().into_dyn(), dtype, options)
        }

        fn write_to<W: Write + ?Sized>(
            &self,
            writer: &mut W,
            options: &WriteOptions,
        ) -> Result<()> {
            let endian = options.endian.unwrap_or(Endian::NATIVE);
            write_typed(writer, self.view().into_dyn(), T::dtype(endian), options)
        }
    }

    impl ToNpy for DynArray {
        fn npy_header(&self, options: &WriteOptions) -> Header {
            dyn_header(self, options)
        }

        fn write_to<W: Write + ?Sized>(
            &self,
            writer: &mut W,
            options: &WriteOptions,
        ) -> Result<()> {
            write_dyn(writer, self, options)
        }
    }
}

impl<T, S, D> WriteNpy for ArrayBase<S, D>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
}

impl WriteNpy for DynArray {}

/// Creates (or truncates) a `.npy` file holding `array`, as `np.save` would write it: a typed
/// `ndarray` array or a [`DynArray`]. With options: [`WriteOptions::write_npy`].
///
/// Like `np.save`, this leaves the data to the operating system's cache and does not wait for
/// the disk (no `fsync`); write with [`WriteNpy::write_npy`] to a `File` and call
/// [`File::sync_all`] when the data must survive a power cut.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("write-npy.npy");
/// npio::write_npy(&path, &ndarray::arr1(&[1i64, 2])).unwrap();
/// assert_eq!(std::fs::metadata(&path).unwrap().len(), 128 + 16);
/// ```
pub fn write_npy<A: WriteNpy + ?Sized, P: AsRef<Path>>(path: P, array: &A) -> Result<()> {
    WriteOptions::new().write_npy(path, array)
}

/// The bytes of a `.npy` file holding `array` (typed or [`DynArray`]). With options:
/// [`WriteOptions::to_bytes`].
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2])).unwrap();
/// assert_eq!(bytes.len(), 130);
/// ```
pub fn to_bytes<A: WriteNpy + ?Sized>(array: &A) -> Result<Vec<u8>> {
    WriteOptions::new().to_bytes(array)
}

/// The `.npy` writing operations with options.
impl WriteOptions {
    /// [`write_npy`] with these options.
    ///
    /// ```
    /// # let tmp = tempfile::tempdir().unwrap();
    /// # let path = tmp.path().join("write-npy-with.npy");
    /// let opts = npio::WriteOptions::new().endian(npio::dtype::Endian::Big);
    /// opts.write_npy(&path, &ndarray::arr1(&[1u16])).unwrap();
    /// assert_eq!(&std::fs::read(&path).unwrap()[128..], &[0, 1]);
    /// ```
    pub fn write_npy<A: WriteNpy + ?Sized, P: AsRef<Path>>(
        &self,
        path: P,
        array: &A,
    ) -> Result<()> {
        let path = path.as_ref();
        with_path(path, || {
            let file = File::create(path)?;
            if let Ok(len) = array.npy_len(self) {
                crate::io::reserve(&file, 0, len);
            }
            let mut out = BufWriter::new(file);
            array.write_to(&mut out, self)?;
            out.flush()?;
            Ok(())
        })
    }

    /// [`to_bytes`] with these options.
    ///
    /// ```
    /// let opts = npio::WriteOptions::new().order(npio::npy::Order::Fortran);
    /// let bytes = opts.to_bytes(&ndarray::arr2(&[[1u8, 2], [3, 4]])).unwrap();
    /// assert_eq!(&bytes[128..], &[1, 3, 2, 4]);
    /// ```
    pub fn to_bytes<A: WriteNpy + ?Sized>(&self, array: &A) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(usize::try_from(array.npy_len(self)?).unwrap_or(0));
        array.write_to(&mut out, self)?;
        Ok(out)
    }

    /// [`WriteNpy::write_npy`] with these options: writes to any [`Write`].
    ///
    /// ```
    /// let a = ndarray::arr1(&[1.0f32]);
    /// let mut big = Vec::new();
    /// npio::WriteOptions::new().endian(npio::dtype::Endian::Big).write(&mut big, &a).unwrap();
    /// assert_eq!(&big[128..132], &1.0f32.to_be_bytes());
    /// ```
    pub fn write<A: WriteNpy + ?Sized, W: Write>(&self, mut writer: W, array: &A) -> Result<()> {
        array.write_to(&mut writer, self)
    }
}
