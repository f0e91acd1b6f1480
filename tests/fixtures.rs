//! Every NumPy-written fixture reads back with the right dtype, shape, order and values, and
//! writes back byte for byte as `np.save` writes it; every malformed fixture gives its error.

mod common;

use common::{c_le_bytes, fixtures_dir, hex, manifest, variant};
use half::f16;
use ndarray::{ArrayD, IxDyn};
use npio::{npy::ArrayData, DynArray, ReadOptions};
use num_complex::Complex;
use serde_json::Value;

fn options_for(entry: &Value) -> ReadOptions {
    if entry["needs_large_header"].as_bool().unwrap() {
        ReadOptions::default().max_header_size(1 << 20)
    } else {
        ReadOptions::default()
    }
}

fn read_entry(entry: &Value) -> (DynArray, npio::npy::Version) {
    let path = fixtures_dir().join(entry["file"].as_str().unwrap());
    let reader = options_for(entry)
        .open_npy(&path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let version = reader.info().version;
    let array = reader
        .read::<npio::DynArray>()
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (array, version)
}

fn parse_float(v: &Value) -> f64 {
    v.as_str().unwrap().parse::<f64>().unwrap()
}

fn same_float(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

/// Checks typed values (C order) against the manifest's independent value list.
fn check_values(name: &str, data: &ArrayData, values: &Value) {
    let Some(values) = values.as_array() else {
        return;
    };
    fn c_order<T: Clone>(a: &ArrayD<T>) -> Vec<T> {
        a.iter().cloned().collect()
    }
    let ints = |v: &Value| {
        v.as_i64()
            .map(|x| x as i128)
            .or_else(|| v.as_u64().map(|x| x as i128))
            .unwrap()
    };
    macro_rules! check_int {
        ($a:expr) => {{
            let got = c_order($a);
            assert_eq!(got.len(), values.len(), "{name}");
            for (g, v) in got.iter().zip(values) {
                assert_eq!(*g as i128, ints(v), "{name}");
            }
        }};
    }
    macro_rules! check_float {
        ($a:expr, $conv:expr) => {{
            let got = c_order($a);
            assert_eq!(got.len(), values.len(), "{name}");
            for (g, v) in got.iter().zip(values) {
                assert!(
                    same_float($conv(*g), parse_float(v)),
                    "{name}: {} vs {v}",
                    $conv(*g)
                );
            }
        }};
    }
    match data {
        ArrayData::Bool(a) => assert_eq!(
            c_order(a),
            values
                .iter()
                .map(|v| v.as_bool().unwrap())
                .collect::<Vec<_>>(),
            "{name}"
        ),
        ArrayData::Int8(a) => check_int!(a),
        ArrayData::Int16(a) => check_int!(a),
        ArrayData::Int32(a) => check_int!(a),
        ArrayData::Int64(a) | ArrayData::DateTime64(a) | ArrayData::TimeDelta64(a) => check_int!(a),
        ArrayData::UInt8(a) => check_int!(a),
        ArrayData::UInt16(a) => check_int!(a),
        ArrayData::UInt32(a) => check_int!(a),
        ArrayData::UInt64(a) => check_int!(a),
        ArrayData::Float16(a) => check_float!(a, |x: f16| x.to_f64()),
        ArrayData::Float32(a) => check_float!(a, |x: f32| x as f64),
        ArrayData::Float64(a) => check_float!(a, |x: f64| x),
        ArrayData::Complex64(a) => {
            for (g, v) in c_order(a).iter().zip(values) {
                assert!(
                    same_float(g.re as f64, parse_float(&v[0]))
                        && same_float(g.im as f64, parse_float(&v[1])),
                    "{name}"
                );
            }
        }
        ArrayData::Complex128(a) => {
            for (g, v) in c_order(a).iter().zip(values) {
                assert!(
                    same_float(g.re, parse_float(&v[0])) && same_float(g.im, parse_float(&v[1])),
                    "{name}"
                );
            }
        }
        ArrayData::Raw(_) => {}
        other => panic!("{name}: unexpected variant {other:?}"),
    }
}

fn check_strings(name: &str, array: &DynArray, values: &Value) {
    let Some(values) = values.as_array() else {
        return;
    };
    let kind = array.dtype().as_scalar().map(|s| s.kind());
    if kind == Some(npio::dtype::ScalarKind::Unicode) {
        let s = array.to_strings().unwrap();
        let got: Vec<&str> = s.iter().map(|x| x.as_str()).collect();
        let want: Vec<&str> = values.iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(got, want, "{name}");
    } else if kind == Some(npio::dtype::ScalarKind::Bytes) {
        let b = array.to_byte_strings().unwrap();
        let got: Vec<String> = b.iter().map(|x| hex(x)).collect();
        let want: Vec<&str> = values.iter().map(|v| v.as_str().unwrap()).collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn every_valid_fixture_reads_with_the_right_description_and_values() {
    let m = manifest();
    let valid = m["valid"].as_array().unwrap();
    assert!(valid.len() > 100);
    for entry in valid {
        let name = entry["file"].as_str().unwrap();
        let (array, version) = read_entry(entry);
        assert_eq!(
            array.dtype().descr_repr(),
            entry["descr"].as_str().unwrap(),
            "{name}"
        );
        let shape: Vec<usize> = entry["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(array.shape(), &shape[..], "{name}");
        assert_eq!(
            array.is_fortran_order(),
            entry["fortran_order"].as_bool().unwrap(),
            "{name}"
        );
        assert_eq!(
            version.to_string(),
            entry["version"].as_str().unwrap(),
            "{name}"
        );
        assert_eq!(
            hex(&c_le_bytes(&array)),
            entry["c_le_hex"].as_str().unwrap(),
            "{name}: values"
        );
        check_values(name, array.data(), &entry["values"]);
        check_strings(name, &array, &entry["values"]);
        if let Some(fields) = entry.get("fields").and_then(|f| f.as_object()) {
            let names: Vec<&str> = entry["names"]
                .as_array()
                .unwrap()
                .iter()
                .map(|n| n.as_str().unwrap())
                .collect();
            assert_eq!(array.field_names(), names, "{name}");
            for (field, expect) in fields {
                let f = array
                    .field(field)
                    .unwrap_or_else(|e| panic!("{name}[{field}]: {e}"));
                assert_eq!(
                    hex(&c_le_bytes(&f)),
                    expect["c_le_hex"].as_str().unwrap(),
                    "{name}[{field}]"
                );
                check_values(name, f.data(), &expect["values"]);
                check_strings(name, &f, &expect["values"]);
            }
        }
    }
}

#[test]
fn every_valid_fixture_writes_back_byte_for_byte() {
    let m = manifest();
    for entry in m["valid"].as_array().unwrap() {
        let name = entry["file"].as_str().unwrap();
        let (array, _) = read_entry(entry);
        let expected_file = entry["resaved"].as_str().unwrap_or(name);
        let expected = std::fs::read(fixtures_dir().join(expected_file)).unwrap();
        let written = npio::to_bytes(&array).unwrap();
        assert!(
            written == expected,
            "{name}: npio's bytes differ from np.save's ({expected_file})"
        );
    }
}

#[test]
fn large_headers_need_a_raised_limit_and_say_how() {
    let m = manifest();
    for entry in m["valid"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["needs_large_header"].as_bool().unwrap())
    {
        let path = fixtures_dir().join(entry["file"].as_str().unwrap());
        let err = npio::read_npy::<npio::DynArray, _>(&path).unwrap_err();
        assert_eq!(variant(&err), "HeaderTooLarge");
        assert!(err.to_string().contains("max_header_size"), "{err}");
    }
}

#[test]
fn typed_reads_match_dynamic_reads() {
    let m = manifest();
    for entry in m["valid"].as_array().unwrap() {
        let name = entry["file"].as_str().unwrap();
        let (array, _) = read_entry(entry);
        let path = fixtures_dir().join(name);
        macro_rules! typed {
            ($t:ty, $a:expr) => {{
                let typed: ArrayD<$t> = options_for(entry)
                    .read_npy(&path)
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                // Bit-for-bit equal (NaN payloads included) and in the same memory order.
                assert_eq!(typed.shape(), $a.shape(), "{name}");
                assert!(
                    npio::to_bytes(&typed).unwrap() == npio::to_bytes($a).unwrap(),
                    "{name}"
                );
                // Fortran files come back as F-layout arrays, without a transposing copy.
                if entry["fortran_order"].as_bool().unwrap() {
                    assert!(typed.t().is_standard_layout(), "{name}: expected F layout");
                }
                // Any other element type is refused with a message naming what the file holds.
                let wrong = if std::any::type_name::<$t>() == "u8" {
                    options_for(entry)
                        .read_npy::<ndarray::Array<i8, IxDyn>, _>(&path)
                        .map(|_| ())
                } else {
                    options_for(entry)
                        .read_npy::<ndarray::Array<u8, IxDyn>, _>(&path)
                        .map(|_| ())
                };
                let err = wrong.unwrap_err();
                assert_eq!(variant(&err), "DTypeMismatch", "{name}");
                assert!(
                    err.to_string().contains(&array.dtype().descr_repr()),
                    "{name}: {err}"
                );
            }};
        }
        match array.data() {
            ArrayData::Bool(a) => typed!(bool, a),
            ArrayData::Int8(a) => typed!(i8, a),
            ArrayData::Int16(a) => typed!(i16, a),
            ArrayData::Int32(a) => typed!(i32, a),
            ArrayData::Int64(a) | ArrayData::DateTime64(a) | ArrayData::TimeDelta64(a) => {
                typed!(i64, a)
            }
            ArrayData::UInt8(a) => typed!(u8, a),
            ArrayData::UInt16(a) => typed!(u16, a),
            ArrayData::UInt32(a) => typed!(u32, a),
            ArrayData::UInt64(a) => typed!(u64, a),
            ArrayData::Float16(a) => typed!(f16, a),
            ArrayData::Float32(a) => typed!(f32, a),
            ArrayData::Float64(a) => typed!(f64, a),
            ArrayData::Complex64(a) => typed!(Complex<f32>, a),
            ArrayData::Complex128(a) => typed!(Complex<f64>, a),
            _ => {
                let err = options_for(entry)
                    .read_npy::<ndarray::Array<f64, IxDyn>, _>(&path)
                    .unwrap_err();
                assert_eq!(variant(&err), "DTypeMismatch", "{name}");
            }
        }
    }
}

#[test]
fn every_malformed_fixture_gives_its_error() {
    let m = manifest();
    let bad = m["malformed"].as_array().unwrap();
    assert!(bad.len() > 25);
    for entry in bad {
        let name = entry["file"].as_str().unwrap();
        let path = fixtures_dir().join(name);
        let want = entry["error"].as_str().unwrap();
        let err = npio::read_npy::<npio::DynArray, _>(&path).expect_err(name);
        assert_eq!(variant(&err), want, "{name}: {err}");
        // The same through a non-seekable stream (no length known).
        let bytes = std::fs::read(&path).unwrap();
        let streamed = npio::NpyReader::new(std::io::Cursor::new(&bytes[..]))
            .and_then(|r| r.read::<npio::DynArray>());
        assert_eq!(
            variant(&streamed.expect_err(name)),
            want,
            "{name} (streamed)"
        );
        assert!(!err.to_string().is_empty());
    }
}

#[test]
fn non_contiguous_arrays_are_written_like_numpy() {
    use ndarray::{s, Array};
    let a = Array::from_iter(0..48i32)
        .into_shape_with_order((6, 8))
        .unwrap();
    let view = a.slice(s![..;2, ..;-1]);
    let expected = std::fs::read(fixtures_dir().join("npy/noncontig_i4_step2_rev.npy")).unwrap();
    assert_eq!(npio::to_bytes(&view).unwrap(), expected);

    let b = Array::from_iter((0..60).map(|x| x as f64))
        .into_shape_with_order((5, 12))
        .unwrap();
    let t = b.t();
    let view = t.slice(s![1..7, ..;2]);
    let expected =
        std::fs::read(fixtures_dir().join("npy/noncontig_f8_transpose_slice.npy")).unwrap();
    assert_eq!(npio::to_bytes(&view).unwrap(), expected);
}

#[test]
fn fortran_arrays_are_written_like_numpy() {
    use ndarray::ShapeBuilder;
    let values: Vec<f64> = (0..720).map(|x| x as f64 * 0.5).collect();
    let c = ndarray::Array::from_shape_vec((24, 30), values).unwrap();
    let mut f = ndarray::Array2::<f64>::zeros((24, 30).f());
    f.assign(&c);
    let expected = std::fs::read(fixtures_dir().join("npy/shape_2d_f.npy")).unwrap();
    assert_eq!(npio::to_bytes(&f).unwrap(), expected);
    let expected_c = std::fs::read(fixtures_dir().join("npy/shape_2d_c.npy")).unwrap();
    assert_eq!(npio::to_bytes(&c).unwrap(), expected_c);
}
