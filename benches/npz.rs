//! Criterion benchmarks of `.npz` archives: one 16 MiB float64 member stored and deflated
//! (fixed levels and npio's per-member choice), and a mixed archive of four kinds of data
//! written with the chosen encoders and read back on all cores, and an archive of 20,000 small
//! members (listing and lookups must scale linearly). Run with
//! `cargo bench --bench npz`; `benches/compare.py` compares with NumPy and ndarray-npy.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::{Array1, Ix1};
use npio::{npz::Compression, NpzReader, NpzWriter};

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
    let mut w = {
        let mut w = npio::NpzWriter::new(Cursor::new(Vec::new()));
        w.set_compression(compression);
        w
    };
    w.add("walk", a).unwrap();
    w.finish().unwrap().into_inner()
}

fn npz(c: &mut Criterion) {
    let a = random_walk();
    let cases = [
        ("stored", Compression::Stored),
        ("deflated_l6", Compression::deflated()),
        ("deflated_l1", Compression::Deflated { level: 1 }),
        ("deflated_auto", Compression::Auto),
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
                black_box(r.read::<ndarray::Array<f64, Ix1>>("walk").unwrap())
            })
        });
    }
    g.finish();
}

/// Four kinds of data, 48 MiB in all: random walk, integer-valued floats, sparse floats and
/// image-like bytes.
fn mixed() -> Vec<(&'static str, npio::DynArray)> {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let ints = Array1::from_iter((0..N).map(|_| ((next() % 2001) as f64 - 1000.0).round()));
    let sparse = Array1::from_iter((0..N).map(|_| {
        let r = next();
        if r % 20 == 0 {
            (r >> 11) as f32 / (1u64 << 53) as f32 - 0.5
        } else {
            0.0
        }
    }));
    let image = ndarray::Array2::from_shape_fn((2048, 4096), |(i, j)| {
        (((i + j) / 37 % 256) as u8).wrapping_add((next() % 8) as u8)
    });
    vec![
        ("walk", npio::DynArray::from_array(random_walk().into_dyn())),
        ("ints", npio::DynArray::from_array(ints.into_dyn())),
        ("sparse", npio::DynArray::from_array(sparse.into_dyn())),
        ("image", npio::DynArray::from_array(image.into_dyn())),
    ]
}

fn mixed_archive(members: &[(&str, npio::DynArray)], compression: Compression) -> Vec<u8> {
    let mut w = {
        let mut w = npio::NpzWriter::new(Cursor::new(Vec::new()));
        w.set_compression(compression);
        w
    };
    for (name, a) in members {
        w.add(name, a).unwrap();
    }
    w.finish().unwrap().into_inner()
}

fn npz_mixed(c: &mut Criterion) {
    let members = mixed();
    let total: usize = members
        .iter()
        .map(|(_, a)| a.len() * a.dtype().itemsize())
        .sum();
    let mut g = c.benchmark_group("npz_mixed_48MiB");
    g.throughput(Throughput::Bytes(total as u64));
    g.sample_size(10);
    for (name, compression) in [
        ("stored", Compression::Stored),
        ("deflated_l6", Compression::deflated()),
        ("deflated_auto", Compression::Auto),
    ] {
        g.bench_function(BenchmarkId::new("write", name), |b| {
            b.iter(|| black_box(mixed_archive(&members, compression)))
        });
        let bytes = mixed_archive(&members, compression);
        eprintln!(
            "mixed {name}: {} bytes, ratio {:.3}",
            bytes.len(),
            bytes.len() as f64 / total as f64
        );
        g.bench_with_input(BenchmarkId::new("read_all", name), &bytes, |b, bytes| {
            b.iter(|| {
                black_box(
                    NpzReader::new(Cursor::new(&bytes[..]))
                        .unwrap()
                        .read_all()
                        .unwrap(),
                )
            })
        });
    }
    g.finish();
}

/// An archive like `np.savez` of 20,000 three-element arrays: the cost of listing and
/// looking up members must grow linearly with their number.
fn npz_many_members(c: &mut Criterion) {
    const MEMBERS: usize = 20_000;
    let mut w = NpzWriter::new(Cursor::new(Vec::new()));
    for k in 0..MEMBERS {
        w.add(&format!("arr_{k}"), &ndarray::arr1(&[k as f64, 1.0, 2.0]))
            .unwrap();
    }
    let bytes = w.finish().unwrap().into_inner();
    let mut g = c.benchmark_group("npz_20000_members");
    g.sample_size(10);
    g.throughput(Throughput::Elements(MEMBERS as u64));
    g.bench_function("open_and_members", |b| {
        b.iter(|| {
            let mut npz = NpzReader::new(Cursor::new(&bytes[..])).unwrap();
            black_box(npz.members().unwrap().len())
        })
    });
    g.bench_function("read_every_member_by_name", |b| {
        let names: Vec<String> = NpzReader::new(Cursor::new(&bytes[..])).unwrap().names();
        b.iter(|| {
            let mut npz = NpzReader::new(Cursor::new(&bytes[..])).unwrap();
            for name in &names {
                black_box(npz.read::<ndarray::Array<f64, Ix1>>(name).unwrap());
            }
        })
    });
    g.finish();
}

criterion_group!(benches, npz, npz_mixed, npz_many_members);
criterion_main!(benches);
