//! Property tests: random dtypes, shapes, orders and byte orders round-trip; random bytes are
//! refused without panicking.

use half::f16;
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use npio::dtype::RecordField;
use npio::npy::RawArray;
use npio::{dtype::Endian, npy::ArrayData, npy::Order, DType, DynArray, WriteOptions};
use num_complex::Complex;
use proptest::prelude::*;

fn endian() -> impl Strategy<Value = Endian> {
    prop_oneof![Just(Endian::Little), Just(Endian::Big)]
}

fn scalar_descr() -> impl Strategy<Value = DType> {
    let codes = prop::sample::select(vec![
        "b1", "i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8", "f2", "f4", "f8", "f16", "c8", "c16",
        "c32", "S0", "S1", "S7", "U1", "U3", "V1", "V5", "M8[ns]", "M8[D]", "M8[25s]", "M8",
        "m8[us]", "m8[3W]",
    ]);
    (codes, endian())
        .prop_map(|(code, e)| DType::parse(&format!("{}{code}", e.descr_char())).unwrap())
}

fn field_name() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,6}",
        Just("a'b".to_string()),
        Just("c\"d".to_string()),
        Just("e'\"f".to_string()),
        Just("\u{1}\t\\".to_string()),
        Just("café".to_string()),
        Just("日本".to_string()),
        Just("\u{a0}\u{ad}".to_string()),
        Just("\u{1F600}".to_string()),
    ]
}

fn dtype_strategy() -> impl Strategy<Value = DType> {
    scalar_descr().prop_recursive(3, 24, 5, |inner| {
        let sub = (inner.clone(), prop::collection::vec(1usize..4, 0..3))
            .prop_map(|(base, shape)| DType::sub_array(base, shape).unwrap());
        let field = (
            field_name(),
            prop::option::of("[A-Z]{1,4}"),
            prop_oneof![inner, sub],
            0usize..4,
        );
        (prop::collection::vec(field, 0..5), 0usize..4).prop_filter_map(
            "unique names",
            |(fields, tail)| {
                let mut offset = 0;
                let mut out = Vec::new();
                for (i, (name, title, dtype, gap)) in fields.into_iter().enumerate() {
                    offset += gap;
                    let size = dtype.itemsize();
                    out.push(RecordField {
                        name: format!("{name}{i}"),
                        title: title.map(|t| format!("{t}{i}")),
                        dtype,
                        offset,
                    });
                    offset += size;
                }
                npio::dtype::RecordType::new(out, offset + tail)
                    .ok()
                    .map(DType::Record)
            },
        )
    })
}

fn shape() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(0usize..4, 0..5)
}

/// A record or other raw array of random bytes (bool fields included: NumPy writes and reads
/// records whose bool fields hold any byte, and npio carries them through).
fn raw_array() -> impl Strategy<Value = DynArray> {
    (dtype_strategy(), shape(), any::<bool>(), any::<u64>()).prop_map(
        |(dtype, shape, fortran, seed)| {
            let dtype = match dtype {
                DType::Scalar(_) => DType::Record(
                    npio::dtype::RecordType::packed(vec![("x".into(), dtype)]).unwrap(),
                ),
                other => other,
            };
            let n: usize = shape.iter().product::<usize>() * dtype.itemsize();
            let mut state = seed | 1;
            let bytes: Vec<u8> = (0..n)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            let raw = RawArray::new(shape, fortran, bytes, dtype.itemsize()).unwrap();
            DynArray::new(dtype, ArrayData::Raw(raw)).unwrap()
        },
    )
}

fn typed_roundtrip<T>(
    values: Vec<T>,
    shape: Vec<usize>,
    layout: u8,
    e: Endian,
) -> Result<(), TestCaseError>
where
    T: npio::Element + PartialEq + std::fmt::Debug,
{
    let n: usize = shape.iter().product();
    let values: Vec<T> = values.into_iter().cycle().take(n).collect();
    if values.len() < n {
        return Ok(()); // no values to cycle through
    }
    let array = match layout {
        0 => ArrayD::from_shape_vec(IxDyn(&shape), values).unwrap(),
        _ => ArrayD::from_shape_vec(IxDyn(&shape).f(), values).unwrap(),
    };
    let opts = WriteOptions::default().endian(e);
    let mut bytes = Vec::new();
    opts.write(&mut bytes, &array).unwrap();
    let back: ArrayD<T> = npio::from_bytes(&bytes).unwrap();
    // Compared as bytes: NaN != NaN, but every bit pattern must survive.
    let c_bytes = |a: &ArrayD<T>| npio::to_bytes(a).unwrap();
    prop_assert_eq!(back.shape(), array.shape());
    prop_assert_eq!(c_bytes(&back), c_bytes(&array));
    // Non-contiguous views are written in C order and read back equal.
    if array.ndim() > 0 && array.shape()[0] > 1 {
        let view = array.slice_axis(ndarray::Axis(0), ndarray::Slice::new(0, None, -1));
        let mut b2 = Vec::new();
        opts.write(&mut b2, &view).unwrap();
        let back2: ArrayD<T> = npio::from_bytes(&b2).unwrap();
        prop_assert_eq!(c_bytes(&back2), c_bytes(&view.to_owned()));
    }
    // The dynamic path writes the same bytes back.
    let dynamic = npio::from_bytes::<npio::DynArray>(&bytes).unwrap();
    prop_assert_eq!(npio::to_bytes(&dynamic).unwrap(), bytes);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn descr_renders_and_parses_back(dtype in dtype_strategy()) {
        let text = dtype.descr_repr();
        let parsed = DType::parse(&text).unwrap();
        prop_assert_eq!(&parsed, &dtype, "{}", text);
        prop_assert_eq!(parsed.descr_repr(), text);
    }

    #[test]
    fn raw_arrays_roundtrip_in_every_order_and_byte_order(array in raw_array(), e in endian(), order in any::<bool>()) {
        let bytes = npio::to_bytes(&array).unwrap();
        let back = npio::from_bytes::<npio::DynArray>(&bytes).unwrap();
        prop_assert_eq!(&back, &array);
        // Convert byte order and memory order, then back: the original bytes return.
        let order = if order { Order::Fortran } else { Order::C };
        let mut converted = Vec::new();
        WriteOptions::default().endian(e).order(order).write(&mut converted, &array).unwrap();
        let mid = npio::from_bytes::<npio::DynArray>(&converted).unwrap();
        prop_assert_eq!(mid.dtype(), &array.dtype().with_endian(e));
        let le = WriteOptions::default().endian(Endian::Little).order(Order::C);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        le.write(&mut a, &array).unwrap();
        le.write(&mut b, &mid).unwrap();
        prop_assert_eq!(&a, &b);
        // Back from the converted array: each field to its original byte order (copy_data),
        // then the original memory order: the original bytes return.
        let mut data = Vec::new();
        npio::NpyReader::new(std::io::Cursor::new(&b[..])).unwrap().copy_data(&mut data, array.dtype()).unwrap();
        let mut c_order = npio::npy::Header::new(array.dtype().clone(), array.shape().to_vec(), false)
            .to_bytes()
            .unwrap();
        c_order.extend_from_slice(&data);
        let original_order = if array.is_fortran_order() { Order::Fortran } else { Order::C };
        let mut restored = Vec::new();
        WriteOptions::default().order(original_order).write(&mut restored, &npio::from_bytes::<npio::DynArray>(&c_order).unwrap()).unwrap();
        prop_assert_eq!(restored, bytes);
    }

    #[test]
    fn typed_arrays_roundtrip(shape in shape(), layout in 0u8..2, e in endian(), seed in any::<i64>()) {
        let ints: Vec<i64> = (0..8).map(|k| seed.wrapping_mul(k + 1).rotate_left(k as u32 * 7)).collect();
        typed_roundtrip(ints.iter().map(|&x| x != 0 && x % 2 == 0).collect::<Vec<bool>>(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.iter().map(|&x| x as i8).collect::<Vec<_>>(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.iter().map(|&x| x as u16).collect::<Vec<_>>(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.iter().map(|&x| x as i32).collect::<Vec<_>>(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.clone(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.iter().map(|&x| x as u64).collect::<Vec<_>>(), shape.clone(), layout, e)?;
        // Every bit pattern: negative values, infinities, NaNs with payloads, subnormals.
        typed_roundtrip(ints.iter().map(|&x| f16::from_bits(x as u16)).collect::<Vec<_>>(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.iter().map(|&x| f32::from_bits(x as u32)).collect::<Vec<_>>(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.iter().map(|&x| f64::from_bits(x as u64)).collect::<Vec<_>>(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.iter().map(|&x| Complex::new(f32::from_bits(x as u32), f32::from_bits((x >> 32) as u32))).collect::<Vec<_>>(), shape.clone(), layout, e)?;
        typed_roundtrip(ints.iter().map(|&x| Complex::new(f64::from_bits(x as u64), f64::from_bits(x.rotate_left(17) as u64))).collect::<Vec<_>>(), shape, layout, e)?;
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = npio::from_bytes::<npio::DynArray>(&bytes);
        let mut with_magic = b"\x93NUMPY\x01\x00".to_vec();
        with_magic.extend_from_slice(&bytes);
        let _ = npio::from_bytes::<npio::DynArray>(&with_magic);
        let _ = npio::NpyReader::new(std::io::Cursor::new(&with_magic[..])).and_then(|r| r.read::<npio::DynArray>());
    }

    #[test]
    fn arbitrary_header_text_never_panics(text in "[{}()\\[\\]',: 0-9a-zA-Z<>|L\\\\\"\n]{0,120}") {
        let mut file = b"\x93NUMPY\x01\x00".to_vec();
        file.extend_from_slice(&(text.len() as u16).to_le_bytes());
        file.extend_from_slice(text.as_bytes());
        let _ = npio::from_bytes::<npio::DynArray>(&file);
        let _ = DType::parse(&text);
    }
}
