//! The `npio` binary on the fixtures: `info`, `verify`, `cat` and hostile files (`convert` has
//! its own file, `cli_convert.rs`).

mod common;

use common::cli::{assert_code, assert_no_temp_files, fixture, npio, npio_limited, read_dyn, text};
use common::scratch;
use common::{fixtures_dir, manifest};
use serde_json::Value;

#[test]
fn info_json_follows_the_contract() {
    let dir = scratch("info-json");
    let out = npio(
        &["info", "--json", &fixture("npy/record_padded_dt5.npy")],
        &dir,
    );
    assert_code(&out, 0);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "path",
            "format",
            "version",
            "descr",
            "shape",
            "fortran_order",
            "data_offset",
            "nbytes"
        ]
    );
    assert_eq!(v["format"], "npy");
    assert_eq!(v["version"], "1.0");
    let file_len = std::fs::metadata(fixture("npy/record_padded_dt5.npy"))
        .unwrap()
        .len();
    assert_eq!(v["data_offset"].as_u64().unwrap(), file_len - 30);
    assert_eq!(v["data_offset"].as_u64().unwrap() % 64, 0);
    // titles as [title, name], padding as ["", "|V<n>"]
    assert_eq!(
        v["descr"],
        serde_json::json!([
            ["", "|V1"],
            [["aa", "a"], "<i4"],
            ["", "|V1"],
            [["bb", "b"], "<i4"]
        ])
    );
    assert_eq!(v["shape"], serde_json::json!([3]));
    assert_eq!(v["nbytes"], 30);

    let out = npio(
        &[
            "info",
            "--json",
            &fixture("npz/non_npy_members.npz"),
            &fixture("npy/f8_be_2x3.npy"),
        ],
        &dir,
    );
    assert_code(&out, 0);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0]["format"], "npz");
    let members = list[0]["members"].as_array().unwrap();
    assert_eq!(members[0]["name"], "a");
    assert_eq!(members[0]["stored_name"], "a.npy");
    assert_eq!(members[0]["descr"], "<u2");
    assert_eq!(members[0]["compressed"], false);
    assert!(members[0]["data_offset"].as_u64().unwrap() > 0);
    assert_eq!(members[1]["name"], "notes.txt");
    assert!(
        members[1].get("descr").is_none(),
        "a member that is not an array has no descr"
    );
    assert_eq!(list[1]["descr"], ">f8");
    assert_eq!(list[1]["shape"], serde_json::json!([2, 3]));

    let out = npio(
        &["info", "--json", &fixture("npz/savez_compressed.npz")],
        &dir,
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "x",
            "dir/sub",
            "weird name é",
            "rec",
            "fortran",
            "arr_0",
            "arr_1"
        ]
    );
    assert!(v["members"]
        .as_array()
        .unwrap()
        .iter()
        .all(|m| m["compressed"] == true && m["data_offset"].is_null()));
    let fortran = &v["members"][4];
    assert_eq!(fortran["fortran_order"], true);
    assert_eq!(fortran["descr"], ">i2");
}

#[test]
fn info_table_and_failures() {
    let dir = scratch("info-table");
    let out = npio(
        &[
            "info",
            &fixture("npy/shape_2d_f.npy"),
            &fixture("npz/savez_stored.npz"),
        ],
        &dir,
    );
    assert_code(&out, 0);
    let table = text(&out.stdout);
    assert!(table.starts_with("PATH"), "{table}");
    assert!(
        table.contains("shape_2d_f.npy") && table.contains("(24, 30)") && table.contains(" F "),
        "{table}"
    );
    assert!(table.contains("savez_stored.npz:dir/sub"), "{table}");

    // A malformed header: exit 1, the others still shown.
    let out = npio(
        &[
            "info",
            &fixture("malformed/syntax_garbage.npy"),
            &fixture("npy/i4_le_1d.npy"),
        ],
        &dir,
    );
    assert_code(&out, 1);
    assert!(text(&out.stdout).contains("i4_le_1d.npy"));
    assert!(
        text(&out.stderr).contains("syntax_garbage.npy")
            && text(&out.stderr).contains("header syntax error")
    );

    // Header limits: refused by default with a hint, accepted when raised.
    let big = fixture("npy/header_over_10000.npy");
    let out = npio(&["info", &big], &dir);
    assert_code(&out, 1);
    assert!(
        text(&out.stderr).contains("--max-header-size"),
        "{}",
        text(&out.stderr)
    );
    assert_code(
        &npio(&["info", "--max-header-size", "100000", &big], &dir),
        0,
    );
    assert_code(&npio(&["info", &fixture("no/such.npy")], &dir), 1);
    assert_code(&npio(&["info"], &dir), 2);
}

#[test]
fn verify_reads_everything() {
    let dir = scratch("verify");
    let m = manifest();
    let mut good: Vec<String> = m["valid"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["needs_large_header"].as_bool().unwrap())
        .map(|e| fixture(e["file"].as_str().unwrap()))
        .collect();
    good.extend(
        m["npz"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| fixture(e["file"].as_str().unwrap())),
    );
    let args: Vec<&str> = std::iter::once("verify")
        .chain(good.iter().map(String::as_str))
        .collect();
    let out = npio(&args, &dir);
    assert_code(&out, 0);
    assert_eq!(
        text(&out.stdout)
            .lines()
            .filter(|l| l.starts_with("OK "))
            .count(),
        good.len()
    );

    for bad in [
        "malformed/bool_value_2.npy",
        "malformed/truncated_data.npy",
        "malformed/trailing_data.npy",
        "npz/bad_crc_mismatch.npz",
        "npz/bad_member_longer_than_claim.npz",
    ] {
        let out = npio(
            &["verify", &fixture("npy/u1_le_1d.npy"), &fixture(bad)],
            &dir,
        );
        assert_code(&out, 1);
        let stdout = text(&out.stdout);
        assert!(
            stdout.lines().next().unwrap().starts_with("OK "),
            "{stdout}"
        );
        assert!(
            stdout.lines().nth(1).unwrap().starts_with("FAIL "),
            "{bad}: {stdout}"
        );
    }
    let out = npio(&["verify", &fixture("npz/bad_crc_mismatch.npz")], &dir);
    assert!(
        text(&out.stdout).contains("dir/sub") && text(&out.stdout).contains("CRC-32"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn cat_concatenates_files_and_members() {
    let dir = scratch("cat");
    // f8 little + f8 big (converted) + a Fortran-order file (reordered) + an npz member
    let out = npio(
        &[
            "cat",
            "--out",
            "all.npy",
            &fixture("npy/shape_2d_c.npy"),
            &fixture("npy/shape_2d_f.npy"),
        ],
        &dir,
    );
    assert_code(&out, 0);
    let all: ndarray::Array2<f64> = npio::read_npy(dir.join("all.npy")).unwrap();
    let one: ndarray::Array2<f64> = npio::read_npy(fixture("npy/shape_2d_c.npy")).unwrap();
    assert_eq!(all.shape(), &[48, 30]);
    assert_eq!(all.slice(ndarray::s![24.., ..]), one);
    let out = npio(
        &[
            "cat",
            "--out",
            "mixed.npy",
            &fixture("npy/f8_le_2x3.npy"),
            &fixture("npy/f8_be_2x3.npy"),
            &format!("{}:arr_0", fixture("npz/savez_compressed.npz")),
        ],
        &dir,
    );
    assert_code(&out, 1); // arr_0 is (3, 4): refused, naming the input
    assert!(
        text(&out.stderr).contains("arr_0") && text(&out.stderr).contains("axis 0"),
        "{}",
        text(&out.stderr)
    );
    assert!(!dir.join("mixed.npy").exists());
    let out = npio(
        &[
            "cat",
            "--out",
            "mixed.npy",
            &fixture("npy/f8_le_2x3.npy"),
            &fixture("npy/f8_be_2x3.npy"),
        ],
        &dir,
    );
    assert_code(&out, 0);
    let mixed = read_dyn(&dir.join("mixed.npy"));
    assert_eq!(mixed.dtype().descr_repr(), "'<f8'");
    let be: ndarray::Array2<f64> = npio::read_npy(fixture("npy/f8_be_2x3.npy")).unwrap();
    let m: ndarray::Array2<f64> = mixed.into_array().unwrap();
    assert!(
        npio::to_bytes(&m.slice(ndarray::s![2.., ..])).unwrap() == npio::to_bytes(&be).unwrap()
    );
    // members, and standard output
    let member = format!("{}:dir/sub", fixture("npz/savez_stored.npz"));
    let out = npio(&["cat", &member, &member], &dir);
    assert_code(&out, 0);
    let piped: ndarray::Array2<f64> = npio::from_bytes(&out.stdout).unwrap();
    assert_eq!(piped.shape(), &[6, 4]);
    // dtype mismatch and existing output
    let out = npio(
        &[
            "cat",
            "--out",
            "x.npy",
            &fixture("npy/f8_le_1d.npy"),
            &fixture("npy/f4_le_1d.npy"),
        ],
        &dir,
    );
    assert_code(&out, 1);
    assert!(text(&out.stderr).contains("dtype"));
    assert_code(
        &npio(
            &["cat", "--out", "all.npy", &fixture("npy/shape_2d_c.npy")],
            &dir,
        ),
        1,
    );
    assert_code(
        &npio(
            &[
                "cat",
                "--force",
                "--out",
                "all.npy",
                &fixture("npy/shape_2d_c.npy"),
            ],
            &dir,
        ),
        0,
    );
    assert_no_temp_files(&dir);
}

/// Runs npio with its address space limited to `mib` MiB (`ulimit -v`), so that believing a
/// claimed size would make an allocation fail and the process abort.

#[test]
fn hostile_files_are_refused_in_bounded_memory() {
    let dir = scratch("bounded");
    let mut files: Vec<String> = Vec::new();
    for folder in ["malformed", "npz"] {
        for entry in std::fs::read_dir(fixtures_dir().join(folder)).unwrap() {
            let name = entry.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with("bad_") || name.starts_with("hostile_") || folder == "malformed" {
                files.push(fixture(&format!("{folder}/{name}")));
            }
        }
    }
    files.sort();
    assert!(files.len() > 40, "{}", files.len());
    let bomb = fixture("npz/hostile_deflate_bomb.npz");
    assert!(files.contains(&bomb));
    for command in ["verify", "info"] {
        let args: Vec<&str> = std::iter::once(command)
            .chain(files.iter().map(String::as_str))
            .collect();
        // 1 GiB of address space: well below any claimed terabytes, and below the bomb's
        // inflated size plus the process's own needs, so it must be streamed.
        let out = npio_limited(1024, &args, &dir);
        assert_code(&out, 1);
        let stdout = text(&out.stdout);
        if command == "verify" {
            // One line per input; the bomb is valid (1 GiB of zeros, streamed in bounded memory).
            assert_eq!(stdout.lines().count(), files.len(), "{stdout}");
            let bomb_line = stdout.lines().find(|l| l.contains("deflate_bomb")).unwrap();
            assert!(bomb_line.starts_with("OK "), "{bomb_line}");
        }
    }
    // Converting the bomb into a folder streams it too: the real 1 GiB array is written out
    // in bounded memory.
    let out = npio_limited(
        1024,
        &[
            "convert",
            "--quiet",
            &bomb,
            &format!("{}/", dir.join("out").display()),
        ],
        &dir,
    );
    assert_code(&out, 0);
    assert_eq!(
        std::fs::metadata(dir.join("out/bomb.npy")).unwrap().len(),
        128 + (1 << 30)
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn completions_and_the_man_page_are_generated() {
    let dir = scratch("manual");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = npio(&["completions", shell], &dir);
        assert_code(&out, 0);
        assert!(text(&out.stdout).contains("convert"), "{shell}");
    }
    assert_code(&npio(&["completions", "tcsh"], &dir), 2);
    let man = npio(&["man"], &dir);
    assert_code(&man, 0);
    let page = text(&man.stdout);
    assert!(
        page.starts_with(".ie") || page.contains(".TH npio"),
        "{page}"
    );
    assert!(page.contains("verify") && page.contains("convert"));
    let version = npio(&["--version"], &dir);
    assert_code(&version, 0);
    assert_eq!(
        text(&version.stdout).trim(),
        format!("npio {}", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn info_and_verify_walk_folders() {
    let dir = scratch("walk");
    std::fs::create_dir_all(dir.join("data/sub")).unwrap();
    std::fs::copy(fixture("npz/savez_stored.npz"), dir.join("data/a.npz")).unwrap();
    std::fs::copy(fixture("npy/f8_le_1d.npy"), dir.join("data/sub/b.npy")).unwrap();
    std::fs::write(dir.join("data/notes.txt"), b"not data").unwrap();
    let info = npio(&["info", "data"], &dir);
    assert_code(&info, 0);
    let table = text(&info.stdout);
    assert!(
        table.contains("data/a.npz:") && table.contains("data/sub/b.npy"),
        "{table}"
    );
    let verify = npio(&["verify", "data/"], &dir);
    assert_code(&verify, 0);
    assert_eq!(text(&verify.stdout).lines().count(), 2);
    std::fs::create_dir(dir.join("empty")).unwrap();
    let none = npio(&["verify", "empty"], &dir);
    assert_code(&none, 1);
    assert!(text(&none.stderr).contains("no .npy or .npz files"));
}

#[test]
fn archive_members_are_inputs_of_info_verify_and_convert() {
    let dir = scratch("member-spec");
    let member = format!("{}:dir/sub", fixture("npz/savez_stored.npz"));
    let info = npio(&["info", "--json", &member], &dir);
    assert_code(&info, 0);
    let value: Value = serde_json::from_str(&text(&info.stdout)).unwrap();
    assert_eq!(value["members"].as_array().unwrap().len(), 1);
    assert_eq!(value["members"][0]["name"], "dir/sub");
    assert_code(&npio(&["verify", &member], &dir), 0);
    let out = npio(&["convert", &member, "sub.npy"], &dir);
    assert_code(&out, 0);
    let mut npz = npio::NpzReader::open(fixture("npz/savez_stored.npz")).unwrap();
    let expected: npio::DynArray = npz.read("dir/sub").unwrap();
    assert_eq!(read_dyn(&dir.join("sub.npy")), expected);
    // Into anything but one .npy, or a member that is not there: refused, saying why.
    let folder = npio(&["convert", &member, "out/"], &dir);
    assert_code(&folder, 2);
    assert!(text(&folder.stderr).contains("OUT.npy"));
    let missing = format!("{}:nope", fixture("npz/savez_stored.npz"));
    let none = npio(&["convert", &missing, "x.npy"], &dir);
    assert_code(&none, 1);
    assert!(!dir.join("x.npy").exists());
    let whole = npio(
        &["convert", &fixture("npz/savez_stored.npz"), "y.npy"],
        &dir,
    );
    assert_code(&whole, 2);
    assert!(
        text(&whole.stderr).contains(":NAME"),
        "{}",
        text(&whole.stderr)
    );
}
