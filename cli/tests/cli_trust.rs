//! The `npio` binary on what once cost users data or hours: conversions that did nothing,
//! options that were ignored, outputs half-written or written over inputs, crafted archives
//! and names, truncated files. Every case was wrong once.

mod common;

use std::fs;
use std::path::Path;

use common::cli::{assert_code, assert_no_temp_files, fixture, npio, npio_limited, text};
use common::craft::{npy_i64, Craft, UTF8};
use common::scratch;

fn stderr(out: &std::process::Output) -> String {
    text(&out.stderr)
}

fn write_npy(path: &Path, values: &[i64]) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, npy_i64(values)).unwrap();
}

fn read_i64(path: &Path) -> Vec<i64> {
    let a: ndarray::Array1<i64> = npio::read_npy(path).unwrap();
    a.to_vec()
}

#[test]
fn conversions_that_find_nothing_fail() {
    let dir = scratch("nothing");
    fs::create_dir(dir.join("archives")).unwrap();
    fs::copy(fixture("npz/savez_stored.npz"), dir.join("archives/a.npz")).unwrap();
    let out = npio(&["convert", "archives/", "out/"], &dir);
    assert_code(&out, 1);
    assert!(
        stderr(&out).contains("nothing to convert"),
        "{}",
        stderr(&out)
    );
    assert!(stderr(&out).contains("--unpack"), "{}", stderr(&out));
    assert!(!dir.join("out").exists());
    let out = npio(&["convert", "archives/", "x.npz"], &dir);
    assert_code(&out, 1);
    assert!(!dir.join("x.npz").exists());
    // An archive without members.
    let empty = npio::NpzWriter::new(std::io::Cursor::new(Vec::new()));
    fs::write(dir.join("empty.npz"), empty.finish().unwrap().into_inner()).unwrap();
    assert_code(&npio(&["convert", "empty.npz", "e/"], &dir), 1);
    assert_code(&npio(&["convert", "empty.npz", "e.npz"], &dir), 1);
    assert_no_temp_files(&dir);
}

#[test]
fn options_that_would_be_ignored_are_usage_errors() {
    let dir = scratch("ignored");
    let npy = fixture("npy/f8_le_1d.npy");
    let npz = fixture("npz/savez_stored.npz");
    for args in [
        vec!["convert", "--compress", &npy, "a.npy"],
        vec!["convert", "--store", &npy, "a.npy"],
        vec!["convert", "--level", "3", &npz, "out/"],
        vec!["convert", "--compress", "--out-dir", "o", &npy],
        vec!["convert", "--compress", "--out-dir", "o", "--unpack", &npz],
        vec!["convert", "--unpack", &npz, "out/"],
        vec!["convert", "--out-dir", "o", "--unpack", &npy],
    ] {
        let out = npio(&args, &dir);
        assert_code(&out, 2);
    }
    assert_eq!(fs::read_dir(&*dir).unwrap().count(), 0, "nothing written");
}

#[test]
fn unpack_writes_each_archive_as_a_folder() {
    let dir = scratch("unpack");
    fs::copy(fixture("npz/savez_stored.npz"), dir.join("a.npz")).unwrap();
    fs::copy(fixture("npz/savez_compressed.npz"), dir.join("b.npz")).unwrap();
    let out = npio(
        &["convert", "--out-dir", "out", "--unpack", "a.npz", "b.npz"],
        &dir,
    );
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains("converted 2 of 2 inputs"),
        "{}",
        stderr(&out)
    );
    for (archive, folder) in [("a.npz", "out/a"), ("b.npz", "out/b")] {
        let mut npz = npio::NpzReader::open(dir.join(archive)).unwrap();
        for name in npz.names() {
            let unpacked =
                npio::read_npy::<npio::DynArray, _>(dir.join(folder).join(format!("{name}.npy")))
                    .unwrap();
            assert_eq!(
                unpacked,
                npz.read::<npio::DynArray>(&name).unwrap(),
                "{archive}:{name}"
            );
        }
    }
    assert_no_temp_files(&dir);
}

/// An archive whose member `b.npy` fails its CRC check, after a good `a.npy`.
fn archive_with_bad_crc() -> Vec<u8> {
    let mut zip = Craft::new(b"");
    zip.stored(b"a.npy", 0, &npy_i64(&[1, 2]));
    let data = npy_i64(&[3, 4]);
    let local = zip.local(b"b.npy", 0, 0, &data, data.len() as u32, 0xdead_beef);
    zip.central(b"b.npy", 0, local);
    zip.finish()
}

#[test]
fn a_failed_unpack_leaves_the_target_as_it_was() {
    let dir = scratch("failed-unpack");
    fs::write(dir.join("bad.npz"), archive_with_bad_crc()).unwrap();
    let out = npio(&["convert", "bad.npz", "out/"], &dir);
    assert_code(&out, 1);
    assert!(!dir.join("out").exists(), "{}", stderr(&out));
    // Into an existing folder: its content stays as it was.
    fs::create_dir(dir.join("keep")).unwrap();
    fs::write(dir.join("keep/mine.txt"), b"mine").unwrap();
    assert_code(&npio(&["convert", "bad.npz", "keep/"], &dir), 1);
    let names: Vec<_> = fs::read_dir(dir.join("keep"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["mine.txt"]);
    // The same through batch mode.
    assert_code(
        &npio(&["convert", "--out-dir", "b", "--unpack", "bad.npz"], &dir),
        1,
    );
    assert!(!dir.join("b/bad").exists());
    assert_no_temp_files(&dir);
}

#[test]
fn info_reports_truncated_files_without_reading_data() {
    let dir = scratch("truncated");
    let mut data = npy_i64(&[1, 2, 3, 4]);
    data.truncate(data.len() - 5);
    fs::write(dir.join("short.npy"), &data).unwrap();
    let out = npio(&["info", "short.npy"], &dir);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("truncated"), "{}", stderr(&out));
    let mut zip = Craft::new(b"");
    zip.stored(b"short.npy", 0, &data);
    fs::write(dir.join("short.npz"), zip.finish()).unwrap();
    assert_code(&npio(&["info", "short.npz"], &dir), 1);
    assert_code(&npio(&["info", "--json", "short.npz"], &dir), 1);
}

#[test]
fn files_without_an_extension_are_recognised_by_content() {
    let dir = scratch("noext");
    fs::copy(fixture("npy/f8_le_1d.npy"), dir.join("data")).unwrap();
    fs::copy(fixture("npz/savez_stored.npz"), dir.join("archive")).unwrap();
    assert_code(&npio(&["convert", "data", "data.npz"], &dir), 0);
    assert_code(&npio(&["convert", "archive", "unpacked/"], &dir), 0);
    assert!(dir.join("unpacked").read_dir().unwrap().count() > 0);
}

#[test]
fn messages_count_in_words_and_print_dtypes_one_way() {
    let dir = scratch("words");
    let out = npio(&["convert", &fixture("npy/f8_le_1d.npy"), "one.npz"], &dir);
    assert_code(&out, 0);
    assert!(
        stderr(&out).contains(": 1 array, 0 other members,"),
        "{}",
        stderr(&out)
    );
    let info = text(&npio(&["info", &fixture("npy/f8_le_2x3.npy")], &dir).stdout);
    let verify = text(&npio(&["verify", &fixture("npy/f8_le_2x3.npy")], &dir).stdout);
    assert!(info.contains("<f8") && info.contains("(2, 3)"), "{info}");
    assert!(verify.contains("<f8 (2, 3)"), "{verify}");
}

#[test]
fn inputs_are_never_overwritten_whatever_their_spelling() {
    let dir = scratch("inputs");
    write_npy(&dir.join("d/a.npy"), &[1]);
    write_npy(&dir.join("d/sub/a.npy"), &[2]);
    // An output folder inside the input folder.
    assert_code(&npio(&["convert", "--force", "d/", "d/sub/"], &dir), 1);
    assert_eq!(read_i64(&dir.join("d/sub/a.npy")), [2]);
    assert_eq!(read_i64(&dir.join("d/a.npy")), [1]);
    // The same folder under another spelling.
    assert_code(
        &npio(
            &["convert", "--force", "--endian", "big", "d/", "./d/"],
            &dir,
        ),
        1,
    );
    assert_eq!(read_i64(&dir.join("d/a.npy")), [1]);
    assert_eq!(fs::read(dir.join("d/a.npy")).unwrap(), npy_i64(&[1]));
    // Batch mode into the input's own folder.
    assert_code(
        &npio(&["convert", "--force", "--out-dir", ".", "d/"], &dir),
        1,
    );
    assert_eq!(fs::read(dir.join("d/sub/a.npy")).unwrap(), npy_i64(&[2]));
    // A hard link and a symlinked folder naming an input.
    fs::hard_link(dir.join("d/a.npy"), dir.join("link.npy")).unwrap();
    assert_code(
        &npio(&["convert", "--force", "link.npy", "d/a.npy"], &dir),
        1,
    );
    assert_code(
        &npio(&["convert", "--force", "d/a.npy", "link.npy"], &dir),
        1,
    );
    std::os::unix::fs::symlink(dir.join("d"), dir.join("alias")).unwrap();
    assert_code(
        &npio(
            &["convert", "--force", "d/sub/a.npy", "alias/sub/a.npy"],
            &dir,
        ),
        1,
    );
    assert_eq!(read_i64(&dir.join("d/sub/a.npy")), [2]);
    assert_no_temp_files(&dir);
}

#[test]
fn an_output_folder_inside_the_input_is_not_read_as_input() {
    let dir = scratch("nested-out");
    write_npy(&dir.join("d/a.npy"), &[1]);
    assert_code(
        &npio(&["convert", "--endian", "big", "d/", "d/be/"], &dir),
        0,
    );
    assert_eq!(read_i64(&dir.join("d/be/a.npy")), [1]);
    // Run again into a fresh folder: d/be is input now, but not d/be2 itself.
    assert_code(&npio(&["convert", "d/", "d/le/"], &dir), 0);
    assert!(dir.join("d/le/be/a.npy").is_file());
    assert!(!dir.join("d/le/le").exists());
}

#[test]
fn file_names_that_are_not_utf8_are_kept() {
    use std::os::unix::ffi::OsStrExt;
    let dir = scratch("names");
    let names = [
        std::ffi::OsStr::from_bytes(b"\xff.npy"),
        std::ffi::OsStr::from_bytes(b"\xfe.npy"),
    ];
    for (k, name) in names.iter().enumerate() {
        write_npy(&dir.join("in").join(name), &[k as i64]);
    }
    let out = npio(&["convert", "in/", "out/"], &dir);
    assert_code(&out, 0);
    assert!(stderr(&out).contains("2 arrays"), "{}", stderr(&out));
    for (k, name) in names.iter().enumerate() {
        assert_eq!(read_i64(&dir.join("out").join(name)), [k as i64]);
    }
    // An archive member name must be text: refused, nothing written.
    let out = npio(&["convert", "in/", "x.npz"], &dir);
    assert_code(&out, 1);
    assert!(stderr(&out).contains("UTF-8"), "{}", stderr(&out));
    assert!(!dir.join("x.npz").exists());
}

#[test]
fn concurrent_conversions_to_one_output_cannot_both_win() {
    let dir = scratch("race");
    let big = ndarray::Array1::<f64>::linspace(0.0, 1.0, 4 << 20);
    npio::write_npy(dir.join("big.npy"), &big).unwrap();
    let spawn = || {
        std::process::Command::new(env!("CARGO_BIN_EXE_npio"))
            .args(["convert", "--compress", "big.npy", "same.npz"])
            .current_dir(&*dir)
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (spawn(), spawn());
    let codes =
        [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()].map(|o| o.status.code());
    assert_eq!(
        codes.iter().filter(|c| **c == Some(0)).count(),
        1,
        "{codes:?}"
    );
    let back: ndarray::Array1<f64> = npio::NpzReader::open(dir.join("same.npz"))
        .unwrap()
        .read("big")
        .unwrap();
    assert_eq!(back, big);
    assert_no_temp_files(&dir);
}

#[test]
fn conflicting_members_extract_nothing() {
    let dir = scratch("conflicts");
    let mut zip = Craft::new(b"");
    zip.stored(b"a.npy", 0, &npy_i64(&[1]));
    zip.stored(b"a.npy/b.npy", 0, &npy_i64(&[2]));
    fs::write(dir.join("file-then-folder.npz"), zip.finish()).unwrap();
    let mut zip = Craft::new(b"");
    zip.stored(b"ld", 0, b"/etc"); // a symlink-style member (written as a file by npio)
    zip.stored(b"ld/a.npy", 0, &npy_i64(&[1]));
    fs::write(dir.join("link-then-folder.npz"), zip.finish()).unwrap();
    for archive in ["file-then-folder.npz", "link-then-folder.npz"] {
        let out = npio(&["convert", archive, "out/"], &dir);
        assert_code(&out, 1);
        assert!(
            stderr(&out).contains("nothing was extracted"),
            "{}",
            stderr(&out)
        );
        assert!(!dir.join("out").exists(), "{archive}");
    }
}

/// Hostile archives made in this test, refused by every command in bounded memory.
#[test]
fn crafted_archives_are_refused_by_every_command_in_bounded_memory() {
    let dir = scratch("crafted");
    // 300 directory entries over one 64 MiB deflate stream.
    let npy = npio::to_bytes(&ndarray::Array1::<u8>::zeros(64 << 20)).unwrap();
    let mut zip = Craft::new(b"");
    let local = zip.deflated(b"m0.npy", &npy);
    for k in 1..300 {
        zip.central(format!("m{k}.npy").as_bytes(), 0, local);
    }
    fs::write(dir.join("overlap.npz"), zip.finish()).unwrap();
    // Names equal after decoding (UTF-8 and CP437 "é"); the second has a bad CRC.
    let mut zip = Craft::new(b"");
    zip.stored(b"\xc3\xa9.npy", UTF8, &npy_i64(&[1]));
    let data = npy_i64(&[2]);
    let bad = zip.local(b"\x82.npy", 0, 0, &data, data.len() as u32, 1);
    zip.central(b"\x82.npy", 0, bad);
    fs::write(dir.join("decoded-twice.npz"), zip.finish()).unwrap();
    // Data before the archive.
    let mut prefixed = vec![b'#'; 5000];
    prefixed.extend_from_slice(&fs::read(fixture("npz/savez_stored.npz")).unwrap());
    fs::write(dir.join("prefixed.npz"), prefixed).unwrap();
    for archive in ["overlap.npz", "decoded-twice.npz", "prefixed.npz"] {
        for args in [
            vec!["info", archive],
            vec!["verify", archive],
            vec!["convert", archive, "out/"],
            vec!["convert", archive, "out.npz"],
            vec!["cat", "--out", "c.npy", &format!("{archive}:é")],
        ] {
            let out = npio_limited(1024, &args, &dir);
            assert!(
                matches!(out.status.code(), Some(1)),
                "{args:?}: {:?} {}",
                out.status,
                stderr(&out)
            );
        }
    }
    assert!(!dir.join("out").exists() && !dir.join("out.npz").exists());
    assert_no_temp_files(&dir);
}

#[test]
fn info_never_panics_on_wide_cells() {
    let dir = scratch("wide");
    let name = "n".repeat(65_531);
    let mut zip = Craft::new(b"");
    zip.stored(format!("{name}.npy").as_bytes(), 0, &npy_i64(&[1]));
    fs::write(dir.join("long.npz"), zip.finish()).unwrap();
    let out = npio(&["info", "long.npz"], &dir);
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains(" chars)…"),
        "{}",
        &text(&out.stdout)[..200]
    );
    let json = npio(&["info", "--json", "long.npz"], &dir);
    assert_code(&json, 0);
    assert!(text(&json.stdout).contains(&name));
}

#[test]
fn files_numpy_refuses_are_not_written() {
    let dir = scratch("refused");
    let header = |descr: &str, shape: &str| {
        let text = format!("{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}");
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        let pad = 64 - (10 + text.len() + 1) % 64;
        bytes.extend_from_slice(&((text.len() + pad + 1) as u16).to_le_bytes());
        bytes.extend_from_slice(text.as_bytes());
        bytes.extend(std::iter::repeat_n(b' ', pad));
        bytes.push(b'\n');
        bytes
    };
    fs::write(dir.join("as.npy"), header("'<M8[1000000000000as]'", "(0,)")).unwrap();
    fs::write(dir.join("s.npy"), header("'<M8[2147483648s]'", "(0,)")).unwrap();
    fs::write(
        dir.join("wide.npy"),
        header("'<i8'", "(0, 4611686018427387904)"),
    )
    .unwrap();
    fs::write(
        dir.join("s0.npy"),
        header("'|S0'", "(4611686018427387904,)"),
    )
    .unwrap();
    for file in ["as.npy", "s.npy", "wide.npy"] {
        assert_code(&npio(&["info", file], &dir), 1);
        assert_code(&npio(&["convert", file, "x.npy"], &dir), 1);
    }
    // Each |S0 input is fine; their concatenation (2**63 rows) is not.
    assert_code(&npio(&["info", "s0.npy"], &dir), 0);
    let out = npio(&["cat", "--out", "joined.npy", "s0.npy", "s0.npy"], &dir);
    assert_code(&out, 1);
    assert!(!dir.join("joined.npy").exists() && !dir.join("x.npy").exists());
}

#[test]
fn record_bool_bytes_are_carried_through() {
    let dir = scratch("bools");
    let dt = npio::DType::parse("[('a', '<i2'), ('flag', '|b1')]").unwrap();
    let raw = npio::npy::RawArray::new(vec![2], false, vec![1, 0, 1, 2, 0, 7], 3).unwrap();
    let array = npio::DynArray::new(dt, npio::npy::ArrayData::Raw(raw)).unwrap();
    let bytes = npio::to_bytes(&array).unwrap();
    fs::write(dir.join("r.npy"), &bytes).unwrap();
    assert_code(&npio(&["verify", "r.npy"], &dir), 0);
    assert_code(&npio(&["convert", "r.npy", "r.npz"], &dir), 0);
    assert_code(&npio(&["convert", "r.npz", "out/"], &dir), 0);
    assert_eq!(fs::read(dir.join("out/r.npy")).unwrap(), bytes);
    assert_code(&npio(&["cat", "--out", "c.npy", "r.npy", "r.npy"], &dir), 0);
}
