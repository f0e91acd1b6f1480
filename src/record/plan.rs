//! Matching a file's dtype with a Rust layout: the copy program between the two.
//!
//! Each value inside the Rust type becomes one copy between its offset in the file's item
//! and its offset in the Rust value, with a byte swap when the file's byte order is not
//! native. Neighbouring copies merge, so a record whose layout equals the struct's is one copy.

use super::layout::Layout;
use crate::dtype::{DType, ScalarKind};
use crate::error::{Error, FieldProblem, Result};

/// One copy between an item of the file and a Rust value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Op {
    /// Offset in the Rust value.
    pub(crate) rust: usize,
    /// Offset in the file's item.
    pub(crate) file: usize,
    /// Bytes copied.
    pub(crate) len: usize,
    /// Width of the units to byte-swap (0: none).
    pub(crate) swap: usize,
    /// The bytes are bools (checked to be 0 or 1 when read).
    pub(crate) bools: bool,
}

/// How items of one file dtype map onto a Rust type (public only to name it in the sealed
/// codec trait; not reachable outside the crate).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldMap {
    pub(crate) ops: Vec<Op>,
    /// Size of one item in the file.
    pub(crate) file_itemsize: usize,
    /// Size of the Rust type.
    pub(crate) rust_size: usize,
    /// Why the file's layout is not the Rust type's, if it is not.
    pub(crate) differs: Option<String>,
    /// The Rust type has bytes no copy covers (padding).
    pub(crate) padded: bool,
}

impl FieldMap {
    /// True when file items are the Rust values' bytes exactly.
    pub(crate) fn is_identity(&self) -> bool {
        self.differs.is_none()
    }

    /// Rust offsets of the bool bytes.
    pub(crate) fn bool_ranges(&self) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
        self.ops
            .iter()
            .filter(|op| op.bools)
            .map(|op| op.rust..op.rust + op.len)
    }
}

/// Builds the plan between items of `dtype` and values of `layout` (named `name` in
/// messages). `strict` (writing into an existing file): every file field must be matched too.
pub(crate) fn plan(name: &str, layout: &Layout, dtype: &DType, strict: bool) -> Result<FieldMap> {
    let mut m = Matcher {
        ops: Vec::new(),
        differs: None,
        strict,
    };
    if let Err(problem) = m.visit(dtype, 0, layout, 0, "") {
        return Err(match problem {
            // The item itself is of another kind: a plain dtype mismatch.
            FieldProblem::WrongType { field, .. } if field.is_empty() => Error::DTypeMismatch {
                found: dtype.clone(),
                requested: name.to_string(),
            },
            problem => Error::RecordMismatch {
                found: dtype.clone(),
                requested: name.to_string(),
                problem: Box::new(problem),
            },
        });
    }
    let file_itemsize = dtype.itemsize();
    let rust_size = layout.size();
    if let Some(op) = m
        .ops
        .iter()
        .find(|op| op.rust + op.len > rust_size || op.file + op.len > file_itemsize)
    {
        return Err(Error::InvalidArgument {
            argument: "record layout",
            reason: format!(
                "{name}'s layout puts {} bytes at offset {} of a {rust_size}-byte value \
                 (a wrong hand-written npio::record::Field implementation)",
                op.len, op.rust
            ),
        });
    }
    if m.differs.is_none() && file_itemsize != rust_size {
        m.differs = Some(format!(
            "the file's items are {file_itemsize} bytes, {name} is {rust_size} bytes"
        ));
    }
    let covered: usize = m.ops.iter().map(|op| op.len).sum();
    Ok(FieldMap {
        ops: m.ops,
        file_itemsize,
        rust_size,
        differs: m.differs,
        padded: covered < rust_size,
    })
}

struct Matcher {
    ops: Vec<Op>,
    differs: Option<String>,
    strict: bool,
}

fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

fn wrong(path: &str, file: &DType, layout: &Layout) -> FieldProblem {
    // The expected type in the file's byte order, so only the real difference shows.
    let endian = first_endian(file);
    FieldProblem::WrongType {
        field: path.to_string(),
        found: file.clone(),
        // (Building the dtype cannot fail for a derived type: its depth is checked when it
        // compiles. Should a hand-written layout fail, the file's type stands in.)
        expected: layout.dtype(endian).unwrap_or_else(|_| file.clone()),
    }
}

/// The byte order of the first multi-byte scalar in `dtype` (native if none).
fn first_endian(dtype: &DType) -> crate::dtype::Endian {
    use crate::dtype::Endian;
    match dtype {
        DType::Scalar(s) if s.endian() != Endian::NotApplicable => s.endian(),
        DType::Record(r) => r
            .fields()
            .iter()
            .map(|f| first_endian(&f.dtype))
            .find(|&e| e != Endian::NATIVE)
            .unwrap_or(Endian::NATIVE),
        DType::SubArray(sub) => first_endian(sub.base()),
        _ => Endian::NATIVE,
    }
}

impl Matcher {
    fn leaf(&mut self, path: &str, op: Op) {
        if self.differs.is_none() {
            if op.swap != 0 {
                self.differs = Some(format!("field '{path}' is not in native byte order"));
            } else if op.rust != op.file {
                self.differs = Some(format!(
                    "field '{path}' is at byte {} of the file's items but at byte {} of the struct",
                    op.file, op.rust
                ));
            }
        }
        if let Some(last) = self.ops.last_mut() {
            if last.rust + last.len == op.rust
                && last.file + last.len == op.file
                && last.swap == op.swap
                && last.bools == op.bools
            {
                last.len += op.len;
                return;
            }
        }
        self.ops.push(op);
    }

    fn visit(
        &mut self,
        file: &DType,
        f_off: usize,
        layout: &Layout,
        r_off: usize,
        path: &str,
    ) -> std::result::Result<(), FieldProblem> {
        if let Some(n) = layout.byte_string() {
            let fits = match file {
                DType::Scalar(s) => s.kind() == ScalarKind::Bytes && s.size() == n,
                DType::SubArray(sub) => {
                    sub.shape() == [n]
                        && matches!(sub.base(), DType::Scalar(s) if s.kind() == ScalarKind::UInt && s.size() == 1)
                }
                _ => false,
            };
            if !fits {
                return Err(wrong(path, file, layout));
            }
            let op = Op {
                rust: r_off,
                file: f_off,
                len: n,
                swap: 0,
                bools: false,
            };
            self.leaf(path, op);
            return Ok(());
        }
        match layout {
            Layout::Scalar { kind, size } => match file {
                DType::Scalar(s) if s.kind() == *kind && s.size() == *size => {
                    let swap = match (s.endian().needs_swap(), kind) {
                        (false, _) => 0,
                        (true, ScalarKind::Complex) => size / 2,
                        (true, _) => *size,
                    };
                    let op = Op {
                        rust: r_off,
                        file: f_off,
                        len: *size,
                        swap,
                        bools: *kind == ScalarKind::Bool,
                    };
                    self.leaf(path, op);
                    Ok(())
                }
                _ => Err(wrong(path, file, layout)),
            },
            Layout::Array { .. } => {
                let (dims, base) = layout.split();
                let sub = match file {
                    DType::SubArray(sub) if sub.shape() == dims.as_slice() => sub,
                    _ => return Err(wrong(path, file, layout)),
                };
                let (file_base, base_size) = (sub.base(), sub.base().itemsize());
                if !matches!(base, Layout::Record(_)) && self.probe(file_base, base).is_err() {
                    return Err(wrong(path, file, layout));
                }
                let count: usize = dims.iter().product();
                for i in 0..count {
                    self.visit(
                        file_base,
                        f_off + i * base_size,
                        base,
                        r_off + i * base.size(),
                        path,
                    )?;
                }
                Ok(())
            }
            Layout::Record(rl) => {
                let record = match file {
                    DType::Record(r) => r,
                    _ => return Err(wrong(path, file, layout)),
                };
                let fields = record.fields();
                let mut used = vec![false; fields.len()];
                for f in rl.fields() {
                    let fpath = join(path, f.name());
                    let at = fields
                        .iter()
                        .position(|x| x.name == f.name())
                        .or_else(|| {
                            fields
                                .iter()
                                .position(|x| x.title.as_deref() == Some(f.name()))
                        })
                        .ok_or_else(|| FieldProblem::Missing {
                            field: fpath.clone(),
                            available: fields.iter().map(|x| x.name.clone()).collect(),
                        })?;
                    used[at] = true;
                    let ff = &fields[at];
                    self.visit(
                        &ff.dtype,
                        f_off + ff.offset,
                        f.layout(),
                        r_off + f.offset(),
                        &fpath,
                    )?;
                }
                if self.strict {
                    if let Some(at) = used.iter().position(|u| !u) {
                        return Err(FieldProblem::Unmatched {
                            field: join(path, &fields[at].name),
                        });
                    }
                }
                Ok(())
            }
        }
    }

    /// Checks that a non-record base matches, without recording anything.
    fn probe(&self, file: &DType, layout: &Layout) -> std::result::Result<(), FieldProblem> {
        let mut scratch = Matcher {
            ops: Vec::new(),
            differs: None,
            strict: self.strict,
        };
        scratch.visit(file, 0, layout, 0, "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::Field;

    #[test]
    fn neighbouring_copies_merge() {
        let layout = <[f32; 4]>::layout();
        let native = layout.dtype(crate::dtype::Endian::NATIVE).unwrap();
        let p = plan("[f32; 4]", &layout, &native, false).unwrap();
        assert_eq!(p.ops.len(), 1);
        assert!(p.is_identity());
        let other = if cfg!(target_endian = "little") {
            crate::dtype::Endian::Big
        } else {
            crate::dtype::Endian::Little
        };
        let swapped = plan("x", &layout, &layout.dtype(other).unwrap(), false).unwrap();
        assert_eq!(swapped.ops.len(), 1);
        assert_eq!(swapped.ops[0].swap, 4);
        assert!(!swapped.is_identity());
    }

    #[test]
    fn byte_strings_read_from_s_or_u1_sub_arrays() {
        let layout = <[u8; 3]>::layout();
        for descr in ["|S3", "('|u1', (3,))"] {
            let p = plan("b", &layout, &DType::parse(descr).unwrap(), false).unwrap();
            assert_eq!(p.ops.len(), 1, "{descr}");
        }
        assert!(plan("b", &layout, &DType::parse("|S4").unwrap(), false).is_err());
    }
}
