//! Work on every member of one archive, several members at a time on the current rayon pool
//! (the `--jobs` pool, or one thread per core): each task reads through its own clone of the
//! archive reader, largest members first so that no long member starts last. A deflated
//! member is inflated whole when it is at most 128 MiB (the library's limit), so memory stays
//! within one such buffer per task; larger members stream.

use std::io::{Read, Seek};

use npio::npz::MemberInfo;
use npio::NpzReader;
use rayon::prelude::*;

/// Archives whose members hold less than this (compressed) are worked through on the
/// caller's thread: starting tasks would cost more than it saves.
const SMALL_ARCHIVE: u64 = 1 << 20;

/// `work(reader, index)` for every member index, results in archive order.
pub fn each_member<R, T, E>(
    npz: &mut NpzReader<R>,
    members: &[MemberInfo],
    work: impl Fn(&mut NpzReader<R>, usize) -> Result<T, E> + Sync,
) -> Vec<Result<T, E>>
where
    R: Read + Seek + Clone + Send + Sync,
    T: Send,
    E: Send,
{
    let total: u64 = members.iter().map(|m| m.compressed_size).sum();
    if members.len() < 2 || total < SMALL_ARCHIVE || rayon::current_num_threads() < 2 {
        return (0..members.len()).map(|i| work(npz, i)).collect();
    }
    let mut order: Vec<usize> = (0..members.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(members[i].compressed_size));
    let shared: &NpzReader<R> = npz;
    let mut done: Vec<(usize, Result<T, E>)> = order
        .par_iter()
        .with_max_len(1)
        .map_init(|| shared.clone(), |reader, &i| (i, work(reader, i)))
        .collect();
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, result)| result).collect()
}
