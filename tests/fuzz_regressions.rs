//! Replays every input the fuzzers ever found failing (`fuzz/regressions/TARGET/`) and the
//! malformed fixtures through the fuzz targets' own checks (`fuzz/checks.rs`): fixed bugs stay
//! fixed without running a fuzzer.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/regressions")
        .join(target);
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        {
            continue;
        }
        let data = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{} fails again", path.display());
        count += 1;
    }
    count
}

#[test]
fn saved_fuzz_failures_stay_fixed() {
    replay("header", checks::header);
    replay("npy", checks::npy);
    replay("npz", checks::npz);
    replay("dtype", checks::dtype);
}

/// The dtype target's checks on a fixed stream of pseudo-random inputs, so that `cargo test`
/// covers what `fuzz/run.sh` explores further.
#[test]
fn dtypes_built_from_random_bytes_pass_the_fuzz_checks() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..50_000 {
        let len = (state % 96) as usize;
        let data: Vec<u8> = (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        checks::dtype(&data);
    }
}

#[test]
fn fixtures_pass_the_fuzz_checks() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for (folder, checks) in [
        ("npy", &[checks::header as fn(&[u8]), checks::npy][..]),
        ("malformed", &[checks::header, checks::npy][..]),
        ("npz", &[checks::npz as fn(&[u8])][..]),
    ] {
        for entry in std::fs::read_dir(root.join(folder)).unwrap() {
            let path = entry.unwrap().path();
            // The deflate bomb is valid and 1 GiB inflated: tests/cli.rs covers it.
            if path.to_string_lossy().contains("deflate_bomb") {
                continue;
            }
            let data = std::fs::read(&path).unwrap();
            for check in checks {
                let result = std::panic::catch_unwind(|| check(&data));
                assert!(result.is_ok(), "{} fails the fuzz checks", path.display());
            }
        }
    }
}
