//! What `convert` reads: the kind of each path, the `.npy` files of a folder (file names
//! kept as the file system has them), and the registration of every input file so that no
//! output can replace one.

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};

use crate::output::{Guard, Identity};
use crate::sniff::{sniff, FileKind};
use crate::CliError;

/// What a path names for `convert`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A `.npy` file.
    Npy,
    /// An `.npz` archive.
    Npz,
    /// A folder of `.npy` files.
    Folder,
}

/// The kind of an existing input: a folder, or a file recognised by its extension or, without
/// one, by its first bytes (as `npio info` does). The input is registered in `guard` (a
/// folder with every `.npy` file under it), so that no output replaces it; one look at the
/// path does both.
pub fn register_input(guard: &mut Guard, path: &Path) -> Result<Kind, CliError> {
    let meta = fs::metadata(path).map_err(|e| CliError::io(path, e))?;
    if let Ok(id) = Identity::from_metadata(path, &meta) {
        guard.add_identity(id);
    }
    if meta.is_dir() {
        if let Ok(found) = npy_files(path, None) {
            for (_, file) in &found.files {
                guard.add_input(file);
            }
        }
        return Ok(Kind::Folder);
    }
    match extension(path).as_deref() {
        Some("npy") => Ok(Kind::Npy),
        Some("npz") => Ok(Kind::Npz),
        _ => match sniff(path)? {
            FileKind::Npy => Ok(Kind::Npy),
            FileKind::Npz => Ok(Kind::Npz),
        },
    }
}

/// The kind of an output path: a folder (existing, or ending in `/`), `.npy` or `.npz`.
pub fn output_kind(path: &Path) -> Result<Kind, CliError> {
    if path.as_os_str().to_string_lossy().ends_with('/') || path.is_dir() {
        return Ok(Kind::Folder);
    }
    match extension(path).as_deref() {
        Some("npy") => Ok(Kind::Npy),
        Some("npz") => Ok(Kind::Npz),
        _ => Err(CliError::usage(format!(
            "cannot tell what {} should be: name it .npy or .npz, or give a folder (existing, or ending in /)",
            path.display()
        ))),
    }
}

fn extension(path: &Path) -> Option<String> {
    path.extension()
        .and_then(|e| e.to_str())
        .map(str::to_ascii_lowercase)
}

/// The `.npy` files under a folder.
pub struct NpyFiles {
    /// (path relative to the folder, full path), sorted by relative path.
    pub files: Vec<(PathBuf, PathBuf)>,
    /// Other files found (not converted).
    pub skipped: usize,
}

/// Every `.npy` under `dir`, file names kept as they are (no lossy decoding). Symlinks are
/// refused rather than followed out of the folder, and so is anything that is not a regular
/// file or a folder. The folder `exclude` (an output folder inside the input) is not entered.
pub fn npy_files(dir: &Path, exclude: Option<&Identity>) -> Result<NpyFiles, CliError> {
    files_with(dir, exclude, &["npy"])
}

/// Every `.npy` and `.npz` under `dir`, full paths, sorted (what `info` and `verify` read of a
/// folder); an error when there is none.
pub fn data_files(dir: &Path) -> Result<Vec<PathBuf>, CliError> {
    let found = files_with(dir, None, &["npy", "npz"])?;
    if found.files.is_empty() {
        return Err(CliError::data(format!(
            "{}: no .npy or .npz files in this folder or below it ({} other files)",
            dir.display(),
            found.skipped
        )));
    }
    Ok(found.files.into_iter().map(|(_, full)| full).collect())
}

/// `paths` with each folder replaced by its `.npy` and `.npz` files (see [`data_files`]);
/// `false` with the errors printed when a folder has none or cannot be read.
pub fn expand_folders(paths: &[PathBuf]) -> (Vec<PathBuf>, bool) {
    let mut out = Vec::new();
    let mut all_ok = true;
    for path in paths {
        if !path.is_dir() {
            out.push(path.clone());
            continue;
        }
        match data_files(path) {
            Ok(files) => out.extend(files),
            Err(err) => {
                all_ok = false;
                eprintln!("npio: {err}");
            }
        }
    }
    (out, all_ok)
}

/// The files under `dir` whose extension is one of `extensions` (see [`npy_files`]).
fn files_with(
    dir: &Path,
    exclude: Option<&Identity>,
    extensions: &[&str],
) -> Result<NpyFiles, CliError> {
    let mut files = Vec::new();
    let mut skipped = 0;
    let mut pending = vec![(dir.to_path_buf(), PathBuf::new())];
    while let Some((folder, prefix)) = pending.pop() {
        for entry in fs::read_dir(&folder).map_err(|e| CliError::io(&folder, e))? {
            let entry = entry.map_err(|e| CliError::io(&folder, e))?;
            let path = entry.path();
            let name: OsString = entry.file_name();
            let kind = entry.file_type().map_err(|e| CliError::io(&path, e))?;
            let shown = name.to_string_lossy();
            if shown.contains(".npio-tmp") || shown.starts_with(".npio-replaced.") {
                continue; // another conversion's unfinished output, or files it moved aside
            }
            if kind.is_symlink() {
                return Err(CliError::data(format!(
                    "{}: is a symlink; npio does not follow links when reading a folder",
                    path.display()
                )));
            } else if kind.is_dir() {
                if exclude.is_some_and(|x| Identity::of(&path, false).ok().as_ref() == Some(x)) {
                    continue;
                }
                pending.push((path, prefix.join(&name)));
            } else if !kind.is_file() {
                // Opening a FIFO would wait for a writer forever; a device never ends.
                return Err(CliError::data(format!(
                    "{}: is not a regular file (a FIFO, socket or device); refusing to read it",
                    path.display()
                )));
            } else if Path::new(&name)
                .extension()
                .is_some_and(|e| extensions.iter().any(|x| e == *x))
            {
                files.push((prefix.join(&name), path));
            } else {
                skipped += 1;
            }
        }
    }
    files.sort();
    Ok(NpyFiles { files, skipped })
}

/// The files of a folder input, or an error saying that there is nothing to convert.
pub fn folder_inputs(dir: &Path, output: Option<&Path>) -> Result<NpyFiles, CliError> {
    let exclude = output.and_then(|o| Identity::of(o, true).ok());
    let found = npy_files(dir, exclude.as_ref())?;
    if found.files.is_empty() {
        return Err(CliError::data(format!(
            "{}: nothing to convert: no .npy files in this folder or below it ({} other files); \
             to unpack .npz archives, use npio convert --out-dir OUT --unpack ARCHIVE.npz...",
            dir.display(),
            found.skipped
        )));
    }
    Ok(found)
}
