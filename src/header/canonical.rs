//! The header layout `np.save` writes for a plain dtype, parsed without the general
//! literal parser: `{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }`, padded
//! with spaces and ended by `\n`.
//!
//! It exists for one benchmark row: `npio.loads` of a 48 KB `.npy`
//! (`benches/compare_memory.py`), where parsing the header with the general parser took about
//! half of the call. Only that exact layout is taken: anything else (other spacing, key
//! order, record dtypes, `L` suffixes, non-ASCII text) returns `None` and goes to the general
//! parser, which accepts everything this accepts with the same result (a test checks both on
//! every fixture and on generated headers).

use crate::dtype::{DType, Scalar};

use super::Header;

/// The header `raw` spells in `np.save`'s own layout, or `None` for any other text.
pub(super) fn parse(raw: &[u8]) -> Option<Header> {
    let rest = raw.strip_prefix(b"{'descr': '")?;
    let end = rest.iter().position(|&b| b == b'\'')?;
    let (descr, rest) = rest.split_at(end);
    if descr.is_empty()
        || !descr
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"<>|=[]".contains(b))
    {
        return None;
    }
    let rest = rest.strip_prefix(b"', 'fortran_order': ")?;
    let (fortran_order, rest) = if let Some(r) = rest.strip_prefix(b"False") {
        (false, r)
    } else {
        (true, rest.strip_prefix(b"True")?)
    };
    let rest = rest.strip_prefix(b", 'shape': (")?;
    let (shape, rest) = dims(rest)?;
    let rest = rest.strip_prefix(b", }")?;
    let (newline, padding) = rest.split_last()?;
    if *newline != b'\n' || !padding.iter().all(|&b| b == b' ') {
        return None;
    }
    // ASCII, checked above: the bytes are the text.
    let descr = std::str::from_utf8(descr).ok()?;
    let dtype = DType::Scalar(Scalar::parse_typestr(descr).ok()?);
    let header = Header::new(dtype, shape, fortran_order);
    // A size that overflows: the general path says so.
    header.data_len().ok()?;
    Some(header)
}

/// The dimensions after `(`: `)`, `N,)` or `N, M, ...)` as `repr` writes them; the rest.
fn dims(mut rest: &[u8]) -> Option<(Vec<usize>, &[u8])> {
    let mut shape = Vec::new();
    if let Some(r) = rest.strip_prefix(b")") {
        return Some((shape, r));
    }
    loop {
        let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        // Python refuses leading zeros ("007"); the general parser says so.
        if digits == 0 || (digits > 1 && rest[0] == b'0') {
            return None;
        }
        let text = std::str::from_utf8(&rest[..digits]).ok()?;
        shape.push(text.parse::<usize>().ok()?);
        rest = &rest[digits..];
        if shape.len() == 1 {
            if let Some(r) = rest.strip_prefix(b",)") {
                return Some((shape, r));
            }
        } else if let Some(r) = rest.strip_prefix(b")") {
            return Some((shape, r));
        }
        rest = rest.strip_prefix(b", ")?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::{self, Version};

    fn general(raw: &[u8]) -> Option<Header> {
        let literal = format::parse_text(raw, Version::V1_0, 10).ok()?;
        Header::from_literal(&literal).ok()
    }

    #[test]
    fn takes_what_np_save_writes_as_the_general_parser_reads_it() {
        for text in [
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }    \n",
            "{'descr': '|u1', 'fortran_order': False, 'shape': (), }\n",
            "{'descr': '>i2', 'fortran_order': True, 'shape': (2, 3), }  \n",
            "{'descr': '<M8[ns]', 'fortran_order': False, 'shape': (0, 10, 1), }\n",
            "{'descr': '<U5', 'fortran_order': False, 'shape': (18446744073,), }\n",
        ] {
            let fast = parse(text.as_bytes()).unwrap_or_else(|| panic!("{text:?}"));
            assert_eq!(Some(fast), general(text.as_bytes()), "{text:?}");
        }
    }

    #[test]
    fn leaves_everything_else_to_the_general_parser() {
        for text in [
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", // no newline
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3), }\n", // an int, not a tuple
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,4), }\n",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3,), }\n",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (03,), }\n",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,), }\n",
            "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,), }\n",
            "{'fortran_order': False, 'descr': '<f8', 'shape': (3,), }\n",
            "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (3,), }\n",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }  \r\n",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } x\n",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999999,), }\n",
            "{'descr': 'f\\x38', 'fortran_order': False, 'shape': (3,), }\n",
        ] {
            assert_eq!(parse(text.as_bytes()), None, "{text:?}");
        }
    }

    #[test]
    fn agrees_with_the_general_parser_on_every_fixture() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/npy");
        let mut taken = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let bytes = std::fs::read(entry.unwrap().path()).unwrap();
            let Ok(prefix) = format::read_prefix(&mut &bytes[..], usize::MAX) else {
                continue;
            };
            if let Some(fast) = parse(&prefix.raw) {
                let literal = format::parse_text(&prefix.raw, prefix.version, 0).unwrap();
                assert_eq!(fast, Header::from_literal(&literal).unwrap());
                taken += 1;
            }
        }
        assert!(taken > 100, "{taken}");
    }

    proptest::proptest! {
        /// Whatever the fast path takes, the general parser reads the same way.
        #[test]
        fn agrees_with_the_general_parser(
            descr in "[<>|=]?[a-zA-Z][0-9]{0,2}(\\[[a-z]{1,2}\\])?",
            fortran in proptest::bool::ANY,
            shape in proptest::collection::vec(0usize..100_000, 0..5),
            pad in 0usize..70,
            noise in proptest::option::of((0usize..80, proptest::num::u8::ANY)),
        ) {
            let dims = match shape.len() {
                1 => format!("({},)", shape[0]),
                _ => format!("({})", shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")),
            };
            let fortran = if fortran { "True" } else { "False" };
            let text = format!(
                "{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {dims}, }}{}\n",
                " ".repeat(pad)
            );
            let mut raw = text.into_bytes();
            if let Some((at, byte)) = noise {
                let at = at % raw.len();
                raw[at] = byte;
            }
            if let Some(fast) = parse(&raw) {
                proptest::prop_assert_eq!(Some(fast), general(&raw));
            }
        }
    }
}
