//! Criterion benchmarks of zero-copy and streaming access: opening and summing a 4 GiB
//! memory map (a sparse file, so no disk space is used), and chunked reads against a whole
//! read of the same 256 MiB file. Run with `cargo bench --bench stream`.

use std::hint::black_box;
use std::path::PathBuf;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use ndarray::{Array1, Ix1, IxDyn};
use npio::{npy::Order, NpyMap, NpyMapMut, NpyReader};

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("npio-bench-{}-{name}", std::process::id()))
}

fn mmap(c: &mut Criterion) {
    let path = temp("sparse4g.npy");
    let n: usize = 4 << 30; // 4 GiB of u8
    let _ = std::fs::remove_file(&path);
    // SAFETY: the benchmark owns the file; nothing else modifies it while it is mapped.
    let map = unsafe { NpyMapMut::create::<u8, _>(&path, &[n], Order::C) }.unwrap();
    map.flush().unwrap();
    drop(map);
    let mut g = c.benchmark_group("mmap_4GiB");
    g.bench_function("open_and_view", |b| {
        b.iter(|| {
            // SAFETY: as above.
            let map = unsafe { NpyMap::open(&path) }.unwrap();
            black_box(map.view::<u8, Ix1>().unwrap().len())
        })
    });
    g.sample_size(10);
    g.throughput(Throughput::Bytes(n as u64));
    g.bench_function("open_and_sum", |b| {
        b.iter(|| {
            // SAFETY: as above.
            let map = unsafe { NpyMap::open(&path) }.unwrap();
            let view = map.view::<u8, Ix1>().unwrap();
            let data = view.as_slice().unwrap();
            black_box(
                data.chunks(1 << 16)
                    .map(|c| c.iter().map(|&x| x as u64).sum::<u64>())
                    .sum::<u64>(),
            )
        })
    });
    g.finish();
    std::fs::remove_file(&path).unwrap();
}

fn chunks(c: &mut Criterion) {
    let path = temp("chunks.npy");
    let rows = 1 << 20;
    let a = Array1::from_iter((0..rows * 32).map(|i| i as f64))
        .into_shape_with_order((rows, 32))
        .unwrap(); // 256 MiB
    npio::write_npy(&path, &a).unwrap();
    drop(a);
    let mut g = c.benchmark_group("read_256MiB_f64");
    g.sample_size(10);
    g.throughput(Throughput::Bytes((rows * 32 * 8) as u64));
    g.bench_function("whole", |b| {
        b.iter(|| {
            black_box(
                npio::read_npy::<ndarray::Array<f64, IxDyn>, _>(&path)
                    .unwrap()
                    .sum(),
            )
        })
    });
    for rows_per_chunk in [4096usize, 65536] {
        g.bench_function(format!("chunks_of_{rows_per_chunk}_rows"), |b| {
            b.iter(|| {
                let file = std::fs::File::open(&path).unwrap();
                let mut chunks = NpyReader::new(file)
                    .unwrap()
                    .row_chunks::<f64>(rows_per_chunk)
                    .unwrap();
                let mut sum = 0.0;
                while let Some(block) = chunks.next_chunk() {
                    sum += block.unwrap().sum();
                }
                black_box(sum)
            })
        });
    }
    g.finish();
    std::fs::remove_file(&path).unwrap();
}

criterion_group!(benches, mmap, chunks);
criterion_main!(benches);
