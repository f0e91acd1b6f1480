//! `npio info` and `verify` on URLs, against the servers `.ci/servers.sh` starts: the same
//! output as for the same files on disk, but for the names.

mod common;

use std::process::Output;

use common::cli::{assert_code, npio, text};
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

#[test]
fn s3_urls_are_configured_by_the_environment() {
    let Some(endpoint) = test_server("NPIO_TEST_S3_ENDPOINT") else {
        return;
    };
    let bucket = std::env::var("NPIO_TEST_S3_BUCKET").unwrap_or_else(|_| "npio-test".into());
    let env = [
        ("AWS_ENDPOINT_URL", endpoint.as_str()),
        ("AWS_ALLOW_HTTP", "true"),
        ("AWS_REGION", "us-east-1"),
        ("AWS_ACCESS_KEY_ID", "npio"),
        ("AWS_SECRET_ACCESS_KEY", "npio"),
    ];
    let url = format!("s3://{bucket}/cli/env.npz");
    let remote = env.iter().fold(npio::remote::Remote::new(), |r, (k, v)| {
        r.option(k.to_ascii_lowercase(), *v)
    });
    let mut npz = npio::NpzWriter::new_compressed(remote.create(&url).unwrap());
    npz.add("a", &ndarray::arr1(&[1.0f32, 2.0])).unwrap();
    npz.finish().unwrap().finish().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_npio"))
        .args(["verify", &url])
        .envs(env)
        .output()
        .unwrap();
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains("1 array"),
        "{}",
        text(&out.stdout)
    );
}
