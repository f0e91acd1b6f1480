//! Every route reads with the same checks: a file, a seekable reader over it, its bytes, a
//! stream of them, an in-place view, a memory map and an archive member (read, or viewed in
//! archive bytes held in memory) give the same
//! verdict (by error kind) for the same bytes and options.

mod common;

use std::io::Cursor;

use common::variant;
use ndarray::IxDyn;
use npio::{DynArray, ReadNpy, ReadOptions};

/// The verdict of each route for `bytes` read with `opts`: "ok" or the error's variant.
fn verdicts(bytes: &[u8], opts: ReadOptions) -> Vec<(&'static str, String)> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("case.npy");
    std::fs::write(&path, bytes).unwrap();
    let npz_path = dir.path().join("case.npz");
    {
        let mut w = npio::NpzWriter::create(&npz_path).unwrap();
        w.add_raw("a.npy", bytes).unwrap();
        w.finish().unwrap();
    }
    let verdict = |r: npio::Result<()>| match r {
        Ok(()) => "ok".to_string(),
        Err(e) => variant(e.root()).to_string(),
    };
    let read = |r: npio::Result<DynArray>| verdict(r.map(drop));
    let file = || std::fs::File::open(&path).unwrap();
    vec![
        ("ReadOptions::read_npy", read(opts.read_npy(&path))),
        ("ReadOptions::from_bytes", read(opts.from_bytes(bytes))),
        (
            "ReadOptions::open_npy",
            read(opts.open_npy(&path).and_then(|r| r.read())),
        ),
        (
            "ReadOptions::npy_reader(File)",
            read(opts.npy_reader(file()).and_then(|r| r.read())),
        ),
        (
            "ReadOptions::npy_reader(Cursor)",
            read(opts.npy_reader(Cursor::new(bytes)).and_then(|r| r.read())),
        ),
        (
            "ReadOptions::npy_stream",
            read(opts.npy_stream(bytes).and_then(|r| r.read())),
        ),
        (
            "ReadOptions::view_npy",
            verdict(opts.view_npy::<u8, IxDyn>(bytes).map(drop)),
        ),
        (
            "ReadOptions::map_npy",
            // SAFETY: the temporary file is not modified while mapped.
            verdict(unsafe { opts.map_npy(&path) }.and_then(|m| m.view::<u8, IxDyn>().map(drop))),
        ),
        (
            "ReadOptions::open_npz member",
            read(opts.open_npz(&npz_path).and_then(|mut z| z.read("a"))),
        ),
        (
            "ReadOptions::npz_view(Bytes) member",
            verdict(
                opts.npz_view(bytes::Bytes::from(std::fs::read(&npz_path).unwrap()))
                    .and_then(|z| z.view::<u8, IxDyn>("a").map(drop)),
            ),
        ),
    ]
}

fn assert_all(bytes: &[u8], opts: ReadOptions, expected: &str) {
    for (route, got) in verdicts(bytes, opts) {
        assert_eq!(got, expected, "{route}");
    }
}

fn u8_file(n: usize) -> Vec<u8> {
    npio::to_bytes(&ndarray::Array1::<u8>::from_elem(n, 7)).unwrap()
}

#[test]
fn every_route_refuses_a_truncated_file() {
    let mut bytes = u8_file(100);
    bytes.truncate(bytes.len() - 1);
    assert_all(&bytes, ReadOptions::new(), "TruncatedData");
}

#[test]
fn every_route_refuses_trailing_data_unless_allowed() {
    let mut bytes = u8_file(100);
    bytes.push(0);
    assert_all(&bytes, ReadOptions::new(), "TrailingData");
    assert_all(&bytes, ReadOptions::new().allow_trailing_data(true), "ok");
}

#[test]
fn every_route_applies_the_limits() {
    let bytes = u8_file(100);
    assert_all(&bytes, ReadOptions::new(), "ok");
    assert_all(
        &bytes,
        ReadOptions::new().max_header_size(64),
        "HeaderTooLarge",
    );
    assert_all(&bytes, ReadOptions::new().max_data_size(99), "DataTooLarge");
}

#[test]
fn every_route_refuses_a_false_claim_before_allocating() {
    // A header claiming 2^40 elements over 10 bytes of data.
    let header = npio::npy::Header::new(npio::DType::parse("|u1").unwrap(), vec![1 << 40], false);
    let mut bytes = header.to_bytes().unwrap();
    bytes.extend([0u8; 10]);
    // The stream cannot know the length: its buffer grows with the data, so it ends truncated
    // too, having allocated no more than arrived.
    assert_all(&bytes, ReadOptions::new(), "TruncatedData");
}

#[test]
fn the_reader_trait_checks_as_the_reader_does() {
    let mut bytes = u8_file(10);
    bytes.truncate(bytes.len() - 1);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.npy");
    std::fs::write(&path, &bytes).unwrap();
    let err = ndarray::Array1::<u8>::read_npy(std::fs::File::open(&path).unwrap()).unwrap_err();
    assert!(
        matches!(
            err,
            npio::Error::TruncatedData {
                expected: 10,
                found: 9,
                ..
            }
        ),
        "{err:?}"
    );
    // Read from a position inside a larger seekable source: the length counts from there.
    let mut padded = vec![0u8; 5];
    padded.extend(u8_file(3));
    let mut cursor = Cursor::new(&padded[..]);
    cursor.set_position(5);
    let a = ndarray::Array1::<u8>::read_npy(cursor).unwrap();
    assert_eq!(a.to_vec(), vec![7, 7, 7]);
}

#[test]
fn read_rows_gives_any_array_type() {
    let a = ndarray::Array2::from_shape_fn((10, 3), |(i, j)| (i * 3 + j) as i32);
    let bytes = npio::to_bytes(&a).unwrap();
    let mut r = npio::NpyReader::new(Cursor::new(&bytes)).unwrap();
    let typed: ndarray::Array2<i32> = r.read_rows(2..4).unwrap();
    assert_eq!(typed, a.slice(ndarray::s![2..4, ..]));
    let dynamic: DynArray = r.read_rows(9..10).unwrap();
    assert_eq!(
        dynamic.into_array::<i32, ndarray::Ix2>().unwrap(),
        a.slice(ndarray::s![9..10, ..])
    );
    let wrong = r.read_rows::<ndarray::Array2<f32>>(0..1).unwrap_err();
    assert_eq!(variant(&wrong), "DTypeMismatch");
    // A truncated file: rows before the cut read, rows past it are refused.
    let cut = &bytes[..bytes.len() - 4];
    let mut r = npio::NpyReader::new(Cursor::new(cut)).unwrap();
    assert!(r.read_rows::<DynArray>(0..9).is_ok());
    assert_eq!(
        variant(&r.read_rows::<DynArray>(9..10).unwrap_err()),
        "TruncatedData"
    );
}
