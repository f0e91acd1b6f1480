//! The `npio` binary after failures and signals (trust, round 3): a forced merge that fails
//! leaves the user's files as they were, SIGTERM and a second Ctrl-C leave no temporary file,
//! names cannot forge `info` rows, pipes are refused saying so, object members are described.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::cli::{assert_code, assert_no_temp_files, fixture, npio, text};
use common::craft::Craft;
use common::scratch;

#[test]
fn a_failed_forced_unpack_into_an_existing_folder_keeps_the_users_files() {
    let dir = scratch("force-merge");
    let out = dir.join("out");
    fs::create_dir(&out).unwrap();
    // The user's files: one the archive would replace, one in the way of a folder.
    let mut w = npio::NpzWriter::create(dir.join("a.npz")).unwrap();
    w.add("a", &ndarray::arr1(&[1i64])).unwrap();
    w.add("sub/b", &ndarray::arr1(&[2i64])).unwrap();
    w.finish().unwrap();
    fs::write(out.join("a.npy"), b"the user's file").unwrap();
    fs::write(out.join("sub"), b"a file where the archive wants a folder").unwrap();
    let run = npio(&["convert", "--force", "a.npz", "out/"], &dir);
    assert_code(&run, 1);
    assert_eq!(fs::read(out.join("a.npy")).unwrap(), b"the user's file");
    assert_eq!(
        fs::read(out.join("sub")).unwrap(),
        b"a file where the archive wants a folder"
    );
    assert_eq!(fs::read_dir(&out).unwrap().count(), 2);
    assert_no_temp_files(&dir);
    // Without the obstacle the same run replaces the file, as --force asks.
    fs::remove_file(out.join("sub")).unwrap();
    assert_code(&npio(&["convert", "--force", "a.npz", "out/"], &dir), 0);
    let a: ndarray::Array1<i64> = npio::read_npy(out.join("a.npy")).unwrap();
    assert_eq!(a.to_vec(), [1]);
    assert_no_temp_files(&dir);
}

/// A `.npy` of `mib` MiB of incompressible bytes, slow enough to deflate to be interrupted.
fn big_input(path: &Path, mib: usize) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let data: Vec<u8> = (0..mib << 20)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect();
    npio::write_npy(path, &ndarray::Array1::from(data)).unwrap();
}

/// Starts `npio convert --compress` on a big input, waits until its temporary file exists,
/// sends `signals` (with `kill`), and returns the exit status and how long it took to exit.
fn interrupt(dir: &Path, signals: &[&str]) -> (std::process::ExitStatus, Duration) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_npio"))
        .args([
            "convert",
            "--compress",
            "--level",
            "9",
            "big.npy",
            "big.npz",
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while !fs::read_dir(dir).unwrap().any(|e| {
        e.unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".npio-tmp")
    }) {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "no temporary file"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before a signal"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let sent = Instant::now();
    for signal in signals {
        let status = Command::new("kill")
            .args([signal.to_string(), child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }
    let status = child.wait().unwrap();
    (status, sent.elapsed())
}

#[test]
fn sigterm_and_a_second_ctrl_c_leave_no_temporary_file() {
    let dir = scratch("signals");
    big_input(&dir.join("big.npy"), 48);
    for signals in [&["-TERM"][..], &["-INT", "-INT"][..], &["-INT"][..]] {
        let (status, took) = interrupt(&dir, signals);
        assert_eq!(status.code(), Some(130), "{signals:?}");
        assert!(took < Duration::from_secs(5), "{signals:?} took {took:?}");
        assert!(!dir.join("big.npz").exists(), "{signals:?}");
        assert_no_temp_files(&dir);
    }
}

#[test]
fn info_escapes_control_characters_in_names() {
    let dir = scratch("info-escapes");
    let mut craft = Craft::new(b"");
    let npy = common::craft::npy_i64(&[1]);
    let forged = b"a\nforged.npz:x  npz stored  <i8  (1,)  C  8\x1b[31m\x07.npy";
    craft.stored(forged, 0, &npy);
    fs::write(dir.join("names.npz"), craft.finish()).unwrap();
    let run = npio(&["info", "names.npz"], &dir);
    assert_code(&run, 0);
    let out = text(&run.stdout);
    assert_eq!(out.lines().count(), 2, "{out}"); // titles and one row
    assert!(
        out.contains("a\\nforged") && out.contains("\\u001b[31m\\u0007"),
        "{out}"
    );
    assert!(!out.contains('\x1b') && !out.contains('\x07'), "{out}");
    let json = text(&npio(&["info", "--json", "names.npz"], &dir).stdout);
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(
        value["members"][0]["stored_name"]
            .as_str()
            .unwrap()
            .as_bytes(),
        forged
    );
}

#[test]
fn info_json_streams_as_serde_prints_it() {
    let dir = scratch("info-json");
    let paths = [fixture("npz/savez_stored.npz"), fixture("npy/f8_le_1d.npy")];
    for args in [&paths[..1], &paths[..]] {
        let mut argv = vec!["info", "--json"];
        argv.extend(args.iter().map(String::as_str));
        let run = npio(&argv, &dir);
        assert_code(&run, 0);
        let out = text(&run.stdout);
        let value: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out, serde_json::to_string_pretty(&value).unwrap() + "\n");
    }
}

#[test]
fn pipes_are_refused_saying_so_before_their_bytes_are_consumed() {
    let npy = fs::read(fixture("npy/f8_le_1d.npy")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_npio"))
        .args(["info", "/dev/stdin"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&npy);
    });
    let run = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_code(&run, 1);
    let err = text(&run.stderr);
    assert!(err.contains("not a regular file"), "{err}");
    assert!(!err.contains("magic"), "{err}");
}

#[test]
fn object_members_are_described_and_verify_says_they_need_pickle() {
    let dir = scratch("object-member");
    let dict = "{'descr': '|O', 'fortran_order': False, 'shape': (100,), }";
    let mut npy = b"\x93NUMPY\x01\x00".to_vec();
    let text_len = 118usize;
    npy.extend_from_slice(&(text_len as u16).to_le_bytes());
    npy.extend_from_slice(format!("{dict:<117}\n").as_bytes());
    npy.extend_from_slice(b"\x80\x04short pickle.");
    let mut w = npio::NpzWriter::create(dir.join("o.npz")).unwrap();
    w.add("x", &ndarray::arr1(&[1u8])).unwrap();
    w.add_raw("bounds.npy", npy).unwrap();
    w.finish().unwrap();
    let info = npio(&["info", "o.npz"], &dir);
    assert_code(&info, 0);
    assert!(
        text(&info.stdout).contains("bounds"),
        "{}",
        text(&info.stdout)
    );
    let verify = npio(&["verify", "o.npz"], &dir);
    assert_code(&verify, 1);
    let said = text(&verify.stdout) + &text(&verify.stderr);
    assert!(
        said.contains("pickle") && !said.contains("truncated"),
        "{said}"
    );
}

#[test]
fn a_closed_pipe_ends_cat_quietly_and_cat_out_says_what_it_wrote() {
    use std::io::Read;
    let dir = scratch("closed-pipe");
    npio::write_npy(dir.join("big.npy"), &ndarray::Array1::<f64>::zeros(4 << 20)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_npio"))
        .args(["cat", "big.npy"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut head = [0u8; 10];
    child.stdout.take().unwrap().read_exact(&mut head).unwrap(); // then the pipe closes
    let out = child.wait_with_output().unwrap();
    assert_eq!(&head[..6], b"\x93NUMPY");
    assert_eq!(out.status.code(), Some(141));
    assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    let run = npio(&["cat", "--out", "two.npy", "big.npy", "big.npy"], &dir);
    assert_code(&run, 0);
    let said = text(&run.stderr);
    assert!(
        said.contains("two.npy") && said.contains("8388608 rows"),
        "{said}"
    );
}
