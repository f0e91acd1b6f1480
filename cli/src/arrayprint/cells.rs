//! The printed text of each element NumPy's `str(array)` shows, with the per-array formats of
//! NumPy's `arrayprint` (`IntegerFormat`, `BoolFormat`, `FloatingFormat`,
//! `ComplexFloatingFormat`, `DatetimeFormat`, `StructuredVoidFormat`, `repr` of strings),
//! each format made from the elements printed (as NumPy makes it from the summarised data).

use npio::dtype::{ScalarKind, TimeUnit};
use npio::npy::ArrayData;
use npio::DynArray;

use super::float::{FloatFormat, Width};
use crate::CliError;

/// `picked[k]`: flat C-order index of the k-th printed element (increasing). Returns the
/// values at those indices, in that order.
fn pick<T: Clone>(all: impl Iterator<Item = T>, picked: &[usize]) -> Vec<T> {
    let mut out = Vec::with_capacity(picked.len());
    let mut next = picked.iter().peekable();
    for (i, v) in all.enumerate() {
        match next.peek() {
            Some(&&p) if p == i => {
                out.push(v);
                next.next();
            }
            None => break,
            _ => {}
        }
    }
    out
}

fn right_aligned(texts: Vec<String>) -> Vec<String> {
    let width = texts.iter().map(|t| t.chars().count()).max().unwrap_or(0);
    texts.into_iter().map(|t| format!("{t:>width$}")).collect()
}

/// Python's `repr` of a `str`: single quotes unless the text has one and no double quote.
fn py_repr(text: &str) -> String {
    let quote = if text.contains('\'') && !text.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::from(quote);
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c as u32 == 0x7f => {
                out.push_str(&format!("\\x{:02x}", c as u32))
            }
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

/// Python's `repr` of `bytes`.
fn py_bytes_repr(bytes: &[u8]) -> String {
    let quote = if bytes.contains(&b'\'') && !bytes.contains(&b'"') {
        b'"'
    } else {
        b'\''
    };
    let mut out = format!("b{}", quote as char);
    for &b in bytes {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            b if b == quote => {
                out.push('\\');
                out.push(b as char);
            }
            0x20..=0x7e => out.push(b as char),
            b => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push(quote as char);
    out
}

fn floats(values: Vec<f64>, width: Width) -> Vec<String> {
    let f = FloatFormat::new(&values, width, false);
    values.iter().map(|&v| f.format(v)).collect()
}

fn complexes(values: Vec<(f64, f64)>, width: Width) -> Vec<String> {
    let re: Vec<f64> = values.iter().map(|v| v.0).collect();
    let im: Vec<f64> = values.iter().map(|v| v.1).collect();
    let (fr, fi) = (
        FloatFormat::new(&re, width, false),
        FloatFormat::new(&im, width, true),
    );
    values
        .iter()
        .map(|&(r, i)| {
            let i = fi.format(i);
            let end = i.trim_end().len();
            format!("{}{}j{}", fr.format(r), &i[..end], &i[end..])
        })
        .collect()
}

/// Days since 1970-01-01 as a civil date (proleptic Gregorian).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// `np.datetime_as_string` of a count of `unit`, or `None` for units not written here.
fn datetime_text(v: i64, unit: TimeUnit) -> Option<String> {
    let date = |days: i64| {
        let (y, m, d) = civil(days);
        format!("{y:04}-{m:02}-{d:02}")
    };
    let (per_second, digits) = match unit {
        TimeUnit::Year => return Some(format!("{}", 1970 + v)),
        TimeUnit::Month => {
            let (y, m) = (1970 + v.div_euclid(12), v.rem_euclid(12) + 1);
            return Some(format!("{y:04}-{m:02}"));
        }
        TimeUnit::Day => return Some(date(v)),
        TimeUnit::Hour => {
            return Some(format!(
                "{}T{:02}",
                date(v.div_euclid(24)),
                v.rem_euclid(24)
            ))
        }
        TimeUnit::Minute => {
            let (d, m) = (v.div_euclid(1440), v.rem_euclid(1440));
            return Some(format!("{}T{:02}:{:02}", date(d), m / 60, m % 60));
        }
        TimeUnit::Second => (1i64, 0usize),
        TimeUnit::Millisecond => (1_000, 3),
        TimeUnit::Microsecond => (1_000_000, 6),
        TimeUnit::Nanosecond => (1_000_000_000, 9),
        _ => return None,
    };
    let (secs, frac) = (v.div_euclid(per_second), v.rem_euclid(per_second));
    let (d, s) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let mut text = format!(
        "{}T{:02}:{:02}:{:02}",
        date(d),
        s / 3600,
        s / 60 % 60,
        s % 60
    );
    if digits > 0 {
        text += &format!(".{frac:0digits$}");
    }
    Some(text)
}

/// The texts of the `picked` elements of `array`, formatted together.
/// `only`: the record fields to show, else all.
pub fn texts(
    array: &DynArray,
    picked: &[usize],
    only: Option<&[String]>,
) -> Result<Vec<String>, CliError> {
    let unsupported = || {
        CliError::data(format!(
            "show: dtype {} is not supported yet",
            crate::show::dtype_text(array.dtype())
        ))
    };
    let ints = |v: Vec<i128>| right_aligned(v.into_iter().map(|i| i.to_string()).collect());
    macro_rules! int_texts {
        ($a:expr) => {
            ints(pick($a.iter().map(|&v| i128::from(v)), picked))
        };
    }
    Ok(match array.data() {
        ArrayData::Bool(a) => pick(a.iter().copied(), picked)
            .into_iter()
            .map(|b| if b { " True" } else { "False" }.to_string())
            .collect(),
        ArrayData::Int8(a) => int_texts!(a),
        ArrayData::Int16(a) => int_texts!(a),
        ArrayData::Int32(a) => int_texts!(a),
        ArrayData::Int64(a) => int_texts!(a),
        ArrayData::UInt8(a) => int_texts!(a),
        ArrayData::UInt16(a) => int_texts!(a),
        ArrayData::UInt32(a) => int_texts!(a),
        ArrayData::UInt64(a) => int_texts!(a),
        ArrayData::Float16(a) => floats(pick(a.iter().map(|v| v.to_f64()), picked), Width::F16),
        ArrayData::Float32(a) => floats(pick(a.iter().map(|&v| f64::from(v)), picked), Width::F32),
        ArrayData::Float64(a) => floats(pick(a.iter().copied(), picked), Width::F64),
        ArrayData::Complex64(a) => complexes(
            pick(a.iter().map(|v| (f64::from(v.re), f64::from(v.im))), picked),
            Width::F32,
        ),
        ArrayData::Complex128(a) => {
            complexes(pick(a.iter().map(|v| (v.re, v.im)), picked), Width::F64)
        }
        ArrayData::DateTime64(a) => {
            let unit = match array.dtype().as_scalar().map(|s| s.kind()) {
                Some(ScalarKind::DateTime {
                    unit,
                    multiplier: 1,
                }) => unit,
                _ => return Err(unsupported()),
            };
            let values = pick(a.iter().copied(), picked);
            let mut texts = Vec::with_capacity(values.len());
            for v in values {
                texts.push(if v == i64::MIN {
                    "'NaT'".to_string()
                } else {
                    format!("'{}'", datetime_text(v, unit).ok_or_else(unsupported)?)
                });
            }
            right_aligned(texts)
        }
        ArrayData::TimeDelta64(a) => right_aligned(
            pick(a.iter().copied(), picked)
                .into_iter()
                .map(|v| {
                    if v == i64::MIN {
                        "'NaT'".into()
                    } else {
                        v.to_string()
                    }
                })
                .collect(),
        ),
        ArrayData::Raw(_) => match array.dtype().as_scalar().map(|s| s.kind()) {
            Some(ScalarKind::Unicode) => {
                let strings = array
                    .to_strings()
                    .map_err(|e| CliError::data(e.to_string()))?;
                pick(strings.iter().map(|s| py_repr(s)), picked)
            }
            Some(ScalarKind::Bytes) => {
                let bytes = array
                    .to_byte_strings()
                    .map_err(|e| CliError::data(e.to_string()))?;
                pick(bytes.iter().map(|b| py_bytes_repr(b)), picked)
            }
            None if array.dtype().as_record().is_some() => {
                let mut columns = Vec::new();
                let names: Vec<&str> = match only {
                    Some(only) => only.iter().map(String::as_str).collect(),
                    None => array.field_names(),
                };
                for name in names {
                    let field = array
                        .field(name)
                        .map_err(|e| CliError::data(e.to_string()))?;
                    if field.shape() != array.shape() {
                        return Err(unsupported()); // sub-array fields
                    }
                    columns.push(texts(&field, picked, None)?);
                }
                (0..picked.len())
                    .map(|k| match columns.len() {
                        1 => format!("({},)", columns[0][k]),
                        _ => format!(
                            "({})",
                            columns
                                .iter()
                                .map(|c| c[k].as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    })
                    .collect()
            }
            _ => return Err(unsupported()),
        },
        _ => return Err(unsupported()),
    })
}

/// Python's `repr` of a float as NumPy's scalar `str` gives it: shortest digits, scientific
/// below 1e-4 or from 1e16 (`1.0`, `0.1`, `1e-05`, `1e+16`, `inf`, `nan`).
fn py_float(x: f64, width: Width) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x < 0.0 { "-inf".into() } else { "inf".into() };
    }
    let sci = super::float::shortest_sci(x, width);
    let (mantissa, exp) = sci.split_once('e').expect("scientific");
    let exp: i32 = exp.parse().expect("an exponent");
    if !(-4..16).contains(&exp) {
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.unsigned_abs());
    }
    let text = match width {
        Width::F16 => super::float::positional(x, width),
        Width::F32 => format!("{}", x as f32),
        Width::F64 => format!("{x}"),
    };
    match text.strip_suffix('.') {
        Some(int) => format!("{int}.0"),
        None if !text.contains('.') => format!("{text}.0"),
        None => text,
    }
}

/// `str()` of a 0-d array: NumPy prints its scalar.
pub fn scalar_text(array: &DynArray) -> Result<String, CliError> {
    let unsupported = || {
        CliError::data(format!(
            "show: 0-d arrays of dtype {} are not supported yet",
            crate::show::dtype_text(array.dtype())
        ))
    };
    let one = |v: Option<String>| v.ok_or_else(unsupported);
    match array.data() {
        ArrayData::Bool(a) => one(a
            .iter()
            .next()
            .map(|&b| if b { "True" } else { "False" }.into())),
        ArrayData::Float16(a) => one(a.iter().next().map(|v| py_float(v.to_f64(), Width::F16))),
        ArrayData::Float32(a) => one(a.iter().next().map(|&v| py_float(v.into(), Width::F32))),
        ArrayData::Float64(a) => one(a.iter().next().map(|&v| py_float(v, Width::F64))),
        ArrayData::Raw(_) => match array.dtype().as_scalar().map(|s| s.kind()) {
            Some(ScalarKind::Unicode) => one(array
                .to_strings()
                .ok()
                .and_then(|s| s.iter().next().cloned())),
            Some(ScalarKind::Bytes) => one(array
                .to_byte_strings()
                .ok()
                .and_then(|s| s.iter().next().map(|b| py_bytes_repr(b)))),
            _ => Err(unsupported()),
        },
        ArrayData::DateTime64(_) | ArrayData::TimeDelta64(_) => Err(unsupported()),
        ArrayData::Complex64(_) | ArrayData::Complex128(_) => Err(unsupported()),
        _ => texts(array, &[0], None)
            .map(|t| t[0].trim().to_string())
            .map_err(|_| unsupported()),
    }
}
