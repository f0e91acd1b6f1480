//! Criterion benchmarks of `#[derive(npio::Record)]` reads: 1,000,000 records of a 5-field
//! struct from a file whose layout is the struct's (read straight into the result), from one
//! with the fields in another order, and from one in the other byte order (both assembled
//! field by field), beside reading the same number of bytes as `u8` (the floor).
//!
//! Run with `cargo bench --bench record`. Files live in a temporary folder (page cache).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::Array1;
use npio::{dtype::Endian, WriteOptions};

const N: usize = 1_000_000;

/// 32 bytes, no padding: NumPy's packed and aligned layouts are both its C layout.
#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
#[repr(C)]
struct Row {
    x: f64,
    y: f64,
    z: f32,
    id: u32,
    t: i64,
}

/// The same fields in another order.
#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
#[repr(C)]
struct Reordered {
    id: u32,
    z: f32,
    t: i64,
    y: f64,
    x: f64,
}

fn rows() -> Array1<Row> {
    (0..N)
        .map(|i| Row {
            x: i as f64,
            y: i as f64 * 0.5,
            z: i as f32,
            id: i as u32,
            t: -(i as i64),
        })
        .collect()
}

fn read(c: &mut Criterion) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let rows = rows();
    npio::write_npy(dir.join("matching.npy"), &rows).unwrap();
    let other = if Endian::NATIVE == Endian::Little {
        Endian::Big
    } else {
        Endian::Little
    };
    let opts = WriteOptions::default().endian(other);
    opts.write_npy(dir.join("swapped.npy"), &rows).unwrap();
    let reordered: Array1<Reordered> = rows
        .iter()
        .map(|r| Reordered {
            id: r.id,
            z: r.z,
            t: r.t,
            y: r.y,
            x: r.x,
        })
        .collect();
    npio::write_npy(dir.join("reordered.npy"), &reordered).unwrap();
    let bytes = Array1::<u8>::from_elem(N * std::mem::size_of::<Row>(), 7);
    npio::write_npy(dir.join("bytes.npy"), &bytes).unwrap();

    let mut g = c.benchmark_group("read_1M_records");
    g.throughput(Throughput::Bytes((N * std::mem::size_of::<Row>()) as u64));
    g.sample_size(20);
    g.bench_function("u8_same_bytes", |b| {
        b.iter(|| black_box(npio::read_npy::<Array1<u8>, _>(dir.join("bytes.npy")).unwrap()))
    });
    for name in ["matching", "reordered", "swapped"] {
        let path = dir.join(format!("{name}.npy"));
        let check: Array1<Row> = npio::read_npy(&path).unwrap();
        assert_eq!(check, rows, "{name}");
        g.bench_function(name, |b| {
            b.iter(|| black_box(npio::read_npy::<Array1<Row>, _>(&path).unwrap()))
        });
    }
    g.finish();
}

fn write(c: &mut Criterion) {
    let rows = rows();
    let mut g = c.benchmark_group("write_1M_records");
    g.throughput(Throughput::Bytes((N * std::mem::size_of::<Row>()) as u64));
    g.sample_size(20);
    let mut out = Vec::with_capacity(N * 40);
    g.bench_function("native", |b| {
        b.iter(|| {
            out.clear();
            npio::WriteNpy::write_npy(&rows, &mut out).unwrap();
        })
    });
    g.bench_function("swapped", |b| {
        let opts = WriteOptions::default().endian(Endian::Big);
        b.iter(|| {
            out.clear();
            opts.write(&mut out, &rows).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, read, write);
criterion_main!(benches);
