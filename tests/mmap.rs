//! Zero-copy views: memory-mapped fixtures, writable maps, npz member maps, sparse files over
//! 4 GiB, and the clear refusals (byte order, alignment, compression, bad bools).

mod common;

use common::{fixtures_dir, manifest, scratch, variant};
use ndarray::{ArrayD, Ix1, IxDyn};
use npio::{npy::ArrayData, npy::Order, NpyMap, NpyMapMut, NpzMap};

#[test]
fn every_fixture_maps_or_says_why_not() {
    let mut viewed = 0;
    for entry in manifest()["valid"].as_array().unwrap() {
        if entry["needs_large_header"].as_bool().unwrap() {
            continue;
        }
        let path = fixtures_dir().join(entry["file"].as_str().unwrap());
        // SAFETY: the fixtures are not modified while mapped.
        let map =
            unsafe { NpyMap::open(&path) }.unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let array = npio::read_npy::<npio::DynArray, _>(&path).unwrap();
        let native = array
            .dtype()
            .as_scalar()
            .is_some_and(|s| !s.endian().needs_swap());
        macro_rules! check {
            ($t:ty, $a:expr) => {{
                match map.view::<$t, IxDyn>() {
                    Ok(view) => {
                        assert!(native, "{}", path.display());
                        assert_eq!(view.shape(), $a.shape());
                        assert!(
                            npio::to_bytes(&view).unwrap() == npio::to_bytes($a).unwrap(),
                            "{}",
                            path.display()
                        );
                        viewed += 1;
                    }
                    Err(err) => {
                        assert_eq!(variant(&err), "NotViewable", "{}: {err}", path.display());
                        assert!(err.to_string().contains("copying reader"));
                        let why = err.to_string();
                        assert!(
                            !native || why.contains("aligned"),
                            "{}: {why}",
                            path.display()
                        );
                    }
                }
            }};
        }
        match array.data() {
            ArrayData::Bool(a) => check!(bool, a),
            ArrayData::Int8(a) => check!(i8, a),
            ArrayData::Int16(a) => check!(i16, a),
            ArrayData::Int32(a) => check!(i32, a),
            ArrayData::Int64(a) | ArrayData::DateTime64(a) | ArrayData::TimeDelta64(a) => {
                check!(i64, a)
            }
            ArrayData::UInt8(a) => check!(u8, a),
            ArrayData::UInt16(a) => check!(u16, a),
            ArrayData::UInt32(a) => check!(u32, a),
            ArrayData::UInt64(a) => check!(u64, a),
            ArrayData::Float16(a) => check!(half::f16, a),
            ArrayData::Float32(a) => check!(f32, a),
            ArrayData::Float64(a) => check!(f64, a),
            ArrayData::Complex64(a) => check!(num_complex::Complex<f32>, a),
            ArrayData::Complex128(a) => check!(num_complex::Complex<f64>, a),
            _ => assert_eq!(
                variant(&map.view::<f64, IxDyn>().unwrap_err()),
                "DTypeMismatch"
            ),
        }
    }
    assert!(viewed > 40, "only {viewed} fixtures viewed");
    // A legacy file whose data sits at an odd offset cannot be viewed as f64.
    let map = unsafe { NpyMap::open(fixtures_dir().join("npy/legacy_no_alignment.npy")) }.unwrap();
    let err = map.view::<f64, Ix1>().unwrap_err();
    assert!(err.to_string().contains("not aligned"), "{err}");
    // Fortran files come back as F-layout views.
    let map = unsafe { NpyMap::open(fixtures_dir().join("npy/shape_2d_f.npy")) }.unwrap();
    assert!(map.view::<f64, IxDyn>().unwrap().t().is_standard_layout());
    // Bad bools are refused rather than turned into invalid Rust bools.
    let map = unsafe { NpyMap::open(fixtures_dir().join("malformed/bool_value_2.npy")) }.unwrap();
    assert!(map
        .view::<bool, Ix1>()
        .unwrap_err()
        .to_string()
        .contains("bool"));
    // Truncated files fail at open.
    assert_eq!(
        variant(
            &unsafe { NpyMap::open(fixtures_dir().join("malformed/truncated_data.npy")) }
                .err()
                .unwrap()
        ),
        "TruncatedData"
    );
}

#[test]
fn writable_maps_create_what_np_save_writes() {
    let dir = scratch("create");
    let path = dir.join("a.npy");
    let mut map = unsafe { NpyMapMut::create::<f64, _>(&path, &[24, 30], Order::Fortran) }.unwrap();
    {
        let mut view = map.view_mut::<f64, ndarray::Ix2>().unwrap();
        assert!(view.t().is_standard_layout());
        for ((i, j), x) in view.indexed_iter_mut() {
            *x = (i * 30 + j) as f64 * 0.5;
        }
    }
    map.flush().unwrap();
    drop(map);
    // Same bytes as NumPy's np.save(np.asfortranarray(arange(720)*0.5).reshape(24, 30)).
    assert_eq!(
        std::fs::read(&path).unwrap(),
        std::fs::read(fixtures_dir().join("npy/shape_2d_f.npy")).unwrap()
    );
    // Reopen an existing file and edit it in place.
    let mut map = unsafe { NpyMapMut::open(&path) }.unwrap();
    map.view_mut::<f64, ndarray::Ix2>().unwrap()[[0, 0]] = -1.0;
    map.flush().unwrap();
    drop(map);
    let back: ndarray::Array2<f64> = npio::read_npy(&path).unwrap();
    assert_eq!(back[[0, 0]], -1.0);
    assert_eq!(back[[23, 29]], 359.5);
    // create refuses an existing file
    let err = unsafe { NpyMapMut::create::<u8, _>(&path, &[1], Order::C) }.unwrap_err();
    assert!(
        matches!(err.root(), npio::Error::Io(e) if e.kind() == std::io::ErrorKind::AlreadyExists),
        "{err}"
    );
}

#[test]
fn npz_members_map_when_stored_and_aligned() {
    let dir = scratch("npz");
    let path = dir.join("a.npz");
    let big = ArrayD::from_shape_fn(IxDyn(&[100, 7]), |ix| (ix[0] * 7 + ix[1]) as f64);
    let mut w = npio::NpzWriter::create(&path).unwrap();
    w.add("odd_name_length_x", &ndarray::arr1(&[1u8, 2, 3]))
        .unwrap();
    w.add("big", &big).unwrap();
    w.add("c", &ndarray::arr1(&[1i16, -2])).unwrap();
    w.set_compression(npio::npz::Compression::deflated());
    w.add("deflated", &ndarray::arr1(&[1.0f32])).unwrap();
    w.finish().unwrap();
    let map = unsafe { NpzMap::open(&path) }.unwrap();
    assert_eq!(map.names(), ["odd_name_length_x", "big", "c", "deflated"]);
    assert_eq!(map.view::<f64, IxDyn>("big").unwrap(), big.view());
    assert_eq!(map.view::<i16, Ix1>("c.npy").unwrap().to_vec(), vec![1, -2]);
    let err = map.view::<f32, Ix1>("deflated").unwrap_err();
    assert!(
        err.to_string().contains("compressed") && err.to_string().contains("deflated.npy"),
        "{err}"
    );
    assert_eq!(
        variant(&map.view::<f32, Ix1>("nope").unwrap_err()),
        "NoSuchMember"
    );
    // NumPy's savez does not align member data: views of wide types are refused clearly.
    let numpy = unsafe { NpzMap::open(fixtures_dir().join("npz/savez_stored.npz")) }.unwrap();
    match numpy.view::<f64, IxDyn>("arr_0") {
        Ok(v) => assert_eq!(v.len(), 12),
        Err(e) => assert!(e.to_string().contains("aligned"), "{e}"),
    }
    let x = numpy.view::<i8, IxDyn>("x").unwrap();
    assert_eq!(x.sum(), -3);
}

/// A sparse file over 4 GiB: creating, mapping and viewing it cost no disk space and no time
/// proportional to its size.
#[test]
fn sparse_maps_over_4_gib() {
    let dir = scratch("sparse");
    let path = dir.join("big.npy");
    let n: usize = (1 << 32) + 123;
    let mut map = match unsafe { NpyMapMut::create::<u8, _>(&path, &[n], Order::C) } {
        Ok(m) => m,
        Err(e) => {
            panic!("cannot create a sparse 4 GiB file here ({e}); this test needs a file system with sparse files (run it elsewhere, or skip it by name)");
        }
    };
    {
        let mut v = map.view_mut::<u8, Ix1>().unwrap();
        v[n - 1] = 7;
        v[1 << 32] = 9;
    }
    map.flush().unwrap();
    drop(map);
    let started = std::time::Instant::now();
    let map = unsafe { NpyMap::open(&path) }.unwrap();
    let view = map.view::<u8, Ix1>().unwrap();
    let opened = started.elapsed();
    assert_eq!(view.len(), n);
    assert_eq!((view[0], view[1 << 32], view[n - 1]), (0, 9, 7));
    let tail_start = (1usize << 32) - 10;
    assert_eq!(view.slice(ndarray::s![tail_start..]).sum(), 16u8);
    eprintln!("mapped and viewed a {n}-byte array in {opened:?}");
    // the header is what np.save writes for that shape
    let head = npio::npy::read_header(
        &mut std::fs::File::open(&path).unwrap(),
        &Default::default(),
    )
    .unwrap();
    assert_eq!(head.header.shape, vec![n]);
    drop(map);
    std::fs::remove_file(&path).unwrap();
}
