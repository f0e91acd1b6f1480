//! Members over 4 GiB need zip64. This writes and reads back a real 4 GiB+ archive, so it is
//! ignored by the default `cargo test` and run by `.ci/run` in release mode:
//! `cargo test --release --test npz_large -- --ignored`.
//!
//! Set `NPIO_LARGE_NPZ_OUT=PATH` to keep the archive at PATH (CI then has NumPy check it).

use ndarray::{Array1, Ix1};
use npio::{npz::Compression, NpzReader, NpzWriter};

const CHUNK: usize = 1 << 24;

fn pattern(i: usize) -> u8 {
    (i % 251) as u8
}

#[test]
#[ignore = "writes and reads a 4 GiB+ archive; run by .ci/run in release mode"]
fn members_over_4_gib_use_zip64() {
    let keep = std::env::var_os("NPIO_LARGE_NPZ_OUT");
    let tmp = tempfile::tempdir().unwrap();
    let path = match &keep {
        Some(p) => std::path::PathBuf::from(p),
        None => tmp.path().join("large.npz"),
    };
    let n: usize = (1usize << 32) + 4096 + 7; // more than u32::MAX bytes of data
    let chunk = Array1::from_shape_fn(CHUNK, pattern); // element i of the member is pattern(i % CHUNK)
    let mut w = NpzWriter::create(&path).unwrap();
    for (name, compression) in [
        ("stored", Compression::Stored),
        ("deflated", Compression::Deflated { level: 1 }),
    ] {
        w.set_compression(compression);
        let mut m = w.start_array::<u8>(name, &[n]).unwrap();
        let mut written = 0;
        while written < n {
            let take = CHUNK.min(n - written);
            m.write_rows(&chunk.slice(ndarray::s![..take])).unwrap();
            written += take;
        }
        m.finish().unwrap();
    }
    w.finish().unwrap();

    let mut npz = NpzReader::open(&path).unwrap();
    for name in ["stored", "deflated"] {
        let info = npz.member_info(name).unwrap();
        assert!(info.size > u32::MAX as u64, "{name}: {}", info.size);
        if name == "stored" {
            assert_eq!(info.array_data_offset().unwrap() % 64, 0);
            assert!(info.data_start > 0);
        }
        let a = npz.read::<ndarray::Array<u8, Ix1>>(name).unwrap();
        assert_eq!(a.len(), n);
        for i in [0, 1, CHUNK - 1, CHUNK, (1 << 32) - 1, 1 << 32, n - 1] {
            assert_eq!(a[i], pattern(i % CHUNK), "{name}[{i}]");
        }
    }
    if keep.is_none() {
        std::fs::remove_file(&path).unwrap();
    }
}
