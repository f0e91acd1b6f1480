//! Bounded parallelism: `threads=None` runs on rayon's global pool (one thread per core);
//! `threads=n` runs inside a pool of `n` threads. Pools are reused: the few most recently used
//! sizes are kept, older ones are dropped (their threads end once no read uses them), so a
//! program that passes many different `threads=` values does not accumulate threads.

use std::sync::{Arc, Mutex};

use pyo3::exceptions::PyValueError;
use pyo3::PyResult;
use rayon::{ThreadPool, ThreadPoolBuilder};

/// The most threads one call may ask for.
pub(crate) const MAX_THREADS: usize = 1024;

/// How many pools (of distinct sizes) are kept for reuse.
const KEPT_POOLS: usize = 2;

/// Pools kept for reuse, most recently used last.
static POOLS: Mutex<Vec<(usize, Arc<ThreadPool>)>> = Mutex::new(Vec::new());

/// The pool of `threads` threads: a kept one, or a new one (dropping the least recently used
/// when more than [`KEPT_POOLS`] would be kept).
fn pool(threads: usize) -> PyResult<Arc<ThreadPool>> {
    if threads == 0 || threads > MAX_THREADS {
        return Err(PyValueError::new_err(format!(
            "threads must be from 1 to {MAX_THREADS} (or None for one per core), not {threads}"
        )));
    }
    let mut pools = POOLS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(i) = pools.iter().position(|(n, _)| *n == threads) {
        let kept = pools.remove(i);
        let pool = Arc::clone(&kept.1);
        pools.push(kept);
        return Ok(pool);
    }
    let pool = ThreadPoolBuilder::new()
        .num_threads(threads)
        .thread_name(|i| format!("npio-{i}"))
        .build()
        .map_err(|e| PyValueError::new_err(format!("cannot start {threads} threads: {e}")))?;
    let pool = Arc::new(pool);
    pools.push((threads, Arc::clone(&pool)));
    if pools.len() > KEPT_POOLS {
        pools.remove(0);
    }
    Ok(pool)
}

/// Runs `f` with npio's parallel work bounded to `threads` threads (`None`: one per core).
pub(crate) fn run<T: Send>(threads: Option<usize>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    match threads {
        None => Ok(f()),
        Some(n) => Ok(pool(n)?.install(f)),
    }
}

/// The threads `threads` stands for: the number asked, or one per core for `None`.
pub(crate) fn threads(threads: Option<usize>) -> usize {
    threads.unwrap_or_else(rayon::current_num_threads)
}
