//! `npio convert`: between `.npy` files, `.npz` archives and folders of `.npy` files, one
//! pair at a time or many inputs in parallel into a folder.
//!
//! Arrays are re-encoded streaming (bounded memory) unless the memory order changes; every
//! output is written to a temporary file and renamed into place.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io::{BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use npio::{Compression, NpyReader, NpzReader, NpzWriter, ReadOptions, WriteOptions};
use rayon::prelude::*;

use crate::output::{check_inside, member_path, Guard, OutputFile, TempOutput};
use crate::CliError;

/// Deflated members up to this size are converted in memory so that they can be compressed
/// in parallel; larger ones stream through one compressor in bounded memory.
const BUFFERED_MEMBER_MAX: u64 = 64 << 20;

/// Everything the options decide.
pub struct Settings {
    /// Byte order and memory order of outputs.
    pub write: WriteOptions,
    /// npz compression: `None` keeps each member's (npz -> npz) or stores (new archives).
    pub compression: Option<Compression>,
    /// Compression of members that stay deflated (`--level N`, or npio's choice per member).
    pub deflate: Compression,
    /// Header size limit.
    pub read: ReadOptions,
    /// Overwrite rules.
    pub guard: Guard,
    /// No per-file messages or progress.
    pub quiet: bool,
}

/// What a path names for `convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Npy,
    Npz,
    Folder,
}

fn kind_of(path: &Path) -> Result<Kind, CliError> {
    if path.as_os_str().to_string_lossy().ends_with('/') || path.is_dir() {
        return Ok(Kind::Folder);
    }
    match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("npy") => Ok(Kind::Npy),
        Some("npz") => Ok(Kind::Npz),
        _ => Err(CliError::usage(format!(
            "cannot tell what {} is: name it .npy or .npz, or give a folder (existing, or ending in /)",
            path.display()
        ))),
    }
}

/// What one conversion produced.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    arrays: usize,
    others: usize,
    bytes: u64,
}

impl Stats {
    fn add(&mut self, other: Stats) {
        self.arrays += other.arrays;
        self.others += other.others;
        self.bytes += other.bytes;
    }
}

/// An error inside an archive member, named once.
pub fn member_error(path: &Path, member: &str, err: npio::Error) -> CliError {
    match err {
        npio::Error::Member { .. } => CliError::npio(path, err),
        other => CliError::data(format!(
            "{}: npz member {member:?}: {other}",
            path.display()
        )),
    }
}

fn open_npy(path: &Path, settings: &Settings) -> Result<NpyReader<BufReader<File>>, CliError> {
    let file = File::open(path).map_err(|e| CliError::io(path, e))?;
    NpyReader::new_seekable(
        BufReader::with_capacity(1 << 20, file),
        settings.read.clone(),
    )
    .map_err(|e| CliError::npio(path, e))
}

fn new_archive(file: OutputFile, settings: &Settings) -> NpzWriter<OutputFile> {
    NpzWriter::with_compression(file, settings.compression.unwrap_or(Compression::Stored))
}

fn finish_archive(
    npz: NpzWriter<OutputFile>,
    tmp: TempOutput,
    output: &Path,
) -> Result<(), CliError> {
    let file = npz.finish().map_err(|e| CliError::npio(output, e))?;
    tmp.commit(file)
}

/// Writes one `.npy` stream as archive member `stored_name`, re-encoded as asked.
fn add_npy_member<R: Read>(
    npz: &mut NpzWriter<OutputFile>,
    stored_name: &str,
    reader: NpyReader<R>,
    settings: &Settings,
) -> npio::Result<u64> {
    let len = npio::transcoded_len(reader.header(), &settings.write)?;
    if npz.compression() != Compression::Stored && len <= BUFFERED_MEMBER_MAX {
        // Small enough to hold: deflated on all cores, at a level chosen from the data.
        let mut bytes = Vec::with_capacity(len as usize);
        npio::transcode(reader, &mut bytes, &settings.write)?;
        npz.add_raw(stored_name, bytes)?;
        return Ok(len);
    }
    let mut member = npz.start_member(stored_name, len)?;
    npio::transcode(reader, &mut member, &settings.write)?;
    member.finish()?;
    Ok(len)
}

fn npy_to_npy(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let reader = open_npy(input, settings)?;
    let (tmp, mut file) = TempOutput::create(output, &settings.guard)?;
    let bytes = npio::transcode(reader, &mut file, &settings.write)
        .map_err(|e| CliError::npio(input, e))?;
    tmp.commit(file)?;
    Ok(Stats {
        arrays: 1,
        others: 0,
        bytes,
    })
}

fn npy_to_npz(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .ok_or_else(|| CliError::usage(format!("{}: no file name", input.display())))?;
    let reader = open_npy(input, settings)?;
    let (tmp, file) = TempOutput::create(output, &settings.guard)?;
    let mut npz = new_archive(file, settings);
    let bytes = add_npy_member(&mut npz, &format!("{stem}.npy"), reader, settings)
        .map_err(|e| CliError::npio(input, e))?;
    finish_archive(npz, tmp, output)?;
    Ok(Stats {
        arrays: 1,
        others: 0,
        bytes,
    })
}

/// Every `.npy` under `dir` as (member name without `.npy`, path), sorted by name. Symlinks
/// are refused rather than followed out of the folder, and so is anything that is not a
/// regular file or a folder; other files are counted.
fn npy_files(dir: &Path) -> Result<(Vec<(String, PathBuf)>, usize), CliError> {
    let mut found = Vec::new();
    let mut skipped = 0;
    let mut pending = vec![(dir.to_path_buf(), String::new())];
    while let Some((folder, prefix)) = pending.pop() {
        for entry in fs::read_dir(&folder).map_err(|e| CliError::io(&folder, e))? {
            let entry = entry.map_err(|e| CliError::io(&folder, e))?;
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let kind = entry.file_type().map_err(|e| CliError::io(&path, e))?;
            if kind.is_symlink() {
                return Err(CliError::data(format!(
                    "{}: is a symlink; npio does not follow links when packing a folder",
                    path.display()
                )));
            } else if kind.is_dir() {
                pending.push((path, format!("{prefix}{name}/")));
            } else if !kind.is_file() {
                // Opening a FIFO would wait for a writer forever; a device never ends.
                return Err(CliError::data(format!(
                    "{}: is not a regular file (a FIFO, socket or device); refusing to read it",
                    path.display()
                )));
            } else if let Some(stem) = name.strip_suffix(".npy") {
                found.push((format!("{prefix}{stem}"), path));
            } else {
                skipped += 1;
            }
        }
    }
    found.sort();
    Ok((found, skipped))
}

fn folder_to_npz(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let (files, skipped) = npy_files(input)?;
    if skipped > 0 && !settings.quiet {
        eprintln!(
            "npio: {}: packing {} .npy files, leaving {skipped} other files out",
            input.display(),
            files.len()
        );
    }
    let (tmp, file) = TempOutput::create(output, &settings.guard)?;
    let mut npz = new_archive(file, settings);
    let mut stats = Stats::default();
    for (name, path) in &files {
        let reader = open_npy(path, settings)?;
        stats.bytes += add_npy_member(&mut npz, &format!("{name}.npy"), reader, settings)
            .map_err(|e| CliError::npio(path, e))?;
        stats.arrays += 1;
    }
    finish_archive(npz, tmp, output)?;
    Ok(stats)
}

fn folder_to_folder(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let (files, _) = npy_files(input)?;
    let mut stats = Stats::default();
    for (name, path) in &files {
        let target = member_path(output, &format!("{name}.npy"))?;
        stats.add(npy_to_npy(path, &target, settings)?);
    }
    Ok(stats)
}

fn npz_to_folder(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let mut npz =
        NpzReader::open_with(input, settings.read.clone()).map_err(|e| CliError::npio(input, e))?;
    let members = npz.members().map_err(|e| CliError::npio(input, e))?;
    // Every target is checked before anything is written: a hostile name stops the whole
    // extraction, not half of it.
    let mut seen = HashSet::new();
    let mut targets = Vec::with_capacity(members.len());
    for m in &members {
        // Arrays become NAME.npy (nested names become folders); other members keep their name.
        let relative = if m.npy.is_some() {
            format!("{}.npy", m.name)
        } else {
            m.stored_name.clone()
        };
        let target = member_path(output, &relative)
            .map_err(|e| CliError::data(format!("{}: {e}", input.display())))?;
        if !seen.insert(target.clone()) {
            return Err(CliError::data(format!(
                "{}: two members would both be written to {}",
                input.display(),
                target.display()
            )));
        }
        targets.push(target);
    }
    fs::create_dir_all(output).map_err(|e| CliError::io(output, e))?;
    let mut stats = Stats::default();
    for (m, target) in members.iter().zip(&targets) {
        check_inside(output, target, &m.stored_name)?;
        let (tmp, mut file) = TempOutput::create(target, &settings.guard)?;
        if m.npy.is_some() {
            let reader = npz
                .member_reader(&m.stored_name)
                .map_err(|e| member_error(input, &m.stored_name, e))?;
            stats.bytes += npio::transcode(reader, &mut file, &settings.write)
                .map_err(|e| member_error(input, &m.stored_name, e))?;
            stats.arrays += 1;
        } else {
            let mut reader = npz
                .raw_reader(&m.stored_name)
                .map_err(|e| member_error(input, &m.stored_name, e))?;
            stats.bytes += std::io::copy(&mut reader, &mut file)
                .map_err(|e| member_error(input, &m.stored_name, e.into()))?;
            stats.others += 1;
        }
        tmp.commit(file)?;
    }
    Ok(stats)
}

fn npz_to_npz(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    let mut src =
        NpzReader::open_with(input, settings.read.clone()).map_err(|e| CliError::npio(input, e))?;
    let members = src.members().map_err(|e| CliError::npio(input, e))?;
    let (tmp, file) = TempOutput::create(output, &settings.guard)?;
    let mut dst = NpzWriter::new(file);
    let mut stats = Stats::default();
    for m in &members {
        let keep = if m.compressed {
            settings.deflate
        } else {
            Compression::Stored
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
    finish_archive(dst, tmp, output)?;
    Ok(stats)
}

/// Converts `input` into `output`, each a `.npy` file, an `.npz` archive or a folder.
fn convert(input: &Path, output: &Path, settings: &Settings) -> Result<Stats, CliError> {
    if !input.exists() {
        return Err(CliError::data(format!(
            "{}: no such file or folder",
            input.display()
        )));
    }
    match (kind_of(input)?, kind_of(output)?) {
        (Kind::Npy, Kind::Npy) => npy_to_npy(input, output, settings),
        (Kind::Npy, Kind::Npz) => npy_to_npz(input, output, settings),
        (Kind::Npy, Kind::Folder) => {
            let name = input
                .file_name()
                .ok_or_else(|| CliError::usage(format!("{}: no file name", input.display())))?;
            npy_to_npy(input, &output.join(name), settings)
        }
        (Kind::Npz, Kind::Npz) => npz_to_npz(input, output, settings),
        (Kind::Npz, Kind::Folder) => npz_to_folder(input, output, settings),
        (Kind::Folder, Kind::Npz) => folder_to_npz(input, output, settings),
        (Kind::Folder, Kind::Folder) => folder_to_folder(input, output, settings),
        (Kind::Npz, Kind::Npy) | (Kind::Folder, Kind::Npy) => Err(CliError::usage(format!(
            "cannot convert {} into a single .npy file {}: convert it to a folder instead",
            input.display(),
            output.display()
        ))),
    }
}

fn canonical_inputs(inputs: &[PathBuf]) -> Vec<PathBuf> {
    inputs
        .iter()
        .filter_map(|p| p.canonicalize().ok())
        .collect()
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

/// `npio convert INPUT OUTPUT`.
pub fn run_single(input: &Path, output: &Path, mut settings: Settings) -> Result<bool, CliError> {
    settings.guard.inputs = canonical_inputs(&[input.to_path_buf()]);
    let stats = convert(input, output, &settings)?;
    if !settings.quiet {
        eprintln!(
            "npio: {} -> {}: {} arrays, {} other members, {}",
            input.display(),
            output.display(),
            stats.arrays,
            stats.others,
            human_bytes(stats.bytes)
        );
    }
    Ok(true)
}

/// `npio convert --out-dir DIR INPUT...`: each input into DIR under its own name, in parallel.
pub fn run_batch(
    inputs: &[PathBuf],
    out_dir: &Path,
    mut settings: Settings,
    jobs: Option<u32>,
) -> Result<bool, CliError> {
    settings.guard.inputs = canonical_inputs(inputs);
    fs::create_dir_all(out_dir).map_err(|e| CliError::io(out_dir, e))?;
    let mut first_claim: HashMap<PathBuf, PathBuf> = HashMap::new();
    let tasks: Vec<(PathBuf, Result<PathBuf, CliError>)> = inputs
        .iter()
        .map(|input| {
            let target = match input.file_name() {
                Some(name) => {
                    let target = out_dir.join(name);
                    match first_claim.get(&target) {
                        Some(other) => Err(CliError::data(format!(
                            "{}: same output name as {}; not converted",
                            input.display(),
                            other.display()
                        ))),
                        None => {
                            first_claim.insert(target.clone(), input.clone());
                            Ok(target)
                        }
                    }
                }
                None => Err(CliError::usage(format!(
                    "{}: no file name",
                    input.display()
                ))),
            };
            (input.clone(), target)
        })
        .collect();
    let threads = jobs
        .map(|j| j as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::data(format!("cannot start {threads} worker threads: {e}")))?;
    let bar = if settings.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(tasks.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} {elapsed_precise} eta {eta} {wide_msg}",
        ) {
            bar.set_style(style);
        }
        bar
    };
    let started = Instant::now();
    crate::output::defer_commits();
    let results: Vec<Result<Stats, CliError>> = pool.install(|| {
        tasks
            .par_iter()
            .map(|(input, target)| {
                let result = match target {
                    Ok(target) => convert(input, target, &settings),
                    Err(e) => Err(CliError::data(e.to_string())),
                };
                if let Err(err) = &result {
                    bar.suspend(|| eprintln!("npio: {err}"));
                }
                bar.set_message(input.display().to_string());
                bar.inc(1);
                result
            })
            .collect()
    });
    bar.finish_and_clear();
    // One sync for the whole batch, then every finished output is renamed into place.
    let unplaced = crate::output::commit_deferred();
    for err in &unplaced {
        eprintln!("npio: {err}");
    }
    let mut total = Stats::default();
    // An output that could not be put in place counts as a failed input.
    let mut failed = unplaced.len().min(results.len());
    for result in &results {
        match result {
            Ok(stats) => total.add(*stats),
            Err(_) => failed += 1,
        }
    }
    eprintln!(
        "npio: converted {} of {} inputs into {} ({} arrays, {} other members, {}) in {:.2} s{}",
        results.len() - failed,
        results.len(),
        out_dir.display(),
        total.arrays,
        total.others,
        human_bytes(total.bytes),
        started.elapsed().as_secs_f64(),
        if failed > 0 {
            format!("; {failed} failed")
        } else {
            String::new()
        }
    );
    Ok(failed == 0)
}
