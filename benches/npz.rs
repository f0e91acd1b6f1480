//! Criterion benchmarks of `.npz` archives: writing and reading one 16 MiB float64 member,
//! stored and deflated. Run with `cargo bench --bench npz`.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::{Array1, Ix1};
use npio::{Compression, NpzReader, NpzWriter};

const N: usize = 2 << 20; // 2 Mi f64 = 16 MiB

/// A deterministic random walk: realistic, only mildly compressible float data.
fn random_walk() -> Array1<f64> {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut x = 0.0;
    Array1::from_iter((0..N).map(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        x += (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
        x
    }))
}

fn archive(a: &Array1<f64>, compression: Compression) -> Vec<u8> {
    let mut w = NpzWriter::with_compression(Cursor::new(Vec::new()), compression);
    w.add_array("walk", a).unwrap();
    w.finish().unwrap().into_inner()
}

fn npz(c: &mut Criterion) {
    let a = random_walk();
    let cases = [
        ("stored", Compression::Stored),
        ("deflated_l6", Compression::deflated()),
        ("deflated_l1", Compression::Deflated { level: 1 }),
    ];
    let mut g = c.benchmark_group("npz_f64_16MiB");
    g.throughput(Throughput::Bytes((N * 8) as u64));
    g.sample_size(10);
    for (name, compression) in cases {
        g.bench_with_input(
            BenchmarkId::new("write", name),
            &compression,
            |b, &compression| b.iter(|| black_box(archive(&a, compression))),
        );
        let bytes = archive(&a, compression);
        eprintln!(
            "{name}: archive {} bytes, ratio {:.3}",
            bytes.len(),
            bytes.len() as f64 / (N * 8) as f64
        );
        g.bench_with_input(BenchmarkId::new("read", name), &bytes, |b, bytes| {
            b.iter(|| {
                let mut r = NpzReader::new(Cursor::new(&bytes[..])).unwrap();
                black_box(r.read_array::<f64, Ix1>("walk").unwrap())
            })
        });
    }
    g.finish();
}

criterion_group!(benches, npz);
criterion_main!(benches);
