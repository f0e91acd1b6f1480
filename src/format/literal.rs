//! A nom grammar for the subset of Python literals that `ast.literal_eval` accepts and that can
//! appear in a `.npy` header: strings (with prefixes, escapes, implicit concatenation), integers
//! (with Python 2's `L` suffix where allowed), `True`/`False`/`None`, tuples, lists and dicts,
//! with whitespace, line continuations and comments anywhere between tokens.
//!
//! Nesting is bounded by [`MAX_NESTING_DEPTH`] so hostile headers cannot exhaust the stack.

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while, take_while1};
use nom::character::complete::{char, one_of};
use nom::combinator::{opt, recognize};
use nom::error::{ErrorKind, ParseError};
use nom::{IResult, Parser};

/// How deeply tuples, lists and dicts may nest inside a header.
///
/// NumPy's own dtypes nest far less deeply; the bound keeps recursion finite on hostile input.
pub const MAX_NESTING_DEPTH: usize = 64;

/// A parsed Python literal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Literal {
    /// A `str`.
    Str(String),
    /// A `bytes` literal (`b'...'`); never valid in a header, kept for the error message.
    Bytes(Vec<u8>),
    /// An integer (Python ints are unbounded; anything beyond `i128` is refused).
    Int(i128),
    /// `True` or `False`.
    Bool(bool),
    /// `None`.
    None,
    /// A tuple.
    Tuple(Vec<Literal>),
    /// A list.
    List(Vec<Literal>),
    /// A dict, in source order (a later duplicate key wins, as in Python).
    Dict(Vec<(Literal, Literal)>),
}

impl Literal {
    /// A short name of the literal's Python type, for messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Literal::Str(_) => "str",
            Literal::Bytes(_) => "bytes",
            Literal::Int(_) => "int",
            Literal::Bool(_) => "bool",
            Literal::None => "None",
            Literal::Tuple(_) => "tuple",
            Literal::List(_) => "list",
            Literal::Dict(_) => "dict",
        }
    }
}

/// A grammar error: where (the remaining input) and what was expected.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LiteralError<'a> {
    pub(crate) rest: &'a str,
    pub(crate) message: String,
}

impl<'a> LiteralError<'a> {
    fn new(rest: &'a str, message: impl Into<String>) -> Self {
        LiteralError {
            rest,
            message: message.into(),
        }
    }
}

impl<'a> ParseError<&'a str> for LiteralError<'a> {
    fn from_error_kind(input: &'a str, kind: ErrorKind) -> Self {
        LiteralError::new(input, format!("unexpected input ({})", kind.description()))
    }

    fn append(_: &'a str, _: ErrorKind, other: Self) -> Self {
        other
    }

    fn or(self, other: Self) -> Self {
        // Keep the error that got furthest into the input: it is the most specific.
        if other.rest.len() < self.rest.len() {
            other
        } else {
            self
        }
    }
}

type Res<'a, O> = IResult<&'a str, O, LiteralError<'a>>;

fn fail<'a, O>(rest: &'a str, message: impl Into<String>) -> Res<'a, O> {
    Err(nom::Err::Error(LiteralError::new(rest, message)))
}

fn failure<'a, O>(rest: &'a str, message: impl Into<String>) -> Res<'a, O> {
    Err(nom::Err::Failure(LiteralError::new(rest, message)))
}

/// Options of the grammar that depend on the file's format version.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Grammar {
    /// Accept Python 2's long-integer suffix (`3L`), as NumPy does for versions 1.0 and 2.0.
    pub(crate) allow_long_suffix: bool,
}

/// Parses a complete literal: optional whitespace, one value, optional whitespace, end of input.
pub(crate) fn parse_literal(input: &str, grammar: Grammar) -> Result<Literal, LiteralError<'_>> {
    let result = (|i| {
        let (i, _) = skip_space(i)?;
        let (after, v) = value(i, grammar, 0)?;
        let (i, _) = skip_space(after)?;
        let tail = &after[..after.len() - i.len()];
        if super::tail::ends_in_indented_line(tail) {
            let at = tail.rfind('\r').expect("a carriage return");
            return failure(
                &after[at..],
                "a carriage return followed by a line of only spaces ends the header \
                 (Python's parser, and so NumPy, refuses it)",
            );
        }
        Ok((i, v))
    })(input);
    match result {
        Ok(("", v)) => Ok(v),
        Ok((rest, _)) => Err(LiteralError::new(rest, "unexpected text after the literal")),
        Err(nom::Err::Error(e)) | Err(nom::Err::Failure(e)) => Err(e),
        Err(nom::Err::Incomplete(_)) => Err(LiteralError::new("", "unexpected end of header")),
    }
}

/// Whitespace, backslash line continuations and `#` comments between tokens.
fn skip_space(mut i: &str) -> Res<'_, ()> {
    loop {
        let (rest, _) = take_while(|c: char| matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c'))(i)?;
        i = rest;
        if let Some(after) = i.strip_prefix("\\\n").or_else(|| i.strip_prefix("\\\r\n")) {
            i = after;
        } else if i.starts_with('#') {
            let end = i.find('\n').unwrap_or(i.len());
            i = &i[end..];
        } else {
            return Ok((i, ()));
        }
    }
}

fn token<'a>(t: &'static str) -> impl Parser<&'a str, Output = &'a str, Error = LiteralError<'a>> {
    move |i: &'a str| {
        let (i, _) = skip_space(i)?;
        tag(t).parse(i)
    }
}

fn value(i: &str, grammar: Grammar, depth: usize) -> Res<'_, Literal> {
    let (i, _) = skip_space(i)?;
    match i.chars().next() {
        None => fail(i, "expected a value, found the end of the header"),
        Some('(') | Some('[') | Some('{') if depth >= MAX_NESTING_DEPTH => failure(
            i,
            format!("literal nested more than {MAX_NESTING_DEPTH} levels deep"),
        ),
        Some('(') => tuple_or_group(i, grammar, depth + 1),
        Some('[') => {
            let (i, items) = sequence(i, '[', ']', grammar, depth + 1)?;
            Ok((i, Literal::List(items.0)))
        }
        Some('{') => dict(i, grammar, depth + 1),
        Some(c) if c.is_ascii_digit() || c == '-' || c == '+' => integer(i, grammar),
        Some(_) => alt((string_concat, keyword)).parse(i),
    }
}

/// `(x)` is `x`; `(x,)`, `(x, y)` and `()` are tuples.
fn tuple_or_group(i: &str, grammar: Grammar, depth: usize) -> Res<'_, Literal> {
    let (i, (items, trailing_comma)) = sequence(i, '(', ')', grammar, depth)?;
    if items.len() == 1 && !trailing_comma {
        let item = items.into_iter().next().expect("one item");
        Ok((i, item))
    } else {
        Ok((i, Literal::Tuple(items)))
    }
}

/// Comma-separated values between brackets; returns the values and whether a comma trailed.
fn sequence(
    i: &str,
    open: char,
    close: char,
    grammar: Grammar,
    depth: usize,
) -> Res<'_, (Vec<Literal>, bool)> {
    let (mut i, _) = char(open).parse(i)?;
    let mut items = Vec::new();
    let mut trailing_comma = false;
    loop {
        let (rest, _) = skip_space(i)?;
        if let Some(rest) = rest.strip_prefix(close) {
            return Ok((rest, (items, trailing_comma)));
        }
        if !items.is_empty() && !trailing_comma {
            return failure(rest, format!("expected ',' or '{close}'"));
        }
        let (rest, item) = value(rest, grammar, depth)?;
        items.push(item);
        let (rest, comma) = opt(token(",")).parse(rest)?;
        trailing_comma = comma.is_some();
        i = rest;
    }
}

fn dict(i: &str, grammar: Grammar, depth: usize) -> Res<'_, Literal> {
    let (mut i, _) = char('{').parse(i)?;
    let mut entries = Vec::new();
    let mut trailing_comma = false;
    loop {
        let (rest, _) = skip_space(i)?;
        if let Some(rest) = rest.strip_prefix('}') {
            return Ok((rest, Literal::Dict(entries)));
        }
        if !entries.is_empty() && !trailing_comma {
            return failure(rest, "expected ',' or '}' in dict");
        }
        let (rest, key) = value(rest, grammar, depth)?;
        let (rest, _) = skip_space(rest)?;
        let Some(rest) = rest.strip_prefix(':') else {
            return failure(rest, "expected ':' after dict key");
        };
        let (rest, val) = value(rest, grammar, depth)?;
        entries.push((key, val));
        let (rest, comma) = opt(token(",")).parse(rest)?;
        trailing_comma = comma.is_some();
        i = rest;
    }
}

fn keyword(i: &str) -> Res<'_, Literal> {
    let (rest, word) = take_while1(|c: char| c.is_alphanumeric() || c == '_')(i)?;
    match word {
        "True" => Ok((rest, Literal::Bool(true))),
        "False" => Ok((rest, Literal::Bool(false))),
        "None" => Ok((rest, Literal::None)),
        _ => fail(i, format!("unexpected name {word:?} (expected a literal)")),
    }
}

/// An integer with optional unary signs, in decimal, hex, octal or binary, with `_` separators.
fn integer(i: &str, grammar: Grammar) -> Res<'_, Literal> {
    let start = i;
    let mut negative = false;
    let mut i = i;
    loop {
        let (rest, _) = skip_space(i)?;
        if let Some(r) = rest.strip_prefix('-') {
            negative = !negative;
            i = r;
        } else if let Some(r) = rest.strip_prefix('+') {
            i = r;
        } else {
            i = rest;
            break;
        }
    }
    let (radix, digits_start) = match i.get(..2) {
        Some("0x") | Some("0X") => (16, &i[2..]),
        Some("0o") | Some("0O") => (8, &i[2..]),
        Some("0b") | Some("0B") => (2, &i[2..]),
        _ => (10, i),
    };
    let (rest, digits) =
        recognize(take_while1(|c: char| c.is_digit(radix) || c == '_')).parse(digits_start)?;
    if digits.starts_with('_') || digits.ends_with('_') || digits.contains("__") {
        return failure(i, "invalid '_' in integer literal");
    }
    if radix == 10
        && digits.len() > 1
        && digits.starts_with('0')
        && !digits.trim_matches(['0', '_']).is_empty()
    {
        return failure(i, "leading zeros in a decimal integer are not allowed");
    }
    if rest.starts_with(['.', 'e', 'E', 'j', 'J']) {
        return failure(
            rest,
            "floating-point and complex numbers are not allowed here",
        );
    }
    let mut magnitude: i128 = 0;
    for c in digits.chars().filter(|&c| c != '_') {
        let d = c.to_digit(radix).expect("digit checked") as i128;
        magnitude = match magnitude
            .checked_mul(radix as i128)
            .and_then(|m| m.checked_add(d))
        {
            Some(m) => m,
            None => return failure(start, "integer literal too large"),
        };
    }
    let (rest, suffix) = opt(one_of("lL")).parse(rest)?;
    if suffix.is_some() && !grammar.allow_long_suffix {
        return failure(
            rest,
            "the Python 2 long suffix 'L' is only accepted in format 1.0 and 2.0",
        );
    }
    if rest.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
        return failure(rest, "unexpected character after integer");
    }
    Ok((
        rest,
        Literal::Int(if negative { -magnitude } else { magnitude }),
    ))
}

/// One or more adjacent string literals, concatenated as Python does.
fn string_concat(i: &str) -> Res<'_, Literal> {
    let (mut i, first) = string_literal(i)?;
    let mut acc = first;
    loop {
        let (rest, _) = skip_space(i)?;
        match string_literal(rest) {
            Ok((rest, next)) => {
                acc = match (acc, next) {
                    (Literal::Str(mut a), Literal::Str(b)) => {
                        a.push_str(&b);
                        Literal::Str(a)
                    }
                    (Literal::Bytes(mut a), Literal::Bytes(b)) => {
                        a.extend(b);
                        Literal::Bytes(a)
                    }
                    _ => return failure(rest, "cannot mix bytes and str literals"),
                };
                i = rest;
            }
            Err(nom::Err::Error(_)) => return Ok((i, acc)),
            Err(e) => return Err(e),
        }
    }
}

/// A single string literal with an optional `u`, `r`, `b` prefix (or `rb`/`br`).
fn string_literal(i: &str) -> Res<'_, Literal> {
    let (rest, prefix) = take_while(|c: char| matches!(c, 'u' | 'U' | 'r' | 'R' | 'b' | 'B'))(i)?;
    let lower = prefix.to_ascii_lowercase();
    let (raw, bytes) = match lower.as_str() {
        "" | "u" => (false, false),
        "r" => (true, false),
        "b" => (false, true),
        "rb" | "br" => (true, true),
        _ => return fail(i, "expected a literal"),
    };
    let quote = if rest.starts_with("'''") {
        "'''"
    } else if rest.starts_with("\"\"\"") {
        "\"\"\""
    } else if rest.starts_with('\'') {
        "'"
    } else if rest.starts_with('"') {
        "\""
    } else {
        return fail(i, "expected a literal");
    };
    let body_start = &rest[quote.len()..];
    let mut out = String::new();
    let mut chars = body_start.char_indices();
    while let Some((pos, c)) = chars.next() {
        if body_start[pos..].starts_with(quote) {
            let rest = &body_start[pos + quote.len()..];
            return Ok((rest, finish_string(out, bytes, &body_start[pos..])?));
        }
        match c {
            '\n' if quote.len() == 1 => {
                return failure(&body_start[pos..], "newline inside a string")
            }
            '\\' if raw => {
                out.push('\\');
                if let Some((_, next)) = chars.next() {
                    out.push(next);
                }
            }
            '\\' => {
                let after = &body_start[pos + 1..];
                let (consumed, decoded) = escape(after, bytes)?;
                if let Some(ch) = decoded {
                    out.push(ch);
                }
                for _ in 0..consumed {
                    chars.next();
                }
            }
            c => out.push(c),
        }
    }
    failure(rest, "unterminated string")
}

fn finish_string<'a>(
    text: String,
    bytes: bool,
    at: &'a str,
) -> Result<Literal, nom::Err<LiteralError<'a>>> {
    if !bytes {
        return Ok(Literal::Str(text));
    }
    // Escapes in bytes literals produce chars below 256; other chars are not allowed there.
    let mut out = Vec::with_capacity(text.len());
    for ch in text.chars() {
        match u8::try_from(u32::from(ch)) {
            Ok(b) if b < 128 || ch <= '\u{ff}' => out.push(b),
            _ => {
                return Err(nom::Err::Failure(LiteralError::new(
                    at,
                    "non-ASCII character in bytes literal",
                )))
            }
        }
    }
    Ok(Literal::Bytes(out))
}

/// Decodes one escape after a backslash; returns the chars consumed and the decoded char
/// (`None` for a line continuation).
fn escape(after: &str, bytes: bool) -> Result<(usize, Option<char>), nom::Err<LiteralError<'_>>> {
    let bad = |msg: &str| Err(nom::Err::Failure(LiteralError::new(after, msg.to_string())));
    let Some(c) = after.chars().next() else {
        return bad("unterminated escape sequence");
    };
    let simple = match c {
        '\n' => return Ok((1, None)),
        '\\' => Some('\\'),
        '\'' => Some('\''),
        '"' => Some('"'),
        'a' => Some('\x07'),
        'b' => Some('\x08'),
        'f' => Some('\x0c'),
        'n' => Some('\n'),
        'r' => Some('\r'),
        't' => Some('\t'),
        'v' => Some('\x0b'),
        _ => None,
    };
    if let Some(ch) = simple {
        return Ok((1, Some(ch)));
    }
    let hex = |n: usize| -> Option<u32> {
        let digits = after.get(1..1 + n)?;
        if digits.chars().all(|d| d.is_ascii_hexdigit()) {
            u32::from_str_radix(digits, 16).ok()
        } else {
            None
        }
    };
    match c {
        'x' => match hex(2) {
            Some(v) => Ok((3, char::from_u32(v))),
            None => bad("truncated \\xXX escape"),
        },
        'u' | 'U' if !bytes => {
            let n = if c == 'u' { 4 } else { 8 };
            match hex(n).and_then(char::from_u32) {
                Some(ch) => Ok((1 + n, Some(ch))),
                None => bad("invalid unicode escape"),
            }
        }
        '0'..='7' => {
            let digits: String = after
                .chars()
                .take(3)
                .take_while(|d| ('0'..='7').contains(d))
                .collect();
            let v = u32::from_str_radix(&digits, 8).expect("octal digits");
            match char::from_u32(v) {
                Some(ch) => Ok((digits.len(), Some(ch))),
                None => bad("invalid octal escape"),
            }
        }
        'N' => bad("named unicode escapes (\\N{...}) are not supported"),
        // Python keeps an unknown escape verbatim (with a warning): emit the backslash and
        // consume nothing, so the next char is read as an ordinary one.
        _ => Ok((0, Some('\\'))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const G: Grammar = Grammar {
        allow_long_suffix: true,
    };

    fn p(s: &str) -> Literal {
        parse_literal(s, G).unwrap_or_else(|e| panic!("{s:?}: {e:?}"))
    }

    #[test]
    fn scalars() {
        assert_eq!(p("3"), Literal::Int(3));
        assert_eq!(p(" -3 "), Literal::Int(-3));
        assert_eq!(p("3L"), Literal::Int(3));
        assert_eq!(p("0x10"), Literal::Int(16));
        assert_eq!(p("1_000"), Literal::Int(1000));
        assert_eq!(p("True"), Literal::Bool(true));
        assert_eq!(p("None"), Literal::None);
        assert_eq!(p("'a\\'b'"), Literal::Str("a'b".into()));
        assert_eq!(p("\"a'b\""), Literal::Str("a'b".into()));
        assert_eq!(p("'\\x01\\t\\\\\\u00e9'"), Literal::Str("\x01\t\\é".into()));
        assert_eq!(p("u'x' 'y'"), Literal::Str("xy".into()));
        assert_eq!(p("r'\\n'"), Literal::Str("\\n".into()));
        assert_eq!(p("'\\q'"), Literal::Str("\\q".into()));
        assert_eq!(p("'''a'b'''"), Literal::Str("a'b".into()));
        assert_eq!(p("b'\\x00'"), Literal::Bytes(vec![0]));
    }

    #[test]
    fn containers() {
        assert_eq!(p("()"), Literal::Tuple(vec![]));
        assert_eq!(p("(3,)"), Literal::Tuple(vec![Literal::Int(3)]));
        assert_eq!(p("(3)"), Literal::Int(3));
        assert_eq!(
            p("( 3 ,\n 4 )"),
            Literal::Tuple(vec![Literal::Int(3), Literal::Int(4)])
        );
        assert_eq!(p("[]"), Literal::List(vec![]));
        assert_eq!(
            p("{'a': 1, # comment\n 'b': [2,],}"),
            Literal::Dict(vec![
                (Literal::Str("a".into()), Literal::Int(1)),
                (
                    Literal::Str("b".into()),
                    Literal::List(vec![Literal::Int(2)])
                ),
            ])
        );
    }

    #[test]
    fn refusals() {
        for bad in [
            "",
            "(",
            "(1 2)",
            "{'a' 1}",
            "1.5",
            "3j",
            "007",
            "1__0",
            "foo",
            "'abc",
            "'a\nb'",
            "99999999999999999999999999999999999999999",
            "[1,,2]",
            "{'a': 1} x",
            "'\\x4'",
        ] {
            assert!(parse_literal(bad, G).is_err(), "{bad:?} should fail");
        }
        let no_long = Grammar {
            allow_long_suffix: false,
        };
        assert!(parse_literal("3L", no_long).is_err());
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "[".repeat(MAX_NESTING_DEPTH + 1) + &"]".repeat(MAX_NESTING_DEPTH + 1);
        let err = parse_literal(&deep, G).unwrap_err();
        assert!(err.message.contains("nested"), "{err:?}");
        let ok = "[".repeat(MAX_NESTING_DEPTH) + &"]".repeat(MAX_NESTING_DEPTH);
        assert!(parse_literal(&ok, G).is_ok());
        let huge = "(".repeat(1_000_000);
        assert!(parse_literal(&huge, G).is_err());
    }
}
