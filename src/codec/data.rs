//! The typed storage behind a dynamic array: one `ndarray` per element type, or exact
//! element bytes ([`RawArray`]) for everything without a Rust type.

use std::borrow::Cow;

use ndarray::{ArrayBase, ArrayD, ArrayView, Data, Dimension, IxDyn, ShapeBuilder};

use super::table::element_table;
use crate::dtype::{DType, ScalarKind};
use crate::error::{Error, Result};
use crate::header::{fortran_flag, Header};

macro_rules! array_data {
    (() $(
        [$impl:ident] $ty:ty, $name:literal => $v:ident($kind:ident, $size:literal, swap $swap:literal)
        $( + $av:ident($akind:pat) $adoc:literal )*;
    )*) => {
        /// The values of a [`DynArray`](crate::DynArray): one variant per NumPy type with a
        /// Rust type (the table in `codec/table.rs`), and exact bytes for the rest.
        ///
        /// Typed variants hold native-byte-order values; the [`DynArray`](crate::DynArray)'s
        /// dtype remembers the byte order (and datetime unit) the data is written back with.
        ///
        /// ```
        /// let a = npio::DynArray::from_array(ndarray::arr1(&[1i32]));
        /// assert!(matches!(a.data(), npio::npy::ArrayData::Int32(_)));
        /// ```
        #[derive(Debug, Clone, PartialEq)]
        #[non_exhaustive]
        pub enum ArrayData {
            $(
                #[doc = concat!("`", $name, "` values.")]
                $v(ArrayD<$ty>),
                $( #[doc = $adoc] $av(ArrayD<$ty>), )*
            )*
            /// Element bytes exactly as stored, in the dtype's own byte order: `S`, `U`, `V`,
            /// records, long doubles.
            Raw(RawArray),
        }

        impl ArrayData {
            /// Whether these values can be the data of an array of `dtype` (typed values: its
            /// kind and size, in either byte order; raw bytes: its item size).
            pub(crate) fn fits(&self, dtype: &DType) -> bool {
                let scalar = dtype.as_scalar().map(|s| (s.kind(), s.size()));
                match self {
                    $(
                        ArrayData::$v(_) => matches!(scalar, Some((ScalarKind::$kind, $size))),
                        $( ArrayData::$av(_) => matches!(scalar, Some(($akind, $size))), )*
                    )*
                    ArrayData::Raw(r) => {
                        r.itemsize == dtype.itemsize() && !matches!(dtype, DType::SubArray(..))
                    }
                }
            }
        }
    };
}
element_table!(array_data);

/// The match over every variant of [`ArrayData`]: `$body` once per typed variant (with `$a`
/// the typed array), `$raw` for raw bytes.
macro_rules! for_each_typed {
    ($data:expr, $a:ident => $body:expr, raw $r:ident => $raw:expr) => {
        crate::codec::element_table!(crate::codec::for_each_typed_match; $data, $a => $body, raw $r => $raw)
    };
}

macro_rules! for_each_typed_match {
    (($data:expr, $a:ident => $body:expr, raw $r:ident => $raw:expr) $(
        [$impl:ident] $ty:ty, $name:literal => $v:ident($kind:ident, $size:literal, swap $swap:literal)
        $( + $av:ident($akind:pat) $adoc:literal )*;
    )*) => {
        match $data {
            $(
                $crate::codec::ArrayData::$v($a) => $body,
                $( $crate::codec::ArrayData::$av($a) => $body, )*
            )*
            $crate::codec::ArrayData::Raw($r) => $raw,
        }
    };
}
pub(crate) use for_each_typed;
pub(crate) use for_each_typed_match;

/// Whether a typed array would be saved in Fortran order by NumPy's rule: F-contiguous and
/// not C-contiguous.
pub(crate) fn numpy_fortran_order<S: Data, D: Dimension>(a: &ArrayBase<S, D>) -> bool {
    !a.is_standard_layout() && a.t().is_standard_layout()
}

/// Fixed-size elements kept as raw bytes, in C or Fortran memory order.
///
/// ```
/// let raw = npio::npy::RawArray::new(vec![2], false, b"abcd".to_vec(), 2).unwrap();
/// assert_eq!(raw.element(&[1]), Some(&b"cd"[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawArray {
    pub(crate) shape: Vec<usize>,
    pub(crate) fortran_order: bool,
    pub(crate) bytes: Vec<u8>,
    pub(crate) itemsize: usize,
}

impl RawArray {
    /// Wraps element bytes; `bytes.len()` must be the element count times `itemsize`.
    /// `fortran_order` is kept only where it matters (two or more axes longer than 1).
    ///
    /// ```
    /// assert!(npio::npy::RawArray::new(vec![3], false, vec![0; 5], 2).is_err());
    /// ```
    pub fn new(
        shape: Vec<usize>,
        fortran_order: bool,
        bytes: Vec<u8>,
        itemsize: usize,
    ) -> Result<RawArray> {
        let expected = shape
            .iter()
            .try_fold(itemsize, |acc, &d| acc.checked_mul(d))
            .ok_or_else(|| Error::SizeOverflow {
                shape: shape.iter().map(|&d| d as u64).collect(),
                itemsize: itemsize as u64,
            })?;
        if bytes.len() != expected {
            return Err(Error::DataLength {
                expected: expected as u64,
                found: bytes.len() as u64,
            });
        }
        // Order only matters with two or more axes longer than 1 (NumPy's rule for saving).
        let fortran_order = fortran_flag(fortran_order, &shape);
        Ok(RawArray {
            shape,
            fortran_order,
            bytes,
            itemsize,
        })
    }

    /// The shape.
    ///
    /// ```
    /// # let raw = npio::npy::RawArray::new(vec![2, 1], false, vec![0; 2], 1).unwrap();
    /// assert_eq!(raw.shape(), &[2, 1]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// True when the bytes are in Fortran (column-major) element order.
    ///
    /// ```
    /// # let raw = npio::npy::RawArray::new(vec![2, 2], true, vec![0; 4], 1).unwrap();
    /// assert!(raw.is_fortran_order());
    /// assert!(!npio::npy::RawArray::new(vec![2], true, vec![0; 2], 1).unwrap().is_fortran_order());
    /// ```
    pub fn is_fortran_order(&self) -> bool {
        self.fortran_order
    }

    /// All element bytes in memory order.
    ///
    /// ```
    /// # let raw = npio::npy::RawArray::new(vec![2], false, vec![1, 2], 1).unwrap();
    /// assert_eq!(raw.bytes(), &[1, 2]);
    /// ```
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes the element bytes.
    ///
    /// ```
    /// # let raw = npio::npy::RawArray::new(vec![2], false, vec![1, 2], 1).unwrap();
    /// assert_eq!(raw.into_bytes(), vec![1, 2]);
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Bytes per element.
    ///
    /// ```
    /// # let raw = npio::npy::RawArray::new(vec![2], false, vec![0; 6], 3).unwrap();
    /// assert_eq!(raw.itemsize(), 3);
    /// ```
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// The number of elements.
    ///
    /// ```
    /// # let raw = npio::npy::RawArray::new(vec![2, 3], false, vec![0; 6], 1).unwrap();
    /// assert_eq!(raw.len(), 6);
    /// ```
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when there are no elements.
    ///
    /// ```
    /// # let raw = npio::npy::RawArray::new(vec![0], false, vec![], 4).unwrap();
    /// assert!(raw.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of the element at a logical index, or `None` when out of bounds.
    ///
    /// ```
    /// let raw = npio::npy::RawArray::new(vec![2, 2], true, b"acbd".to_vec(), 1).unwrap();
    /// assert_eq!(raw.element(&[0, 1]), Some(&b"b"[..]));
    /// ```
    pub fn element(&self, index: &[usize]) -> Option<&[u8]> {
        if index.len() != self.shape.len() || index.iter().zip(&self.shape).any(|(i, d)| i >= d) {
            return None;
        }
        let mut flat = 0usize;
        let mut stride = 1usize;
        let axes: Box<dyn Iterator<Item = usize>> = if self.fortran_order {
            Box::new(0..self.shape.len())
        } else {
            Box::new((0..self.shape.len()).rev())
        };
        for axis in axes {
            flat += index[axis] * stride;
            stride *= self.shape[axis];
        }
        let start = flat * self.itemsize;
        self.bytes.get(start..start + self.itemsize)
    }

    /// The element bytes in C order (`fortran_order = false`) or Fortran order.
    pub(crate) fn bytes_in_order(&self, fortran_order: bool) -> Cow<'_, [u8]> {
        let nontrivial = self.shape.iter().filter(|&&d| d > 1).count() > 1;
        if fortran_order == self.fortran_order || !nontrivial || self.bytes.is_empty() {
            return Cow::Borrowed(&self.bytes);
        }
        // View the bytes as an array with the item bytes as an extra innermost axis, laid out
        // as stored, then walk it in the wanted order.
        let n = self.shape.len();
        let mut dims = self.shape.clone();
        dims.push(self.itemsize);
        let mut strides = vec![0usize; n + 1];
        strides[n] = 1;
        let mut stride = self.itemsize;
        let axes: Vec<usize> = if self.fortran_order {
            (0..n).collect()
        } else {
            (0..n).rev().collect()
        };
        for axis in axes {
            strides[axis] = stride;
            stride *= self.shape[axis];
        }
        let view = ArrayView::from_shape(IxDyn(&dims).strides(IxDyn(&strides)), &self.bytes[..])
            .expect("strides describe exactly the stored bytes");
        let order: Vec<usize> = if fortran_order {
            (0..n).rev().chain(std::iter::once(n)).collect()
        } else {
            (0..=n).collect()
        };
        // The innermost axis is one item's bytes (stride 1): copy item by item as slices.
        let mut out = Vec::with_capacity(self.bytes.len());
        for item in view.permuted_axes(IxDyn(&order)).rows() {
            out.extend_from_slice(item.to_slice().expect("item bytes are contiguous"));
        }
        Cow::Owned(out)
    }
}

/// Puts file-order values into an array of the header's shape and memory order.
pub(crate) fn shape_vec<T>(header: &Header, values: Vec<T>) -> Result<ArrayD<T>> {
    let shape = IxDyn(&header.shape);
    let result = if header.fortran_order {
        ArrayD::from_shape_vec(shape.f(), values)
    } else {
        ArrayD::from_shape_vec(shape, values)
    };
    result.map_err(|source| Error::Shape {
        shape: header.shape.clone(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_reordering_matches_ndarray() {
        // 2x3 of 2-byte items, stored in C order.
        let c_bytes: Vec<u8> = (0..12).collect();
        let raw = RawArray::new(vec![2, 3], false, c_bytes.clone(), 2).unwrap();
        let f = raw.bytes_in_order(true).into_owned();
        // element (i, j) lives at C index i*3+j and F index j*2+i
        for i in 0..2 {
            for j in 0..3 {
                let c = (i * 3 + j) * 2;
                let fo = (j * 2 + i) * 2;
                assert_eq!(&f[fo..fo + 2], &c_bytes[c..c + 2]);
            }
        }
        let back = RawArray::new(vec![2, 3], true, f, 2).unwrap();
        assert_eq!(back.bytes_in_order(false).into_owned(), c_bytes);
        assert_eq!(back.element(&[1, 2]), raw.element(&[1, 2]));
    }

    #[test]
    fn empty_arrays_reorder_trivially() {
        // Found by proptest: an empty 2x2x0 array used to build an out-of-bounds view.
        let raw = RawArray::new(vec![2, 2, 0], false, vec![], 1).unwrap();
        assert!(raw.bytes_in_order(true).is_empty());
        let zero_size = RawArray::new(vec![2, 3], true, vec![], 0).unwrap();
        assert!(zero_size.bytes_in_order(false).is_empty());
    }
}
