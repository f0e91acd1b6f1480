//! The dynamic array value: an array read without knowing its element type.
//!
//! Numeric types (bool, integers, floats including f16, complex, datetime64/timedelta64)
//! become typed `ndarray` arrays in native byte order. Everything else (bytes `S`, unicode
//! `U`, void `V`, records, long doubles) keeps the exact element bytes in a [`RawArray`],
//! with accessors that decode strings and extract record fields.
//!
//! ```
//! use npio::{ArrayData, DynArray};
//! let a = DynArray::from_array(ndarray::arr1(&[1.0f64, 2.0]));
//! let bytes = npio::to_bytes_dyn(&a).unwrap();
//! let back = npio::from_bytes_dyn(&bytes).unwrap();
//! match back.data() {
//!     ArrayData::Float64(x) => assert_eq!(x.sum(), 3.0),
//!     other => panic!("unexpected {other:?}"),
//! }
//! ```

use std::borrow::Cow;

use byteorder::{BigEndian, ByteOrder, LittleEndian};
use half::f16;
use ndarray::{Array, ArrayBase, ArrayD, ArrayView, Data, Dimension, IxDyn, ShapeBuilder};
use num_complex::Complex;

use crate::dtype::{DType, Endian, Scalar, ScalarKind};
use crate::element::Element;
use crate::error::{Error, Result};
use crate::header::Header;

/// The values of a [`DynArray`].
///
/// Typed variants hold native-byte-order values; the [`DynArray`]'s dtype remembers the byte
/// order (and datetime unit) the data is written back with.
///
/// ```
/// let a = npio::DynArray::from_array(ndarray::arr1(&[1i32]));
/// assert!(matches!(a.data(), npio::ArrayData::Int32(_)));
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
#[allow(missing_docs)]
pub enum ArrayData {
    Bool(ArrayD<bool>),
    Int8(ArrayD<i8>),
    Int16(ArrayD<i16>),
    Int32(ArrayD<i32>),
    Int64(ArrayD<i64>),
    UInt8(ArrayD<u8>),
    UInt16(ArrayD<u16>),
    UInt32(ArrayD<u32>),
    UInt64(ArrayD<u64>),
    Float16(ArrayD<f16>),
    Float32(ArrayD<f32>),
    Float64(ArrayD<f64>),
    Complex64(ArrayD<Complex<f32>>),
    Complex128(ArrayD<Complex<f64>>),
    /// datetime64 values (the unit is in the dtype).
    DateTime64(ArrayD<i64>),
    /// timedelta64 values (the unit is in the dtype).
    TimeDelta64(ArrayD<i64>),
    /// Element bytes exactly as stored, in the dtype's own byte order: `S`, `U`, `V`, records,
    /// long doubles.
    Raw(RawArray),
}

macro_rules! for_each_typed {
    ($data:expr, $a:ident => $body:expr, raw $r:ident => $raw:expr) => {
        match $data {
            ArrayData::Bool($a) => $body,
            ArrayData::Int8($a) => $body,
            ArrayData::Int16($a) => $body,
            ArrayData::Int32($a) => $body,
            ArrayData::Int64($a) => $body,
            ArrayData::UInt8($a) => $body,
            ArrayData::UInt16($a) => $body,
            ArrayData::UInt32($a) => $body,
            ArrayData::UInt64($a) => $body,
            ArrayData::Float16($a) => $body,
            ArrayData::Float32($a) => $body,
            ArrayData::Float64($a) => $body,
            ArrayData::Complex64($a) => $body,
            ArrayData::Complex128($a) => $body,
            ArrayData::DateTime64($a) => $body,
            ArrayData::TimeDelta64($a) => $body,
            ArrayData::Raw($r) => $raw,
        }
    };
}
pub(crate) use for_each_typed;

/// Whether a typed array would be saved in Fortran order by NumPy's rule: F-contiguous and
/// not C-contiguous.
pub(crate) fn numpy_fortran_order<S: Data, D: Dimension>(a: &ArrayBase<S, D>) -> bool {
    !a.is_standard_layout() && a.t().is_standard_layout()
}

/// Fixed-size elements kept as raw bytes, in C or Fortran memory order.
///
/// ```
/// let raw = npio::RawArray::new(vec![2], false, b"abcd".to_vec(), 2).unwrap();
/// assert_eq!(raw.element(&[1]), Some(&b"cd"[..]));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawArray {
    shape: Vec<usize>,
    fortran_order: bool,
    bytes: Vec<u8>,
    itemsize: usize,
}

impl RawArray {
    /// Wraps element bytes; `bytes.len()` must be the element count times `itemsize`.
    /// `fortran_order` is kept only where it matters (two or more axes longer than 1).
    ///
    /// ```
    /// assert!(npio::RawArray::new(vec![3], false, vec![0; 5], 2).is_err());
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
            .ok_or_else(|| Error::InvalidArray(format!("shape {shape:?} overflows")))?;
        if bytes.len() != expected {
            return Err(Error::InvalidArray(format!(
                "{} bytes given for shape {shape:?} of {itemsize}-byte elements ({expected} needed)",
                bytes.len()
            )));
        }
        // Order only matters with two or more axes longer than 1 (NumPy's rule for saving).
        let fortran_order = crate::write::fortran_flag(fortran_order, &shape);
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
    /// # let raw = npio::RawArray::new(vec![2, 1], false, vec![0; 2], 1).unwrap();
    /// assert_eq!(raw.shape(), &[2, 1]);
    /// ```
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    /// True when the bytes are in Fortran (column-major) element order.
    ///
    /// ```
    /// # let raw = npio::RawArray::new(vec![2, 2], true, vec![0; 4], 1).unwrap();
    /// assert!(raw.is_fortran_order());
    /// assert!(!npio::RawArray::new(vec![2], true, vec![0; 2], 1).unwrap().is_fortran_order());
    /// ```
    pub fn is_fortran_order(&self) -> bool {
        self.fortran_order
    }

    /// All element bytes in memory order.
    ///
    /// ```
    /// # let raw = npio::RawArray::new(vec![2], false, vec![1, 2], 1).unwrap();
    /// assert_eq!(raw.bytes(), &[1, 2]);
    /// ```
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Takes the element bytes.
    ///
    /// ```
    /// # let raw = npio::RawArray::new(vec![2], false, vec![1, 2], 1).unwrap();
    /// assert_eq!(raw.into_bytes(), vec![1, 2]);
    /// ```
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// Bytes per element.
    ///
    /// ```
    /// # let raw = npio::RawArray::new(vec![2], false, vec![0; 6], 3).unwrap();
    /// assert_eq!(raw.itemsize(), 3);
    /// ```
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// The number of elements.
    ///
    /// ```
    /// # let raw = npio::RawArray::new(vec![2, 3], false, vec![0; 6], 1).unwrap();
    /// assert_eq!(raw.len(), 6);
    /// ```
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// True when there are no elements.
    ///
    /// ```
    /// # let raw = npio::RawArray::new(vec![0], false, vec![], 4).unwrap();
    /// assert!(raw.is_empty());
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The bytes of the element at a logical index, or `None` when out of bounds.
    ///
    /// ```
    /// let raw = npio::RawArray::new(vec![2, 2], true, b"acbd".to_vec(), 1).unwrap();
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

/// An array of any dtype, read without knowing its type.
///
/// ```
/// let bytes = npio::to_bytes_dyn(&npio::DynArray::from_strings(&ndarray::arr1(&["hi", "there"]))).unwrap();
/// let a = npio::from_bytes_dyn(&bytes).unwrap();
/// assert_eq!(a.dtype().descr(), "'<U5'");
/// assert_eq!(a.to_strings().unwrap()[1], "there");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct DynArray {
    dtype: DType,
    data: ArrayData,
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
    /// use npio::{ArrayData, DType, DynArray};
    /// let values = ArrayData::Int64(ndarray::arr1(&[1i64, 2]).into_dyn());
    /// let dates = DynArray::new(DType::parse("<M8[D]").unwrap(), values.clone());
    /// assert!(dates.is_err()); // datetimes go in ArrayData::DateTime64
    /// assert!(DynArray::new(DType::parse(">i8").unwrap(), values).is_ok());
    /// ```
    pub fn new(dtype: DType, data: ArrayData) -> Result<DynArray> {
        let scalar = dtype.as_scalar().map(|s| s.kind());
        let ok = match &data {
            ArrayData::Bool(_) => bool::accepts(&dtype),
            ArrayData::Int8(_) => i8::accepts(&dtype),
            ArrayData::Int16(_) => i16::accepts(&dtype),
            ArrayData::Int32(_) => i32::accepts(&dtype),
            ArrayData::Int64(_) => scalar == Some(ScalarKind::Int) && i64::accepts(&dtype),
            ArrayData::UInt8(_) => u8::accepts(&dtype),
            ArrayData::UInt16(_) => u16::accepts(&dtype),
            ArrayData::UInt32(_) => u32::accepts(&dtype),
            ArrayData::UInt64(_) => u64::accepts(&dtype),
            ArrayData::Float16(_) => f16::accepts(&dtype),
            ArrayData::Float32(_) => f32::accepts(&dtype),
            ArrayData::Float64(_) => f64::accepts(&dtype),
            ArrayData::Complex64(_) => Complex::<f32>::accepts(&dtype),
            ArrayData::Complex128(_) => Complex::<f64>::accepts(&dtype),
            ArrayData::DateTime64(_) => matches!(scalar, Some(ScalarKind::DateTime { .. })),
            ArrayData::TimeDelta64(_) => matches!(scalar, Some(ScalarKind::TimeDelta { .. })),
            ArrayData::Raw(r) => {
                r.itemsize == dtype.itemsize() && !matches!(dtype, DType::SubArray(..))
            }
        };
        if !ok {
            return Err(Error::InvalidArray(format!(
                "values do not match dtype {}",
                dtype.descr()
            )));
        }
        if dtype.has_object() {
            return Err(Error::ObjectDType {
                descr: dtype.descr(),
            });
        }
        Ok(DynArray { dtype, data })
    }

    /// Wraps a typed array, with its native-byte-order dtype.
    ///
    /// ```
    /// let a = npio::DynArray::from_array(ndarray::arr2(&[[1u8, 2]]));
    /// assert_eq!(a.shape(), &[1, 2]);
    /// assert_eq!(a.dtype().descr(), "'|u1'");
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
    /// assert_eq!(a.dtype().descr(), "'<U5'");
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
    /// assert_eq!(a.dtype().descr(), "'|S2'");
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
    /// assert!(matches!(a.data(), npio::ArrayData::Bool(_)));
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

    /// The values as `ArrayD<T>` if they are of type `T` (datetimes and timedeltas are `i64`).
    ///
    /// ```
    /// let a = npio::DynArray::from_array(ndarray::arr1(&[1u32]));
    /// assert!(a.as_array::<u32>().is_some());
    /// assert!(a.as_array::<i32>().is_none());
    /// ```
    pub fn as_array<T: Element>(&self) -> Option<&ArrayD<T>> {
        T::data_ref(&self.data)
    }

    /// Converts into a typed array of dimension `D`, or says what the array holds.
    ///
    /// ```
    /// let a = npio::DynArray::from_array(ndarray::arr1(&[1u32]));
    /// let typed: ndarray::Array1<u32> = a.clone().into_array().unwrap();
    /// assert!(a.into_array::<f32, ndarray::Ix1>().is_err());
    /// ```
    pub fn into_array<T: Element, D: Dimension>(self) -> Result<Array<T, D>> {
        let descr = self.dtype.descr();
        let array = T::data_into(self.data).map_err(|_| Error::DTypeMismatch {
            found: descr,
            requested: T::NAME.to_string(),
        })?;
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

    fn raw(&self, what: &str) -> Result<&RawArray> {
        match &self.data {
            ArrayData::Raw(r) => Ok(r),
            _ => Err(Error::DTypeMismatch {
                found: self.dtype.descr(),
                requested: what.to_string(),
            }),
        }
    }

    /// Decodes a `U` array into strings (trailing NULs removed, as NumPy does).
    ///
    /// ```
    /// let a = npio::DynArray::from_strings(&ndarray::arr1(&["x", "yz"]));
    /// assert_eq!(a.to_strings().unwrap().into_raw_vec_and_offset().0, vec!["x", "yz"]);
    /// ```
    pub fn to_strings(&self) -> Result<ArrayD<String>> {
        let raw = self.raw("unicode strings (U)")?;
        let endian = match &self.dtype {
            DType::Scalar(s) if s.kind() == ScalarKind::Unicode => s.endian(),
            _ => {
                return Err(Error::DTypeMismatch {
                    found: self.dtype.descr(),
                    requested: "unicode strings (U)".into(),
                })
            }
        };
        let mut out = Vec::with_capacity(raw.len());
        for (index, item) in raw
            .bytes
            .chunks_exact(raw.itemsize.max(1))
            .take(raw.len())
            .enumerate()
        {
            let mut s = String::new();
            let mut codes = vec![0u32; item.len() / 4];
            if endian == Endian::Big {
                BigEndian::read_u32_into(item, &mut codes);
            } else {
                LittleEndian::read_u32_into(item, &mut codes);
            }
            let end = codes.iter().rposition(|&c| c != 0).map_or(0, |p| p + 1);
            for &code in &codes[..end] {
                s.push(char::from_u32(code).ok_or(Error::InvalidUnicode { index, code })?);
            }
            out.push(s);
        }
        if raw.itemsize == 0 {
            out.resize(raw.len(), String::new());
        }
        self.shaped(out, raw)
    }

    /// The values of an `S` array (trailing NULs removed, as NumPy does).
    ///
    /// ```
    /// let a = npio::DynArray::from_byte_strings(&ndarray::arr1(&[&b"a\0b"[..], b""]));
    /// assert_eq!(a.to_byte_strings().unwrap().into_raw_vec_and_offset().0, vec![b"a\0b".to_vec(), vec![]]);
    /// ```
    pub fn to_byte_strings(&self) -> Result<ArrayD<Vec<u8>>> {
        let raw = self.raw("byte strings (S)")?;
        if !matches!(&self.dtype, DType::Scalar(s) if s.kind() == ScalarKind::Bytes) {
            return Err(Error::DTypeMismatch {
                found: self.dtype.descr(),
                requested: "byte strings (S)".into(),
            });
        }
        let out: Vec<Vec<u8>> = if raw.itemsize == 0 {
            vec![Vec::new(); raw.len()]
        } else {
            raw.bytes
                .chunks_exact(raw.itemsize)
                .map(|item| {
                    item[..item.iter().rposition(|&b| b != 0).map_or(0, |p| p + 1)].to_vec()
                })
                .collect()
        };
        self.shaped(out, raw)
    }

    fn shaped<T>(&self, values: Vec<T>, raw: &RawArray) -> Result<ArrayD<T>> {
        crate::read::shape_vec(
            &Header::new(self.dtype.clone(), raw.shape.clone(), raw.fortran_order),
            values,
        )
    }

    /// The field names of a record array (empty for other arrays).
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i4'), ('b', '<f8')]").unwrap();
    /// let raw = npio::RawArray::new(vec![0], false, vec![], 12).unwrap();
    /// let a = npio::DynArray::new(dt, npio::ArrayData::Raw(raw)).unwrap();
    /// assert_eq!(a.field_names(), vec!["a", "b"]);
    /// ```
    pub fn field_names(&self) -> Vec<&str> {
        match &self.dtype {
            DType::Record(r) => r.fields().iter().map(|f| f.name.as_str()).collect(),
            _ => Vec::new(),
        }
    }

    /// One field of a record array as its own array (a copy), decoded like a file of the
    /// field's dtype would be: numeric fields become typed arrays in native byte order.
    /// A sub-array field adds its shape to the array's shape.
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i2'), ('b', '>u2', (2,))]").unwrap();
    /// let bytes = vec![1, 0, 0, 2, 0, 3, /* second record */ 4, 0, 0, 5, 0, 6];
    /// let raw = npio::RawArray::new(vec![2], false, bytes, 6).unwrap();
    /// let rec = npio::DynArray::new(dt, npio::ArrayData::Raw(raw)).unwrap();
    /// let b: ndarray::Array2<u16> = rec.field("b").unwrap().into_array().unwrap();
    /// assert_eq!(b, ndarray::arr2(&[[2, 3], [5, 6]]));
    /// ```
    pub fn field(&self, name: &str) -> Result<DynArray> {
        let DType::Record(record) = &self.dtype else {
            return Err(Error::NoSuchField {
                name: name.to_string(),
                available: Vec::new(),
            });
        };
        let field = record.field(name).ok_or_else(|| Error::NoSuchField {
            name: name.to_string(),
            available: record.fields().iter().map(|f| f.name.clone()).collect(),
        })?;
        let raw = self.raw("a record array")?;
        let (base, sub_shape) = match &field.dtype {
            DType::SubArray(sub) => {
                let (shape, base) = sub.element_shape();
                (base.clone(), shape)
            }
            other => (other.clone(), Vec::new()),
        };
        // A sub-array field extends each element with C-ordered axes: only C order keeps the
        // combined array contiguous.
        let fortran = raw.fortran_order && sub_shape.is_empty();
        let bytes = raw.bytes_in_order(fortran);
        let width = field.dtype.itemsize();
        let mut out = Vec::with_capacity(raw.len() * width);
        if raw.itemsize > 0 {
            for item in bytes.chunks_exact(raw.itemsize) {
                out.extend_from_slice(&item[field.offset..field.offset + width]);
            }
        }
        let mut shape = raw.shape.clone();
        shape.extend(sub_shape);
        crate::read::decode(&Header::new(base, shape, fortran), &out)
    }

    /// One field of a record array as a typed array (a copy).
    ///
    /// ```
    /// let dt = npio::DType::parse("[('x', '<f4'), ('y', '<i4')]").unwrap();
    /// let mut bytes = Vec::new();
    /// for (x, y) in [(1.5f32, 7i32), (2.5, 8)] { bytes.extend(x.to_le_bytes()); bytes.extend(y.to_le_bytes()); }
    /// let rec = npio::DynArray::new(dt, npio::ArrayData::Raw(npio::RawArray::new(vec![2], false, bytes, 8).unwrap())).unwrap();
    /// assert_eq!(rec.field_array::<i32>("y").unwrap(), ndarray::arr1(&[7, 8]).into_dyn());
    /// ```
    pub fn field_array<T: Element>(&self, name: &str) -> Result<ArrayD<T>> {
        self.field(name)?.into_array()
    }
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
