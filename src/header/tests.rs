//! Header parsing and rendering, against the format notes and NumPy's behaviour.

use super::*;

fn parse(text: &str) -> Result<Header> {
    Header::from_literal(&format::parse_text(text.as_bytes(), Version::V3_0, 10)?)
}

#[test]
fn worked_example_from_the_format_notes() {
    let h = Header::new(DType::parse("<f8").unwrap(), vec![3], false);
    let bytes = h.to_bytes().unwrap();
    let mut expected =
        b"\x93NUMPY\x01\x00\x76\x00{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }"
            .to_vec();
    expected.extend(std::iter::repeat_n(b' ', 60));
    expected.push(b'\n');
    assert_eq!(bytes, expected);
}

#[test]
fn accepts_what_numpy_accepts() {
    for text in [
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }",
        "{\"shape\": (3,), \"descr\": \"<f8\", \"fortran_order\": False}",
        "{'descr':'<f8','fortran_order':False,'shape':(3,)}   \n",
        "{\n  'descr': '<f8',\n  'fortran_order': False,\n  'shape': (3,)\n}\n",
    ] {
        let h = parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        assert_eq!(h.shape, vec![3]);
    }
    let long = format::parse_text(
        b"{'descr': '<f8', 'fortran_order': False, 'shape': (3L, 2L), }",
        Version::V1_0,
        10,
    )
    .and_then(|literal| Header::from_literal(&literal));
    assert_eq!(long.unwrap().shape, vec![3, 2]);
}

#[test]
fn refuses_what_numpy_refuses() {
    for text in [
        "{'descr': '<f8', 'fortran_order': False}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'extra': 1}",
        "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': [3]}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (-1,)}",
        "{'descr': '<f8', 'fortran_order': False, 'shape': (3L,)}", // 3.0: no Python 2 ints
        "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4)}",
        "['descr', '<f8']",
        "{'descr': 3, 'fortran_order': False, 'shape': (3,)}",
    ] {
        assert!(parse(text).is_err(), "{text} should be refused");
    }
}

/// Stricter than NumPy, on purpose: NumPy's header reader takes `True` as the integer 1
/// (`isinstance(True, int)`), though `np.load` then fails building the array; npio refuses
/// the header itself, with a clear error.
#[test]
fn refuses_bools_as_dimensions_where_numpy_reads_them_as_ints() {
    let err = parse("{'descr': '<f8', 'fortran_order': False, 'shape': (True,)}").unwrap_err();
    assert!(matches!(err, Error::InvalidHeader { .. }), "{err}");
}

#[test]
fn syntax_errors_name_the_file_offset() {
    let err = parse("{'descr': '<f8', 'fortran_order': Flase, 'shape': (3,)}").unwrap_err();
    match err {
        Error::HeaderSyntax { offset, .. } => assert_eq!(offset, 10 + 34),
        other => panic!("{other}"),
    }
}

#[test]
fn header_limit_is_checked_before_allocation() {
    let mut bytes = b"\x93NUMPY\x02\x00".to_vec();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    let err = read_header(&mut &bytes[..], &ReadOptions::default()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::HeaderTooLarge {
                len: 4294967295,
                limit: 10000
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("max_header_size"));
}

#[test]
fn forcing_version_1_on_a_huge_header_fails() {
    // NumPy's test_large_header: a 1.0 header cannot exceed 65535 bytes.
    let fields: Vec<String> = (0..5000).map(|i| format!("('f{i:05}', '<i4')")).collect();
    let dtype = DType::parse(&format!("[{}]", fields.join(", "))).unwrap();
    let h = Header::new(dtype, vec![1], false);
    assert!(h.to_bytes_with_version(Version::V1_0).is_err());
    assert_eq!(&h.to_bytes().unwrap()[6..8], &[2, 0]);
    let utf8 = Header::new(DType::parse("[('日', '<i4')]").unwrap(), vec![1], false);
    assert!(utf8.to_bytes_with_version(Version::V2_0).is_err());
}

#[test]
fn growth_padding_and_versions() {
    let h = Header::new(DType::parse("<i8").unwrap(), vec![], false);
    let text = h.dict_text();
    assert!(
        text.ends_with("'shape': (), }"),
        "0-d arrays get no growth padding: {text:?}"
    );
    let f = Header::new(DType::parse("<i8").unwrap(), vec![2, 1234], true);
    assert!(f.dict_text().ends_with(&format!(", }}{}", " ".repeat(17))));
    let cafe = Header::new(DType::parse("[('café', '<i4')]").unwrap(), vec![1], false);
    assert_eq!(&cafe.to_bytes().unwrap()[6..8], &[1, 0]);
}
