//! What the fuzz targets check, shared with `tests/fuzz_regressions.rs` (which replays every
//! saved failing input through the same functions in `cargo test`). Each function takes
//! arbitrary bytes; it must return without panicking, and the properties asserted here must
//! hold.

use std::io::Cursor;

use ndarray::IxDyn;
use npio::{read_header, DType, NpyReader, NpzReader, ReadOptions};

/// The header grammar and validation: any bytes give a header or an error, and a header that
/// parses renders to text that parses back to the same header; the same for descr text.
pub fn header(data: &[u8]) {
    let options = ReadOptions::default().max_header_size(1 << 20);
    if let Ok(info) = read_header(&mut &data[..], &options) {
        let header = info.header;
        let rendered = header.to_bytes().expect("a parsed header renders");
        let again = read_header(&mut &rendered[..], &options).expect("rendered header parses");
        assert_eq!(again.header, header);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(dtype) = DType::parse(text) {
            let again = DType::parse(&dtype.descr()).expect("a rendered descr parses");
            assert_eq!(again, dtype);
        }
    }
}

/// Whole `.npy` files read every way: typed, dynamic, streamed, by rows, as a zero-copy
/// view, verified. A value that reads writes back, and reads and writes again to the same bytes.
pub fn npy(data: &[u8]) {
    if let Ok(array) = npio::from_bytes_dyn(data) {
        let bytes = npio::to_bytes_dyn(&array).expect("a read array writes");
        let again = npio::from_bytes_dyn(&bytes).expect("a written array reads");
        // Compared as bytes: NaN != NaN, but its bits survive.
        assert_eq!(npio::to_bytes_dyn(&again).expect("writes again"), bytes);
    }
    let _ = npio::from_bytes::<f64, IxDyn>(data);
    let _ = npio::from_bytes::<bool, IxDyn>(data);
    // Unknown length: buffers grow as data arrives.
    if let Ok(reader) = NpyReader::new(data) {
        let _ = reader.read_dyn();
    }
    if let Ok(reader) = NpyReader::new(data) {
        if let Ok(mut chunks) = reader.row_chunks::<u8>(3) {
            while let Some(Ok(_)) = chunks.next_chunk() {}
        }
    }
    if let Ok(mut reader) = NpyReader::new_seekable(Cursor::new(data), ReadOptions::default()) {
        let _ = reader.read_rows::<i32>(1..4);
    }
    if let Ok(reader) = NpyReader::new(data) {
        let _ = npio::verify(reader);
    }
    let _ = npio::view_npy::<u16, IxDyn>(data);
}

/// `.npz` archives: listing, member info, every member read whole, in parallel, streamed and
/// raw.
pub fn npz(data: &[u8]) {
    let Ok(mut npz) = NpzReader::new(Cursor::new(data)) else {
        return;
    };
    let _ = npz.members();
    let _ = npz.read_all();
    for name in npz.names() {
        let _ = npz.member_info(&name);
        let _ = npz.read_dyn(&name);
        if let Ok(reader) = npz.member_reader(&name) {
            let _ = npio::verify(reader);
        }
    }
    for stored in npz.stored_names() {
        let _ = npz.read_raw(&stored);
    }
}

/// Reads little-endian integers off the fuzzer's bytes (zeros once they run out).
struct Bytes<'a>(&'a [u8]);

impl Bytes<'_> {
    fn take<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0u8; N];
        let n = N.min(self.0.len());
        out[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        out
    }
    fn u8(&mut self) -> u8 {
        self.take::<1>()[0]
    }
    /// Small values mostly, huge ones sometimes (to reach overflow paths).
    fn size(&mut self) -> usize {
        match self.u8() % 4 {
            3 => u64::from_le_bytes(self.take::<8>()) as usize,
            _ => self.u8() as usize,
        }
    }
}

/// Builds dtypes through the public constructors only (`Scalar::new`, `SubArray::new`,
/// `Record::new`, `DType::sub_array`) from the fuzzer's bytes, and calls every public method
/// on each one that was accepted: none may panic, a descr renders and parses back to the same
/// dtype, and sizes agree with a header's data size.
pub fn dtype(data: &[u8]) {
    use npio::{Endian, Field, Record, Scalar, ScalarKind, SubArray, TimeUnit};
    let mut bytes = Bytes(data);
    let mut stack: Vec<DType> = Vec::new();
    let endian = |b: u8| match b % 4 {
        0 => Endian::Little,
        1 => Endian::Big,
        2 => Endian::NotApplicable,
        _ => Endian::NATIVE,
    };
    while !bytes.0.is_empty() && stack.len() < 64 {
        match bytes.u8() % 5 {
            0 => {
                let unit = [TimeUnit::Second, TimeUnit::Nanosecond, TimeUnit::Generic]
                    [bytes.u8() as usize % 3];
                let multiplier = u64::from(bytes.u8()) << (bytes.u8() % 40);
                let kind = match bytes.u8() % 12 {
                    0 => ScalarKind::Bool,
                    1 => ScalarKind::Int,
                    2 => ScalarKind::UInt,
                    3 => ScalarKind::Float,
                    4 => ScalarKind::Complex,
                    5 => ScalarKind::Bytes,
                    6 => ScalarKind::Unicode,
                    7 => ScalarKind::Void,
                    8 => ScalarKind::DateTime { unit, multiplier },
                    9 => ScalarKind::TimeDelta { unit, multiplier },
                    _ => ScalarKind::Object,
                };
                let e = endian(bytes.u8());
                let pick = bytes.u8() as usize;
                let size = match kind {
                    _ if pick.is_multiple_of(8) => bytes.size(),
                    ScalarKind::Bool => 1,
                    ScalarKind::Int | ScalarKind::UInt => [1, 2, 4, 8][pick % 4],
                    ScalarKind::Float => [2, 4, 8, 16][pick % 4],
                    ScalarKind::Complex => [8, 16, 32][pick % 3],
                    ScalarKind::Unicode => bytes.size().saturating_mul(4),
                    ScalarKind::Bytes | ScalarKind::Void => bytes.size(),
                    _ => 8,
                };
                if let Ok(s) = Scalar::new(kind, e, size) {
                    stack.push(DType::Scalar(s));
                }
            }
            1 => {
                if let Some(base) = stack.pop() {
                    let shape = (0..bytes.u8() % 4).map(|_| bytes.size()).collect();
                    if let Ok(s) = SubArray::new(base.clone(), shape) {
                        stack.push(DType::SubArray(s));
                    } else {
                        stack.push(base);
                    }
                }
            }
            2 => {
                let n = (bytes.u8() as usize % 4).min(stack.len());
                let mut fields = Vec::new();
                for (k, dtype) in stack.split_off(stack.len() - n).into_iter().enumerate() {
                    let title = (bytes.u8() % 4 == 0).then(|| format!("t{k}"));
                    fields.push(Field {
                        name: format!("f{k}"),
                        title,
                        dtype,
                        offset: bytes.size(),
                    });
                }
                if let Ok(r) = Record::new(fields, bytes.size()) {
                    stack.push(DType::Record(r));
                }
            }
            3 => {
                if let Some(top) = stack.pop() {
                    stack.push(top.with_endian(endian(bytes.u8())));
                }
            }
            _ => {
                if let Some(top) = stack.pop() {
                    if let Ok(d) = DType::sub_array(top, vec![bytes.size()]) {
                        stack.push(d);
                    }
                }
            }
        }
    }
    for dtype in &stack {
        let descr = dtype.descr();
        let _ = dtype.descr_json();
        let _ = dtype.to_string();
        let _ = (
            dtype.has_object(),
            dtype.scalar_endian(),
            dtype.as_scalar(),
            dtype.as_record(),
        );
        for e in [Endian::Little, Endian::Big, Endian::NotApplicable] {
            assert_eq!(dtype.with_endian(e).itemsize(), dtype.itemsize());
        }
        if let Some(r) = dtype.as_record() {
            for f in r.fields() {
                assert!(f.offset + f.dtype.itemsize() <= r.itemsize());
                assert!(r.field(&f.name).is_some());
            }
        }
        // Every accepted dtype is one NumPy can describe, and its description reads back.
        let again = DType::parse(&descr).unwrap_or_else(|e| panic!("{descr}: {e}"));
        assert_eq!(&again, dtype, "{descr}");
        let header = npio::Header::new(dtype.clone(), vec![0, 3], false);
        if let Ok(len) = header.data_len() {
            assert_eq!(len, 0);
            // An empty array of this dtype writes, in either byte order, and reads back.
            if !dtype.has_object() {
                if let Ok(raw) = npio::RawArray::new(
                    header.shape.clone(),
                    false,
                    Vec::new(),
                    header.dtype.itemsize(),
                ) {
                    if let Ok(array) =
                        npio::DynArray::new(header.dtype.clone(), npio::ArrayData::Raw(raw))
                    {
                        for e in [Endian::Little, Endian::Big] {
                            let opts = npio::WriteOptions::default().endian(e);
                            let mut out = Vec::new();
                            if npio::write_dyn(&mut out, &array, &opts).is_ok() {
                                let back =
                                    npio::from_bytes_dyn(&out).expect("an empty array reads back");
                                assert_eq!(back.shape(), array.shape());
                            }
                        }
                    }
                }
            }
        }
    }
}
