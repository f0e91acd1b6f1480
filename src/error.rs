//! The one error type of the crate.

use std::io;

/// Everything that can go wrong while reading or writing `.npy` / `.npz` data.
///
/// Every variant says what was wrong and, where it applies, where in the file it was and
/// which limit was hit (and how to raise it).
///
/// ```
/// let err = npio::from_bytes::<npio::DynArray>(b"not a npy file").unwrap_err();
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
         raise the limit with ReadOptions::max_header_size"
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
    #[error("invalid header: {reason}")]
    InvalidHeader {
        /// What is wrong with the header dict.
        reason: String,
    },

    /// A header cannot be written in the format version asked for (non-latin-1 text before
    /// 3.0, or over 65535 bytes in 1.0), or in any version (`version` is `None`).
    #[error("{}", match version {
        Some(v) => format!("this header cannot be written in .npy format version {v} (non-latin-1 text or too long)"),
        None => "the header is too large for any .npy format version".to_string(),
    })]
    HeaderUnwritable {
        /// The version asked for, if one was.
        version: Option<crate::format::Version>,
    },

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
        /// The dtype in the file.
        found: crate::dtype::DType,
        /// What was requested: a Rust element type or a dtype.
        requested: String,
    },

    /// Rows appended to an existing file are of another element type than the file holds.
    #[error("dtype mismatch: the file holds {found}, but rows of {given} were given")]
    RowsMismatch {
        /// The dtype in the file.
        found: crate::dtype::DType,
        /// The element type of the rows given.
        given: String,
    },

    /// The file's record does not fit a Rust record type (`#[derive(npio::Record)]`): a field
    /// is missing or of another type, or (writing into an existing file) a file field has no
    /// counterpart in the struct.
    #[error("record mismatch: {requested} can't be read from or written as {found}: {problem}")]
    RecordMismatch {
        /// The file's dtype.
        found: crate::dtype::DType,
        /// The Rust record type.
        requested: String,
        /// What does not fit.
        problem: Box<FieldProblem>,
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

    /// `ndarray` refused a shape for the values at hand.
    #[error("shape {shape:?}: {source}")]
    Shape {
        /// The shape asked for.
        shape: Vec<usize>,
        /// ndarray's error.
        #[source]
        source: ndarray::ShapeError,
    },

    /// Element bytes do not fill the shape exactly.
    #[error("{found} bytes of element data, but the shape and item size need {expected}")]
    DataLength {
        /// Bytes the shape and item size need.
        expected: u64,
        /// Bytes given.
        found: u64,
    },

    /// The values of a dynamic array are not of the dtype's Rust type.
    #[error("the values do not match dtype {dtype}")]
    ValuesMismatch {
        /// The dtype the values were given with.
        dtype: crate::dtype::DType,
    },

    /// A block of rows does not have the row shape being written.
    #[error("a block of shape {block:?} does not fit rows of shape {row_shape:?}")]
    BlockShape {
        /// The block's shape.
        block: Vec<usize>,
        /// The shape of one row.
        row_shape: Vec<usize>,
    },

    /// Rows were asked of an array that has no rows in that sense (0-d or Fortran order).
    #[error("rows need a C-order array with at least one axis; this one has shape {shape:?}{}", if *fortran_order { " in Fortran order" } else { "" })]
    NotRowMajor {
        /// The array's shape.
        shape: Vec<usize>,
        /// Whether it is in Fortran order.
        fortran_order: bool,
    },

    /// Rows outside the array were asked for.
    #[error("rows {start}..{end} are out of range for {rows} rows")]
    RowRange {
        /// First row asked for.
        start: usize,
        /// End of the range asked for.
        end: usize,
        /// Rows the array has.
        rows: usize,
    },

    /// A `.npy` file cannot be appended to in place.
    #[error("cannot append to this file: {reason}")]
    NotAppendable {
        /// Why not.
        reason: String,
    },

    /// An incremental writer was finished with a different amount of data than it announced.
    #[error("{what}: {written} {unit} written, {expected} announced")]
    WrittenLength {
        /// What was being written (a member name, a header).
        what: String,
        /// The amount announced.
        expected: u64,
        /// The amount written.
        written: u64,
        /// Bytes, elements or rows.
        unit: &'static str,
    },

    /// An argument is outside its range (a compression level, a chunk size).
    #[error("invalid {argument}: {reason}")]
    InvalidArgument {
        /// The argument's name.
        argument: &'static str,
        /// Why it was refused.
        reason: String,
    },

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

    /// The `.npz` archive's structure is invalid or unsafe (data before the archive, entries
    /// that disagree or overlap, names equal after decoding, a corrupt deflate stream).
    #[error("invalid npz archive: {reason}")]
    Archive {
        /// What is wrong.
        reason: String,
    },

    /// The zip layer refused the archive (not a zip file, truncated, corrupt directory).
    #[cfg(feature = "npz")]
    #[error("invalid npz archive: {source}")]
    Zip {
        /// The zip crate's error.
        #[source]
        source: zip::result::ZipError,
    },

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

    /// A member was started with `start_*` and not finished before the next one.
    #[error("member {member:?} was started but not finished")]
    MemberUnfinished {
        /// The stored name of the open member.
        member: String,
    },

    /// The archive writer was used after `finish`.
    #[error("the archive was already finished")]
    ArchiveFinished,

    /// Unicode data is not valid UCS-4.
    #[error("invalid unicode code point {code:#x} in element {index}")]
    InvalidUnicode {
        /// Flat (memory-order) element index.
        index: usize,
        /// The bad code point.
        code: u32,
    },
}

/// What does not fit between a file's record and a Rust record type
/// ([`Error::RecordMismatch`]). Field paths are dotted NumPy names (`pos.x`).
///
/// ```
/// let p = npio::record::FieldProblem::Missing { field: "x".into(), available: vec!["y".into()] };
/// assert_eq!(p.to_string(), "field 'x' is missing (the record has 'y')");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FieldProblem {
    /// The file has no field of this name (or title).
    #[error("field '{field}' is missing (the record has {})", quoted(available))]
    Missing {
        /// The field's path.
        field: String,
        /// The names the file's record has at that level.
        available: Vec<String>,
    },
    /// The field's type differs (types and widths are never converted; byte order is).
    #[error("field '{field}' is {found} in the file but {expected} in the struct (npio converts byte order only, never types or widths)")]
    WrongType {
        /// The field's path (empty for the whole item).
        field: String,
        /// The file's dtype for the field.
        found: crate::dtype::DType,
        /// The dtype the struct's field needs (in the file's byte order).
        expected: crate::dtype::DType,
    },
    /// Writing into an existing file: the file's field has no counterpart in the struct, so
    /// it would be left zero.
    #[error("the file's field '{field}' has no counterpart in the struct, so writing would leave it zero")]
    Unmatched {
        /// The field's path.
        field: String,
    },
}

fn quoted(names: &[String]) -> String {
    if names.is_empty() {
        return "no fields".into();
    }
    names
        .iter()
        .map(|n| format!("'{n}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Shorthand for `std::result::Result<T, npio::Error>`.
///
/// ```
/// fn load() -> npio::Result<npio::DynArray> {
///     npio::from_bytes(&[])
/// }
/// assert!(load().is_err());
/// ```
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(feature = "npz")]
impl From<zip::result::ZipError> for Error {
    fn from(err: zip::result::ZipError) -> Error {
        match err {
            zip::result::ZipError::Io(io) => Error::Io(io),
            source => Error::Zip { source },
        }
    }
}

impl From<Error> for io::Error {
    /// An I/O error is given back as it was; every other error becomes an `io::Error` of a
    /// fitting kind with the npio error as its source (`InvalidData` for malformed input,
    /// `UnexpectedEof` for truncation, `InvalidInput` for a caller's mistake).
    ///
    /// ```
    /// let err = npio::from_bytes::<npio::DynArray>(b"\x93NUMPY").unwrap_err();
    /// let io: std::io::Error = err.into();
    /// assert_eq!(io.kind(), std::io::ErrorKind::UnexpectedEof);
    /// ```
    fn from(err: Error) -> io::Error {
        use io::ErrorKind as K;
        if let Error::Io(e) = err {
            return e;
        }
        let kind = match err.root() {
            Error::Io(e) => e.kind(),
            Error::TruncatedHeader { .. } | Error::TruncatedData { .. } => K::UnexpectedEof,
            Error::DTypeMismatch { .. }
            | Error::RowsMismatch { .. }
            | Error::RecordMismatch { .. }
            | Error::DimensionMismatch { .. }
            | Error::Shape { .. }
            | Error::DataLength { .. }
            | Error::ValuesMismatch { .. }
            | Error::BlockShape { .. }
            | Error::NotRowMajor { .. }
            | Error::RowRange { .. }
            | Error::NoSuchField { .. }
            | Error::NoSuchMember { .. }
            | Error::DuplicateMember { .. }
            | Error::HeaderUnwritable { .. }
            | Error::WrittenLength { .. }
            | Error::InvalidArgument { .. }
            | Error::MemberUnfinished { .. }
            | Error::ArchiveFinished => K::InvalidInput,
            _ => K::InvalidData,
        };
        io::Error::new(kind, err)
    }
}

impl Error {
    /// Attaches the name of the archive member the error happened in.
    #[cfg(feature = "npz")]
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
    /// let bytes = npio::to_bytes(&ndarray::arr1(&[1u8])).unwrap();
    /// let mut w = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    /// w.add_raw("a.npy", &bytes[..bytes.len() - 1]).unwrap();
    /// let mut npz = npio::NpzReader::new(std::io::Cursor::new(w.finish().unwrap().into_inner())).unwrap();
    /// let err = npz.read::<npio::DynArray>("a").unwrap_err();
    /// assert!(matches!(err, npio::Error::Member { .. }));
    /// assert!(matches!(err.root(), npio::Error::TruncatedData { .. }));
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
        ": this is a zip archive (an .npz file?); read it with npio::NpzReader"
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
