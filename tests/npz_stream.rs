//! Archives written to outputs that cannot seek (`NpzWriter::new_stream`: pipes, uploads):
//! every member ends in a data descriptor, nothing is rewritten, and every route reads the
//! archive as it reads one written to a file.

use std::io::{self, Cursor, Write};

use ndarray::{Array1, Array2, ArrayD};
use npio::npz::{Compression, NpzView};
use npio::{DynArray, NpzReader, NpzWriter};

/// An output with no `Seek` at all: the type system proves the writer never seeks.
struct Pipe(Vec<u8>);

impl Write for Pipe {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn compressions() -> Vec<Compression> {
    let all = vec![
        Compression::Stored,
        Compression::deflated(),
        Compression::Auto,
    ];
    #[cfg(feature = "zstd")]
    let all = [all, vec![Compression::zstd()]].concat();
    all
}

/// The members every archive below holds, each written through a different route of the
/// writer: whole arrays (small, and large enough to be compressed in parallel blocks), raw
/// bytes, a member streamed by `start_member`, rows by `start_array` and by `start_rows`.
fn write_members<W: Write>(w: &mut NpzWriter<W>) -> Vec<(String, DynArray)> {
    let small = Array1::from_iter((0..10).map(f64::from));
    let large = Array1::from_iter((0..700_000u32).map(|i| (i % 251) as f32 * 0.5));
    let grid = Array2::from_shape_fn((300, 7), |(i, j)| (i * 7 + j) as i64);
    w.add("small", &small).unwrap();
    w.add("large", &large).unwrap();
    let raw = npio::to_bytes(&Array1::from_vec(vec![1u16, 2, 3])).unwrap();
    w.add_raw("raw.npy", raw.clone()).unwrap();
    let mut streamed = w.start_member("streamed.npy", raw.len() as u64).unwrap();
    streamed.write_all(&raw).unwrap();
    streamed.finish().unwrap();
    let mut rows = w.start_array::<i64>("grid", &[300, 7]).unwrap();
    rows.write_rows(&grid.slice(ndarray::s![..100, ..]))
        .unwrap();
    rows.write_rows(&grid.slice(ndarray::s![100.., ..]))
        .unwrap();
    rows.finish().unwrap();
    let mut open = w.start_rows::<i64>("open", &[7]).unwrap();
    open.write_rows(&grid).unwrap();
    open.finish().unwrap();
    let raw: ArrayD<u16> = npio::from_bytes(&raw).unwrap();
    vec![
        ("small".into(), small.into_dyn().into()),
        ("large".into(), large.into_dyn().into()),
        ("raw".into(), raw.clone().into()),
        ("streamed".into(), raw.into()),
        ("grid".into(), grid.clone().into_dyn().into()),
        ("open".into(), grid.into_dyn().into()),
    ]
}

/// The offsets of every 4-byte `signature` in `bytes`.
fn find_all(bytes: &[u8], signature: &[u8; 4]) -> Vec<usize> {
    bytes
        .windows(4)
        .enumerate()
        .filter_map(|(i, w)| (w == signature).then_some(i))
        .collect()
}

#[test]
fn a_streamed_archive_reads_back_on_every_route() {
    let tmp = tempfile::tempdir().unwrap();
    for compression in compressions() {
        let mut w = NpzWriter::new_stream(Pipe(Vec::new()));
        w.set_compression(compression);
        let expected = write_members(&mut w);
        let bytes = w.finish().unwrap().0;

        // In memory, whole members and read_all.
        let mut npz = NpzReader::new(Cursor::new(bytes.clone())).unwrap();
        let names: Vec<String> = expected.iter().map(|(n, _)| n.clone()).collect();
        assert_eq!(npz.names(), names, "{compression:?}");
        for (name, array) in &expected {
            let got: DynArray = npz.read(name).unwrap();
            assert_eq!(&got, array, "{compression:?} {name}");
        }
        assert_eq!(npz.read_all().unwrap(), expected, "{compression:?}");

        // From a file, and viewed in place when stored.
        let path = tmp.path().join("streamed.npz");
        std::fs::write(&path, &bytes).unwrap();
        let mut file = NpzReader::open(&path).unwrap();
        assert_eq!(file.read_all().unwrap(), expected, "{compression:?}");
        let got: DynArray = file.read("large").unwrap();
        assert_eq!(got, expected[1].1);
        if compression == Compression::Stored {
            let map = NpzView::new(&bytes[..]).unwrap();
            let view = map.view::<f32, ndarray::Ix1>("large").unwrap();
            assert_eq!(DynArray::from(view.to_owned().into_dyn()), expected[1].1);
        }
    }
}

#[test]
fn every_streamed_member_ends_in_a_data_descriptor() {
    for compression in compressions() {
        let mut w = NpzWriter::new_stream(Pipe(Vec::new()));
        w.set_compression(compression);
        let members = write_members(&mut w).len();
        let bytes = w.finish().unwrap().0;
        let locals = find_all(&bytes, b"PK\x03\x04");
        assert_eq!(locals.len(), members, "{compression:?}");
        for at in locals {
            let flags = u16::from_le_bytes([bytes[at + 6], bytes[at + 7]]);
            assert_eq!(
                flags & 8,
                8,
                "{compression:?}: local header at {at} without bit 3"
            );
        }
        assert_eq!(
            find_all(&bytes, b"PK\x07\x08").len(),
            members,
            "{compression:?}"
        );
    }
}

#[test]
fn a_seekable_output_gets_no_data_descriptors() {
    let mut w = NpzWriter::new_compressed(Cursor::new(Vec::new()));
    let members = write_members(&mut w).len();
    let bytes = w.finish().unwrap().into_inner();
    assert_eq!(find_all(&bytes, b"PK\x03\x04").len(), members);
    assert!(find_all(&bytes, b"PK\x07\x08").is_empty());
}

/// An output that fails after `left` bytes.
struct Failing {
    left: usize,
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.left == 0 {
            return Err(io::Error::other("disk on fire"));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_stream_fails_the_archive_loudly() {
    let mut w = NpzWriter::new_stream(Failing { left: 5000 });
    let large = Array1::from_iter((0..100_000u32).map(f64::from));
    let first = w.add("a", &large);
    let second = w.add("b", &large);
    let err = first
        .and(second)
        .and(w.finish().map(drop))
        .expect_err("the output failed");
    assert!(err.to_string().contains("disk on fire"), "{err}");
}
