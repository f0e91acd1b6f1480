//! How the commands print things: dtypes, shapes, counts, sizes and table cells, the same
//! way everywhere.

/// The dtype as NumPy's `dtype.str` for scalars (`<f8`), the descr literal for records.
pub fn dtype_text(dtype: &npio::DType) -> String {
    match dtype.as_scalar() {
        Some(scalar) => scalar.typestr(),
        None => dtype.descr_repr(),
    }
}

/// A shape as Python writes a tuple: `(3,)`, `(2, 3)`, `()`.
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `1 array`, `2 arrays`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    format!("{n} {}", if n == 1 { singular } else { plural })
}

/// Longest table cell printed whole; longer ones keep their start and end.
pub const CELL_MAX: usize = 120;

/// A table cell of at most [`CELL_MAX`] characters: a longer text keeps its first and last
/// characters around `…(N chars)…`. JSON output keeps texts whole.
pub fn cell(text: &str) -> String {
    let n = text.chars().count();
    if n <= CELL_MAX {
        return text.to_string();
    }
    let head: String = text.chars().take(80).collect();
    let tail: String = text.chars().skip(n - 24).collect();
    format!("{head}…({n} chars)…{tail}")
}

/// `text` padded with spaces to `width` characters (no formatting width, which has limits).
pub fn pad(text: &str, width: usize, right_align: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(text.chars().count()));
    if right_align {
        fill + text
    } else {
        format!("{text}{fill}")
    }
}

/// Writes `text` to standard output; a closed pipe ends the command quietly (exit 141).
pub fn print_stdout(text: &str) -> Result<(), crate::CliError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(crate::CliError::pipe_closed()),
        Err(e) => Err(crate::CliError::io(std::path::Path::new("<stdout>"), e)),
        Ok(()) => Ok(()),
    }
}

/// JSON numbers; infinities as the strings `"inf"` and `"-inf"`, NaN as `"nan"`.
pub fn json_float(x: f64) -> serde_json::Value {
    match x {
        _ if x.is_nan() => serde_json::json!("nan"),
        f64::INFINITY => serde_json::json!("inf"),
        f64::NEG_INFINITY => serde_json::json!("-inf"),
        _ => serde_json::json!(x),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_shortened_and_padding_never_panics() {
        let long = "x".repeat(70_000);
        let short = cell(&long);
        assert!(short.chars().count() < CELL_MAX);
        assert!(short.contains("(70000 chars)"));
        assert_eq!(pad("ab", 4, false), "ab  ");
        assert_eq!(pad("ab", 4, true), "  ab");
        assert_eq!(pad(&long, 100_000, false).len(), 100_000);
        assert_eq!(count(1, "array", "arrays"), "1 array");
        assert_eq!(count(0, "array", "arrays"), "0 arrays");
    }
}
