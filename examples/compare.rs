//! One timed operation in a fresh process, for `benches/compare.py` (which runs NumPy's side
//! and prints the table): `compare TOOL OP INPUT [OUTPUT]`, prints the seconds the operation
//! took (process start-up and untimed preparation excluded).
//!
//! TOOL is `npio`, `ndarray-npy` or `npyz`; OP is one of
//! - `read INPUT.npy`: read a float64 array into an owned array (or Vec, for npyz);
//! - `write INPUT.npy OUTPUT.npy`: write the (pre-loaded) array;
//! - `write-strided INPUT.npy OUTPUT.npy`: write every other column of the 2-D array;
//! - `mmap INPUT.npy`: map the file and view it as an array;
//! - `npz-read INPUT.npz`: read every member into owned arrays;
//! - `npz-write INPUT.npz OUTPUT.npz` / `npz-write-stored ...`: write the (pre-loaded)
//!   members deflated (as `np.savez_compressed`) or stored (as `np.savez`).
//!
//! Exit status 3 means "this tool has no such operation".

use std::fs::File;
use std::io::{BufReader, BufWriter};
use std::time::Instant;

use ndarray::{s, ArrayD, Ix2, IxDyn};
use npio::{ArrayData, DynArray};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [tool, op, input, rest @ ..] = &args[..] else {
        eprintln!("usage: compare TOOL OP INPUT [OUTPUT]");
        std::process::exit(2);
    };
    let output = rest.first().map(String::as_str).unwrap_or("");
    let seconds = match (tool.as_str(), op.as_str()) {
        ("npio", "read") => time(|| npio::read_npy::<f64, IxDyn, _>(input).unwrap().len()),
        ("ndarray-npy", "read") => time(|| {
            let a: ArrayD<f64> = ndarray_npy::read_npy(input).unwrap();
            a.len()
        }),
        ("npyz", "read") => time(|| {
            let npy = npyz::NpyFile::new(BufReader::new(File::open(input).unwrap())).unwrap();
            npy.into_vec::<f64>().unwrap().len()
        }),
        (_, "write") => {
            let a = npio::read_npy::<f64, IxDyn, _>(input).unwrap();
            match tool.as_str() {
                "npio" => time(|| npio::write_npy(output, &a).unwrap()),
                "ndarray-npy" => time(|| ndarray_npy::write_npy(output, &a).unwrap()),
                "npyz" => time(|| npyz_write(output, a.shape(), a.iter().copied())),
                _ => unsupported(),
            }
        }
        (_, "write-strided") => {
            let a = npio::read_npy::<f64, Ix2, _>(input).unwrap();
            let v = a.slice(s![.., ..;2]);
            match tool.as_str() {
                "npio" => time(|| npio::write_npy(output, &v).unwrap()),
                "ndarray-npy" => time(|| ndarray_npy::write_npy(output, &v).unwrap()),
                "npyz" => time(|| npyz_write(output, v.shape(), v.iter().copied())),
                _ => unsupported(),
            }
        }
        ("npio", "mmap") => time(|| {
            // SAFETY (of the map): the benchmark's files are not modified while mapped.
            let map = unsafe { npio::NpyMap::open(input) }.unwrap();
            map.view::<f64, IxDyn>().unwrap().len()
        }),
        ("ndarray-npy", "mmap") => time(|| {
            use ndarray_npy::ViewNpyExt;
            let file = File::open(input).unwrap();
            // SAFETY (of the map): the benchmark's files are not modified while mapped.
            let map = unsafe { memmap2::Mmap::map(&file) }.unwrap();
            ndarray::ArrayViewD::<f64>::view_npy(&map).unwrap().len()
        }),
        ("npio", "npz-read") => time(|| {
            let npz = npio::NpzReader::open(input).unwrap();
            npz.read_all().unwrap().len()
        }),
        ("ndarray-npy", "npz-read") => {
            // Member types are looked up untimed; ndarray-npy needs them up front.
            let members = load_members(input);
            time(|| {
                let mut npz = ndarray_npy::NpzReader::new(File::open(input).unwrap()).unwrap();
                let mut total = 0;
                for (name, array) in &members {
                    total += match array.data() {
                        ArrayData::Float64(_) => npz
                            .by_name::<ndarray::OwnedRepr<f64>, IxDyn>(name)
                            .unwrap()
                            .len(),
                        ArrayData::Float32(_) => npz
                            .by_name::<ndarray::OwnedRepr<f32>, IxDyn>(name)
                            .unwrap()
                            .len(),
                        ArrayData::UInt8(_) => npz
                            .by_name::<ndarray::OwnedRepr<u8>, IxDyn>(name)
                            .unwrap()
                            .len(),
                        _ => panic!("the benchmark archives hold f64, f32 and u8 only"),
                    };
                }
                total
            })
        }
        (_, "npz-write" | "npz-write-stored") => {
            let deflate = op == "npz-write";
            let members = load_members(input);
            match tool.as_str() {
                "npio" => time(|| {
                    let file = BufWriter::new(File::create(output).unwrap());
                    let mut npz = if deflate {
                        npio::NpzWriter::new_compressed(file)
                    } else {
                        npio::NpzWriter::new(file)
                    };
                    for (name, array) in &members {
                        npz.add_dyn(name, array).unwrap();
                    }
                    npz.finish().unwrap();
                }),
                "ndarray-npy" => time(|| {
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
                }),
                _ => unsupported(),
            }
        }
        _ => unsupported(),
    };
    println!("{seconds:.6}");
}

/// Runs `op` once and returns the seconds it took; its result is kept alive until timed.
fn time<T>(op: impl FnOnce() -> T) -> f64 {
    let start = Instant::now();
    let result = op();
    let seconds = start.elapsed().as_secs_f64();
    std::hint::black_box(result);
    seconds
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
            let a = npz.read_dyn(&n).unwrap();
            (n, a)
        })
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
