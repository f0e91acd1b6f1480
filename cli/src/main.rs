//! `npio`: inspect, verify and batch-convert NumPy `.npy` and `.npz` files.
//!
//! ```text
//! npio info [--json] PATH...
//! npio verify PATH...
//! npio convert [OPTIONS] INPUT OUTPUT
//! npio convert [OPTIONS] --out-dir DIR INPUT...
//! npio cat [--out OUT] INPUT...
//! ```
//!
//! Exit codes: 0 success, 1 bad data or I/O error, 2 usage error, 130 interrupted.

mod arrayprint;
mod cat;
mod convert;
mod diff;
mod info;
mod manual;
mod members;
mod output;
mod progress;
mod remote;
mod show;
mod sniff;
mod stats;
mod verify;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// An error for the command line: a message, and whether it is a usage error (exit 2) or a
/// data or I/O error (exit 1).
#[derive(Debug)]
pub struct CliError {
    message: String,
    usage: bool,
    /// The reader of standard output went away (`npio cat big.npy | head -c 10`): exit as
    /// a killed-by-SIGPIPE tool does (status 141), without a message.
    pipe_closed: bool,
}

impl CliError {
    /// The same error with `note` added to its message.
    pub fn with_note(mut self, note: &str) -> CliError {
        self.message.push_str(note);
        self
    }

    /// A usage error (exit code 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            usage: true,
            pipe_closed: false,
        }
    }

    /// A data or I/O error (exit code 1).
    pub fn data(message: impl Into<String>) -> CliError {
        CliError {
            message: message.into(),
            usage: false,
            pipe_closed: false,
        }
    }

    /// Standard output's reader closed the pipe.
    pub fn pipe_closed() -> CliError {
        CliError {
            message: String::new(),
            usage: false,
            pipe_closed: true,
        }
    }

    /// An I/O error on a path.
    pub fn io(path: &Path, err: std::io::Error) -> CliError {
        CliError::data(format!("{}: {err}", path.display()))
    }

    /// A library error while working on a path (named once: errors of `open` name it already).
    pub fn npio(path: &Path, err: npio::Error) -> CliError {
        match err {
            npio::Error::Path { .. } => CliError::data(for_cli(format!("{err}{}", hint(&err)))),
            _ => CliError::data(for_cli(format!("{}: {err}{}", path.display(), hint(&err)))),
        }
    }
}

/// Runs `f` on a pool of `jobs` threads (the library's parallel work runs on the current
/// pool), or on the default one.
fn with_threads<T: Send>(
    jobs: Option<u32>,
    f: impl FnOnce() -> Result<T, CliError> + Send,
) -> Result<T, CliError> {
    let Some(jobs) = jobs else { return f() };
    rayon::ThreadPoolBuilder::new()
        .num_threads(jobs as usize)
        .build()
        .map_err(|e| CliError::data(format!("cannot start {jobs} worker threads: {e}")))?
        .install(f)
}

/// A library message in a command-line user's terms: library APIs and zip internals named
/// in the message are replaced by what the user can do or what they mean.
pub fn for_cli(message: String) -> String {
    const WORDS: [(&str, &str); 7] = [
        (
            "; if you trust this file, raise the limit with ReadOptions::max_header_size",
            "; if you trust this file, raise the limit",
        ),
        (
            " (allow it with ReadOptions::allow_trailing_data)",
            " (np.load ignores such bytes; npio refuses them)",
        ),
        (
            "; raise the limit with ReadOptions::max_data_size",
            "; raise the limit if you trust the file",
        ),
        ("; read it with npio::NpzReader", ""),
        (
            "invalid Zip archive: Could not find EOCD",
            "not a zip archive, or cut short: its end record is missing",
        ),
        ("Invalid checksum", "member data fails its CRC-32 check"),
        (
            "; read it with a copying reader (npio::read_npy, NpyReader) instead",
            "",
        ),
    ];
    WORDS
        .iter()
        .fold(message, |m, (library, cli)| m.replace(library, cli))
}

/// What the command line offers for an error the library reports in its own terms.
pub fn hint(err: &npio::Error) -> &'static str {
    match err.root() {
        npio::Error::HeaderTooLarge { .. } => " (command line: --max-header-size BYTES)",
        npio::Error::BadMagic { found } if found.starts_with(b"PK") => {
            " (npio info and npio convert read .npz archives)"
        }
        _ => "",
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

#[derive(Parser)]
#[command(
    name = "npio",
    version,
    about = "Inspect, verify and convert NumPy .npy and .npz files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show headers of .npy files and members of .npz archives (reads headers only).
    Info(InfoArgs),
    /// Read every byte of every array, checking sizes, CRCs and bool values.
    Verify(VerifyArgs),
    /// Convert between .npy files, .npz archives and folders of .npy files.
    Convert(ConvertArgs),
    /// Concatenate arrays along axis 0 (streaming): .npy files or FILE.npz:NAME members.
    Cat(CatArgs),
    /// Compare two arrays or two archives member by member: exit 0 equal, 1 different, 2 on
    /// errors.
    Diff(DiffArgs),
    /// Count, min, max, mean, NaN and infinity counts of each array (each record field),
    /// streaming.
    Stats(StatsArgs),
    /// Print an array's values as NumPy prints them (str(array)).
    Show(ShowArgs),
    /// Print a shell completion script (e.g. `npio completions bash > /etc/bash_completion.d/npio`).
    Completions {
        /// The shell: bash, elvish, fish, powershell or zsh.
        shell: clap_complete::Shell,
    },
    /// Print the man page (e.g. `npio man > npio.1; man ./npio.1`).
    Man,
}

#[derive(Args)]
struct CatArgs {
    /// Write the result here, a path or a URL (default: standard output).
    #[arg(long, value_name = "OUT")]
    out: Option<PathBuf>,
    /// Overwrite an existing OUT.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// .npy files or archive members written FILE.npz:NAME, or their URLs (s3://, gs://,
    /// az://, http(s)://).
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
}

#[derive(Args)]
struct DiffArgs {
    /// Relative tolerance for numbers: |a - b| <= atol + rtol * |b|, as np.isclose (default 0:
    /// exact).
    #[arg(long, value_name = "R", default_value_t = 0.0)]
    rtol: f64,
    /// Absolute tolerance for numbers (default 0: exact).
    #[arg(long, value_name = "A", default_value_t = 0.0)]
    atol: f64,
    /// Print one JSON object describing every member.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// A .npy file, an .npz archive, or an archive member FILE.npz:NAME (or a URL to one).
    #[arg(value_name = "A")]
    a: String,
    /// What A is compared with (the reference, as np.isclose's b).
    #[arg(value_name = "B")]
    b: String,
}

#[derive(Args)]
struct StatsArgs {
    /// Print JSON: an array with one object per array (per record field).
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// .npy files, .npz archives (every array member), members FILE.npz:NAME, or URLs.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<String>,
}

#[derive(Args)]
struct ShowArgs {
    /// Only rows START:STOP (Python's slice: -3: is the last three).
    #[arg(long, value_name = "A:B", allow_hyphen_values = true)]
    rows: Option<String>,
    /// Only these fields of a record array, comma-separated.
    #[arg(long, value_name = "F,G")]
    fields: Option<String>,
    /// Print every element (NumPy summarises arrays of more than 1000 with ...).
    #[arg(long)]
    full: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// A .npy file or an archive member FILE.npz:NAME (or a URL to one).
    #[arg(value_name = "PATH")]
    path: String,
}

/// The header size limit, shared by every command.
#[derive(Args, Clone, Copy)]
struct LimitArgs {
    /// Largest .npy header accepted, in bytes (NumPy's default is 10000; files with thousands
    /// of record fields need more).
    #[arg(long, value_name = "BYTES", default_value_t = npio::npy::DEFAULT_MAX_HEADER_SIZE)]
    max_header_size: usize,
}

impl LimitArgs {
    fn read_options(self) -> npio::ReadOptions {
        npio::ReadOptions::default().max_header_size(self.max_header_size)
    }
}

#[derive(Args)]
struct InfoArgs {
    /// Print JSON: one object for one path, an array of objects for several.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// .npy or .npz files, folders, or URLs (s3://, gs://, az://, http(s)://, configured by the
    /// standard environment variables: AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Args)]
struct VerifyArgs {
    #[command(flatten)]
    limits: LimitArgs,
    /// Threads: archive members are verified several at a time (default: the number of cores).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// .npy or .npz files, folders, or URLs (s3://, gs://, az://, http(s)://, configured by the
    /// standard environment variables: AWS_ENDPOINT_URL, AWS_REGION, AWS_ACCESS_KEY_ID, ...).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum)]
enum EndianArg {
    Little,
    Big,
    Native,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CodecArg {
    Deflate,
    Zstd,
}

#[derive(Clone, Copy, ValueEnum)]
enum OrderArg {
    C,
    F,
}

#[derive(Args)]
struct ConvertArgs {
    /// Compress npz members: deflate (the encoder chosen per member for NumPy's size, unless
    /// --level), or zstd with --codec zstd.
    #[arg(long, conflicts_with = "store")]
    compress: bool,
    /// Store npz members uncompressed (data 64-byte aligned).
    #[arg(long)]
    store: bool,
    /// How to compress npz members (implies --compress): deflate, which every NumPy reads, or
    /// zstd, several times faster at a similar size, which NumPy reads on Python 3.14 and
    /// later (or with the backports.zstd package).
    #[arg(long, value_enum, conflicts_with = "store")]
    codec: Option<CodecArg>,
    /// Compression level for npz members (implies --compress): deflate 0-9, zstd 1-22
    /// (default 3).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=22), conflicts_with = "store")]
    level: Option<u32>,
    /// Byte order of the output data (record fields too).
    #[arg(long, value_enum)]
    endian: Option<EndianArg>,
    /// Memory order of the output data.
    #[arg(long, value_enum)]
    order: Option<OrderArg>,
    /// Threads for the whole run: inputs converted in parallel with --out-dir, and the
    /// parallel reading and compressing inside each conversion (default: the number of cores).
    /// With --out-dir and more than one, one more thread syncs and renames finished outputs
    /// into place meanwhile (it mostly waits on the disk).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    jobs: Option<u32>,
    /// Overwrite existing outputs (inputs are never overwritten).
    #[arg(long)]
    force: bool,
    /// No progress bar and no per-file messages.
    #[arg(long)]
    quiet: bool,
    #[command(flatten)]
    limits: LimitArgs,
    /// Convert every INPUT into this folder, keeping file names.
    #[arg(long, value_name = "DIR")]
    out_dir: Option<PathBuf>,
    /// With --out-dir: write each .npz INPUT as a folder DIR/NAME/ of .npy files (NAME is the
    /// archive's name without .npz; nested member names become folders).
    #[arg(long, requires = "out_dir")]
    unpack: bool,
    /// INPUT OUTPUT, or with --out-dir: INPUT... (without --out-dir, either may be a URL:
    /// s3://, gs://, az://, http(s)://; objects are .npy or .npz files, members URL.npz:NAME).
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
}

impl ConvertArgs {
    fn settings(&self, cancel: &output::Cancel) -> Result<convert::Settings, CliError> {
        let mut write = npio::WriteOptions::default();
        if let Some(e) = self.endian {
            write = write.endian(match e {
                EndianArg::Little => npio::dtype::Endian::Little,
                EndianArg::Big => npio::dtype::Endian::Big,
                EndianArg::Native => npio::dtype::Endian::NATIVE,
            });
        }
        if let Some(o) = self.order {
            write = write.order(match o {
                OrderArg::C => npio::npy::Order::C,
                OrderArg::F => npio::npy::Order::Fortran,
            });
        }
        let deflate = match (self.codec, self.level) {
            (Some(CodecArg::Zstd), _) => npio::npz::Compression::Deflated { level: 6 },
            (_, Some(level)) if level > 9 => {
                return Err(CliError::usage(format!(
                    "--level {level}: deflate levels are 0-9 (zstd takes 1-22 with --codec zstd)"
                )))
            }
            (_, Some(level)) => npio::npz::Compression::Deflated { level },
            (_, None) => npio::npz::Compression::Auto,
        };
        let zstd = match self.level {
            Some(0) if self.codec == Some(CodecArg::Zstd) => {
                return Err(CliError::usage("--level 0: zstd levels are 1-22"))
            }
            Some(level) if self.codec == Some(CodecArg::Zstd) => npio::npz::Compression::Zstd {
                level: level as i32,
            },
            _ => npio::npz::Compression::zstd(),
        };
        let compression = if self.store {
            Some(npio::npz::Compression::Stored)
        } else if self.codec == Some(CodecArg::Zstd) {
            Some(zstd)
        } else if self.compress || self.codec.is_some() || self.level.is_some() {
            Some(deflate)
        } else {
            None
        };
        Ok(convert::Settings {
            write,
            compression,
            deflate,
            read: self.limits.read_options(),
            guard: output::Guard::new(self.force, cancel),
            quiet: self.quiet,
            unpack: self.unpack,
            read_meter: Default::default(),
            write_meter: Default::default(),
        })
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Ctrl-C, SIGTERM, SIGHUP: stop writing and remove temporary files (within a second, or
    // at once on a second signal).
    let cancel = output::Cancel::default();
    output::install_signal_handler(&cancel);
    let result = match cli.command {
        Command::Completions { shell } => manual::completions(shell),
        Command::Man => manual::man(),
        Command::Info(args) => info::run(&args.paths, args.json, args.limits.read_options()),
        Command::Verify(args) => with_threads(args.jobs, || {
            verify::run(&args.paths, args.limits.read_options())
        }),
        Command::Cat(args) => cat::run(
            &args.inputs,
            args.out.as_deref(),
            args.force,
            args.limits.read_options(),
            &cancel,
        ),
        Command::Diff(args) => diff::run(
            &args.a,
            &args.b,
            diff::Tolerance {
                rtol: args.rtol,
                atol: args.atol,
            },
            args.json,
            args.limits.read_options(),
        ),
        Command::Show(args) => arrayprint::run(
            &args.path,
            args.rows.as_deref(),
            args.fields.as_deref(),
            args.full,
            args.limits.read_options(),
        ),
        Command::Stats(args) => stats::run(&args.paths, args.json, args.limits.read_options()),
        Command::Convert(args) => match args.settings(&cancel) {
            Err(e) => Err(e),
            Ok(settings) => match &args.out_dir {
                Some(dir) => convert::run_batch(&args.paths, dir, settings, args.jobs),
                None => match args.paths.as_slice() {
                    [input, output] => with_threads(args.jobs, || {
                        convert::run_single(input, output, settings)
                    }),
                    _ => Err(CliError::usage(
                        "convert takes INPUT OUTPUT, or --out-dir DIR INPUT... (see npio convert --help)",
                    )),
                },
            },
        },
    };
    if cancel.is_set() {
        eprintln!("npio: interrupted");
        return ExitCode::from(130);
    }
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) if err.pipe_closed => ExitCode::from(141),
        Err(err) => {
            eprintln!("npio: {err}");
            ExitCode::from(if err.usage { 2 } else { 1 })
        }
    }
}
