//! The conversions, one function per pair of kinds.

//! Inputs and outputs of single conversions may be URLs (see `source.rs` and `target.rs`);
//! folders are local.

use std::collections::HashSet;
use std::io::{Read, Seek};
use std::path::{Path, PathBuf};

use npio::{npz::Compression, NpyReader, NpzReader, NpzWriter};

use super::inputs::folder_inputs;
use super::source::{open_archive, open_npy, open_npz, with_archive};
use super::{member_error, Settings, Stats};
use crate::output::target::{self, Out, Pending};
use crate::output::{StagedFile, StagedFolder};
use crate::CliError;

fn new_archive(file: Out, settings: &Settings) -> NpzWriter<Out> {
    let mut npz = if file.is_stream() {
        NpzWriter::new_stream(file)
    } else {
        NpzWriter::new(file)
    };
    npz.set_compression(settings.compression.unwrap_or(Compression::Stored));
    npz.set_progress(settings.write_meter.counter());
    npz
}

fn finish_archive(npz: NpzWriter<Out>, pending: Pending, output: &Path) -> Result<(), CliError> {
    let file = npz.finish().map_err(|e| CliError::npio(output, e))?;
    pending.commit(file, output)
}

/// Writes one `.npy` stream as archive member `stored_name`, re-encoded as asked.
fn add_npy_member<R: Read>(
    npz: &mut NpzWriter<Out>,
    stored_name: &str,
    reader: NpyReader<R>,
    settings: &Settings,
) -> npio::Result<u64> {
    npz.add_transcoded(stored_name, reader, &settings.write)
}

fn one_array(bytes: u64) -> Stats {
    Stats {
        arrays: 1,
        others: 0,
        bytes,
    }
}

pub fn npy_to_npy(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let reader = open_npy(input, settings)?;
    let (pending, mut file) = target::create(output, &settings.guard, &[input])?;
    let bytes = reader
        .transcode(&mut file, &settings.write)
        .map_err(|e| CliError::npio(input, e))?;
    pending.commit(file, output)?;
    Ok(one_array(bytes))
}

/// One archive member (`FILE.npz:NAME` on the command line) into a `.npy` file.
pub fn member_to_npy(
    archive: &Path,
    member: &str,
    output: &Path,
    settings: &Settings,
) -> Result<Stats, CliError> {
    let source = open_archive(archive, settings)?;
    with_archive!(source, |npz| {
        let reader = npz
            .member_reader(member)
            .map_err(|e| member_error(archive, member, e))?;
        let (pending, mut file) = target::create(output, &settings.guard, &[archive])?;
        let bytes = reader
            .transcode(&mut file, &settings.write)
            .map_err(|e| member_error(archive, member, e))?;
        pending.commit(file, output)?;
        Ok(one_array(bytes))
    })
}

/// A member name for a relative path of `.npy` file: `/`-separated text.
fn member_name(relative: &Path, path: &Path) -> Result<String, CliError> {
    let parts: Option<Vec<&str>> = relative.iter().map(|p| p.to_str()).collect();
    parts.map(|p| p.join("/")).ok_or_else(|| {
        CliError::data(format!(
            "{}: the file name is not valid UTF-8, and an .npz member name must be text; \
             rename the file",
            path.display()
        ))
    })
}

pub fn npy_to_npz(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let name = input
        .file_name()
        .ok_or_else(|| CliError::usage(format!("{}: no file name", input.display())))?;
    let stem = member_name(Path::new(name), input)?;
    let stem = stem.strip_suffix(".npy").unwrap_or(&stem).to_string();
    let reader = open_npy(input, settings)?;
    let (pending, file) = target::create(output, &settings.guard, &[input])?;
    let mut npz = new_archive(file, settings);
    let bytes = add_npy_member(&mut npz, &format!("{stem}.npy"), reader, settings)
        .map_err(|e| CliError::npio(input, e))?;
    finish_archive(npz, pending, output)?;
    Ok(one_array(bytes))
}

pub fn folder_to_npz(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let found = folder_inputs(input, None)?;
    let names = found
        .files
        .iter()
        .map(|(relative, path)| member_name(relative, path))
        .collect::<Result<Vec<_>, _>>()?;
    if found.skipped > 0 && !settings.quiet {
        eprintln!(
            "npio: {}: packing {}, leaving {} out",
            input.display(),
            crate::show::count(found.files.len(), ".npy file", ".npy files"),
            crate::show::count(found.skipped, "other file", "other files"),
        );
    }
    let (pending, file) = target::create(output, &settings.guard, &[input])?;
    let mut npz = new_archive(file, settings);
    let mut stats = Stats::default();
    for (name, (_, path)) in names.iter().zip(&found.files) {
        let reader = open_npy(path, settings)?;
        stats.bytes += add_npy_member(&mut npz, name, reader, settings)
            .map_err(|e| CliError::npio(path, e))?;
        stats.arrays += 1;
    }
    finish_archive(npz, pending, output)?;
    Ok(stats)
}

pub fn folder_to_folder(
    input: &Path,
    output: &Path,
    settings: &Settings,
) -> Result<Stats, CliError> {
    let found = folder_inputs(input, Some(output))?;
    // Every target is checked before anything is converted.
    for (relative, _) in &found.files {
        settings.guard.check(&output.join(relative))?;
    }
    let mut folder = StagedFolder::create(output, &settings.guard)?;
    let mut stats = Stats::default();
    for (relative, path) in &found.files {
        let reader = open_npy(path, settings)?;
        let what = path.display().to_string();
        let mut file = folder.create_file(relative, &what, &settings.guard)?;
        stats.bytes += reader
            .transcode(&mut file, &settings.write)
            .map_err(|e| CliError::npio(path, e))?;
        file.into_file().map_err(|e| CliError::io(path, e))?;
        stats.arrays += 1;
    }
    folder.commit()?;
    Ok(stats)
}

/// The relative path of every member of an archive unpacked into a folder: `NAME.npy` for
/// arrays (nested names become folders), the stored name for other members. Refuses unsafe
/// names and members whose paths collide (`a.npy` and `a.npy/b.npy`, or two names for one
/// path) before anything is written.
fn unpacked_paths(
    input: &Path,
    members: &[npio::npz::MemberInfo],
) -> Result<Vec<PathBuf>, CliError> {
    let mut files = HashSet::new();
    let mut folders = HashSet::new();
    let mut out = Vec::with_capacity(members.len());
    for m in members {
        let name = if m.npy.is_some() {
            format!("{}.npy", m.name)
        } else {
            m.stored_name.clone()
        };
        let relative = npio::npz::member_path(&name).map_err(|e| CliError::npio(input, e))?;
        let collides = || {
            CliError::data(format!(
                "{}: member {:?} would be written to {}, which another member also needs; \
                 nothing was extracted",
                input.display(),
                m.stored_name,
                relative.display()
            ))
        };
        if folders.contains(&relative) || !files.insert(relative.clone()) {
            return Err(collides());
        }
        for parent in relative.ancestors().skip(1) {
            if parent.as_os_str().is_empty() {
                break;
            }
            if files.contains(parent) {
                return Err(collides());
            }
            folders.insert(parent.to_path_buf());
        }
        out.push(relative);
    }
    Ok(out)
}

pub fn npz_to_folder(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    with_archive!(open_npz(input, settings)?, |npz| {
        archive_to_folder(&mut npz, input, output, settings)
    })
}

fn archive_to_folder<R: Read + Seek + Clone + Send + Sync>(
    npz: &mut NpzReader<R>,
    input: &Path,
    output: &Path,
    settings: &Settings,
) -> Result<Stats, CliError> {
    let members = npz.members().map_err(|e| CliError::npio(input, e))?;
    let paths = unpacked_paths(input, &members)?;
    for relative in &paths {
        settings.guard.check(&output.join(relative))?;
    }
    let mut folder = StagedFolder::create(output, &settings.guard)?;
    let files = members
        .iter()
        .zip(&paths)
        .map(|(m, relative)| {
            let what = format!("{}: member {:?}", input.display(), m.stored_name);
            folder.reserve(relative, &what, &settings.guard)
        })
        .collect::<Result<Vec<_>, _>>()?;
    // Members are inflated and written several at a time: one member's inflating overlaps
    // another's writing.
    let results = crate::members::each_member(npz, &members, |npz, i| {
        unpack_member(npz, &members[i], &files[i], input, output, settings)
    });
    let mut stats = Stats::default();
    for result in results {
        stats.add(result?);
    }
    folder.commit()?;
    Ok(stats)
}

/// Writes one member of an archive to its file of the folder being unpacked.
fn unpack_member<R: Read + Seek>(
    npz: &mut NpzReader<R>,
    m: &npio::npz::MemberInfo,
    file: &StagedFile,
    input: &Path,
    output: &Path,
    settings: &Settings,
) -> Result<Stats, CliError> {
    let name = &m.stored_name;
    let mut file = file.create()?;
    let stats = if m.npy.is_some() {
        let reader = npz
            .member_reader(name)
            .map_err(|e| member_error(input, name, e))?;
        one_array(
            reader
                .transcode(&mut file, &settings.write)
                .map_err(|e| member_error(input, name, e))?,
        )
    } else {
        let mut reader = npz
            .raw_reader(name)
            .map_err(|e| member_error(input, name, e))?;
        Stats {
            arrays: 0,
            others: 1,
            bytes: std::io::copy(&mut reader, &mut file)
                .map_err(|e| member_error(input, name, e.into()))?,
        }
    };
    file.into_file().map_err(|e| CliError::io(output, e))?;
    Ok(stats)
}

pub fn npz_to_npz(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    with_archive!(open_npz(input, settings)?, |src| {
        archive_to_npz(&mut src, input, output, settings)
    })
}

fn archive_to_npz<R: Read + Seek>(
    src: &mut NpzReader<R>,
    input: &Path,
    output: &Path,
    settings: &Settings,
) -> Result<Stats, CliError> {
    let members = src.members().map_err(|e| CliError::npio(input, e))?;
    let (pending, file) = target::create(output, &settings.guard, &[input])?;
    let mut dst = new_archive(file, settings);
    let mut stats = Stats::default();
    for m in &members {
        // Without --compress or --store each member keeps its method.
        let keep = match m.method_name().as_ref() {
            "stored" => Compression::Stored,
            "zstd" => Compression::zstd(),
            _ => settings.deflate,
        };
        dst.set_compression(settings.compression.unwrap_or(keep));
        let name = &m.stored_name;
        if m.npy.is_some() {
            let reader = src
                .member_reader(name)
                .map_err(|e| member_error(input, name, e))?;
            stats.bytes += add_npy_member(&mut dst, name, reader, settings)
                .map_err(|e| member_error(input, name, e))?;
            stats.arrays += 1;
        } else {
            // Carried over unchanged, streaming.
            let copied = (|| -> npio::Result<u64> {
                let mut reader = src.raw_reader(name)?;
                let mut member = dst.start_member(name, m.size)?;
                let n = std::io::copy(&mut reader, &mut member)?;
                member.finish()?;
                Ok(n)
            })();
            stats.bytes += copied.map_err(|e| member_error(input, name, e))?;
            stats.others += 1;
        }
    }
    finish_archive(dst, pending, output)?;
    Ok(stats)
}
