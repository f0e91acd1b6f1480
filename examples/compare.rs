//! One timed operation in a fresh process, for `benches/compare.py` (which runs NumPy's side
//! and prints the table): `compare TOOL OP INPUT [OUTPUT]`. Prints the seconds the operation
//! took (process start-up and untimed preparation excluded) and, for reads, a checksum of what
//! was read, so that the runner can check that every tool did the same work.
//!
//! TOOL is `npio`, `ndarray-npy`, `npyz`, or `floor` (the physical floor of a read: positional
//! reads on every core into a buffer that is already faulted in); OP is one of
//! - `read INPUT.npy`: read a float64 file into an owned array in native byte order (or Vec,
//!   for npyz); big-endian files are converted, as for every tool in the table;
//! - `write INPUT.npy OUTPUT.npy`: write the (pre-loaded) array;
//! - `write-strided INPUT.npy OUTPUT.npy`: write every other column of the 2-D array;
//! - `mmap INPUT.npy`: map the file and view it as an array;
//! - `npz-read INPUT.npz`: read every member into owned arrays;
//! - `npz-inflate INPUT.npz` (floor only): inflate every deflated member in memory;
//! - `npz-write INPUT.npz OUTPUT.npz` / `npz-write-stored ...`: write the (pre-loaded)
//!   members deflated (as `np.savez_compressed`) or stored (as `np.savez`).
//!
//! Results are freed after the timed region, as NumPy's side frees them after its own. Exit
//! status 3 means "this tool has no such operation".

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::time::Instant;

use ndarray::{s, ArrayD, ArrayViewD, Ix2, IxDyn};
use npio::{npy::ArrayData, DynArray};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tool, op, input, rest @ ..] = &args[..] else {
        eprintln!("usage: compare TOOL OP INPUT [OUTPUT]");
        std::process::exit(2);
    };
    let output = rest.first().map(String::as_str).unwrap_or("");
    let (seconds, checksum) = match (tool.as_str(), op.as_str()) {
        ("npio", "read") => timed(
            || npio::read_npy::<ndarray::Array<f64, IxDyn>, _>(input).unwrap(),
            |a| checksum(&a.view()),
        ),
        ("ndarray-npy", "read") => timed(
            || {
                let a: ArrayD<f64> = ndarray_npy::read_npy(input).unwrap();
                a
            },
            |a| checksum(&a.view()),
        ),
        ("npyz", "read") => timed(
            || {
                let npy = npyz::NpyFile::new(BufReader::new(File::open(input).unwrap())).unwrap();
                let shape: Vec<usize> = npy.shape().iter().map(|&n| n as usize).collect();
                (shape, npy.into_vec::<f64>().unwrap())
            },
            |(shape, v)| checksum(&ArrayViewD::from_shape(shape.as_slice(), v).unwrap()),
        ),
        ("floor", "npz-inflate") => {
            // The compute floor of reading a deflated archive: every member's compressed bytes
            // already in memory, inflated by libdeflate (one call per member, no CRC) on every
            // core into buffers faulted in before timing.
            use rayon::prelude::*;
            let bytes = std::fs::read(input).unwrap();
            let members = npio::NpzReader::new(std::io::Cursor::new(&bytes[..]))
                .unwrap()
                .members()
                .unwrap();
            let mut jobs: Vec<(&[u8], Vec<u8>)> = members
                .iter()
                .map(|m| {
                    let start = m.data_start as usize;
                    let raw = &bytes[start..start + m.compressed_size as usize];
                    (raw, vec![1u8; m.size as usize])
                })
                .collect();
            jobs.sort_by_key(|(raw, _)| std::cmp::Reverse(raw.len()));
            timed(
                || {
                    jobs.par_iter_mut()
                        .with_max_len(1)
                        .map_init(libdeflater::Decompressor::new, |d, (raw, out)| {
                            d.deflate_decompress(raw, out).unwrap()
                        })
                        .sum::<usize>()
                },
                |_| String::new(),
            )
        }
        ("floor", "read") => {
            // Positional reads on every core into a buffer faulted in before timing: only the
            // copy out of the page cache is left, as fast as the machine allows.
            use std::os::unix::fs::FileExt;
            let file = File::open(input).unwrap();
            let len = file.metadata().unwrap().len() as usize;
            let mut buf = vec![1u8; len];
            let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
            timed(
                || {
                    let part = len.div_ceil(threads).max(1);
                    std::thread::scope(|scope| {
                        for (k, piece) in buf.chunks_mut(part).enumerate() {
                            let file = &file;
                            scope.spawn(move || {
                                file.read_exact_at(piece, (k * part) as u64).unwrap()
                            });
                        }
                    });
                    len
                },
                |_| String::new(),
            )
        }
        (_, "write") => {
            let a = npio::read_npy::<ndarray::Array<f64, IxDyn>, _>(input).unwrap();
            match tool.as_str() {
                "npio" => timed(|| npio::write_npy(output, &a).unwrap(), |_| String::new()),
                "ndarray-npy" => timed(
                    || ndarray_npy::write_npy(output, &a).unwrap(),
                    |_| String::new(),
                ),
                "npyz" => timed(
                    || npyz_write(output, a.shape(), a.iter().copied()),
                    |_| String::new(),
                ),
                _ => unsupported(),
            }
        }
        (_, "write-strided") => {
            let a = npio::read_npy::<ndarray::Array<f64, Ix2>, _>(input).unwrap();
            let v = a.slice(s![.., ..;2]);
            match tool.as_str() {
                "npio" => timed(|| npio::write_npy(output, &v).unwrap(), |_| String::new()),
                "ndarray-npy" => timed(
                    || ndarray_npy::write_npy(output, &v).unwrap(),
                    |_| String::new(),
                ),
                "npyz" => timed(
                    || npyz_write(output, v.shape(), v.iter().copied()),
                    |_| String::new(),
                ),
                _ => unsupported(),
            }
        }
        ("npio", "mmap") => timed(
            || {
                // SAFETY (of the map): the benchmark's files are not modified while mapped.
                let map = unsafe { npio::NpyMap::open(input) }.unwrap();
                map.view::<f64, IxDyn>().unwrap();
                map
            },
            |map| checksum(&map.view::<f64, IxDyn>().unwrap()),
        ),
        ("ndarray-npy", "mmap") => timed(
            || {
                use ndarray_npy::ViewNpyExt;
                let file = File::open(input).unwrap();
                // SAFETY (of the map): the benchmark's files are not modified while mapped.
                let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
                ArrayViewD::<f64>::view_npy(&map).unwrap();
                map
            },
            |map| {
                use ndarray_npy::ViewNpyExt;
                checksum(&ArrayViewD::<f64>::view_npy(map).unwrap())
            },
        ),
        ("npio", "npz-read") => timed(
            || {
                let npz = npio::NpzReader::open(input).unwrap();
                npz.read_all().unwrap()
            },
            |members| members_checksum(members.iter().map(|(n, a)| (n.as_str(), a))),
        ),
        ("ndarray-npy", "npz-read") => {
            // ndarray-npy needs each member's type up front: read from the headers only,
            // untimed, and nothing of the data is kept.
            let kinds = member_kinds(input);
            timed(
                || {
                    let mut npz = ndarray_npy::NpzReader::new(File::open(input).unwrap()).unwrap();
                    let mut out = Vec::with_capacity(kinds.len());
                    for (name, descr) in &kinds {
                        let array = match descr.as_str() {
                            "'<f8'" => DynArray::from_array(
                                npz.by_name::<ndarray::OwnedRepr<f64>, IxDyn>(name).unwrap(),
                            ),
                            "'<f4'" => DynArray::from_array(
                                npz.by_name::<ndarray::OwnedRepr<f32>, IxDyn>(name).unwrap(),
                            ),
                            "'|u1'" => DynArray::from_array(
                                npz.by_name::<ndarray::OwnedRepr<u8>, IxDyn>(name).unwrap(),
                            ),
                            other => {
                                panic!("the benchmark archives hold f8, f4 and u1, not {other}")
                            }
                        };
                        out.push((name.clone(), array));
                    }
                    out
                },
                |members| members_checksum(members.iter().map(|(n, a)| (n.as_str(), a))),
            )
        }
        (_, "npz-write" | "npz-write-stored") => {
            let deflate = op == "npz-write";
            let members = load_members(input);
            match tool.as_str() {
                "npio" => timed(
                    || {
                        let file = BufWriter::new(File::create(output).unwrap());
                        let mut npz = if deflate {
                            npio::NpzWriter::new_compressed(file)
                        } else {
                            npio::NpzWriter::new(file)
                        };
                        for (name, array) in &members {
                            npz.add(name, array).unwrap();
                        }
                        npz.finish().unwrap();
                    },
                    |_| String::new(),
                ),
                "ndarray-npy" => timed(
                    || {
                        let file = BufWriter::new(File::create(output).unwrap());
                        let mut npz = if deflate {
                            ndarray_npy::NpzWriter::new_compressed(file)
                        } else {
                            ndarray_npy::NpzWriter::new(file)
                        };
                        for (name, array) in &members {
                            match array.data() {
                                ArrayData::Float64(a) => npz.add_array(name.as_str(), a),
                                ArrayData::Float32(a) => npz.add_array(name.as_str(), a),
                                ArrayData::UInt8(a) => npz.add_array(name.as_str(), a),
                                _ => panic!("the benchmark archives hold f64, f32 and u8 only"),
                            }
                            .unwrap();
                        }
                        npz.finish().unwrap();
                    },
                    |_| String::new(),
                ),
                _ => unsupported(),
            }
        }
        _ => unsupported(),
    };
    println!("{seconds:.6} {checksum}");
}

/// Runs `op` once and returns the seconds it took and `check` of its result; the result is
/// checked and freed after the timed region.
fn timed<T>(op: impl FnOnce() -> T, check: impl FnOnce(&T) -> String) -> (f64, String) {
    let start = Instant::now();
    let result = std::hint::black_box(op());
    let seconds = start.elapsed().as_secs_f64();
    let sum = check(&result);
    drop(result);
    (seconds, sum)
}

/// `shape:crc32` of the values' native little-endian bytes in C order, as the runner's NumPy
/// side computes it.
fn checksum<T: bytemuck::Pod>(a: &ArrayViewD<'_, T>) -> String {
    let mut crc = crc32fast::Hasher::new();
    match a.as_slice() {
        Some(s) => crc.update(bytemuck::cast_slice(s)),
        None => a.iter().for_each(|v| crc.update(bytemuck::bytes_of(v))),
    }
    let shape: Vec<String> = a.shape().iter().map(|d| d.to_string()).collect();
    format!("{}:{:08x}", shape.join("x"), crc.finalize())
}

/// Every member's `name=shape:crc32`, in archive order, joined by `,`.
fn members_checksum<'a>(members: impl Iterator<Item = (&'a str, &'a DynArray)>) -> String {
    members
        .map(|(name, a)| {
            let sum = match a.data() {
                ArrayData::Float64(x) => checksum(&x.view()),
                ArrayData::Float32(x) => checksum(&x.view()),
                ArrayData::UInt8(x) => checksum(&x.view()),
                _ => panic!("the benchmark archives hold f64, f32 and u8 only"),
            };
            format!("{name}={sum}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn unsupported() -> ! {
    std::process::exit(3)
}

/// Every member of an archive, in archive order.
fn load_members(path: &str) -> Vec<(String, DynArray)> {
    let mut npz = npio::NpzReader::open(path).unwrap();
    npz.names()
        .into_iter()
        .map(|n| {
            let a = npz.read::<npio::DynArray>(&n).unwrap();
            (n, a)
        })
        .collect()
}

/// Every member's name and descr, from the headers only.
fn member_kinds(path: &str) -> Vec<(String, String)> {
    let mut npz = npio::NpzReader::open(path).unwrap();
    npz.members()
        .unwrap()
        .into_iter()
        .map(|m| (m.name, m.npy.unwrap().header.dtype.descr_repr()))
        .collect()
}

/// npyz writes from an element iterator.
fn npyz_write(path: &str, shape: &[usize], values: impl Iterator<Item = f64>) {
    use npyz::WriterBuilder;
    let file = BufWriter::new(File::create(path).unwrap());
    let shape: Vec<u64> = shape.iter().map(|&n| n as u64).collect();
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .writer(file)
        .begin_nd()
        .unwrap();
    writer.extend(values).unwrap();
    writer.finish().unwrap();
}
