//! Safe outputs: a temporary file in the target folder renamed into place, never a
//! half-written file; refusal to overwrite inputs or (without `--force`) existing files;
//! member names that cannot escape the target folder; Ctrl-C cancellation.

use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

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
        let existing = fs::symlink_metadata(path);
        // Only an existing path can be an input (checked through links: `canonicalize`).
        if existing.is_ok() {
            if let Ok(canonical) = path.canonicalize() {
                if self.inputs.contains(&canonical) {
                    return Err(CliError::data(format!(
                        "{}: refusing to overwrite an input file",
                        path.display()
                    )));
                }
            }
        }
        match existing {
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
        if !parent.is_dir() {
            fs::create_dir_all(&parent).map_err(|e| CliError::io(&parent, e))?;
        }
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
        Ok((
            output,
            OutputFile::Memory(io::Cursor::new(Vec::new()), file),
        ))
    }

    /// Flushes and syncs the file, then renames it into place; in batch mode (see
    /// [`defer_commits`]) the sync and rename wait for [`commit_deferred`].
    pub fn commit(mut self, file: OutputFile) -> Result<(), CliError> {
        let path = self.final_path.clone();
        let inner = file.into_file().map_err(|e| CliError::io(&path, e))?;
        if let Some(waiting) = lock_deferred().as_mut() {
            drop(inner);
            waiting.push((self.temp_path.clone(), self.final_path.clone()));
            self.committed = true;
            return Ok(());
        }
        inner.sync_all().map_err(|e| CliError::io(&path, e))?;
        drop(inner);
        fs::rename(&self.temp_path, &self.final_path).map_err(|e| CliError::io(&path, e))?;
        self.committed = true;
        Ok(())
    }
}

/// Outputs written completely but not yet synced and renamed, in batch mode: one file-system
/// sync then covers them all (syncing a thousand small files one by one takes longer than
/// converting them).
static DEFERRED: Mutex<Option<Vec<(PathBuf, PathBuf)>>> = Mutex::new(None);

fn lock_deferred() -> std::sync::MutexGuard<'static, Option<Vec<(PathBuf, PathBuf)>>> {
    DEFERRED.lock().unwrap_or_else(|p| p.into_inner())
}

/// From now on, [`TempOutput::commit`] leaves outputs under their temporary names until
/// [`commit_deferred`].
pub fn defer_commits() {
    *lock_deferred() = Some(Vec::new());
}

/// Syncs the file systems holding the deferred outputs once, then renames each into place.
/// After Ctrl-C, or if the sync fails, the temporary files are removed instead. Returns one
/// error per output that could not be put in place.
pub fn commit_deferred() -> Vec<CliError> {
    let Some(waiting) = lock_deferred().take() else {
        return Vec::new();
    };
    let discard = |waiting: &[(PathBuf, PathBuf)]| {
        for (temp, _) in waiting {
            let _ = fs::remove_file(temp);
        }
    };
    if CANCELLED.load(Ordering::Relaxed) {
        discard(&waiting);
        return Vec::new();
    }
    if let Err((path, e)) = sync_file_systems(&waiting) {
        discard(&waiting);
        return vec![CliError::io(&path, e)];
    }
    let mut errors = Vec::new();
    for (temp, target) in waiting {
        if let Err(e) = fs::rename(&temp, &target) {
            let _ = fs::remove_file(&temp);
            errors.push(CliError::io(&target, e));
        }
    }
    errors
}

/// Makes the deferred outputs' data durable: one `syncfs` per folder on Linux, else one
/// `fsync` per file.
#[cfg(target_os = "linux")]
fn sync_file_systems(waiting: &[(PathBuf, PathBuf)]) -> Result<(), (PathBuf, io::Error)> {
    use std::os::fd::AsRawFd;
    let mut folders: Vec<PathBuf> = waiting
        .iter()
        .map(|(temp, _)| temp.parent().unwrap_or(Path::new(".")).to_path_buf())
        .collect();
    folders.sort();
    folders.dedup();
    for folder in folders {
        let dir = File::open(&folder).map_err(|e| (folder.clone(), e))?;
        // SAFETY: `dir` is an open file for the whole call, so its descriptor is valid;
        // syncfs only flushes the file system holding it and touches no memory of ours.
        #[allow(unsafe_code)]
        let rc = unsafe { libc::syncfs(dir.as_raw_fd()) };
        if rc != 0 {
            return Err((folder, io::Error::last_os_error()));
        }
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn sync_file_systems(waiting: &[(PathBuf, PathBuf)]) -> Result<(), (PathBuf, io::Error)> {
    for (temp, _) in waiting {
        File::open(temp)
            .and_then(|f| f.sync_all())
            .map_err(|e| (temp.clone(), e))?;
    }
    Ok(())
}

impl Drop for TempOutput {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.temp_path);
        }
    }
}

/// The output file; every write fails once Ctrl-C was pressed, so the conversion stops and its
/// temporary file is removed. Small outputs are assembled in memory and written in one go
/// (the zip writer seeks back to patch each member's header: a thousand small archives would
/// otherwise cost tens of system calls each); past [`MEMORY_OUTPUT_MAX`] they move to a
/// buffered file.
pub enum OutputFile {
    /// Still in memory, with the file it will go to.
    Memory(io::Cursor<Vec<u8>>, File),
    /// Spilled to the file.
    Disk(BufWriter<File>),
}

/// Largest output kept in memory until it is finished.
const MEMORY_OUTPUT_MAX: usize = 4 << 20;

impl OutputFile {
    /// Moves an in-memory output to its file, keeping the position.
    fn spill(&mut self) -> io::Result<()> {
        if let OutputFile::Memory(cursor, file) = self {
            let mut file = BufWriter::with_capacity(1 << 20, file.try_clone()?);
            file.write_all(cursor.get_ref())?;
            file.seek(SeekFrom::Start(cursor.position()))?;
            *self = OutputFile::Disk(file);
        }
        Ok(())
    }

    /// Writes everything out and gives back the file.
    fn into_file(mut self) -> io::Result<File> {
        self.spill()?;
        match self {
            OutputFile::Disk(file) => file.into_inner().map_err(|e| e.into_error()),
            OutputFile::Memory(..) => unreachable!("spilled above"),
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if CANCELLED.load(Ordering::Relaxed) {
            return Err(io::Error::other("interrupted by Ctrl-C"));
        }
        if let OutputFile::Memory(cursor, _) = self {
            if cursor.get_ref().len() + buf.len() > MEMORY_OUTPUT_MAX {
                self.spill()?;
            }
        }
        match self {
            OutputFile::Memory(cursor, _) => cursor.write(buf),
            OutputFile::Disk(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            OutputFile::Memory(..) => Ok(()),
            OutputFile::Disk(file) => file.flush(),
        }
    }
}

impl Seek for OutputFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match self {
            OutputFile::Memory(cursor, _) => cursor.seek(pos),
            OutputFile::Disk(file) => file.seek(pos),
        }
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

/// Creates the parent folders of `path` (a [`member_path`] under `root`) one at a time,
/// refusing to pass through a symlink or anything that is not a folder, so that nothing is
/// created or written outside `root` even when a folder inside it links elsewhere.
pub fn check_inside(root: &Path, path: &Path, member: &str) -> Result<(), CliError> {
    let refuse = |at: &Path, why: &str| {
        CliError::data(format!(
            "member {member:?}: {} {why}; refusing to extract it",
            at.display()
        ))
    };
    let relative = path
        .strip_prefix(root)
        .map_err(|_| refuse(path, "is not inside the output folder"))?;
    fs::create_dir_all(root).map_err(|e| CliError::io(root, e))?;
    let mut folder = root.to_path_buf();
    for part in relative.parent().into_iter().flat_map(Path::components) {
        folder.push(part);
        match fs::symlink_metadata(&folder) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refuse(
                    &folder,
                    "is a symlink (it could lead outside the output folder)",
                ))
            }
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => return Err(refuse(&folder, "is a file, not a folder")),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                fs::create_dir(&folder).map_err(|e| CliError::io(&folder, e))?
            }
            Err(e) => return Err(CliError::io(&folder, e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_spill_from_memory_to_the_file_keeping_seeks() {
        let dir = std::env::temp_dir().join(format!("npio-output-spill-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("out.bin");
        let file = File::create(&path).unwrap();
        let mut out = OutputFile::Memory(io::Cursor::new(Vec::new()), file);
        let big = vec![7u8; MEMORY_OUTPUT_MAX - 10];
        out.write_all(&big).unwrap();
        out.seek(SeekFrom::Start(3)).unwrap();
        out.write_all(b"abc").unwrap(); // patched in memory
        out.seek(SeekFrom::End(0)).unwrap();
        out.write_all(&[9u8; 100]).unwrap(); // crosses the limit: spills
        assert!(matches!(out, OutputFile::Disk(_)));
        out.seek(SeekFrom::Start(0)).unwrap();
        out.write_all(b"Z").unwrap(); // patched on disk
        drop(out.into_file().unwrap());
        let written = fs::read(&path).unwrap();
        assert_eq!(written.len(), MEMORY_OUTPUT_MAX + 90);
        assert_eq!(&written[..7], &[b'Z', 7, 7, b'a', b'b', b'c', 7]);
        assert!(written[MEMORY_OUTPUT_MAX - 10..].iter().all(|&b| b == 9));
        fs::remove_dir_all(&dir).unwrap();
    }

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
