//! `npio diff A B [--rtol R] [--atol A] [--json]`: compares two `.npy` files, two archive
//! members (`FILE.npz:NAME`), or two archives member by member (names, dtypes, shapes, then
//! values: numbers as `np.isclose` with `equal_nan=True` decides, everything else exactly).
//! Exit code 0 when equal, 1 when different, 2 on a usage error or an input that cannot be
//! read (as diff(1) and cmp(1) do). Inputs may be URLs; archives are compared one member pair
//! at a time, so memory holds at most two members.

mod report;
mod values;

use std::io::{Read, Seek};
use std::path::Path;

use npio::{DynArray, NpzReader, ReadOptions};

pub use values::Tolerance;
use values::{compare, ArrayDiff};

use crate::sniff::FileKind;
use crate::CliError;

/// What one side holds under one name.
enum Member {
    Array(DynArray),
    /// A member that is not a `.npy` array: its bytes.
    Bytes(Vec<u8>),
}

/// How the two sides compare under one name.
enum Outcome {
    Arrays(Box<ArrayDiff>),
    Bytes {
        equal: bool,
        sizes: (usize, usize),
    },
    /// An array on one side, other bytes on the other.
    Kinds,
    OnlyA,
    OnlyB,
}

impl Outcome {
    fn equal(&self) -> bool {
        match self {
            Outcome::Arrays(d) => d.equal(),
            Outcome::Bytes { equal, .. } => *equal,
            _ => false,
        }
    }
}

/// An archive, local or remote.
enum Archive {
    Local(NpzReader<npio::source::Source<std::fs::File>>),
    Remote(NpzReader<npio::remote::RemoteFile>),
}

impl Archive {
    fn names(&self) -> Vec<String> {
        match self {
            Archive::Local(npz) => npz.names(),
            Archive::Remote(npz) => npz.names(),
        }
    }

    fn read(&mut self, name: &str) -> npio::Result<Member> {
        match self {
            Archive::Local(npz) => read_member(npz, name),
            Archive::Remote(npz) => read_member(npz, name),
        }
    }
}

fn read_member<R: Read + Seek>(npz: &mut NpzReader<R>, name: &str) -> npio::Result<Member> {
    if npz.member_info(name)?.npy.is_some() {
        Ok(Member::Array(npz.read::<DynArray>(name)?))
    } else {
        Ok(Member::Bytes(npz.read_raw(name)?))
    }
}

/// One side of the comparison.
enum Side {
    One(Member),
    Archive(Archive),
}

/// A side that cannot be read: exit code 2, as for usage errors.
fn trouble(shown: &str, err: impl std::fmt::Display) -> CliError {
    CliError::usage(format!("{shown}: {err}"))
}

/// An error that already names its input, with exit code 2.
fn exit_2(err: CliError) -> CliError {
    CliError { usage: true, ..err }
}

/// Opens `text`: a `.npy` file, an archive, or an archive member `FILE.npz:NAME`; any of them
/// a URL.
fn open(text: &str, options: &ReadOptions) -> Result<Side, CliError> {
    let path = Path::new(text);
    let fail = |e: npio::Error| trouble(text, format!("{e}{}", crate::hint(&e)));
    let spec = crate::remote::member_spec(path).or_else(|| crate::sniff::member_spec(path));
    if let Some((archive, member)) = spec {
        let mut archive = open_archive(&archive, options).map_err(fail)?;
        return archive.read(&member).map(Side::One).map_err(fail);
    }
    if let Some(url) = crate::remote::url(path) {
        let (remote, file, kind) = crate::remote::open(url, options).map_err(exit_2)?;
        return match kind {
            FileKind::Npy => remote
                .npy_reader(file)
                .and_then(|r| r.read::<DynArray>())
                .map(|a| Side::One(Member::Array(a)))
                .map_err(fail),
            FileKind::Npz => remote
                .open_npz(url)
                .map(|npz| Side::Archive(Archive::Remote(npz)))
                .map_err(fail),
        };
    }
    match crate::sniff::sniff(path).map_err(exit_2)? {
        FileKind::Npy => options
            .read_npy::<DynArray, _>(path)
            .map(|a| Side::One(Member::Array(a)))
            .map_err(fail),
        FileKind::Npz => open_archive(path, options).map(Side::Archive).map_err(fail),
    }
}

fn open_archive(path: &Path, options: &ReadOptions) -> npio::Result<Archive> {
    match crate::remote::url(path) {
        Some(url) => npio::remote::Remote::new()
            .read_options(*options)
            .open_npz(url)
            .map(Archive::Remote),
        None => options.open_npz(path).map(Archive::Local),
    }
}

fn outcome(a: Member, b: Member, tol: Tolerance) -> Outcome {
    match (a, b) {
        (Member::Array(x), Member::Array(y)) => Outcome::Arrays(Box::new(compare(&x, &y, tol))),
        (Member::Bytes(x), Member::Bytes(y)) => Outcome::Bytes {
            equal: x == y,
            sizes: (x.len(), y.len()),
        },
        _ => Outcome::Kinds,
    }
}

/// Runs `npio diff`: true when A and B are equal.
pub fn run(
    a: &str,
    b: &str,
    tol: Tolerance,
    json: bool,
    options: ReadOptions,
) -> Result<bool, CliError> {
    for (name, value) in [("--rtol", tol.rtol), ("--atol", tol.atol)] {
        if value.is_nan() || value < 0.0 {
            return Err(CliError::usage(format!(
                "{name} {value}: a tolerance is a number of 0 or more"
            )));
        }
    }
    let (side_a, side_b) = (open(a, &options)?, open(b, &options)?);
    let mut outcomes: Vec<(String, Outcome)> = Vec::new();
    match (side_a, side_b) {
        (Side::One(x), Side::One(y)) => outcomes.push((String::new(), outcome(x, y, tol))),
        (Side::Archive(mut x), Side::Archive(mut y)) => {
            let (names_a, names_b) = (x.names(), y.names());
            let in_b: std::collections::HashSet<&str> =
                names_b.iter().map(String::as_str).collect();
            let in_a: std::collections::HashSet<&str> =
                names_a.iter().map(String::as_str).collect();
            for name in &names_a {
                let found = if in_b.contains(name.as_str()) {
                    let mx = x
                        .read(name)
                        .map_err(|e| trouble(&format!("{a}: {name}"), e))?;
                    let my = y
                        .read(name)
                        .map_err(|e| trouble(&format!("{b}: {name}"), e))?;
                    outcome(mx, my, tol)
                } else {
                    Outcome::OnlyA
                };
                outcomes.push((name.clone(), found));
            }
            for name in names_b.iter().filter(|n| !in_a.contains(n.as_str())) {
                outcomes.push((name.clone(), Outcome::OnlyB));
            }
        }
        _ => {
            return Err(CliError::usage(format!(
                "{a} and {b}: one is an array and the other an archive; name a member as \
                 FILE.npz:NAME to compare it with an array"
            )))
        }
    }
    let equal = outcomes.iter().all(|(_, o)| o.equal());
    let text = if json {
        report::json(a, b, tol, &outcomes)
    } else {
        report::text(a, b, &outcomes)
    };
    crate::show::print_stdout(&text)?;
    Ok(equal)
}
