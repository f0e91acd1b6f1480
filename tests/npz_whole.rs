//! `NpzReader::read_member_into`: a whole member (header and data) into the caller's buffer,
//! checked as `NpyReader::read_raw_into` checks a `.npy` file.

mod common;

use std::io::{Cursor, Write};

use common::craft::Craft;
use npio::{Error, NpzReader, NpzWriter};

/// An archive of raw members, deflated or stored.
fn archive(members: &[(&str, &[u8])], compressed: bool) -> Vec<u8> {
    let mut w = if compressed {
        NpzWriter::new_compressed(Cursor::new(Vec::new()))
    } else {
        NpzWriter::new(Cursor::new(Vec::new()))
    };
    for (name, bytes) in members {
        w.add_raw(name, *bytes).unwrap();
    }
    w.finish().unwrap().into_inner()
}

/// Member `name` read whole into a buffer of its size, and where its data starts.
fn read_whole(bytes: Vec<u8>, name: &str) -> npio::Result<(Vec<u8>, usize)> {
    let mut npz = NpzReader::new(Cursor::new(bytes))?;
    let info = npz.member_info(name)?;
    let mut out = vec![0xAAu8; info.size as usize];
    npz.read_member_into(name, &mut out)?;
    let start = info.npy.map_or(0, |npy| npy.data_offset as usize);
    Ok((out, start))
}

/// A version 1.0 `.npy` file with header dictionary `dict` and `data` after it.
fn npy_with(dict: &str, data: &[u8]) -> Vec<u8> {
    let mut header = dict.to_string();
    while !(10 + header.len() + 1).is_multiple_of(64) {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out.extend_from_slice(data);
    out
}

#[test]
fn a_member_read_whole_is_its_npy_bytes_deflated_or_stored() {
    let a = ndarray::Array2::from_shape_fn((300, 70), |(i, j)| (i * j) as f64 * 0.5);
    let npy = npio::to_bytes(&a).unwrap();
    for compressed in [true, false] {
        let (out, start) = read_whole(archive(&[("a.npy", &npy)], compressed), "a").unwrap();
        assert_eq!(out, npy, "compressed: {compressed}");
        assert_eq!(start, npy.len() - a.len() * 8);
    }
    // Empty arrays too.
    let empty = npio::to_bytes(&ndarray::Array1::<f32>::zeros(0)).unwrap();
    let (out, _) = read_whole(archive(&[("e.npy", &empty)], true), "e").unwrap();
    assert_eq!(out, empty);
}

#[test]
fn the_buffer_must_have_the_member_size() {
    let npy = npio::to_bytes(&ndarray::arr1(&[1u32, 2, 3])).unwrap();
    let mut npz = NpzReader::new(Cursor::new(archive(&[("a.npy", &npy)], true))).unwrap();
    let mut short = vec![0u8; npy.len() - 1];
    let err = npz.read_member_into("a", &mut short).unwrap_err();
    assert!(
        matches!(err, Error::Member { ref source, .. } if matches!(**source, Error::DataLength { found, expected } if found + 1 == expected)),
        "{err:?}"
    );
}

#[test]
fn trailing_bytes_and_objects_are_refused_naming_the_member_and_bool_bytes_kept() {
    let bools = npy_with(
        "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }",
        &[1, 7, 0],
    );
    let trailing = npy_with(
        "{'descr': '<u2', 'fortran_order': False, 'shape': (2,), }",
        &[1, 0, 2, 0, 9],
    );
    let objects = npy_with(
        "{'descr': '|O', 'fortran_order': False, 'shape': (1,), }",
        &[0; 8],
    );
    for compressed in [true, false] {
        let bytes = archive(
            &[("b.npy", &bools), ("t.npy", &trailing), ("o.npy", &objects)],
            compressed,
        );
        let inner = |name: &str| match read_whole(bytes.clone(), name).unwrap_err() {
            Error::Member { member, source } => {
                assert_eq!(member, format!("{name}.npy"));
                *source
            }
            other => panic!("{name}: expected the member named, got {other:?}"),
        };
        // Bool bytes other than 0 and 1 are kept, as NumPy loads them.
        let (whole, _) = read_whole(bytes.clone(), "b").unwrap();
        assert_eq!(whole, bools);
        let t = inner("t");
        assert!(matches!(t, Error::TrailingData { offset: 132 }), "{t:?}");
        assert!(matches!(inner("o"), Error::ObjectDType { .. }));
    }
}

#[test]
fn a_deflated_member_failing_its_crc_is_refused() {
    let npy = npio::to_bytes(&ndarray::arr1(&[5i64, 6, 7])).unwrap();
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(&npy).unwrap();
    let raw = enc.finish().unwrap();
    let mut zip = Craft::new(b"");
    let wrong_crc = crc32fast::hash(&npy) ^ 1;
    let local = zip.local(b"a.npy", 0, 8, &raw, npy.len() as u32, wrong_crc);
    zip.central(b"a.npy", 0, local);
    let err = read_whole(zip.finish(), "a").unwrap_err();
    assert!(err.to_string().contains("CRC"), "{err}");
}

#[test]
fn progress_counts_every_member_byte_once() {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::Arc;
    // 3 MiB of a random walk: deflated in parallel blocks, counted block by block.
    let mut x = 0.0f64;
    let big = ndarray::Array1::from_shape_fn(3 << 17, |i| {
        x += ((i * 7919) % 13) as f64 - 6.0;
        x
    });
    let small = ndarray::arr1(&[1u8, 2, 3]);
    for compressed in [false, true] {
        let done = Arc::new(AtomicU64::new(0));
        let mut w = if compressed {
            NpzWriter::new_compressed(Cursor::new(Vec::new()))
        } else {
            NpzWriter::new(Cursor::new(Vec::new()))
        };
        w.set_progress(done.clone());
        w.add("big", &big).unwrap();
        w.add("small", &small).unwrap();
        w.add_raw("notes.txt", &b"hello"[..]).unwrap();
        let mut rows = w.start_array::<i32>("rows", &[4, 2]).unwrap();
        rows.write_rows(&ndarray::Array2::<i32>::zeros((4, 2)))
            .unwrap();
        rows.finish().unwrap();
        let mut grow = w.start_rows::<u8>("grow", &[3]).unwrap();
        grow.write_rows(&ndarray::Array2::<u8>::ones((5, 3)))
            .unwrap();
        grow.finish().unwrap();
        w.finish().unwrap();
        let expected = npio::to_bytes(&big).unwrap().len()
            + npio::to_bytes(&small).unwrap().len()
            + 5
            + npio::to_bytes(&ndarray::Array2::<i32>::zeros((4, 2)))
                .unwrap()
                .len()
            + npio::to_bytes(&ndarray::Array2::<u8>::ones((5, 3)))
                .unwrap()
                .len();
        assert_eq!(
            done.load(Ordering::Relaxed),
            expected as u64,
            "compressed: {compressed}"
        );
    }
}
