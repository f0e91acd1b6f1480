//! `.npz` archives: NumPy's fixtures read back member by member, npio's archives round-trip,
//! and malformed archives give errors that name the member.

mod common;

use std::io::Cursor;

use common::{c_le_bytes, fixtures_dir, hex, manifest, variant};
use ndarray::{arr1, arr2, Array1, Array2, ArrayD, ShapeBuilder};
use npio::{dtype::Endian, npz::Compression, DynArray, NpzReader, NpzWriter, WriteOptions};

#[test]
fn numpy_archives_read_member_by_member() {
    let m = manifest();
    let archives = m["npz"].as_array().unwrap();
    assert!(archives.len() >= 6);
    for entry in archives {
        let file = entry["file"].as_str().unwrap();
        let mut npz =
            NpzReader::open(fixtures_dir().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let members = entry["members"].as_array().unwrap();
        let names: Vec<&str> = members
            .iter()
            .map(|m| m["name"].as_str().unwrap())
            .collect();
        assert_eq!(npz.names(), names, "{file}");
        assert_eq!(npz.len(), members.len());
        for member in members {
            let name = member["name"].as_str().unwrap();
            let info = npz
                .member_info(name)
                .unwrap_or_else(|e| panic!("{file}:{name}: {e}"));
            assert_eq!(info.stored_name, member["stored_name"].as_str().unwrap());
            assert_eq!(
                info.compressed,
                member["compressed"].as_bool().unwrap(),
                "{file}:{name}"
            );
            assert_eq!(info.size, member["size"].as_u64().unwrap(), "{file}:{name}");
            if let Some(raw) = member.get("raw_hex") {
                assert!(info.npy.is_none(), "{file}:{name}");
                assert_eq!(hex(&npz.read_raw(name).unwrap()), raw.as_str().unwrap());
                assert_eq!(
                    variant(npz.read::<npio::DynArray>(name).unwrap_err().root()),
                    "BadMagic"
                );
                continue;
            }
            let header = info.npy.as_ref().expect("array member").header.clone();
            assert_eq!(
                header.dtype.descr_repr(),
                member["descr"].as_str().unwrap(),
                "{file}:{name}"
            );
            let array = npz
                .read::<npio::DynArray>(name)
                .unwrap_or_else(|e| panic!("{file}:{name}: {e}"));
            let shape: Vec<usize> = member["shape"]
                .as_array()
                .unwrap()
                .iter()
                .map(|d| d.as_u64().unwrap() as usize)
                .collect();
            assert_eq!(array.shape(), &shape[..], "{file}:{name}");
            assert_eq!(
                array.is_fortran_order(),
                member["fortran_order"].as_bool().unwrap()
            );
            assert_eq!(
                hex(&c_le_bytes(&array)),
                member["c_le_hex"].as_str().unwrap(),
                "{file}:{name}"
            );
            // Found with and without the .npy extension, like np.load.
            let stored = member["stored_name"].as_str().unwrap();
            assert_eq!(npz.read::<npio::DynArray>(stored).unwrap(), array);
            // Streaming a member gives the same array.
            let streamed = npz
                .member_reader(name)
                .unwrap()
                .read::<npio::DynArray>()
                .unwrap();
            assert_eq!(streamed, array);
            if let Some(offset) = info.array_data_offset() {
                let whole = std::fs::read(fixtures_dir().join(file)).unwrap();
                let data = &whole[offset as usize..offset as usize + header.data_len().unwrap()];
                assert!(
                    npio::to_bytes(&array).unwrap().ends_with(data),
                    "{file}:{name}: data offset"
                );
            }
        }
    }
}

#[test]
fn typed_reads_from_numpy_archives() {
    let mut npz = NpzReader::open(fixtures_dir().join("npz/savez_compressed.npz")).unwrap();
    let a: Array2<f64> = npz.read("arr_0").unwrap();
    assert_eq!(
        a,
        Array1::from_iter((0..12).map(f64::from))
            .into_shape_with_order((3, 4))
            .unwrap()
    );
    let sub: Array2<f64> = npz.read("dir/sub.npy").unwrap();
    assert_eq!(sub, a);
    let f: Array2<i16> = npz.read("fortran").unwrap();
    assert!(f.t().is_standard_layout());
    assert_eq!(f, arr2(&[[0, 1, 2], [3, 4, 5]]));
    let x: ndarray::Array0<i8> = npz.read("x").unwrap();
    assert_eq!(x.into_scalar(), -3);
    let s = npz
        .read::<npio::DynArray>("weird name é")
        .unwrap()
        .to_strings()
        .unwrap();
    assert_eq!(
        s.iter().map(String::as_str).collect::<Vec<_>>(),
        ["x", "héllo"]
    );
    let rec = npz.read::<npio::DynArray>("rec").unwrap();
    assert_eq!(
        rec.field_array::<i32>("i").unwrap(),
        arr1(&[1, 3]).into_dyn()
    );
    let err = npz
        .read::<ndarray::Array<f32, ndarray::Ix2>>("arr_0")
        .unwrap_err();
    assert!(
        err.to_string().contains("arr_0.npy") && err.to_string().contains("'<f8'"),
        "{err}"
    );
    let missing = npz.read::<npio::DynArray>("nope").unwrap_err();
    assert_eq!(variant(&missing), "NoSuchMember");
    assert!(missing.to_string().contains("dir/sub"), "{missing}");
}

#[test]
fn malformed_archives_name_the_member() {
    let m = manifest();
    let bad = m["npz_malformed"].as_array().unwrap();
    assert!(bad.len() >= 9);
    for entry in bad {
        let file = entry["file"].as_str().unwrap();
        let want = entry["error"].as_str().unwrap();
        let result = NpzReader::open(fixtures_dir().join(file)).and_then(|mut npz| {
            let names = npz.names();
            for name in &names {
                npz.read::<npio::DynArray>(name)?;
            }
            Ok(())
        });
        let err = result.expect_err(file);
        assert_eq!(variant(err.root()), want, "{file}: {err}");
        if let Some(member) = entry["member"].as_str() {
            assert_eq!(variant(&err), "Member", "{file}");
            assert!(err.to_string().contains(member), "{file}: {err}");
        }
        let note = entry["note"].as_str().unwrap();
        if note == "Invalid checksum" {
            assert!(err.to_string().contains("checksum"), "{err}");
        }
    }
}

fn sample_arrays() -> Vec<(&'static str, DynArray)> {
    let f = {
        let mut f = Array2::<f32>::zeros((3, 4).f());
        f.assign(&Array2::from_shape_fn((3, 4), |(i, j)| (i * 4 + j) as f32));
        f
    };
    vec![
        ("a", DynArray::from_array(arr1(&[1.0f64, 2.0, 3.0]))),
        ("nested/b", DynArray::from_array(f)),
        ("c", DynArray::from_strings(&arr1(&["x", "yz"]))),
        ("empty", DynArray::from_array(Array1::<u8>::zeros(0))),
        (
            "big",
            DynArray::from_array(Array1::from_iter((0..100_000u32).map(|i| i % 251))),
        ),
    ]
}

#[test]
fn written_archives_round_trip_stored_and_deflated() {
    for compression in [
        Compression::Stored,
        Compression::deflated(),
        Compression::Deflated { level: 1 },
        Compression::Deflated { level: 9 },
    ] {
        let mut w = {
            let mut w = npio::NpzWriter::new(Cursor::new(Vec::new()));
            w.set_compression(compression);
            w
        };
        for (name, array) in sample_arrays() {
            w.add(name, &array).unwrap();
        }
        w.add_raw("notes.txt", b"free text").unwrap();
        let bytes = w.finish().unwrap().into_inner();
        let mut npz = NpzReader::new(Cursor::new(bytes.clone())).unwrap();
        let mut expected: Vec<String> =
            sample_arrays().iter().map(|(n, _)| n.to_string()).collect();
        expected.push("notes.txt".into());
        assert_eq!(npz.names(), expected);
        for (name, array) in sample_arrays() {
            let info = npz.member_info(name).unwrap();
            assert_eq!(info.compressed, compression != Compression::Stored);
            if compression == Compression::Stored {
                // Stored data is 64-byte aligned inside the archive, ready to be mapped.
                let offset = info.array_data_offset().unwrap() as usize;
                assert_eq!(offset % 64, 0, "{name}");
                let written = npio::to_bytes(&array).unwrap();
                let data_len = info.npy.unwrap().header.data_len().unwrap();
                assert_eq!(
                    &bytes[offset..offset + data_len],
                    &written[written.len() - data_len..]
                );
            }
            assert_eq!(npz.read::<npio::DynArray>(name).unwrap(), array, "{name}");
        }
        assert_eq!(npz.read_raw("notes.txt").unwrap(), b"free text");
    }
}

#[test]
fn typed_members_with_options_and_incremental_rows() {
    let mut w = NpzWriter::new(Cursor::new(Vec::new()));
    let a = arr2(&[[1u16, 2], [3, 4]]);
    WriteOptions::new()
        .endian(Endian::Big)
        .add_to(&mut w, "be", &a)
        .unwrap();
    let mut rows = w.start_array::<i64>("rows", &[5, 3]).unwrap();
    for k in 0..5i64 {
        rows.write_rows(&arr2(&[[k, k + 1, k + 2]])).unwrap();
    }
    rows.finish().unwrap();
    // A member left unfinished poisons the writer instead of producing a short member.
    let mut partial = w.start_array::<u8>("partial", &[2]).unwrap();
    partial.write_rows(&arr1(&[1u8])).unwrap();
    drop(partial);
    assert_eq!(
        variant(&w.add("more", &arr1(&[1u8])).unwrap_err()),
        "MemberUnfinished"
    );
    assert_eq!(variant(&w.finish().unwrap_err()), "MemberUnfinished");

    let mut w = NpzWriter::new(Cursor::new(Vec::new()));
    WriteOptions::new()
        .endian(Endian::Big)
        .add_to(&mut w, "be", &a)
        .unwrap();
    let mut rows = w.start_array::<i64>("rows", &[5, 3]).unwrap();
    rows.write_rows(&ArrayD::from_shape_fn(ndarray::IxDyn(&[5, 3]), |ix| {
        (ix[0] + ix[1]) as i64
    }))
    .unwrap();
    rows.finish().unwrap();
    assert_eq!(variant(&w.add("be", &a).unwrap_err()), "DuplicateMember");
    let bytes = w.finish().unwrap().into_inner();
    let mut npz = NpzReader::new(Cursor::new(bytes)).unwrap();
    assert_eq!(
        npz.read::<npio::DynArray>("be")
            .unwrap()
            .dtype()
            .descr_repr(),
        "'>u2'"
    );
    assert_eq!(
        npz.read::<ndarray::Array<u16, ndarray::Ix2>>("be").unwrap(),
        a
    );
    let r: Array2<i64> = npz.read("rows").unwrap();
    assert_eq!(r[[4, 2]], 6);
}

#[test]
fn bad_deflate_level_is_refused() {
    let mut w = {
        let mut w = npio::NpzWriter::new(Cursor::new(Vec::new()));
        w.set_compression(Compression::Deflated { level: 10 });
        w
    };
    assert_eq!(
        variant(&w.add("a", &arr1(&[1u8])).unwrap_err()),
        "InvalidArgument"
    );
}

#[test]
fn empty_archive_reads_and_writes() {
    let npz = NpzReader::open(fixtures_dir().join("npz/savez_empty.npz")).unwrap();
    assert!(npz.is_empty());
    let ours = NpzWriter::new(Cursor::new(Vec::new()))
        .finish()
        .unwrap()
        .into_inner();
    assert_eq!(
        ours,
        std::fs::read(fixtures_dir().join("npz/savez_empty.npz")).unwrap()
    );
}

/// Members big enough for the fast paths: random-walk floats (libdeflate is chosen), image-like
/// bytes (zlib-rs level 9), integers (zlib-rs level 6), several 1 MiB blocks each.
fn large_members() -> Vec<(&'static str, DynArray)> {
    let mut state = 99u64;
    let mut next = move || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        state >> 11
    };
    let mut x = 0.0;
    let walk = Array1::from_shape_fn(600_000, |_| {
        x += (next() % 1000) as f64 / 1000.0 - 0.5;
        x
    });
    let image = Array2::from_shape_fn((1024, 3000), |(i, j)| {
        (((i + j) / 37 % 256) as u8).wrapping_add((next() % 8) as u8)
    });
    let ints = Array1::from_shape_fn(500_000, |_| (next() % 2000) as i64 - 1000);
    vec![
        ("walk", DynArray::from_array(walk.into_dyn())),
        ("image", DynArray::from_array(image.into_dyn())),
        ("ints", DynArray::from_array(ints.into_dyn())),
        (
            "small",
            DynArray::from_array(arr1(&[1u16, 2, 3]).into_dyn()),
        ),
    ]
}

#[test]
fn chosen_encoders_and_parallel_reads_round_trip() {
    let members = large_members();
    let mut w = NpzWriter::new_compressed(Cursor::new(Vec::new()));
    assert_eq!(w.compression(), Compression::Auto);
    for (name, array) in &members {
        w.add(name, array).unwrap();
    }
    w.add_raw("notes.txt", b"not an array").unwrap();
    let bytes = w.finish().unwrap().into_inner();

    let mut npz = NpzReader::new(Cursor::new(&bytes[..])).unwrap();
    assert_eq!(
        npz.names(),
        vec!["walk", "image", "ints", "small", "notes.txt"]
    );
    // Whole-member reads (libdeflate), parallel reads, and streaming reads (zlib-rs) agree.
    let all = npz.read_all().unwrap();
    assert_eq!(all.len(), members.len());
    for ((name, expected), (read_name, parallel)) in members.iter().zip(&all) {
        assert_eq!(name, read_name);
        assert_eq!(parallel, expected, "{name}");
        assert_eq!(
            &npz.read::<npio::DynArray>(name).unwrap(),
            expected,
            "{name}"
        );
        assert!(npz.member_info(name).unwrap().compressed);
        let streamed = npz
            .member_reader(name)
            .unwrap()
            .read::<npio::DynArray>()
            .unwrap();
        assert_eq!(&streamed, expected, "{name}");
    }
    assert_eq!(npz.read_raw("notes.txt").unwrap(), b"not an array");

    // The same members through a file: Source<File> clones read in parallel.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("auto.npz");
    std::fs::write(&path, &bytes).unwrap();
    let from_file = NpzReader::open(&path).unwrap().read_all().unwrap();
    assert_eq!(from_file, all);

    // Compressed, and smaller than level 6 alone would make it.
    let mut level6 = {
        let mut w = npio::NpzWriter::new(Cursor::new(Vec::new()));
        w.set_compression(Compression::deflated());
        w
    };
    for (name, array) in &members {
        level6.add(name, array).unwrap();
    }
    let level6 = level6.finish().unwrap().into_inner();
    assert!(
        bytes.len() < level6.len(),
        "{} vs {}",
        bytes.len(),
        level6.len()
    );
}

#[test]
fn whole_member_reads_check_sizes_and_crc() {
    let walk = large_members().swap_remove(0).1;
    let mut w = NpzWriter::new_compressed(Cursor::new(Vec::new()));
    w.add("walk", &walk).unwrap();
    let bytes = w.finish().unwrap().into_inner();
    // A byte changed in the middle of the compressed data: a clean error, never a panic.
    let mut bad = bytes.clone();
    bad[bytes.len() / 2] ^= 0x40;
    let err = NpzReader::new(Cursor::new(&bad[..]))
        .unwrap()
        .read::<npio::DynArray>("walk")
        .unwrap_err();
    assert!(matches!(err, npio::Error::Member { .. }), "{err}");
    // The compressed data cut short (the directory moved along with it).
    let cut = {
        let mut npz = NpzReader::new(Cursor::new(&bytes[..])).unwrap();
        npz.member_info("walk").unwrap();
        let mut archive = zip::ZipArchive::new(Cursor::new(&bytes[..])).unwrap();
        let start = archive.by_index_raw(0).unwrap().data_start().unwrap() as usize;
        let mut cut = bytes[..start + 1000].to_vec();
        cut.extend_from_slice(&bytes[bytes.len() - 200..]);
        cut
    };
    // The cut archive opens (its directory is intact) but no longer holds the member's data:
    // its local header and data run into the directory, which the structure check refuses.
    let err = match NpzReader::new(Cursor::new(&cut[..])) {
        Ok(mut n) => n.read::<npio::DynArray>("walk").unwrap_err(),
        Err(e) => e,
    };
    assert!(
        matches!(
            err.root(),
            npio::Error::Archive { .. } | npio::Error::Zip { .. } | npio::Error::Io(_)
        ),
        "{err:?}"
    );
    // A data limit below the member's size refuses it before inflating anything.
    let opts = npio::ReadOptions::default().max_data_size(1000);
    let err = opts
        .npz_reader(Cursor::new(&bytes[..]))
        .unwrap()
        .read::<npio::DynArray>("walk")
        .unwrap_err();
    assert!(
        matches!(err.root(), npio::Error::DataTooLarge { .. }),
        "{err}"
    );
}

#[test]
fn background_compression_errors_name_their_member() {
    // The output has room for the first member's header but not its data: the failure
    // surfaces at the next call (or finish) and names the member that failed.
    let walk = large_members().swap_remove(0).1;
    let mut room = vec![0u8; 4096];
    let mut w = NpzWriter::new_compressed(Cursor::new(&mut room[..]));
    w.add("walk", &walk).unwrap();
    let err = w.finish().unwrap_err();
    match &err {
        npio::Error::Member { member, .. } => assert_eq!(member, "walk.npy"),
        other => panic!("{other}"),
    }
}

/// Members `a`, `b`, `c` added, then the writer dropped without `finish` (as an early `?`
/// return does).
fn dropped_writer(compression: Compression) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    {
        let mut w = {
            let mut w = npio::NpzWriter::new(&mut out);
            w.set_compression(compression);
            w
        };
        w.add("a", &arr1(&[1.0f64, 2.0])).unwrap();
        w.add("b", &Array1::<f32>::linspace(0.0, 1.0, 100_000))
            .unwrap();
        w.add_raw("c.npy", npio::to_bytes(&arr1(&[7u8])).unwrap())
            .unwrap();
    }
    out.into_inner()
}

#[test]
fn a_dropped_writer_keeps_every_accepted_member() {
    for compression in [
        Compression::Stored,
        Compression::Auto,
        Compression::Deflated { level: 1 },
    ] {
        let mut npz = NpzReader::new(Cursor::new(dropped_writer(compression))).unwrap();
        assert_eq!(npz.names(), ["a", "b", "c"], "{compression:?}");
        let b: Array1<f32> = npz.read("b").unwrap();
        assert_eq!(b, Array1::<f32>::linspace(0.0, 1.0, 100_000));
        let c: Array1<u8> = npz.read("c").unwrap();
        assert_eq!(c, arr1(&[7u8]));
    }
}

#[test]
fn a_dropped_writer_leaves_out_a_member_it_never_finished() {
    use std::io::Write;
    let mut out = Cursor::new(Vec::new());
    {
        let mut w = NpzWriter::new(&mut out);
        w.add("a", &arr1(&[1i32])).unwrap();
        let mut half = w.start_member("half.bin", 100).unwrap();
        half.write_all(&[1; 50]).unwrap();
    }
    let npz = NpzReader::new(Cursor::new(out.into_inner())).unwrap();
    assert_eq!(npz.names(), ["a"]);
}

#[test]
fn after_an_output_error_every_call_fails() {
    // Room for the first member only: the second fails, and so does everything after it
    // (nothing is silently dropped from then on).
    let mut room = vec![0u8; 300];
    let mut w = NpzWriter::new(Cursor::new(&mut room[..]));
    w.add("a", &arr1(&[1u8])).unwrap();
    let err = w.add("b", &Array1::<u8>::zeros(1000)).unwrap_err();
    assert!(matches!(err.root(), npio::Error::Io(_)), "{err:?}");
    let again = w.add("c", &arr1(&[1u8])).unwrap_err();
    assert!(matches!(again.root(), npio::Error::Io(_)), "{again:?}");
    assert!(matches!(w.finish().unwrap_err().root(), npio::Error::Io(_)));
}

#[test]
fn deflated_members_in_a_one_thread_pool_do_not_deadlock() {
    // The writer waits for background tasks of the caller's rayon pool: with one thread, the
    // waiting thread must run them itself. Members are large enough for the encoder choice.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap();
    let members: Vec<ndarray::Array1<f64>> = (0..4)
        .map(|k| ndarray::Array1::from_shape_fn(100_000, |i| ((i * (k + 1)) % 977) as f64))
        .collect();
    let bytes = pool.install(|| {
        let mut w = NpzWriter::new_compressed(Cursor::new(Vec::new()));
        for (k, a) in members.iter().enumerate() {
            w.add(&format!("m{k}"), a).unwrap();
        }
        w.finish().unwrap().into_inner()
    });
    let mut npz = NpzReader::new(Cursor::new(bytes)).unwrap();
    for (k, a) in members.iter().enumerate() {
        let back: ndarray::Array1<f64> = npz.read(&format!("m{k}")).unwrap();
        assert_eq!(&back, a);
    }
}
