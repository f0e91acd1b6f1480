//! Members deflating in the background while the caller prepares the next ones.
//!
//! Each member is a [`Queue`] task: choose the encoder, then compress. A member libdeflate
//! compresses in one piece stays one task; a member zlib-rs compresses in parallel blocks
//! fans out into one filler task per block, and the block that finishes last assembles the
//! member. Urgent tasks run first, so a long one-piece member added late starts as soon as a
//! thread is free rather than after every block of the members before it: threads stay busy
//! to the end.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};

use super::deflate::{self, BlockResult, Encoder};
use super::progress::Progress;
use super::single::{one_member_zip, DEFLATED};
use crate::error::{Error, Result};
use crate::par::{Queue, Urgency};

/// A member's one-member zip (the writer copies its entry), or why it failed.
pub(super) type Deflated = Result<Vec<u8>>;

/// Starts deflating `bytes` on `queue` at `level`, or with the encoder npio chooses when
/// `None`; the result arrives on the returned channel (which reports a task that panicked
/// by closing without a value).
pub(super) fn start(
    queue: &Queue,
    bytes: Vec<u8>,
    level: Option<u32>,
    progress: Progress,
) -> Receiver<Deflated> {
    let (send, receive) = sync_channel(1);
    let blocks_queue = queue.clone();
    queue.push(Urgency::First, move || {
        let encoder = level.map_or_else(|| deflate::choose_encoder(&bytes), Encoder::Zlib);
        let crc = crc32fast::hash(&bytes);
        match encoder {
            Encoder::Zlib(level) if deflate::block_count(bytes.len()) > 1 => {
                fan_out(&blocks_queue, bytes, crc, level, send, progress);
            }
            _ => {
                let raw = deflate::compress(&bytes, encoder);
                progress.advance(bytes.len() as u64);
                let _ = send.send(zipped(raw, crc, &bytes));
            }
        }
    });
    receive
}

/// Deflates a member smaller than [`deflate::SMALL_MEMBER`] here and now (no sampling, no
/// task to hand over to), delivered as [`start`] would deliver it.
pub(super) fn now(bytes: &[u8], level: Option<u32>, progress: &Progress) -> Receiver<Deflated> {
    let raw = match level {
        Some(level) => deflate::compress(bytes, Encoder::Zlib(level)),
        None => deflate::compress_small(bytes),
    };
    progress.advance(bytes.len() as u64);
    ready(zipped(raw, crc32fast::hash(bytes), bytes))
}

/// The one-member zip of `data`, deflated to `raw` (its CRC `crc`).
fn zipped(raw: Result<Vec<u8>>, crc: u32, data: &[u8]) -> Deflated {
    raw.map(|raw| one_member_zip(&raw, crc, data.len() as u64, DEFLATED))
}

/// Compresses `bytes` with zstd at `level`, delivered as [`start`] delivers: a small member
/// here and now, a larger one as one task on `queue` (libzstd spreads a large member over its
/// own worker threads).
#[cfg(feature = "zstd")]
pub(super) fn zstd(
    queue: &Queue,
    bytes: std::borrow::Cow<'_, [u8]>,
    level: i32,
    progress: &Progress,
) -> Receiver<Deflated> {
    if bytes.len() < super::deflate::SMALL_MEMBER {
        return ready(zstd_zipped(&bytes, level, progress));
    }
    let (send, receive) = sync_channel(1);
    let (bytes, progress) = (bytes.into_owned(), progress.clone());
    queue.push(Urgency::First, move || {
        let _ = send.send(zstd_zipped(&bytes, level, &progress));
    });
    receive
}

/// The one-member zip of `bytes` compressed with zstd at `level`.
#[cfg(feature = "zstd")]
fn zstd_zipped(bytes: &[u8], level: i32, progress: &Progress) -> Deflated {
    let crc = crate::par::crc32(bytes);
    let raw = super::zstd::compress(bytes, level)?;
    progress.advance(bytes.len() as u64);
    Ok(one_member_zip(
        &raw,
        crc,
        bytes.len() as u64,
        super::single::ZSTD,
    ))
}

/// A result that is already at hand, as [`start`] would deliver it.
fn ready(zip: Deflated) -> Receiver<Deflated> {
    let (send, receive) = sync_channel(1);
    let _ = send.send(zip);
    receive
}

/// A member compressing as parallel blocks.
struct Blocks {
    bytes: Vec<u8>,
    crc: u32,
    level: u32,
    progress: Progress,
    state: Mutex<BlocksDone>,
}

/// What the blocks of a [`Blocks`] member have done so far.
struct BlocksDone {
    results: Vec<Option<BlockResult>>,
    /// Blocks still compressing.
    left: usize,
    /// Where the member goes once the last block is done.
    send: Option<SyncSender<Deflated>>,
}

fn fan_out(
    queue: &Queue,
    bytes: Vec<u8>,
    crc: u32,
    level: u32,
    send: SyncSender<Deflated>,
    progress: Progress,
) {
    let count = deflate::block_count(bytes.len());
    let member = Arc::new(Blocks {
        bytes,
        crc,
        level,
        progress,
        state: Mutex::new(BlocksDone {
            results: (0..count).map(|_| None).collect(),
            left: count,
            send: Some(send),
        }),
    });
    for i in 0..count {
        let member = Arc::clone(&member);
        queue.push(Urgency::Filler, move || {
            let result = deflate::block(&member.bytes, i, member.level);
            member
                .progress
                .advance(deflate::block_len(member.bytes.len(), i) as u64);
            let mut state = member.state.lock().unwrap_or_else(|e| e.into_inner());
            state.results[i] = Some(result);
            state.left -= 1;
            if state.left == 0 {
                let results = std::mem::take(&mut state.results);
                let send = state.send.take();
                drop(state);
                let raw = results
                    .into_iter()
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| Error::Io(std::io::Error::other("a deflate block is missing")))
                    .and_then(deflate::join_blocks);
                let zip = zipped(raw, member.crc, &member.bytes);
                if let Some(send) = send {
                    let _ = send.send(zip);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::par::recv;

    fn member(zip: Vec<u8>) -> Vec<u8> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut archive.by_index(0).unwrap(), &mut out).unwrap();
        out
    }

    #[test]
    fn every_member_arrives_whole_whatever_its_encoder() {
        let queue = Queue::default();
        let walk: Vec<u8> = (0..600_000u32)
            .flat_map(|i| ((i as f64).sin() * 1e3).round().to_le_bytes())
            .collect();
        let cases = [
            (walk.clone(), None),
            (walk.clone(), Some(6)),
            (vec![7u8; 10], Some(1)),
        ];
        let started: Vec<_> = cases
            .iter()
            .map(|(bytes, level)| start(&queue, bytes.clone(), *level, Progress::default()))
            .collect();
        for ((bytes, _), receiver) in cases.iter().zip(started) {
            let zip = recv(&receiver).unwrap().unwrap();
            assert_eq!(&member(zip), bytes);
        }
        assert_eq!(
            member(
                recv(&ready(Ok(one_member_zip(&[3, 0], 0, 0, DEFLATED))))
                    .unwrap()
                    .unwrap()
            ),
            b""
        );
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn waiting_inside_a_one_thread_pool_does_not_deadlock() {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let data: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        let sizes = pool.install(|| {
            let queue = Queue::default();
            let started: Vec<_> = (0..3)
                .map(|_| start(&queue, data.clone(), None, Progress::default()))
                .collect();
            // The caller is the pool's only thread: waiting runs the queued tasks.
            started
                .iter()
                .map(|r| member(recv(r).unwrap().unwrap()).len())
                .collect::<Vec<_>>()
        });
        assert_eq!(sizes, [data.len(); 3]);
    }
}
