//! Archives crafted byte by byte (see `common::craft`): structures no zip writer makes, each
//! refused when the archive is opened, before any member is inflated.

mod common;

use std::io::Cursor;

use common::craft::{npy_i64, Craft, UTF8};
use npio::{Error, NpzReader};

fn open(bytes: Vec<u8>) -> npio::Result<NpzReader<Cursor<Vec<u8>>>> {
    NpzReader::new(Cursor::new(bytes))
}

fn archive_error(bytes: Vec<u8>) -> String {
    match open(bytes) {
        Err(Error::Archive { reason }) => reason,
        Err(err @ Error::Zip { .. }) => err.to_string(),
        Err(other) => panic!("expected Error::Archive or Error::Zip, got {other:?}"),
        Ok(_) => panic!("the archive was accepted"),
    }
}

/// The overlapping-entry bomb: one local header holding a deflate stream, and many directory
/// entries (under other names) pointing at it.
pub fn overlap_bomb(entries: usize, inflated_mib: usize) -> Vec<u8> {
    let npy = npio::to_bytes(&ndarray::Array1::<u8>::zeros(inflated_mib << 20)).unwrap();
    let mut zip = Craft::new(b"");
    let local = zip.deflated(b"m0.npy", &npy);
    for k in 1..entries {
        zip.central(format!("m{k}.npy").as_bytes(), 0, local);
    }
    zip.finish()
}

#[test]
fn entries_sharing_one_stream_are_refused_before_inflating() {
    let message = archive_error(overlap_bomb(200, 8));
    assert!(message.contains("inconsistent"), "{message}");
}

#[test]
fn a_local_header_that_disagrees_with_the_directory_is_refused() {
    let data = npy_i64(&[1, 2, 3]);
    // The directory claims fewer bytes than the local header holds.
    let mut zip = Craft::new(b"");
    let mut local = zip.local(
        b"a.npy",
        0,
        0,
        &data,
        data.len() as u32,
        crc32fast::hash(&data),
    );
    local.size -= 8;
    local.compressed -= 8;
    zip.central(b"a.npy", 0, local);
    archive_error(zip.finish());
    // The directory names the member differently from its local header.
    let mut zip = Craft::new(b"");
    let local = zip.local(
        b"a.npy",
        0,
        0,
        &data,
        data.len() as u32,
        crc32fast::hash(&data),
    );
    zip.central(b"b.npy", 0, local);
    archive_error(zip.finish());
}

#[test]
fn names_equal_after_decoding_are_refused() {
    // UTF-8 "é.npy" (flag set) and CP437 0x82 ("é") + ".npy".
    let mut zip = Craft::new(b"");
    zip.stored(b"\xc3\xa9.npy", UTF8, &npy_i64(&[1]));
    zip.stored(b"\x82.npy", 0, &npy_i64(&[2]));
    let message = archive_error(zip.finish());
    assert!(message.contains("é.npy"), "{message}");
}

#[test]
fn data_before_the_archive_is_refused() {
    // Offsets that count the junk (as `zip -A` writes them) ...
    let mut zip = Craft::new(&[0x7f; 5000]);
    zip.stored(b"a.npy", 0, &npy_i64(&[1, 2]));
    let message = archive_error(zip.finish());
    assert!(message.contains("starts with"), "{message}");
    // ... and junk put in front of a normal archive.
    let mut zip = Craft::new(b"");
    zip.stored(b"a.npy", 0, &npy_i64(&[1, 2]));
    let good = zip.finish();
    let mut prefixed = vec![b'#'; 5000];
    prefixed.extend_from_slice(&good);
    archive_error(prefixed);
    // The archive without the junk is fine.
    let mut npz = open(good).unwrap();
    assert_eq!(npz.read::<npio::DynArray>("a").unwrap().shape(), &[2]);
}

#[test]
fn a_member_shorter_than_its_header_claims_fails_member_info() {
    let mut data = npy_i64(&[1, 2, 3, 4]);
    data.truncate(data.len() - 9);
    let mut zip = Craft::new(b"");
    zip.stored(b"a.npy", 0, &data);
    let mut npz = open(zip.finish()).unwrap();
    let err = npz.member_info("a").unwrap_err();
    assert!(
        matches!(
            err.root(),
            Error::TruncatedData {
                expected: 32,
                found: 23,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(matches!(npz.members(), Err(Error::Member { .. })));
}

#[test]
fn member_names_that_escape_are_refused_by_member_path() {
    let mut zip = Craft::new(b"");
    zip.stored(b"../evil.npy", 0, &npy_i64(&[1]));
    let npz = open(zip.finish()).unwrap();
    let names = npz.stored_names();
    assert!(matches!(
        npio::npz::member_path(&names[0]),
        Err(Error::UnsafeName { .. })
    ));
}
