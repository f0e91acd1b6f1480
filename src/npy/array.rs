//! The dynamic array value: an array read without knowing its element type.
//!
//! Numeric types (bool, integers, floats including f16, complex, datetime64/timedelta64)
//! become typed `ndarray` arrays in native byte order. Everything else (bytes `S`, unicode
//! `U`, void `V`, records, long doubles) keeps the exact element bytes in a [`RawArray`],
//! with accessors that decode strings and extract record fields.
//!
//! ```
//! use npio::{npy::ArrayData, DynArray};
//! let a = DynArray::from_array(ndarray::arr1(&[1.0f64, 2.0]));
//! let bytes = npio::to_bytes(&a).unwrap();
//! let back = npio::from_bytes::<npio::DynArray>(&bytes).unwrap();
//! match back.data() {
//!     ArrayData::Float64(x) => assert_eq!(x.sum(), 3.0),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

use ndarray::{Array, ArrayBase, ArrayD, Data, Dimension};

use crate::codec::{for_each_typed, numpy_fortran_order, ArrayData, Element, RawArray};
use crate::dtype::{DType, Endian, Scalar, ScalarKind};
use crate::error::{Error, Result};

/// An array of any dtype, read without knowing its type.
///
/// ```
/// let bytes = npio::to_bytes(&npio::DynArray::from_strings(&ndarray::arr1(&["hi", "there"]))).unwrap();
/// let a = npio::from_bytes::<npio::DynArray>(&bytes).unwrap();
/// assert_eq!(a.dtype().descr_repr(), "'<U5'");
/// assert_eq!(a.to_strings().unwrap()[1], "there");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DynArray {
    pub(crate) dtype: DType,
    pub(crate) data: ArrayData,
}

impl<T: Element, D: Dimension> From<Array<T, D>> for DynArray {
    fn from(array: Array<T, D>) -> DynArray {
        DynArray::from_array(array)
    }
}

impl DynArray {
    /// Combines a dtype and values. Typed variants need a matching scalar dtype (any byte
    /// order: it is the order the data is written back in); `Raw` needs a matching item size.
    ///
    /// ```
    /// use npio::{npy::ArrayData, DType, DynArray};
    /// let values = ArrayData::Int64(ndarray::arr1(&[1i64, 2]).into_dyn());
    /// let dates = DynArray::new(DType::parse("<M8[D]").unwrap(), values.clone());
    /// assert!(dates.is_err()); // datetimes go in ArrayData::DateTime64
    /// assert!(DynArray::new(DType::parse(">i8").unwrap(), values).is_ok());
    /// ```
    pub fn new(dtype: DType, data: ArrayData) -> Result<DynArray> {
        let ok = data.fits(&dtype);
        if !ok {
            return Err(Error::ValuesMismatch { dtype });
        }
        dtype.check_no_object()?;
        Ok(DynArray { dtype, data })
    }

    /// Wraps a typed array, with its native-byte-order dtype.
    ///
    /// ```
    /// let a = npio::DynArray::from_array(ndarray::arr2(&[[1u8, 2]]));
    /// assert_eq!(a.shape(), &[1, 2]);
    /// assert_eq!(a.dtype().descr_repr(), "'|u1'");
    /// ```
    pub fn from_array<T: Element, D: Dimension>(array: Array<T, D>) -> DynArray {
        DynArray {
            dtype: T::dtype(Endian::NATIVE),
            data: T::into_data(array.into_dyn()),
        }
    }

    /// A `U` (unicode) array from strings; the width is the longest string (at least 1), as
    /// `np.array(list_of_str)` chooses.
    ///
    /// ```
    /// let a = npio::DynArray::from_strings(&ndarray::arr1(&["a", "héllo"]));
    /// assert_eq!(a.dtype().descr_repr(), "'<U5'");
    /// ```
    pub fn from_strings<S: AsRef<str>, A: Data<Elem = S>, D: Dimension>(
        strings: &ArrayBase<A, D>,
    ) -> DynArray {
        let width = strings
            .iter()
            .map(|s| s.as_ref().chars().count())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut bytes = Vec::with_capacity(strings.len() * width * 4);
        for s in strings.iter() {
            let mut n = 0;
            for c in s.as_ref().chars() {
                bytes.extend_from_slice(&u32::from(c).to_ne_bytes());
                n += 1;
            }
            bytes.extend(std::iter::repeat_n(0u8, (width - n) * 4));
        }
        let dtype = DType::Scalar(
            Scalar::new(ScalarKind::Unicode, Endian::NATIVE, width * 4).expect("valid U dtype"),
        );
        let raw = RawArray::new(strings.shape().to_vec(), false, bytes, width * 4)
            .expect("sizes computed above");
        DynArray {
            dtype,
            data: ArrayData::Raw(raw),
        }
    }

    /// An `S` (bytes) array; the width is the longest value (at least 1).
    ///
    /// ```
    /// let a = npio::DynArray::from_byte_strings(&ndarray::arr1(&[&b"ab"[..], b"c"]));
    /// assert_eq!(a.dtype().descr_repr(), "'|S2'");
    /// ```
    pub fn from_byte_strings<S: AsRef<[u8]>, A: Data<Elem = S>, D: Dimension>(
        values: &ArrayBase<A, D>,
    ) -> DynArray {
        let width = values
            .iter()
            .map(|s| s.as_ref().len())
            .max()
            .unwrap_or(0)
            .max(1);
        let mut bytes = Vec::with_capacity(values.len() * width);
        for s in values.iter() {
            bytes.extend_from_slice(s.as_ref());
            bytes.extend(std::iter::repeat_n(0u8, width - s.as_ref().len()));
        }
        let dtype = DType::Scalar(
            Scalar::new(ScalarKind::Bytes, Endian::NotApplicable, width).expect("valid S dtype"),
        );
        let raw = RawArray::new(values.shape().to_vec(), false, bytes, width)
            .expect("sizes computed above");
        DynArray {
            dtype,
            data: ArrayData::Raw(raw),
        }
    }

    /// The dtype (what the array is written back as).
    ///
    /// ```
    /// assert_eq!(npio::DynArray::from_array(ndarray::arr1(&[1.0f32])).dtype().itemsize(), 4);
    /// ```
    pub fn dtype(&self) -> &DType {
        &self.dtype
    }

    /// The values.
    ///
    /// ```
    /// # let a = npio::DynArray::from_array(ndarray::arr1(&[true]));
    /// assert!(matches!(a.data(), npio::npy::ArrayData::Bool(_)));
    /// ```
    pub fn data(&self) -> &ArrayData {
        &self.data
    }

    /// Takes the values.
    ///
    /// ```
    /// # let a = npio::DynArray::from_array(ndarray::arr1(&[true]));
    /// let data = a.into_data();
    /// # let _ = data;
    /// ```
    pub fn into_data(self) -> ArrayData {
        self.data
    }

    /// The shape.
    ///
    /// ```
    /// # let a = npio::DynArray::from_array(ndarray::Array3::<u8>::zeros((1, 2, 3)));
    /// assert_eq!(a.shape(), &[1, 2, 3]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        for_each_typed!(&self.data, a => a.shape(), raw r => r.shape())
    }

    /// True when `np.save` would write this array in Fortran order.
    ///
    /// ```
    /// use ndarray::ShapeBuilder;
    /// let f = ndarray::Array2::<f64>::zeros((2, 3).f());
    /// assert!(npio::DynArray::from_array(f).is_fortran_order());
    /// ```
    pub fn is_fortran_order(&self) -> bool {
        for_each_typed!(&self.data, a => numpy_fortran_order(a), raw r => r.fortran_order)
    }

    /// The number of elements.
    ///
    /// ```
    /// # let a = npio::DynArray::from_array(ndarray::Array2::<u8>::zeros((2, 3)));
    /// assert_eq!(a.len(), 6);
    /// ```
    pub fn len(&self) -> usize {
        self.shape().iter().product()
    }

    /// True when there are no elements.
    ///
    /// ```
    /// # let a = npio::DynArray::from_array(ndarray::Array1::<u8>::zeros(0));
    /// assert!(a.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The values as `ArrayD<T>` if they are of type `T` (datetimes and timedeltas are `i64`),
    /// or says what the array holds ([`Error::DTypeMismatch`]), as
    /// [`DynArray::into_array`] and [`DynArray::field_array`] do.
    ///
    /// ```
    /// let a = npio::DynArray::from_array(ndarray::arr1(&[1u32]));
    /// assert!(a.as_array::<u32>().is_ok());
    /// let err = a.as_array::<i32>().unwrap_err();
    /// assert!(matches!(err, npio::Error::DTypeMismatch { .. }));
    /// ```
    pub fn as_array<T: Element>(&self) -> Result<&ArrayD<T>> {
        T::data_ref(&self.data).ok_or_else(|| Error::DTypeMismatch {
            found: self.dtype.clone(),
            requested: T::NAME.to_string(),
        })
    }

    /// Converts into a typed array of dimension `D`, or says what the array holds.
    ///
    /// ```
    /// let a = npio::DynArray::from_array(ndarray::arr1(&[1u32]));
    /// let typed: ndarray::Array1<u32> = a.clone().into_array().unwrap();
    /// assert!(a.into_array::<f32, ndarray::Ix1>().is_err());
    /// ```
    pub fn into_array<T: Element, D: Dimension>(self) -> Result<Array<T, D>> {
        let found = self.dtype;
        let array = T::data_into(self.data, &found)?;
        let shape: Vec<u64> = array.shape().iter().map(|&d| d as u64).collect();
        let ndim = array.ndim();
        array
            .into_dimensionality::<D>()
            .map_err(|_| Error::DimensionMismatch {
                expected: D::NDIM.unwrap_or(0),
                found: ndim,
                shape,
            })
    }

    pub(crate) fn raw(&self, what: &str) -> Result<&RawArray> {
        match &self.data {
            ArrayData::Raw(r) => Ok(r),
            _ => Err(Error::DTypeMismatch {
                found: self.dtype.clone(),
                requested: what.to_string(),
            }),
        }
    }
}
