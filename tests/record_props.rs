//! Property tests: random records round-trip through every path npio writes and reads them by
//! (both byte orders, Fortran order, dynamic arrays, row chunks, npz), and a struct holding a
//! subset of the fields in another order reads the same values from the file.

use ndarray::{Array1, Array2, ShapeBuilder};
use npio::time::unit::Micros;
use npio::time::{Datetime64, Timedelta64};
use npio::{dtype::Endian, DynArray, WriteOptions};
use num_complex::Complex;
use proptest::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct Inner {
    flag: bool,
    code: [u8; 3],
    delta: Timedelta64<Micros>,
}

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
#[npio(align)]
struct Wide {
    a: i8,
    b: u64,
    c: half::f16,
    d: [[i32; 2]; 3],
    inner: Inner,
    inners: [Inner; 2],
    z: Complex<f64>,
    when: Datetime64<Micros>,
    w: f32,
}

/// A subset of Wide's fields, in another order.
#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct Subset {
    w: f32,
    inner: Inner,
    a: i8,
}

fn inner() -> impl Strategy<Value = Inner> {
    (any::<bool>(), any::<[u8; 3]>(), any::<i64>()).prop_map(|(flag, code, d)| Inner {
        flag,
        code,
        delta: Timedelta64::new(d),
    })
}

fn wide() -> impl Strategy<Value = Wide> {
    (
        (
            any::<i8>(),
            any::<u64>(),
            any::<u16>(),
            any::<[[i32; 2]; 3]>(),
        ),
        (inner(), inner(), inner()),
        (any::<u64>(), any::<u64>(), any::<i64>(), any::<u32>()),
    )
        .prop_map(|((a, b, c, d), (inner, i1, i2), (re, im, when, w))| Wide {
            a,
            b,
            c: half::f16::from_bits(c),
            d,
            inner,
            inners: [i1, i2],
            z: Complex::new(f64::from_bits(re), f64::from_bits(im)),
            when: Datetime64::new(when),
            w: f32::from_bits(w),
        })
}

/// Values compared by their bytes (NaN payloads included).
fn same(a: &Array1<Wide>, b: &Array1<Wide>) -> bool {
    npio::to_bytes(a).unwrap() == npio::to_bytes(b).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn records_round_trip_in_both_byte_orders(rows in prop::collection::vec(wide(), 0..40)) {
        let rows = Array1::from(rows);
        for endian in [Endian::Little, Endian::Big] {
            let mut bytes = Vec::new();
            WriteOptions::default().endian(endian).write(&mut bytes, &rows).unwrap();
            let back: Array1<Wide> = npio::from_bytes(&bytes).unwrap();
            prop_assert!(same(&back, &rows));
            // Dynamic, then typed; and a subset struct reading the same file.
            let d: DynArray = npio::from_bytes(&bytes).unwrap();
            prop_assert!(same(&d.into_array().unwrap(), &rows));
            let subset: Array1<Subset> = npio::from_bytes(&bytes).unwrap();
            for (s, r) in subset.iter().zip(rows.iter()) {
                prop_assert_eq!((s.w.to_bits(), s.inner, s.a), (r.w.to_bits(), r.inner, r.a));
            }
            // Row chunks of any size.
            let mut chunks = npio::NpyReader::new(std::io::Cursor::new(&bytes[..])).unwrap().row_chunks::<Wide>(3).unwrap();
            let mut all = Vec::new();
            while let Some(block) = chunks.next_chunk() {
                all.extend(block.unwrap().iter().copied());
            }
            prop_assert!(same(&Array1::from(all), &rows));
        }
    }

    #[test]
    fn fortran_and_npz_record_arrays_round_trip(rows in prop::collection::vec(inner(), 6..7)) {
        let f = Array2::from_shape_vec((2, 3).f(), rows).unwrap();
        let bytes = npio::to_bytes(&f).unwrap();
        let back: Array2<Inner> = npio::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&back, &f);
        let mut npz = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
        npz.add("f", &f).unwrap();
        let data = npz.finish().unwrap().into_inner();
        let mut r = npio::NpzReader::new(std::io::Cursor::new(data)).unwrap();
        prop_assert_eq!(r.read::<Array2<Inner>>("f").unwrap(), f);
    }
}
