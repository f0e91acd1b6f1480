//! `npio convert`: between `.npy` files, `.npz` archives and folders of `.npy` files, one
//! pair at a time or many inputs in parallel into a folder.
//!
//! Arrays are re-encoded streaming (bounded memory) unless the memory order changes; every
//! output is written under a temporary name and put in place whole (files and whole folders).
//! A conversion that finds nothing to convert fails; so does an option that would be ignored.

mod batch;
mod inputs;
mod pairs;
mod source;

use std::io::IsTerminal;
use std::path::Path;

use npio::{npz::Compression, ReadOptions, WriteOptions};

pub use batch::run_batch;
pub use inputs::{expand_folders, Kind};

use crate::output::Guard;
use crate::show::count;
use crate::CliError;

/// Everything the options decide.
pub struct Settings {
    /// Byte order and memory order of outputs.
    pub write: WriteOptions,
    /// npz compression: `None` keeps each member's (npz -> npz) or stores (new archives).
    pub compression: Option<Compression>,
    /// Compression of members that stay deflated (`--level N`, or npio's choice per member);
    /// zstd members that stay zstd keep zstd's default level.
    pub deflate: Compression,
    /// Header size limit.
    pub read: ReadOptions,
    /// Overwrite rules.
    pub guard: Guard,
    /// No per-file messages or progress.
    pub quiet: bool,
    /// Batch mode: write each archive as a folder of `.npy` files.
    pub unpack: bool,
    /// Bytes read from the inputs (the progress of conversions to `.npy`).
    pub read_meter: crate::progress::Meter,
    /// Member bytes compressed or stored into archives (the progress of conversions to
    /// `.npz`, whose slow part is compressing).
    pub write_meter: crate::progress::Meter,
}

impl Settings {
    /// A usage error when compression options were given but no archive will be written.
    fn check_compression_used(&self, writes_archive: bool) -> Result<(), CliError> {
        if self.compression.is_some() && !writes_archive {
            return Err(CliError::usage(
                "--compress, --store and --level apply to .npz outputs, and this conversion \
                 writes none",
            ));
        }
        Ok(())
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

    /// `3 arrays, 1 other member, 1.5 MiB`.
    fn summary(&self) -> String {
        format!(
            "{}, {}, {}",
            count(self.arrays, "array", "arrays"),
            count(self.others, "other member", "other members"),
            indicatif::HumanBytes(self.bytes)
        )
    }
}

/// An error inside an archive member, named once.
pub fn member_error(path: &Path, member: &str, err: npio::Error) -> CliError {
    // A reader opened by URL names it in its errors already.
    let err = match err {
        npio::Error::Path { source, .. } if !matches!(*source, npio::Error::Member { .. }) => {
            *source
        }
        other => other,
    };
    match err {
        npio::Error::Member { .. } => CliError::npio(path, err),
        other => CliError::data(crate::for_cli(format!(
            "{}: npz member {member:?}: {other}{}",
            path.display(),
            crate::hint(&other)
        ))),
    }
}

/// Converts `input` (of kind `from`) into `output` (of kind `to`).
fn convert(
    input: &Path,
    from: Kind,
    output: &Path,
    to: Kind,
    settings: &Settings,
) -> Result<Stats, CliError> {
    match (from, to) {
        (Kind::Npy, Kind::Npy) => pairs::npy_to_npy(input, output, settings),
        (Kind::Npy, Kind::Npz) => pairs::npy_to_npz(input, output, settings),
        (Kind::Npy, Kind::Folder) => {
            let name = input
                .file_name()
                .ok_or_else(|| CliError::usage(format!("{}: no file name", input.display())))?;
            pairs::npy_to_npy(input, &output.join(name), settings)
        }
        (Kind::Npz, Kind::Npz) => pairs::npz_to_npz(input, output, settings),
        (Kind::Npz, Kind::Folder) => pairs::npz_to_folder(input, output, settings),
        (Kind::Folder, Kind::Npz) => pairs::folder_to_npz(input, output, settings),
        (Kind::Folder, Kind::Folder) => pairs::folder_to_folder(input, output, settings),
        (Kind::Npz, Kind::Npy) => Err(CliError::usage(format!(
            "cannot convert the archive {} into a single .npy file {}: name one member \
             ({}:NAME), or unpack it into a folder (OUT/)",
            input.display(),
            output.display(),
            input.display()
        ))),
        (Kind::Folder, Kind::Npy) => Err(CliError::usage(format!(
            "cannot convert the folder {} into a single .npy file {}: pack it into an \
             archive (OUT.npz) or copy it to a folder (OUT/)",
            input.display(),
            output.display()
        ))),
    }
}

/// The total size of the files a conversion reads (for the progress bar).
fn input_bytes(input: &Path) -> u64 {
    match inputs::npy_files(input, None) {
        Ok(found) if input.is_dir() => found
            .files
            .iter()
            .filter_map(|(_, p)| p.metadata().ok())
            .map(|m| m.len())
            .sum(),
        _ => input.metadata().map_or(0, |m| m.len()),
    }
}

/// The `.npy` bytes an archive written from `input` will hold (what the writer's progress
/// counts): the `.npy` files' sizes, or an archive's members' uncompressed sizes.
fn member_bytes(input: &Path) -> u64 {
    if matches!(crate::sniff::sniff(input), Ok(crate::sniff::FileKind::Npz)) {
        return npio::NpzReader::open(input)
            .and_then(|mut npz| npz.members())
            .map_or(0, |members| members.iter().map(|m| m.size).sum());
    }
    input_bytes(input)
}

/// `npio convert INPUT OUTPUT`.
pub fn run_single(input: &Path, output: &Path, mut settings: Settings) -> Result<bool, CliError> {
    if settings.unpack {
        return Err(CliError::usage(
            "--unpack goes with --out-dir (for one archive, name a folder: npio convert A.npz OUT/)",
        ));
    }
    let to = inputs::output_kind(output)?;
    settings.check_compression_used(to == Kind::Npz)?;
    if crate::remote::url(input).is_some() || crate::remote::url(output).is_some() {
        return run_remote(input, output, to, &settings);
    }
    if let Some((archive, member)) = crate::sniff::member_spec(input) {
        if to != Kind::Npy {
            return Err(CliError::usage(format!(
                "{}: one archive member converts to a .npy file; name the output OUT.npy",
                input.display()
            )));
        }
        settings.guard.add_input(&archive);
        let stats = pairs::member_to_npy(&archive, &member, output, &settings)?;
        return Ok(said(input, output, &stats, &settings));
    }
    let from = inputs::register_input(&mut settings.guard, input)?;
    let visible = !settings.quiet && std::io::stderr().is_terminal();
    // The total is only worth a second walk of an input folder when the bar is shown.
    let (total, meter) = match (visible, to) {
        (false, _) => (0, &settings.read_meter),
        (true, Kind::Npz) => (member_bytes(input), &settings.write_meter),
        (true, _) => (input_bytes(input), &settings.read_meter),
    };
    let bar = crate::progress::ByteBar::start(total, visible, meter);
    let result = convert(input, from, output, to, &settings);
    bar.finish();
    let stats = result?;
    Ok(said(input, output, &stats, &settings))
}

/// `npio convert` where the input or the output is a URL (`s3://`, `gs://`, `az://`,
/// `http(s)://`): objects are `.npy` files or `.npz` archives (members as `URL.npz:NAME`),
/// never folders; the other side may be a local file or folder.
fn run_remote(
    input: &Path,
    output: &Path,
    to: Kind,
    settings: &Settings,
) -> Result<bool, CliError> {
    if crate::remote::url(output).is_some() && to == Kind::Folder {
        return Err(CliError::usage(format!(
            "{}: an object-storage output is one object: name it .npy or .npz",
            output.display()
        )));
    }
    if let Some((archive, member)) = crate::remote::member_spec(input) {
        if to != Kind::Npy {
            return Err(CliError::usage(format!(
                "{}: one archive member converts to a .npy file; name the output OUT.npy",
                input.display()
            )));
        }
        let stats = pairs::member_to_npy(&archive, &member, output, settings)?;
        return Ok(said(input, output, &stats, settings));
    }
    let from = match crate::remote::url(input) {
        Some(url) => crate::remote::kind(url, &settings.read)?,
        None => {
            let mut guard = settings.guard.clone();
            inputs::register_input(&mut guard, input)?
        }
    };
    let stats = convert(input, from, output, to, settings)?;
    Ok(said(input, output, &stats, settings))
}

/// Says what one conversion did (unless `--quiet`); `true`.
fn said(input: &Path, output: &Path, stats: &Stats, settings: &Settings) -> bool {
    if !settings.quiet {
        eprintln!(
            "npio: {} -> {}: {}",
            input.display(),
            output.display(),
            stats.summary()
        );
    }
    true
}
