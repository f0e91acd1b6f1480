//! Telling a `.npy` file from an `.npz` archive by its first bytes.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::CliError;

/// What a file is, from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// Starts with `\x93NUMPY`.
    Npy,
    /// Starts with a zip signature.
    Npz,
}

/// Tells a `.npy` file from an `.npz` archive by content. Inputs are read by position
/// (headers, then data in parallel pieces, archives from their end), so a pipe, a terminal or
/// a socket (`/dev/stdin`, `<(...)`) is refused saying so, before a byte of it is consumed.
pub fn sniff(path: &Path) -> Result<FileKind, CliError> {
    let file = File::open(path).map_err(|e| CliError::io(path, e))?;
    let meta = file.metadata().map_err(|e| CliError::io(path, e))?;
    if meta.is_dir() {
        return Err(CliError::data(format!(
            "{}: a folder, where a .npy or .npz file is expected",
            path.display()
        )));
    }
    if !meta.is_file() {
        return Err(CliError::data(format!(
            "{}: not a regular file (a pipe, a terminal or a device?): npio reads its inputs \
             by position; save the data to a file first",
            path.display()
        )));
    }
    let mut magic = Vec::with_capacity(6);
    file.take(6)
        .read_to_end(&mut magic)
        .map_err(|e| CliError::io(path, e))?;
    kind_of(&magic, path)
}

/// What a file starting with `magic` (its first six bytes, fewer if it is shorter) is.
pub fn kind_of(magic: &[u8], path: &Path) -> Result<FileKind, CliError> {
    if magic == npio::npy::MAGIC {
        Ok(FileKind::Npy)
    } else if magic.starts_with(b"PK") {
        Ok(FileKind::Npz)
    } else if magic.is_empty() {
        Err(CliError::data(format!(
            "{}: the file is empty",
            path.display()
        )))
    } else {
        Err(CliError::data(format!(
            "{}: neither a .npy file (magic \\x93NUMPY) nor an .npz archive (zip)",
            path.display()
        )))
    }
}

/// An archive member named on the command line as `FILE.npz:NAME` (as `npio cat` takes
/// them): the archive's path and the member's name, when `text` is not itself an existing
/// file and the part before `:` is one.
pub fn member_spec(text: &Path) -> Option<(std::path::PathBuf, String)> {
    let shown = text.to_str()?;
    let at = shown.find(".npz:")?;
    let (file, member) = (Path::new(&shown[..at + 4]), &shown[at + 5..]);
    if member.is_empty() || text.exists() || !file.is_file() {
        return None;
    }
    Some((file.to_path_buf(), member.to_string()))
}
