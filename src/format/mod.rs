//! The text layer of the `.npy` format: the prefix (magic string, version, header length,
//! alignment padding), the Python-literal grammar of the header and its `repr` rendering.
//!
//! Nothing here knows what a dtype or a shape is; [`crate::dtype`] and [`crate::header`] give
//! the literals their meaning.

pub(crate) mod literal;
mod printable_table;
pub(crate) mod render;
mod tail;

use std::io::Read;

use byteorder::{ByteOrder, LittleEndian, WriteBytesExt};

use crate::error::{Error, Result};
use crate::io::read_up_to;
use literal::{parse_literal, Grammar, Literal};

/// The magic string every `.npy` file starts with.
pub const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// Alignment of the data offset in files written by NumPy >= 1.14.
const ARRAY_ALIGN: usize = 64;

/// A `.npy` format version.
///
/// ```
/// assert_eq!(npio::npy::Version::V2_0.to_string(), "2.0");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Version {
    /// 1.0: latin-1 header of at most 65535 bytes (u16 length).
    V1_0,
    /// 2.0: latin-1 header with a u32 length.
    V2_0,
    /// 3.0: UTF-8 header with a u32 length.
    V3_0,
}

impl Version {
    pub(crate) fn from_bytes(major: u8, minor: u8) -> Result<Version> {
        match (major, minor) {
            (1, 0) => Ok(Version::V1_0),
            (2, 0) => Ok(Version::V2_0),
            (3, 0) => Ok(Version::V3_0),
            _ => Err(Error::UnsupportedVersion { major, minor }),
        }
    }

    /// `(major, minor)`.
    ///
    /// ```
    /// assert_eq!(npio::npy::Version::V3_0.major_minor(), (3, 0));
    /// ```
    pub fn major_minor(self) -> (u8, u8) {
        match self {
            Version::V1_0 => (1, 0),
            Version::V2_0 => (2, 0),
            Version::V3_0 => (3, 0),
        }
    }

    /// Width of the header-length field: 2 bytes for 1.0, 4 otherwise.
    pub(crate) fn length_width(self) -> usize {
        if self == Version::V1_0 {
            2
        } else {
            4
        }
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (major, minor) = self.major_minor();
        write!(f, "{major}.{minor}")
    }
}

/// `magic + version + length + text + padding + '\n'`, or None when `text` does not fit
/// `version`.
pub(crate) fn wrap_header(text: &str, version: Version) -> Option<Vec<u8>> {
    let encoded: Vec<u8> = if version == Version::V3_0 {
        text.as_bytes().to_vec()
    } else {
        text.chars()
            .map(|c| u8::try_from(u32::from(c)).ok())
            .collect::<Option<_>>()?
    };
    let width = version.length_width();
    let hlen = encoded.len() + 1;
    let padlen = ARRAY_ALIGN - ((MAGIC.len() + 2 + width + hlen) % ARRAY_ALIGN);
    let total = hlen + padlen;
    let mut out = Vec::with_capacity(MAGIC.len() + 2 + width + total);
    out.extend_from_slice(MAGIC);
    let (major, minor) = version.major_minor();
    out.extend_from_slice(&[major, minor]);
    let written = if version == Version::V1_0 {
        out.write_u16::<LittleEndian>(u16::try_from(total).ok()?)
    } else {
        out.write_u32::<LittleEndian>(u32::try_from(total).ok()?)
    };
    written.ok()?; // writing into a Vec cannot fail
    out.extend_from_slice(&encoded);
    out.extend(std::iter::repeat_n(b' ', padlen));
    out.push(b'\n');
    Some(out)
}

/// Reads exactly `buf.len()` bytes, reporting a truncated header with its offset.
fn read_prefix_part<R: Read + ?Sized>(
    reader: &mut R,
    buf: &mut [u8],
    offset: u64,
    what: &'static str,
) -> Result<()> {
    let got = read_up_to(reader, buf)?;
    if got < buf.len() {
        return Err(Error::TruncatedHeader {
            offset: offset + got as u64,
            what,
            expected: (buf.len() - got) as u64,
        });
    }
    Ok(())
}

/// The prefix of a `.npy` stream as read: its version, the header text's raw bytes and the
/// file offset they start at.
pub(crate) struct Prefix {
    /// The format version.
    pub version: Version,
    /// The header text, undecoded.
    pub raw: Vec<u8>,
    /// File offset of the first header text byte.
    pub text_offset: u64,
}

impl Prefix {
    /// File offset of the first data byte.
    pub fn data_offset(&self) -> u64 {
        self.text_offset + self.raw.len() as u64
    }
}

/// Reads the prefix and the header text, refusing a claimed header length over `max_len`
/// before allocating for it.
pub(crate) fn read_prefix<R: Read + ?Sized>(reader: &mut R, max_len: usize) -> Result<Prefix> {
    let mut magic = [0u8; 8];
    let got = read_up_to(reader, &mut magic)?;
    if got < 6 || &magic[..6] != MAGIC {
        return Err(Error::BadMagic {
            found: magic[..got.min(6)].to_vec(),
        });
    }
    if got < 8 {
        return Err(Error::TruncatedHeader {
            offset: got as u64,
            what: "format version",
            expected: (8 - got) as u64,
        });
    }
    let version = Version::from_bytes(magic[6], magic[7])?;
    let width = version.length_width();
    let mut len_bytes = [0u8; 4];
    read_prefix_part(reader, &mut len_bytes[..width], 8, "header length")?;
    let header_len = LittleEndian::read_u32(&len_bytes) as usize;
    if header_len > max_len {
        return Err(Error::HeaderTooLarge {
            len: header_len as u64,
            limit: max_len as u64,
        });
    }
    let text_offset = (8 + width) as u64;
    // Grown as the text arrives: the length is only the file's claim (the limit may be high).
    let mut raw = Vec::new();
    (&mut *reader)
        .take(header_len as u64)
        .read_to_end(&mut raw)?;
    if raw.len() < header_len {
        return Err(Error::TruncatedHeader {
            offset: text_offset + raw.len() as u64,
            what: "header",
            expected: (header_len - raw.len()) as u64,
        });
    }
    Ok(Prefix {
        version,
        raw,
        text_offset,
    })
}

/// Decodes the header text in its version's encoding and parses it as a Python literal;
/// errors carry file offsets (the text starts at `text_offset`).
pub(crate) fn parse_text(raw: &[u8], version: Version, text_offset: u64) -> Result<Literal> {
    let (text, latin1) = if version == Version::V3_0 {
        let text = std::str::from_utf8(raw).map_err(|e| Error::HeaderEncoding {
            encoding: "UTF-8",
            offset: text_offset + e.valid_up_to() as u64,
        })?;
        (std::borrow::Cow::Borrowed(text), false)
    } else {
        (
            std::borrow::Cow::Owned(raw.iter().map(|&b| b as char).collect::<String>()),
            true,
        )
    };
    let grammar = Grammar {
        allow_long_suffix: version != Version::V3_0,
    };
    let literal = parse_literal(&text, grammar).map_err(|e| {
        let pos = text.len() - e.rest.len();
        let in_file = if latin1 {
            text[..pos].chars().count()
        } else {
            pos
        };
        Error::HeaderSyntax {
            offset: text_offset + in_file as u64,
            message: e.message,
        }
    })?;
    Ok(literal)
}
