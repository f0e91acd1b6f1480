//! `npio show`: every case of `fixtures/show/cases.json` (arrays NumPy wrote and NumPy's
//! `str()` of each, also of row slices, field selections and with `threshold=sys.maxsize`;
//! `fixtures/show.py`) printed byte for byte, and the usage errors.

mod common;

use common::cli::{assert_code, fixture, fixture_cases, npio, text};
use common::{fixtures_dir, scratch};

#[test]
fn show_prints_what_numpys_str_prints_for_every_fixture() {
    let cases = fixture_cases("show", 40);
    for case in &cases {
        let file = case["file"].as_str().unwrap();
        let mut args = vec!["show", file];
        if let Some(rows) = case["rows"].as_str() {
            args.extend(["--rows", rows]);
        }
        if let Some(fields) = case["fields"].as_str() {
            args.extend(["--fields", fields]);
        }
        if case["full"].as_bool().unwrap() {
            args.push("--full");
        }
        let out = npio(&args, &fixtures_dir());
        assert_code(&out, 0);
        let expected = format!("{}\n", case["str"].as_str().unwrap());
        assert_eq!(text(&out.stdout), expected, "{args:?}");
    }
}

#[test]
fn members_urls_and_mistakes() {
    let dir = scratch("show");
    let out = npio(
        &[
            "show",
            &format!("{}:dir/sub", fixture("npz/savez_compressed.npz")),
        ],
        &dir,
    );
    assert_code(&out, 0);
    assert_eq!(
        text(&out.stdout),
        "[[ 0.  1.  2.  3.]\n [ 4.  5.  6.  7.]\n [ 8.  9. 10. 11.]]\n"
    );
    let archive = fixture("npz/savez_stored.npz");
    let records = fixture("show/records.npy");
    let scalar = fixture("show/scalar_f8.npy");
    for (args, says) in [
        (vec!["show", archive.as_str()], "name the member"),
        (vec!["show", "--rows", "x", records.as_str()], "--rows x"),
        (vec!["show", "--rows", "1:", scalar.as_str()], "0-d"),
        (
            vec!["show", "--fields", "zz", records.as_str()],
            "no field \"zz\"",
        ),
        (
            vec!["show", "--fields", "a", scalar.as_str()],
            "not a record array",
        ),
    ] {
        let out = npio(&args, &dir);
        assert_code(&out, 2);
        assert!(
            text(&out.stderr).contains(says),
            "{args:?}: {}",
            text(&out.stderr)
        );
    }
    assert_code(&npio(&["show", "missing.npy"], &dir), 1);
}
