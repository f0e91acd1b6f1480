//! Trust, round 3 (the library): concurrent appends, object members of archives, bool bytes
//! carried by raw reads, memory maps that check CRCs. Each case was wrong once.

mod common;

use std::io::Cursor;
use std::process::Command;

use ndarray::{arr1, Array1, Array2};
use npio::{DynArray, Error, NpzReader, NpzWriter};

/// A `.npy` member whose header is `descr` and `shape`, followed by `data`.
fn npy_with(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
    let dict = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}");
    let mut text = dict.into_bytes();
    while (10 + text.len() + 1) % 64 != 0 {
        text.push(b' ');
    }
    text.push(b'\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(text.len() as u16).to_le_bytes());
    out.extend_from_slice(&text);
    out.extend_from_slice(data);
    out
}

/// The environment variable that makes [`child_appender`] append (in a child process).
const CHILD: &str = "NPIO_TEST_APPEND_CHILD";

#[test]
#[ignore = "run as a child process by appends_from_several_processes_lose_no_row"]
fn child_appender() {
    let Ok(spec) = std::env::var(CHILD) else {
        return;
    };
    let (path, id) = spec.split_once(',').unwrap();
    let id: i64 = id.parse().unwrap();
    for k in 0..ROUNDS {
        let row = Array2::from_elem((1, 4), id * 1000 + k);
        npio::append_npy(path, &row).unwrap();
    }
}

const ROUNDS: i64 = 40;

#[test]
fn appends_from_several_processes_lose_no_row() {
    let dir = common::scratch("append-procs");
    let path = dir.join("rows.npy");
    npio::write_npy(&path, &Array2::<i64>::zeros((1, 4))).unwrap();
    let children: Vec<_> = (1..=4)
        .map(|id| {
            Command::new(std::env::current_exe().unwrap())
                .args(["--exact", "child_appender", "--ignored", "--quiet"])
                .env(CHILD, format!("{},{id}", path.display()))
                .spawn()
                .unwrap()
        })
        .collect();
    for mut child in children {
        assert!(child.wait().unwrap().success());
    }
    let all: Array2<i64> = npio::read_npy(&path).unwrap();
    assert_eq!(all.nrows(), 1 + 4 * ROUNDS as usize);
    let mut firsts: Vec<i64> = all.column(0).to_vec();
    firsts.sort();
    let mut expected: Vec<i64> = (1..=4)
        .flat_map(|id| (0..ROUNDS).map(move |k| id * 1000 + k))
        .collect();
    expected.push(0);
    expected.sort();
    assert_eq!(firsts, expected, "every acknowledged row is in the file");
}

#[test]
fn object_members_are_described_and_refused_as_needing_pickle() {
    // As in SciPy's benchmark archives: 100 objects in a pickle far shorter than 800 bytes.
    let member = npy_with("'|O'", "(100,)", b"\x80\x04\x95short pickle.");
    let mut w = NpzWriter::new(Cursor::new(Vec::new()));
    w.add("x", &arr1(&[1.5f64])).unwrap();
    w.add_raw("bounds.npy", member).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let mut npz = NpzReader::new(Cursor::new(bytes)).unwrap();
    let info = npz.member_info("bounds").unwrap();
    assert_eq!(info.npy.unwrap().header.shape, vec![100]);
    assert_eq!(npz.members().unwrap().len(), 2);
    let err = npz.read::<DynArray>("bounds").unwrap_err();
    assert!(matches!(err.root(), Error::ObjectDType { .. }), "{err}");
    let x: Array1<f64> = npz.read("x").unwrap();
    assert_eq!(x.to_vec(), [1.5]);
}

#[test]
fn raw_reads_carry_bool_bytes_as_numpy_loads_them_and_typed_reads_refuse_them() {
    let bytes = npy_with("'|b1'", "(3,)", &[0, 1, 7]);
    // Typed and dynamic reads (Rust `bool`) refuse it, as before.
    let err = npio::from_bytes::<Array1<bool>>(&bytes).unwrap_err();
    assert!(matches!(err, Error::InvalidBool { value: 7, .. }), "{err}");
    // Raw reads (what the Python package and `convert` use) keep the bytes.
    let reader = npio::NpyReader::new(Cursor::new(&bytes[..])).unwrap();
    let mut out = [9u8; 3];
    reader.read_raw_into(&mut out).unwrap();
    assert_eq!(out, [0, 1, 7]);
    let mut copied = Vec::new();
    npio::NpyReader::new(Cursor::new(&bytes[..]))
        .unwrap()
        .transcode(&mut copied, &Default::default())
        .unwrap();
    assert_eq!(copied, bytes);
    // Verify reports it.
    let err = npio::NpyReader::new(Cursor::new(&bytes[..]))
        .unwrap()
        .verify()
        .unwrap_err();
    assert!(matches!(err, Error::InvalidBool { value: 7, .. }), "{err}");
    // A deflated member read whole into a caller's buffer keeps them too.
    let mut w = NpzWriter::new_compressed(Cursor::new(Vec::new()));
    w.add_raw("b.npy", bytes.clone()).unwrap();
    let archive = w.finish().unwrap().into_inner();
    let mut npz = NpzReader::new(Cursor::new(archive)).unwrap();
    let mut whole = vec![0u8; bytes.len()];
    npz.read_member_into("b", &mut whole).unwrap();
    assert_eq!(whole, bytes);
}

#[test]
fn headers_ending_in_a_carriage_return_and_spaces_are_refused_as_numpy_refuses_them() {
    let good = npio::to_bytes(&arr1(&[5i64])).unwrap();
    let len = u16::from_le_bytes([good[8], good[9]]) as usize;
    let mut bad = good.clone();
    // "...}      \n" -> "...}\r     " (same length): np.load raises "Cannot parse header".
    let text_end = 10 + len;
    let close = good[..text_end].iter().rposition(|&b| b == b'}').unwrap();
    bad[close + 1] = b'\r';
    for b in &mut bad[close + 2..text_end] {
        *b = b' ';
    }
    let err = npio::from_bytes::<DynArray>(&bad).unwrap_err();
    assert!(matches!(err, Error::HeaderSyntax { .. }), "{err}");
    assert!(err.to_string().contains("carriage return"), "{err}");
    // With a line feed last, as np.save writes, it reads.
    let mut ok = bad.clone();
    ok[text_end - 1] = b'\n';
    assert!(npio::from_bytes::<DynArray>(&ok).is_ok());
}

#[cfg(feature = "mmap")]
#[test]
fn mapped_members_are_checked_against_their_crc() {
    let dir = common::scratch("map-crc");
    let path = dir.join("a.npz");
    let mut w = NpzWriter::create(&path).unwrap();
    w.add("a", &arr1(&[1.0f64, 2.0, 3.0])).unwrap();
    w.add("b", &arr1(&[4u8])).unwrap();
    w.finish().unwrap();
    let mut bytes = std::fs::read(&path).unwrap();
    let offset = {
        let mut npz = NpzReader::new(Cursor::new(&bytes[..])).unwrap();
        npz.member_info("a").unwrap().array_data_offset().unwrap() as usize
    };
    bytes[offset] ^= 0x40; // one bit of the data, not of the header
    std::fs::write(&path, &bytes).unwrap();
    // SAFETY: nothing else touches the file while it is mapped.
    let map = unsafe { npio::NpzMap::open(&path) }.unwrap();
    let err = map.view::<f64, ndarray::Ix1>("a").unwrap_err();
    assert!(err.to_string().contains("CRC"), "{err}");
    assert!(matches!(err.root(), Error::Archive { .. }), "{err}");
    // The other member is fine, and stays fine when viewed again (checked once).
    assert_eq!(map.view::<u8, ndarray::Ix1>("b").unwrap()[0], 4);
    assert_eq!(map.view::<u8, ndarray::Ix1>("b").unwrap()[0], 4);
}
