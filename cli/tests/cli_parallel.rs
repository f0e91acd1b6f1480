//! Archives large enough for `verify` and archive -> folder conversions to work on several
//! members at once: the results, and the errors, are those of one member at a time.

mod common;

use common::cli::{assert_code, assert_no_temp_files, npio, read_dyn, text};
use common::scratch;

/// Six deflated members of noise, 2.4 MB together (past the small-archive path).
fn noisy_archive(path: &std::path::Path) -> Vec<ndarray::Array1<u64>> {
    let mut state = 99u64;
    let arrays: Vec<ndarray::Array1<u64>> = (0..6)
        .map(|k| {
            ndarray::Array1::from_shape_fn(50_000 + k * 1000, |_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                state
            })
        })
        .collect();
    let mut w = npio::NpzWriter::create_compressed(path).unwrap();
    for (k, a) in arrays.iter().enumerate() {
        w.add(&format!("m{k}"), a).unwrap();
    }
    w.finish().unwrap();
    arrays
}

#[test]
fn members_are_verified_and_unpacked_in_parallel_with_the_same_results() {
    let dir = scratch("parallel");
    let archive = dir.join("big.npz");
    let arrays = noisy_archive(&archive);
    let path = archive.to_str().unwrap();
    for jobs in ["1", "2", "3"] {
        let out = npio(&["verify", "--jobs", jobs, path], &dir);
        assert_code(&out, 0);
        let stdout = text(&out.stdout);
        assert!(
            stdout.starts_with("OK ") && stdout.contains("6 arrays"),
            "{stdout}"
        );

        let target = dir.join(format!("unpacked-{jobs}"));
        let folder = format!("{}/", target.display());
        assert_code(
            &npio(&["convert", "--quiet", "--jobs", jobs, path, &folder], &dir),
            0,
        );
        for (k, a) in arrays.iter().enumerate() {
            let got = read_dyn(&target.join(format!("m{k}.npy")));
            assert_eq!(
                got,
                npio::DynArray::from(a.clone().into_dyn()),
                "member {k}"
            );
        }
    }
    assert_no_temp_files(&dir);
}

#[test]
fn a_bad_member_fails_the_parallel_run_by_name_and_nothing_is_written() {
    let dir = scratch("parallel-bad");
    let archive = dir.join("big.npz");
    noisy_archive(&archive);
    let member = npio::NpzReader::open(&archive)
        .unwrap()
        .member_info("m4")
        .unwrap();
    let mut bytes = std::fs::read(&archive).unwrap();
    let middle = (member.data_start + member.compressed_size / 2) as usize;
    bytes[middle] ^= 0x55;
    let bad = dir.join("bad.npz");
    std::fs::write(&bad, bytes).unwrap();
    let bad = bad.to_str().unwrap();

    let out = npio(&["verify", "--jobs", "2", bad], &dir);
    assert_code(&out, 1);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("FAIL ") && stdout.contains("m4.npy"),
        "{stdout}"
    );

    let target = dir.join("out");
    let folder = format!("{}/", target.display());
    let out = npio(&["convert", "--quiet", "--jobs", "2", bad, &folder], &dir);
    assert_code(&out, 1);
    assert!(
        text(&out.stderr).contains("m4.npy"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !target.exists(),
        "a failed unpack left {}",
        target.display()
    );
    assert_no_temp_files(&dir);
}

#[test]
fn a_batch_of_many_outputs_is_put_in_place_in_rounds_all_of_them() {
    // More outputs than one round of syncs and renames takes, at every number of workers:
    // each output appears once, whole, and nothing is left under a temporary name.
    let dir = scratch("batch_rounds");
    let inputs: Vec<String> = (0..70)
        .map(|k| {
            let name = format!("in{k:02}.npy");
            let a = ndarray::Array1::from_shape_fn(200 + k, |i| (i * k) as i64);
            npio::write_npy(dir.join(&name), &a).unwrap();
            name
        })
        .collect();
    for jobs in ["1", "2", "3"] {
        let out = format!("out{jobs}");
        let mut args = vec!["convert", "--quiet", "--jobs", jobs, "--out-dir", &out];
        args.extend(inputs.iter().map(String::as_str));
        let run = npio(&args, &dir);
        assert_code(&run, 0);
        assert!(
            text(&run.stderr).contains("converted 70 of 70"),
            "{}",
            text(&run.stderr)
        );
        let written: Vec<_> = std::fs::read_dir(dir.join(&out)).unwrap().collect();
        assert_eq!(written.len(), 70);
        for (k, name) in inputs.iter().enumerate() {
            let a = read_dyn(&dir.join(&out).join(name));
            assert_eq!(a.shape(), [200 + k], "{name}");
            assert_eq!(a, read_dyn(&dir.join(name)), "{name}");
        }
        assert_no_temp_files(&dir);
    }
}
