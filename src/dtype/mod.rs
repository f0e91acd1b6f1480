//! The typed model of NumPy's `descr`: scalar types, records (structured dtypes) and
//! sub-arrays, with byte order on every field.
//!
//! A [`DType`] parses any descr NumPy writes and renders back exactly the descr text NumPy
//! writes for the same dtype ([`DType::descr_repr`]).
//!
//! ```
//! use npio::DType;
//! let dt = DType::parse("[('x', '<i4'), ('', '|V4'), ('y', '>f8', (2,))]").unwrap();
//! assert_eq!(dt.itemsize(), 24);
//! let rec = dt.as_record().unwrap();
//! assert_eq!(rec.fields()[1].name, "y");
//! assert_eq!(rec.fields()[1].offset, 8);
//! assert_eq!(dt.descr_repr(), "[('x', '<i4'), ('', '|V4'), ('y', '>f8', (2,))]");
//! ```

mod record;
mod scalar;
mod subarray;

pub use record::{RecordField, RecordType};
pub(crate) use scalar::SwapUnit;
pub use scalar::{Endian, Scalar, ScalarKind, TimeUnit};
pub use subarray::SubArray;

use std::fmt;

use crate::error::{Error, Result};
use crate::format::literal::{parse_literal, Grammar, Literal};
use crate::format::render::repr_string;
/// A NumPy dtype as it appears in a `.npy` header.
///
/// ```
/// use npio::DType;
/// assert_eq!(DType::parse("'<f8'").unwrap(), DType::parse("<f8").unwrap());
/// assert_eq!(DType::parse("<f8").unwrap().itemsize(), 8);
/// assert!(DType::parse("<q7").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DType {
    /// A scalar type.
    Scalar(Scalar),
    /// A structured type.
    Record(RecordType),
    /// A fixed-shape sub-array of a base type (record fields with a shape; folded into the
    /// array shape when it appears at the top level, as NumPy does).
    SubArray(SubArray),
}

impl fmt::Display for DType {
    /// Formats as the descr NumPy writes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.descr_repr())
    }
}

impl From<Scalar> for DType {
    fn from(s: Scalar) -> DType {
        DType::Scalar(s)
    }
}

impl From<RecordType> for DType {
    fn from(r: RecordType) -> DType {
        DType::Record(r)
    }
}

/// The deepest nesting of containers a descr literal may have: a header's dict takes one of
/// the parser's levels ([`crate::format::literal::MAX_NESTING_DEPTH`]), so every dtype the
/// constructors accept renders to a descr that parses back, in a header too.
pub(crate) const MAX_DESCR_DEPTH: usize = crate::format::literal::MAX_NESTING_DEPTH - 1;

/// `depth`, or an error for a dtype nested deeper than [`MAX_DESCR_DEPTH`].
pub(crate) fn check_depth(depth: usize, what: &str) -> Result<usize> {
    if depth > MAX_DESCR_DEPTH {
        return Err(Error::InvalidDescr {
            descr: what.to_string(),
            reason: format!(
                "nested {depth} levels deep; a descr nests at most {MAX_DESCR_DEPTH} levels"
            ),
        });
    }
    Ok(depth)
}

impl DType {
    /// How many containers (lists, tuples) its descr literal nests: 0 for a scalar's string.
    pub(crate) fn literal_depth(&self) -> usize {
        match self {
            DType::Scalar(_) => 0,
            DType::Record(r) => r.depth,
            DType::SubArray(sub) => sub.depth(),
        }
    }

    /// Parses descr text: either a bare type string (`<f8`) or the Python literal of a descr
    /// as it appears in a header (`'<f8'`, `[('x', '<i4')]`, `('<i4', (2,))`).
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', [('b', '<u2')], (3,))]").unwrap();
    /// assert_eq!(dt.itemsize(), 6);
    /// ```
    pub fn parse(text: &str) -> Result<DType> {
        let trimmed = text.trim();
        if trimmed.starts_with(['[', '(', '\'', '"']) {
            let literal = parse_literal(
                trimmed,
                Grammar {
                    allow_long_suffix: false,
                },
            )
            .map_err(|e| Error::HeaderSyntax {
                offset: (trimmed.len() - e.rest.len()) as u64,
                message: e.message,
            })?;
            DType::from_literal(&literal)
        } else {
            Scalar::parse_typestr(trimmed).map(DType::Scalar)
        }
    }

    /// Builds a sub-array dtype (see [`SubArray::new`]); an empty shape gives the base
    /// itself. A sub-array base stays nested, as in NumPy.
    ///
    /// ```
    /// use npio::DType;
    /// let inner = DType::sub_array(DType::parse("<i4").unwrap(), vec![2]).unwrap();
    /// let outer = DType::sub_array(inner, vec![3]).unwrap();
    /// assert_eq!(outer.descr_repr(), "(('<i4', (2,)), (3,))");
    /// assert_eq!(outer.itemsize(), 24);
    /// ```
    pub fn sub_array(base: DType, shape: Vec<usize>) -> Result<DType> {
        if shape.is_empty() {
            return Ok(base);
        }
        SubArray::new(base, shape).map(DType::SubArray)
    }

    /// Builds a dtype from a parsed header literal, following NumPy's `descr_to_dtype`.
    pub(crate) fn from_literal(lit: &Literal) -> Result<DType> {
        let invalid = |reason: &str| Error::InvalidDescr {
            descr: repr_string(lit),
            reason: reason.to_string(),
        };
        match lit {
            Literal::Str(s) => Scalar::parse_typestr(s).map(DType::Scalar),
            Literal::Tuple(items) => {
                match items.as_slice() {
                    [base, Literal::Dict(_)] => DType::from_literal(base), // metadata: dropped, as np.save does
                    [base, shape] => {
                        let base = DType::from_literal(base)?;
                        DType::sub_array(base, parse_sub_shape(shape).ok_or_else(|| invalid("sub-array shape must be an int or a tuple of non-negative ints"))?)
                    }
                    _ => Err(invalid("a tuple descr must be (descr, shape)")),
                }
            }
            Literal::List(entries) => {
                let mut fields = Vec::with_capacity(entries.len().min(4096));
                let mut offset = 0usize;
                for entry in entries {
                    let Literal::Tuple(parts) = entry else {
                        return Err(invalid("each field must be a tuple (name, descr[, shape])"));
                    };
                    let (name, dtype) = match parts.as_slice() {
                        [name, descr] => (name, DType::from_literal(descr)?),
                        [name, descr, shape] => {
                            let base = DType::from_literal(descr)?;
                            let shape = parse_sub_shape(shape).ok_or_else(|| {
                                invalid(
                                    "field shape must be an int or a tuple of non-negative ints",
                                )
                            })?;
                            (name, DType::sub_array(base, shape)?)
                        }
                        _ => {
                            return Err(invalid(
                                "each field must be a tuple (name, descr[, shape])",
                            ))
                        }
                    };
                    let (title, name) =
                        match name {
                            Literal::Str(n) => (None, n.clone()),
                            Literal::Tuple(t) => match t.as_slice() {
                                [Literal::Str(title), Literal::Str(n)] => {
                                    (Some(title.clone()), n.clone())
                                }
                                _ => return Err(invalid(
                                    "a field name must be a str or a (title, name) tuple of str",
                                )),
                            },
                            _ => {
                                return Err(invalid(
                                    "a field name must be a str or a (title, name) tuple of str",
                                ))
                            }
                        };
                    let size = dtype.itemsize();
                    // NumPy's rule: an unnamed void (or sub-array) entry is padding, not a field.
                    let is_padding = title.is_none()
                        && name.is_empty()
                        && matches!(
                            &dtype,
                            DType::SubArray(..)
                                | DType::Scalar(Scalar {
                                    kind: ScalarKind::Void,
                                    ..
                                })
                        );
                    if !is_padding {
                        fields.push(RecordField {
                            name,
                            title,
                            dtype,
                            offset,
                        });
                    }
                    offset = offset
                        .checked_add(size)
                        .ok_or_else(|| invalid("item size overflows"))?;
                }
                RecordType::new(fields, offset).map(DType::Record)
            }
            other => Err(invalid(&format!(
                "a descr must be a str, list or tuple, not {}",
                other.type_name()
            ))),
        }
    }

    /// The Python literal of NumPy's descr for this dtype.
    pub(crate) fn to_literal(&self) -> Literal {
        match self {
            DType::Scalar(s) => Literal::Str(s.typestr()),
            DType::Record(r) => r.to_literal(),
            DType::SubArray(sub) => sub.to_literal(),
        }
    }

    /// The `descr` entry exactly as NumPy writes it in a header: the Python `repr` of
    /// `dtype.str` for scalars (quoted), of `dtype.descr` for records.
    ///
    /// ```
    /// let dt = npio::DType::parse("[(('t', 'n'), '<i4'), ('x', [('y', '>f8', (2, 3))], (2,))]").unwrap();
    /// assert_eq!(dt.descr_repr(), "[(('t', 'n'), '<i4'), ('x', [('y', '>f8', (2, 3))], (2,))]");
    /// assert_eq!(npio::DType::parse("=u1").unwrap().descr_repr(), "'|u1'");
    /// ```
    pub fn descr_repr(&self) -> String {
        repr_string(&self.to_literal())
    }

    /// NumPy's `dtype.str`: byte order, kind and size, such as `<f8`, `|b1`, `>U5` or
    /// `<M8[ns]`; records and sub-arrays are `|V` and their item size, as in NumPy.
    ///
    /// ```
    /// assert_eq!(npio::DType::parse("<f8").unwrap().typestr(), "<f8");
    /// assert_eq!(npio::DType::parse("[('a', '<i4'), ('b', 'u1')]").unwrap().typestr(), "|V5");
    /// ```
    pub fn typestr(&self) -> String {
        match self {
            DType::Scalar(s) => s.typestr(),
            other => format!("|V{}", other.itemsize()),
        }
    }

    /// The size of one element in bytes.
    ///
    /// ```
    /// assert_eq!(npio::DType::parse("('<i4', (2, 2))").unwrap().itemsize(), 16);
    /// ```
    pub fn itemsize(&self) -> usize {
        match self {
            DType::Scalar(s) => s.size,
            DType::Record(r) => r.itemsize,
            DType::SubArray(sub) => sub.itemsize(),
        }
    }

    /// Fails with [`Error::ObjectDType`] when the dtype holds Python objects (anywhere inside
    /// it): npio never reads pickles.
    ///
    /// ```
    /// assert!(npio::DType::parse("<f8").unwrap().check_no_object().is_ok());
    /// assert!(npio::DType::parse("[('a', 'O')]").unwrap().check_no_object().is_err());
    /// ```
    pub fn check_no_object(&self) -> Result<()> {
        if self.has_object() {
            return Err(Error::ObjectDType {
                descr: self.descr_repr(),
            });
        }
        Ok(())
    }

    /// The scalar type, if this is one.
    ///
    /// ```
    /// assert!(npio::DType::parse("<i8").unwrap().as_scalar().is_some());
    /// ```
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match self {
            DType::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// The byte order of a scalar dtype (`NotApplicable` for records and sub-arrays, whose
    /// fields carry their own).
    ///
    /// ```
    /// assert_eq!(npio::DType::parse(">i4").unwrap().scalar_endian(), npio::dtype::Endian::Big);
    /// ```
    pub fn scalar_endian(&self) -> Endian {
        self.as_scalar()
            .map_or(Endian::NotApplicable, |s| s.endian())
    }

    /// The record type, if this is one.
    ///
    /// ```
    /// assert!(npio::DType::parse("<i8").unwrap().as_record().is_none());
    /// ```
    pub fn as_record(&self) -> Option<&RecordType> {
        match self {
            DType::Record(r) => Some(r),
            _ => None,
        }
    }

    /// True if this dtype contains Python objects anywhere (which npio refuses to read).
    ///
    /// ```
    /// assert!(npio::DType::parse("[('a', '|O')]").unwrap().has_object());
    /// ```
    pub fn has_object(&self) -> bool {
        match self {
            DType::Scalar(s) => s.kind == ScalarKind::Object,
            DType::Record(r) => r.fields.iter().any(|f| f.dtype.has_object()),
            DType::SubArray(sub) => sub.base().has_object(),
        }
    }

    /// The same dtype with every byte-order-bearing part in `endian` (like NumPy's
    /// `dtype.newbyteorder`, but to a fixed order).
    ///
    /// ```
    /// use npio::{DType, dtype::Endian};
    /// let dt = DType::parse("[('a', '<i4'), ('b', '|u1')]").unwrap();
    /// assert_eq!(dt.with_endian(Endian::Big).descr_repr(), "[('a', '>i4'), ('b', '|u1')]");
    /// ```
    pub fn with_endian(&self, endian: Endian) -> DType {
        match self {
            DType::Scalar(s) => DType::Scalar(s.with_endian(endian)),
            DType::Record(r) => DType::Record(RecordType {
                fields: r
                    .fields
                    .iter()
                    .map(|f| RecordField {
                        dtype: f.dtype.with_endian(endian),
                        ..f.clone()
                    })
                    .collect(),
                itemsize: r.itemsize,
                depth: r.depth,
            }),
            DType::SubArray(sub) => DType::SubArray(sub.with_base(sub.base().with_endian(endian))),
        }
    }

    /// Every byte-order-bearing value inside one item, in offset order.
    ///
    /// Reversing each of these byte ranges converts an item between byte orders.
    pub(crate) fn swap_units(&self) -> Vec<SwapUnit> {
        let mut out = Vec::new();
        self.collect_swap_units(0, &mut out);
        out
    }

    fn collect_swap_units(&self, base: usize, out: &mut Vec<SwapUnit>) {
        match self {
            DType::Scalar(s) => s.swap_units(base, out),
            DType::Record(r) => r
                .fields
                .iter()
                .for_each(|f| f.dtype.collect_swap_units(base + f.offset, out)),
            DType::SubArray(sub) => {
                let mut one = Vec::new();
                sub.base().collect_swap_units(0, &mut one);
                let level = (sub.count(), sub.base().itemsize());
                out.extend(one.into_iter().map(|mut u| {
                    u.offset += base;
                    u.repeat.insert(0, level);
                    u
                }));
            }
        }
    }
}

fn parse_sub_shape(lit: &Literal) -> Option<Vec<usize>> {
    let dim = |l: &Literal| match l {
        Literal::Int(i) => usize::try_from(*i).ok(),
        _ => None,
    };
    match lit {
        Literal::Int(_) => Some(vec![dim(lit)?]),
        Literal::Tuple(items) => items.iter().map(dim).collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(descr: &str) {
        let dt = DType::parse(descr).unwrap_or_else(|e| panic!("{descr}: {e}"));
        assert_eq!(dt.descr_repr(), descr);
    }

    #[test]
    fn renders_numpy_descrs() {
        for d in [
            "'<f8'",
            "'>f2'",
            "'|b1'",
            "'|i1'",
            "'<c16'",
            "'|S0'",
            "'|S7'",
            "'>U3'",
            "'|V16'",
            "'<M8[ns]'",
            "'>m8[10ms]'",
            "'<M8'",
            "'|O'",
            "'<f16'",
            "'<c32'",
            "[('x', '<i4'), ('y', '<f8', (2,))]",
            "[('a', '|u1'), ('', '|V3'), ('b', '<i4'), ('', '|V4')]",
            "[(('t', 'n'), '<i4'), ('x', [('y', '>f8', (2, 3))], (2,))]",
            "[('c', ('<f8', (5,)), (2,))]",
            "(('<f8', (5,)), (2,))",
            "'<M8[2147483647s]'",
            "[]",
        ] {
            roundtrip(d);
        }
    }

    #[test]
    fn the_deepest_dtype_the_constructors_accept_reads_back_in_a_header() {
        for wrap in [0, 1, 2] {
            let mut d = DType::parse("<i2").unwrap();
            loop {
                let next = match wrap {
                    0 => RecordType::packed(vec![("a".into(), d.clone())]).map(DType::Record),
                    1 => DType::sub_array(d.clone(), vec![1]),
                    _ => RecordType::new(
                        vec![RecordField {
                            name: "a".into(),
                            title: Some("t".into()),
                            dtype: DType::sub_array(d.clone(), vec![1]).unwrap_or(d.clone()),
                            offset: 0,
                        }],
                        d.itemsize(),
                    )
                    .map(DType::Record),
                };
                match next {
                    Ok(n) => d = n,
                    Err(e) => {
                        assert!(matches!(e, Error::InvalidDescr { .. }), "{e}");
                        break;
                    }
                }
            }
            let again = DType::parse(&d.descr_repr()).unwrap();
            assert_eq!(again, d);
            // A record at the top of a header nests inside the header's dict.
            let header = crate::header::Header::new(d, vec![1], false);
            let bytes = header.to_bytes().unwrap();
            let options = crate::ReadOptions::default().max_header_size(1 << 20);
            crate::header::read_header(&mut &bytes[..], &options).unwrap();
        }
    }

    #[test]
    fn nested_sub_arrays_keep_their_nesting() {
        let dt = DType::parse("[('c', ('<f8', (5,)), (2,))]").unwrap();
        assert_eq!(dt.descr_repr(), "[('c', ('<f8', (5,)), (2,))]");
        assert_eq!(dt.itemsize(), 80);
    }

    #[test]
    fn normalises_like_numpy() {
        assert_eq!(DType::parse("<u1").unwrap().descr_repr(), "'|u1'");
        assert_eq!(DType::parse(">b1").unwrap().descr_repr(), "'|b1'");
        assert_eq!(
            DType::parse("|U3").unwrap().descr_repr(),
            format!("'{}U3'", Endian::NATIVE.descr_char())
        );
        assert_eq!(DType::parse("O8").unwrap().descr_repr(), "'|O'");
        assert_eq!(DType::parse("O4").unwrap(), DType::parse("O8").unwrap()); // as NumPy
        assert_eq!(DType::parse("S").unwrap().descr_repr(), "'|S0'");
        // consecutive padding merges; a void subarray without a name is padding
        assert_eq!(
            DType::parse("[('a', '<i4'), ('', '|V2'), ('', '|V1', (2,))]")
                .unwrap()
                .descr_repr(),
            "[('a', '<i4'), ('', '|V4')]"
        );
        // a named void is a field
        assert_eq!(
            DType::parse("[('v', '|V2')]").unwrap().descr_repr(),
            "[('v', '|V2')]"
        );
    }

    #[test]
    fn refuses_bad_descrs() {
        for d in [
            "<i3",
            "<f3",
            "x8",
            "<M8[xs]",
            "<M8[0s]",
            "<M4",
            "<M8[2147483648s]",
            "<M8[1000000000000as]",
            "[('t', '>m8[4294967296D]')]",
            "U99999999999999999999",
            "[('a',)]",
            "[(1, '<i4')]",
            "[('a', '<i4'), ('a', '<f8')]",
            "('<i4', 'x')",
            "3",
            "[('a', '<i4', (-1,))]",
        ] {
            assert!(DType::parse(d).is_err(), "{d} should be refused");
        }
        let huge = "[('a', '|V1', (4294967296, 4294967296, 4294967296))]";
        assert!(DType::parse(huge).is_err());
    }

    #[test]
    fn swap_plans_follow_the_description_not_the_claimed_size() {
        let dt = DType::parse("[('a', '<i4', (1073741824,)), ('u', '<U1000000000')]").unwrap();
        assert_eq!(dt.swap_units().len(), 2);
        let nested = DType::parse("[('c', ('<c8', (5,)), (2,))]").unwrap();
        let mut offsets = Vec::new();
        for u in nested.swap_units() {
            u.for_each_offset(|o| offsets.push(o));
        }
        offsets.sort();
        assert_eq!(offsets, (0..20).map(|k| 4 * k).collect::<Vec<_>>());
    }

    #[test]
    fn swap_units_cover_records() {
        let dt =
            DType::parse("[('a', '<i4'), ('b', '|u1'), ('c', '<c8', (2,)), ('d', '<U2')]").unwrap();
        let mut units = Vec::new();
        for u in dt.swap_units() {
            u.for_each_offset(|o| units.push((o, u.width)));
        }
        units.sort();
        assert_eq!(
            units,
            vec![(0, 4), (5, 4), (9, 4), (13, 4), (17, 4), (21, 4), (25, 4)]
        );
    }
}
