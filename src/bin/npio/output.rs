//! Safe outputs: a temporary file in the target folder renamed into place, never a
//! half-written file; refusal to overwrite inputs or (without `--force`) existing files;
//! member names that cannot escape the target folder; Ctrl-C cancellation.

use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use crate::CliError;

/// Set by the Ctrl-C handler; every output write checks it.
pub static CANCELLED: AtomicBool = AtomicBool::new(false);

/// Distinguishes temporary files made by one process.
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// What outputs may and may not replace.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Overwrite existing outputs.
    pub force: bool,
    /// Canonical paths of the inputs: never overwritten, even with `--force`.
    pub inputs: Vec<PathBuf>,
}

impl Guard {
    /// Checks that `path` may be written.
    fn check(&self, path: &Path) -> Result<(), CliError> {
        if let Ok(canonical) = path.canonicalize() {
            if self.inputs.contains(&canonical) {
                return Err(CliError::data(format!(
                    "{}: refusing to overwrite an input file",
                    path.display()
                )));
            }
        }
        match fs::symlink_metadata(path) {
            Ok(meta) if meta.is_dir() => Err(CliError::data(format!(
                "{}: is a folder, not a file",
                path.display()
            ))),
            Ok(_) if !self.force => Err(CliError::data(format!(
                "{}: already exists (pass --force to overwrite it)",
                path.display()
            ))),
            _ => Ok(()),
        }
    }
}

/// A file being written under a temporary name next to its final path. Dropped without
/// [`TempOutput::commit`], the temporary file is removed.
pub struct TempOutput {
    final_path: PathBuf,
    temp_path: PathBuf,
    committed: bool,
}

impl TempOutput {
    /// Creates the temporary file for `final_path` (and its parent folders).
    pub fn create(final_path: &Path, guard: &Guard) -> Result<(TempOutput, OutputFile), CliError> {
        guard.check(final_path)?;
        let parent = match final_path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&parent).map_err(|e| CliError::io(&parent, e))?;
        let name = final_path
            .file_name()
            .ok_or_else(|| CliError::usage(format!("{}: not a file name", final_path.display())))?
            .to_string_lossy()
            .into_owned();
        let temp_path = parent.join(format!(
            ".{name}.npio-tmp-{}-{}",
            std::process::id(),
            TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp_path)
            .map_err(|e| CliError::io(&temp_path, e))?;
        let output = TempOutput {
            final_path: final_path.to_path_buf(),
            temp_path,
            committed: false,
        };
        Ok((output, OutputFile(BufWriter::with_capacity(1 << 20, file))))
    }

    /// Flushes and syncs the file, then renames it into place.
    pub fn commit(mut self, file: OutputFile) -> Result<(), CliError> {
        let path = self.final_path.clone();
        let inner = file
            .0
            .into_inner()
            .map_err(|e| CliError::io(&path, e.into_error()))?;
        inner.sync_all().map_err(|e| CliError::io(&path, e))?;
        drop(inner);
        fs::rename(&self.temp_path, &self.final_path).map_err(|e| CliError::io(&path, e))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for TempOutput {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}

/// The buffered output file; every write fails once Ctrl-C was pressed, so the conversion
/// stops and its temporary file is removed.
pub struct OutputFile(BufWriter<File>);

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if CANCELLED.load(Ordering::Relaxed) {
            return Err(io::Error::other("interrupted by Ctrl-C"));
        }
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl Seek for OutputFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.0.seek(pos)
    }
}

/// The path inside `root` for an archive member name, refusing names that could reach
/// outside it: absolute paths, `..`, `.` or empty components, backslashes, drive prefixes.
pub fn member_path(root: &Path, member: &str) -> Result<PathBuf, CliError> {
    let refuse = |why: &str| {
        CliError::data(format!(
            "member {member:?}: unsafe name ({why}); refusing to extract it"
        ))
    };
    if member.is_empty() || member.contains('\0') {
        return Err(refuse("empty or contains NUL"));
    }
    if member.contains('\\') {
        return Err(refuse("contains a backslash"));
    }
    if member.starts_with('/') {
        return Err(refuse("absolute path"));
    }
    let mut path = root.to_path_buf();
    for part in member.split('/') {
        match Path::new(part).components().collect::<Vec<_>>().as_slice() {
            [Component::Normal(p)] if !part.contains(':') => path.push(p),
            _ => return Err(refuse("'..', '.', empty or drive component")),
        }
    }
    Ok(path)
}

/// After the parent folders of `path` exist: checks they really are inside `root` (no
/// symlinked folder leads elsewhere).
pub fn check_inside(root: &Path, path: &Path, member: &str) -> Result<(), CliError> {
    let parent = path.parent().unwrap_or(root);
    fs::create_dir_all(parent).map_err(|e| CliError::io(parent, e))?;
    let root = root.canonicalize().map_err(|e| CliError::io(root, e))?;
    let parent = parent.canonicalize().map_err(|e| CliError::io(parent, e))?;
    if !parent.starts_with(&root) {
        return Err(CliError::data(format!(
            "member {member:?}: its folder {} leads outside {} (symlink?); refusing to extract it",
            parent.display(),
            root.display()
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names_cannot_escape() {
        let root = Path::new("/out");
        assert_eq!(
            member_path(root, "a/b.npy").unwrap(),
            Path::new("/out/a/b.npy")
        );
        for bad in [
            "../x.npy",
            "a/../../x",
            "/etc/passwd",
            "a//b",
            "./a",
            "a/.",
            "",
            "c:\\x",
            "C:x",
            "a\\..\\b",
            "a/b/",
        ] {
            assert!(member_path(root, bad).is_err(), "{bad:?} must be refused");
        }
    }
}
