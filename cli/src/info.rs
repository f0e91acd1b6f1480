//! `npio info`: headers of `.npy` files and members of `.npz` archives, as a table or JSON.
//! Reads headers only, so it is fast whatever the size of the data.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use npio::DType;
use serde_json::{json, Value};

use crate::show::{cell, dtype_text, pad, shape_text};
use crate::sniff::{sniff, FileKind};
use crate::CliError;

/// NumPy's descr as JSON: a string for scalars (`"<f8"`), arrays for records and sub-arrays
/// (`[["x", "<i4"], ["y", "<f8", [2]]]`, titles `[["title", "name"], "<i4"]`, padding gaps
/// `["", "|V4"]`), following `dtype.descr`.
fn descr_value(dtype: &DType) -> Value {
    match dtype {
        DType::Record(record) => {
            let pad = |n: usize| json!(["", format!("|V{n}")]);
            let mut out = Vec::new();
            let mut offset = 0;
            for field in record.fields() {
                if field.offset > offset {
                    out.push(pad(field.offset - offset));
                    offset = field.offset;
                }
                let name = match &field.title {
                    Some(title) => json!([title, field.name]),
                    None => json!(field.name),
                };
                out.push(match &field.dtype {
                    DType::SubArray(sub) => json!([name, descr_value(sub.base()), sub.shape()]),
                    other => json!([name, descr_value(other)]),
                });
                offset += field.dtype.itemsize();
            }
            if record.itemsize() > offset {
                out.push(pad(record.itemsize() - offset));
            }
            Value::Array(out)
        }
        DType::SubArray(sub) => json!([descr_value(sub.base()), sub.shape()]),
        other => json!(other.typestr()),
    }
}

/// One file's description: JSON, and rows for the table.
fn describe(
    path: &Path,
    options: &npio::ReadOptions,
) -> Result<(Value, Vec<[String; 6]>), CliError> {
    let shown = path.display().to_string();
    match sniff(path)? {
        FileKind::Npy => {
            let file = File::open(path).map_err(|e| CliError::io(path, e))?;
            let len = file.metadata().map_err(|e| CliError::io(path, e))?.len();
            let info = npio::npy::read_header(&mut BufReader::new(file), options)
                .map_err(|e| CliError::npio(path, e))?;
            // A truncated file is reported without reading its data.
            info.check_len(len).map_err(|e| CliError::npio(path, e))?;
            let h = &info.header;
            let nbytes = h.data_len().map_err(|e| CliError::npio(path, e))?;
            let value = json!({
                "path": shown,
                "format": "npy",
                "version": info.version.to_string(),
                "descr": descr_value(&h.dtype),
                "shape": h.shape,
                "fortran_order": h.fortran_order,
                "data_offset": info.data_offset,
                "nbytes": nbytes,
            });
            let row = [
                shown,
                format!("npy {}", info.version),
                dtype_text(&h.dtype),
                shape_text(&h.shape),
                if h.fortran_order { "F" } else { "C" }.to_string(),
                nbytes.to_string(),
            ];
            Ok((value, vec![row]))
        }
        FileKind::Npz => {
            let mut npz = npio::NpzReader::open_with(path, &options.clone())
                .map_err(|e| CliError::npio(path, e))?;
            let members = npz.members().map_err(|e| CliError::npio(path, e))?;
            let mut rows = Vec::new();
            let mut values = Vec::new();
            for m in &members {
                let mut value = json!({
                    "name": m.name,
                    "stored_name": m.stored_name,
                    "compressed": m.compressed,
                    "compressed_size": m.compressed_size,
                    "data_offset": m.array_data_offset(),
                });
                let kind = if m.compressed { "deflated" } else { "stored" };
                let name = format!("{shown}:{}", m.name);
                match &m.npy {
                    Some(info) => {
                        let h = &info.header;
                        let nbytes = h.data_len().map_err(|e| CliError::npio(path, e))?;
                        let obj = value.as_object_mut().expect("object");
                        obj.insert("descr".into(), descr_value(&h.dtype));
                        obj.insert("shape".into(), json!(h.shape));
                        obj.insert("fortran_order".into(), json!(h.fortran_order));
                        obj.insert("nbytes".into(), json!(nbytes));
                        rows.push([
                            name,
                            format!("npz {kind}"),
                            dtype_text(&h.dtype),
                            shape_text(&h.shape),
                            if h.fortran_order { "F" } else { "C" }.to_string(),
                            nbytes.to_string(),
                        ]);
                    }
                    None => rows.push([
                        name,
                        format!("npz {kind}"),
                        "(not an array)".into(),
                        "-".into(),
                        "-".into(),
                        m.size.to_string(),
                    ]),
                }
                values.push(value);
            }
            if members.is_empty() {
                rows.push([
                    shown.clone(),
                    "npz".into(),
                    "(empty archive)".into(),
                    "-".into(),
                    "-".into(),
                    "0".into(),
                ]);
            }
            Ok((
                json!({"path": shown, "format": "npz", "members": values}),
                rows,
            ))
        }
    }
}

/// Runs `npio info`; `Ok(false)` when some file could not be read.
pub fn run(
    paths: &[std::path::PathBuf],
    as_json: bool,
    options: npio::ReadOptions,
) -> Result<bool, CliError> {
    let mut values = Vec::new();
    let mut rows = Vec::new();
    let mut all_ok = true;
    for path in paths {
        match describe(path, &options) {
            Ok((value, mut r)) => {
                values.push(value);
                rows.append(&mut r);
            }
            Err(err) => {
                all_ok = false;
                eprintln!("npio: {err}");
            }
        }
    }
    if as_json {
        let out = if paths.len() == 1 {
            values.pop().unwrap_or(Value::Null)
        } else {
            Value::Array(values)
        };
        if paths.len() > 1 || !out.is_null() {
            println!(
                "{}",
                serde_json::to_string_pretty(&out).expect("JSON values serialise")
            );
        }
    } else if !rows.is_empty() {
        print_table(&rows);
    }
    Ok(all_ok)
}

fn print_table(rows: &[[String; 6]]) {
    let titles = ["PATH", "FORMAT", "DTYPE", "SHAPE", "ORDER", "BYTES"].map(String::from);
    // Long cells (member names, dtypes of thousands of fields) are shortened; JSON keeps them.
    let rows: Vec<[String; 6]> = rows.iter().map(|r| r.clone().map(|c| cell(&c))).collect();
    let mut widths = [0usize; 6];
    for row in std::iter::once(&titles).chain(&rows) {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    for row in std::iter::once(&titles).chain(&rows) {
        let mut line = String::new();
        for (k, (c, &w)) in row.iter().zip(&widths).enumerate() {
            if k == 5 {
                line.push_str(&pad(c, w, true));
            } else {
                line.push_str(&pad(c, w, false));
                line.push_str("  ");
            }
        }
        println!("{}", line.trim_end());
    }
}
