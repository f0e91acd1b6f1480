//! Batch mode: outputs are synced and put in place in rounds by one committer thread while
//! the workers go on converting. A round takes every output finished so far, makes them
//! durable with one sync of their file systems (syncing a thousand small files one by one
//! takes longer than converting them), then renames each into place; the outputs finished
//! meanwhile wait for the next round. Each sync waits on the disk, not on a core, so the
//! workers keep both; only the last round is left when they are done. A round starts once
//! [`ROUND_OUTPUTS`] outputs wait, or the first has waited [`ROUND_WAIT`]: a sync costs
//! about as much with one output as with dozens.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{place, Cancel, Pending};
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
    /// The committer sleeps on [`Shared::changed`] (it is woken only when needed: waking is
    /// a system call).
    asleep: bool,
}

/// What the workers and the committer share.
struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when an output is queued or the workers are done.
    changed: Condvar,
    cancel: Cancel,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A worker's way to the committer (held by the outputs of a batch, through their guard).
#[derive(Clone)]
pub struct Handle(Arc<Shared>);

impl std::fmt::Debug for Handle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Handle")
    }
}

/// Queues `pending` for the committer in batch mode (a handle, and the committer not
/// finished), else gives it back to be placed now.
pub(super) fn defer(handle: Option<&Handle>, pending: Pending) -> Result<(), Pending> {
    let Some(Handle(shared)) = handle else {
        return Err(pending);
    };
    let mut queue = shared.lock();
    if queue.finished {
        return Err(pending);
    }
    queue.since.get_or_insert_with(Instant::now);
    queue.waiting.push(pending);
    // The first output sets the committer's timer; enough outputs start the round.
    let len = queue.waiting.len();
    if queue.asleep && (len == 1 || len >= ROUND_OUTPUTS) {
        queue.asleep = false;
        shared.changed.notify_one();
    }
    Ok(())
}

/// The committer of a batch, from [`defer_commits`] to [`Committer::finish`].
pub struct Committer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<Vec<CliError>>>,
    finished: bool,
}

/// Starts a batch's committer: outputs whose guard holds its handle
/// ([`super::Guard::commit_through`]) are synced and put in place in rounds by a committer
/// thread (see the module documentation) until [`Committer::finish`]; without `background`
/// (one thread asked for), all in one round when `finish` is called.
pub fn defer_commits(background: bool, cancel: &Cancel) -> Committer {
    let shared = Arc::new(Shared {
        queue: Mutex::new(Queue {
            waiting: Vec::new(),
            since: None,
            finished: false,
            asleep: false,
        }),
        changed: Condvar::new(),
        cancel: cancel.clone(),
    });
    // Without a thread, `finish` commits everything in one round.
    let thread = background
        .then(|| {
            let shared = Arc::clone(&shared);
            std::thread::Builder::new()
                .name("npio-commit".into())
                .spawn(move || commit_rounds(&shared))
                .ok()
        })
        .flatten();
    Committer {
        shared,
        thread,
        finished: false,
    }
}

impl Committer {
    /// The handle outputs defer through.
    pub fn handle(&self) -> Handle {
        Handle(Arc::clone(&self.shared))
    }

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
        self.shared.lock().finished = true;
        self.shared.changed.notify_all();
        match self.thread.take() {
            Some(thread) => thread.join().unwrap_or_else(|_| {
                vec![CliError::data(
                    "the thread putting outputs in place stopped unexpectedly",
                )]
            }),
            None => commit_rounds(&self.shared),
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
/// nothing waits.
fn commit_rounds(shared: &Shared) -> Vec<CliError> {
    let mut errors = Vec::new();
    loop {
        let round = {
            let mut q = shared.lock();
            loop {
                let due = q.since.map(|since| since + ROUND_WAIT);
                let now = Instant::now();
                if q.finished || q.waiting.len() >= ROUND_OUTPUTS || due.is_some_and(|d| d <= now) {
                    if q.waiting.is_empty() {
                        return errors;
                    }
                    q.since = None;
                    break std::mem::take(&mut q.waiting);
                }
                q.asleep = true;
                q = match due {
                    Some(due) => shared
                        .changed
                        .wait_timeout(q, due - now)
                        .map_or_else(|p| p.into_inner().0, |(g, _)| g),
                    None => shared.changed.wait(q).unwrap_or_else(|p| p.into_inner()),
                };
                q.asleep = false;
            }
        };
        errors.extend(commit_round(round, &shared.cancel));
    }
}

/// Syncs the file systems holding `round` once, then puts each output in place. After Ctrl-C
/// the temporary files are removed instead; if the sync fails too, with an error for each.
fn commit_round(round: Vec<Pending>, cancel: &Cancel) -> Vec<CliError> {
    if cancel.is_set() {
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
