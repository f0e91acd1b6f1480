//! Putting a finished output in place: a rename that never replaces what appeared at the
//! target meanwhile (unless `--force`), and the syncs that come first.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// Moves `from` (a file or a folder) to `to`. With `replace` an existing file at `to` is
/// replaced atomically (`rename`). Without it the move fails with `AlreadyExists` if `to`
/// exists, decided atomically by the file system: `renameat2(RENAME_NOREPLACE)` on Linux, or
/// for files a hard link then unlink where that is not supported. Only for folders on file
/// systems with neither is the check separate from the rename (SECURITY.md says so).
pub fn place(from: &Path, to: &Path, replace: bool) -> io::Result<()> {
    if replace {
        return fs::rename(from, to);
    }
    match rename_noreplace(from, to) {
        Err(e) if unsupported(&e) => {}
        other => return other,
    }
    if fs::symlink_metadata(from)?.is_dir() {
        if fs::symlink_metadata(to).is_ok() {
            return Err(io::Error::from(io::ErrorKind::AlreadyExists));
        }
        return fs::rename(from, to);
    }
    fs::hard_link(from, to)?;
    fs::remove_file(from)
}

/// Errors saying that the file system (or kernel) cannot rename without replacing.
fn unsupported(e: &io::Error) -> bool {
    const EINVAL: i32 = 22;
    const ENOSYS: i32 = 38;
    const EOPNOTSUPP: i32 = 95;
    matches!(e.raw_os_error(), Some(EINVAL | ENOSYS | EOPNOTSUPP))
}

/// `renameat2(RENAME_NOREPLACE)`, through rustix's safe wrapper.
#[cfg(target_os = "linux")]
fn rename_noreplace(from: &Path, to: &Path) -> io::Result<()> {
    use rustix::fs::{renameat_with, RenameFlags, CWD};
    renameat_with(CWD, from, CWD, to, RenameFlags::NOREPLACE).map_err(io::Error::from)
}

#[cfg(not(target_os = "linux"))]
fn rename_noreplace(_from: &Path, _to: &Path) -> io::Result<()> {
    Err(io::Error::from_raw_os_error(38)) // ENOSYS: use the portable fallback
}

/// An output written under a temporary name, to make durable before it is put in place.
#[derive(Debug, Clone, Copy)]
pub enum Written<'a> {
    /// A file.
    File(&'a Path),
    /// A folder, with everything in it.
    Folder(&'a Path),
}

#[cfg(not(target_os = "linux"))]
impl Written<'_> {
    fn path(&self) -> &Path {
        match self {
            Written::File(p) | Written::Folder(p) => p,
        }
    }
}

/// Makes the data of `written` durable: one `syncfs` per folder holding them on Linux (asked
/// of no file: a batch has thousands), else one `fsync` per file.
#[cfg(target_os = "linux")]
pub fn sync_file_systems(written: &[Written<'_>]) -> Result<(), (PathBuf, io::Error)> {
    let mut folders: Vec<&Path> = written
        .iter()
        .map(|w| match w {
            Written::Folder(p) => p,
            Written::File(p) => match p.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            },
        })
        .collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        let dir = File::open(folder).map_err(|e| (folder.to_path_buf(), e))?;
        rustix::fs::syncfs(&dir).map_err(|e| (folder.to_path_buf(), io::Error::from(e)))?;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
pub fn sync_file_systems(written: &[Written<'_>]) -> Result<(), (PathBuf, io::Error)> {
    fn sync_tree(path: &Path) -> io::Result<()> {
        if fs::symlink_metadata(path)?.is_dir() {
            for entry in fs::read_dir(path)? {
                sync_tree(&entry?.path())?;
            }
            Ok(())
        } else {
            File::open(path)?.sync_all()
        }
    }
    for w in written {
        sync_tree(w.path()).map_err(|e| (w.path().to_path_buf(), e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placing_never_replaces_without_replace() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        fs::write(&a, b"new").unwrap();
        fs::write(&b, b"old").unwrap();
        let err = place(&a, &b, false).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&b).unwrap(), b"old");
        place(&a, &b, true).unwrap();
        assert_eq!(fs::read(&b).unwrap(), b"new");
        // Folders too.
        let (d, e) = (dir.path().join("d"), dir.path().join("e"));
        fs::create_dir(&d).unwrap();
        fs::create_dir(&e).unwrap();
        assert_eq!(
            place(&d, &e, false).unwrap_err().kind(),
            io::ErrorKind::AlreadyExists
        );
        place(&d, &dir.path().join("f"), false).unwrap();
        assert!(dir.path().join("f").is_dir());
    }
}
