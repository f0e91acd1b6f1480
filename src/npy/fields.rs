//! Reading inside a dynamic array: strings and record fields.

use byteorder::{BigEndian, ByteOrder, LittleEndian};
use ndarray::ArrayD;

use super::array::DynArray;
use super::decode::decode;
use crate::codec::{shape_vec, Element, RawArray};
use crate::dtype::{DType, Endian, ScalarKind};
use crate::error::{Error, Result};
use crate::header::Header;

impl DynArray {
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
                    found: self.dtype.clone(),
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
                found: self.dtype.clone(),
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
        shape_vec(
            &Header::new(self.dtype.clone(), raw.shape.clone(), raw.fortran_order),
            values,
        )
    }

    /// The field names of a record array (empty for other arrays).
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i4'), ('b', '<f8')]").unwrap();
    /// let raw = npio::npy::RawArray::new(vec![0], false, vec![], 12).unwrap();
    /// let a = npio::DynArray::new(dt, npio::npy::ArrayData::Raw(raw)).unwrap();
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
    /// let raw = npio::npy::RawArray::new(vec![2], false, bytes, 6).unwrap();
    /// let rec = npio::DynArray::new(dt, npio::npy::ArrayData::Raw(raw)).unwrap();
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
        decode(&Header::new(base, shape, fortran), &out)
    }

    /// One field of a record array as a typed array (a copy).
    ///
    /// ```
    /// let dt = npio::DType::parse("[('x', '<f4'), ('y', '<i4')]").unwrap();
    /// let mut bytes = Vec::new();
    /// for (x, y) in [(1.5f32, 7i32), (2.5, 8)] { bytes.extend(x.to_le_bytes()); bytes.extend(y.to_le_bytes()); }
    /// let rec = npio::DynArray::new(dt, npio::npy::ArrayData::Raw(npio::npy::RawArray::new(vec![2], false, bytes, 8).unwrap())).unwrap();
    /// assert_eq!(rec.field_array::<i32>("y").unwrap(), ndarray::arr1(&[7, 8]).into_dyn());
    /// ```
    pub fn field_array<T: Element>(&self, name: &str) -> Result<ArrayD<T>> {
        self.field(name)?.into_array()
    }
}
