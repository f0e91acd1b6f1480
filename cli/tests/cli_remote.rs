//! `npio info`, `verify`, `convert` and `cat` on URLs, against the servers `.ci/servers.sh`
//! starts: the same output as for the same files on disk, but for the names.

mod common;

use std::process::Output;

use common::cli::{assert_code, fixture, npio, text};
use common::{fixtures_dir, scratch, test_server};

/// Every fixture of `folders` that is a `.npy` or `.npz` file, as paths relative to fixtures/.
fn fixtures(folders: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    for folder in folders {
        for entry in std::fs::read_dir(fixtures_dir().join(folder)).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".npy") || name.ends_with(".npz") {
                out.push(format!("{folder}/{name}"));
            }
        }
    }
    out.sort();
    out
}

/// `npio ARGS... INPUTS...` in the fixtures folder.
fn run(args: &[&str], inputs: &[String]) -> Output {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(inputs.iter().map(String::as_str));
    npio(&all, &fixtures_dir())
}

#[test]
fn verify_and_info_say_the_same_of_urls_as_of_the_files() {
    let Some(base) = test_server("NPIO_TEST_HTTP") else {
        return;
    };
    let files = fixtures(&["npy", "npz", "malformed", "records"]);
    assert!(files.len() > 200, "{}", files.len());
    let urls: Vec<String> = files.iter().map(|f| format!("{base}/{f}")).collect();
    for args in [&["verify"][..], &["info", "--json"], &["info"]] {
        let local = run(args, &files);
        let remote = run(args, &urls);
        assert_eq!(remote.status.code(), local.status.code(), "{args:?}");
        let local_out = text(&local.stdout);
        let remote_out = text(&remote.stdout).replace(&format!("{base}/"), "");
        // The table's columns are as wide as the longest name: compare the cells.
        let cells = |s: &str| -> Vec<Vec<String>> {
            s.lines()
                .map(|l| l.split_whitespace().map(str::to_string).collect())
                .collect()
        };
        assert_eq!(cells(&remote_out), cells(&local_out), "{args:?}");
        let local_err = text(&local.stderr);
        let remote_err = text(&remote.stderr).replace(&format!("{base}/"), "");
        assert_eq!(remote_err, local_err, "{args:?}");
    }
}

#[test]
fn a_missing_object_fails_naming_its_url() {
    let Some(base) = test_server("NPIO_TEST_HTTP") else {
        return;
    };
    let url = format!("{base}/npz/no_such_archive.npz");
    let dir = scratch("remote-missing");
    for args in [["info", url.as_str()], ["verify", url.as_str()]] {
        let out = npio(&args, &dir);
        assert_code(&out, 1);
        let said = text(&out.stdout) + &text(&out.stderr);
        assert!(said.contains(&url) && said.contains("not found"), "{said}");
    }
}

/// The environment that points object_store's S3 client at the test server, and the bucket.
fn s3_env(endpoint: &str) -> ([(&'static str, String); 5], String) {
    let bucket = std::env::var("NPIO_TEST_S3_BUCKET").unwrap_or_else(|_| "npio-test".into());
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.to_string()),
        ("AWS_ALLOW_HTTP", "true".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ACCESS_KEY_ID", "npio".into()),
        ("AWS_SECRET_ACCESS_KEY", "npio".into()),
    ];
    (env, bucket)
}

/// `npio ARGS...` in `cwd` with `env` set.
fn npio_env(args: &[&str], cwd: &std::path::Path, env: &[(&str, String)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_npio"))
        .args(args)
        .current_dir(cwd)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap()
}

/// The files under `dir` (relative paths) and their bytes.
fn tree(dir: &std::path::Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, std::fs::read(&path).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn convert_reads_and_writes_objects_as_it_does_files() {
    let Some(endpoint) = test_server("NPIO_TEST_S3_ENDPOINT") else {
        return;
    };
    let (env, bucket) = s3_env(&endpoint);
    let dir = scratch("remote-convert");
    let archive = fixture("npz/savez_compressed.npz");
    let url = format!("s3://{bucket}/cli/convert/{}.npz", std::process::id());
    // A local archive to an object, and back: the same folder as unpacking the file.
    let up = npio_env(&["convert", &archive, &url], &dir, &env);
    assert_code(&up, 0);
    assert!(text(&up.stderr).contains(&url), "{}", text(&up.stderr));
    assert_code(&npio_env(&["convert", &url, "from_url/"], &dir, &env), 0);
    assert_code(
        &npio_env(&["convert", &archive, "from_file/"], &dir, &env),
        0,
    );
    let (from_url, from_file) = (tree(&dir.join("from_url")), tree(&dir.join("from_file")));
    assert_eq!(from_url.len(), 7);
    assert_eq!(from_url, from_file);
    // One member, and a .npy object to a file.
    let member = format!("{url}:dir/sub");
    assert_code(&npio_env(&["convert", &member, "sub.npy"], &dir, &env), 0);
    let sub = std::fs::read(dir.join("sub.npy")).unwrap();
    assert_eq!(
        sub,
        std::fs::read(dir.join("from_file/dir/sub.npy")).unwrap()
    );
    let npy_url = format!("s3://{bucket}/cli/convert/{}.npy", std::process::id());
    assert_code(&npio_env(&["convert", "sub.npy", &npy_url], &dir, &env), 0);
    assert_code(
        &npio_env(&["convert", &npy_url, "again.npy"], &dir, &env),
        0,
    );
    assert_eq!(std::fs::read(dir.join("again.npy")).unwrap(), sub);
    // An existing object is kept without --force, replaced with it; an input never.
    let again = npio_env(&["convert", "sub.npy", &url], &dir, &env);
    assert_code(&again, 1);
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    assert_code(&npio_env(&["verify", &url], &dir, &env), 0);
    assert_code(
        &npio_env(&["convert", "--force", "sub.npy", &url], &dir, &env),
        0,
    );
    let info = npio_env(&["info", &url], &dir, &env);
    assert!(text(&info.stdout).contains("sub"), "{}", text(&info.stdout));
    let onto_itself = npio_env(&["convert", "--force", &url, &url], &dir, &env);
    assert_code(&onto_itself, 1);
    assert!(
        text(&onto_itself.stderr).contains("input"),
        "{}",
        text(&onto_itself.stderr)
    );
    // An object is one file: no folder outputs in object storage.
    let folder = format!("s3://{bucket}/cli/convert/folder/");
    assert_code(&npio_env(&["convert", &archive, &folder], &dir, &env), 2);
}

#[test]
fn cat_and_convert_read_over_http_as_from_files() {
    let Some(base) = test_server("NPIO_TEST_HTTP") else {
        return;
    };
    let dir = scratch("remote-cat");
    let sets: [&[&str]; 2] = [
        &["npy/f8_le_2x3.npy", "npy/f8_be_2x3.npy"],
        &[
            "npz/savez_compressed.npz:arr_0",
            "npz/savez_compressed.npz:dir/sub",
        ],
    ];
    let mut urls = Vec::new();
    let mut local = Vec::new();
    for set in sets {
        local = set.iter().map(|f| fixture(f)).collect::<Vec<_>>();
        urls = set
            .iter()
            .map(|f| format!("{base}/{f}"))
            .collect::<Vec<_>>();
        let mut args = vec!["cat", "--out", "local.npy"];
        args.extend(local.iter().map(String::as_str));
        assert_code(&npio(&args, &dir), 0);
        let mut args = vec!["cat", "--out", "remote.npy"];
        args.extend(urls.iter().map(String::as_str));
        assert_code(&npio(&args, &dir), 0);
        let cat = std::fs::read(dir.join("local.npy")).unwrap();
        assert_eq!(std::fs::read(dir.join("remote.npy")).unwrap(), cat);
        std::fs::remove_file(dir.join("local.npy")).unwrap();
        std::fs::remove_file(dir.join("remote.npy")).unwrap();
    }
    // The last set: archive members over HTTP.
    assert_code(&npio(&["convert", &urls[1], "be.npy"], &dir), 0);
    assert_code(&npio(&["convert", &local[1], "be_local.npy"], &dir), 0);
    assert_eq!(
        std::fs::read(dir.join("be.npy")).unwrap(),
        std::fs::read(dir.join("be_local.npy")).unwrap()
    );
    // A missing object fails naming its URL, and nothing is written.
    let missing = format!("{base}/npy/no_such.npy");
    for args in [
        vec!["convert", missing.as_str(), "missing.npy"],
        vec!["cat", "--out", "missing.npy", missing.as_str()],
    ] {
        let out = npio(&args, &dir);
        assert_code(&out, 1);
        assert!(
            text(&out.stderr).contains(&missing),
            "{}",
            text(&out.stderr)
        );
        assert!(!dir.join("missing.npy").exists());
    }
}

#[test]
fn s3_urls_are_configured_by_the_environment() {
    let Some(endpoint) = test_server("NPIO_TEST_S3_ENDPOINT") else {
        return;
    };
    let (env, bucket) = s3_env(&endpoint);
    let url = format!("s3://{bucket}/cli/env.npz");
    let remote = env.iter().fold(npio::remote::Remote::new(), |r, (k, v)| {
        r.option(k.to_ascii_lowercase(), v)
    });
    let mut npz = npio::NpzWriter::new_stream(remote.create(&url).unwrap());
    npz.set_compression(npio::npz::Compression::deflated());
    npz.add("a", &ndarray::arr1(&[1.0f32, 2.0])).unwrap();
    npz.finish().unwrap().finish().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_npio"))
        .args(["verify", &url])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains("1 array"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn diff_reads_urls_as_it_reads_files() {
    let Some(base) = test_server("NPIO_TEST_HTTP") else {
        return;
    };
    let dir = scratch("remote-diff");
    let local = |f: &str| fixture(f);
    let url = |f: &str| format!("{base}/{f}");
    let noise = ["diff/noise_a.npy", "diff/noise_b.npy"];
    let out = npio(&["diff", &url(noise[0]), &local(noise[1])], &dir);
    assert_code(&out, 1);
    assert!(
        text(&out.stdout).starts_with("30 of 30 values differ"),
        "{}",
        text(&out.stdout)
    );
    let stored = "npz/savez_stored.npz";
    assert_code(
        &npio(&["diff", &url(stored), &url("npz/zipfile_zstd.npz")], &dir),
        0,
    );
    let member = format!("{}:rec", url(stored));
    assert_code(
        &npio(&["diff", &member, &format!("{}:rec", local(stored))], &dir),
        0,
    );
    let out = npio(&["diff", &url("npz/no_such.npz"), &local(stored)], &dir);
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("no_such.npz"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn show_and_stats_read_urls_as_they_read_files() {
    let Some(base) = test_server("NPIO_TEST_HTTP") else {
        return;
    };
    let dir = scratch("remote-show");
    for (command, file) in [
        ("show", "show/f8_random_2d.npy"),
        ("show", "npz/savez_stored.npz:rec"),
        ("stats", "npz/savez_compressed.npz"),
        ("stats", "stats/records.npy"),
    ] {
        let local = npio(&[command, &fixture(file)], &dir);
        let remote = npio(&[command, &format!("{base}/{file}")], &dir);
        assert_code(&local, 0);
        assert_code(&remote, 0);
        let (l, r) = (text(&local.stdout), text(&remote.stdout));
        let r = r.replace(&format!("{base}/"), &fixture(""));
        // stats' table pads its first column to the longest name.
        let cells = |s: &str| s.split_whitespace().map(str::to_string).collect::<Vec<_>>();
        assert_eq!(cells(&r), cells(&l), "{command} {file}");
    }
}
