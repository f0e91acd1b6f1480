//! `npio stats [--json] PATH...`: count, min, max, mean and NaN and infinity counts of each
//! array (each field of records), streamed in bounded memory. PATH is a `.npy` file, an archive
//! (every array member), or a member `FILE.npz:NAME`; any of them a URL.

mod summary;

use std::io::Read;
use std::path::Path;

use npio::dtype::Endian;
use npio::{NpyReader, NpzReader, ReadOptions};
use serde_json::{json, Value};

use crate::sniff::FileKind;
use crate::CliError;
use summary::{Number, Stats, Summary};

/// One summarised leaf: where it is, and what it holds.
struct Row {
    path: String,
    member: Option<String>,
    field: String,
    dtype: String,
    shape: Vec<usize>,
    stats: Stats,
}

/// The statistics of one `.npy` stream, one row per leaf (field).
fn summarise<R: Read>(
    reader: NpyReader<R>,
    path: &str,
    member: Option<&str>,
) -> npio::Result<Vec<Row>> {
    let header = reader.header().clone();
    let target = header.dtype.with_endian(Endian::Little);
    let mut summary = Summary::new(&header.dtype);
    reader.copy_data(&mut summary, &target)?;
    Ok(summary
        .finish()
        .into_iter()
        .map(|(field, dtype, stats)| Row {
            path: path.to_string(),
            member: member.map(str::to_string),
            field,
            dtype,
            shape: header.shape.clone(),
            stats,
        })
        .collect())
}

/// Every array member of an archive (`only`: one of them).
fn archive<R: Read + std::io::Seek>(
    mut npz: NpzReader<R>,
    path: &str,
    only: Option<&str>,
) -> npio::Result<Vec<Row>> {
    let names = match only {
        Some(name) => vec![name.to_string()],
        None => npz.names(),
    };
    let mut rows = Vec::new();
    for name in names {
        if only.is_none() && npz.member_info(&name)?.npy.is_none() {
            continue; // not an array: nothing to summarise
        }
        let reader = npz.member_reader(&name)?;
        rows.extend(summarise(reader, path, Some(&name))?);
    }
    Ok(rows)
}

/// The rows of one PATH argument.
fn rows_of(text: &str, options: &ReadOptions) -> Result<Vec<Row>, CliError> {
    let path = Path::new(text);
    let fail = |e: npio::Error| CliError::npio(path, e);
    let spec = crate::remote::member_spec(path).or_else(|| crate::sniff::member_spec(path));
    if let Some((file, member)) = spec {
        let shown = file.to_string_lossy().into_owned();
        return match crate::remote::url(&file) {
            Some(url) => npio::remote::Remote::new()
                .read_options(*options)
                .open_npz(url)
                .and_then(|npz| archive(npz, &shown, Some(&member))),
            None => options
                .open_npz(&file)
                .and_then(|npz| archive(npz, &shown, Some(&member))),
        }
        .map_err(fail);
    }
    if let Some(url) = crate::remote::url(path) {
        let (remote, file, kind) = crate::remote::open(url, options)?;
        return match kind {
            FileKind::Npy => remote
                .npy_reader(file)
                .and_then(|r| summarise(r, text, None)),
            FileKind::Npz => remote
                .open_npz(url)
                .and_then(|npz| archive(npz, text, None)),
        }
        .map_err(fail);
    }
    match crate::sniff::sniff(path)? {
        FileKind::Npy => options
            .open_npy(path)
            .and_then(|r| summarise(r, text, None)),
        FileKind::Npz => options
            .open_npz(path)
            .and_then(|npz| archive(npz, text, None)),
    }
    .map_err(fail)
}

/// `1.5`, `-inf`, `1e-12`: as short as exact.
fn float_text<F: Into<f64> + std::fmt::Display + std::fmt::LowerExp + Copy>(x: F) -> String {
    let wide: f64 = x.into();
    if wide.is_nan() {
        "nan".into()
    } else if wide == 0.0 || wide.is_infinite() || (1e-4..1e16).contains(&wide.abs()) {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

/// A min or max: `f4` and `f2` values as short as their own precision allows (as NumPy prints
/// them), others as `f64`.
fn number_text(n: Option<Number>, dtype: &str) -> String {
    match n {
        None => "-".into(),
        Some(Number::Int(i)) => i.to_string(),
        Some(Number::Float(x)) if dtype.ends_with("f4") || dtype.ends_with("f2") => {
            float_text(x as f32)
        }
        Some(Number::Float(x)) => float_text(x),
    }
}

fn mean_text(mean: Option<(f64, f64)>, complex: bool) -> String {
    match mean {
        None => "-".into(),
        Some((re, im)) if complex => {
            let sign = if im.is_sign_negative() { '-' } else { '+' };
            format!("{}{sign}{}j", float_text(re), float_text(im.abs()))
        }
        Some((re, _)) => float_text(re),
    }
}

fn json_number(n: Option<Number>) -> Value {
    match n {
        None => Value::Null,
        Some(Number::Int(i)) => i64::try_from(i)
            .map(Value::from)
            .or_else(|_| u64::try_from(i).map(Value::from))
            .unwrap_or_else(|_| json!(i.to_string())),
        Some(Number::Float(x)) => crate::show::json_float(x),
    }
}

fn row_json(row: &Row) -> Value {
    let complex = row.dtype.contains('c');
    let mean = match row.stats.mean {
        None => Value::Null,
        Some((re, im)) if complex => {
            json!([crate::show::json_float(re), crate::show::json_float(im)])
        }
        Some((re, _)) => crate::show::json_float(re),
    };
    json!({
        "path": row.path,
        "member": row.member,
        "field": (!row.field.is_empty()).then_some(&row.field),
        "dtype": row.dtype,
        "shape": row.shape,
        "count": row.stats.count,
        "min": json_number(row.stats.min),
        "max": json_number(row.stats.max),
        "mean": mean,
        "nan": row.stats.nan,
        "inf": row.stats.inf,
    })
}

fn row_name(row: &Row) -> String {
    let mut name = row.path.clone();
    if let Some(member) = &row.member {
        name = format!("{name}:{member}");
    }
    if !row.field.is_empty() {
        name = format!("{name} [{}]", row.field);
    }
    name
}

/// The table: one line per leaf, columns as wide as their widest cell.
fn table(rows: &[Row]) -> String {
    let titles = ["NAME", "DTYPE", "COUNT", "MIN", "MAX", "MEAN", "NAN", "INF"];
    let cells: Vec<[String; 8]> = rows
        .iter()
        .map(|r| {
            let complex = r.dtype.contains('c');
            [
                row_name(r),
                r.dtype.clone(),
                r.stats.count.to_string(),
                number_text(r.stats.min, &r.dtype),
                number_text(r.stats.max, &r.dtype),
                mean_text(r.stats.mean, complex),
                r.stats.nan.to_string(),
                r.stats.inf.to_string(),
            ]
        })
        .collect();
    let mut widths = titles.map(str::len);
    for row in &cells {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: &[String]| {
        let parts: Vec<String> = cells
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if i < 2 {
                    format!("{c:<w$}")
                } else {
                    format!("{c:>w$}")
                }
            })
            .collect();
        parts.join("  ").trim_end().to_string() + "\n"
    };
    let mut out = line(&titles.map(String::from));
    for row in &cells {
        out += &line(row);
    }
    out
}

/// Runs `npio stats`: false when an input failed (the others are still summarised).
pub fn run(paths: &[String], json: bool, options: ReadOptions) -> Result<bool, CliError> {
    let mut rows = Vec::new();
    let mut ok = true;
    for path in paths {
        match rows_of(path, &options) {
            Ok(found) if found.is_empty() => {
                eprintln!("npio: {path}: no arrays to summarise");
                ok = false;
            }
            Ok(found) => rows.extend(found),
            Err(e) if e.pipe_closed => return Err(e),
            Err(e) => {
                eprintln!("npio: {e}");
                ok = false;
            }
        }
    }
    let text = if json {
        serde_json::to_string_pretty(&Value::Array(rows.iter().map(row_json).collect()))
            .expect("JSON of plain values")
            + "\n"
    } else if rows.is_empty() {
        String::new()
    } else {
        table(&rows)
    };
    crate::show::print_stdout(&text)?;
    Ok(ok)
}
