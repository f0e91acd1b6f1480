//! `npio verify`: reads every byte of every array in bounded memory, checking lengths, CRCs,
//! bool values and trailing data. One line per file.

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use crate::convert::member_error;
use crate::show::{count, dtype_text, shape_text};
use crate::sniff::{sniff, FileKind};
use crate::CliError;

/// Verifies one file; returns a summary of what was checked.
fn verify_file(path: &Path, options: &npio::ReadOptions) -> Result<String, CliError> {
    if let Some((file, name)) = crate::sniff::member_spec(path) {
        let mut npz = options
            .open_npz(&file)
            .map_err(|e| CliError::npio(&file, e))?;
        let member = npz
            .member_info(&name)
            .map_err(|e| CliError::npio(&file, e))?;
        let bytes = verify_member(&mut npz, &member, &file)?;
        return Ok(format!("member {:?}, {bytes} bytes of data", member.name));
    }
    if let Some(url) = crate::remote::url(path) {
        let (remote, file, kind) = crate::remote::open(url, options)?;
        return match kind {
            FileKind::Npy => {
                let reader = remote
                    .npy_reader(file)
                    .map_err(|e| CliError::npio(path, e))?;
                verify_npy(path, reader)
            }
            FileKind::Npz => {
                let mut npz = remote
                    .npz_reader(file)
                    .map_err(|e| CliError::npio(path, e))?;
                verify_npz(path, &mut npz)
            }
        };
    }
    match sniff(path)? {
        FileKind::Npy => {
            let file = File::open(path).map_err(|e| CliError::io(path, e))?;
            let reader = options
                .npy_reader(BufReader::with_capacity(1 << 20, file))
                .map_err(|e| CliError::npio(path, e))?;
            verify_npy(path, reader)
        }
        FileKind::Npz => {
            let mut npz = options
                .open_npz(path)
                .map_err(|e| CliError::npio(path, e))?;
            verify_npz(path, &mut npz)
        }
    }
}

/// Reads a `.npy` file through; its summary.
fn verify_npy<R: Read>(path: &Path, reader: npio::NpyReader<R>) -> Result<String, CliError> {
    let report = reader
        .verify()
        .map_err(|e| noted(&e).pipe(CliError::npio(path, e)))?;
    Ok(format!(
        "{} {}, {} bytes of data",
        dtype_text(&report.header.dtype),
        shape_text(&report.header.shape),
        report.data_bytes
    ))
}

/// Reads every member of an archive through; its summary.
fn verify_npz<R: Read + Seek + Clone + Send + Sync>(
    path: &Path,
    npz: &mut npio::NpzReader<R>,
) -> Result<String, CliError> {
    let members = npz.members().map_err(|e| CliError::npio(path, e))?;
    let results = crate::members::each_member(npz, &members, |npz, i| {
        verify_member(npz, &members[i], path)
    });
    let (mut arrays, mut others, mut bytes) = (0usize, 0usize, 0u64);
    for (member, result) in members.iter().zip(results) {
        bytes += result?;
        if member.npy.is_some() {
            arrays += 1;
        } else {
            others += 1;
        }
    }
    Ok(format!(
        "{}, {}, {bytes} bytes of data",
        count(arrays, "array", "arrays"),
        count(others, "other member", "other members")
    ))
}

/// What verify adds to an error: bool bytes other than 0 and 1 are reported, but they are
/// not lost data (NumPy loads them as they are).
struct Note(&'static str);

impl Note {
    fn pipe(self, err: CliError) -> CliError {
        err.with_note(self.0)
    }
}

fn noted(e: &npio::Error) -> Note {
    let invalid_bool = match e {
        npio::Error::InvalidBool { .. } => true,
        npio::Error::Member { source, .. } => matches!(**source, npio::Error::InvalidBool { .. }),
        _ => false,
    };
    Note(if invalid_bool {
        " (NumPy loads such a file, keeping the bytes; npio's Python load does too, and \
         `npio convert` carries them through; Rust reads as `bool` refuse it)"
    } else {
        ""
    })
}

/// Reads one member of an archive through; returns its bytes of data.
fn verify_member<R: std::io::Read + std::io::Seek>(
    npz: &mut npio::NpzReader<R>,
    member: &npio::npz::MemberInfo,
    path: &Path,
) -> Result<u64, CliError> {
    let name = &member.stored_name;
    if member.npy.is_some() {
        let reader = npz
            .member_reader(name)
            .map_err(|e| member_error(path, name, e))?;
        let report = reader
            .verify()
            .map_err(|e| noted(&e).pipe(member_error(path, name, e)))?;
        Ok(report.data_bytes)
    } else {
        // Not an array: read it through to check its CRC, in bounded memory.
        let mut reader = npz.raw_reader(name).map_err(|e| CliError::npio(path, e))?;
        std::io::copy(&mut reader, &mut std::io::sink())
            .map_err(|e| CliError::data(format!("{}: npz member {name:?}: {e}", path.display())))
    }
}

/// Runs `npio verify`; `Ok(false)` when some file is bad.
pub fn run(paths: &[std::path::PathBuf], options: npio::ReadOptions) -> Result<bool, CliError> {
    // A folder stands for every .npy and .npz file under it.
    let (paths, mut all_ok) = crate::convert::expand_folders(paths);
    for path in &paths {
        match verify_file(path, &options) {
            Ok(summary) => println!("OK    {}: {summary}", path.display()),
            Err(err) => {
                all_ok = false;
                println!("FAIL  {err}");
            }
        }
    }
    Ok(all_ok)
}
