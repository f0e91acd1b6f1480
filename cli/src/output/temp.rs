//! Temporary names and what is left of them after a signal.
//!
//! Temporary files and staging folders are made by the `tempfile` crate next to their
//! target: `.NAME.XXXXXXXX.npio-tmp`, with random characters, retried when the name is taken
//! (a leftover of a killed run, which may have had the same process id in a container, never
//! blocks a later run). Every one of them is registered here while it exists, so that a
//! signal (Ctrl-C, `kill`, `timeout`, `docker stop`) removes them all before the process
//! exits (see [`install_signal_handler`]). Putting outputs in place holds [`placing`], so a
//! signal never interrupts a folder halfway into place: it waits for the renames to finish or
//! roll back.
//!
//! The registry and that lock are the CLI's only process-wide state: a signal handler has no
//! other way to reach them. Everything else a run shares (its cancellation flag, the batch
//! committer, the progress meters) is a value passed down from `main`.

use std::collections::HashSet;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock, RwLockReadGuard};
use std::time::Duration;

use super::Cancel;

/// Temporary files and folders that exist now.
static LIVE: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

/// Held (shared) while outputs are renamed into place; taken exclusively by [`abort`].
static PLACING: RwLock<()> = RwLock::new(());

/// How long a first signal lets the work stop by itself before [`abort`].
const GRACE: Duration = Duration::from_secs(1);

fn live() -> std::sync::MutexGuard<'static, Option<HashSet<PathBuf>>> {
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

/// Registers a temporary path, to be removed on a signal.
fn register(path: &Path) {
    live()
        .get_or_insert_with(HashSet::new)
        .insert(path.to_path_buf());
}

/// Forgets a temporary path (it was removed, or renamed into place).
pub(super) fn forget(path: &Path) {
    if let Some(set) = live().as_mut() {
        set.remove(path);
    }
}

/// Runs `make` with the builder of temporary names for the output named `target_name`.
fn with_builder<T>(
    target_name: &std::ffi::OsStr,
    make: impl FnOnce(&tempfile::Builder<'_, '_>) -> io::Result<T>,
) -> io::Result<T> {
    let mut prefix = std::ffi::OsString::from(".");
    prefix.push(target_name);
    prefix.push(".");
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".npio-tmp").rand_bytes(8);
    make(&builder)
}

/// Creates a new temporary file in `folder` for the output named `target_name`, registered
/// for removal on a signal.
pub(super) fn create_file(
    folder: &Path,
    target_name: &std::ffi::OsStr,
) -> io::Result<(File, PathBuf)> {
    let named = with_builder(target_name, |b| {
        b.make_in(folder, |path| {
            File::options().write(true).create_new(true).open(path)
        })
    })?;
    let (file, path) = named.keep().map_err(|e| e.error)?;
    register(&path);
    Ok((file, path))
}

/// Creates a new temporary folder in `folder` for the output named `target_name`, registered
/// for removal on a signal.
pub(super) fn create_folder(folder: &Path, target_name: &std::ffi::OsStr) -> io::Result<PathBuf> {
    let path = with_builder(target_name, |b| b.tempdir_in(folder))?.keep();
    register(&path);
    Ok(path)
}

/// A shared hold on putting outputs in place; a signal waits for it to be released.
pub(super) fn placing() -> RwLockReadGuard<'static, ()> {
    PLACING.read().unwrap_or_else(|e| e.into_inner())
}

/// Removes every registered temporary file and folder, waiting for renames in progress, and
/// exits with `code`. Nothing is put in place afterwards.
fn abort(code: i32) -> ! {
    let _hold = PLACING.write().unwrap_or_else(|e| e.into_inner());
    let paths: Vec<PathBuf> = live().take().into_iter().flatten().collect();
    for path in paths {
        match std::fs::symlink_metadata(&path) {
            Ok(meta) if meta.is_dir() => {
                let _ = std::fs::remove_dir_all(&path);
            }
            Ok(_) => {
                let _ = std::fs::remove_file(&path);
            }
            Err(_) => {}
        }
    }
    eprintln!("npio: interrupted");
    std::process::exit(code)
}

/// Handles SIGINT, SIGTERM and SIGHUP: the first asks the work to stop (every output write
/// fails from then on, and the temporary files are removed as the work unwinds) and, if the
/// process has not exited a second later, removes every temporary file and exits; a second
/// signal does that at once. Either way nothing temporary is left behind. Exit code 130.
pub fn install_signal_handler(cancel: &Cancel) {
    let cancel = cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if cancel.set() {
            abort(130);
        }
        std::thread::spawn(|| {
            std::thread::sleep(GRACE);
            abort(130);
        });
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_are_random_hidden_and_retried() {
        let dir = tempfile::tempdir().unwrap();
        let (_, a) = create_file(dir.path(), "out.npz".as_ref()).unwrap();
        let (_, b) = create_file(dir.path(), "out.npz".as_ref()).unwrap();
        assert_ne!(a, b);
        for p in [&a, &b] {
            let name = p.file_name().unwrap().to_str().unwrap();
            assert!(
                name.starts_with(".out.npz.") && name.ends_with(".npio-tmp"),
                "{name}"
            );
            assert!(live().as_ref().unwrap().contains(p.as_path()));
            forget(p);
        }
        let folder = create_folder(dir.path(), "out".as_ref()).unwrap();
        assert!(folder.is_dir());
        forget(&folder);
    }
}
