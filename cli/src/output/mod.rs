//! Safe outputs: everything is written under a temporary name next to its target and put in
//! place whole (a file, or a whole folder of files), never half-written; inputs are never
//! overwritten, whatever the path's spelling; existing outputs are kept without `--force`,
//! even when they appear while npio runs; member names cannot escape the target folder;
//! Ctrl-C cancels.

mod deferred;
mod place;
mod staged;
pub mod target;
mod temp;

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

pub use deferred::{defer_commits, Committer};
pub use staged::{StagedFile, StagedFolder};
pub use temp::install_signal_handler;

use crate::CliError;

/// Whether the run was cancelled: set by the signal handler ([`install_signal_handler`]),
/// checked by every output write and commit round. Cloning shares the flag.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// Whether a signal asked the run to stop.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// Asks the run to stop; `true` if it had been asked already.
    fn set(&self) -> bool {
        self.0.swap(true, Ordering::SeqCst)
    }
}

/// The file name of an output path.
fn file_name_of(path: &Path) -> Result<&std::ffi::OsStr, CliError> {
    path.file_name()
        .ok_or_else(|| CliError::usage(format!("{}: not a file name", path.display())))
}

/// Removes a temporary file (and forgets it: a signal need not remove it again).
fn remove_temp(path: &Path) {
    let _ = fs::remove_file(path);
    temp::forget(path);
}

/// The folder holding `path` (`.` for a bare name).
fn parent_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A file's identity: device and inode where there are such things, else its canonical
/// path. Two spellings of one file (`./x`, a symlinked folder, a hard link) have one identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Identity {
    /// Device and inode.
    Inode(u64, u64),
    /// Canonical path, where inodes are not available.
    #[cfg(not(unix))]
    Path(PathBuf),
}

impl Identity {
    /// The identity of what `path` names (through links when `follow`).
    pub fn of(path: &Path, follow: bool) -> io::Result<Identity> {
        let meta = if follow {
            fs::metadata(path)?
        } else {
            fs::symlink_metadata(path)?
        };
        Identity::from_metadata(path, &meta)
    }

    /// The identity of `path`, whose metadata the caller already has.
    pub fn from_metadata(path: &Path, meta: &fs::Metadata) -> io::Result<Identity> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = path;
            Ok(Identity::Inode(meta.dev(), meta.ino()))
        }
        #[cfg(not(unix))]
        {
            let _ = meta;
            Ok(Identity::Path(path.canonicalize()?))
        }
    }
}

/// What outputs may and may not replace.
#[derive(Debug, Clone, Default)]
pub struct Guard {
    /// Overwrite existing outputs.
    pub force: bool,
    /// The run's cancellation flag, handed to every output.
    cancel: Cancel,
    /// In batch mode, the committer that syncs and places outputs in rounds.
    committer: Option<deferred::Handle>,
    /// Every input file: never overwritten, even with `--force`.
    inputs: HashSet<Identity>,
    /// A folder and the names it held when listed (see [`Guard::list_folder`]).
    listed: Option<(PathBuf, HashSet<std::ffi::OsString>)>,
}

impl Guard {
    /// Rules for outputs: `force` allows replacing existing files other than inputs.
    pub fn new(force: bool, cancel: &Cancel) -> Guard {
        Guard {
            force,
            cancel: cancel.clone(),
            committer: None,
            inputs: HashSet::new(),
            listed: None,
        }
    }

    /// The run's cancellation flag.
    pub fn cancel(&self) -> &Cancel {
        &self.cancel
    }

    /// Batch mode: outputs made under this guard are put in place by `committer`.
    pub fn commit_through(&mut self, committer: &Committer) {
        self.committer = Some(committer.handle());
    }

    /// Lists `folder` once, so that [`Guard::check`] knows without looking that a name
    /// absent then is free (a batch writes thousands of outputs into one folder). A file
    /// that appears there later is still never replaced: outputs are put in place by a
    /// rename that refuses to replace (see [`TempOutput::commit`]).
    pub fn list_folder(&mut self, folder: &Path) {
        let names = fs::read_dir(folder).and_then(|entries| {
            entries
                .map(|e| e.map(|e| e.file_name()))
                .collect::<io::Result<HashSet<_>>>()
        });
        self.listed = names.ok().map(|names| (folder.to_path_buf(), names));
    }

    /// Registers an input file (followed through links, as it is read).
    pub fn add_input(&mut self, path: &Path) {
        if let Ok(id) = Identity::of(path, true) {
            self.add_identity(id);
        }
    }

    /// Registers an input file by its identity.
    pub fn add_identity(&mut self, id: Identity) {
        self.inputs.insert(id);
    }

    /// Checks that a file may be written at `path` (one look at the path: a batch checks
    /// thousands).
    pub fn check(&self, path: &Path) -> Result<(), CliError> {
        if let (Some((folder, names)), Some(parent), Some(name)) =
            (&self.listed, path.parent(), path.file_name())
        {
            if parent == folder && !names.contains(name) {
                return Ok(());
            }
        }
        let meta = fs::symlink_metadata(path);
        let is_input = |meta: &fs::Metadata| {
            Identity::from_metadata(path, meta).is_ok_and(|id| self.inputs.contains(&id))
        };
        match meta {
            Ok(meta) if is_input(&meta) => Err(CliError::data(format!(
                "{}: refusing to overwrite an input file",
                path.display()
            ))),
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

/// The error for an output that appeared at its target while npio was writing it.
fn appeared(path: &Path) -> CliError {
    CliError::data(format!(
        "{}: already exists (it appeared while npio was writing; pass --force to overwrite it)",
        path.display()
    ))
}

/// Puts a finished temporary file or folder in place; see [`place::place`].
fn put_in_place(temp_path: &Path, target: &Path, replace: bool) -> Result<(), CliError> {
    place::place(temp_path, target, replace).map_err(|e| match e.kind() {
        io::ErrorKind::AlreadyExists => appeared(target),
        _ => CliError::io(target, e),
    })
}

/// A file being written under a temporary name next to its final path. Dropped without
/// [`TempOutput::commit`], the temporary file is removed.
pub struct TempOutput {
    final_path: PathBuf,
    temp_path: PathBuf,
    replace: bool,
    committed: bool,
    committer: Option<deferred::Handle>,
}

impl TempOutput {
    /// Creates the temporary file for `final_path` (and its parent folders).
    pub fn create(final_path: &Path, guard: &Guard) -> Result<(TempOutput, OutputFile), CliError> {
        guard.check(final_path)?;
        let name = file_name_of(final_path)?;
        let parent = parent_of(final_path);
        let (file, temp_path) = match temp::create_file(&parent, name) {
            // The parent folders are made only when missing (not looked at first).
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&parent).map_err(|e| CliError::io(&parent, e))?;
                temp::create_file(&parent, name)
            }
            other => other,
        }
        .map_err(|e| CliError::io(&parent, e))?;
        let output = TempOutput {
            final_path: final_path.to_path_buf(),
            temp_path,
            replace: guard.force,
            committed: false,
            committer: guard.committer.clone(),
        };
        Ok((output, OutputFile::new(file, &guard.cancel)))
    }

    /// Flushes and syncs the file, then puts it in place (never replacing a file that
    /// appeared meanwhile, without `--force`); in batch mode (see [`defer_commits`]) the
    /// committer thread does both.
    pub fn commit(mut self, file: OutputFile) -> Result<(), CliError> {
        let path = self.final_path.clone();
        let inner = file.into_file().map_err(|e| CliError::io(&path, e))?;
        self.committed = true;
        let pending = Pending::File {
            temp: self.temp_path.clone(),
            target: self.final_path.clone(),
            replace: self.replace,
        };
        // In batch mode the committer syncs it (the data is written: closing can wait).
        let Err(pending) = deferred::defer(self.committer.take().as_ref(), pending) else {
            return Ok(());
        };
        let synced = inner.sync_all();
        drop(inner);
        if let Err(e) = synced {
            pending.discard();
            return Err(CliError::io(&path, e));
        }
        pending.place()
    }
}

impl Drop for TempOutput {
    fn drop(&mut self) {
        if !self.committed {
            remove_temp(&self.temp_path);
        }
    }
}

/// An output written completely, waiting to be put in place.
enum Pending {
    /// A file under its temporary name.
    File {
        temp: PathBuf,
        target: PathBuf,
        replace: bool,
    },
    /// A staged folder.
    Folder(StagedFolder),
}

/// Syncs one pending output by itself, then puts it in place.
fn sync_and_place(pending: Pending) -> Result<(), CliError> {
    if let Err((path, e)) = place::sync_file_systems(&[pending.written()]) {
        pending.discard();
        return Err(CliError::io(&path, e));
    }
    pending.place()
}

impl Pending {
    /// Where the output goes.
    fn target(&self) -> &Path {
        match self {
            Pending::File { target, .. } => target,
            Pending::Folder(f) => f.target(),
        }
    }

    /// What to sync before placing: the temporary file, or the whole staging folder.
    fn written(&self) -> place::Written<'_> {
        match self {
            Pending::File { temp, .. } => place::Written::File(temp),
            Pending::Folder(f) => place::Written::Folder(f.staging()),
        }
    }

    /// Puts the output in place; a signal waits until this is done.
    fn place(self) -> Result<(), CliError> {
        let _hold = temp::placing();
        match self {
            Pending::File {
                temp,
                target,
                replace,
            } => {
                let result = put_in_place(&temp, &target, replace);
                match result {
                    Ok(()) => temp::forget(&temp),
                    Err(_) => remove_temp(&temp),
                }
                result
            }
            Pending::Folder(f) => f.place(),
        }
    }

    fn discard(self) {
        match self {
            Pending::File { temp, .. } => remove_temp(&temp),
            Pending::Folder(f) => drop(f),
        }
    }
}

/// The output file; every write fails once Ctrl-C was pressed, so the conversion stops and its
/// temporary file is removed. Small outputs are assembled in memory and written in one go
/// (the zip writer seeks back to patch each member's header: a thousand small archives would
/// otherwise cost tens of system calls each); past [`MEMORY_OUTPUT_MAX`] they move to a
/// buffered file.
pub struct OutputFile {
    inner: Inner,
    cancel: Cancel,
}

enum Inner {
    /// Still in memory, with the file it will go to (taken when the output spills).
    Memory(io::Cursor<Vec<u8>>, Option<File>),
    /// Spilled to the file.
    Disk(BufWriter<File>),
}

/// Largest output kept in memory until it is finished.
const MEMORY_OUTPUT_MAX: usize = 4 << 20;

impl OutputFile {
    /// An output that will go to `file`; its writes fail once `cancel` is set.
    pub fn new(file: File, cancel: &Cancel) -> OutputFile {
        OutputFile {
            inner: Inner::Memory(io::Cursor::new(Vec::new()), Some(file)),
            cancel: cancel.clone(),
        }
    }

    /// Moves an in-memory output to its file, keeping the position.
    fn spill(&mut self) -> io::Result<()> {
        if let Inner::Memory(cursor, file) = &mut self.inner {
            let file = file
                .take()
                .ok_or_else(|| io::Error::other("output already spilled"))?;
            let mut file = BufWriter::with_capacity(1 << 20, file);
            file.write_all(cursor.get_ref())?;
            file.seek(SeekFrom::Start(cursor.position()))?;
            self.inner = Inner::Disk(file);
        }
        Ok(())
    }

    /// Writes everything out and gives back the file: an output still in memory goes in one
    /// write (no buffer, no seek).
    pub fn into_file(self) -> io::Result<File> {
        match self.inner {
            Inner::Memory(cursor, file) => {
                let mut file = file.ok_or_else(|| io::Error::other("output already spilled"))?;
                file.write_all(cursor.get_ref())?;
                Ok(file)
            }
            Inner::Disk(file) => file.into_inner().map_err(|e| e.into_error()),
        }
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.cancel.is_set() {
            return Err(io::Error::other("interrupted by Ctrl-C"));
        }
        if let Inner::Memory(cursor, _) = &self.inner {
            if cursor.get_ref().len() + buf.len() > MEMORY_OUTPUT_MAX {
                self.spill()?;
            }
        }
        match &mut self.inner {
            Inner::Memory(cursor, _) => cursor.write(buf),
            Inner::Disk(file) => file.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::Memory(..) => Ok(()),
            Inner::Disk(file) => file.flush(),
        }
    }
}

impl Seek for OutputFile {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        match &mut self.inner {
            Inner::Memory(cursor, _) => cursor.seek(pos),
            Inner::Disk(file) => file.seek(pos),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_spill_from_memory_to_the_file_keeping_seeks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let file = File::create(&path).unwrap();
        let mut out = OutputFile::new(file, &Cancel::default());
        let big = vec![7u8; MEMORY_OUTPUT_MAX - 10];
        out.write_all(&big).unwrap();
        out.seek(SeekFrom::Start(3)).unwrap();
        out.write_all(b"abc").unwrap(); // patched in memory
        out.seek(SeekFrom::End(0)).unwrap();
        out.write_all(&[9u8; 100]).unwrap(); // crosses the limit: spills
        assert!(matches!(out.inner, Inner::Disk(_)));
        out.seek(SeekFrom::Start(0)).unwrap();
        out.write_all(b"Z").unwrap(); // patched on disk
        drop(out.into_file().unwrap());
        let written = fs::read(&path).unwrap();
        assert_eq!(written.len(), MEMORY_OUTPUT_MAX + 90);
        assert_eq!(&written[..7], &[b'Z', 7, 7, b'a', b'b', b'c', 7]);
        assert!(written[MEMORY_OUTPUT_MAX - 10..].iter().all(|&b| b == 9));
    }

    #[test]
    fn a_listed_folder_answers_for_absent_names_only() {
        let dir = tempfile::tempdir().unwrap();
        let (old, input) = (dir.path().join("old.npz"), dir.path().join("in.npz"));
        fs::write(&old, b"x").unwrap();
        fs::write(&input, b"y").unwrap();
        let mut guard = Guard::new(false, &Cancel::default());
        guard.add_input(&input);
        guard.list_folder(dir.path());
        assert!(guard.check(&dir.path().join("new.npz")).is_ok());
        assert!(guard.check(&old).is_err()); // exists: looked at
        guard.force = true;
        assert!(guard.check(&old).is_ok());
        assert!(guard.check(&input).is_err()); // an input, even with --force
                                               // A name in another folder is looked at as before.
        fs::create_dir(dir.path().join("sub")).unwrap();
        let sub_old = dir.path().join("sub").join("new.npz");
        fs::write(&sub_old, b"z").unwrap();
        guard.force = false;
        assert!(guard.check(&sub_old).is_err());
    }

    #[test]
    fn inputs_are_known_by_identity_whatever_the_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.npy");
        fs::write(&a, b"x").unwrap();
        fs::hard_link(&a, dir.path().join("hard.npy")).unwrap();
        let mut guard = Guard::new(true, &Cancel::default());
        guard.add_input(&a);
        // Even with --force, no spelling of an input may be written.
        assert!(guard.check(&dir.path().join("./a.npy")).is_err());
        assert!(guard.check(&dir.path().join("hard.npy")).is_err());
        fs::write(dir.path().join("b.npy"), b"y").unwrap();
        assert!(guard.check(&dir.path().join("b.npy")).is_ok()); // --force
    }
}
