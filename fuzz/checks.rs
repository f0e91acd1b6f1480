//! What the fuzz targets check, shared with `tests/fuzz_regressions.rs` (which replays every
//! saved failing input through the same functions in `cargo test`). Each function takes
//! arbitrary bytes; it must return without panicking, and the properties asserted here must
//! hold.

use std::io::Cursor;

use ndarray::IxDyn;
use npio::npy::read_header;
use npio::{DType, NpyReader, NpzReader, ReadOptions};

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
            let again = DType::parse(&dtype.descr_repr()).expect("a rendered descr parses");
            assert_eq!(again, dtype);
        }
    }
}

/// The bytes npio writes for a value: how two reads are compared (NaN != NaN, but its bits
/// survive).
fn bytes_of(array: &npio::DynArray) -> Vec<u8> {
    npio::to_bytes(array).expect("a read array writes")
}

/// Whole `.npy` files read every way, each checked against the whole dynamic read: the
/// header-only view agrees with it (dtype, shape, sizes), reading a stream of unknown length
/// and verifying accept and refuse exactly the same inputs and give the same values, transcoding
/// gives a file that reads back to the same values, typed reads, row chunks and zero-copy views
/// give the same values, and what npio writes it reads back identically.
pub fn npy(data: &[u8]) {
    let whole = npio::from_bytes::<npio::DynArray>(data);
    let options = ReadOptions::default();
    if let Ok(array) = &whole {
        let bytes = bytes_of(array);
        let again = npio::from_bytes::<npio::DynArray>(&bytes).expect("a written array reads");
        assert_eq!(
            bytes_of(&again),
            bytes,
            "written bytes read back identically"
        );
        // Header-only information agrees with the full read.
        let info = read_header(&mut &data[..], &options).expect("header of a readable file");
        assert_eq!(&info.header.dtype, array.dtype());
        assert_eq!(info.header.shape, array.shape());
        info.check_len(data.len() as u64)
            .expect("a readable file holds its data");
        assert_eq!(
            info.data_offset + info.header.data_len().unwrap() as u64,
            data.len() as u64
        );
    }
    // A stream of unknown length: buffers grow as data arrives; same verdict, same values.
    let streamed = NpyReader::stream(data).and_then(|r| r.read::<npio::DynArray>());
    assert_eq!(
        streamed.is_ok(),
        whole.is_ok(),
        "stream vs whole: {streamed:?} / {whole:?}"
    );
    if let (Ok(a), Ok(b)) = (&streamed, &whole) {
        assert_eq!(bytes_of(a), bytes_of(b));
    }
    // A seekable source: its length is learned; same verdict, same values.
    let seekable = NpyReader::new(Cursor::new(data)).and_then(|r| r.read::<npio::DynArray>());
    assert_eq!(
        seekable.is_ok(),
        whole.is_ok(),
        "seekable vs whole: {seekable:?} / {whole:?}"
    );
    if let (Ok(a), Ok(b)) = (&seekable, &whole) {
        assert_eq!(bytes_of(a), bytes_of(b));
    }
    // Verification reads in bounded memory and reaches the same verdict.
    let verified = NpyReader::stream(data).and_then(NpyReader::verify);
    assert_eq!(
        verified.is_ok(),
        whole.is_ok(),
        "verify vs whole: {verified:?} / {whole:?}"
    );
    // Transcoding streams the same values into a file that reads back to them.
    let mut out = Vec::new();
    let transcoded =
        NpyReader::stream(data).and_then(|r| r.transcode(&mut out, &npio::WriteOptions::default()));
    // Copies carry bool bytes other than 0 and 1 (NumPy loads them); a `bool` read refuses.
    // Where the dynamic read stopped at such a byte, the copy goes on and may succeed or stop
    // at a later problem (trailing data, truncation), but never at a bool.
    if matches!(&whole, Err(npio::Error::InvalidBool { .. })) {
        assert!(
            !matches!(&transcoded, Err(npio::Error::InvalidBool { .. })),
            "transcode refused a bool byte: {transcoded:?}"
        );
    } else {
        assert_eq!(
            transcoded.is_ok(),
            whole.is_ok(),
            "transcode vs whole: {transcoded:?}"
        );
    }
    if let Ok(array) = &whole {
        let back = npio::from_bytes::<npio::DynArray>(&out).expect("transcoded output reads");
        assert_eq!(bytes_of(&back), bytes_of(array));
    }
    // Typed reads agree with the dynamic one where the type matches.
    let typed = npio::from_bytes::<ndarray::Array<f64, IxDyn>>(data);
    if let Ok(t) = &typed {
        let d = whole.as_ref().expect("a typed read implies a dynamic one");
        assert_eq!(
            d.dtype().as_scalar().map(|s| s.kind()),
            Some(npio::dtype::ScalarKind::Float)
        );
        assert_eq!(t.shape(), d.shape());
    }
    let _ = npio::from_bytes::<ndarray::Array<bool, IxDyn>>(data);
    // Row chunks, concatenated, are the typed read (C-order arrays of at least one axis).
    if let Ok(reader) = NpyReader::stream(data) {
        if let Ok(mut chunks) = reader.row_chunks::<f64>(3) {
            let mut rows = Vec::new();
            let mut failed = false;
            while let Some(block) = chunks.next_chunk() {
                match block {
                    Ok(b) => rows.extend(b.iter().map(|v| v.to_bits())),
                    Err(_) => failed = true,
                }
            }
            match &typed {
                Ok(t) if !failed => {
                    let all: Vec<u64> = t.iter().map(|v| v.to_bits()).collect();
                    assert_eq!(rows, all, "row chunks vs typed read");
                }
                Ok(_) => panic!("row chunks failed on a file that reads"),
                Err(_) => assert!(
                    failed || rows.is_empty(),
                    "row chunks read a file that does not"
                ),
            }
        }
    }
    if let Ok(mut reader) = NpyReader::new(Cursor::new(data)) {
        let _ = reader.read_rows::<ndarray::ArrayD<i32>>(1..4);
    }
    // A zero-copy view shows what the copying read gives.
    if let Ok(view) = npio::view_npy::<u16, IxDyn>(data) {
        let copied =
            npio::from_bytes::<ndarray::Array<u16, IxDyn>>(data).expect("a viewable file reads");
        assert_eq!(view, copied.view());
    }
    records(data, whole.as_ref().ok());
}

/// The record shape of fixtures/records/ (seeded into the npy corpus).
#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
#[repr(C)]
#[npio(align)]
pub struct Particle {
    id: u32,
    pos: [f32; 3],
    mass: f64,
    alive: bool,
    kind: [u8; 4],
}

/// Records read into a derived struct: the bulk read (straight into the values when the
/// layouts match), the streamed read (assembled block by block), the dynamic read converted,
/// row chunks and a zero-copy view all agree, and what is written reads back the same.
fn records(data: &[u8], whole: Option<&npio::DynArray>) {
    type Rows = ndarray::Array<Particle, IxDyn>;
    let bits = |a: &Rows| npio::to_bytes(a).expect("records write");
    let typed = npio::from_bytes::<Rows>(data);
    let streamed = NpyReader::stream(data).and_then(|r| r.read::<Rows>());
    assert_eq!(typed.is_ok(), streamed.is_ok(), "{typed:?} / {streamed:?}");
    let Ok(typed) = typed else { return };
    assert_eq!(bits(&streamed.expect("checked")), bits(&typed));
    let d = whole.expect("a typed read implies a dynamic one").clone();
    let converted = d
        .into_array::<Particle, IxDyn>()
        .expect("the dynamic read converts");
    assert_eq!(bits(&converted), bits(&typed));
    let again = npio::from_bytes::<Rows>(&bits(&typed)).expect("written records read");
    assert_eq!(bits(&again), bits(&typed));
    if let Ok(view) = npio::view_npy::<Particle, IxDyn>(data) {
        assert_eq!(bits(&view.to_owned()), bits(&typed));
    }
    if let Ok(Ok(mut chunks)) = NpyReader::stream(data).map(|r| r.row_chunks::<Particle>(2)) {
        let mut rows = Vec::new();
        while let Some(block) = chunks.next_chunk() {
            rows.extend(block.expect("chunks of a readable file").iter().copied());
        }
        let rows = ndarray::Array::from(rows).into_dyn();
        let flat = ndarray::Array::from_iter(typed.iter().copied()).into_dyn();
        assert_eq!(bits(&rows), bits(&flat));
    }
}

/// `.npz` archives: the member list and header-only info agree with full reads, `read_all`
/// agrees with reading members one by one (same members, same values, same verdict), and
/// streaming verification reaches the verdict of a whole read.
pub fn npz(data: &[u8]) {
    let Ok(mut npz) = NpzReader::new(Cursor::new(data)) else {
        return;
    };
    let listed = npz.members();
    let mut one_by_one = Vec::new();
    let mut all_ok = true;
    for stored in npz.stored_names() {
        let info = npz.member_info(&stored);
        let raw = npz.read_raw(&stored);
        let is_array = stored.ends_with(".npy");
        if !is_array {
            continue;
        }
        let read = npz.read::<npio::DynArray>(&stored);
        if let Ok(a) = &read {
            let info = info.expect("member info of a readable member");
            let header = info
                .npy
                .expect("a readable array member has a header")
                .header;
            assert_eq!(&header.dtype, a.dtype());
            assert_eq!(header.shape, a.shape());
            let raw = raw.expect("a readable member reads raw");
            let from_raw =
                npio::from_bytes::<npio::DynArray>(&raw).expect("its raw bytes read as .npy");
            assert_eq!(bytes_of(&from_raw), bytes_of(a));
        }
        let verified = npz.member_reader(&stored).and_then(NpyReader::verify);
        assert_eq!(
            verified.is_ok(),
            read.is_ok(),
            "{stored}: verify {verified:?} vs read {read:?}"
        );
        all_ok &= read.is_ok();
        if let Ok(a) = read {
            one_by_one.push((
                stored.strip_suffix(".npy").unwrap_or(&stored).to_string(),
                a,
            ));
        }
    }
    if let Ok(listed) = &listed {
        assert_eq!(listed.len(), npz.len());
    }
    match npz.read_all() {
        Ok(all) => {
            assert!(all_ok, "read_all succeeded where a member read failed");
            assert_eq!(all.len(), one_by_one.len());
            for ((n1, a1), (n2, a2)) in all.iter().zip(&one_by_one) {
                assert_eq!(n1, n2);
                assert_eq!(bytes_of(a1), bytes_of(a2), "{n1}");
            }
        }
        Err(e) => assert!(!all_ok, "read_all failed ({e}) where every member reads"),
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
/// `RecordType::new`, `DType::sub_array`) from the fuzzer's bytes, and calls every public method
/// on each one that was accepted: none may panic, a descr renders and parses back to the same
/// dtype, and sizes agree with a header's data size.
pub fn dtype(data: &[u8]) {
    use npio::dtype::Endian;
    use npio::dtype::{RecordField, RecordType, Scalar, ScalarKind, SubArray, TimeUnit};
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
                    fields.push(RecordField {
                        name: format!("f{k}"),
                        title,
                        dtype,
                        offset: bytes.size(),
                    });
                }
                if let Ok(r) = RecordType::new(fields, bytes.size()) {
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
        let descr = dtype.descr_repr();
        let _ = dtype.typestr();
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
        let header = npio::npy::Header::new(dtype.clone(), vec![0, 3], false);
        if let Ok(len) = header.data_len() {
            assert_eq!(len, 0);
            // An empty array of this dtype writes, in either byte order, and reads back.
            if !dtype.has_object() {
                if let Ok(raw) = npio::npy::RawArray::new(
                    header.shape.clone(),
                    false,
                    Vec::new(),
                    header.dtype.itemsize(),
                ) {
                    if let Ok(array) =
                        npio::DynArray::new(header.dtype.clone(), npio::npy::ArrayData::Raw(raw))
                    {
                        for e in [Endian::Little, Endian::Big] {
                            let opts = npio::WriteOptions::default().endian(e);
                            let mut out = Vec::new();
                            if opts.write(&mut out, &array).is_ok() {
                                let back = npio::from_bytes::<npio::DynArray>(&out)
                                    .expect("an empty array reads back");
                                assert_eq!(back.shape(), array.shape());
                            }
                        }
                    }
                }
            }
        }
    }
}
