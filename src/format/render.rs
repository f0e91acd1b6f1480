//! Rendering values exactly as Python's `repr` does, and header bytes exactly as `np.save`
//! writes them.

use super::literal::Literal;
use super::printable_table::NON_PRINTABLE;

/// Whether Python's `str.isprintable()` is true for `c`.
fn is_printable(c: char) -> bool {
    let cp = u32::from(c);
    NON_PRINTABLE
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                std::cmp::Ordering::Less
            } else if lo > cp {
                std::cmp::Ordering::Greater
            } else {
                std::cmp::Ordering::Equal
            }
        })
        .is_err()
}

/// Appends Python's `repr()` of a `str` to `out`.
pub(crate) fn repr_str(s: &str, out: &mut String) {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    out.push(quote);
    for c in s.chars() {
        match c {
            _ if c == quote || c == '\\' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ if (c as u32) < 0x20 || c == '\x7f' => out.push_str(&format!("\\x{:02x}", c as u32)),
            _ if c.is_ascii() || is_printable(c) => out.push(c),
            _ if (c as u32) <= 0xff => out.push_str(&format!("\\x{:02x}", c as u32)),
            _ if (c as u32) <= 0xffff => out.push_str(&format!("\\u{:04x}", c as u32)),
            _ => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push(quote);
}

/// Appends Python's `repr()` of a literal to `out`.
pub(crate) fn repr(value: &Literal, out: &mut String) {
    match value {
        Literal::Str(s) => repr_str(s, out),
        Literal::Bytes(b) => {
            out.push('b');
            // Only used in messages; latin-1 view is close enough to Python's bytes repr.
            repr_str(&b.iter().map(|&x| x as char).collect::<String>(), out);
        }
        Literal::Int(i) => out.push_str(&i.to_string()),
        Literal::Bool(true) => out.push_str("True"),
        Literal::Bool(false) => out.push_str("False"),
        Literal::None => out.push_str("None"),
        Literal::Tuple(items) => {
            out.push('(');
            join(items, out);
            if items.len() == 1 {
                out.push(',');
            }
            out.push(')');
        }
        Literal::List(items) => {
            out.push('[');
            join(items, out);
            out.push(']');
        }
        Literal::Dict(entries) => {
            out.push('{');
            for (n, (k, v)) in entries.iter().enumerate() {
                if n > 0 {
                    out.push_str(", ");
                }
                repr(k, out);
                out.push_str(": ");
                repr(v, out);
            }
            out.push('}');
        }
    }
}

fn join(items: &[Literal], out: &mut String) {
    for (n, item) in items.iter().enumerate() {
        if n > 0 {
            out.push_str(", ");
        }
        repr(item, out);
    }
}

/// `repr()` of a literal as a new string.
pub(crate) fn repr_string(value: &Literal) -> String {
    let mut s = String::new();
    repr(value, &mut s);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(s: &str) -> String {
        let mut out = String::new();
        repr_str(s, &mut out);
        out
    }

    #[test]
    fn python_str_repr() {
        // Expected values are what CPython 3.11 prints.
        assert_eq!(r("abc"), "'abc'");
        assert_eq!(r("a'b"), "\"a'b\"");
        assert_eq!(r("c\"d"), "'c\"d'");
        assert_eq!(r("e'\"f"), "'e\\'\"f'");
        assert_eq!(r("\x01\t\\"), "'\\x01\\t\\\\'");
        assert_eq!(r("café"), "'café'");
        assert_eq!(r("\u{a0}\u{ad}\u{85}"), "'\\xa0\\xad\\x85'");
        assert_eq!(r("\u{200b}x"), "'\\u200bx'");
        assert_eq!(r("\u{e0001}"), "'\\U000e0001'");
        assert_eq!(r("日本"), "'日本'");
        assert_eq!(r("\x7f\n\r"), "'\\x7f\\n\\r'");
    }

    #[test]
    fn containers() {
        let t = Literal::Tuple(vec![Literal::Int(3)]);
        assert_eq!(repr_string(&t), "(3,)");
        assert_eq!(repr_string(&Literal::Tuple(vec![])), "()");
        let l = Literal::List(vec![Literal::Tuple(vec![
            Literal::Str("x".into()),
            Literal::Str("<i4".into()),
        ])]);
        assert_eq!(repr_string(&l), "[('x', '<i4')]");
        assert_eq!(repr_string(&Literal::Bool(false)), "False");
    }
}
