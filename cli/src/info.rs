//! `npio info`: headers of `.npy` files and members of `.npz` archives, as a table or JSON.
//! Reads headers only, so it is fast whatever the size of the data.

use std::fs::File;
use std::io::{BufReader, Read, Seek, Write};
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

/// A name or path as the table shows it: control characters (newlines, escape sequences, BEL)
/// escaped as JSON escapes them, so no name can move the cursor or forge a row.
pub fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// What `info` prints of one file: its JSON and its table rows, produced one at a time (an
/// archive of millions of members is never held in memory as rows).
trait Sink {
    /// A `.npy` file, or an archive's header (`members` follow, then [`Sink::end_archive`]).
    fn file(&mut self, value: Value, row: Option<[String; 6]>);
    /// One archive member.
    fn member(&mut self, value: Value, row: [String; 6]);
    /// The end of an archive's members.
    fn end_archive(&mut self);
}

/// Describes one file (a path or a URL) into `sink`.
fn describe(path: &Path, options: &npio::ReadOptions, sink: &mut dyn Sink) -> Result<(), CliError> {
    if let Some(url) = crate::remote::url(path) {
        let (remote, file, kind) = crate::remote::open(url, options)?;
        return match kind {
            FileKind::Npy => {
                let len = file.size();
                describe_npy(path, file, len, options, sink)
            }
            FileKind::Npz => {
                let mut npz = remote
                    .npz_reader(file)
                    .map_err(|e| CliError::npio(path, e))?;
                describe_npz(path, &mut npz, sink)
            }
        };
    }
    if let Some((file, member)) = crate::sniff::member_spec(path) {
        return describe_member(&file, &member, options, sink);
    }
    match sniff(path)? {
        FileKind::Npy => {
            let file = File::open(path).map_err(|e| CliError::io(path, e))?;
            let len = file.metadata().map_err(|e| CliError::io(path, e))?.len();
            describe_npy(path, BufReader::new(file), len, options, sink)
        }
        FileKind::Npz => {
            let mut npz = options
                .open_npz(path)
                .map_err(|e| CliError::npio(path, e))?;
            describe_npz(path, &mut npz, sink)
        }
    }
}

/// Describes the `.npy` file `reader` reads (`len` bytes long) from its header alone.
fn describe_npy(
    path: &Path,
    mut reader: impl Read,
    len: u64,
    options: &npio::ReadOptions,
    sink: &mut dyn Sink,
) -> Result<(), CliError> {
    let shown = path.display().to_string();
    let info = npio::npy::read_header(&mut reader, options).map_err(|e| CliError::npio(path, e))?;
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
        printable(&shown),
        format!("npy {}", info.version),
        dtype_text(&h.dtype),
        shape_text(&h.shape),
        if h.fortran_order { "F" } else { "C" }.to_string(),
        nbytes.to_string(),
    ];
    sink.file(value, Some(row));
    Ok(())
}

/// Describes every member of the archive `npz`, one at a time.
fn describe_npz<R: Read + Seek>(
    path: &Path,
    npz: &mut npio::NpzReader<R>,
    sink: &mut dyn Sink,
) -> Result<(), CliError> {
    let shown = path.display().to_string();
    let empty = npz.is_empty();
    let row = empty.then(|| {
        [
            printable(&shown),
            "npz".into(),
            "(empty archive)".into(),
            "-".into(),
            "-".into(),
            "0".into(),
        ]
    });
    sink.file(json!({"path": shown, "format": "npz"}), row);
    let result = npz.each_member().try_for_each(|m| {
        let m = m.map_err(|e| CliError::npio(path, e))?;
        let (value, row) = member_entry(&shown, &m).map_err(|e| CliError::npio(path, e))?;
        sink.member(value, row);
        Ok(())
    });
    sink.end_archive();
    result
}

/// One member of an archive (`FILE.npz:NAME`), described as its archive with that member only.
fn describe_member(
    path: &Path,
    member: &str,
    options: &npio::ReadOptions,
    sink: &mut dyn Sink,
) -> Result<(), CliError> {
    let mut npz = options
        .open_npz(path)
        .map_err(|e| CliError::npio(path, e))?;
    let m = npz
        .member_info(member)
        .map_err(|e| CliError::npio(path, e))?;
    let shown = path.display().to_string();
    let (value, row) = member_entry(&shown, &m).map_err(|e| CliError::npio(path, e))?;
    sink.file(json!({"path": shown, "format": "npz"}), None);
    sink.member(value, row);
    sink.end_archive();
    Ok(())
}

/// One member's JSON and table row.
fn member_entry(shown: &str, m: &npio::npz::MemberInfo) -> npio::Result<(Value, [String; 6])> {
    let mut value = json!({
        "name": m.name,
        "stored_name": m.stored_name,
        "compressed": m.compressed,
        "method": m.method_name(),
        "compressed_size": m.compressed_size,
        "data_offset": m.array_data_offset(),
    });
    let kind = m.method_name();
    let name = printable(&format!("{shown}:{}", m.name));
    let row = match &m.npy {
        Some(info) => {
            let h = &info.header;
            let nbytes = h.data_len()?;
            let obj = value.as_object_mut().expect("object");
            obj.insert("descr".into(), descr_value(&h.dtype));
            obj.insert("shape".into(), json!(h.shape));
            obj.insert("fortran_order".into(), json!(h.fortran_order));
            obj.insert("nbytes".into(), json!(nbytes));
            [
                name,
                format!("npz {kind}"),
                dtype_text(&h.dtype),
                shape_text(&h.shape),
                if h.fortran_order { "F" } else { "C" }.to_string(),
                nbytes.to_string(),
            ]
        }
        None => [
            name,
            format!("npz {kind}"),
            "(not an array)".into(),
            "-".into(),
            "-".into(),
            m.size.to_string(),
        ],
    };
    Ok((value, row))
}

/// The table's column titles.
const TITLES: [&str; 6] = ["PATH", "FORMAT", "DTYPE", "SHAPE", "ORDER", "BYTES"];

/// First pass of the table: the width of each column.
struct Widths([usize; 6]);

impl Widths {
    fn add(&mut self, row: &[String; 6]) {
        for (w, c) in self.0.iter_mut().zip(row) {
            *w = (*w).max(cell(c).chars().count());
        }
    }
}

impl Sink for Widths {
    fn file(&mut self, _: Value, row: Option<[String; 6]>) {
        if let Some(row) = row {
            self.add(&row);
        }
    }
    fn member(&mut self, _: Value, row: [String; 6]) {
        self.add(&row);
    }
    fn end_archive(&mut self) {}
}

/// Second pass of the table: each row printed as it comes.
struct Table<W: Write> {
    widths: [usize; 6],
    out: W,
}

impl<W: Write> Table<W> {
    fn print(&mut self, row: &[String; 6]) {
        let mut line = String::new();
        for (k, (c, &w)) in row.iter().zip(&self.widths).enumerate() {
            // Long cells (member names, dtypes of thousands of fields) are shortened; JSON
            // keeps them.
            let c = cell(c);
            if k == 5 {
                line.push_str(&pad(&c, w, true));
            } else {
                line.push_str(&pad(&c, w, false));
                line.push_str("  ");
            }
        }
        let _ = writeln!(self.out, "{}", line.trim_end());
    }
}

impl<W: Write> Sink for Table<W> {
    fn file(&mut self, _: Value, row: Option<[String; 6]>) {
        if let Some(row) = row {
            self.print(&row);
        }
    }
    fn member(&mut self, _: Value, row: [String; 6]) {
        self.print(&row);
    }
    fn end_archive(&mut self) {}
}

/// JSON printed as it comes, exactly as `serde_json::to_string_pretty` prints the whole: one
/// object for one path, an array of them for several; an archive's `members` are written one
/// at a time.
struct Json<W: Write> {
    out: W,
    /// The indentation of file objects: 0 for one path, 1 inside the array of several.
    depth: usize,
    /// Whether a file object was written (for commas between them).
    files: usize,
    /// Members written in the archive being listed.
    members: usize,
}

impl<W: Write> Json<W> {
    /// `value` pretty-printed, its lines after the first indented by `depth` levels.
    fn indented(value: &Value, depth: usize) -> String {
        let text = serde_json::to_string_pretty(value).expect("JSON values serialise");
        text.replace('\n', &format!("\n{}", "  ".repeat(depth)))
    }
}

impl<W: Write> Sink for Json<W> {
    fn file(&mut self, value: Value, _: Option<[String; 6]>) {
        let indent = "  ".repeat(self.depth);
        let sep = if self.files > 0 { ",\n" } else { "" };
        self.files += 1;
        let text = Self::indented(&value, self.depth);
        if value.get("format") == Some(&json!("npz")) {
            // Open the object again to add the members.
            let open = text.strip_suffix('}').expect("an object").trim_end();
            let _ = write!(self.out, "{sep}{indent}{open},\n{indent}  \"members\": [");
            self.members = 0;
        } else {
            let _ = write!(self.out, "{sep}{indent}{text}");
        }
    }
    fn member(&mut self, value: Value, _: [String; 6]) {
        let indent = "  ".repeat(self.depth + 2);
        let sep = if self.members > 0 { "," } else { "" };
        self.members += 1;
        let text = Self::indented(&value, self.depth + 2);
        let _ = write!(self.out, "{sep}\n{indent}{text}");
    }
    fn end_archive(&mut self) {
        let indent = "  ".repeat(self.depth);
        if self.members > 0 {
            let _ = write!(self.out, "\n{indent}  ]\n{indent}}}");
        } else {
            let _ = write!(self.out, "]\n{indent}}}");
        }
    }
}

/// Runs `npio info`; `Ok(false)` when some file could not be read. Output is streamed: the
/// table in two passes (widths, then rows), JSON in one.
pub fn run(
    paths: &[std::path::PathBuf],
    as_json: bool,
    options: npio::ReadOptions,
) -> Result<bool, CliError> {
    // A folder stands for every .npy and .npz file under it.
    let (paths, mut all_ok) = crate::convert::expand_folders(paths);
    let stdout = std::io::stdout().lock();
    let mut out = std::io::BufWriter::new(stdout);
    let report = |path: &Path, sink: &mut dyn Sink, say: bool| {
        if let Err(err) = describe(path, &options, sink) {
            if say {
                eprintln!("npio: {err}");
            }
            return false;
        }
        true
    };
    if as_json {
        let several = paths.len() > 1;
        let mut json = Json {
            out: &mut out,
            depth: usize::from(several),
            files: 0,
            members: 0,
        };
        if several {
            let _ = writeln!(json.out, "[");
        }
        for path in &paths {
            all_ok &= report(path, &mut json, true);
        }
        if several {
            let _ = write!(json.out, "\n]");
        }
        if several || json.files > 0 {
            let _ = writeln!(json.out);
        }
    } else {
        let mut widths = Widths(TITLES.map(|t| t.len()));
        let readable: Vec<&std::path::PathBuf> = paths
            .iter()
            .filter(|path| {
                let ok = report(path, &mut widths, true);
                all_ok &= ok;
                ok
            })
            .collect();
        if !readable.is_empty() {
            let mut table = Table {
                widths: widths.0,
                out: &mut out,
            };
            table.print(&TITLES.map(String::from));
            for path in readable {
                // Read again: what failed now (the file changed meanwhile) is reported too.
                all_ok &= report(path, &mut table, true);
            }
        }
    }
    out.flush()
        .map_err(|e| CliError::io(Path::new("<stdout>"), e))?;
    Ok(all_ok)
}
