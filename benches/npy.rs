//! Criterion benchmarks of the `.npy` core: header parsing, bulk reads (native and
//! byte-swapped), and writes (contiguous and non-contiguous).
//!
//! Run with `cargo bench --bench npy`. Sizes are chosen for a small (2-core) machine.

use std::hint::black_box;
use std::io::Cursor;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use ndarray::{s, Array1, Array2, IxDyn};
use npio::{dtype::Endian, WriteOptions};

const N: usize = 4 << 20; // 4 Mi f64 = 32 MiB

fn data() -> Array1<f64> {
    Array1::from_iter((0..N).map(|i| i as f64 * 0.5))
}

fn encoded(endian: Endian) -> Vec<u8> {
    let mut out = Vec::new();
    WriteOptions::default()
        .endian(endian)
        .write(&mut out, &data())
        .unwrap();
    out
}

fn header(c: &mut Criterion) {
    let simple = encoded(Endian::Little);
    let record = {
        let fields: Vec<String> = (0..200)
            .map(|i| format!("('field_{i}', '<f8', (2,))"))
            .collect();
        let dtype = npio::DType::parse(&format!("[{}]", fields.join(", "))).unwrap();
        npio::npy::Header::new(dtype, vec![10], false)
            .to_bytes()
            .unwrap()
    };
    let opts = npio::ReadOptions::default().max_header_size(1 << 20);
    let mut g = c.benchmark_group("header");
    g.bench_function("parse_simple", |b| {
        b.iter(|| npio::npy::read_header(&mut &simple[..128], &opts).unwrap())
    });
    g.bench_function("parse_200_fields", |b| {
        b.iter(|| npio::npy::read_header(&mut &record[..], &opts).unwrap())
    });
    g.finish();
}

fn read(c: &mut Criterion) {
    let mut g = c.benchmark_group("read_f64_32MiB");
    g.throughput(Throughput::Bytes((N * 8) as u64));
    g.sample_size(20);
    for (name, endian) in [
        ("native", Endian::NATIVE),
        (
            "swapped",
            if Endian::NATIVE == Endian::Little {
                Endian::Big
            } else {
                Endian::Little
            },
        ),
    ] {
        let bytes = encoded(endian);
        g.bench_with_input(BenchmarkId::new("typed", name), &bytes, |b, bytes| {
            b.iter(|| {
                let r = npio::NpyReader::new(Cursor::new(&bytes[..])).unwrap();
                black_box(r.read::<ndarray::Array<f64, IxDyn>>().unwrap())
            })
        });
        g.bench_with_input(
            BenchmarkId::new("stream_unknown_length", name),
            &bytes,
            |b, bytes| {
                b.iter(|| {
                    black_box(
                        npio::NpyReader::new(std::io::Cursor::new(&bytes[..]))
                            .unwrap()
                            .read::<ndarray::Array<f64, IxDyn>>()
                            .unwrap(),
                    )
                })
            },
        );
    }
    g.finish();
}

fn write(c: &mut Criterion) {
    let a = data();
    let mut g = c.benchmark_group("write_f64_32MiB");
    g.throughput(Throughput::Bytes((N * 8) as u64));
    g.sample_size(20);
    let mut out = Vec::with_capacity(N * 8 + 128);
    g.bench_function("contiguous", |b| {
        b.iter(|| {
            out.clear();
            WriteOptions::default().write(&mut out, &a).unwrap();
        })
    });
    g.bench_function("byteswapped", |b| {
        b.iter(|| {
            out.clear();
            WriteOptions::default()
                .endian(Endian::Big)
                .write(&mut out, &a)
                .unwrap();
        })
    });
    let square: Array2<f64> = a.into_shape_with_order((2048, 2048)).unwrap();
    let strided = square.slice(s![.., ..;-1]);
    g.bench_function("non_contiguous", |b| {
        b.iter(|| {
            out.clear();
            WriteOptions::default().write(&mut out, &strided).unwrap();
        })
    });
    g.finish();
}

/// Whole-file reads through `read_npy` (huge-page buffers, parallel positional reads, swaps
/// done piece by piece in cache), against a plain `read` into a buffer that is already
/// faulted in: the floor any reader of a fresh buffer can approach.
fn read_file(c: &mut Criterion) {
    const FILE_N: usize = 16 << 20; // 16 Mi f64 = 128 MiB
    let a = Array1::from_iter((0..FILE_N).map(|i| i as f64 * 0.25));
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut g = c.benchmark_group("read_file_f64_128MiB");
    g.throughput(Throughput::Bytes((FILE_N * 8) as u64));
    g.sample_size(10);
    for (name, endian) in [("native", Endian::Little), ("big_endian", Endian::Big)] {
        let path = dir.join(format!("npio-bench-read-{name}.npy"));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        WriteOptions::default()
            .endian(endian)
            .write(&mut file, &a)
            .unwrap();
        drop(file);
        g.bench_function(BenchmarkId::new("read_npy", name), |b| {
            b.iter(|| black_box(npio::read_npy::<ndarray::Array<f64, IxDyn>, _>(&path).unwrap()))
        });
        if name == "native" {
            let mut prefaulted = vec![1u8; FILE_N * 8];
            g.bench_function("pread_into_prefaulted_buffer", |b| {
                b.iter(|| {
                    use std::io::{Read, Seek};
                    let mut f = std::fs::File::open(&path).unwrap();
                    f.seek(std::io::SeekFrom::Start(128)).unwrap();
                    f.read_exact(&mut prefaulted).unwrap();
                    black_box(prefaulted[12345])
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, header, read, write, read_file);
criterion_main!(benches);
