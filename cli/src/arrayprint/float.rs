//! Floating-point values as NumPy's `FloatingFormat` prints them in `str(array)` (NumPy 2,
//! default options: precision 8, `floatmode='maxprec'`, no `suppress`): one format for the
//! whole array, positional unless the largest magnitude is 1e8 or more, the smallest below
//! 1e-4, or their ratio over 1000; digits as short as identify the value in its own precision
//! (Dragon4's unique mode, which Rust's `{}` matches for `f32` and `f64`), at most 8 after the
//! point; columns padded so that the points line up.

/// The storage precision of the values, which decides their shortest digits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    F16,
    F32,
    F64,
}

/// Digits after the point at most (NumPy's default `precision`).
const PRECISION: usize = 8;

/// The shortest scientific digits of `x` that read back as `x` in `width` (`d.ddde[-]x`).
pub(super) fn shortest_sci(x: f64, width: Width) -> String {
    match width {
        Width::F64 => format!("{x:e}"),
        Width::F32 => format!("{:e}", x as f32),
        Width::F16 => {
            let h = npio::reexports::half::f16::from_f64(x);
            (0..17)
                .map(|p| format!("{x:.p$e}"))
                .find(|s| {
                    s.parse::<f64>()
                        .is_ok_and(|y| npio::reexports::half::f16::from_f64(y) == h)
                })
                .unwrap_or_else(|| format!("{x:e}"))
        }
    }
}

/// Splits Rust's scientific text into digits (no point) and the decimal exponent.
fn digits_and_exponent(sci: &str) -> (String, i32) {
    let (mantissa, exp) = sci.split_once('e').expect("scientific text");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    (digits, exp.parse().expect("an exponent"))
}

/// Positional text of a finite `x`: unique digits, at most `PRECISION` after the point
/// (rounded), trailing zeros trimmed but the point kept (`1.`, `0.25`, `-3.`).
pub(super) fn positional(x: f64, width: Width) -> String {
    let (digits, exp) = digits_and_exponent(&shortest_sci(x.abs(), width));
    let decimals = (digits.len() as i32 - 1 - exp).max(0) as usize;
    let mut text = if decimals > PRECISION {
        let rounded = format!("{:.*}", PRECISION, x.abs());
        rounded.trim_end_matches('0').to_string()
    } else if exp >= 0 {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            format!("{digits}{}.", "0".repeat(int_len - digits.len()))
        } else {
            format!("{}.{}", &digits[..int_len], &digits[int_len..])
        }
    } else {
        format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
    };
    if !text.contains('.') {
        text.push('.');
    }
    if x.is_sign_negative() {
        text.insert(0, '-');
    }
    text
}

/// Scientific text of a finite `x`: `d.ddd` mantissa (unique digits, at most `PRECISION`
/// after the point, at least `min_digits`), `e`, sign, exponent of at least `exp_digits`.
fn scientific(x: f64, width: Width, min_digits: usize, exp_digits: usize) -> String {
    let (mut digits, mut exp) = digits_and_exponent(&shortest_sci(x.abs(), width));
    if digits.len() > PRECISION + 1 {
        let rounded = format!("{:.*e}", PRECISION, x.abs());
        (digits, exp) = digits_and_exponent(&rounded);
        let kept = digits.trim_end_matches('0');
        digits = if kept.is_empty() {
            "0".into()
        } else {
            kept.into()
        };
    }
    let frac = &digits[1..];
    let frac = format!(
        "{frac}{}",
        "0".repeat(min_digits.saturating_sub(frac.len()))
    );
    let sign = if x.is_sign_negative() { "-" } else { "" };
    let exp_sign = if exp < 0 { '-' } else { '+' };
    format!(
        "{sign}{}.{frac}e{exp_sign}{:0>exp_digits$}",
        &digits[..1],
        exp.unsigned_abs()
    )
}

/// One format for every value of an array (NumPy's `FloatingFormat.fillFormat`).
#[derive(Debug, Clone)]
pub struct FloatFormat {
    width: Width,
    exp_format: bool,
    /// Scientific: digits after the point (all values padded to it).
    precision: usize,
    exp_size: usize,
    pad_left: usize,
    pad_right: usize,
    /// `sign='+'`: positive values get a `+` (the imaginary parts of complex numbers).
    plus: bool,
}

impl FloatFormat {
    /// The format of `values` (the ones that will be printed).
    pub fn new(values: &[f64], width: Width, plus: bool) -> FloatFormat {
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let non_zero: Vec<f64> = finite
            .iter()
            .map(|v| v.abs())
            .filter(|&v| v != 0.0)
            .collect();
        let mut exp_format = false;
        if !non_zero.is_empty() {
            let max = non_zero.iter().copied().fold(f64::MIN, f64::max);
            let min = non_zero.iter().copied().fold(f64::MAX, f64::min);
            exp_format = max >= 1e8 || min < 1e-4 || max / min > 1000.0;
        }
        let sign = |t: String, v: f64| {
            if plus && !v.is_sign_negative() {
                format!("+{t}")
            } else {
                t
            }
        };
        let mut f = FloatFormat {
            width,
            exp_format,
            precision: 0,
            exp_size: 0,
            pad_left: 0,
            pad_right: 0,
            plus,
        };
        if finite.is_empty() {
        } else if exp_format {
            let texts: Vec<String> = finite
                .iter()
                .map(|&v| sign(scientific(v, width, 0, 2), v))
                .collect();
            for t in &texts {
                let (mantissa, exp) = t.split_once('e').expect("scientific");
                let (int, frac) = mantissa.split_once('.').expect("a point");
                f.precision = f.precision.max(frac.len());
                f.exp_size = f.exp_size.max(exp.len() - 1);
                f.pad_left = f.pad_left.max(int.len());
            }
            f.pad_right = f.exp_size + 2 + f.precision;
        } else {
            for &v in &finite {
                let t = sign(positional(v, width), v);
                let (int, frac) = t.split_once('.').expect("a point");
                f.pad_left = f.pad_left.max(int.len());
                f.pad_right = f.pad_right.max(frac.len());
            }
        }
        if finite.len() != values.len() {
            let neg_inf = values.contains(&f64::NEG_INFINITY) || plus;
            let offset = f.pad_right + 1;
            f.pad_left = f
                .pad_left
                .max(3usize.saturating_sub(offset))
                .max((3 + usize::from(neg_inf)).saturating_sub(offset));
        }
        f
    }

    /// One value, padded to the array's columns.
    pub fn format(&self, x: f64) -> String {
        if !x.is_finite() {
            let text = if x.is_nan() {
                format!("{}nan", if self.plus { "+" } else { "" })
            } else if x < 0.0 {
                "-inf".to_string()
            } else {
                format!("{}inf", if self.plus { "+" } else { "" })
            };
            let total = self.pad_left + self.pad_right + 1;
            return format!("{text:>total$}");
        }
        let mut text = if self.exp_format {
            scientific(x, self.width, self.precision, self.exp_size)
        } else {
            positional(x, self.width)
        };
        if self.plus && !x.is_sign_negative() {
            text.insert(0, '+');
        }
        let (int, frac) = match text.split_once('.') {
            Some((i, f)) => (i.to_string(), f.to_string()),
            None => (text.clone(), String::new()),
        };
        if self.exp_format {
            return format!("{int:>w$}.{frac}", w = self.pad_left);
        }
        format!(
            "{int:>l$}.{frac:<r$}",
            l = self.pad_left,
            r = self.pad_right
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(values: &[f64], width: Width) -> Vec<String> {
        let f = FloatFormat::new(values, width, false);
        values.iter().map(|&v| f.format(v)).collect()
    }

    #[test]
    fn formats_as_numpy_prints_them() {
        // Each expectation is NumPy 2.4's str() of the same values, split at its spaces.
        assert_eq!(
            row(&[1.5, 2.25, f64::NAN, f64::NEG_INFINITY], Width::F64),
            ["1.5 ", "2.25", " nan", "-inf"]
        );
        assert_eq!(row(&[1e-5, 1.5], Width::F64), ["1.0e-05", "1.5e+00"]);
        assert_eq!(row(&[0.1, 65504.0], Width::F16), ["1.00e-01", "6.55e+04"]);
        assert_eq!(row(&[1.0, -2.0], Width::F64), [" 1.", "-2."]);
        assert_eq!(row(&[0.123456789123], Width::F64), ["0.12345679"]);
        assert_eq!(row(&[0.1f32 as f64], Width::F32), ["0.1"]);
    }
}
