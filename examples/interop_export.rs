//! Writes a set of arrays built in Rust into a folder, with a manifest, for NumPy to check.
//!
//! ```text
//! cargo run --release --example interop_export -- DIR
//! ```
//!
//! Every array holds `arange(n)` cast to its dtype and reshaped (C order) to its shape; the
//! manifest says which dtype, shape and memory order NumPy should find. `fixtures/interop.py`
//! loads each file with NumPy, checks the values and compares the bytes with `np.save`'s.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use half::f16;
use ndarray::{ArrayD, IxDyn, ShapeBuilder};
use npio::{dtype::Endian, npy::Order, DType, DynArray, Element, WriteOptions};
use num_complex::Complex;

struct Export<'a> {
    dir: &'a Path,
    manifest: String,
}

impl Export<'_> {
    fn record(&mut self, name: &str, descr: &str, shape: &[usize], fortran: bool) {
        let shape: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let _ = writeln!(
            self.manifest,
            "{{\"file\": \"{name}.npy\", \"descr\": {descr:?}, \"shape\": [{}], \"fortran_order\": {fortran}}}",
            shape.join(", ")
        );
    }

    fn typed<T: Element>(
        &mut self,
        name: &str,
        shape: &[usize],
        order: Order,
        endian: Endian,
        make: fn(usize) -> T,
    ) -> npio::Result<()> {
        let n = shape.iter().product();
        let c = ArrayD::from_shape_vec(IxDyn(shape), (0..n).map(make).collect()).expect("shape");
        let array = if order == Order::Fortran {
            let mut f = ArrayD::from_elem(IxDyn(shape).f(), make(0));
            f.assign(&c);
            f
        } else {
            c
        };
        let mut out = Vec::new();
        WriteOptions::default()
            .endian(endian)
            .write(&mut out, &array)?;
        std::fs::write(self.dir.join(format!("{name}.npy")), out)?;
        let fortran = order == Order::Fortran && shape.iter().filter(|&&d| d > 1).count() > 1;
        self.record(name, &T::dtype(endian).descr_repr(), shape, fortran);
        Ok(())
    }
}

fn run(dir: &Path) -> npio::Result<()> {
    std::fs::create_dir_all(dir)?;
    let mut ex = Export {
        dir,
        manifest: String::new(),
    };
    for (endian, tag) in [(Endian::Little, "le"), (Endian::Big, "be")] {
        for (order, otag) in [(Order::C, "c"), (Order::Fortran, "f")] {
            let shape = [3usize, 4, 5];
            ex.typed(&format!("bool_{tag}_{otag}"), &shape, order, endian, |i| {
                i != 0
            })?;
            ex.typed(&format!("i1_{tag}_{otag}"), &shape, order, endian, |i| {
                i as i8
            })?;
            ex.typed(&format!("u2_{tag}_{otag}"), &shape, order, endian, |i| {
                i as u16
            })?;
            ex.typed(&format!("i4_{tag}_{otag}"), &shape, order, endian, |i| {
                i as i32
            })?;
            ex.typed(&format!("i8_{tag}_{otag}"), &shape, order, endian, |i| {
                i as i64
            })?;
            ex.typed(&format!("u8_{tag}_{otag}"), &shape, order, endian, |i| {
                i as u64
            })?;
            ex.typed(&format!("f2_{tag}_{otag}"), &shape, order, endian, |i| {
                f16::from_f64(i as f64)
            })?;
            ex.typed(&format!("f4_{tag}_{otag}"), &shape, order, endian, |i| {
                i as f32
            })?;
            ex.typed(&format!("f8_{tag}_{otag}"), &shape, order, endian, |i| {
                i as f64
            })?;
            ex.typed(&format!("c8_{tag}_{otag}"), &shape, order, endian, |i| {
                Complex::new(i as f32, 0.0)
            })?;
            ex.typed(&format!("c16_{tag}_{otag}"), &shape, order, endian, |i| {
                Complex::new(i as f64, 0.0)
            })?;
        }
        ex.typed(&format!("f8_0d_{tag}"), &[], Order::C, endian, |i| i as f64)?;
        ex.typed(&format!("f8_empty_{tag}"), &[0, 3], Order::C, endian, |i| {
            i as f64
        })?;
        ex.typed(
            &format!("i4_6d_{tag}"),
            &[2, 1, 3, 2, 2, 3],
            Order::Fortran,
            endian,
            |i| i as i32,
        )?;
    }
    // A non-contiguous view, written in C order.
    let base =
        ArrayD::from_shape_vec(IxDyn(&[6, 8]), (0..48).map(|i| i as f64).collect()).expect("shape");
    let view = base.slice(ndarray::s![..;2, ..;-3]);
    let mut out = Vec::new();
    WriteOptions::default().write(&mut out, &view)?;
    std::fs::write(dir.join("noncontig.npy"), out)?;
    let _ = writeln!(ex.manifest, "{{\"file\": \"noncontig.npy\", \"expr\": \"np.arange(48, dtype='<f8').reshape(6, 8)[::2, ::-3]\"}}");
    // Strings and records through the dynamic writer.
    npio::write_npy(
        dir.join("unicode.npy"),
        &DynArray::from_strings(&ndarray::arr1(&["", "a", "héllo", "日本語", "\u{1F600}"])),
    )?;
    let _ = writeln!(ex.manifest, "{{\"file\": \"unicode.npy\", \"expr\": \"np.array(['', 'a', 'héllo', '日本語', '\\\\U0001F600'])\"}}");
    npio::write_npy(
        dir.join("bytes.npy"),
        &DynArray::from_byte_strings(&ndarray::arr1(&[&b"ab"[..], b"", b"xyz"])),
    )?;
    let _ = writeln!(
        ex.manifest,
        "{{\"file\": \"bytes.npy\", \"expr\": \"np.array([b'ab', b'', b'xyz'])\"}}"
    );
    let dtype =
        DType::parse("[('a', '<i4'), ('', '|V4'), ('b', '>f8', (2,)), (('T', 'c'), '|S3')]")?;
    let mut bytes = Vec::new();
    for k in 0..3u8 {
        bytes.extend((k as i32).to_le_bytes());
        bytes.extend([0u8; 4]);
        bytes.extend((k as f64).to_be_bytes());
        bytes.extend((k as f64 + 0.5).to_be_bytes());
        bytes.extend([b'a' + k, b'b', 0]);
    }
    let raw = npio::npy::RawArray::new(vec![3], false, bytes, dtype.itemsize())?;
    let record = DynArray::new(dtype, npio::npy::ArrayData::Raw(raw))?;
    let mut out = Vec::new();
    WriteOptions::default()
        .endian(Endian::Big)
        .order(Order::C)
        .write(&mut out, &record)?;
    std::fs::write(dir.join("record_be.npy"), out)?;
    // Checked by the named check "record_be" in fixtures/interop.py.
    let _ = writeln!(
        ex.manifest,
        "{{\"file\": \"record_be.npy\", \"check\": \"record_be\"}}"
    );
    derived_records(&mut ex)?;
    // Archives: every .npy written above, packed stored (64-byte aligned) and deflated.
    for (file, compression) in [
        ("all_stored.npz", npio::npz::Compression::Stored),
        ("all_deflated.npz", npio::npz::Compression::deflated()),
        (
            "all_deflated_l9.npz",
            npio::npz::Compression::Deflated { level: 9 },
        ),
    ] {
        let mut npz = npio::NpzWriter::create(dir.join(file))?;
        npz.set_compression(compression);
        let mut names: Vec<String> = std::fs::read_dir(dir)?
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .filter(|n| n.ends_with(".npy"))
            .collect();
        names.sort();
        for name in &names {
            let array = npio::read_npy::<npio::DynArray, _>(dir.join(name))?;
            npz.add(&format!("nested/{}", name.trim_end_matches(".npy")), &array)?;
        }
        npz.add_raw("notes.txt", "written by npio\n".as_bytes())?;
        let mut rows = npz.start_array::<f64>("rows", &[4, 3])?;
        for k in 0..4 {
            rows.write_rows(&ndarray::Array2::from_shape_fn((1, 3), |(_, j)| {
                (k * 3 + j) as f64
            }))?;
        }
        rows.finish()?;
        npz.finish()?;
        let _ = writeln!(ex.manifest, "{{\"file\": \"{file}\", \"check\": \"npz\"}}");
    }
    std::fs::write(dir.join("manifest.jsonl"), ex.manifest)?;
    Ok(())
}

/// Packed by default; `align` gives NumPy's aligned layout, which is this C layout.
#[derive(Clone, Copy, npio::Record)]
#[repr(C)]
#[npio(align)]
struct Particle {
    id: u32,
    pos: [f32; 3],
    mass: f64,
    alive: bool,
    kind: [u8; 4],
}

#[derive(Clone, Copy, npio::Record)]
struct PackedParticle {
    id: u32,
    pos: [f32; 3],
    mass: f64,
    alive: bool,
    kind: [u8; 4],
}

#[derive(Clone, Copy, npio::Record)]
struct Point {
    x: f64,
    y: f64,
}

#[derive(Clone, Copy, npio::Record)]
struct Nested {
    head: Point,
    pts: [Point; 2],
    flag: u8,
    t: npio::time::Datetime64<npio::time::unit::Nanos>,
    #[npio(rename = "names")]
    labels: [[u8; 3]; 2],
    m: [[i16; 3]; 2],
}

fn particle(i: usize) -> PackedParticle {
    let f = i as f32;
    let mut kind = [0u8; 4];
    kind.copy_from_slice(format!("k{i:03}").as_bytes());
    PackedParticle {
        id: i as u32 * 7 + 1,
        pos: [f, f + 0.5, 0.0 - f],
        mass: i as f64 * 1.25,
        alive: i.is_multiple_of(2),
        kind,
    }
}

fn nested(i: usize) -> Nested {
    let f = i as f64;
    let label = |c: char| {
        let mut b = [0u8; 3];
        let text = format!("{c}{i}");
        b[..text.len()].copy_from_slice(text.as_bytes());
        b
    };
    Nested {
        head: Point { x: f, y: 0.0 - f },
        pts: [
            Point {
                x: f * 10.0,
                y: f * 20.0,
            },
            Point {
                x: f * 10.0 + 1.0,
                y: f * 20.0 + 1.0,
            },
        ],
        flag: i as u8 + 100,
        t: npio::time::Datetime64::new(i as i64 * 1000),
        labels: [label('a'), label('b')],
        m: std::array::from_fn(|r| std::array::from_fn(|c| (r * 3 + c + i) as i16)),
    }
}

/// Arrays of `#[derive(npio::Record)]` structs: NumPy must load exactly the dtype the derive
/// describes (names, formats, offsets, itemsize) and the values, with np.save's bytes.
/// Checked by the named checks "derived_*" in fixtures/interop.py.
fn derived_records(ex: &mut Export) -> npio::Result<()> {
    let packed: ndarray::Array1<PackedParticle> = (0..5).map(particle).collect();
    let aligned = packed.map(|p| Particle {
        id: p.id,
        pos: p.pos,
        mass: p.mass,
        alive: p.alive,
        kind: p.kind,
    });
    let fortran = ndarray::Array2::from_shape_fn((2, 3).f(), |(r, c)| particle(r * 3 + c));
    let nested: ndarray::Array1<Nested> = (0..4).map(nested).collect();
    let big = WriteOptions::default().endian(Endian::Big);
    let native = WriteOptions::default();
    type Writer<'a> = &'a dyn Fn(&mut Vec<u8>) -> npio::Result<()>;
    let files: [(&str, Writer); 6] = [
        ("derived_packed", &|out| native.write(out, &packed)),
        ("derived_aligned", &|out| native.write(out, &aligned)),
        ("derived_be", &|out| big.write(out, &packed)),
        ("derived_fortran", &|out| native.write(out, &fortran)),
        ("derived_nested", &|out| native.write(out, &nested)),
        ("derived_nested_be", &|out| big.write(out, &nested)),
    ];
    for (name, write) in files {
        let mut out = Vec::new();
        write(&mut out)?;
        std::fs::write(ex.dir.join(format!("{name}.npy")), out)?;
        let _ = writeln!(
            ex.manifest,
            "{{\"file\": \"{name}.npy\", \"check\": \"{name}\"}}"
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    let Some(dir) = std::env::args().nth(1) else {
        eprintln!("usage: interop_export DIR");
        return ExitCode::from(2);
    };
    match run(Path::new(&dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}
