//! Batch mode: outputs are synced and put in place in rounds by one committer thread while
//! the workers go on converting. A round takes every output finished so far, makes them
//! durable with one sync of their file systems (syncing a thousand small files one by one
//! takes longer than converting them), then renames each into place; the outputs finished
//! meanwhile wait for the next round. Each sync waits on the disk, not on a core, so the
//! workers keep both; only the last round is left when they are done. A round starts once
//! [`ROUND_OUTPUTS`] outputs wait, or the first has waited [`ROUND_WAIT`]: a sync costs
//! about as much with one output as with dozens.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{place, Pending, CANCELLED};
use crate::CliError;

/// Outputs that start a round at once.
const ROUND_OUTPUTS: usize = 16;

/// The longest an output waits for others to share its round.
const ROUND_WAIT: Duration = Duration::from_millis(2);

/// The outputs waiting for the next round, and whether the workers are done.
struct Queue {
    waiting: Vec<Pending>,
    /// When the first of `waiting` arrived.
    since: Option<Instant>,
    finished: bool,
    /// The committer sleeps on [`CHANGED`] (it is woken only when needed: waking is a
    /// system call).
    asleep: bool,
}

/// `None` outside batch mode.
static QUEUE: Mutex<Option<Queue>> = Mutex::new(None);

/// Signalled when an output is queued or the workers are done.
static CHANGED: Condvar = Condvar::new();

fn lock() -> MutexGuard<'static, Option<Queue>> {
    QUEUE.lock().unwrap_or_else(|p| p.into_inner())
}

/// Queues `pending` for the committer in batch mode, else gives it back.
pub(super) fn defer(pending: Pending) -> Result<(), Pending> {
    match lock().as_mut() {
        Some(queue) => {
            queue.since.get_or_insert_with(Instant::now);
            queue.waiting.push(pending);
            // The first output sets the committer's timer; enough outputs start the round.
            let len = queue.waiting.len();
            if queue.asleep && (len == 1 || len >= ROUND_OUTPUTS) {
                queue.asleep = false;
                CHANGED.notify_one();
            }
            Ok(())
        }
        None => Err(pending),
    }
}

/// The committer of a batch, from [`defer_commits`] to [`Committer::finish`].
pub struct Committer {
    thread: Option<JoinHandle<Vec<CliError>>>,
    finished: bool,
}

/// Enters batch mode: from now on committed outputs are synced and put in place in rounds by
/// a committer thread (see the module documentation) until [`Committer::finish`]; without
/// `background` (one thread asked for), all in one round when `finish` is called.
pub fn defer_commits(background: bool) -> Committer {
    *lock() = Some(Queue {
        waiting: Vec::new(),
        since: None,
        finished: false,
        asleep: false,
    });
    // Without a thread, `finish` commits everything in one round.
    let thread = background
        .then(|| {
            std::thread::Builder::new()
                .name("npio-commit".into())
                .spawn(commit_rounds)
                .ok()
        })
        .flatten();
    Committer {
        thread,
        finished: false,
    }
}

impl Committer {
    /// Waits for the last round once the workers are done, and leaves batch mode. Returns
    /// one error per output that could not be put in place.
    pub fn finish(mut self) -> Vec<CliError> {
        self.finish_rounds()
    }

    fn finish_rounds(&mut self) -> Vec<CliError> {
        if self.finished {
            return Vec::new();
        }
        self.finished = true;
        if let Some(queue) = lock().as_mut() {
            queue.finished = true;
        }
        CHANGED.notify_all();
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or_else(|_| {
                vec![CliError::data(
                    "the thread putting outputs in place stopped unexpectedly",
                )]
            }),
            None => commit_rounds(),
        }
    }
}

impl Drop for Committer {
    /// Outputs are never left under temporary names, even on an early return.
    fn drop(&mut self) {
        for err in self.finish_rounds() {
            eprintln!("npio: {err}");
        }
    }
}

/// The committer's loop: a round for whatever is waiting, until the workers are done and
/// nothing waits; then batch mode ends.
fn commit_rounds() -> Vec<CliError> {
    let mut errors = Vec::new();
    loop {
        let round = {
            let mut queue = lock();
            loop {
                let Some(q) = queue.as_mut() else {
                    return errors;
                };
                let due = q.since.map(|since| since + ROUND_WAIT);
                let now = Instant::now();
                if q.finished || q.waiting.len() >= ROUND_OUTPUTS || due.is_some_and(|d| d <= now) {
                    if q.waiting.is_empty() {
                        *queue = None;
                        return errors;
                    }
                    q.since = None;
                    break std::mem::take(&mut q.waiting);
                }
                q.asleep = true;
                queue = match due {
                    Some(due) => CHANGED
                        .wait_timeout(queue, due - now)
                        .map_or_else(|p| p.into_inner().0, |(g, _)| g),
                    None => CHANGED.wait(queue).unwrap_or_else(|p| p.into_inner()),
                };
                if let Some(q) = queue.as_mut() {
                    q.asleep = false;
                }
            }
        };
        errors.extend(commit_round(round));
    }
}

/// Syncs the file systems holding `round` once, then puts each output in place. After Ctrl-C
/// the temporary files are removed instead; if the sync fails too, with an error for each.
fn commit_round(round: Vec<Pending>) -> Vec<CliError> {
    if CANCELLED.load(std::sync::atomic::Ordering::Relaxed) {
        round.into_iter().for_each(Pending::discard);
        return Vec::new();
    }
    let written: Vec<place::Written<'_>> = round.iter().map(Pending::written).collect();
    if let Err((path, e)) = place::sync_file_systems(&written) {
        return round
            .into_iter()
            .map(|p| {
                let err = CliError::data(format!(
                    "{}: not put in place: syncing {} failed: {e}",
                    p.target().display(),
                    path.display()
                ));
                p.discard();
                err
            })
            .collect();
    }
    round.into_iter().filter_map(|p| p.place().err()).collect()
}
