//! Truncation and corruption sweeps: every fixture cut at every byte of its header and at many
//! points of its data, and with single header bytes changed, must give `Ok` or `Err`, never a
//! panic. Archives are cut and corrupted the same way.

mod common;

use std::io::Cursor;

use common::{fixtures_dir, manifest};

/// Positions to try in `0..len`: all of them when few, otherwise an even spread plus the ends.
fn positions(len: usize, max: usize) -> Vec<usize> {
    if len <= max {
        (0..len).collect()
    } else {
        let mut v: Vec<usize> = (0..max).map(|k| k * len / max).collect();
        v.extend([len - 2, len - 1]);
        v
    }
}

fn read_all_ways(bytes: &[u8]) {
    let opts = npio::ReadOptions::default().max_header_size(1 << 20);
    let _ = opts
        .npy_reader(Cursor::new(bytes))
        .and_then(|r| r.read::<npio::DynArray>());
    let _ = opts
        .npy_stream(bytes)
        .and_then(|r| r.read::<npio::DynArray>());
    let _ = opts.npy_stream(bytes).and_then(npio::NpyReader::verify);
    let _ = opts.npy_stream(bytes).and_then(|r| {
        let mut sink = Vec::new();
        r.transcode(
            &mut sink,
            &npio::WriteOptions::default().endian(npio::dtype::Endian::Big),
        )
    });
    let _ = npio::view_npy::<u8, ndarray::IxDyn>(bytes);
}

#[test]
fn npy_truncations_and_header_flips_never_panic() {
    let m = manifest();
    let files = m["valid"]
        .as_array()
        .unwrap()
        .iter()
        .chain(m["malformed"].as_array().unwrap());
    for entry in files {
        let bytes = std::fs::read(fixtures_dir().join(entry["file"].as_str().unwrap())).unwrap();
        let data_start = npio::npy::read_header(
            &mut &bytes[..],
            &npio::ReadOptions::default().max_header_size(1 << 20),
        )
        .map(|i| i.data_offset as usize)
        .unwrap_or(bytes.len().min(256));
        for cut in positions(data_start, 300)
            .into_iter()
            .chain(positions(bytes.len(), 50))
        {
            read_all_ways(&bytes[..cut]);
        }
        let mut corrupted = bytes.clone();
        for pos in positions(data_start, 200) {
            for value in [0u8, b'(', b'\'', 0xff, corrupted[pos] ^ 0x20] {
                let saved = corrupted[pos];
                corrupted[pos] = value;
                read_all_ways(&corrupted);
                corrupted[pos] = saved;
            }
        }
    }
}

#[test]
fn npz_truncations_and_flips_never_panic() {
    for entry in manifest()["npz"]
        .as_array()
        .unwrap()
        .iter()
        .chain(manifest()["npz_malformed"].as_array().unwrap())
    {
        let bytes = std::fs::read(fixtures_dir().join(entry["file"].as_str().unwrap())).unwrap();
        let try_archive = |data: &[u8]| {
            if let Ok(mut npz) = npio::NpzReader::new(Cursor::new(data)) {
                for name in npz.stored_names() {
                    let _ = npz.member_info(&name);
                    let _ = npz.read::<npio::DynArray>(&name);
                    let _ = npz.read_raw(&name);
                    let _ = npz.member_reader(&name).and_then(npio::NpyReader::verify);
                }
            }
        };
        for cut in positions(bytes.len(), 150) {
            try_archive(&bytes[..cut]);
        }
        let mut corrupted = bytes.clone();
        for pos in positions(bytes.len(), 150) {
            let saved = corrupted[pos];
            corrupted[pos] ^= 0xff;
            try_archive(&corrupted);
            corrupted[pos] = saved;
        }
    }
}
