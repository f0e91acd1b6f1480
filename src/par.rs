//! The library's parallelism, in one place.
//!
//! With the `parallel` feature every parallel step runs on rayon: on the pool the caller runs
//! in (`ThreadPool::install`), otherwise on rayon's global pool, so a caller bounds all of
//! npio's threads with one pool. Without the feature everything runs on the caller's thread.
//!
//! Two pieces are npio's own rather than plain rayon, each for a reason:
//! - [`recv`] keeps a pool thread that waits for a result running the pool's other tasks:
//!   without it, a caller inside a two-thread pool waiting on a member being compressed by the
//!   pool could leave no thread to compress it (a deadlock, not a speed question).
//! - [`Queue`] runs urgent tasks (a whole member's encoder choice, tasks that spawn more work)
//!   before the pieces of split work. It earns its place on the `benches/compare.py` row
//!   "write npz deflated, mixed 56 MiB": 395 ms (388-403) with it against 448 ms (441-468)
//!   with tasks spawned first-in first-out on rayon, 7 runs each (2026-12-04, 2 cores).
#![cfg_attr(not(feature = "npz"), allow(dead_code))] // the archive code uses most of it

/// How many tasks can run at once on the current pool (1 without the `parallel` feature).
pub(crate) fn threads() -> usize {
    #[cfg(feature = "parallel")]
    {
        rayon::current_num_threads()
    }
    #[cfg(not(feature = "parallel"))]
    {
        1
    }
}

/// `f(0..n)`, in order, computed in parallel when the feature is on.
pub(crate) fn map<R: Send>(n: usize, f: impl Fn(usize) -> R + Sync + Send) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        (0..n).into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        (0..n).map(f).collect()
    }
}

/// `f` applied to every part, in order, in parallel when the feature is on.
pub(crate) fn map_parts<T: Send, R: Send>(
    parts: Vec<T>,
    f: impl Fn(T) -> R + Sync + Send,
) -> Vec<R> {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        parts.into_par_iter().map(f).collect()
    }
    #[cfg(not(feature = "parallel"))]
    {
        parts.into_iter().map(f).collect()
    }
}

/// Runs `f` on the caller's thread, and `side` on another of the pool's threads while `f`
/// runs; returns once both are done. `side` must be work that pays off only in parallel (such
/// as faulting in pages `f` will write): it does not run at all on a one-thread pool or
/// without the `parallel` feature.
pub(crate) fn alongside<T>(side: impl FnOnce() + Send, f: impl FnOnce() -> T) -> T {
    #[cfg(feature = "parallel")]
    if threads() > 1 {
        return rayon::in_place_scope(|scope| {
            scope.spawn(|_| side());
            f()
        });
    }
    let _ = side;
    f()
}

/// Receives from a channel filled by a task of this module. Inside a rayon pool the waiting
/// thread keeps running the pool's other tasks (the sender among them), so waiting never
/// starves a small pool. `None` when the sender is gone without sending.
pub(crate) fn recv<T>(receiver: &std::sync::mpsc::Receiver<T>) -> Option<T> {
    #[cfg(feature = "parallel")]
    loop {
        match receiver.try_recv() {
            Ok(value) => return Some(value),
            Err(std::sync::mpsc::TryRecvError::Disconnected) => return None,
            // Ran another task: look again. Otherwise nothing is left to help with (the
            // sender runs elsewhere), or this is not a pool thread: block.
            Err(std::sync::mpsc::TryRecvError::Empty) => {
                if !matches!(rayon::yield_now(), Some(rayon::Yield::Executed)) {
                    break;
                }
            }
        }
    }
    receiver.recv().ok()
}

/// How soon a [`Queue`] task should run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Urgency {
    /// Before any filler: long tasks that cannot be split, and tasks that make more work.
    First,
    /// When no urgent task waits (pieces of split work: any thread can finish them).
    Filler,
}

/// A task of a [`Queue`].
type Task = Box<dyn FnOnce() + Send>;

/// Tasks that run on the current pool in order of urgency rather than of submission: each
/// submission spawns one rayon task which, when it runs, takes the most urgent task then
/// waiting (not necessarily its own). So a long task submitted late still starts before the
/// pieces of earlier split work, and no thread idles at the end while one runs it alone.
/// Without the `parallel` feature tasks run on the spot.
#[derive(Clone, Default)]
pub(crate) struct Queue {
    #[cfg(feature = "parallel")]
    waiting: std::sync::Arc<std::sync::Mutex<[std::collections::VecDeque<Task>; 2]>>,
}

impl Queue {
    /// Runs `task` on the pool. A panic in it is caught (rayon would abort the process): what
    /// the task would have sent is never sent, its sender is dropped, and [`recv`] returns
    /// `None`.
    pub(crate) fn push(&self, urgency: Urgency, task: impl FnOnce() + Send + 'static) {
        let task: Task = Box::new(move || {
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(task));
        });
        #[cfg(feature = "parallel")]
        {
            self.lock()[urgency as usize].push_back(task);
            let queue = self.clone();
            rayon::spawn(move || {
                let task = {
                    let mut waiting = queue.lock();
                    let first = waiting[Urgency::First as usize].pop_front();
                    first.or_else(|| waiting[Urgency::Filler as usize].pop_front())
                };
                // Every submission spawns one runner, so every task finds one.
                if let Some(task) = task {
                    task();
                }
            });
        }
        #[cfg(not(feature = "parallel"))]
        {
            let _ = urgency;
            task();
        }
    }

    #[cfg(feature = "parallel")]
    fn lock(&self) -> std::sync::MutexGuard<'_, [std::collections::VecDeque<Task>; 2]> {
        // Tasks never run under the lock, so it cannot be poisoned mid-update.
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The CRC-32 of `bytes`, hashed in pieces on every thread of the pool when they are large
/// (at least [`CRC_PARALLEL_MIN`]) and the pieces' hashes combined. For the rows that end in
/// a CRC check over memory already in place (`benches/compare_memory.py`, "deflated npz
/// written by NumPy, every member via z[name]"; the stored rows of the Python package).
#[cfg(feature = "npz")]
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let pieces = threads();
    if bytes.len() < CRC_PARALLEL_MIN || pieces < 2 {
        return crc32fast::hash(bytes);
    }
    let size = bytes.len().div_ceil(pieces).max(1 << 20);
    let hashers = map(bytes.len().div_ceil(size), |i| {
        let mut hasher = crc32fast::Hasher::new();
        hasher.update(&bytes[i * size..bytes.len().min((i + 1) * size)]);
        hasher
    });
    let mut all = crc32fast::Hasher::new();
    for hasher in &hashers {
        all.combine(hasher);
    }
    all.finalize()
}

/// Buffers at least this large are hashed in pieces by [`crc32`].
#[cfg(feature = "npz")]
pub(crate) const CRC_PARALLEL_MIN: usize = 4 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_order() {
        assert_eq!(
            map(100, |i| i * 2),
            (0..100).map(|i| i * 2).collect::<Vec<_>>()
        );
        assert_eq!(map_parts(vec![3, 1, 2], |x| x + 1), vec![4, 2, 3]);
    }

    #[test]
    fn queued_tasks_all_run_and_urgent_ones_first() {
        let queue = Queue::default();
        let (send, receive) = std::sync::mpsc::channel();
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build();
        let run = || {
            for i in 0..20 {
                let send = send.clone();
                let urgency = if i % 2 == 0 {
                    Urgency::Filler
                } else {
                    Urgency::First
                };
                queue.push(urgency, move || send.send(i).unwrap());
            }
            queue.push(Urgency::First, || panic!("caught, not the pool's end"));
        };
        #[cfg(feature = "parallel")]
        pool.unwrap().install(run);
        #[cfg(not(feature = "parallel"))]
        {
            drop(pool);
            run();
        }
        drop(send);
        let mut got: Vec<i32> = Vec::new();
        while let Some(i) = recv(&receive) {
            got.push(i);
        }
        let mut sorted = got.clone();
        sorted.sort();
        assert_eq!(sorted, (0..20).collect::<Vec<_>>());
        // One thread, busy submitting: the runners start afterwards and take urgent tasks
        // (odd numbers) first.
        #[cfg(feature = "parallel")]
        assert!(got[..10].iter().all(|i| i % 2 == 1), "{got:?}");
    }

    #[cfg(feature = "npz")]
    #[test]
    fn crc32_in_pieces_equals_one_pass() {
        let bytes: Vec<u8> = (0..(CRC_PARALLEL_MIN * 2 + 12345) as u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(3)
            .build()
            .unwrap();
        for len in [0, 1, CRC_PARALLEL_MIN - 1, CRC_PARALLEL_MIN, bytes.len()] {
            let expected = crc32fast::hash(&bytes[..len]);
            assert_eq!(
                pool.install(|| crc32(&bytes[..len])),
                expected,
                "{len} bytes"
            );
            assert_eq!(crc32(&bytes[..len]), expected, "{len} bytes");
        }
    }
}
