//! The text after a header's literal, as Python's tokenizer reads it: `ast.literal_eval` (and
//! so `np.load`) refuses a header whose last line is an unexpected indent.

/// Whether the text after the literal ends with a line that Python's tokenizer reads as an
/// unexpected indent: a lone `\r` (not followed by `\n`) as the last line break, then spaces
/// or tabs not reset by a form feed. `ast.literal_eval`, and so `np.load`, refuses such a
/// header; a `\n` or `\r\n` line break before the spaces is fine.
pub(super) fn ends_in_indented_line(tail: &str) -> bool {
    let Some(at) = tail.rfind(['\r', '\n']) else {
        return false;
    };
    if tail.as_bytes()[at] != b'\r' {
        return false;
    }
    let mut column = 0usize;
    for c in tail[at + 1..].chars() {
        column = if c == '\x0c' { 0 } else { column + 1 };
    }
    column > 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trailing_line_breaks_follow_numpy() {
        // What np.load (NumPy 2.4.6) accepts and refuses after the header's dict.
        let ok = [
            "\n", "\r\n", "\r  \n", "\n  ", "\r", "\r\x0c", " \r \x0c", "\r\n ",
        ];
        let refused = [
            "\r ",
            "\r\t",
            "\n\r  ",
            "\r\n\r\t",
            "\r\x0c ",
            " \r\t\x0c\t",
        ];
        for tail in ok {
            assert!(!ends_in_indented_line(tail), "{tail:?}");
        }
        for tail in refused {
            assert!(ends_in_indented_line(tail), "{tail:?}");
        }
    }
}
