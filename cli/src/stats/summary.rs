//! Summaries of an array's values computed as its bytes stream past: a `Write` sink that the
//! library's `copy_data` fills with little-endian element bytes, so memory stays bounded
//! whatever the array's size. Records are summarised field by field (nested fields as
//! `outer.inner`; a sub-array field's elements all count).

use std::io::{self, Write};

use npio::dtype::ScalarKind;
use npio::reexports::half::f16;
use npio::DType;

/// What one array (or record field) holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stats {
    /// Elements seen (NaN and NaT included).
    pub count: u64,
    /// The smallest and largest value, NaN and NaT left out (`None`: none, or a kind without
    /// an order such as complex numbers and strings).
    pub min: Option<Number>,
    pub max: Option<Number>,
    /// The mean of the values, NaN and NaT left out, computed in `f64` (for complex numbers:
    /// real and imaginary part).
    pub mean: Option<(f64, f64)>,
    /// NaN (or NaT) values.
    pub nan: u64,
    /// Infinite values (either sign; complex: either part).
    pub inf: u64,
}

/// A value as shown: integers (bools, datetimes as their counts) exactly.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i128),
    Float(f64),
}

impl Number {
    fn min(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Number::Int(a.min(b)),
            (Number::Float(a), Number::Float(b)) => Number::Float(a.min(b)),
            _ => self,
        }
    }

    fn max(self, other: Number) -> Number {
        match (self, other) {
            (Number::Int(a), Number::Int(b)) => Number::Int(a.max(b)),
            (Number::Float(a), Number::Float(b)) => Number::Float(a.max(b)),
            _ => self,
        }
    }
}

/// How the values of one leaf are read from an element's bytes.
#[derive(Clone, Copy)]
enum Decode {
    Bool,
    Int(usize),
    UInt,
    F16,
    F32,
    F64,
    C64,
    C128,
    /// datetime64/timedelta64: integers with NaT (`i64::MIN`).
    Time,
    /// Strings, void, long doubles: counted only.
    Count,
}

/// One summarised leaf: a scalar, or a record field, with where its values sit in an element.
struct Leaf {
    name: String,
    dtype: String,
    offset: usize,
    size: usize,
    repeat: usize,
    decode: Decode,
    acc: Accumulator,
}

/// Running sums, compensated (Neumaier) for floats, exact for integers.
#[derive(Default)]
struct Accumulator {
    stats: Stats,
    int_sum: i128,
    float_sum: [f64; 2],
    compensation: [f64; 2],
    summed: u64,
    overflowed: bool,
}

impl Accumulator {
    fn order(&mut self, v: Number) {
        let s = &mut self.stats;
        s.min = Some(s.min.map_or(v, |m| m.min(v)));
        s.max = Some(s.max.map_or(v, |m| m.max(v)));
    }

    fn int(&mut self, v: i128) {
        self.stats.count += 1;
        self.order(Number::Int(v));
        match self.int_sum.checked_add(v) {
            Some(sum) => self.int_sum = sum,
            None => self.overflowed = true,
        }
        self.summed += 1;
    }

    fn add(&mut self, part: usize, v: f64) {
        let sum = self.float_sum[part] + v;
        self.compensation[part] += if self.float_sum[part].abs() >= v.abs() {
            (self.float_sum[part] - sum) + v
        } else {
            (v - sum) + self.float_sum[part]
        };
        self.float_sum[part] = sum;
    }

    fn float(&mut self, v: f64) {
        self.stats.count += 1;
        if v.is_nan() {
            self.stats.nan += 1;
            return;
        }
        self.stats.inf += u64::from(v.is_infinite());
        self.order(Number::Float(v));
        self.add(0, v);
        self.summed += 1;
    }

    fn complex(&mut self, re: f64, im: f64) {
        self.stats.count += 1;
        if re.is_nan() || im.is_nan() {
            self.stats.nan += 1;
            return;
        }
        self.stats.inf += u64::from(re.is_infinite() || im.is_infinite());
        self.add(0, re);
        self.add(1, im);
        self.summed += 1;
    }

    fn time(&mut self, v: i64) {
        if v == i64::MIN {
            self.stats.count += 1;
            self.stats.nan += 1;
        } else {
            self.int(v.into());
        }
    }

    fn finish(mut self, decode: Decode) -> Stats {
        let n = self.summed as f64;
        self.stats.mean = match decode {
            _ if self.summed == 0 => None,
            Decode::Count => None,
            Decode::Bool | Decode::Int(_) | Decode::UInt | Decode::Time if !self.overflowed => {
                Some((self.int_sum as f64 / n, 0.0))
            }
            Decode::Bool | Decode::Int(_) | Decode::UInt | Decode::Time => None,
            _ => {
                let part = |i: usize| {
                    let total = self.float_sum[i] + self.compensation[i];
                    // Infinities of both signs: NaN, as NumPy's mean gives.
                    if total.is_nan() || self.float_sum[i].is_infinite() {
                        self.float_sum[i] / n
                    } else {
                        total / n
                    }
                };
                Some((part(0), part(1)))
            }
        };
        self.stats
    }
}

/// A `Write` sink that summarises the elements of `dtype` (little-endian bytes) written to it.
pub struct Summary {
    itemsize: usize,
    leaves: Vec<Leaf>,
    /// Bytes of an element split across two writes.
    carry: Vec<u8>,
}

impl Summary {
    /// A summary of arrays of `dtype` (the file's), fed their bytes in little-endian order.
    pub fn new(dtype: &DType) -> Summary {
        let mut leaves = Vec::new();
        collect(dtype, String::new(), 0, 1, &mut leaves);
        Summary {
            itemsize: dtype.itemsize(),
            leaves,
            carry: Vec::new(),
        }
    }

    /// The statistics of each leaf: `(name, dtype, stats)`, the name empty for a scalar array.
    pub fn finish(self) -> Vec<(String, String, Stats)> {
        self.leaves
            .into_iter()
            .map(|l| (l.name, l.dtype, l.acc.finish(l.decode)))
            .collect()
    }

    fn element(&mut self, item: &[u8]) {
        for leaf in &mut self.leaves {
            for k in 0..leaf.repeat {
                let at = leaf.offset + k * leaf.size;
                value(leaf.decode, &item[at..at + leaf.size], &mut leaf.acc);
            }
        }
    }
}

fn value(decode: Decode, b: &[u8], acc: &mut Accumulator) {
    let le8 = |b: &[u8]| {
        let mut x = [0u8; 8];
        x[..b.len()].copy_from_slice(b);
        x
    };
    match decode {
        Decode::Bool => acc.int(i128::from(b[0] != 0)),
        Decode::UInt => acc.int(u64::from_le_bytes(le8(b)).into()),
        Decode::Int(n) => {
            let shift = 64 - 8 * n as u32;
            acc.int(((i64::from_le_bytes(le8(b)) << shift) >> shift).into())
        }
        Decode::F16 => acc.float(f16::from_le_bytes([b[0], b[1]]).to_f64()),
        Decode::F32 => acc.float(f32::from_le_bytes(b.try_into().unwrap()).into()),
        Decode::F64 => acc.float(f64::from_le_bytes(b.try_into().unwrap())),
        Decode::C64 => acc.complex(
            f32::from_le_bytes(b[..4].try_into().unwrap()).into(),
            f32::from_le_bytes(b[4..].try_into().unwrap()).into(),
        ),
        Decode::C128 => acc.complex(
            f64::from_le_bytes(b[..8].try_into().unwrap()),
            f64::from_le_bytes(b[8..].try_into().unwrap()),
        ),
        Decode::Time => acc.time(i64::from_le_bytes(le8(b))),
        Decode::Count => acc.stats.count += 1,
    }
}

/// The leaves of `dtype` at `offset`, each value repeated `repeat` times (sub-arrays).
fn collect(dtype: &DType, name: String, offset: usize, repeat: usize, out: &mut Vec<Leaf>) {
    match dtype {
        DType::Record(record) => {
            for field in record.fields() {
                let sub = if name.is_empty() {
                    field.name.clone()
                } else {
                    format!("{name}.{}", field.name)
                };
                collect(&field.dtype, sub, offset + field.offset, repeat, out);
            }
        }
        DType::SubArray(sub) => {
            let (shape, base) = sub.element_shape();
            let n: usize = shape.iter().product();
            match base {
                // A sub-array of records: each record's fields, n times over.
                DType::Record(_) => {
                    for k in 0..n {
                        collect(
                            base,
                            format!("{name}[{k}]"),
                            offset + k * base.itemsize(),
                            repeat,
                            out,
                        );
                    }
                }
                _ => collect(base, name, offset, repeat * n, out),
            }
        }
        DType::Scalar(s) => {
            let decode = match (s.kind(), s.size()) {
                (ScalarKind::Bool, _) => Decode::Bool,
                (ScalarKind::Int, n @ (1 | 2 | 4 | 8)) => Decode::Int(n),
                (ScalarKind::UInt, 1 | 2 | 4 | 8) => Decode::UInt,
                (ScalarKind::Float, 2) => Decode::F16,
                (ScalarKind::Float, 4) => Decode::F32,
                (ScalarKind::Float, 8) => Decode::F64,
                (ScalarKind::Complex, 8) => Decode::C64,
                (ScalarKind::Complex, 16) => Decode::C128,
                (ScalarKind::DateTime { .. } | ScalarKind::TimeDelta { .. }, 8) => Decode::Time,
                _ => Decode::Count,
            };
            out.push(Leaf {
                name,
                dtype: crate::show::dtype_text(dtype),
                offset,
                size: s.size(),
                repeat,
                decode,
                acc: Accumulator::default(),
            });
        }
        // A kind of dtype this version does not know: its elements are counted.
        _ => out.push(Leaf {
            name,
            dtype: crate::show::dtype_text(dtype),
            offset,
            size: dtype.itemsize(),
            repeat,
            decode: Decode::Count,
            acc: Accumulator::default(),
        }),
    }
}

impl Write for Summary {
    fn write(&mut self, mut buf: &[u8]) -> io::Result<usize> {
        let written = buf.len();
        if self.itemsize == 0 {
            return Ok(written);
        }
        if !self.carry.is_empty() {
            let need = (self.itemsize - self.carry.len()).min(buf.len());
            self.carry.extend_from_slice(&buf[..need]);
            buf = &buf[need..];
            if self.carry.len() < self.itemsize {
                return Ok(written);
            }
            let item = std::mem::take(&mut self.carry);
            self.element(&item);
        }
        let mut items = buf.chunks_exact(self.itemsize);
        for item in &mut items {
            self.element(item);
        }
        self.carry.extend_from_slice(items.remainder());
        Ok(written)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
