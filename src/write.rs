//! Writing `.npy` data byte for byte as `np.save` does.
//!
//! The header matches NumPy's exactly (key order, `repr` quoting, growth-axis padding, 64-byte
//! alignment, automatic format version). Contiguous data goes out in one `write_all`; data
//! that must be converted (byte order, memory order, non-contiguous views) goes through a
//! small reused buffer, never one I/O call per element.
//!
//! ```
//! use npio::{Endian, Order, WriteOptions};
//! let a = ndarray::arr2(&[[1u16, 2], [3, 4]]);
//! let mut out = Vec::new();
//! npio::write_array(&mut out, &a, &WriteOptions::default().endian(Endian::Big).order(Order::Fortran)).unwrap();
//! let back = npio::from_bytes_dyn(&out).unwrap();
//! assert_eq!(back.dtype().descr(), "'>u2'");
//! assert!(back.is_fortran_order());
//! assert_eq!(back.into_array::<u16, ndarray::Ix2>().unwrap(), a);
//! ```

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use ndarray::{ArrayBase, ArrayViewD, Data, Dimension};

use crate::array::{for_each_typed, numpy_fortran_order, ArrayData, DynArray, RawArray};
use crate::dtype::{DType, Endian, SwapUnit};
use crate::element::Element;
use crate::error::{with_path, Result};
use crate::header::{Header, Version};

/// Memory order of the written data.
///
/// ```
/// assert_ne!(npio::Order::C, npio::Order::Fortran);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Order {
    /// Row-major (`fortran_order: False`).
    C,
    /// Column-major (`fortran_order: True`).
    Fortran,
}

/// Options for writing `.npy` data. The default writes what `np.save` writes.
///
/// ```
/// let opts = npio::WriteOptions::default().endian(npio::Endian::Big).version(npio::Version::V2_0);
/// # let _ = opts;
/// ```
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct WriteOptions {
    endian: Option<Endian>,
    order: Option<Order>,
    version: Option<Version>,
}

impl WriteOptions {
    /// Writes the data in this byte order (default: native for typed arrays, the dtype's own
    /// for dynamic arrays).
    ///
    /// ```
    /// let bytes = {
    ///     let mut v = Vec::new();
    ///     npio::write_array(&mut v, &ndarray::arr1(&[1u32]), &npio::WriteOptions::default().endian(npio::Endian::Big)).unwrap();
    ///     v
    /// };
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
    /// let mut v = Vec::new();
    /// npio::write_array(&mut v, &ndarray::arr2(&[[1u8, 2], [3, 4]]), &npio::WriteOptions::default().order(npio::Order::Fortran)).unwrap();
    /// assert_eq!(&v[128..], &[1, 3, 2, 4]);
    /// ```
    pub fn order(mut self, order: Order) -> Self {
        self.order = Some(order);
        self
    }

    /// Forces a format version (default: NumPy's choice, the oldest that can hold the header).
    ///
    /// ```
    /// let mut v = Vec::new();
    /// npio::write_array(&mut v, &ndarray::arr1(&[1u8]), &npio::WriteOptions::default().version(npio::Version::V2_0)).unwrap();
    /// assert_eq!(&v[6..8], &[2, 0]);
    /// ```
    pub fn version(mut self, version: Version) -> Self {
        self.version = Some(version);
        self
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

/// Writes a typed array as a `.npy` stream.
///
/// ```
/// let a = ndarray::arr1(&[0.0f64, 1.0, 2.0]);
/// let mut out = Vec::new();
/// npio::write_array(&mut out, &a, &npio::WriteOptions::default()).unwrap();
/// assert_eq!(out.len(), 128 + 24);
/// ```
pub fn write_array<T, S, D, W>(
    writer: &mut W,
    array: &ArrayBase<S, D>,
    options: &WriteOptions,
) -> Result<()>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
    W: Write + ?Sized,
{
    let endian = options.endian.unwrap_or(Endian::NATIVE);
    write_typed(writer, array.view().into_dyn(), T::dtype(endian), options)
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

/// NumPy writes `fortran_order: True` only for arrays that are Fortran-contiguous and not
/// C-contiguous: at least two axes longer than 1 and no empty axis.
pub(crate) fn fortran_flag(requested: bool, shape: &[usize]) -> bool {
    requested && !shape.contains(&0) && shape.iter().filter(|&&d| d > 1).count() >= 2
}

/// The exact size of the `.npy` stream for `header`: prefix plus data.
pub(crate) fn encoded_len(header: &Header, options: &WriteOptions) -> Result<u64> {
    Ok(options.header_bytes(header)?.len() as u64 + header.data_len()? as u64)
}

/// The size of the `.npy` stream [`write_array`] writes for `array`.
pub(crate) fn array_npy_len<T, S, D>(array: &ArrayBase<S, D>, options: &WriteOptions) -> Result<u64>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    let dtype = T::dtype(options.endian.unwrap_or(Endian::NATIVE));
    encoded_len(
        &typed_header(&array.view().into_dyn(), dtype, options),
        options,
    )
}

/// The size of the `.npy` stream [`write_dyn`] writes for `array`.
pub(crate) fn dyn_npy_len(array: &DynArray, options: &WriteOptions) -> Result<u64> {
    encoded_len(&dyn_header(array, options), options)
}

/// Writes typed data with the given dtype (whose byte order is the one written).
fn write_typed<T: Element, W: Write + ?Sized>(
    writer: &mut W,
    view: ArrayViewD<'_, T>,
    dtype: DType,
    options: &WriteOptions,
) -> Result<()> {
    let endian = match &dtype {
        DType::Scalar(s) => s.endian(),
        _ => Endian::NotApplicable,
    };
    let header = typed_header(&view, dtype, options);
    let fortran = header.fortran_order;
    header.data_len()?;
    writer.write_all(&options.header_bytes(&header)?)?;
    let ordered = if fortran { view.reversed_axes() } else { view };
    match ordered.as_slice() {
        Some(contiguous) => T::write_slice(writer, contiguous, endian)?,
        // 0-d arrays are always contiguous, so there is at least one axis here. Rows are
        // 1-D views: iterating them is fast, unlike element-wise IxDyn iteration.
        None => T::write_rows(writer, ordered.rows().into_iter(), endian)?,
    }
    Ok(())
}

/// Writes a dynamic array as a `.npy` stream, in its dtype's byte order unless the options
/// say otherwise.
///
/// ```
/// let a = npio::from_bytes_dyn(&npio::to_bytes(&ndarray::arr1(&[1i16])).unwrap()).unwrap();
/// let mut out = Vec::new();
/// npio::write_dyn(&mut out, &a, &npio::WriteOptions::default().endian(npio::Endian::Big)).unwrap();
/// assert_eq!(npio::from_bytes_dyn(&out).unwrap().dtype().descr(), "'>i2'");
/// ```
pub fn write_dyn<W: Write + ?Sized>(
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

/// The values inside one item that must be byte-reversed to turn data of dtype `from` into
/// data of dtype `to` (the same dtype in other byte orders).
pub(crate) fn swap_plan(from: &DType, to: &DType) -> Vec<SwapUnit> {
    from.swap_units()
        .into_iter()
        .zip(to.swap_units())
        .filter(|(a, b)| a.endian != b.endian)
        .map(|(a, _)| a)
        .collect()
}

/// Applies a [`swap_plan`] to every whole item in `buf`.
pub(crate) fn apply_swaps(buf: &mut [u8], itemsize: usize, swaps: &[SwapUnit]) {
    if swaps.is_empty() || itemsize == 0 {
        return;
    }
    for item in buf.chunks_exact_mut(itemsize) {
        for unit in swaps {
            unit.for_each_offset(|offset| item[offset..offset + unit.width].reverse());
        }
    }
}

/// Creates (or truncates) a `.npy` file holding `array`, as `np.save` would write it.
///
/// Like `np.save`, this leaves the data to the operating system's cache and does not wait for
/// the disk (no `fsync`); write through [`write_array`] to a `File` and call
/// [`File::sync_all`] when the data must survive a power cut.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("write-npy.npy");
/// npio::write_npy(&path, &ndarray::arr1(&[1i64, 2])).unwrap();
/// assert_eq!(std::fs::metadata(&path).unwrap().len(), 128 + 16);
/// ```
pub fn write_npy<T, S, D, P>(path: P, array: &ArrayBase<S, D>) -> Result<()>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
    P: AsRef<Path>,
{
    let path = path.as_ref();
    with_path(path, || {
        let mut out = BufWriter::new(File::create(path)?);
        write_array(&mut out, array, &WriteOptions::default())?;
        out.flush()?;
        Ok(())
    })
}

/// Creates (or truncates) a `.npy` file holding a dynamic array.
///
/// ```
/// # let tmp = tempfile::tempdir().unwrap();
/// # let path = tmp.path().join("write-npy-dyn.npy");
/// let a = npio::DynArray::from_strings(&ndarray::arr1(&["a"]));
/// npio::write_npy_dyn(&path, &a).unwrap();
/// assert_eq!(npio::read_npy_dyn(&path).unwrap(), a);
/// ```
pub fn write_npy_dyn<P: AsRef<Path>>(path: P, array: &DynArray) -> Result<()> {
    let path = path.as_ref();
    with_path(path, || {
        let mut out = BufWriter::new(File::create(path)?);
        write_dyn(&mut out, array, &WriteOptions::default())?;
        out.flush()?;
        Ok(())
    })
}

/// The bytes of a `.npy` file holding `array`.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr0(1u8)).unwrap();
/// assert_eq!(bytes.len(), 129);
/// ```
pub fn to_bytes<T, S, D>(array: &ArrayBase<S, D>) -> Result<Vec<u8>>
where
    T: Element,
    S: Data<Elem = T>,
    D: Dimension,
{
    let mut out = Vec::new();
    write_array(&mut out, array, &WriteOptions::default())?;
    Ok(out)
}

/// The bytes of a `.npy` file holding a dynamic array.
///
/// ```
/// let a = npio::DynArray::from_array(ndarray::arr1(&[1u8]));
/// assert_eq!(npio::to_bytes_dyn(&a).unwrap(), npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap());
/// ```
pub fn to_bytes_dyn(array: &DynArray) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    write_dyn(&mut out, array, &WriteOptions::default())?;
    Ok(out)
}
