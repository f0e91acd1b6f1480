//! Zero-copy views of `.npy` data you already have in memory.
//!
//! A view is possible when the data is in native byte order and aligned for the element type;
//! otherwise the error says why and points to the copying readers.
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

use ndarray::{ArrayView, ArrayViewMut, Dimension, IxDyn, ShapeBuilder};

use crate::codec::{CastError, Element};
use crate::error::{Error, Result};
use crate::header::{read_header, Header, HeaderInfo, ReadOptions};

pub(crate) fn not_viewable(reason: impl Into<String>) -> Error {
    Error::NotViewable {
        reason: reason.into(),
    }
}

/// Checks that `header`'s data can be seen as `T` with dimension `D` in place (`mutable`:
/// and written through).
fn check_viewable<T: Element, D: Dimension>(header: &Header, mutable: bool) -> Result<()> {
    let plan = T::read_plan(&header.dtype)?;
    if let Some(n) = D::NDIM {
        if n != header.shape.len() {
            return Err(dimension_error::<D>(header));
        }
    }
    T::zero_copy(&plan, mutable).map_err(|reason| {
        not_viewable(format!(
            "{} data can't be seen as {} in place: {reason}",
            header.dtype.descr_repr(),
            T::NAME
        ))
    })
}

fn view_shape(header: &Header) -> ndarray::StrideShape<IxDyn> {
    if header.fortran_order {
        IxDyn(&header.shape).f().into()
    } else {
        IxDyn(&header.shape).into()
    }
}

/// The data bytes of a `.npy` image: exactly `data_len` bytes after the header.
pub(crate) fn data_range(
    info: &HeaderInfo,
    total: usize,
    allow_trailing: bool,
) -> Result<std::ops::Range<usize>> {
    info.header.dtype.check_no_object()?;
    info.check_extent(total as u64, allow_trailing)?;
    let start = info.data_offset as usize;
    Ok(start..start + info.header.data_len()?)
}

fn cast_error<T: Element>(header: &Header, offset: u64, error: CastError) -> Error {
    match error {
        CastError::BadBool(at) => not_viewable(format!(
            "the bool byte at offset {} is neither 0 nor 1",
            offset + at as u64
        )),
        CastError::Misaligned => not_viewable(format!(
            "the data at offset {offset} is not aligned to {} bytes for {} ({})",
            std::mem::align_of::<T>(),
            T::NAME,
            header.dtype.descr_repr()
        )),
    }
}

/// Views the data of a whole `.npy` image (header and data) in place, without copying.
/// With options: [`ReadOptions::view_npy`].
///
/// Works when the dtype matches `T` in native byte order and the data is aligned for `T`
/// (files written by NumPy >= 1.14 and by npio put the data at a 64-byte offset, so an aligned
/// buffer gives aligned data). Bool data is checked to be 0/1, which reads it once.
///
/// ```
/// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2, 3])).unwrap();
/// let v: ndarray::ArrayView1<u8> = npio::view_npy(&bytes).unwrap();
/// assert_eq!(v.sum(), 6);
/// ```
pub fn view_npy<'a, T: Element, D: Dimension>(npy: &'a [u8]) -> Result<ArrayView<'a, T, D>> {
    ReadOptions::new().view_npy(npy)
}

/// Views the data of a whole `.npy` image mutably, in place: edits change the bytes. With
/// options: [`ReadOptions::view_npy_mut`].
///
/// ```
/// let mut bytes = npio::to_bytes(&ndarray::arr1(&[1u8, 2])).unwrap();
/// npio::view_npy_mut::<u8, ndarray::Ix1>(&mut bytes).unwrap()[0] = 9;
/// assert_eq!(npio::from_bytes::<ndarray::Array<u8, ndarray::Ix1>>(&bytes).unwrap()[0], 9);
/// ```
pub fn view_npy_mut<'a, T: Element, D: Dimension>(
    npy: &'a mut [u8],
) -> Result<ArrayViewMut<'a, T, D>> {
    ReadOptions::new().view_npy_mut(npy)
}

/// The in-place views with options.
impl ReadOptions {
    /// [`view_npy`] with these options.
    ///
    /// ```
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
    /// let opts = npio::ReadOptions::new().max_header_size(64);
    /// assert!(opts.view_npy::<u8, ndarray::Ix1>(&bytes).is_err());
    /// ```
    pub fn view_npy<'a, T: Element, D: Dimension>(
        &self,
        npy: &'a [u8],
    ) -> Result<ArrayView<'a, T, D>> {
        let info = read_header(&mut &npy[..], self)?;
        view_data(
            &info.header,
            &npy[data_range(&info, npy.len(), self.get_allow_trailing_data())?],
            info.data_offset,
        )
    }

    /// [`view_npy_mut`] with these options.
    ///
    /// ```
    /// let mut bytes = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
    /// bytes.push(0);
    /// let opts = npio::ReadOptions::new().allow_trailing_data(true);
    /// opts.view_npy_mut::<u8, ndarray::Ix1>(&mut bytes).unwrap()[0] = 5;
    /// ```
    pub fn view_npy_mut<'a, T: Element, D: Dimension>(
        &self,
        npy: &'a mut [u8],
    ) -> Result<ArrayViewMut<'a, T, D>> {
        let info = read_header(&mut &npy[..], self)?;
        let range = data_range(&info, npy.len(), self.get_allow_trailing_data())?;
        view_data_mut(&info.header, &mut npy[range], info.data_offset)
    }
}

/// Views the data bytes of an array with `header` (no header in `data`).
pub(crate) fn view_data<'a, T: Element, D: Dimension>(
    header: &Header,
    data: &'a [u8],
    offset: u64,
) -> Result<ArrayView<'a, T, D>> {
    check_viewable::<T, D>(header, false)?;
    let slice = T::cast_bytes(data).map_err(|e| cast_error::<T>(header, offset, e))?;
    let view = ArrayView::from_shape(view_shape(header), slice).map_err(|source| Error::Shape {
        shape: header.shape.clone(),
        source,
    })?;
    view.into_dimensionality::<D>()
        .map_err(|_| dimension_error::<D>(header))
}

pub(crate) fn view_data_mut<'a, T: Element, D: Dimension>(
    header: &Header,
    data: &'a mut [u8],
    offset: u64,
) -> Result<ArrayViewMut<'a, T, D>> {
    check_viewable::<T, D>(header, true)?;
    let slice = T::cast_bytes_mut(data).map_err(|e| cast_error::<T>(header, offset, e))?;
    let view =
        ArrayViewMut::from_shape(view_shape(header), slice).map_err(|source| Error::Shape {
            shape: header.shape.clone(),
            source,
        })?;
    view.into_dimensionality::<D>()
        .map_err(|_| dimension_error::<D>(header))
}

/// The error for a view of the wrong number of dimensions.
fn dimension_error<D: Dimension>(header: &Header) -> Error {
    Error::DimensionMismatch {
        expected: D::NDIM.unwrap_or(0),
        found: header.shape.len(),
        shape: header.shape.iter().map(|&d| d as u64).collect(),
    }
}
