//! Bounded parallelism: `threads=None` runs on rayon's global pool (one thread per core);
//! `threads=n` runs inside a pool of `n` threads, built once per size and reused.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyValueError;
use pyo3::PyResult;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// Pools built so far, by size (a handful at most in practice).
static POOLS: Mutex<Vec<(usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());

/// The pool of `threads` threads, built on first use.
fn pool(threads: usize) -> PyResult<Arc<ThreadPool>> {
    if threads == 0 {
        return Err(PyValueError::new_err(
            "threads must be at least 1 (or None for one per core)",
        ));
    }
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, pool)) = pools.iter().find(|(n, _)| *n == threads) {
        return Ok(Arc::clone(pool));
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("npio-{i}"))
        .build()
        .map_err(|e| PyValueError::new_err(format!("cannot start {threads} threads: {e}")))?;
    let pool = Arc::new(pool);
    pools.push((threads, Arc::clone(&pool)));
    Ok(pool)
}

/// Runs `f` with npio's parallel work bounded to `threads` threads (`None`: one per core).
pub(crate) fn run<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    match threads {
        None => Ok(f()),
        Some(n) => Ok(pool(n)?.install(f)),
    }
}
