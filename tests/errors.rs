//! Error messages a user reads: they name the file, say what it is when it is not a `.npy`,
//! and show bytes as text.

mod common;

use common::{fixtures_dir, scratch};
use npio::Error;

#[test]
fn path_based_functions_name_the_path() {
    let err = npio::read_npy::<npio::DynArray, _>("no/such/file.npy").unwrap_err();
    assert!(err.to_string().starts_with("no/such/file.npy: "), "{err}");
    assert!(matches!(err.root(), Error::Io(_)));
    assert!(matches!(err, Error::Path { .. }));
    let dir = scratch("errors");
    let path = dir.join("missing-folder/a.npy");
    let err = npio::write_npy(&path, &ndarray::arr1(&[1u8])).unwrap_err();
    assert!(err.to_string().contains("missing-folder/a.npy: "), "{err}");
    let err = npio::NpzWriter::create(&path).err().unwrap();
    assert!(err.to_string().contains("missing-folder/a.npy: "), "{err}");
    let short = fixtures_dir().join("malformed/header_len_beyond_file.npy");
    let err = npio::read_npy::<ndarray::Array<f64, ndarray::IxDyn>, _>(&short).unwrap_err();
    assert!(
        err.to_string().contains("header_len_beyond_file.npy: "),
        "{err}"
    );
    assert!(!matches!(err.root(), Error::Path { .. }));
}

#[test]
fn reading_an_archive_as_npy_says_what_to_use() {
    let archive = fixtures_dir().join("npz/savez_stored.npz");
    let err = npio::read_npy::<npio::DynArray, _>(&archive).unwrap_err();
    let text = err.to_string();
    assert!(matches!(err.root(), Error::BadMagic { .. }));
    assert!(
        text.contains("zip archive") && text.contains("NpzReader"),
        "{text}"
    );
    assert!(text.contains(r#"b"PK\x03\x04"#), "{text}");
    assert!(!text.contains("[80, 75"), "{text}");
    let err = npio::from_bytes::<npio::DynArray>(b"").unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
}
