//! Two arrays compared value by value: numbers as `np.isclose(a, b, rtol, atol,
//! equal_nan=True)` decides (integers exactly, without going through floats), strings and
//! other bytes exactly, records field by field.

use npio::npy::{ArrayData, RawArray};
use npio::reexports::ndarray::{self, ShapeBuilder};
use npio::{DType, DynArray};

/// The tolerance of `np.isclose`: `|a - b| <= atol + rtol * |b|` (B is the reference).
#[derive(Clone, Copy, Debug)]
pub struct Tolerance {
    pub rtol: f64,
    pub atol: f64,
}

/// What comparing the values of two arrays of the same shape found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Values {
    /// Elements compared.
    pub compared: u64,
    /// Elements not close (or not equal).
    pub different: u64,
    /// The first different element (C order), as a flat index.
    pub first: Option<usize>,
    /// The largest `|a - b|` over elements where neither is NaN, and where (numbers only).
    pub max_abs: Option<(f64, usize)>,
    /// The largest `|a - b| / |b|` likewise: 0 where `|a - b|` is 0, infinite where `|a - b|` is
    /// or where `b` is 0 and `a` is not.
    pub max_rel: Option<(f64, usize)>,
}

/// How two arrays under the same name differ.
#[derive(Debug, Clone, PartialEq)]
pub struct ArrayDiff {
    /// The dtypes as NumPy's `dtype.str` (records: their `descr`), A then B.
    pub dtypes: (String, String),
    /// The shapes (A, B).
    pub shapes: (Vec<usize>, Vec<usize>),
    /// True when the dtypes differ other than in byte order.
    pub dtype_differs: bool,
    /// Why the values were not compared, when they were not.
    pub not_compared: Option<String>,
    /// The values, when compared as a whole (not records).
    pub values: Option<Values>,
    /// Records: each field both have, compared as its own array.
    pub fields: Vec<(String, ArrayDiff)>,
    /// Records: fields only A has, only B has.
    pub only_fields: (Vec<String>, Vec<String>),
}

impl ArrayDiff {
    /// True when nothing differs.
    pub fn equal(&self) -> bool {
        !self.dtype_differs
            && self.not_compared.is_none()
            && self.values.as_ref().is_none_or(|v| v.different == 0)
            && self.fields.iter().all(|(_, f)| f.equal())
            && self.only_fields.0.is_empty()
            && self.only_fields.1.is_empty()
    }
}

/// Compares `a` with `b` (the reference).
pub fn compare(a: &DynArray, b: &DynArray, tol: Tolerance) -> ArrayDiff {
    let (da, db) = (a.dtype(), b.dtype());
    let same_dtype =
        da.with_endian(npio::dtype::Endian::Little) == db.with_endian(npio::dtype::Endian::Little);
    let mut diff = ArrayDiff {
        dtypes: (crate::show::dtype_text(da), crate::show::dtype_text(db)),
        shapes: (a.shape().to_vec(), b.shape().to_vec()),
        dtype_differs: !same_dtype,
        not_compared: None,
        values: None,
        fields: Vec::new(),
        only_fields: (Vec::new(), Vec::new()),
    };
    if a.shape() != b.shape() {
        diff.not_compared = Some("the shapes differ".into());
        return diff;
    }
    if let (DType::Record(_), DType::Record(_)) = (da, db) {
        records(a, b, tol, &mut diff);
        return diff;
    }
    let time = |d: &DType| {
        d.as_scalar().is_some_and(|s| {
            matches!(
                s.kind(),
                npio::dtype::ScalarKind::DateTime { .. }
                    | npio::dtype::ScalarKind::TimeDelta { .. }
            )
        })
    };
    let values = match (numbers(a.data()), numbers(b.data())) {
        // Dates and durations only in the same unit; numbers of any kinds with each other.
        (Some(x), Some(y)) if same_dtype || !(time(da) || time(db)) => Some(numeric(x, y, tol)),
        (None, None) => exact(a, b, same_dtype),
        _ => None,
    };
    match values {
        Some(values) => diff.values = Some(values),
        None => diff.not_compared = Some("the dtypes' values cannot be compared".into()),
    }
    diff
}

/// Record arrays: every field both have, by name.
fn records(a: &DynArray, b: &DynArray, tol: Tolerance, diff: &mut ArrayDiff) {
    let (names_a, names_b) = (a.field_names(), b.field_names());
    for name in &names_a {
        if !names_b.contains(name) {
            diff.only_fields.0.push(name.to_string());
            continue;
        }
        match (a.field(name), b.field(name)) {
            (Ok(x), Ok(y)) => diff.fields.push((name.to_string(), compare(&x, &y, tol))),
            (Err(e), _) | (_, Err(e)) => {
                diff.not_compared = Some(format!("field {name:?}: {e}"));
            }
        }
    }
    diff.only_fields.1 = names_b
        .iter()
        .filter(|n| !names_a.contains(n))
        .map(|n| n.to_string())
        .collect();
    // Field order, offsets and padding are not compared: records whose fields (by name) hold
    // equal values are equal.
    diff.dtype_differs = !diff.only_fields.0.is_empty() || !diff.only_fields.1.is_empty();
}

/// A number as compared: integers exactly, everything else as a complex pair of `f64`.
#[derive(Clone, Copy)]
enum Num {
    Int(i128),
    Real(f64, f64),
}

type Numbers<'a> = Box<dyn Iterator<Item = Num> + 'a>;

/// The values of a numeric array in C order, or `None` for other dtypes.
fn numbers(data: &ArrayData) -> Option<Numbers<'_>> {
    fn ints<'a, T: Copy + Into<i128> + 'a>(a: &'a ndarray::ArrayD<T>) -> Numbers<'a> {
        Box::new(a.iter().map(|&v| Num::Int(v.into())))
    }
    fn reals<'a, T: Copy + Into<f64> + 'a>(a: &'a ndarray::ArrayD<T>) -> Numbers<'a> {
        Box::new(a.iter().map(|&v| Num::Real(v.into(), 0.0)))
    }
    Some(match data {
        ArrayData::Bool(a) => Box::new(a.iter().map(|&v| Num::Int(v.into()))),
        ArrayData::Int8(a) => ints(a),
        ArrayData::Int16(a) => ints(a),
        ArrayData::Int32(a) => ints(a),
        ArrayData::Int64(a) | ArrayData::DateTime64(a) | ArrayData::TimeDelta64(a) => ints(a),
        ArrayData::UInt8(a) => ints(a),
        ArrayData::UInt16(a) => ints(a),
        ArrayData::UInt32(a) => ints(a),
        ArrayData::UInt64(a) => ints(a),
        ArrayData::Float16(a) => Box::new(a.iter().map(|v| Num::Real(v.to_f64(), 0.0))),
        ArrayData::Float32(a) => reals(a),
        ArrayData::Float64(a) => reals(a),
        ArrayData::Complex64(a) => Box::new(a.iter().map(|v| Num::Real(v.re.into(), v.im.into()))),
        ArrayData::Complex128(a) => Box::new(a.iter().map(|v| Num::Real(v.re, v.im))),
        _ => return None,
    })
}

/// One pair of numbers: whether they are close, and `|a - b|` and `|a - b| / |b|` when
/// neither is NaN.
fn pair(a: Num, b: Num, tol: Tolerance) -> (bool, Option<(f64, f64)>) {
    let relative = |d: f64, m: f64| match d {
        0.0 => 0.0,
        f64::INFINITY => f64::INFINITY,
        _ => d / m,
    };
    if let (Num::Int(x), Num::Int(y)) = (a, b) {
        let (d, m) = ((x - y).unsigned_abs() as f64, y.unsigned_abs() as f64);
        return (
            x == y || d <= tol.atol + tol.rtol * m,
            Some((d, relative(d, m))),
        );
    }
    let parts = |n: Num| match n {
        Num::Int(v) => (v as f64, 0.0),
        Num::Real(re, im) => (re, im),
    };
    let ((ar, ai), (br, bi)) = (parts(a), parts(b));
    let (a_nan, b_nan) = (ar.is_nan() || ai.is_nan(), br.is_nan() || bi.is_nan());
    if a_nan || b_nan {
        return (a_nan && b_nan, None);
    }
    let equal = ar == br && ai == bi;
    let d = if equal { 0.0 } else { (ar - br).hypot(ai - bi) };
    let m = br.hypot(bi);
    // NumPy 2: (|a - b| <= atol + rtol * |b|) & isfinite(b) | (a == b).
    let close = equal || (d <= tol.atol + tol.rtol * m && m.is_finite());
    (close, Some((d, relative(d, m))))
}

fn numeric(a: Numbers<'_>, b: Numbers<'_>, tol: Tolerance) -> Values {
    let mut v = Values::default();
    let larger = |slot: &mut Option<(f64, usize)>, x: f64, i: usize| {
        if slot.is_none_or(|(best, _)| x > best) {
            *slot = Some((x, i));
        }
    };
    for (i, (x, y)) in a.zip(b).enumerate() {
        v.compared += 1;
        let (close, diffs) = pair(x, y, tol);
        if !close {
            v.different += 1;
            v.first.get_or_insert(i);
        }
        if let Some((d, r)) = diffs {
            larger(&mut v.max_abs, d, i);
            larger(&mut v.max_rel, r, i);
        }
    }
    v
}

/// Strings, bytes and other raw elements, compared exactly: `U` with `U` and `S` with `S` by
/// their text (whatever the widths), anything else only within the same dtype.
fn exact(a: &DynArray, b: &DynArray, same_dtype: bool) -> Option<Values> {
    let kind = |d: &DType| d.as_scalar().map(|s| s.kind());
    let (ka, kb) = (kind(a.dtype()), kind(b.dtype()));
    use npio::dtype::ScalarKind::{Bytes, Unicode};
    match (ka, kb) {
        (Some(Unicode), Some(Unicode)) => Some(counted(
            a.to_strings().ok()?.iter(),
            b.to_strings().ok()?.iter(),
        )),
        (Some(Bytes), Some(Bytes)) => Some(counted(
            a.to_byte_strings().ok()?.iter(),
            b.to_byte_strings().ok()?.iter(),
        )),
        _ if same_dtype && a.dtype() == b.dtype() => {
            let (ArrayData::Raw(x), ArrayData::Raw(y)) = (a.data(), b.data()) else {
                return None;
            };
            Some(counted(elements(x), elements(y)))
        }
        _ => None,
    }
}

fn counted<T: PartialEq>(a: impl Iterator<Item = T>, b: impl Iterator<Item = T>) -> Values {
    let mut v = Values::default();
    for (i, (x, y)) in a.zip(b).enumerate() {
        v.compared += 1;
        if x != y {
            v.different += 1;
            v.first.get_or_insert(i);
        }
    }
    v
}

/// The elements of a raw array in C order, whatever its memory order.
fn elements(raw: &RawArray) -> Box<dyn Iterator<Item = &[u8]> + '_> {
    let size = raw.bytes().len() / raw.shape().iter().product::<usize>().max(1);
    if size == 0 {
        return Box::new(std::iter::repeat_n(&[][..], raw.shape().iter().product()));
    }
    if !raw.is_fortran_order() {
        return Box::new(raw.bytes().chunks_exact(size));
    }
    // Element k in memory order sits at logical index positions[k]; iterate logically.
    let count = raw.shape().iter().product::<usize>();
    let positions = ndarray::ArrayD::from_shape_vec(
        ndarray::IxDyn(raw.shape()).f(),
        (0..count).collect::<Vec<usize>>(),
    )
    .expect("the shape holds the count");
    let order: Vec<usize> = positions.iter().copied().collect();
    Box::new(
        order
            .into_iter()
            .map(move |k| &raw.bytes()[k * size..(k + 1) * size]),
    )
}

/// A flat C-order index as a multi-index of `shape`.
pub fn unravel(mut flat: usize, shape: &[usize]) -> Vec<usize> {
    let mut index = vec![0; shape.len()];
    for (slot, &n) in index.iter_mut().zip(shape).rev() {
        if n > 0 {
            *slot = flat % n;
            flat /= n;
        }
    }
    index
}
