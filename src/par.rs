//! The library's parallelism, in one place.
//!
//! With the `parallel` feature every parallel step runs on rayon: on the pool the caller runs
//! in (`ThreadPool::install`), otherwise on rayon's global pool, so a caller bounds all of
//! npio's threads with one pool. Without the feature everything runs on the caller's thread.
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

/// A result computed in the background while the caller goes on: a rayon task with the
/// `parallel` feature, computed on the spot without it.
pub(crate) struct Background<T> {
    #[cfg(feature = "parallel")]
    receiver: std::sync::mpsc::Receiver<std::thread::Result<T>>,
    #[cfg(not(feature = "parallel"))]
    value: std::thread::Result<T>,
}

impl<T: Send + 'static> Background<T> {
    /// Starts computing `f`.
    pub(crate) fn spawn(f: impl FnOnce() -> T + Send + 'static) -> Background<T> {
        let run = move || std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
        #[cfg(feature = "parallel")]
        {
            let (sender, receiver) = std::sync::mpsc::sync_channel(1);
            rayon::spawn(move || {
                let _ = sender.send(run());
            });
            Background { receiver }
        }
        #[cfg(not(feature = "parallel"))]
        {
            Background { value: run() }
        }
    }

    /// Waits for the result; a panic in the task is raised again here (see [`recv`]).
    pub(crate) fn wait(self) -> T {
        #[cfg(feature = "parallel")]
        let result = recv(&self.receiver).expect("the task always sends its result");
        #[cfg(not(feature = "parallel"))]
        let result = self.value;
        match result {
            Ok(value) => value,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    }
}

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
    fn background_results_arrive() {
        let jobs: Vec<_> = (0..8).map(|i| Background::spawn(move || i * i)).collect();
        let got: Vec<i32> = jobs.into_iter().map(Background::wait).collect();
        assert_eq!(got, vec![0, 1, 4, 9, 16, 25, 36, 49]);
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn waiting_inside_a_one_thread_pool_does_not_deadlock() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let got = pool.install(|| {
            let a = Background::spawn(|| 1);
            let b = Background::spawn(|| 2);
            a.wait() + b.wait()
        });
        assert_eq!(got, 3);
    }
}
