//! The one error type of the crate.

use std::io;

/// Everything that can go wrong while reading or writing `.npy` / `.npz` data.
///
/// Every variant says what was wrong and, where it applies, where in the file it was and
/// which limit was hit (and how to raise it).
///
/// ```
/// let err = npio::from_bytes_dyn(b"not a npy file").unwrap_err();
/// assert!(matches!(err, npio::Error::BadMagic { .. }));
/// assert!(err.to_string().contains("magic"));
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An I/O error from the underlying reader or writer.
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),

    /// The file does not start with `\x93NUMPY`.
    #[error("{}", bad_magic_message(found))]
    BadMagic {
        /// The bytes found where the magic string should be (fewer if the file is shorter).
        found: Vec<u8>,
    },

    /// The format version is not 1.0, 2.0 or 3.0.
    #[error(
        "unsupported .npy format version {major}.{minor} at offset 6 (supported: 1.0, 2.0, 3.0)"
    )]
    UnsupportedVersion {
        /// Major version byte.
        major: u8,
        /// Minor version byte.
        minor: u8,
    },

    /// The header is longer than the configured limit.
    #[error(
        "header of {len} bytes exceeds the limit of {limit} bytes; if you trust this file, \
         raise the limit with ReadOptions::max_header_size (CLI: --max-header-size)"
    )]
    HeaderTooLarge {
        /// Header length claimed by the file.
        len: u64,
        /// The limit in force.
        limit: u64,
    },

    /// The header describes more data than [`crate::ReadOptions::max_data_size`] allows.
    #[error(
        "the array holds {bytes} bytes of data, more than the limit of {limit} bytes; \
         raise the limit with ReadOptions::max_data_size"
    )]
    DataTooLarge {
        /// Data size described by the header.
        bytes: u64,
        /// The limit in force.
        limit: u64,
    },

    /// The file ends before the header does.
    #[error("file ends at offset {offset} inside the {what} (expected {expected} more bytes)")]
    TruncatedHeader {
        /// File offset where data ran out.
        offset: u64,
        /// Which part was being read.
        what: &'static str,
        /// How many more bytes were needed.
        expected: u64,
    },

    /// The header is not valid text in its version's encoding (latin-1 or UTF-8).
    #[error("header is not valid {encoding} at byte {offset} of the file")]
    HeaderEncoding {
        /// The encoding the version requires.
        encoding: &'static str,
        /// File offset of the first bad byte.
        offset: u64,
    },

    /// The header text is not a Python literal NumPy would accept.
    #[error("header syntax error at offset {offset}: {message}")]
    HeaderSyntax {
        /// Byte offset in the file (or in the text given to `DType::parse`).
        offset: u64,
        /// What was expected there.
        message: String,
    },

    /// The header parsed, but its content is not a valid array description.
    #[error("invalid header: {0}")]
    InvalidHeader(String),

    /// The `descr` entry is not a dtype npio understands.
    #[error("invalid dtype descr {descr}: {reason}")]
    InvalidDescr {
        /// The offending descr, as Python-ish text.
        descr: String,
        /// Why it was refused.
        reason: String,
    },

    /// The array holds Python objects (pickles), which npio never unpickles.
    #[error(
        "the array has dtype {descr}, which holds pickled Python objects; npio never runs \
         pickles (save the data with a non-object dtype instead)"
    )]
    ObjectDType {
        /// The descr of the offending dtype.
        descr: String,
    },

    /// The file holds another element type than the one requested.
    #[error("dtype mismatch: the file holds {found}, but {requested} was requested")]
    DTypeMismatch {
        /// The dtype in the file (NumPy descr text).
        found: String,
        /// The Rust element type requested.
        requested: String,
    },

    /// The file's number of dimensions differs from the requested dimension type.
    #[error("dimension mismatch: the file holds a {found}-d array of shape {shape:?}, but a {expected}-d array was requested")]
    DimensionMismatch {
        /// Requested number of dimensions.
        expected: usize,
        /// Dimensions in the file.
        found: usize,
        /// The file's shape.
        shape: Vec<u64>,
    },

    /// Element count or byte size overflows.
    #[error("array size overflows: shape {shape:?} with {itemsize}-byte elements does not fit in memory addresses")]
    SizeOverflow {
        /// The shape.
        shape: Vec<u64>,
        /// Bytes per element.
        itemsize: u64,
    },

    /// The data is shorter than the header says.
    #[error("truncated data: expected {expected} bytes of array data starting at offset {offset}, found only {found}")]
    TruncatedData {
        /// File offset where the data starts.
        offset: u64,
        /// Bytes the header implies.
        expected: u64,
        /// Bytes actually present.
        found: u64,
    },

    /// There are bytes after the end of the array data.
    #[error("unexpected trailing data at offset {offset}, after the end of the array data (allow it with ReadOptions::allow_trailing_data)")]
    TrailingData {
        /// File offset of the first extra byte.
        offset: u64,
    },

    /// A boolean element is neither 0 nor 1.
    #[error("invalid bool value {value} at offset {offset} (bool elements must be 0 or 1)")]
    InvalidBool {
        /// File offset of the bad byte.
        offset: u64,
        /// The byte found.
        value: u8,
    },

    /// A value cannot be represented (for example a shape given to the writer).
    #[error("invalid array: {0}")]
    InvalidArray(String),

    /// The data cannot be viewed in place (memory maps, byte views).
    #[error("cannot view the array data in place: {reason}; read it with a copying reader (npio::read_npy, NpyReader) instead")]
    NotViewable {
        /// Why not: byte order, alignment, compression, a bad bool byte.
        reason: String,
    },

    /// A requested record field does not exist.
    #[error("no field named {name:?} (fields: {available:?})")]
    NoSuchField {
        /// The requested name.
        name: String,
        /// The names the record has.
        available: Vec<String>,
    },

    /// The `.npz` archive itself is invalid (not a zip file, truncated, corrupt directory).
    #[error("invalid npz archive: {0}")]
    Archive(String),

    /// Something went wrong inside one member of an `.npz` archive.
    #[error("npz member {member:?}: {source}")]
    Member {
        /// The member's name as stored in the archive.
        member: String,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },

    /// No member of the archive has the requested name (with or without `.npy`).
    #[error("no member named {name:?} in the archive (members: {available:?})")]
    NoSuchMember {
        /// The requested name.
        name: String,
        /// The names the archive lists (`.npy` stripped).
        available: Vec<String>,
    },

    /// An archive member name that could reach outside the folder it is extracted into
    /// (see [`crate::npz::member_path`]).
    #[error("member name {name:?} is unsafe to extract ({reason}); refusing it")]
    UnsafeName {
        /// The member name as stored.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },

    /// An error while reading or writing a named file: the path and what went wrong there.
    #[error("{}: {source}", path.display())]
    Path {
        /// The file's path, as given.
        path: std::path::PathBuf,
        /// What went wrong.
        #[source]
        source: Box<Error>,
    },

    /// A member name is already used in the archive being written.
    #[error("the archive already has a member named {name:?}")]
    DuplicateMember {
        /// The stored member name.
        name: String,
    },

    /// The writer was used wrongly (for example an incremental member left unfinished).
    #[error("{0}")]
    Usage(String),

    /// Unicode data is not valid UCS-4.
    #[error("invalid unicode code point {code:#x} in element {index}")]
    InvalidUnicode {
        /// Flat (memory-order) element index.
        index: usize,
        /// The bad code point.
        code: u32,
    },
}

/// Shorthand for `std::result::Result<T, npio::Error>`.
///
/// ```
/// fn load() -> npio::Result<npio::DynArray> {
///     npio::from_bytes_dyn(&[])
/// }
/// assert!(load().is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl From<zip::result::ZipError> for Error {
    fn from(err: zip::result::ZipError) -> Error {
        match err {
            zip::result::ZipError::Io(io) => Error::Io(io),
            other => Error::Archive(other.to_string()),
        }
    }
}

impl Error {
    /// Attaches the name of the archive member the error happened in.
    pub(crate) fn in_member(self, member: &str) -> Error {
        match self {
            already @ Error::Member { .. } => already,
            other => Error::Member {
                member: member.to_string(),
                source: Box::new(other),
            },
        }
    }

    /// Attaches the path of the file the error happened in.
    pub(crate) fn at_path(self, path: &std::path::Path) -> Error {
        match self {
            already @ Error::Path { .. } => already,
            other => Error::Path {
                path: path.to_path_buf(),
                source: Box::new(other),
            },
        }
    }

    /// For an error inside an archive member or a named file, the error itself; otherwise
    /// `self`.
    ///
    /// ```
    /// let err = npio::Error::InvalidHeader("x".into());
    /// assert!(matches!(err.root(), npio::Error::InvalidHeader(_)));
    /// ```
    pub fn root(&self) -> &Error {
        match self {
            Error::Member { source, .. } | Error::Path { source, .. } => source.root(),
            other => other,
        }
    }
}

/// Runs `f` on a named file, attaching the path to its error.
pub(crate) fn with_path<T>(path: &std::path::Path, f: impl FnOnce() -> Result<T>) -> Result<T> {
    f().map_err(|e| e.at_path(path))
}

/// Bytes as escaped text (`b"PK\x03\x04"`), as Python shows them.
pub(crate) fn escaped(bytes: &[u8]) -> String {
    let mut out = String::from("b\"");
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

/// What a file with the wrong magic string is, and what to use instead.
fn bad_magic_message(found: &[u8]) -> String {
    let hint = if found.starts_with(b"PK\x03\x04") || found.starts_with(b"PK\x05\x06") {
        ": this is a zip archive (an .npz file?); read it with npio::NpzReader (CLI: npio info)"
    } else if found.is_empty() {
        ": the file is empty"
    } else {
        ""
    };
    format!(
        "not a .npy file: bad magic string {} where b\"\\x93NUMPY\" was expected{hint}",
        escaped(found)
    )
}
