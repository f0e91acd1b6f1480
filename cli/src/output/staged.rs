//! Folder outputs that appear whole or not at all: files are written into a hidden staging
//! folder next to the target, then put in place together.

use std::fs::{self, File};
use std::io;
use std::path::{Component, Path, PathBuf};

use super::{parent_of, put_in_place, sync_and_place, temp_sibling, Guard, OutputFile, Pending};
use crate::CliError;

/// A folder of outputs being written. [`StagedFolder::commit`] puts every file in place: the
/// staging folder is renamed to the target when the target does not exist yet; otherwise each
/// file is moved in (never replacing a file without `--force`), and if one move fails, the
/// ones already made and the folders created for them are removed again. Dropped without
/// `commit`, the staging folder is removed: after a failure the target is as it was.
pub struct StagedFolder {
    target: PathBuf,
    staging: PathBuf,
    /// Files written, relative to the folder, in the order they were created.
    files: Vec<PathBuf>,
    replace: bool,
}

/// A file of a [`StagedFolder`], claimed but not created yet.
pub struct StagedFile {
    path: PathBuf,
    target: PathBuf,
    what: String,
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
        Ok(OutputFile::new(file))
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
        let staging = temp_sibling(target)?;
        fs::create_dir(&staging).map_err(|e| CliError::io(&staging, e))?;
        Ok(StagedFolder {
            target: target.to_path_buf(),
            staging,
            files: Vec::new(),
            replace: guard.force,
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
        })
    }

    /// Syncs the files and puts the folder in place; in batch mode (see
    /// [`super::defer_commits`]) the committer thread does both.
    pub fn commit(self) -> Result<(), CliError> {
        match super::deferred::defer(Pending::Folder(self)) {
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
        let mut placed: Vec<PathBuf> = Vec::new();
        let mut created: Vec<PathBuf> = Vec::new();
        let result = (|| {
            for relative in &self.files {
                let target = self.target.join(relative);
                make_folders_inside(&self.target, relative, &mut created)?;
                put_in_place(&self.staging.join(relative), &target, self.replace)?;
                placed.push(target);
            }
            Ok(())
        })();
        if result.is_err() {
            for path in placed.iter().rev() {
                let _ = fs::remove_file(path);
            }
            for folder in created.iter().rev() {
                let _ = fs::remove_dir(folder);
            }
        }
        result
    }
}

impl Drop for StagedFolder {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.staging);
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
        let guard = Guard::new(false);
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
        let guard = Guard::new(false);
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
        let guard = Guard::new(false);
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
}
