//! Replays every input the fuzzers ever found failing (`fuzz/regressions/TARGET/`) and the
//! malformed fixtures through the fuzz targets' own checks (`fuzz/checks.rs`): fixed bugs stay
//! fixed without running a fuzzer.

#[path = "../fuzz/checks.rs"]
mod checks;
#[path = "../fuzz/limit.rs"]
mod limit;

// The fuzz targets' allocator: every replay here runs under the same 512 MiB limit.
#[global_allocator]
static ALLOC: limit::Limited = limit::Limited;

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
    for (target, check) in [
        ("header", checks::header as fn(&[u8])),
        ("npy", checks::npy),
        ("npz", checks::npz),
        ("dtype", checks::dtype),
    ] {
        let replayed = replay(target, check);
        assert!(replayed > 0, "fuzz/regressions/{target} replayed nothing");
    }
}

/// The allocation limit is real: reading the 1 GiB deflate bomb (a legitimate 1 GiB array)
/// under it must abort the process with the limit's message.
#[test]
fn the_allocation_limit_trips() {
    if std::env::var_os("NPIO_TRIP_ALLOCATION_LIMIT").is_some() {
        let bomb = std::fs::read(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/npz/hostile_deflate_bomb.npz"),
        )
        .unwrap();
        checks::npz(&bomb);
        std::process::exit(0); // not reached when the limit works
    }
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "the_allocation_limit_trips",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("NPIO_TRIP_ALLOCATION_LIMIT", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the 1 GiB allocation went through");
    assert!(
        stderr.contains(std::str::from_utf8(limit::MESSAGE).unwrap().trim()),
        "{stderr}"
    );
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
        ("records", &[checks::npy, checks::npz][..]),
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
