//! The typed model of NumPy's `descr`: scalar types, records (structured dtypes) and
//! sub-arrays, with byte order on every field.
//!
//! A [`DType`] parses any descr NumPy writes and renders back exactly the descr text NumPy
//! writes for the same dtype ([`DType::descr`]).
//!
//! ```
//! use npio::DType;
//! let dt = DType::parse("[('x', '<i4'), ('', '|V4'), ('y', '>f8', (2,))]").unwrap();
//! assert_eq!(dt.itemsize(), 24);
//! let rec = dt.as_record().unwrap();
//! assert_eq!(rec.fields()[1].name, "y");
//! assert_eq!(rec.fields()[1].offset, 8);
//! assert_eq!(dt.descr(), "[('x', '<i4'), ('', '|V4'), ('y', '>f8', (2,))]");
//! ```

use std::fmt;

use crate::error::{Error, Result};
use crate::header::literal::{parse_literal, Grammar, Literal};
use crate::header::render::repr_string;

/// Byte order of a scalar type.
///
/// ```
/// use npio::Endian;
/// assert_eq!(Endian::Little.descr_char(), '<');
/// assert!(Endian::NATIVE == Endian::Little || Endian::NATIVE == Endian::Big);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endian {
    /// Little-endian (`<`).
    Little,
    /// Big-endian (`>`).
    Big,
    /// Byte order does not apply: single-byte types, bytes, void, objects (`|`).
    NotApplicable,
}

impl Endian {
    /// The byte order of the machine running this code.
    ///
    /// ```
    /// # use npio::Endian;
    /// assert_eq!(Endian::NATIVE, if cfg!(target_endian = "little") { Endian::Little } else { Endian::Big });
    /// ```
    pub const NATIVE: Endian = if cfg!(target_endian = "little") {
        Endian::Little
    } else {
        Endian::Big
    };

    /// The character NumPy uses for this byte order in a descr.
    ///
    /// ```
    /// assert_eq!(npio::Endian::Big.descr_char(), '>');
    /// ```
    pub fn descr_char(self) -> char {
        match self {
            Endian::Little => '<',
            Endian::Big => '>',
            Endian::NotApplicable => '|',
        }
    }

    /// True when data in this byte order must be swapped to be read on this machine.
    ///
    /// ```
    /// use npio::Endian;
    /// assert!(!Endian::NotApplicable.needs_swap());
    /// assert!(!Endian::NATIVE.needs_swap());
    /// ```
    pub fn needs_swap(self) -> bool {
        self != Endian::NotApplicable && self != Endian::NATIVE
    }
}

/// The unit of a `datetime64` or `timedelta64` dtype.
///
/// ```
/// use npio::TimeUnit;
/// assert_eq!(TimeUnit::from_code("ns"), Some(TimeUnit::Nanosecond));
/// assert_eq!(TimeUnit::Nanosecond.code(), "ns");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[allow(missing_docs)]
pub enum TimeUnit {
    /// No unit (`M8`, NumPy's generic unit; only NaT or zero-size data in practice).
    Generic,
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
    Picosecond,
    Femtosecond,
    Attosecond,
}

impl TimeUnit {
    const ALL: [(TimeUnit, &'static str); 14] = [
        (TimeUnit::Generic, "generic"),
        (TimeUnit::Year, "Y"),
        (TimeUnit::Month, "M"),
        (TimeUnit::Week, "W"),
        (TimeUnit::Day, "D"),
        (TimeUnit::Hour, "h"),
        (TimeUnit::Minute, "m"),
        (TimeUnit::Second, "s"),
        (TimeUnit::Millisecond, "ms"),
        (TimeUnit::Microsecond, "us"),
        (TimeUnit::Nanosecond, "ns"),
        (TimeUnit::Picosecond, "ps"),
        (TimeUnit::Femtosecond, "fs"),
        (TimeUnit::Attosecond, "as"),
    ];

    /// NumPy's code for the unit (`"generic"` for the generic unit).
    ///
    /// ```
    /// assert_eq!(npio::TimeUnit::Microsecond.code(), "us");
    /// ```
    pub fn code(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(u, _)| *u == self)
            .map(|(_, c)| *c)
            .unwrap_or("generic")
    }

    /// The unit for a NumPy code.
    ///
    /// ```
    /// assert_eq!(npio::TimeUnit::from_code("D"), Some(npio::TimeUnit::Day));
    /// assert_eq!(npio::TimeUnit::from_code("x"), None);
    /// ```
    pub fn from_code(code: &str) -> Option<TimeUnit> {
        Self::ALL.iter().find(|(_, c)| *c == code).map(|(u, _)| *u)
    }
}

/// The kind of a scalar dtype (NumPy's `dtype.kind`, with the datetime unit).
///
/// ```
/// use npio::{DType, ScalarKind};
/// let dt = DType::parse("<M8[10ms]").unwrap();
/// let s = dt.as_scalar().unwrap();
/// assert_eq!(s.kind(), ScalarKind::DateTime { unit: npio::TimeUnit::Millisecond, multiplier: 10 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ScalarKind {
    /// `b1`.
    Bool,
    /// `i1`, `i2`, `i4`, `i8`.
    Int,
    /// `u1`, `u2`, `u4`, `u8`.
    UInt,
    /// `f2`, `f4`, `f8`, and the platform long double (`f16`, `f12`, `f10`).
    Float,
    /// `c8`, `c16`, and the long double complex (`c32`, `c24`, `c20`).
    Complex,
    /// `S<n>`: zero-padded bytes.
    Bytes,
    /// `U<n>`: UCS-4 text, `n` code points.
    Unicode,
    /// `V<n>`: raw bytes.
    Void,
    /// `M8[unit]`: datetime64.
    DateTime {
        /// The unit.
        unit: TimeUnit,
        /// The unit multiplier (`10` in `M8[10ms]`), at least 1.
        multiplier: u64,
    },
    /// `m8[unit]`: timedelta64.
    TimeDelta {
        /// The unit.
        unit: TimeUnit,
        /// The unit multiplier, at least 1.
        multiplier: u64,
    },
    /// `O`: pickled Python objects (recognised, never read).
    Object,
}

/// A scalar (non-structured) dtype: kind, byte order and item size.
///
/// ```
/// use npio::{Endian, Scalar, ScalarKind};
/// let s = Scalar::new(ScalarKind::Float, Endian::Big, 8).unwrap();
/// assert_eq!(s.descr(), ">f8");
/// // single-byte types carry no byte order, as in NumPy
/// assert_eq!(Scalar::new(ScalarKind::UInt, Endian::Little, 1).unwrap().descr(), "|u1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scalar {
    kind: ScalarKind,
    endian: Endian,
    size: usize,
}

impl Scalar {
    /// A scalar dtype, validated and with its byte order normalised the way NumPy does
    /// (`|` for types where order does not apply, native order where `|` was given for a
    /// multi-byte type).
    ///
    /// `size` is the item size in bytes (for `Unicode`, four bytes per code point).
    ///
    /// ```
    /// use npio::{Endian, Scalar, ScalarKind};
    /// assert!(Scalar::new(ScalarKind::Int, Endian::Little, 3).is_err());
    /// assert_eq!(Scalar::new(ScalarKind::Unicode, Endian::Little, 12).unwrap().descr(), "<U3");
    /// ```
    pub fn new(kind: ScalarKind, endian: Endian, size: usize) -> Result<Scalar> {
        let valid = match kind {
            ScalarKind::Bool => size == 1,
            ScalarKind::Int | ScalarKind::UInt => matches!(size, 1 | 2 | 4 | 8),
            ScalarKind::Float => matches!(size, 2 | 4 | 8 | 10 | 12 | 16),
            ScalarKind::Complex => matches!(size, 8 | 16 | 20 | 24 | 32),
            ScalarKind::Bytes | ScalarKind::Void => true,
            ScalarKind::Unicode => size.is_multiple_of(4),
            ScalarKind::DateTime { multiplier, .. } | ScalarKind::TimeDelta { multiplier, .. } => {
                size == 8 && multiplier >= 1
            }
            ScalarKind::Object => matches!(size, 4 | 8),
        };
        if !valid {
            return Err(Error::InvalidDescr {
                descr: format!("{kind:?} of {size} bytes"),
                reason: "no such NumPy type".into(),
            });
        }
        let has_order = match kind {
            ScalarKind::Bytes | ScalarKind::Void | ScalarKind::Object | ScalarKind::Bool => false,
            ScalarKind::Unicode => true,
            _ => size > 1,
        };
        let endian = match (has_order, endian) {
            (false, _) => Endian::NotApplicable,
            (true, Endian::NotApplicable) => Endian::NATIVE,
            (true, e) => e,
        };
        Ok(Scalar { kind, endian, size })
    }

    /// The kind.
    ///
    /// ```
    /// assert_eq!(npio::DType::parse("<i4").unwrap().as_scalar().unwrap().kind(), npio::ScalarKind::Int);
    /// ```
    pub fn kind(&self) -> ScalarKind {
        self.kind
    }

    /// The byte order (normalised: `NotApplicable` exactly where NumPy writes `|`).
    ///
    /// ```
    /// assert_eq!(npio::DType::parse(">u2").unwrap().as_scalar().unwrap().endian(), npio::Endian::Big);
    /// ```
    pub fn endian(&self) -> Endian {
        self.endian
    }

    /// The item size in bytes.
    ///
    /// ```
    /// assert_eq!(npio::DType::parse("<U5").unwrap().as_scalar().unwrap().size(), 20);
    /// ```
    pub fn size(&self) -> usize {
        self.size
    }

    /// The same type in another byte order (no change for types without one).
    ///
    /// ```
    /// use npio::{DType, Endian};
    /// let s = *DType::parse("<f8").unwrap().as_scalar().unwrap();
    /// assert_eq!(s.with_endian(Endian::Big).descr(), ">f8");
    /// ```
    pub fn with_endian(&self, endian: Endian) -> Scalar {
        if self.endian == Endian::NotApplicable || endian == Endian::NotApplicable {
            *self
        } else {
            Scalar { endian, ..*self }
        }
    }

    /// The descr text NumPy writes for this type (`dtype.str`), e.g. `<f8`, `|S5`, `<M8[ns]`.
    ///
    /// ```
    /// assert_eq!(npio::DType::parse("=c16").unwrap().as_scalar().unwrap().descr().len(), 4);
    /// ```
    pub fn descr(&self) -> String {
        let order = self.endian.descr_char();
        let time = |code: char, unit: TimeUnit, multiplier: u64| match (unit, multiplier) {
            (TimeUnit::Generic, _) => format!("{order}{code}8"),
            (u, 1) => format!("{order}{code}8[{}]", u.code()),
            (u, m) => format!("{order}{code}8[{m}{}]", u.code()),
        };
        match self.kind {
            ScalarKind::Bool => format!("{order}b1"),
            ScalarKind::Int => format!("{order}i{}", self.size),
            ScalarKind::UInt => format!("{order}u{}", self.size),
            ScalarKind::Float => format!("{order}f{}", self.size),
            ScalarKind::Complex => format!("{order}c{}", self.size),
            ScalarKind::Bytes => format!("{order}S{}", self.size),
            ScalarKind::Unicode => format!("{order}U{}", self.size / 4),
            ScalarKind::Void => format!("{order}V{}", self.size),
            ScalarKind::Object => format!("{order}O"),
            ScalarKind::DateTime { unit, multiplier } => time('M', unit, multiplier),
            ScalarKind::TimeDelta { unit, multiplier } => time('m', unit, multiplier),
        }
    }

    /// Parses a type string such as `<f8`, `|b1`, `S10`, `>U3`, `<M8[10ms]`, `|O`.
    fn parse_typestr(text: &str) -> Result<Scalar> {
        let bad = |reason: &str| Error::InvalidDescr {
            descr: repr_string(&Literal::Str(text.to_string())),
            reason: reason.to_string(),
        };
        let mut rest = text;
        let mut endian = Endian::NotApplicable;
        if let Some(c) = rest.chars().next() {
            let e = match c {
                '<' => Some(Endian::Little),
                '>' | '!' => Some(Endian::Big),
                '=' | '|' => Some(Endian::NATIVE),
                _ => None,
            };
            if let Some(e) = e {
                endian = if c == '|' { Endian::NotApplicable } else { e };
                rest = &rest[1..];
            }
        }
        let Some(kind_char) = rest.chars().next() else {
            return Err(bad("missing type character"));
        };
        rest = &rest[kind_char.len_utf8()..];
        let (digits, suffix) = rest.split_at(
            rest.find(|c: char| !c.is_ascii_digit())
                .unwrap_or(rest.len()),
        );
        let number = if digits.is_empty() {
            None
        } else {
            Some(digits.parse::<usize>().map_err(|_| bad("size too large"))?)
        };
        let need = |n: Option<usize>| n.ok_or_else(|| bad("missing item size"));
        let plain = |suffix: &str| {
            if suffix.is_empty() {
                Ok(())
            } else {
                Err(bad("unexpected characters after the item size"))
            }
        };
        let (kind, size) = match kind_char {
            'b' | '?' => {
                plain(suffix)?;
                (ScalarKind::Bool, number.unwrap_or(1))
            }
            'i' => (
                ScalarKind::Int,
                need(number).and_then(|n| plain(suffix).map(|_| n))?,
            ),
            'u' => (
                ScalarKind::UInt,
                need(number).and_then(|n| plain(suffix).map(|_| n))?,
            ),
            'f' => (
                ScalarKind::Float,
                need(number).and_then(|n| plain(suffix).map(|_| n))?,
            ),
            'c' => (
                ScalarKind::Complex,
                need(number).and_then(|n| plain(suffix).map(|_| n))?,
            ),
            'S' | 'a' => {
                plain(suffix)?;
                (ScalarKind::Bytes, number.unwrap_or(0))
            }
            'V' => {
                plain(suffix)?;
                (ScalarKind::Void, number.unwrap_or(0))
            }
            'U' => {
                plain(suffix)?;
                let n = number.unwrap_or(0);
                (
                    ScalarKind::Unicode,
                    n.checked_mul(4).ok_or_else(|| bad("size too large"))?,
                )
            }
            'O' => {
                plain(suffix)?;
                (ScalarKind::Object, number.unwrap_or(8))
            }
            'M' | 'm' => {
                if number.is_some_and(|n| n != 8) {
                    return Err(bad("datetime64 and timedelta64 are 8 bytes"));
                }
                let (unit, multiplier) =
                    parse_time_unit(suffix).ok_or_else(|| bad("invalid datetime unit"))?;
                let kind = if kind_char == 'M' {
                    ScalarKind::DateTime { unit, multiplier }
                } else {
                    ScalarKind::TimeDelta { unit, multiplier }
                };
                (kind, 8)
            }
            _ => return Err(bad("unknown type character")),
        };
        Scalar::new(kind, endian, size).map_err(|_| bad("invalid item size for this kind"))
    }

    /// The byte-order-bearing components of one item: `(offset, width, endian)`.
    fn swap_units(&self, base: usize, out: &mut Vec<SwapUnit>) {
        let e = self.endian;
        if e == Endian::NotApplicable {
            return;
        }
        match self.kind {
            ScalarKind::Complex => {
                let half = self.size / 2;
                out.push(SwapUnit {
                    offset: base,
                    width: half,
                    endian: e,
                });
                out.push(SwapUnit {
                    offset: base + half,
                    width: half,
                    endian: e,
                });
            }
            ScalarKind::Unicode => out.extend((0..self.size / 4).map(|k| SwapUnit {
                offset: base + 4 * k,
                width: 4,
                endian: e,
            })),
            _ => out.push(SwapUnit {
                offset: base,
                width: self.size,
                endian: e,
            }),
        }
    }
}

/// One byte-order-bearing value inside an item: reversing its bytes converts its byte order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SwapUnit {
    pub(crate) offset: usize,
    pub(crate) width: usize,
    pub(crate) endian: Endian,
}

/// Parses `""`, `"[ns]"` or `"[10ms]"`.
fn parse_time_unit(suffix: &str) -> Option<(TimeUnit, u64)> {
    if suffix.is_empty() {
        return Some((TimeUnit::Generic, 1));
    }
    let inner = suffix.strip_prefix('[')?.strip_suffix(']')?;
    let split = inner
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(inner.len());
    let (digits, code) = inner.split_at(split);
    let multiplier = if digits.is_empty() {
        1
    } else {
        digits.parse().ok()?
    };
    let unit = TimeUnit::from_code(code)?;
    if multiplier == 0 || (unit == TimeUnit::Generic && multiplier != 1) {
        return None;
    }
    Some((unit, multiplier))
}

/// One named field of a record dtype.
///
/// ```
/// let dt = npio::DType::parse("[(('Title', 'x'), '<i4')]").unwrap();
/// let f = &dt.as_record().unwrap().fields()[0];
/// assert_eq!((f.name.as_str(), f.title.as_deref(), f.offset), ("x", Some("Title"), 0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    /// The field name (any text, possibly empty).
    pub name: String,
    /// The optional title (NumPy's `(title, name)` form).
    pub title: Option<String>,
    /// The field's dtype (a sub-array for fields with a shape).
    pub dtype: DType,
    /// Byte offset of the field inside one record.
    pub offset: usize,
}

/// A structured (record) dtype: fields at increasing offsets, and a total item size that may
/// include padding.
///
/// ```
/// use npio::{DType, Record};
/// let rec = Record::packed(vec![("a".into(), DType::parse("|u1").unwrap()), ("b".into(), DType::parse("<i4").unwrap())]).unwrap();
/// assert_eq!(DType::Record(rec).descr(), "[('a', '|u1'), ('b', '<i4')]");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    fields: Vec<Field>,
    itemsize: usize,
}

impl Record {
    /// A record from fields with explicit offsets and item size.
    ///
    /// Fields must not overlap, must come in increasing offset order and fit in `itemsize`
    /// (NumPy cannot save other layouts); names and titles must be unique.
    ///
    /// ```
    /// use npio::{DType, Field, Record};
    /// let f = Field { name: "b".into(), title: None, dtype: DType::parse("<i4").unwrap(), offset: 4 };
    /// let rec = Record::new(vec![f], 12).unwrap();
    /// assert_eq!(DType::Record(rec).descr(), "[('', '|V4'), ('b', '<i4'), ('', '|V4')]");
    /// ```
    pub fn new(fields: Vec<Field>, itemsize: usize) -> Result<Record> {
        let mut end = 0usize;
        let mut seen = std::collections::HashSet::new();
        for f in &fields {
            let invalid = |reason: String| Error::InvalidDescr {
                descr: format!("field {:?}", f.name),
                reason,
            };
            if f.offset < end {
                return Err(invalid("fields overlap or are out of order".into()));
            }
            end = f
                .offset
                .checked_add(f.dtype.itemsize())
                .ok_or_else(|| invalid("offset overflows".into()))?;
            for key in std::iter::once(&f.name).chain(f.title.as_ref()) {
                if !seen.insert(key.clone()) {
                    return Err(invalid(format!(
                        "name {key:?} is used twice as a field name or title"
                    )));
                }
            }
        }
        if end > itemsize {
            return Err(Error::InvalidDescr {
                descr: format!("record of itemsize {itemsize}"),
                reason: format!("fields need {end} bytes"),
            });
        }
        Ok(Record { fields, itemsize })
    }

    /// A packed record (no padding) from names and dtypes, like `np.dtype([(name, type), ...])`.
    ///
    /// ```
    /// let rec = npio::Record::packed(vec![("x".into(), npio::DType::parse("<f8").unwrap())]).unwrap();
    /// assert_eq!(rec.itemsize(), 8);
    /// ```
    pub fn packed(fields: Vec<(String, DType)>) -> Result<Record> {
        let mut offset = 0usize;
        let mut out = Vec::with_capacity(fields.len());
        for (name, dtype) in fields {
            let size = dtype.itemsize();
            out.push(Field {
                name,
                title: None,
                dtype,
                offset,
            });
            offset = offset
                .checked_add(size)
                .ok_or_else(|| Error::InvalidDescr {
                    descr: "record".into(),
                    reason: "item size overflows".into(),
                })?;
        }
        Record::new(out, offset)
    }

    /// The fields, in offset order.
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i2'), ('b', '<i2')]").unwrap();
    /// assert_eq!(dt.as_record().unwrap().fields().len(), 2);
    /// ```
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The size of one record in bytes, padding included.
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i2'), ('', '|V6')]").unwrap();
    /// assert_eq!(dt.as_record().unwrap().itemsize(), 8);
    /// ```
    pub fn itemsize(&self) -> usize {
        self.itemsize
    }

    /// The field with this name (or title).
    ///
    /// ```
    /// let dt = npio::DType::parse("[('a', '<i2'), ('b', '<f4')]").unwrap();
    /// assert_eq!(dt.as_record().unwrap().field("b").unwrap().offset, 2);
    /// ```
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name).or_else(|| {
            self.fields
                .iter()
                .find(|f| f.title.as_deref() == Some(name))
        })
    }

    /// NumPy's `dtype.descr` list: fields, with `('', '|V<n>')` for gaps and trailing padding.
    fn to_literal(&self) -> Literal {
        let mut out = Vec::new();
        let mut offset = 0usize;
        let pad = |n: usize| {
            Literal::Tuple(vec![
                Literal::Str(String::new()),
                Literal::Str(format!("|V{n}")),
            ])
        };
        for f in &self.fields {
            if f.offset > offset {
                out.push(pad(f.offset - offset));
                offset = f.offset;
            }
            let name = match &f.title {
                Some(t) => {
                    Literal::Tuple(vec![Literal::Str(t.clone()), Literal::Str(f.name.clone())])
                }
                None => Literal::Str(f.name.clone()),
            };
            out.push(match &f.dtype {
                DType::SubArray(base, shape) => {
                    Literal::Tuple(vec![name, base.to_literal(), shape_literal(shape)])
                }
                other => Literal::Tuple(vec![name, other.to_literal()]),
            });
            offset += f.dtype.itemsize();
        }
        if self.itemsize > offset {
            out.push(pad(self.itemsize - offset));
        }
        Literal::List(out)
    }
}

fn shape_literal(shape: &[usize]) -> Literal {
    Literal::Tuple(shape.iter().map(|&d| Literal::Int(d as i128)).collect())
}

/// A NumPy dtype as it appears in a `.npy` header.
///
/// ```
/// use npio::DType;
/// assert_eq!(DType::parse("'<f8'").unwrap(), DType::parse("<f8").unwrap());
/// assert_eq!(DType::parse("<f8").unwrap().itemsize(), 8);
/// assert!(DType::parse("<q7").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DType {
    /// A scalar type.
    Scalar(Scalar),
    /// A structured type.
    Record(Record),
    /// A fixed-shape sub-array of a base type (record fields with a shape; folded into the
    /// array shape when it appears at the top level).
    SubArray(Box<DType>, Vec<usize>),
}

impl fmt::Display for DType {
    /// Formats as the descr NumPy writes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.descr())
    }
}

impl From<Scalar> for DType {
    fn from(s: Scalar) -> DType {
        DType::Scalar(s)
    }
}

impl From<Record> for DType {
    fn from(r: Record) -> DType {
        DType::Record(r)
    }
}

impl DType {
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

    /// Builds a sub-array dtype; nested sub-arrays are flattened the way NumPy does, and an
    /// empty shape gives the base itself.
    ///
    /// ```
    /// use npio::DType;
    /// let inner = DType::sub_array(DType::parse("<i4").unwrap(), vec![2]).unwrap();
    /// let outer = DType::sub_array(inner, vec![3]).unwrap();
    /// assert_eq!(outer, DType::sub_array(DType::parse("<i4").unwrap(), vec![3, 2]).unwrap());
    /// assert_eq!(outer.itemsize(), 24);
    /// ```
    pub fn sub_array(base: DType, shape: Vec<usize>) -> Result<DType> {
        let (base, shape) = match base {
            DType::SubArray(inner, inner_shape) => {
                let mut s = shape;
                s.extend(inner_shape);
                (*inner, s)
            }
            other => (other, shape),
        };
        if shape.is_empty() {
            return Ok(base);
        }
        let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        if count.and_then(|c| c.checked_mul(base.itemsize())).is_none() {
            return Err(Error::InvalidDescr {
                descr: format!("sub-array of shape {shape:?}"),
                reason: "item size overflows".into(),
            });
        }
        Ok(DType::SubArray(Box::new(base), shape))
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
                        fields.push(Field {
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
                Record::new(fields, offset).map(DType::Record)
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
            DType::Scalar(s) => Literal::Str(s.descr()),
            DType::Record(r) => r.to_literal(),
            DType::SubArray(base, shape) => {
                Literal::Tuple(vec![base.to_literal(), shape_literal(shape)])
            }
        }
    }

    /// The descr exactly as NumPy writes it in a header (`repr` of `dtype.descr`/`dtype.str`).
    ///
    /// ```
    /// let dt = npio::DType::parse("[(('t', 'n'), '<i4'), ('x', [('y', '>f8', (2, 3))], (2,))]").unwrap();
    /// assert_eq!(dt.descr(), "[(('t', 'n'), '<i4'), ('x', [('y', '>f8', (2, 3))], (2,))]");
    /// assert_eq!(npio::DType::parse("=u1").unwrap().descr(), "'|u1'");
    /// ```
    pub fn descr(&self) -> String {
        repr_string(&self.to_literal())
    }

    /// NumPy's descr as JSON: a string for scalars, arrays for records and tuples
    /// (`[["x", "<i4"], ["y", "<f8", [2]]]`, titles `[["title", "name"], "<i4"]`, padding
    /// `["", "|V4"]`). This is the `descr` field of `npio info --json`.
    ///
    /// ```
    /// let dt = npio::DType::parse("[(('T', 'x'), '<i4'), ('', '|V4'), ('y', '>f8', (2,))]").unwrap();
    /// assert_eq!(dt.descr_json(), r#"[[["T", "x"], "<i4"], ["", "|V4"], ["y", ">f8", [2]]]"#);
    /// assert_eq!(npio::DType::parse("<f8").unwrap().descr_json(), r#""<f8""#);
    /// ```
    pub fn descr_json(&self) -> String {
        let mut out = String::new();
        crate::header::render::json(&self.to_literal(), &mut out);
        out
    }

    /// The offsets of boolean bytes inside one item (every bool scalar, including those in
    /// record fields and sub-arrays): the bytes that must be 0 or 1.
    pub(crate) fn bool_offsets(&self) -> Vec<usize> {
        let mut out = Vec::new();
        self.collect_bool_offsets(0, &mut out);
        out
    }

    fn collect_bool_offsets(&self, base: usize, out: &mut Vec<usize>) {
        match self {
            DType::Scalar(s) if s.kind == ScalarKind::Bool => out.push(base),
            DType::Scalar(_) => {}
            DType::Record(r) => r
                .fields
                .iter()
                .for_each(|f| f.dtype.collect_bool_offsets(base + f.offset, out)),
            DType::SubArray(inner, _) => {
                let size = inner.itemsize();
                let count = self.itemsize().checked_div(size).unwrap_or(0);
                let mut one = Vec::new();
                inner.collect_bool_offsets(0, &mut one);
                for k in 0..count {
                    out.extend(one.iter().map(|o| base + k * size + o));
                }
            }
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
            // Overflow was ruled out when the sub-array was built.
            DType::SubArray(base, shape) => shape.iter().product::<usize>() * base.itemsize(),
        }
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
    /// assert_eq!(npio::DType::parse(">i4").unwrap().scalar_endian(), npio::Endian::Big);
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
    pub fn as_record(&self) -> Option<&Record> {
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
            DType::SubArray(base, _) => base.has_object(),
        }
    }

    /// The same dtype with every byte-order-bearing part in `endian` (like NumPy's
    /// `dtype.newbyteorder`, but to a fixed order).
    ///
    /// ```
    /// use npio::{DType, Endian};
    /// let dt = DType::parse("[('a', '<i4'), ('b', '|u1')]").unwrap();
    /// assert_eq!(dt.with_endian(Endian::Big).descr(), "[('a', '>i4'), ('b', '|u1')]");
    /// ```
    pub fn with_endian(&self, endian: Endian) -> DType {
        match self {
            DType::Scalar(s) => DType::Scalar(s.with_endian(endian)),
            DType::Record(r) => DType::Record(Record {
                fields: r
                    .fields
                    .iter()
                    .map(|f| Field {
                        dtype: f.dtype.with_endian(endian),
                        ..f.clone()
                    })
                    .collect(),
                itemsize: r.itemsize,
            }),
            DType::SubArray(base, shape) => {
                DType::SubArray(Box::new(base.with_endian(endian)), shape.clone())
            }
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
            DType::SubArray(inner, _) => {
                let mut one = Vec::new();
                inner.collect_swap_units(0, &mut one);
                let size = inner.itemsize();
                let count = self.itemsize().checked_div(size).unwrap_or(0);
                for k in 0..count {
                    out.extend(one.iter().map(|u| SwapUnit {
                        offset: base + k * size + u.offset,
                        ..*u
                    }));
                }
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
        assert_eq!(dt.descr(), descr);
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
            "[]",
        ] {
            roundtrip(d);
        }
    }

    #[test]
    fn normalises_like_numpy() {
        assert_eq!(DType::parse("<u1").unwrap().descr(), "'|u1'");
        assert_eq!(DType::parse(">b1").unwrap().descr(), "'|b1'");
        assert_eq!(
            DType::parse("|U3").unwrap().descr(),
            format!("'{}U3'", Endian::NATIVE.descr_char())
        );
        assert_eq!(DType::parse("O8").unwrap().descr(), "'|O'");
        assert_eq!(DType::parse("S").unwrap().descr(), "'|S0'");
        // consecutive padding merges; a void subarray without a name is padding
        assert_eq!(
            DType::parse("[('a', '<i4'), ('', '|V2'), ('', '|V1', (2,))]")
                .unwrap()
                .descr(),
            "[('a', '<i4'), ('', '|V4')]"
        );
        // a named void is a field
        assert_eq!(
            DType::parse("[('v', '|V2')]").unwrap().descr(),
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
    fn swap_units_cover_records() {
        let dt =
            DType::parse("[('a', '<i4'), ('b', '|u1'), ('c', '<c8', (2,)), ('d', '<U2')]").unwrap();
        let units: Vec<(usize, usize)> = dt
            .swap_units()
            .iter()
            .map(|u| (u.offset, u.width))
            .collect();
        assert_eq!(
            units,
            vec![(0, 4), (5, 4), (9, 4), (13, 4), (17, 4), (21, 4), (25, 4)]
        );
    }
}
