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

/// Messages a user reads (issue 27): they name the file, say what the file is, use lower case
/// byte orders, and say "given" for rows given.
#[test]
fn messages_name_the_file_and_say_what_it_is() {
    let dir = common::scratch("messages");
    let npz = dir.join("a.npz");
    let mut w = npio::NpzWriter::create(&npz).unwrap();
    w.add("x", &ndarray::arr1(&[1u8])).unwrap();
    w.finish().unwrap();
    let mut reader = npio::NpzReader::open(&npz).unwrap();
    let err = reader.read::<npio::DynArray>("missing").unwrap_err();
    assert!(
        err.to_string().starts_with(&npz.display().to_string()),
        "{err}"
    );
    assert!(
        matches!(err.root(), npio::Error::NoSuchMember { .. }),
        "{err}"
    );

    let npy = dir.join("b.npy");
    let big = npio::WriteOptions::default().endian(npio::dtype::Endian::Big);
    big.write_npy(&npy, &ndarray::arr1(&[1u16, 2])).unwrap();
    let err = npio::NpzReader::open(&npy).unwrap_err();
    assert!(err.to_string().contains("is a .npy file"), "{err}");
    #[cfg(feature = "mmap")]
    {
        // SAFETY: nothing else touches the file while it is mapped.
        let map = unsafe { npio::NpyMap::open(&npy) }.unwrap();
        let err = map.view::<u16, ndarray::Ix1>().unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with(&npy.display().to_string()), "{text}");
        if cfg!(target_endian = "little") {
            assert!(text.contains("big-endian"), "{text}");
        }
    }
    let err = npio::append_npy(&npy, &ndarray::arr1(&[3i32])).unwrap_err();
    assert!(err.to_string().contains("rows of i32 were given"), "{err}");
    assert!(
        matches!(err.root(), npio::Error::RowsMismatch { .. }),
        "{err}"
    );
}
