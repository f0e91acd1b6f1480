//! `#[derive(npio::Record)]` against NumPy: files NumPy wrote (fixtures/records/, made by
//! fixtures/records.py) read into Rust structs, and files written from structs compared with
//! the bytes `np.save` wrote for the same array. Values follow fixtures/records.py's formulas.

use std::path::PathBuf;

use ndarray::{Array1, Array2, ShapeBuilder};
use npio::record::FieldProblem;
use npio::time::unit::{Days, Nanos, Seconds};
use npio::time::{Datetime64, Timedelta64};
use npio::{dtype::Endian, DynArray, Error, NpyReader, WriteOptions};
use num_complex::Complex;

const N: usize = 5;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/records")
        .join(name)
}

/// NumPy's aligned layout is this struct's C layout, so aligned files can be viewed in place.
#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
#[repr(C)]
#[npio(align)]
struct Particle {
    id: u32,
    pos: [f32; 3],
    mass: f64,
    alive: bool,
    kind: [u8; 4],
}

/// The same fields, written packed (NumPy's default layout).
#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct PackedParticle {
    id: u32,
    pos: [f32; 3],
    mass: f64,
    alive: bool,
    kind: [u8; 4],
}

fn particle(i: usize) -> Particle {
    let f = i as f32;
    Particle {
        id: i as u32 * 7 + 1,
        pos: [f, f + 0.5, 0.0 - f],
        mass: i as f64 * 1.25,
        alive: i.is_multiple_of(2),
        kind: format!("k{i:03}").into_bytes().try_into().unwrap(),
    }
}

fn particles() -> Array1<Particle> {
    (0..N).map(particle).collect()
}

fn packed(p: &Particle) -> PackedParticle {
    PackedParticle {
        id: p.id,
        pos: p.pos,
        mass: p.mass,
        alive: p.alive,
        kind: p.kind,
    }
}

#[test]
fn numpy_particle_layouts_read_into_the_struct() {
    for name in [
        "particle_packed",
        "particle_aligned",
        "particle_be",
        "particle_reordered",
        "particle_extra",
        "particle_offsets",
        "particle_titles",
    ] {
        let got: Array1<Particle> = npio::read_npy(fixture(&format!("{name}.npy")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(got, particles(), "{name}");
        let got: Array1<PackedParticle> = npio::read_npy(fixture(&format!("{name}.npy"))).unwrap();
        assert_eq!(got, particles().map(packed), "{name} (packed struct)");
    }
    let empty: Array1<Particle> = npio::read_npy(fixture("particle_empty.npy")).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn numpy_fortran_order_records_read_as_f_layout() {
    let got: Array2<Particle> = npio::read_npy(fixture("particle_fortran.npy")).unwrap();
    let expected = Array2::from_shape_fn((2, 3), |(r, c)| particle(r * 3 + c));
    assert_eq!(got, expected);
    assert!(got.t().is_standard_layout());
}

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct ByTitle {
    #[npio(rename = "mass in kg")]
    weight: f64,
    #[npio(rename = "Identifier")]
    ident: u32,
}

#[test]
fn numpy_titles_map_to_renamed_fields() {
    let got: Array1<ByTitle> = npio::read_npy(fixture("particle_titles.npy")).unwrap();
    let expected: Array1<ByTitle> = particles()
        .iter()
        .map(|p| ByTitle {
            weight: p.mass,
            ident: p.id,
        })
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn numpy_mismatching_records_name_the_field() {
    let err = npio::read_npy::<Array1<Particle>, _>(fixture("particle_mass_f4.npy")).unwrap_err();
    match err.root() {
        Error::RecordMismatch {
            requested, problem, ..
        } => match &**problem {
            FieldProblem::WrongType { field, .. } => {
                assert_eq!((requested.as_str(), field.as_str()), ("Particle", "mass"))
            }
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    }
    assert!(
        err.to_string()
            .contains("field 'mass' is '<f4' in the file but '<f8'"),
        "{err}"
    );
    let err =
        npio::read_npy::<Array1<Particle>, _>(fixture("particle_missing_alive.npy")).unwrap_err();
    assert!(
        matches!(err.root(), Error::RecordMismatch { problem, .. } if matches!(&**problem, FieldProblem::Missing { field, .. } if field == "alive")),
        "{err:?}"
    );
    let err = npio::read_npy::<Array1<Particle>, _>(fixture("not_a_record.npy")).unwrap_err();
    assert!(matches!(err.root(), Error::DTypeMismatch { .. }), "{err:?}");
    // Nor the other way round: a record is not read as numbers.
    let err = npio::read_npy::<Array1<f64>, _>(fixture("particle_packed.npy")).unwrap_err();
    assert!(matches!(err.root(), Error::DTypeMismatch { .. }), "{err:?}");
}

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct Nested {
    head: Point,
    pts: [Point; 2],
    flag: u8,
}

fn nested(i: usize) -> Nested {
    let f = i as f64;
    Nested {
        head: Point { x: f, y: 0.0 - f },
        pts: [
            Point {
                x: f * 10.0,
                y: f * 20.0,
            },
            Point {
                x: f * 10.0 + 1.0,
                y: f * 20.0 + 1.0,
            },
        ],
        flag: i as u8 + 100,
    }
}

#[test]
fn numpy_nested_records_and_arrays_of_records() {
    let expected: Array1<Nested> = (0..N).map(nested).collect();
    for name in ["nested.npy", "nested_be.npy"] {
        let got: Array1<Nested> = npio::read_npy(fixture(name)).unwrap();
        assert_eq!(got, expected, "{name}");
    }
    // Written back: what np.save wrote.
    let bytes = npio::to_bytes(&expected).unwrap();
    assert_eq!(bytes, std::fs::read(fixture("nested.npy")).unwrap());
    let mut be = Vec::new();
    let opts = WriteOptions::default().endian(Endian::Big);
    opts.write(&mut be, &expected).unwrap();
    assert_eq!(be, std::fs::read(fixture("nested_be.npy")).unwrap());
}

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct SubArrays {
    m: [[f32; 3]; 2],
    v: [i16; 4],
    names: [[u8; 3]; 2],
}

#[test]
fn numpy_sub_array_fields_of_several_dimensions() {
    let got: Array1<SubArrays> = npio::read_npy(fixture("subarrays.npy")).unwrap();
    for (i, s) in got.iter().enumerate() {
        let m: Vec<f32> = (0..6).map(|k| (i * 6 + k) as f32).collect();
        assert_eq!(s.m.concat(), m);
        assert_eq!(s.v, std::array::from_fn(|k| -((i * 4 + k) as i16)));
        let names = [format!("a{i}\0"), format!("b{i}\0")];
        assert_eq!(s.names[0], names[0].as_bytes());
        assert_eq!(s.names[1], names[1].as_bytes());
    }
    assert_eq!(got.len(), N);
}

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct Times {
    t: Datetime64<Nanos>,
    dt: Timedelta64<Seconds>,
    day: Datetime64<Days>,
}

#[test]
fn numpy_datetime_fields_keep_their_unit() {
    let got: Array1<Times> = npio::read_npy(fixture("times.npy")).unwrap();
    for (i, t) in got.iter().enumerate() {
        if i == N - 1 {
            assert!(t.t.is_nat());
        } else {
            assert_eq!(t.t.value(), i as i64 * 1_000_000_007);
        }
        assert_eq!(t.dt.value(), i as i64 - 2);
        assert_eq!(t.day.value(), i as i64 + 19000);
    }
    // Another unit is another type: never converted silently.
    #[derive(Debug, Clone, Copy, npio::Record)]
    struct Micro {
        t: Datetime64<npio::time::unit::Micros>,
    }
    let err = npio::read_npy::<Array1<Micro>, _>(fixture("times.npy")).unwrap_err();
    assert!(err.to_string().contains("field 't' is '<M8[ns]'"), "{err}");
}

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct AllScalars {
    b: bool,
    i1: i8,
    i2: i16,
    i4: i32,
    i8: i64,
    u1: u8,
    u2: u16,
    u4: u32,
    u8: u64,
    f2: half::f16,
    f4: f32,
    f8: f64,
    c8: Complex<f32>,
    c16: Complex<f64>,
}

#[test]
fn numpy_every_scalar_field_type_in_either_byte_order() {
    let got: Array1<AllScalars> = npio::read_npy(fixture("all_scalars.npy")).unwrap();
    for (i, s) in got.iter().enumerate() {
        let (n, u) = (1 - i as i64, i as u64 + 1);
        assert_eq!(s.b, i != 0);
        assert_eq!((s.i1 as i64, s.i2 as i64, s.i4 as i64, s.i8), (n, n, n, n));
        assert_eq!((s.u1 as u64, s.u2 as u64, s.u4 as u64, s.u8), (u, u, u, u));
        assert_eq!(
            (s.f2.to_f64(), s.f4 as f64, s.f8),
            (n as f64, n as f64, n as f64)
        );
        assert_eq!(s.c8, Complex::new(n as f32, 0.5));
        assert_eq!(s.c16, Complex::new(n as f64, -2.0));
    }
}

#[test]
fn written_records_are_the_bytes_np_save_writes() {
    let aligned = npio::to_bytes(&particles()).unwrap();
    assert_eq!(
        aligned,
        std::fs::read(fixture("particle_aligned.npy")).unwrap()
    );
    let packed_rows = particles().map(packed);
    let bytes = npio::to_bytes(&packed_rows).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(fixture("particle_packed.npy")).unwrap()
    );
    let mut be = Vec::new();
    let opts = WriteOptions::default().endian(Endian::Big);
    opts.write(&mut be, &packed_rows).unwrap();
    assert_eq!(be, std::fs::read(fixture("particle_be.npy")).unwrap());
    // Fortran order, from a non-contiguous view too.
    let f = Array2::from_shape_fn((2, 3).f(), |(r, c)| packed(&particle(r * 3 + c)));
    let bytes = npio::to_bytes(&f).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(fixture("particle_fortran.npy")).unwrap()
    );
    let wide = Array2::from_shape_fn((N, 2), |(r, _)| packed(&particle(r)));
    let column = wide.column(1);
    assert_eq!(
        npio::to_bytes(&column).unwrap(),
        std::fs::read(fixture("particle_packed.npy")).unwrap()
    );
}

#[test]
fn records_in_npz_archives() {
    let mut npz = npio::NpzReader::open(fixture("records.npz")).unwrap();
    for name in ["packed", "aligned"] {
        let got: Array1<Particle> = npz.read(name).unwrap();
        assert_eq!(got, particles(), "{name}");
    }
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("rec.npz");
    let mut w = npio::NpzWriter::create(&path).unwrap();
    w.add("p", &particles()).unwrap();
    w.set_compression(npio::npz::Compression::deflated());
    w.add("n", &(0..N).map(nested).collect::<Array1<_>>())
        .unwrap();
    w.finish().unwrap();
    let mut r = npio::NpzReader::open(&path).unwrap();
    assert_eq!(r.read::<Array1<Particle>>("p").unwrap(), particles());
    assert_eq!(
        r.read::<Array1<Nested>>("n").unwrap(),
        (0..N).map(nested).collect::<Array1<_>>()
    );
    // The stored member is 64-byte aligned: a zero-copy view of the struct.
    // SAFETY: the file is not modified while mapped.
    let map = unsafe { npio::NpzMap::open(&path) }.unwrap();
    let view = map.view::<Particle, ndarray::Ix1>("p").unwrap();
    assert_eq!(view, particles());
}

#[test]
fn zero_copy_views_when_the_layout_matches_else_the_reason() {
    // SAFETY: fixtures are not modified during the test.
    let aligned = unsafe { npio::NpyMap::open(fixture("particle_aligned.npy")) }.unwrap();
    let view = aligned.view::<Particle, ndarray::Ix1>().unwrap();
    assert_eq!(view, particles());
    assert_eq!(view.as_ptr() as usize % std::mem::align_of::<Particle>(), 0);
    for (name, reason) in [
        (
            "particle_packed.npy",
            "the file's items are 29 bytes, Particle is 32 bytes",
        ),
        ("particle_be.npy", "not in native byte order"),
        ("particle_reordered.npy", "field 'id' is at byte"),
        ("particle_extra.npy", "field 'id' is at byte 4"),
    ] {
        // SAFETY: as above.
        let map = unsafe { npio::NpyMap::open(fixture(name)) }.unwrap();
        let err = map.view::<Particle, ndarray::Ix1>().unwrap_err();
        assert!(
            matches!(err.root(), Error::NotViewable { .. }),
            "{name}: {err:?}"
        );
        let text = err.to_string();
        let short = reason.split(" but").next().unwrap();
        assert!(text.contains(short), "{name}: {text}");
    }
    // Writable views need a struct without padding: Particle has 3 padding bytes.
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("p.npy");
    std::fs::copy(fixture("particle_aligned.npy"), &path).unwrap();
    // SAFETY: only this map touches the file.
    let mut map = unsafe { npio::NpyMapMut::open(&path) }.unwrap();
    let err = map.view_mut::<Particle, ndarray::Ix1>().unwrap_err();
    assert!(err.to_string().contains("padding"), "{err}");
    let mut points = unsafe {
        npio::NpyMapMut::create::<Point, _>(tmp.path().join("pt.npy"), &[2], npio::npy::Order::C)
    }
    .unwrap();
    points.view_mut::<Point, ndarray::Ix1>().unwrap()[1].y = 4.5;
    points.flush().unwrap();
    let back: Array1<Point> = npio::read_npy(tmp.path().join("pt.npy")).unwrap();
    assert_eq!(back[1], Point { x: 0.0, y: 4.5 });
}

#[test]
fn row_chunks_and_row_ranges_of_records() {
    let reader = NpyReader::open(fixture("particle_be.npy")).unwrap();
    let mut chunks = reader.row_chunks::<Particle>(2).unwrap();
    let mut all = Vec::new();
    while let Some(block) = chunks.next_chunk() {
        all.extend(block.unwrap().iter().copied());
    }
    assert_eq!(Array1::from(all), particles());
    let mut reader = NpyReader::open(fixture("particle_reordered.npy")).unwrap();
    let rows = reader.read_rows::<ndarray::ArrayD<Particle>>(1..3).unwrap();
    assert_eq!(
        rows.as_slice().unwrap(),
        &particles().as_slice().unwrap()[1..3]
    );
}

#[test]
fn dynamic_arrays_convert_to_and_from_structs() {
    let d: DynArray = npio::read_npy(fixture("particle_extra.npy")).unwrap();
    let typed: Array1<Particle> = d.clone().into_array().unwrap();
    assert_eq!(typed, particles());
    assert!(d.as_array::<Particle>().is_err()); // records are not stored typed
    let from = DynArray::from_array(particles());
    assert_eq!(
        from.dtype(),
        &<Particle as npio::Element>::dtype(Endian::NATIVE)
    );
    let bytes = npio::to_bytes(&from).unwrap();
    assert_eq!(
        bytes,
        std::fs::read(fixture("particle_aligned.npy")).unwrap()
    );
    let err = DynArray::from_array(particles())
        .into_array::<Nested, ndarray::Ix1>()
        .unwrap_err();
    assert!(matches!(err, Error::RecordMismatch { .. }), "{err:?}");
}

#[test]
fn appending_records_follows_the_files_layout() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("be.npy");
    std::fs::copy(fixture("particle_be.npy"), &path).unwrap();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .unwrap();
    let mut w = npio::NpyRowWriter::<_, Particle>::append(file).unwrap();
    w.write_rows(&particles()).unwrap();
    w.finish().unwrap();
    let all: Array1<Particle> = npio::read_npy(&path).unwrap();
    let expected: Array1<Particle> = particles()
        .iter()
        .chain(particles().iter())
        .copied()
        .collect();
    assert_eq!(all, expected);
    // A file field the struct lacks would be left zero: refused.
    let extra = tmp.path().join("extra.npy");
    std::fs::copy(fixture("particle_extra.npy"), &extra).unwrap();
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&extra)
        .unwrap();
    let err = npio::NpyRowWriter::<_, Particle>::append(file).unwrap_err();
    assert!(
        matches!(err.root(), Error::RecordMismatch { problem, .. } if matches!(&**problem, FieldProblem::Unmatched { field } if field == "charge")),
        "{err:?}"
    );
}

#[test]
fn invalid_bools_in_records_are_refused_typed_but_kept_dynamic() {
    let mut bytes = std::fs::read(fixture("particle_packed.npy")).unwrap();
    let data = bytes.len() - N * 29;
    let at = data + 29 + 24; // row 1, field 'alive'
    bytes[at] = 2;
    for result in [
        npio::from_bytes::<Array1<Particle>>(&bytes).map(|_| ()),
        NpyReader::new(std::io::Cursor::new(&bytes[..]))
            .unwrap()
            .row_chunks::<Particle>(2)
            .unwrap()
            .next_chunk()
            .unwrap()
            .map(|_| ()),
    ] {
        match result {
            Err(Error::InvalidBool { offset, value: 2 }) => assert_eq!(offset, at as u64),
            other => panic!("{other:?}"),
        }
    }
    let d: DynArray = npio::from_bytes(&bytes).unwrap();
    assert!(matches!(
        d.into_array::<PackedParticle, ndarray::Ix1>(),
        Err(Error::InvalidBool { .. })
    ));
}
