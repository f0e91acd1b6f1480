//! `npio convert --out-dir DIR INPUT...`: every input into DIR, in parallel, with a progress
//! bar; `--unpack` writes each archive as a folder of `.npy` files.

use std::collections::HashMap;
use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use rayon::prelude::*;

use super::inputs::{register_input, Kind};
use super::{convert, Settings, Stats};
use crate::show::count;
use crate::CliError;

/// One input of the batch and where it goes.
struct Task {
    input: PathBuf,
    target: Result<(Kind, PathBuf, Kind), CliError>,
}

/// The output of `input` (of kind `from`) in `out_dir`: the same kind under the same name, or
/// with `unpack` an archive's folder named after it without `.npz`.
fn target_of(
    input: &Path,
    from: Kind,
    out_dir: &Path,
    unpack: bool,
) -> Result<(PathBuf, Kind), CliError> {
    let name = input
        .file_name()
        .ok_or_else(|| CliError::usage(format!("{}: no file name", input.display())))?;
    Ok(match (from, unpack) {
        (Kind::Npz, true) => {
            let stem = input.file_stem().unwrap_or(name);
            (out_dir.join(stem), Kind::Folder)
        }
        _ => (out_dir.join(name), from),
    })
}

/// Every input's task; each input is registered in the settings' guard.
fn plan(
    inputs: &[PathBuf],
    out_dir: &Path,
    settings: &mut Settings,
) -> Result<Vec<Task>, CliError> {
    let kinds: Vec<Result<Kind, CliError>> = inputs
        .iter()
        .map(|p| register_input(&mut settings.guard, p))
        .collect();
    if settings.unpack {
        for (input, kind) in inputs.iter().zip(&kinds) {
            if let Ok(kind) = kind {
                if *kind != Kind::Npz {
                    return Err(CliError::usage(format!(
                        "--unpack writes .npz archives as folders, and {} is not an archive",
                        input.display()
                    )));
                }
            }
        }
    }
    let writes_archive = !settings.unpack && kinds.iter().any(|k| matches!(k, Ok(Kind::Npz)));
    settings.check_compression_used(writes_archive)?;
    let mut first_claim: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut tasks = Vec::with_capacity(inputs.len());
    for (input, kind) in inputs.iter().zip(kinds) {
        let target = kind.and_then(|from| {
            let (target, to) = target_of(input, from, out_dir, settings.unpack)?;
            if let Some(other) = first_claim.get(&target) {
                return Err(CliError::data(format!(
                    "{}: same output name as {}; not converted",
                    input.display(),
                    other.display()
                )));
            }
            first_claim.insert(target.clone(), input.clone());
            Ok((from, target, to))
        });
        tasks.push(Task {
            input: input.clone(),
            target,
        });
    }
    Ok(tasks)
}

/// `npio convert --out-dir DIR INPUT...`.
pub fn run_batch(
    inputs: &[PathBuf],
    out_dir: &Path,
    mut settings: Settings,
    jobs: Option<u32>,
) -> Result<bool, CliError> {
    for path in [out_dir]
        .into_iter()
        .chain(inputs.iter().map(PathBuf::as_path))
    {
        if crate::remote::url(path).is_some() {
            return Err(CliError::usage(format!(
                "{}: --out-dir converts local files and folders; convert objects one at a \
                 time (npio convert URL OUTPUT)",
                path.display()
            )));
        }
    }
    let tasks = plan(inputs, out_dir, &mut settings)?;
    fs::create_dir_all(out_dir).map_err(|e| CliError::io(out_dir, e))?;
    settings.guard.list_folder(out_dir);
    let threads = jobs
        .map(|j| j as usize)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| CliError::data(format!("cannot start {threads} worker threads: {e}")))?;
    let bar = if settings.quiet || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let bar = ProgressBar::new(tasks.len() as u64);
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:40} {pos}/{len} {elapsed_precise} eta {eta} {wide_msg}",
        ) {
            bar.set_style(style);
        }
        bar
    };
    let started = Instant::now();
    // One thread asked for: no committer thread beside the worker.
    let committer = crate::output::defer_commits(threads > 1, settings.guard.cancel());
    settings.guard.commit_through(&committer);
    let results: Vec<Result<Stats, CliError>> = pool.install(|| {
        tasks
            .par_iter()
            .map(|task| {
                let result = match &task.target {
                    Ok((from, target, to)) => convert(&task.input, *from, target, *to, &settings),
                    Err(e) => Err(CliError::data(e.to_string())),
                };
                if let Err(err) = &result {
                    bar.suspend(|| eprintln!("npio: {err}"));
                }
                bar.set_message(task.input.display().to_string());
                bar.inc(1);
                result
            })
            .collect()
    });
    bar.finish_and_clear();
    // The last round of syncs and renames (see `defer_commits`).
    let unplaced = committer.finish();
    for err in &unplaced {
        eprintln!("npio: {err}");
    }
    let mut total = Stats::default();
    // An output that could not be put in place counts as a failed input.
    let mut failed = unplaced.len().min(results.len());
    for result in &results {
        match result {
            Ok(stats) => total.add(*stats),
            Err(_) => failed += 1,
        }
    }
    eprintln!(
        "npio: converted {} of {} into {} ({}) in {:.2} s{}",
        results.len() - failed,
        count(results.len(), "input", "inputs"),
        out_dir.display(),
        total.summary(),
        started.elapsed().as_secs_f64(),
        if failed > 0 {
            format!("; {failed} failed")
        } else {
            String::new()
        }
    );
    Ok(failed == 0)
}
