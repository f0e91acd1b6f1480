//! Helpers shared by the integration tests: the NumPy fixture manifest and error names.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use serde_json::Value;

pub mod craft;

/// The repository's fixtures folder (found from the library's or the CLI's package folder).
pub fn fixtures_dir() -> PathBuf {
    let package = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let here = package.join("fixtures");
    if here.is_dir() {
        here
    } else {
        package.join("..").join("fixtures")
    }
}

/// The manifest written by fixtures/generate.py.
pub fn manifest() -> Value {
    let text = std::fs::read_to_string(fixtures_dir().join("manifest.json"))
        .expect("fixtures/manifest.json");
    serde_json::from_str(&text).expect("valid manifest JSON")
}

/// The name of an error variant, as the manifest spells it.
pub fn variant(err: &npio::Error) -> &'static str {
    // Path-based functions name the file around the error itself.
    let err = match err {
        npio::Error::Path { source, .. } => source,
        other => other,
    };
    use npio::Error::*;
    match err {
        Io(_) => "Io",
        BadMagic { .. } => "BadMagic",
        UnsupportedVersion { .. } => "UnsupportedVersion",
        HeaderTooLarge { .. } => "HeaderTooLarge",
        DataTooLarge { .. } => "DataTooLarge",
        TruncatedHeader { .. } => "TruncatedHeader",
        HeaderEncoding { .. } => "HeaderEncoding",
        HeaderSyntax { .. } => "HeaderSyntax",
        InvalidHeader { .. } => "InvalidHeader",
        HeaderUnwritable { .. } => "HeaderUnwritable",
        InvalidDescr { .. } => "InvalidDescr",
        ObjectDType { .. } => "ObjectDType",
        DTypeMismatch { .. } => "DTypeMismatch",
        RowsMismatch { .. } => "RowsMismatch",
        DimensionMismatch { .. } => "DimensionMismatch",
        SizeOverflow { .. } => "SizeOverflow",
        TruncatedData { .. } => "TruncatedData",
        TrailingData { .. } => "TrailingData",
        InvalidBool { .. } => "InvalidBool",
        Shape { .. } => "Shape",
        DataLength { .. } => "DataLength",
        ValuesMismatch { .. } => "ValuesMismatch",
        BlockShape { .. } => "BlockShape",
        NotRowMajor { .. } => "NotRowMajor",
        RowRange { .. } => "RowRange",
        NotAppendable { .. } => "NotAppendable",
        WrittenLength { .. } => "WrittenLength",
        InvalidArgument { .. } => "InvalidArgument",
        NoSuchField { .. } => "NoSuchField",
        InvalidUnicode { .. } => "InvalidUnicode",
        Archive { .. } => "Archive",
        Member { .. } => "Member",
        NoSuchMember { .. } => "NoSuchMember",
        DuplicateMember { .. } => "DuplicateMember",
        UnsafeName { .. } => "UnsafeName",
        MemberUnfinished { .. } => "MemberUnfinished",
        ArchiveFinished => "ArchiveFinished",
        NotViewable { .. } => "NotViewable",
        // The zip layer's refusals (a variant of the `npz` feature) and npio's own archive
        // checks are one kind for the manifest.
        other if format!("{other:?}").starts_with("Zip {") => "Archive",
        _ => "Other",
    }
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The array's values as little-endian bytes in C order, via npio's own writer.
pub fn c_le_bytes(array: &npio::DynArray) -> Vec<u8> {
    let mut out = Vec::new();
    let opts = npio::WriteOptions::default()
        .endian(npio::dtype::Endian::Little)
        .order(npio::npy::Order::C)
        .version(npio::npy::Version::V3_0);
    opts.write(&mut out, array).expect("write");
    let info = npio::npy::read_header(
        &mut &out[..],
        &npio::ReadOptions::default().max_header_size(1 << 30),
    )
    .expect("header");
    out[info.data_offset as usize..].to_vec()
}

/// A scratch folder for one test, removed when dropped; usable wherever a `&Path` is.
pub struct Scratch(tempfile::TempDir);

impl std::ops::Deref for Scratch {
    type Target = Path;
    fn deref(&self) -> &Path {
        self.0.path()
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        self.0.path()
    }
}

/// A fresh scratch folder for one test (`name` only helps when reading a listing).
pub fn scratch(name: &str) -> Scratch {
    Scratch(
        tempfile::Builder::new()
            .prefix(&format!("npio-test-{name}-"))
            .tempdir()
            .unwrap(),
    )
}

/// The base URL of an object-storage test server from `var` (`.ci/servers.sh` starts them), or
/// `None` (said on stderr) when the test cannot run; with `NPIO_REQUIRE_REMOTE=1` (CI) a
/// missing server fails the test instead.
pub fn test_server(var: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url.trim_end_matches('/').to_string()),
        _ if std::env::var("NPIO_REQUIRE_REMOTE").as_deref() == Ok("1") => {
            panic!("{var} is not set and NPIO_REQUIRE_REMOTE=1: start the servers (.ci/servers.sh)")
        }
        _ => {
            eprintln!("skipped: {var} is not set (.ci/servers.sh starts the test servers)");
            None
        }
    }
}
