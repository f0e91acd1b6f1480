//! Scalar dtypes: kind, byte order, size; datetime units.

use crate::error::{Error, Result};
use crate::format::literal::Literal;
use crate::format::render::repr_string;

/// Byte order of a scalar type.
///
/// ```
/// use npio::dtype::Endian;
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
    /// # use npio::dtype::Endian;
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
    /// assert_eq!(npio::dtype::Endian::Big.descr_char(), '>');
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
    /// use npio::dtype::Endian;
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
/// use npio::dtype::TimeUnit;
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
    /// assert_eq!(npio::dtype::TimeUnit::Microsecond.code(), "us");
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
    /// assert_eq!(npio::dtype::TimeUnit::from_code("D"), Some(npio::dtype::TimeUnit::Day));
    /// assert_eq!(npio::dtype::TimeUnit::from_code("x"), None);
    /// ```
    pub fn from_code(code: &str) -> Option<TimeUnit> {
        Self::ALL.iter().find(|(_, c)| *c == code).map(|(u, _)| *u)
    }
}

/// The kind of a scalar dtype (NumPy's `dtype.kind`, with the datetime unit).
///
/// ```
/// use npio::{dtype::ScalarKind, DType};
/// let dt = DType::parse("<M8[10ms]").unwrap();
/// let s = dt.as_scalar().unwrap();
/// assert_eq!(s.kind(), ScalarKind::DateTime { unit: npio::dtype::TimeUnit::Millisecond, multiplier: 10 });
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
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
/// use npio::{dtype::{Scalar, ScalarKind}, dtype::Endian};
/// let s = Scalar::new(ScalarKind::Float, Endian::Big, 8).unwrap();
/// assert_eq!(s.typestr(), ">f8");
/// // single-byte types carry no byte order, as in NumPy
/// assert_eq!(Scalar::new(ScalarKind::UInt, Endian::Little, 1).unwrap().typestr(), "|u1");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Scalar {
    pub(super) kind: ScalarKind,
    pub(super) endian: Endian,
    pub(super) size: usize,
}

impl Scalar {
    /// A scalar dtype, validated and with its byte order normalised the way NumPy does
    /// (`|` for types where order does not apply, native order where `|` was given for a
    /// multi-byte type).
    ///
    /// `size` is the item size in bytes (for `Unicode`, four bytes per code point).
    ///
    /// ```
    /// use npio::{dtype::{Scalar, ScalarKind}, dtype::Endian};
    /// assert!(Scalar::new(ScalarKind::Int, Endian::Little, 3).is_err());
    /// assert_eq!(Scalar::new(ScalarKind::Unicode, Endian::Little, 12).unwrap().typestr(), "<U3");
    /// ```
    pub fn new(kind: ScalarKind, endian: Endian, size: usize) -> Result<Scalar> {
        let valid = match kind {
            ScalarKind::Bool => size == 1,
            ScalarKind::Int | ScalarKind::UInt => matches!(size, 1 | 2 | 4 | 8),
            ScalarKind::Float => matches!(size, 2 | 4 | 8 | 10 | 12 | 16),
            ScalarKind::Complex => matches!(size, 8 | 16 | 20 | 24 | 32),
            ScalarKind::Bytes | ScalarKind::Void => true,
            ScalarKind::Unicode => size.is_multiple_of(4),
            ScalarKind::DateTime { unit, multiplier }
            | ScalarKind::TimeDelta { unit, multiplier } => {
                size == 8 && valid_time(unit, multiplier)
            }
            // A pointer, as on the 64-bit machines NumPy reads the descr on (`O4` is `O`).
            ScalarKind::Object => size == 8,
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
    /// assert_eq!(npio::DType::parse("<i4").unwrap().as_scalar().unwrap().kind(), npio::dtype::ScalarKind::Int);
    /// ```
    pub fn kind(&self) -> ScalarKind {
        self.kind
    }

    /// The byte order (normalised: `NotApplicable` exactly where NumPy writes `|`).
    ///
    /// ```
    /// assert_eq!(npio::DType::parse(">u2").unwrap().as_scalar().unwrap().endian(), npio::dtype::Endian::Big);
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
    /// use npio::{DType, dtype::Endian};
    /// let s = *DType::parse("<f8").unwrap().as_scalar().unwrap();
    /// assert_eq!(s.with_endian(Endian::Big).typestr(), ">f8");
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
    /// assert_eq!(npio::DType::parse("=c16").unwrap().as_scalar().unwrap().typestr().len(), 4);
    /// ```
    pub fn typestr(&self) -> String {
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
    pub(crate) fn parse_typestr(text: &str) -> Result<Scalar> {
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
                // NumPy ignores the number: `O4` and `O8` are both `O`, a pointer.
                (ScalarKind::Object, 8)
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
    pub(super) fn swap_units(&self, base: usize, out: &mut Vec<SwapUnit>) {
        let e = self.endian;
        if e == Endian::NotApplicable {
            return;
        }
        match self.kind {
            ScalarKind::Complex => {
                let half = self.size / 2;
                out.push(SwapUnit::one(base, half, e));
                out.push(SwapUnit::one(base + half, half, e));
            }
            // One run of 4-byte code points, however long the string type claims to be.
            ScalarKind::Unicode => out.push(SwapUnit {
                repeat: vec![(self.size / 4, 4)],
                ..SwapUnit::one(base, 4, e)
            }),
            _ => out.push(SwapUnit::one(base, self.size, e)),
        }
    }
}

/// One byte-order-bearing value inside an item, possibly repeated: reversing its bytes
/// converts its byte order. Repeats describe sub-arrays and strings compactly, so a plan's
/// size follows the dtype's description, never the item size it claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SwapUnit {
    pub(crate) offset: usize,
    pub(crate) width: usize,
    pub(crate) endian: Endian,
    /// `(count, stride)` per repetition level, outermost first.
    pub(crate) repeat: Vec<(usize, usize)>,
}

impl SwapUnit {
    fn one(offset: usize, width: usize, endian: Endian) -> SwapUnit {
        SwapUnit {
            offset,
            width,
            endian,
            repeat: Vec::new(),
        }
    }

    /// Calls `f` with the offset of every value this unit stands for.
    pub(crate) fn for_each_offset(&self, mut f: impl FnMut(usize)) {
        fn walk(offset: usize, repeat: &[(usize, usize)], f: &mut impl FnMut(usize)) {
            match repeat.split_first() {
                None => f(offset),
                Some((&(count, stride), rest)) => {
                    for k in 0..count {
                        walk(offset + k * stride, rest, f);
                    }
                }
            }
        }
        walk(self.offset, &self.repeat, &mut f);
    }
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
    valid_time(unit, multiplier).then_some((unit, multiplier))
}

/// NumPy's limits on datetime metadata: the multiplier is a C int (larger ones are refused
/// when NumPy reads the dtype), at least 1, and exactly 1 for the generic unit.
fn valid_time(unit: TimeUnit, multiplier: u64) -> bool {
    (1..=i32::MAX as u64).contains(&multiplier) && (unit != TimeUnit::Generic || multiplier == 1)
}
