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
