//! `npio diff`: every case of `fixtures/diff/cases.json` (pairs NumPy wrote, with what
//! `np.isclose` and NumPy's arithmetic say about them; `fixtures/diff.py`), archives member by
//! member, records field by field, and the exit codes.

mod common;

use common::cli::{assert_code, fixture_cases, npio, text};
use common::{fixtures_dir, scratch};
use serde_json::Value;

/// `npio diff --json ...` run in the fixtures folder: its exit code and its report.
fn diff_json(args: &[&str]) -> (i32, Value) {
    let mut all = vec!["diff", "--json"];
    all.extend_from_slice(args);
    let out = npio(&all, &fixtures_dir());
    let report = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code().unwrap(), report)
}

/// Two reported numbers agree: the same infinity, or within a relative 1e-12.
fn same_number(ours: &Value, numpys: &Value) -> bool {
    match (ours.as_f64(), numpys.as_f64()) {
        (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * y.abs().max(1e-300),
        _ => ours == numpys,
    }
}

#[test]
fn diff_agrees_with_numpys_isclose_on_every_fixture_pair() {
    let cases = fixture_cases("diff", 15);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let (rtol, atol) = (case["rtol"].to_string(), case["atol"].to_string());
        let (a, b) = (case["a"].as_str().unwrap(), case["b"].as_str().unwrap());
        let (code, report) = diff_json(&["--rtol", &rtol, "--atol", &atol, a, b]);
        let equal = case["equal"].as_bool().unwrap();
        assert_eq!(code, if equal { 0 } else { 1 }, "{name}: {report}");
        assert_eq!(report["equal"], case["equal"], "{name}");
        let member = &report["members"][0];
        for key in ["compared", "different", "first_difference"] {
            assert_eq!(member[key], case[key], "{name}: {key}");
        }
        for key in ["max_abs_diff", "max_rel_diff"] {
            if let Some(numpys) = case.get(key) {
                assert!(
                    same_number(&member[key], numpys),
                    "{name}: {key} {} vs NumPy's {numpys}",
                    member[key]
                );
                let at = format!("{key}_at");
                assert_eq!(member[&at], case[&at], "{name}: {at}");
            }
        }
    }
}

/// Two archives: `x` shares members with `y`, one member each only in one, a record field and
/// a non-array member that differ.
fn archives(dir: &std::path::Path) -> (String, String) {
    use ndarray::arr1;
    use npio::{DynArray, NpzWriter};
    let record = |f: [f64; 2]| {
        let dt = npio::DType::parse("[('i', '<i4'), ('f', '<f8')]").unwrap();
        let mut bytes = Vec::new();
        for (i, f) in [1i32, 2].into_iter().zip(f) {
            bytes.extend(i.to_le_bytes());
            bytes.extend(f.to_le_bytes());
        }
        let raw = npio::npy::RawArray::new(vec![2], false, bytes, 12).unwrap();
        DynArray::new(dt, npio::npy::ArrayData::Raw(raw)).unwrap()
    };
    let write = |name: &str, f: [f64; 2], only: &str, note: &[u8]| {
        let path = dir.join(name);
        let mut w = NpzWriter::create(&path).unwrap();
        w.add("same", &arr1(&[1.0f64, 2.0]).into_dyn()).unwrap();
        w.add("rec", &record(f)).unwrap();
        w.add(only, &arr1(&[0u8]).into_dyn()).unwrap();
        w.add_raw("notes.txt", note).unwrap();
        w.finish().unwrap();
        path.to_str().unwrap().to_string()
    };
    (
        write("x.npz", [0.5, 1.5], "only_x", b"metres"),
        write("y.npz", [0.5, 1.75], "only_y", b"metres!"),
    )
}

#[test]
fn archives_are_compared_member_by_member_and_records_field_by_field() {
    let dir = scratch("diff-archives");
    let (x, y) = archives(&dir);
    let out = npio(&["diff", &x, &y], &dir);
    assert_code(&out, 1);
    let report = text(&out.stdout);
    for line in [
        "rec, field \"f\": 1 of 2 values differ, the first at [1]; largest |a-b| 0.25 at [1]",
        "notes.txt: the bytes differ (6 and 7 bytes)",
        &format!("only_x: only in {x}"),
        &format!("only_y: only in {y}"),
        &format!("{x} and {y} differ: 4 of 5 members"),
    ] {
        assert!(
            report.lines().any(|l| l.starts_with(line)),
            "{line:?} in\n{report}"
        );
    }
    assert!(!report.contains("same"), "{report}");
    let (code, json) = diff_json(&[&x, &y]);
    assert_eq!(code, 1);
    let members = json["members"].as_array().unwrap();
    let names: Vec<&str> = members
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["same", "rec", "only_x", "notes.txt", "only_y"]);
    assert_eq!(members[0]["equal"], true);
    let fields = members[1]["fields"].as_array().unwrap();
    assert_eq!(
        (fields[0]["equal"].clone(), fields[1]["different"].clone()),
        (true.into(), 1.into())
    );
    assert_eq!(
        (members[2]["in"].as_str(), members[4]["in"].as_str()),
        (Some("a"), Some("b"))
    );
    // A member against a member; an archive against itself.
    let out = npio(&["diff", &format!("{x}:same"), &format!("{y}:same")], &dir);
    assert_code(&out, 0);
    assert_code(&npio(&["diff", &x, &x], &dir), 0);
    // --rtol makes the record field close.
    let out = npio(
        &[
            "diff",
            "--rtol",
            "0.2",
            &format!("{x}:rec"),
            &format!("{y}:rec"),
        ],
        &dir,
    );
    assert_code(&out, 0);
}

#[test]
fn usage_errors_and_unreadable_inputs_exit_2() {
    let dir = scratch("diff-usage");
    let (x, _) = archives(&dir);
    let npy = common::cli::fixture("diff/noise_a.npy");
    let truncated = dir.join("truncated.npy");
    let bytes = std::fs::read(&npy).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() - 8]).unwrap();
    for args in [
        vec!["diff", &npy, "missing.npy"],
        vec!["diff", &x, &npy],
        vec!["diff", "--rtol", "-1", &npy, &npy],
        vec!["diff", "--atol", "nan", &npy, &npy],
        vec!["diff", &npy, truncated.to_str().unwrap()],
        vec!["diff", &npy],
    ] {
        let out = npio(&args, &dir);
        assert_code(&out, 2);
        assert!(out.stdout.is_empty(), "{args:?}: {}", text(&out.stdout));
        assert!(!text(&out.stderr).is_empty(), "{args:?}");
    }
}
