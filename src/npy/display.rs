//! `Display` for dynamic arrays, the way NumPy's `repr` shows them: values (truncated for large
//! arrays) and the dtype.

use std::fmt;

use ndarray::ArrayD;

use super::array::DynArray;
use crate::codec::{for_each_typed, ArrayData};
use crate::dtype::{DType, ScalarKind};
use crate::error::escaped;

/// Arrays with more elements than this show their first and last [`EDGE_ITEMS`] only.
const SUMMARY_THRESHOLD: usize = 1000;

/// Elements shown at each end of a summarised array of raw items.
const EDGE_ITEMS: usize = 3;

impl fmt::Display for DynArray {
    /// NumPy-like: `array([1.5, 2.5], dtype='<f4')`. Numeric values use `ndarray`'s formatting,
    /// which elides the middle of large arrays; strings are quoted, bytes shown as `b'...'`,
    /// records and other raw items as the escaped bytes of each item.
    ///
    /// ```
    /// let a = npio::DynArray::from_array(ndarray::arr1(&[1i32, 2, 3]));
    /// assert_eq!(a.to_string(), "array([1, 2, 3], dtype='<i4')");
    /// let s = npio::DynArray::from_strings(&ndarray::arr1(&["a", "bc"]));
    /// assert_eq!(s.to_string(), r#"array(["a", "bc"], dtype='<U2')"#);
    /// let big = npio::DynArray::from_array(ndarray::Array1::<u8>::zeros(100_000));
    /// assert!(big.to_string().len() < 200);
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("array(")?;
        match self.data() {
            ArrayData::Raw(_) => self.fmt_raw(f)?,
            data => for_each_typed!(data, a => write!(f, "{a}")?, raw _r => unreachable!()),
        }
        write!(f, ", dtype={})", self.dtype().descr_repr())
    }
}

impl DynArray {
    /// Raw items: decoded strings where the dtype is text, escaped bytes otherwise.
    fn fmt_raw(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.dtype() {
            DType::Scalar(s) => Some(s.kind()),
            _ => None,
        };
        let items: ArrayD<String> = match kind {
            Some(ScalarKind::Unicode) if self.len() <= SUMMARY_THRESHOLD => {
                match self.to_strings() {
                    Ok(strings) => strings.mapv(|s| format!("{s:?}")),
                    Err(_) => return self.fmt_items(f),
                }
            }
            Some(ScalarKind::Bytes) if self.len() <= SUMMARY_THRESHOLD => {
                match self.to_byte_strings() {
                    Ok(bytes) => bytes.mapv(|b| escaped(&b)),
                    Err(_) => return self.fmt_items(f),
                }
            }
            _ => return self.fmt_items(f),
        };
        write!(f, "{items}")
    }

    /// Escaped item bytes, in memory order, with the middle elided for large arrays.
    fn fmt_items(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ArrayData::Raw(raw) = self.data() else {
            return Ok(());
        };
        let itemsize = raw.itemsize();
        let item = |k: usize| escaped(&raw.bytes()[k * itemsize..(k + 1) * itemsize]);
        let n = raw.len();
        let shown: Vec<String> = if n > SUMMARY_THRESHOLD {
            let mut v: Vec<String> = (0..EDGE_ITEMS).map(item).collect();
            v.push("...".into());
            v.extend((n - EDGE_ITEMS..n).map(item));
            v
        } else if itemsize == 0 {
            vec!["b\"\"".to_string(); n]
        } else {
            (0..n).map(item).collect()
        };
        write!(f, "[{}], shape={:?}", shown.join(", "), self.shape())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_show_item_bytes_and_shape() {
        let dt = DType::parse("[('a', 'u1'), ('b', 'u1')]").unwrap();
        let raw = crate::codec::RawArray::new(vec![2], false, vec![1, 2, 3, 4], 2).unwrap();
        let a = DynArray::new(dt, ArrayData::Raw(raw)).unwrap();
        assert_eq!(
            a.to_string(),
            r#"array([b"\x01\x02", b"\x03\x04"], shape=[2], dtype=[('a', '|u1'), ('b', '|u1')])"#
        );
    }

    #[test]
    fn large_raw_arrays_are_summarised() {
        let dt = DType::parse("|V2").unwrap();
        let raw = crate::codec::RawArray::new(vec![5000], false, vec![0; 10_000], 2).unwrap();
        let a = DynArray::new(dt, ArrayData::Raw(raw)).unwrap();
        let text = a.to_string();
        assert!(text.contains("..."), "{text}");
        assert!(text.len() < 200, "{text}");
    }
}
