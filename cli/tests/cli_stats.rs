//! `npio stats`: every entry of `fixtures/stats/cases.json` (arrays NumPy wrote, with NumPy's
//! `nanmin`, `nanmax`, `nanmean`, NaN and infinity counts; `fixtures/stats.py`), archives and
//! members, and failures.

mod common;

use common::cli::{assert_code, fixture, fixture_cases, npio, text};
use common::{fixtures_dir, scratch};
use serde_json::Value;

fn stats_json(args: &[&str]) -> (i32, Vec<Value>) {
    let mut all = vec!["stats", "--json"];
    all.extend_from_slice(args);
    let out = npio(&all, &fixtures_dir());
    let rows: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code().unwrap(), rows.as_array().unwrap().clone())
}

/// Means agree within rounding (NumPy sums pairwise, npio with compensation).
fn close(ours: &Value, numpys: &Value) -> bool {
    match (ours, numpys) {
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| close(x, y))
        }
        _ => match (ours.as_f64(), numpys.as_f64()) {
            (Some(x), Some(y)) => (x - y).abs() <= 1e-12 * y.abs().max(1.0),
            _ => ours == numpys,
        },
    }
}

#[test]
fn stats_agree_with_numpy_on_every_fixture() {
    let cases = fixture_cases("stats", 15);
    for case in &cases {
        let file = case["file"].as_str().unwrap();
        let (code, rows) = stats_json(&[file]);
        assert_eq!(code, 0, "{file}");
        let row = rows
            .iter()
            .find(|r| r["field"] == case["field"])
            .unwrap_or_else(|| panic!("{file} {}: {rows:?}", case["field"]));
        let what = format!("{file} {}", case["field"]);
        for key in ["count", "nan", "inf", "min", "max"] {
            assert_eq!(row[key], case[key], "{what}: {key}");
        }
        assert!(
            close(&row["mean"], &case["mean"]),
            "{what}: mean {} vs NumPy's {}",
            row["mean"],
            case["mean"]
        );
    }
}

#[test]
fn archives_give_a_row_per_array_member_and_members_one() {
    let stored = "npz/savez_stored.npz";
    let (code, rows) = stats_json(&[stored]);
    assert_eq!(code, 0);
    let names: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "{}{}",
                r["member"].as_str().unwrap(),
                r["field"]
                    .as_str()
                    .map(|f| format!(".{f}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        names,
        [
            "x",
            "dir/sub",
            "weird name é",
            "rec.i",
            "rec.f",
            "fortran",
            "arr_0",
            "arr_1"
        ]
    );
    // The same figures from the zstd twin, from a member, and from non-array members left out.
    let (_, zstd) = stats_json(&["npz/zipfile_zstd.npz"]);
    let strip = |rows: &[Value]| -> Vec<Value> {
        rows.iter()
            .map(|r| {
                let mut r = r.clone();
                r["path"] = Value::Null;
                r
            })
            .collect()
    };
    assert_eq!(strip(&zstd), strip(&rows));
    let (_, one) = stats_json(&["npz/savez_stored.npz:dir/sub"]);
    assert_eq!(one.len(), 1);
    assert_eq!(
        (
            one[0]["min"].clone(),
            one[0]["max"].clone(),
            one[0]["mean"].clone()
        ),
        (0.0.into(), 11.0.into(), 5.5.into())
    );
    let (_, mixed) = stats_json(&["npz/non_npy_members.npz"]);
    let members: Vec<&str> = mixed
        .iter()
        .map(|r| r["member"].as_str().unwrap())
        .collect();
    assert_eq!(members, ["a", "no_extension"]);
}

#[test]
fn a_bad_input_fails_and_the_others_are_still_summarised() {
    let dir = scratch("stats-bad");
    let good = fixture("stats/i1.npy");
    let bytes = std::fs::read(&good).unwrap();
    let truncated = dir.join("truncated.npy");
    std::fs::write(&truncated, &bytes[..bytes.len() - 1]).unwrap();
    let out = npio(
        &["stats", truncated.to_str().unwrap(), &good, "missing.npy"],
        &dir,
    );
    assert_code(&out, 1);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(stdout.lines().count(), 2, "{stdout}");
    assert!(stdout.lines().nth(1).unwrap().contains("-128"), "{stdout}");
    assert!(
        stderr.contains("truncated.npy") && stderr.contains("missing.npy"),
        "{stderr}"
    );
    assert_code(&npio(&["stats"], &dir), 2);
    // An archive without arrays: nothing summarised is a failure, not an empty success.
    let out = npio(&["stats", &fixture("npz/savez_empty.npz")], &dir);
    assert_code(&out, 1);
    assert!(
        text(&out.stderr).contains("no arrays to summarise"),
        "{}",
        text(&out.stderr)
    );
    let out = npio(&["stats", dir.to_str().unwrap()], &dir);
    assert_code(&out, 1);
    assert!(text(&out.stderr).contains("a folder, where a .npy or .npz file is expected"));
}
