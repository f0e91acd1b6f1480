//! zstd members (zip method 93, feature `zstd`): written by `NpzWriter`, read by every route
//! that reads deflated members, checked by the same gateway, and interchangeable with the zip
//! crate's and ndarray-npy's zstd members.

mod common;

use std::io::{Cursor, Read};

use common::craft::Craft;
use ndarray::{Array1, Array2, ArrayD};
use npio::npz::Compression;
use npio::{DynArray, Error, NpzReader, NpzWriter};

fn zstd_writer(level: i32) -> NpzWriter<Cursor<Vec<u8>>> {
    let mut w = NpzWriter::new(Cursor::new(Vec::new()));
    w.set_compression(Compression::Zstd { level });
    w
}

/// Member `stored` decoded by the zip crate itself (libzstd through its own decoder).
fn zip_crate_member(archive: &[u8], stored: &str) -> (Vec<u8>, zip::CompressionMethod) {
    let mut zip = zip::ZipArchive::new(Cursor::new(archive)).unwrap();
    let mut file = zip.by_name(stored).unwrap();
    let mut out = Vec::new();
    file.read_to_end(&mut out).unwrap();
    (out, file.compression())
}

#[test]
fn every_way_of_adding_a_member_writes_zstd_that_every_route_reads() {
    // Small (compressed here and now), large (a background task), over 8 MiB (libzstd's
    // worker threads), raw, and streamed members (the zip crate's encoder).
    let small = Array1::from_iter(0..100i32);
    let large = Array2::from_shape_fn((400, 300), |(i, j)| ((i * j) % 97) as f64);
    let huge = Array1::from_shape_fn(1_500_000, |i| (i / 1000) as i64);
    let mut w = zstd_writer(3);
    w.add("small", &small).unwrap();
    w.add("large", &large).unwrap();
    w.add("huge", &huge).unwrap();
    w.add_raw("notes.txt", b"zstd members".as_slice()).unwrap();
    let mut rows = w.start_array::<f64>("streamed", &[400, 300]).unwrap();
    rows.write_rows(&large).unwrap();
    rows.finish().unwrap();
    let mut grown = w.start_rows::<u16>("grown", &[2]).unwrap();
    for k in 0..1000u16 {
        grown.write_rows(&ndarray::arr1(&[k, k / 3])).unwrap();
    }
    grown.finish().unwrap();
    let bytes = w.finish().unwrap().into_inner();

    // The zip crate decodes each member to exactly the `.npy` bytes np.save would write.
    for (stored, npy) in [
        ("small.npy", npio::to_bytes(&small).unwrap()),
        ("large.npy", npio::to_bytes(&large).unwrap()),
        ("huge.npy", npio::to_bytes(&huge).unwrap()),
        ("streamed.npy", npio::to_bytes(&large).unwrap()),
        ("notes.txt", b"zstd members".to_vec()),
    ] {
        let (member, method) = zip_crate_member(&bytes, stored);
        assert_eq!(method, zip::CompressionMethod::Zstd, "{stored}");
        assert!(member == npy, "{stored}");
    }
    assert!(bytes.len() < 1_000_000, "{} bytes", bytes.len());

    let mut npz = NpzReader::new(Cursor::new(bytes.clone())).unwrap();
    let info = npz.member_info("huge").unwrap();
    assert_eq!((info.method, info.method_name().as_ref()), (93, "zstd"));
    assert!(info.compressed && info.array_data_offset().is_none());
    assert_eq!(npz.read::<Array1<i32>>("small").unwrap(), small);
    assert_eq!(npz.read::<Array2<f64>>("large").unwrap(), large);
    assert_eq!(npz.read::<Array1<i64>>("huge").unwrap(), huge);
    assert_eq!(npz.read::<Array2<f64>>("streamed").unwrap(), large);
    assert_eq!(npz.read::<Array2<u16>>("grown").unwrap()[[999, 1]], 333);
    assert_eq!(npz.read_raw("notes.txt").unwrap(), b"zstd members");
    let mut whole = vec![0u8; info.size as usize];
    npz.read_member_into("huge", &mut whole).unwrap();
    assert_eq!(whole, npio::to_bytes(&huge).unwrap());
    let streamed: ArrayD<f64> = npz.member_reader("large").unwrap().read().unwrap();
    assert_eq!(streamed, large.clone().into_dyn());
    let all = npz.read_all().unwrap();
    assert_eq!(all.len(), 5, "every array member");
    let by_name = |n: &str| all.iter().find(|(k, _)| k == n).unwrap().1.clone();
    assert_eq!(
        by_name("huge").into_array::<i64, ndarray::Ix1>().unwrap(),
        huge
    );

    // Views and maps hand out stored members only, as for deflated ones.
    let view = npio::npz::NpzView::new(&bytes[..]).unwrap();
    let err = view.view::<f64, ndarray::Ix2>("large").unwrap_err();
    assert!(
        matches!(err, Error::NotViewable { .. } | Error::Member { .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("compress"), "{err}");
}

#[test]
fn levels_outside_zstds_range_are_refused_by_name() {
    for level in [0, 23, -1] {
        let mut w = zstd_writer(level);
        let err = w.add("a", &ndarray::arr1(&[1u8])).unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidArgument {
                    argument: "zstd level",
                    ..
                }
            ),
            "{level}: {err:?}"
        );
    }
    let mut fastest = zstd_writer(1);
    fastest.add("a", &ndarray::arr1(&[1u8])).unwrap();
    let mut smallest = zstd_writer(22);
    smallest.add("a", &ndarray::arr1(&[1u8])).unwrap();
}

/// A hand-made archive holding one zstd member `a.npy` with the given fields.
fn crafted(raw: &[u8], size: u32, crc: u32) -> Vec<u8> {
    let mut zip = Craft::new(b"");
    let local = zip.local(b"a.npy", 0, 93, raw, size, crc);
    zip.central(b"a.npy", 0, local);
    zip.finish()
}

fn read_a(bytes: Vec<u8>) -> npio::Result<DynArray> {
    NpzReader::new(Cursor::new(bytes))?.read("a")
}

#[test]
fn hostile_zstd_members_are_refused_as_deflated_ones_are() {
    let npy = npio::to_bytes(&Array1::from_iter(0..5000u32)).unwrap();
    let raw = zstd::bulk::compress(&npy, 3).unwrap();
    let crc = crc32fast::hash(&npy);
    assert_eq!(
        read_a(crafted(&raw, npy.len() as u32, crc))
            .unwrap()
            .into_array::<u32, ndarray::Ix1>()
            .unwrap()[4999],
        4999
    );
    // A wrong CRC.
    let err = read_a(crafted(&raw, npy.len() as u32, crc ^ 1)).unwrap_err();
    assert!(err.to_string().contains("CRC"), "{err}");
    // Cut short: fewer bytes than declared.
    let err = read_a(crafted(&raw[..raw.len() - 9], npy.len() as u32, crc)).unwrap_err();
    assert!(!err.to_string().is_empty());
    // Declared shorter or longer than the frame.
    for size in [npy.len() as u32 - 4, npy.len() as u32 + 4] {
        let err = read_a(crafted(&raw, size, crc)).unwrap_err();
        assert!(!err.to_string().contains("panic"), "{err}");
    }
    // A size no zstd frame of this length can hold (over 32768 times its bytes): refused
    // before anything is allocated for it, as an over-long deflate claim is.
    let tiny = zstd::bulk::compress(&npio::to_bytes(&Array1::<u8>::zeros(10)).unwrap(), 3).unwrap();
    let err = NpzReader::new(Cursor::new(crafted(&tiny, u32::MAX - 1, 0)))
        .and_then(|mut npz| npz.read::<DynArray>("a"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::TruncatedData { .. } | Error::Archive { .. } | Error::Member { .. }
        ),
        "{err:?}"
    );
    // Not zstd at all.
    let err = read_a(crafted(&[0x28, 0xB5, 0x2F, 0xFD, 1, 2, 3, 4], 300, 0)).unwrap_err();
    assert!(!err.to_string().is_empty());
}

#[test]
fn ndarray_npy_zstd_archives_read_in_npio_and_npio_ones_in_ndarray_npy() {
    let a = Array2::from_shape_fn((64, 33), |(i, j)| i as f32 - j as f32 * 0.25);
    let options =
        zip6::write::SimpleFileOptions::default().compression_method(zip6::CompressionMethod::Zstd);
    let mut theirs = ndarray_npy::NpzWriter::new_with_options(Cursor::new(Vec::new()), options);
    theirs.add_array("a", &a).unwrap();
    let bytes = theirs.finish().unwrap().into_inner();
    let mut npz = NpzReader::new(Cursor::new(bytes)).unwrap();
    assert_eq!(npz.member_info("a").unwrap().method_name(), "zstd");
    assert_eq!(npz.read::<Array2<f32>>("a").unwrap(), a);

    let mut ours = zstd_writer(3);
    ours.add("a", &a).unwrap();
    let bytes = ours.finish().unwrap().into_inner();
    let mut back = ndarray_npy::NpzReader::new(Cursor::new(bytes)).unwrap();
    let read: Array2<f32> = back.by_name("a").unwrap();
    assert_eq!(read, a);
}

#[test]
fn members_of_mixed_methods_sit_in_one_archive() {
    let a = Array1::from_iter(0..10_000i64);
    let mut w = NpzWriter::new(Cursor::new(Vec::new()));
    w.add("stored", &a).unwrap();
    w.set_compression(Compression::deflated());
    w.add("deflated", &a).unwrap();
    w.set_compression(Compression::zstd());
    w.add("zstd", &a).unwrap();
    let out = w.finish().unwrap().into_inner();
    let mut npz = NpzReader::new(Cursor::new(out)).unwrap();
    let methods: Vec<String> = npz
        .members()
        .unwrap()
        .iter()
        .map(|m| m.method_name().into_owned())
        .collect();
    assert_eq!(methods, ["stored", "deflated", "zstd"]);
    for name in ["stored", "deflated", "zstd"] {
        assert_eq!(npz.read::<Array1<i64>>(name).unwrap(), a, "{name}");
    }
}

/// `fixtures/npz/zipfile_zstd.npz` (fixtures/zstd.py): the `.npy` members `np.savez_compressed`
/// wrote, compressed with zstd by Python's own `zipfile`; npio reads NumPy's arrays from it.
#[test]
fn python_zipfile_zstd_archive_reads_as_numpys_deflated_twin() {
    let zstd = common::fixtures_dir().join("npz/zipfile_zstd.npz");
    let deflated = common::fixtures_dir().join("npz/savez_compressed.npz");
    let mut reader = NpzReader::open(&zstd).unwrap();
    let infos = reader.members().unwrap();
    assert!(infos.len() >= 5);
    for info in &infos {
        assert_eq!((info.method, info.method_name().as_ref()), (93, "zstd"));
    }
    let ours = reader.read_all().unwrap();
    let numpys = NpzReader::open(&deflated).unwrap().read_all().unwrap();
    assert_eq!(ours.len(), numpys.len());
    for ((name, a), (numpy_name, b)) in ours.iter().zip(numpys.iter()) {
        assert_eq!(name, numpy_name);
        assert_eq!(
            npio::to_bytes(a).unwrap(),
            npio::to_bytes(b).unwrap(),
            "{name}"
        );
    }
}
