//! Streaming: row chunks (files and npz members) against whole reads, random row access,
//! incremental and appending writers against what np.save writes, rows into npz members.

mod common;

use std::io::Cursor;

use common::{fixtures_dir, manifest, variant};
use ndarray::{concatenate, s, Array1, Array2, ArrayD, Axis, IxDyn};
use npio::NpyRowWriter;
use npio::{NpyReader, NpzReader};

#[test]
fn row_chunks_match_whole_reads() {
    let mut checked = 0;
    for entry in manifest()["valid"].as_array().unwrap() {
        let (descr, fortran) = (
            entry["descr"].as_str().unwrap(),
            entry["fortran_order"].as_bool().unwrap(),
        );
        if descr != "'<f8'" && descr != "'>f8'"
            || fortran
            || entry["shape"].as_array().unwrap().is_empty()
        {
            continue;
        }
        let path = fixtures_dir().join(entry["file"].as_str().unwrap());
        let whole: ArrayD<f64> = npio::read_npy(&path).unwrap();
        for rows_per_chunk in [1, 3, 1000] {
            let file = std::fs::File::open(&path).unwrap();
            let mut chunks = NpyReader::new(file)
                .unwrap()
                .row_chunks::<f64>(rows_per_chunk)
                .unwrap();
            let mut row = 0;
            while let Some(block) = chunks.next_chunk() {
                let block = block.unwrap();
                let n = block.shape()[0];
                assert!(n <= rows_per_chunk);
                let expected = whole.slice_axis(Axis(0), ndarray::Slice::from(row..row + n));
                assert!(
                    npio::to_bytes(&block).unwrap() == npio::to_bytes(&expected).unwrap(),
                    "{}",
                    path.display()
                );
                row += n;
            }
            assert_eq!(row, whole.shape()[0]);
        }
        checked += 1;
    }
    assert!(checked >= 5);
}

#[test]
fn row_chunks_of_npz_members_and_errors() {
    for file in ["npz/savez_stored.npz", "npz/savez_compressed.npz"] {
        let mut npz = NpzReader::open(fixtures_dir().join(file)).unwrap();
        let whole: Array2<f64> = npz.read("dir/sub").unwrap();
        let mut chunks = npz
            .member_reader("dir/sub")
            .unwrap()
            .row_chunks::<f64>(2)
            .unwrap();
        let mut parts = Vec::new();
        while let Some(block) = chunks.next_chunk() {
            parts.push(
                block
                    .unwrap()
                    .into_dimensionality::<ndarray::Ix2>()
                    .unwrap()
                    .to_owned(),
            );
        }
        let views: Vec<_> = parts.iter().map(|p| p.view()).collect();
        assert_eq!(concatenate(Axis(0), &views).unwrap(), whole, "{file}");
    }
    // The big deflated member streams through a small buffer.
    let mut npz = NpzReader::open(fixtures_dir().join("npz/savez_big_member.npz")).unwrap();
    let mut chunks = npz
        .member_reader("big")
        .unwrap()
        .row_chunks::<i64>(4096)
        .unwrap();
    let (mut n, mut sum) = (0usize, 0i64);
    while let Some(block) = chunks.next_chunk() {
        let block = block.unwrap();
        n += block.len();
        sum += block.sum();
    }
    assert_eq!(n, 200_000);
    assert_eq!(sum, (0..200_000i64).map(|i| i % 977).sum::<i64>());
    // errors: truncated data, bad bools, Fortran order, wrong type
    let bytes = std::fs::read(fixtures_dir().join("malformed/truncated_data.npy")).unwrap();
    // A seekable source's length is known: the claim is refused before any row is read.
    let err = NpyReader::new(std::io::Cursor::new(&bytes[..]))
        .unwrap()
        .row_chunks::<f64>(1)
        .unwrap_err();
    assert_eq!(variant(&err), "TruncatedData");
    // A stream's is not: the rows that arrive are given, then the truncation.
    let mut c = NpyReader::stream(&bytes[..])
        .unwrap()
        .row_chunks::<f64>(1)
        .unwrap();
    let results: Vec<&str> = std::iter::from_fn(|| {
        c.next_chunk()
            .map(|r| r.map_or_else(|e| variant(&e), |_| "Ok"))
    })
    .collect();
    assert_eq!(results, vec!["Ok", "Ok", "TruncatedData"]);
    let bytes = std::fs::read(fixtures_dir().join("malformed/bool_value_2.npy")).unwrap();
    let mut c = NpyReader::new(std::io::Cursor::new(&bytes[..]))
        .unwrap()
        .row_chunks::<bool>(10)
        .unwrap();
    assert_eq!(
        variant(&c.next_chunk().unwrap().unwrap_err()),
        "InvalidBool"
    );
    let f = std::fs::read(fixtures_dir().join("npy/shape_2d_f.npy")).unwrap();
    assert_eq!(
        variant(
            &NpyReader::new(std::io::Cursor::new(&f[..]))
                .unwrap()
                .row_chunks::<f64>(1)
                .err()
                .unwrap()
        ),
        "NotRowMajor"
    );
    assert_eq!(
        variant(
            &NpyReader::new(std::io::Cursor::new(&f[..]))
                .unwrap()
                .row_chunks::<f32>(1)
                .err()
                .unwrap()
        ),
        "DTypeMismatch"
    );
    let trailing = std::fs::read(fixtures_dir().join("malformed/trailing_data.npy")).unwrap();
    let mut c = NpyReader::new(std::io::Cursor::new(&trailing[..]))
        .unwrap()
        .row_chunks::<f64>(10)
        .unwrap();
    assert_eq!(c.next_chunk().unwrap().unwrap().shape(), &[3]);
    assert_eq!(
        variant(&c.next_chunk().unwrap().unwrap_err()),
        "TrailingData"
    );
}

#[test]
fn random_access_rows() {
    let path = fixtures_dir().join("npy/shape_3d_c.npy");
    let whole: ArrayD<f64> = npio::read_npy(&path).unwrap();
    let mut r = NpyReader::new(std::fs::File::open(&path).unwrap()).unwrap();
    for range in [0..1, 2..5, 5..6, 3..3] {
        let rows = r.read_rows::<ndarray::ArrayD<f64>>(range.clone()).unwrap();
        assert_eq!(
            rows,
            whole
                .slice_axis(Axis(0), ndarray::Slice::from(range))
                .to_owned()
        );
    }
    assert_eq!(
        variant(&r.read_rows::<ndarray::ArrayD<f64>>(5..7).unwrap_err()),
        "RowRange"
    );
    assert_eq!(
        variant(&r.read_rows::<ndarray::ArrayD<i32>>(0..1).unwrap_err()),
        "DTypeMismatch"
    );
    let be = fixtures_dir().join("npy/f8_be_2x3.npy");
    let mut r = NpyReader::new(std::fs::File::open(&be).unwrap()).unwrap();
    let whole: ArrayD<f64> = npio::read_npy(&be).unwrap();
    let last = r.read_rows::<ndarray::ArrayD<f64>>(1..2).unwrap();
    assert!(npio::to_bytes(&last).unwrap() == npio::to_bytes(&whole.slice(s![1..2, ..])).unwrap());
}

/// What `np.save` wrote for an array the tests build in pieces (`fixtures/rows/`, written by
/// `fixtures/generate.py`).
fn np_save_bytes(name: &str) -> Vec<u8> {
    std::fs::read(fixtures_dir().join("rows").join(format!("{name}.npy"))).unwrap()
}

#[test]
fn row_writer_matches_np_save() {
    for (endian, tag) in [
        (npio::dtype::Endian::Little, "le"),
        (npio::dtype::Endian::Big, "be"),
    ] {
        let full = Array2::from_shape_fn((1000, 3), |(i, j)| (i * 3 + j) as i32);
        let mut w = npio::WriteOptions::new()
            .endian(endian)
            .row_writer::<_, i32>(Cursor::new(Vec::new()), &[3])
            .unwrap();
        for k in (0..1000).step_by(300) {
            let end = (k + 300).min(1000);
            w.write_rows(&full.slice(s![k..end, ..])).unwrap();
        }
        assert_eq!(w.rows(), 1000);
        let bytes = w.finish().unwrap().into_inner();
        assert!(
            bytes == np_save_bytes(&format!("i4_{tag}_1000x3")),
            "{endian:?}"
        );
        let back: Array2<i32> = npio::from_bytes(&bytes).unwrap();
        assert_eq!(back, full);
    }
    // numbers of rows across digit boundaries keep the header length (growth padding)
    for rows in [0usize, 9, 10, 99_999, 100_000] {
        let mut w = NpyRowWriter::<_, u8>::new(Cursor::new(Vec::new()), &[]).unwrap();
        w.write_rows(&Array1::<u8>::zeros(rows)).unwrap();
        let bytes = w.finish().unwrap().into_inner();
        assert!(
            bytes == np_save_bytes(&format!("u1_zeros_{rows}")),
            "{rows} rows"
        );
    }
}

#[test]
fn appending_in_place_gives_np_save_bytes() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    for name in ["f8_be_2x3", "shape_3d_c", "M8_ns_le_1d", "b1_le_1d"] {
        let path = dir.join("appended.npy");
        std::fs::copy(fixtures_dir().join(format!("npy/{name}.npy")), &path).unwrap();
        let before = npio::read_npy::<npio::DynArray, _>(&path).unwrap();
        // The fixture's first row twice (floats), or the whole array once more.
        match before.data() {
            npio::npy::ArrayData::Float64(a) => {
                let extra = a.slice_axis(Axis(0), ndarray::Slice::from(0..1)).to_owned();
                npio::append_npy(&path, &extra).unwrap();
                npio::append_npy(&path, &extra).unwrap();
            }
            npio::npy::ArrayData::DateTime64(a) => npio::append_npy(&path, &a.view()).unwrap(),
            npio::npy::ArrayData::Bool(a) => npio::append_npy(&path, &a.view()).unwrap(),
            other => panic!("{other:?}"),
        }
        let expected = np_save_bytes(&format!("appended_{name}"));
        assert!(std::fs::read(&path).unwrap() == expected, "{name}: bytes");
        // Read back: NumPy's shape, and the dtype kept (datetime unit and byte order).
        let after = npio::read_npy::<npio::DynArray, _>(&path).unwrap();
        let numpy = npio::from_bytes::<npio::DynArray>(&expected).unwrap();
        assert_eq!(after.shape(), numpy.shape(), "{name}: shape");
        assert_eq!(after.dtype(), before.dtype(), "{name}: dtype");
    }
    // refusals: no growth room, Fortran order, wrong type, damaged file
    let path = dir.join("refused.npy");
    for (fixture, want) in [
        ("npy/legacy_16_aligned.npy", "NotAppendable"),
        ("npy/shape_2d_f.npy", "NotRowMajor"),
        ("npy/i4_le_1d.npy", "RowsMismatch"),
        ("malformed/truncated_data.npy", "TruncatedData"),
        ("malformed/trailing_data.npy", "TrailingData"),
    ] {
        std::fs::copy(fixtures_dir().join(fixture), &path).unwrap();
        let before = std::fs::read(&path).unwrap();
        let err = npio::append_npy(&path, &Array1::<f64>::zeros(1)).unwrap_err();
        assert_eq!(variant(&err), want, "{fixture}: {err}");
        assert_eq!(std::fs::read(&path).unwrap(), before, "{fixture} untouched");
    }
}

#[test]
fn rows_of_unknown_count_into_npz_members() {
    let mut w = npio::NpzWriter::new_compressed(Cursor::new(Vec::new()));
    let mut rows = w.start_rows::<f32>("series", &[2, 2]).unwrap();
    for k in 0..50 {
        rows.write_rows(&ndarray::Array3::from_elem((1, 2, 2), k as f32))
            .unwrap();
    }
    rows.finish().unwrap();
    assert_eq!(
        variant(&w.start_rows::<f32>("series", &[1]).err().unwrap()),
        "DuplicateMember"
    );
    w.add("after", &ndarray::arr1(&[1u8])).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    let mut npz = NpzReader::new(Cursor::new(bytes)).unwrap();
    let a: ndarray::Array3<f32> = npz.read("series").unwrap();
    assert_eq!(a.shape(), &[50, 2, 2]);
    assert_eq!(a[[49, 1, 1]], 49.0);
    assert_eq!(npz.names(), vec!["series", "after"]);
    let _ = IxDyn(&[0]);
}

#[test]
fn large_files_read_in_parallel_in_either_byte_order() {
    // 40 MiB: above the threshold where file reads split across threads (32 MiB), in pieces
    // that are byte-swapped as they land.
    let a = ndarray::Array2::from_shape_fn((5 << 17, 8), |(i, j)| (i * 8 + j) as f64 * 0.5);
    let tmp = tempfile::tempdir().unwrap();
    for (endian, tag) in [
        (npio::dtype::Endian::Little, "le"),
        (npio::dtype::Endian::Big, "be"),
    ] {
        let path = tmp.path().join(format!("parallel-{tag}.npy"));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        npio::WriteOptions::default()
            .endian(endian)
            .write(&mut file, &a)
            .unwrap();
        drop(file);
        let back: ndarray::Array2<f64> = npio::read_npy(&path).unwrap();
        assert!(back == a, "{tag}");
        let dynamic = npio::read_npy::<npio::DynArray, _>(&path).unwrap();
        assert_eq!(dynamic.shape(), a.shape());
        // One byte short: a truncation error, not a short array.
        let len = std::fs::metadata(&path).unwrap().len();
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .unwrap()
            .set_len(len - 1)
            .unwrap();
        let err = npio::read_npy::<ndarray::Array<f64, ndarray::Ix2>, _>(&path).unwrap_err();
        assert!(
            matches!(err.root(), npio::Error::TruncatedData { .. }),
            "{err}"
        );
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn empty_rows_come_in_one_block_however_many_are_claimed() {
    // Found by the npy fuzzer: 10^10 rows of zero elements made the row loop run 3 * 10^9 times.
    let header = npio::npy::Header::new(
        npio::DType::parse("<f8").unwrap(),
        vec![10_000_000_000, 0],
        false,
    );
    let bytes = header.to_bytes().unwrap();
    let mut chunks = NpyReader::new(std::io::Cursor::new(&bytes[..]))
        .unwrap()
        .row_chunks::<f64>(3)
        .unwrap();
    let block = chunks.next_chunk().unwrap().unwrap();
    assert_eq!(block.shape(), &[10_000_000_000, 0]);
    assert!(chunks.next_chunk().is_none());
}

/// Every row writer takes blocks by one rule: `[n, row...]` is n rows, `[row...]` is one row.
#[test]
fn row_writers_take_blocks_by_one_rule() {
    use ndarray::{arr1, arr2};
    let mut npy = npio::NpyRowWriter::<_, i32>::new(Cursor::new(Vec::new()), &[2]).unwrap();
    let mut npz = npio::NpzWriter::new(Cursor::new(Vec::new()));
    let mut member = npz.start_array::<i32>("a", &[3, 2]).unwrap();
    for block in [arr2(&[[1, 2], [3, 4]]).into_dyn(), arr1(&[5, 6]).into_dyn()] {
        npy.write_rows(&block).unwrap();
        member.write_rows(&block).unwrap();
    }
    for bad in [arr1(&[1, 2, 3]).into_dyn(), arr2(&[[1, 2, 3]]).into_dyn()] {
        assert!(matches!(
            npy.write_rows(&bad),
            Err(npio::Error::BlockShape { .. })
        ));
        assert!(matches!(
            member.write_rows(&bad),
            Err(npio::Error::BlockShape { .. })
        ));
    }
    member.finish().unwrap();
    let expected = arr2(&[[1, 2], [3, 4], [5, 6]]);
    let bytes = npy.finish().unwrap().into_inner();
    assert_eq!(bytes, npio::to_bytes(&expected).unwrap());
    let archive = npz.finish().unwrap().into_inner();
    let got: ndarray::Array2<i32> = npio::NpzReader::new(Cursor::new(archive))
        .unwrap()
        .read("a")
        .unwrap();
    assert_eq!(got, expected);
}
