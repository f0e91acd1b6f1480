//! Running the `npio` binary in tests.

use std::path::Path;
use std::process::{Command, Output};

use super::fixtures_dir;

pub fn npio(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_npio"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run npio")
}

pub fn fixture(rel: &str) -> String {
    fixtures_dir().join(rel).to_string_lossy().into_owned()
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// No temporary files (or folders of replaced files) left anywhere under `dir`.
pub fn assert_no_temp_files(dir: &Path) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        assert!(
            !name.contains(".npio-tmp") && !name.starts_with(".npio-replaced."),
            "temporary file left: {}",
            path.display()
        );
        if path.is_dir() {
            assert_no_temp_files(&path);
        }
    }
}

/// Runs npio with its address space limited to `mib` MiB (`ulimit -v`).
pub fn npio_limited(mib: u64, args: &[&str], cwd: &Path) -> Output {
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {} && exec \"$0\" \"$@\"", mib * 1024))
        .arg(env!("CARGO_BIN_EXE_npio"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run npio under sh")
}

/// Reads a `.npy` file npio wrote, naming it on failure.
pub fn read_dyn(path: &Path) -> npio::DynArray {
    npio::read_npy(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `"cases"` of a fixture's `cases.json` (`fixtures/diff.py`, `stats.py`, `show.py`): at
/// least `min` of them, so that an emptied file cannot pass.
pub fn fixture_cases(folder: &str, min: usize) -> Vec<serde_json::Value> {
    let path = fixtures_dir().join(folder).join("cases.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let cases = json["cases"].as_array().unwrap().clone();
    assert!(cases.len() >= min, "{path:?}: {} cases", cases.len());
    cases
}
