//! `npio show PATH[.npz:NAME] [--rows A:B] [--fields F,G] [--full]`: an array's values as
//! NumPy's `str(array)` prints them with its default options (75 columns; arrays of more than
//! 1000 elements summarised to 3 items at each end of every axis with `...`, unless `--full`),
//! records as tuples, strings as Python's `repr`, datetimes as ISO text. This module lays the
//! elements out as NumPy's `_formatArray` does; `cells` formats them; `float` is NumPy's
//! `FloatingFormat`.

mod cells;
mod float;

use std::path::Path;

use npio::{DynArray, ReadOptions};

use crate::CliError;

/// NumPy's defaults: `linewidth`, `threshold`, `edgeitems`.
const LINE_WIDTH: usize = 75;
const THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;

/// The indices printed along one axis: all, or `EDGE_ITEMS` at each end.
fn axis_indices(len: usize, summary: bool) -> Vec<usize> {
    if summary && 2 * EDGE_ITEMS < len {
        (0..EDGE_ITEMS).chain(len - EDGE_ITEMS..len).collect()
    } else {
        (0..len).collect()
    }
}

/// The flat C-order indices of every printed element, increasing.
fn printed(shape: &[usize], summary: bool) -> Vec<usize> {
    let mut flat = vec![0usize];
    for &len in shape {
        let along = axis_indices(len, summary);
        flat = flat
            .iter()
            .flat_map(|&f| along.iter().map(move |&i| f * len + i))
            .collect();
    }
    flat
}

/// NumPy's `_extendLine`: wraps before `word` when the line would grow past `width`.
fn extend_line(s: &mut String, line: &mut String, word: &str, width: usize, prefix: &str) {
    let wrap = line.len() + word.len() > width && line.len() > prefix.len();
    if wrap {
        s.push_str(line.trim_end());
        s.push('\n');
        *line = prefix.to_string();
    }
    line.push_str(word);
}

struct Layout<'a> {
    shape: &'a [usize],
    summary: bool,
    /// The printed text of element with flat index `printed[k]`.
    printed: &'a [usize],
    texts: &'a [String],
}

impl Layout<'_> {
    fn text(&self, index: &[usize]) -> &str {
        let flat = index
            .iter()
            .zip(self.shape)
            .fold(0, |acc, (&i, &n)| acc * n + i);
        let k = self
            .printed
            .binary_search(&flat)
            .expect("a printed element");
        &self.texts[k]
    }

    /// NumPy's `_formatArray.recurser` (non-legacy mode, separator `' '`).
    fn recurse(&self, index: &mut Vec<usize>, hanging: &str, width: usize) -> String {
        let axis = index.len();
        let axes_left = self.shape.len() - axis;
        if axes_left == 0 {
            return self.text(index).to_string();
        }
        let next_hanging = format!("{hanging} ");
        let next_width = width - 1;
        let len = self.shape[axis];
        let show_summary = self.summary && 2 * EDGE_ITEMS < len;
        let (leading, trailing) = if show_summary {
            (EDGE_ITEMS, EDGE_ITEMS)
        } else {
            (0, len)
        };
        let word = |i: usize, index: &mut Vec<usize>| {
            index.push(i);
            let text = self.recurse(index, &next_hanging, next_width);
            index.pop();
            text
        };
        let mut s = String::new();
        if axes_left == 1 {
            let elem_width = width - 1;
            let mut line = hanging.to_string();
            for i in 0..leading {
                let w = word(i, index);
                extend_line(&mut s, &mut line, &w, elem_width, hanging);
                line.push(' ');
            }
            if show_summary {
                extend_line(&mut s, &mut line, "...", elem_width, hanging);
                line.push(' ');
            }
            for i in (2..=trailing).rev() {
                let w = word(len - i, index);
                extend_line(&mut s, &mut line, &w, elem_width, hanging);
                line.push(' ');
            }
            if len > 0 {
                let w = word(len - 1, index);
                extend_line(&mut s, &mut line, &w, elem_width, hanging);
            }
            s.push_str(&line);
        } else {
            let line_sep = "\n".repeat(axes_left - 1);
            for i in 0..leading {
                s += &format!("{hanging}{}{line_sep}", word(i, index));
            }
            if show_summary {
                s += &format!("{hanging}...{line_sep}");
            }
            for i in (2..=trailing).rev() {
                s += &format!("{hanging}{}{line_sep}", word(len - i, index));
            }
            if len > 0 {
                s += &format!("{hanging}{}", word(len - 1, index));
            }
        }
        format!("[{}]", &s[hanging.len().min(s.len())..])
    }
}

/// `str(array)` as NumPy prints it (`full`: never summarised).
/// `only`: the record fields to print (NumPy's `a[['x', 'y']]`), else all.
pub fn array_str(
    array: &DynArray,
    full: bool,
    only: Option<&[String]>,
) -> Result<String, CliError> {
    let shape = array.shape();
    if shape.is_empty() {
        return cells::scalar_text(array);
    }
    let size: usize = shape.iter().product();
    let summary = !full && size > THRESHOLD;
    let printed = printed(shape, summary);
    let texts = cells::texts(array, &printed, only)?;
    let layout = Layout {
        shape,
        summary,
        printed: &printed,
        texts: &texts,
    };
    Ok(layout.recurse(&mut Vec::new(), " ", LINE_WIDTH))
}

/// A row range `A:B` (either end may be left out; negative counts from the end, as Python).
fn rows(text: &str, len: usize) -> Result<std::ops::Range<usize>, CliError> {
    let bad = || {
        CliError::usage(format!(
            "--rows {text}: expected START:STOP, e.g. 10:20, :5 or -3:"
        ))
    };
    let (a, b) = text.split_once(':').ok_or_else(bad)?;
    let end = |t: &str, default: usize| -> Result<usize, CliError> {
        if t.is_empty() {
            return Ok(default);
        }
        let v: i64 = t.parse().map_err(|_| bad())?;
        Ok(if v < 0 {
            len.saturating_sub(v.unsigned_abs() as usize)
        } else {
            (v as usize).min(len)
        })
    };
    let (start, stop) = (end(a, 0)?, end(b, len)?);
    Ok(start..stop.max(start))
}

/// Reads the array `text` names: a `.npy` file, a member `FILE.npz:NAME`, or a URL of either.
fn read(text: &str, options: &ReadOptions) -> Result<DynArray, CliError> {
    let path = Path::new(text);
    let fail = |e: npio::Error| CliError::npio(path, e);
    let spec = crate::remote::member_spec(path).or_else(|| crate::sniff::member_spec(path));
    if let Some((file, member)) = spec {
        return match crate::remote::url(&file) {
            Some(url) => npio::remote::Remote::new()
                .read_options(*options)
                .open_npz(url)
                .and_then(|mut npz| npz.read::<DynArray>(&member)),
            None => options
                .open_npz(&file)
                .and_then(|mut npz| npz.read::<DynArray>(&member)),
        }
        .map_err(fail);
    }
    let kind = match crate::remote::url(path) {
        Some(url) => crate::remote::open(url, options)?.2,
        None => crate::sniff::sniff(path)?,
    };
    if kind == crate::sniff::FileKind::Npz {
        return Err(CliError::usage(format!(
            "{text}: an archive; name the member to show as {text}:NAME (npio info lists them)"
        )));
    }
    match crate::remote::url(path) {
        Some(url) => npio::remote::Remote::new()
            .read_options(*options)
            .read_npy(url),
        None => options.read_npy(path),
    }
    .map_err(fail)
}

/// Rows `range` of `array` (a copy), whatever its dtype and memory order.
fn slice_rows(array: &DynArray, range: std::ops::Range<usize>) -> npio::Result<DynArray> {
    let bytes = npio::WriteOptions::new()
        .order(npio::npy::Order::C)
        .to_bytes(array)?;
    let info = npio::npy::read_header(
        &mut &bytes[..],
        &ReadOptions::new().max_header_size(usize::MAX),
    )?;
    let header = info.header;
    let row = header.dtype.itemsize() * header.shape[1..].iter().product::<usize>();
    let data = &bytes[info.data_offset as usize..];
    let mut shape = header.shape.clone();
    shape[0] = range.len();
    let mut out = npio::npy::Header::new(header.dtype.clone(), shape, false).to_bytes()?;
    out.extend_from_slice(&data[range.start * row..range.end * row]);
    npio::from_bytes::<DynArray>(&out)
}

/// Runs `npio show`.
pub fn run(
    text: &str,
    row_range: Option<&str>,
    fields: Option<&str>,
    full: bool,
    options: ReadOptions,
) -> Result<bool, CliError> {
    let mut array = read(text, &options)?;
    let mut only: Option<Vec<String>> = None;
    if let Some(names) = fields {
        let names: Vec<String> = names.split(',').map(str::to_string).collect();
        if array.dtype().as_record().is_none() {
            return Err(CliError::usage(format!(
                "--fields: {text} is not a record array"
            )));
        }
        for name in &names {
            if !array.field_names().contains(&name.as_str()) {
                return Err(CliError::usage(format!(
                    "--fields: no field {name:?} in {text} (it has {})",
                    array.field_names().join(", ")
                )));
            }
        }
        match names.as_slice() {
            [one] => {
                array = array
                    .field(one)
                    .map_err(|e| CliError::data(e.to_string()))?
            }
            _ => only = Some(names),
        }
    }
    if let Some(range) = row_range {
        let len = *array.shape().first().ok_or_else(|| {
            CliError::usage(format!("--rows: {text} is a 0-d array, without rows"))
        })?;
        let range = rows(range, len)?;
        array = slice_rows(&array, range).map_err(|e| CliError::data(e.to_string()))?;
    }
    crate::show::print_stdout(&(array_str(&array, full, only.as_deref())? + "\n"))?;
    Ok(true)
}
