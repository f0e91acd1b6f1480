//! Folder outputs that appear whole or not at all: files are written into a hidden staging
//! folder next to the target, then put in place together.

use std::fs::{self, File};
use std::io;
use std::path::{Component, Path, PathBuf};

use super::{
    deferred, file_name_of, parent_of, put_in_place, sync_and_place, temp, Cancel, Guard,
    OutputFile, Pending,
};
use crate::CliError;

/// A folder of outputs being written. [`StagedFolder::commit`] puts every file in place: the
/// staging folder is renamed to the target when the target does not exist yet; otherwise
/// every file's way in is checked first (a file or symlink where a folder must be, a folder
/// where a file must be), then each file is moved in (never replacing a file without
/// `--force`; with it, the file replaced is first moved aside into a hidden backup folder),
/// and if one move fails, the ones already made and the folders created for them are removed
/// and the files moved aside are put back. Dropped without `commit`, the staging folder is
/// removed: after a failure the target is exactly as it was.
pub struct StagedFolder {
    target: PathBuf,
    staging: PathBuf,
    /// Files written, relative to the folder, in the order they were created.
    files: Vec<PathBuf>,
    replace: bool,
    cancel: Cancel,
    committer: Option<deferred::Handle>,
}

/// A file of a [`StagedFolder`], claimed but not created yet.
pub struct StagedFile {
    path: PathBuf,
    target: PathBuf,
    what: String,
    cancel: Cancel,
}

impl StagedFile {
    /// Creates the file (and the folders above it in the staging folder).
    pub fn create(&self) -> Result<OutputFile, CliError> {
        let conflict = |e: io::Error| {
            CliError::data(format!(
                "{}: {} conflicts with another output of this conversion ({e}); nothing \
                 was written",
                self.what,
                self.target.display()
            ))
        };
        if let Some(parent) = self.path.parent() {
            fs::create_dir_all(parent).map_err(conflict)?;
        }
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&self.path)
            .map_err(conflict)?;
        Ok(OutputFile::new(file, &self.cancel))
    }
}

impl StagedFolder {
    /// Starts a folder output at `target` (which may exist, as a folder).
    pub fn create(target: &Path, guard: &Guard) -> Result<StagedFolder, CliError> {
        match fs::metadata(target) {
            Ok(meta) if !meta.is_dir() => {
                return Err(CliError::data(format!(
                    "{}: exists and is not a folder",
                    target.display()
                )))
            }
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(CliError::io(target, e)),
        }
        let parent = parent_of(target);
        fs::create_dir_all(&parent).map_err(|e| CliError::io(&parent, e))?;
        let staging = temp::create_folder(&parent, file_name_of(target)?)
            .map_err(|e| CliError::io(&parent, e))?;
        Ok(StagedFolder {
            target: target.to_path_buf(),
            staging,
            files: Vec::new(),
            replace: guard.force,
            cancel: guard.cancel.clone(),
            committer: guard.committer.clone(),
        })
    }

    /// The hidden folder the files are written to.
    pub fn staging(&self) -> &Path {
        &self.staging
    }

    /// Creates the file that will be `relative` inside the folder. `relative` must have only
    /// normal components (see `npio::npz::member_path`); `what` names it in errors.
    pub fn create_file(
        &mut self,
        relative: &Path,
        what: &str,
        guard: &Guard,
    ) -> Result<OutputFile, CliError> {
        self.reserve(relative, what, guard)?.create()
    }

    /// Claims the file that will be `relative` inside the folder (checked as in
    /// [`StagedFolder::create_file`]), to be created later, on any thread.
    pub fn reserve(
        &mut self,
        relative: &Path,
        what: &str,
        guard: &Guard,
    ) -> Result<StagedFile, CliError> {
        if relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
        {
            return Err(CliError::data(format!(
                "{what}: {} is not a plain relative path",
                relative.display()
            )));
        }
        let target = self.target.join(relative);
        guard.check(&target)?;
        self.files.push(relative.to_path_buf());
        Ok(StagedFile {
            path: self.staging.join(relative),
            target,
            what: what.to_string(),
            cancel: self.cancel.clone(),
        })
    }

    /// Syncs the files and puts the folder in place; in batch mode (see
    /// [`super::defer_commits`]) the committer thread does both.
    pub fn commit(mut self) -> Result<(), CliError> {
        // Taken out first: a pending folder never holds its committer.
        let committer = self.committer.take();
        match deferred::defer(committer.as_ref(), Pending::Folder(self)) {
            Ok(()) => Ok(()),
            Err(pending) => sync_and_place(pending),
        }
    }

    /// Where the folder goes.
    pub(super) fn target(&self) -> &Path {
        &self.target
    }

    /// Puts the synced files in place (see the type's documentation).
    pub(super) fn place(self) -> Result<(), CliError> {
        if fs::symlink_metadata(&self.target).is_err()
            && put_in_place(&self.staging, &self.target, false).is_ok()
        {
            return Ok(());
        }
        for relative in &self.files {
            check_way_in(&self.target, relative)?;
        }
        let mut merge = Merge::default();
        let result = self
            .files
            .iter()
            .try_for_each(|relative| merge.move_in(&self, relative));
        match result {
            Ok(()) => merge.finish(),
            Err(e) => {
                merge.roll_back();
                Err(e)
            }
        }
    }
}

/// Files moved into an existing folder so far, to finish or undo.
#[derive(Default)]
struct Merge {
    placed: Vec<PathBuf>,
    created: Vec<PathBuf>,
    /// The hidden folder holding the files replaced (with `--force`), made when first needed.
    backup: Option<PathBuf>,
    /// `(original path, where it was moved aside)`.
    replaced: Vec<(PathBuf, PathBuf)>,
}

impl Merge {
    /// Moves one staged file into the target folder.
    fn move_in(&mut self, folder: &StagedFolder, relative: &Path) -> Result<(), CliError> {
        let target = folder.target.join(relative);
        make_folders_inside(&folder.target, relative, &mut self.created)?;
        if folder.replace && fs::symlink_metadata(&target).is_ok() {
            self.move_aside(&folder.target, &target)?;
        }
        put_in_place(&folder.staging.join(relative), &target, false)?;
        self.placed.push(target);
        Ok(())
    }

    /// Moves an existing file at `target` into the backup folder, kept until the whole folder
    /// is in place.
    fn move_aside(&mut self, root: &Path, target: &Path) -> Result<(), CliError> {
        if self.backup.is_none() {
            let parent = parent_of(root);
            // Not registered for removal on a signal: it may hold the user's files.
            let backup = tempfile::Builder::new()
                .prefix(".npio-replaced.")
                .tempdir_in(&parent)
                .map_err(|e| CliError::io(&parent, e))?
                .keep();
            self.backup = Some(backup);
        }
        let backup = self.backup.as_ref().expect("made above");
        let aside = backup.join(self.replaced.len().to_string());
        fs::rename(target, &aside).map_err(|e| CliError::io(target, e))?;
        self.replaced.push((target.to_path_buf(), aside));
        Ok(())
    }

    /// Everything is in place: the files replaced go.
    fn finish(self) -> Result<(), CliError> {
        if let Some(backup) = &self.backup {
            let _ = fs::remove_dir_all(backup);
        }
        Ok(())
    }

    /// Undoes the moves: the files moved in go, the files moved aside come back, the folders
    /// made for them go. Something that cannot be put back stays in the backup folder, and
    /// the message says where.
    fn roll_back(self) {
        for path in self.placed.iter().rev() {
            let _ = fs::remove_file(path);
        }
        let mut kept = false;
        for (original, aside) in self.replaced.iter().rev() {
            if fs::rename(aside, original).is_err() {
                kept = true;
                eprintln!(
                    "npio: could not put {} back; it is kept at {}",
                    original.display(),
                    aside.display()
                );
            }
        }
        for folder in self.created.iter().rev() {
            let _ = fs::remove_dir(folder);
        }
        if let (Some(backup), false) = (&self.backup, kept) {
            let _ = fs::remove_dir_all(backup);
        }
    }
}

/// Checks, creating nothing, that `root/relative` can be written: every folder on the way is
/// a folder (not a symlink or a file) or missing, and the file itself is not a folder.
fn check_way_in(root: &Path, relative: &Path) -> Result<(), CliError> {
    let refuse = |at: &Path, why: &str| {
        CliError::data(format!(
            "{}: {} {why}; refusing to write through it (nothing was written)",
            root.join(relative).display(),
            at.display()
        ))
    };
    let mut path = root.to_path_buf();
    let parts: Vec<_> = relative.components().collect();
    for (i, part) in parts.iter().enumerate() {
        path.push(part);
        let last = i + 1 == parts.len();
        match fs::symlink_metadata(&path) {
            Err(_) => return Ok(()), // missing: nothing below it exists either
            Ok(meta) if last && meta.is_dir() => return Err(refuse(&path, "is a folder")),
            Ok(_) if last => return Ok(()),
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(refuse(
                    &path,
                    "is a symlink (it could lead outside the output folder)",
                ))
            }
            Ok(meta) if !meta.is_dir() => return Err(refuse(&path, "is a file, not a folder")),
            Ok(_) => {}
        }
    }
    Ok(())
}

impl Drop for StagedFolder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.staging);
        temp::forget(&self.staging);
    }
}

/// Creates the folders leading to `root/relative` one at a time, refusing to pass through a
/// symlink or anything that is not a folder, so that nothing is created or written outside
/// `root` even when a folder inside it links elsewhere. Records the folders it created.
fn make_folders_inside(
    root: &Path,
    relative: &Path,
    created: &mut Vec<PathBuf>,
) -> Result<(), CliError> {
    let refuse = |at: &Path, why: &str| {
        CliError::data(format!(
            "{}: {} {why}; refusing to write through it",
            root.join(relative).display(),
            at.display()
        ))
    };
    if fs::symlink_metadata(root).is_err() {
        fs::create_dir_all(root).map_err(|e| CliError::io(root, e))?;
        created.push(root.to_path_buf());
    }
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
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                fs::create_dir(&folder).map_err(|e| CliError::io(&folder, e))?;
                created.push(folder.clone());
            }
            Err(e) => return Err(CliError::io(&folder, e)),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn write(folder: &mut StagedFolder, rel: &str, guard: &Guard) -> Result<(), CliError> {
        let mut f = folder.create_file(Path::new(rel), rel, guard)?;
        f.write_all(rel.as_bytes()).unwrap();
        f.into_file().unwrap();
        Ok(())
    }

    #[test]
    fn a_new_folder_appears_whole() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let guard = Guard::new(false, &Cancel::default());
        let mut folder = StagedFolder::create(&target, &guard).unwrap();
        write(&mut folder, "a.npy", &guard).unwrap();
        write(&mut folder, "x/b.npy", &guard).unwrap();
        assert!(!target.exists());
        folder.commit().unwrap();
        assert_eq!(fs::read(target.join("x/b.npy")).unwrap(), b"x/b.npy");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1); // no staging left
    }

    #[test]
    fn conflicts_inside_the_output_stop_before_anything_is_placed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let guard = Guard::new(false, &Cancel::default());
        let mut folder = StagedFolder::create(&target, &guard).unwrap();
        write(&mut folder, "a.npy", &guard).unwrap();
        assert!(write(&mut folder, "a.npy/b.npy", &guard).is_err());
        drop(folder);
        assert!(!target.exists());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    #[test]
    fn merging_into_an_existing_folder_rolls_back_on_a_conflict() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("keep.txt"), b"mine").unwrap();
        let guard = Guard::new(false, &Cancel::default());
        let mut folder = StagedFolder::create(&target, &guard).unwrap();
        write(&mut folder, "new/a.npy", &guard).unwrap();
        write(&mut folder, "z.npy", &guard).unwrap();
        // Another program creates z.npy while npio runs.
        fs::write(target.join("z.npy"), b"theirs").unwrap();
        assert!(folder.commit().is_err());
        let mut left: Vec<_> = fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        left.sort();
        assert_eq!(left, ["keep.txt", "z.npy"]);
        assert_eq!(fs::read(target.join("z.npy")).unwrap(), b"theirs");
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn forced_merges_find_every_conflict_before_replacing_anything() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("a.npy"), b"mine").unwrap();
        fs::write(target.join("sub"), b"a file where a folder must be").unwrap();
        let guard = Guard::new(true, &Cancel::default());
        let mut folder = StagedFolder::create(&target, &guard).unwrap();
        write(&mut folder, "a.npy", &guard).unwrap();
        write(&mut folder, "sub/b.npy", &guard).unwrap();
        let err = folder.commit().unwrap_err();
        assert!(err.to_string().contains("is a file, not a folder"), "{err}");
        assert_eq!(fs::read(target.join("a.npy")).unwrap(), b"mine");
        assert_eq!(fs::read_dir(&target).unwrap().count(), 2);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1); // no staging, no backup
    }

    #[test]
    fn a_failed_forced_merge_puts_the_replaced_files_back() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        fs::create_dir(&target).unwrap();
        fs::write(target.join("a.npy"), b"mine").unwrap();
        let guard = Guard::new(true, &Cancel::default());
        let mut folder = StagedFolder::create(&target, &guard).unwrap();
        write(&mut folder, "a.npy", &guard).unwrap();
        write(&mut folder, "new/b.npy", &guard).unwrap();
        let mut merge = Merge::default();
        merge.move_in(&folder, Path::new("a.npy")).unwrap();
        merge.move_in(&folder, Path::new("new/b.npy")).unwrap();
        assert_eq!(fs::read(target.join("a.npy")).unwrap(), b"a.npy");
        // The next file fails to move (it was never written).
        assert!(merge.move_in(&folder, Path::new("gone.npy")).is_err());
        merge.roll_back();
        drop(folder);
        assert_eq!(fs::read(target.join("a.npy")).unwrap(), b"mine");
        let left: Vec<_> = fs::read_dir(&target)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["a.npy"]);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
