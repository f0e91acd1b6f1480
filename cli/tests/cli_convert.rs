//! `npio convert` on the fixtures: every kind pair, every option, batch mode, overwrite
//! refusal and hostile archives.

mod common;

use std::path::Path;
use std::process::Command;

use common::cli::{assert_code, assert_no_temp_files, fixture, npio, read_dyn, text};
use common::scratch;
use common::{fixtures_dir, manifest};

#[test]
fn convert_npy_to_npy_is_byte_identical_to_numpy() {
    let dir = scratch("npy-npy");
    for entry in manifest()["valid"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| !e["needs_large_header"].as_bool().unwrap())
    {
        let name = entry["file"].as_str().unwrap();
        let out_path = dir.join("out.npy");
        let _ = std::fs::remove_file(&out_path);
        let out = npio(&["convert", "--quiet", &fixture(name), "out.npy"], &dir);
        assert_code(&out, 0);
        let expected =
            std::fs::read(fixtures_dir().join(entry["resaved"].as_str().unwrap_or(name))).unwrap();
        assert!(std::fs::read(&out_path).unwrap() == expected, "{name}");
    }
    assert_no_temp_files(&dir);
}

#[test]
fn convert_options_change_byte_order_and_memory_order() {
    let dir = scratch("options");
    let src = fixture("npy/record_N_le.npy");
    assert_code(
        &npio(&["convert", "--endian", "big", &src, "be.npy"], &dir),
        0,
    );
    let be = read_dyn(&dir.join("be.npy"));
    assert_eq!(
        be.dtype(),
        &read_dyn(Path::new(&src))
            .dtype()
            .with_endian(npio::dtype::Endian::Big)
    );
    assert_code(
        &npio(&["convert", "--endian", "little", "be.npy", "le.npy"], &dir),
        0,
    );
    assert_eq!(
        std::fs::read(dir.join("le.npy")).unwrap(),
        std::fs::read(&src).unwrap()
    );
    assert_code(
        &npio(
            &["convert", "--endian", "native", "be.npy", "native.npy"],
            &dir,
        ),
        0,
    );
    assert_eq!(
        read_dyn(&dir.join("native.npy")).dtype(),
        &read_dyn(Path::new(&src))
            .dtype()
            .with_endian(npio::dtype::Endian::NATIVE)
    );

    let c = fixture("npy/shape_3d_c.npy");
    assert_code(&npio(&["convert", "--order", "f", &c, "f.npy"], &dir), 0);
    let f = read_dyn(&dir.join("f.npy"));
    assert!(f.is_fortran_order());
    assert_eq!(
        std::fs::read(dir.join("f.npy")).unwrap(),
        std::fs::read(fixture("npy/shape_3d_f.npy")).unwrap()
    );
    assert_code(
        &npio(&["convert", "--order", "c", "f.npy", "c.npy"], &dir),
        0,
    );
    assert_eq!(
        std::fs::read(dir.join("c.npy")).unwrap(),
        std::fs::read(&c).unwrap()
    );
}

#[test]
fn convert_every_kind_pair() {
    let dir = scratch("kinds");
    let archive = fixture("npz/savez_compressed.npz");
    // npz -> folder: one NAME.npy per member, nested names as folders
    assert_code(&npio(&["convert", &archive, "tree/"], &dir), 0);
    for rel in [
        "arr_0.npy",
        "arr_1.npy",
        "dir/sub.npy",
        "fortran.npy",
        "rec.npy",
        "weird name é.npy",
        "x.npy",
    ] {
        assert!(dir.join("tree").join(rel).is_file(), "{rel}");
    }
    let mut original = npio::NpzReader::open(&archive).unwrap();
    assert_eq!(
        read_dyn(&dir.join("tree/dir/sub.npy")),
        original.read::<npio::DynArray>("dir/sub").unwrap()
    );
    // folder -> npz: every .npy under it, stored by default
    std::fs::write(dir.join("tree/readme.txt"), b"not an array").unwrap();
    let out = npio(&["convert", "tree", "packed.npz"], &dir);
    assert_code(&out, 0);
    assert!(
        text(&out.stderr).contains("leaving 1 other file out"),
        "{}",
        text(&out.stderr)
    );
    let mut packed = npio::NpzReader::open(dir.join("packed.npz")).unwrap();
    let mut names = packed.names();
    names.sort();
    assert_eq!(
        names,
        [
            "arr_0",
            "arr_1",
            "dir/sub",
            "fortran",
            "rec",
            "weird name é",
            "x"
        ]
    );
    for name in &names {
        assert!(!packed.member_info(name).unwrap().compressed);
        assert_eq!(
            packed.read::<npio::DynArray>(name).unwrap(),
            original.read::<npio::DynArray>(name).unwrap(),
            "{name}"
        );
    }
    // npz -> npz: same members, each keeps its compression
    assert_code(
        &npio(
            &["convert", &fixture("npz/non_npy_members.npz"), "copy.npz"],
            &dir,
        ),
        0,
    );
    let mut src = npio::NpzReader::open(fixture("npz/non_npy_members.npz")).unwrap();
    let mut copy = npio::NpzReader::open(dir.join("copy.npz")).unwrap();
    assert_eq!(copy.stored_names(), src.stored_names());
    for name in src.stored_names() {
        assert_eq!(
            copy.read_raw(&name).unwrap(),
            src.read_raw(&name).unwrap(),
            "{name}"
        );
        assert_eq!(
            copy.member_info(&name).unwrap().compressed,
            src.member_info(&name).unwrap().compressed
        );
    }
    // npz -> folder carries non-array members under their own names
    assert_code(
        &npio(
            &["convert", &fixture("npz/non_npy_members.npz"), "mixed"],
            &dir,
        ),
        2,
    ); // "mixed": no kind yet
    assert_code(
        &npio(
            &["convert", &fixture("npz/non_npy_members.npz"), "mixed/"],
            &dir,
        ),
        0,
    );
    assert_eq!(
        std::fs::read(dir.join("mixed/notes.txt")).unwrap(),
        b"units: metres\n"
    );
    assert!(dir.join("mixed/no_extension.npy").is_file() && dir.join("mixed/data.bin").is_file());
    // npy -> npz: one member named after the stem; npy -> folder
    assert_code(
        &npio(&["convert", &fixture("npy/f4_le_2x3.npy"), "one.npz"], &dir),
        0,
    );
    assert_eq!(
        npio::NpzReader::open(dir.join("one.npz")).unwrap().names(),
        ["f4_le_2x3"]
    );
    assert_code(
        &npio(&["convert", &fixture("npy/f4_le_2x3.npy"), "tree"], &dir),
        0,
    );
    assert!(dir.join("tree/f4_le_2x3.npy").is_file());
    // folder -> folder
    assert_code(
        &npio(&["convert", "--endian", "big", "tree", "tree_be/"], &dir),
        0,
    );
    assert_eq!(
        read_dyn(&dir.join("tree_be/dir/sub.npy"))
            .dtype()
            .descr_repr(),
        "'>f8'"
    );
    // npz -> npy is a usage error
    assert_code(&npio(&["convert", &archive, "x.npy"], &dir), 2);
    assert_no_temp_files(&dir);
}

#[test]
fn convert_compression_options() {
    let dir = scratch("compression");
    let stored = fixture("npz/savez_stored.npz");
    assert_code(&npio(&["convert", "--compress", &stored, "c.npz"], &dir), 0);
    assert_code(
        &npio(&["convert", "--level", "9", &stored, "c9.npz"], &dir),
        0,
    );
    assert_code(&npio(&["convert", "--store", "c.npz", "s.npz"], &dir), 0);
    // --jobs bounds a single conversion too; the archive does not depend on the thread count.
    let big = fixture("npz/savez_big_member.npz");
    assert_code(
        &npio(
            &["convert", "--compress", "--jobs", "1", &big, "j1.npz"],
            &dir,
        ),
        0,
    );
    assert_code(
        &npio(
            &["convert", "--compress", "--jobs", "2", &big, "j2.npz"],
            &dir,
        ),
        0,
    );
    assert_eq!(
        std::fs::read(dir.join("j1.npz")).unwrap(),
        std::fs::read(dir.join("j2.npz")).unwrap()
    );
    for (file, compressed) in [("c.npz", true), ("c9.npz", true), ("s.npz", false)] {
        let mut npz = npio::NpzReader::open(dir.join(file)).unwrap();
        for m in npz.members().unwrap() {
            assert_eq!(m.compressed, compressed, "{file}:{}", m.name);
            if !compressed {
                assert_eq!(m.array_data_offset().unwrap() % 64, 0);
            }
        }
    }
    assert_code(
        &npio(&["convert", "--level", "10", &stored, "bad.npz"], &dir),
        2,
    );
    assert_code(
        &npio(
            &["convert", "--store", "--level", "3", &stored, "bad.npz"],
            &dir,
        ),
        2,
    );
    assert_code(
        &npio(&["convert", "--endian", "middle", &stored, "bad.npz"], &dir),
        2,
    );
    assert_code(
        &npio(&["convert", "--order", "x", &stored, "bad.npz"], &dir),
        2,
    );
    assert_code(&npio(&["convert", &stored, "no-extension"], &dir), 2);
}

#[test]
fn convert_codec_zstd_writes_zstd_members_that_later_conversions_keep() {
    let dir = scratch("zstd");
    let stored = fixture("npz/savez_stored.npz");
    assert_code(
        &npio(&["convert", "--codec", "zstd", &stored, "z.npz"], &dir),
        0,
    );
    assert_code(
        &npio(
            &[
                "convert", "--codec", "zstd", "--level", "19", &stored, "z19.npz",
            ],
            &dir,
        ),
        0,
    );
    // npz -> npz without options keeps each member's method; --compress makes them deflated.
    assert_code(&npio(&["convert", "z.npz", "kept.npz"], &dir), 0);
    assert_code(&npio(&["convert", "--compress", "z.npz", "d.npz"], &dir), 0);
    let src = npio::NpzReader::open(&stored).unwrap().read_all().unwrap();
    for (file, method) in [
        ("z.npz", "zstd"),
        ("z19.npz", "zstd"),
        ("kept.npz", "zstd"),
        ("d.npz", "deflated"),
    ] {
        let mut npz = npio::NpzReader::open(dir.join(file)).unwrap();
        for m in npz.members().unwrap() {
            assert_eq!(m.method_name(), method, "{file}:{}", m.name);
        }
        assert_eq!(npz.read_all().unwrap(), src, "{file}");
    }
    // A .npy into an archive, and `info` saying what the members are.
    assert_code(
        &npio(
            &[
                "convert",
                "--codec",
                "zstd",
                &fixture("npy/f8_be_2x3.npy"),
                "one.npz",
            ],
            &dir,
        ),
        0,
    );
    let info = npio(&["info", "--json", "one.npz"], &dir);
    assert_code(&info, 0);
    let json: serde_json::Value = serde_json::from_str(&text(&info.stdout)).unwrap();
    assert_eq!(json["members"][0]["method"], "zstd");
    assert!(text(&npio(&["info", "z.npz"], &dir).stdout).contains("npz zstd"));
    assert_code(&npio(&["verify", "z.npz"], &dir), 0);
    // Levels are checked per codec: deflate 0-9, zstd 1-22.
    for bad in [
        vec![
            "convert", "--codec", "zstd", "--level", "0", &stored, "bad.npz",
        ],
        vec![
            "convert", "--codec", "zstd", "--level", "23", &stored, "bad.npz",
        ],
        vec![
            "convert", "--codec", "deflate", "--level", "12", &stored, "bad.npz",
        ],
        vec!["convert", "--codec", "lz4", &stored, "bad.npz"],
        vec!["convert", "--store", "--codec", "zstd", &stored, "bad.npz"],
    ] {
        assert_code(&npio(&bad, &dir), 2);
    }
    assert!(!dir.join("bad.npz").exists());
    assert_no_temp_files(&dir);
}

#[test]
fn overwrite_rules() {
    let dir = scratch("overwrite");
    let src = fixture("npy/i2_le_1d.npy");
    assert_code(&npio(&["convert", &src, "a.npy"], &dir), 0);
    let out = npio(&["convert", &fixture("npy/i4_le_1d.npy"), "a.npy"], &dir);
    assert_code(&out, 1);
    assert!(text(&out.stderr).contains("--force"));
    assert_eq!(
        read_dyn(&dir.join("a.npy")).dtype().descr_repr(),
        "'<i2'",
        "not overwritten"
    );
    assert_code(
        &npio(
            &["convert", "--force", &fixture("npy/i4_le_1d.npy"), "a.npy"],
            &dir,
        ),
        0,
    );
    assert_eq!(read_dyn(&dir.join("a.npy")).dtype().descr_repr(), "'<i4'");
    // an input is never overwritten, even with --force
    let before = std::fs::read(dir.join("a.npy")).unwrap();
    let out = npio(
        &["convert", "--force", "--endian", "big", "a.npy", "a.npy"],
        &dir,
    );
    assert_code(&out, 1);
    assert!(text(&out.stderr).contains("input"));
    assert_eq!(std::fs::read(dir.join("a.npy")).unwrap(), before);
    // a failed conversion leaves neither output nor temporary file
    let out = npio(
        &[
            "convert",
            &fixture("malformed/truncated_data.npy"),
            "broken.npy",
        ],
        &dir,
    );
    assert_code(&out, 1);
    assert!(!dir.join("broken.npy").exists());
    assert_no_temp_files(&dir);
}

#[test]
fn hostile_archives_never_write_outside() {
    let dir = scratch("hostile");
    for (archive, member) in [
        ("npz/hostile_zip_slip.npz", "../evil.npy"),
        ("npz/hostile_absolute.npz", "/tmp/npio-absolute-evil.npy"),
        ("npz/hostile_nested_dotdot.npz", "a/../../evil.npy"),
        ("npz/hostile_backslash.npz", "..\\\\evil.npy"),
    ] {
        let target = dir.join("inner/out");
        let out = npio(
            &[
                "convert",
                &fixture(archive),
                &format!("{}/", target.display()),
            ],
            &dir,
        );
        assert_code(&out, 1);
        assert!(
            text(&out.stderr).contains(member),
            "{archive}: {}",
            text(&out.stderr)
        );
        assert!(
            !target.exists() || std::fs::read_dir(&target).unwrap().next().is_none(),
            "{archive}: nothing extracted"
        );
        assert!(!dir.join("inner/evil.npy").exists() && !dir.join("evil.npy").exists());
    }
    assert!(!Path::new("/tmp/npio-absolute-evil.npy").exists());
    // A symlinked folder inside the target cannot lead the extraction elsewhere.
    let target = dir.join("linked");
    std::fs::create_dir_all(&target).unwrap();
    let elsewhere = dir.join("elsewhere");
    std::fs::create_dir_all(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, target.join("dir")).unwrap();
    let out = npio(
        &[
            "convert",
            &fixture("npz/savez_stored.npz"),
            target.to_str().unwrap(),
        ],
        &dir,
    );
    assert_code(&out, 1);
    assert!(
        text(&out.stderr).contains("dir/sub"),
        "{}",
        text(&out.stderr)
    );
    assert!(std::fs::read_dir(&elsewhere).unwrap().next().is_none());
    // An output path that is a symlink: refused without --force; with it, the link itself is
    // replaced by the new file and its target is left alone.
    let outside = dir.join("outside.npy");
    std::fs::write(&outside, b"keep me").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("link.npy")).unwrap();
    let input = fixture("npy/u1_le_1d.npy");
    assert_code(&npio(&["convert", &input, "link.npy"], &dir), 1);
    assert_code(&npio(&["convert", "--force", &input, "link.npy"], &dir), 0);
    assert_eq!(std::fs::read(&outside).unwrap(), b"keep me");
    assert!(!std::fs::symlink_metadata(dir.join("link.npy"))
        .unwrap()
        .is_symlink());
    // A FIFO where a folder being packed should hold files: refused, not waited on forever.
    let packed = dir.join("packed");
    std::fs::create_dir_all(&packed).unwrap();
    std::fs::copy(&input, packed.join("a.npy")).unwrap();
    let fifo = packed.join("b.npy");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let out = npio(&["convert", packed.to_str().unwrap(), "packed.npz"], &dir);
    assert_code(&out, 1);
    assert!(
        text(&out.stderr).contains("not a regular file"),
        "{}",
        text(&out.stderr)
    );
    std::fs::remove_file(&fifo).unwrap();
    // Archives with other defects: exit 1 naming the member, never a panic.
    for bad in [
        "npz/bad_crc_mismatch.npz",
        "npz/bad_duplicate_names.npz",
        "npz/bad_truncated.npz",
        "npz/bad_claim_exceeds_member.npz",
    ] {
        let out = npio(&["convert", &fixture(bad), "out.npz"], &dir);
        assert_code(&out, 1);
        assert!(!dir.join("out.npz").exists(), "{bad}");
    }
    assert_no_temp_files(&dir);
}

#[test]
fn batch_mode_converts_in_parallel_and_reports_failures() {
    let dir = scratch("batch");
    let inputs = [
        fixture("npz/savez_stored.npz"),
        fixture("npz/non_npy_members.npz"),
        fixture("npy/f8_be_2x3.npy"),
        fixture("malformed/truncated_data.npy"),
        fixture("npy/record_P_be.npy"),
    ];
    for jobs in ["1", "2"] {
        let out_dir = dir.join(format!("out{jobs}"));
        let mut args = vec![
            "convert",
            "--compress",
            "--endian",
            "little",
            "--jobs",
            jobs,
            "--out-dir",
            out_dir.to_str().unwrap(),
        ];
        args.extend(inputs.iter().map(String::as_str));
        let out = npio(&args, &dir);
        assert_code(&out, 1);
        let stderr = text(&out.stderr);
        assert!(stderr.contains("truncated_data.npy"), "{stderr}");
        assert!(
            stderr.contains("converted 4 of 5 inputs") && stderr.contains("1 failed"),
            "{stderr}"
        );
        assert!(!out_dir.join("truncated_data.npy").exists());
        assert_eq!(
            read_dyn(&out_dir.join("f8_be_2x3.npy"))
                .dtype()
                .descr_repr(),
            "'<f8'"
        );
        let mut npz = npio::NpzReader::open(out_dir.join("savez_stored.npz")).unwrap();
        assert!(npz.members().unwrap().iter().all(|m| m.compressed));
        assert_no_temp_files(&out_dir);
    }
    // all good: exit 0; outputs exist afterwards so a rerun refuses without --force
    let out_dir = dir.join("good");
    let args = [
        "convert",
        "--quiet",
        "--out-dir",
        out_dir.to_str().unwrap(),
        &inputs[0],
        &inputs[2],
    ];
    assert_code(&npio(&args, &dir), 0);
    assert_code(&npio(&args, &dir), 1);
    let mut forced = args.to_vec();
    forced.insert(1, "--force");
    assert_code(&npio(&forced, &dir), 0);
}

#[derive(Debug, Clone, Copy, PartialEq, npio::Record)]
struct Particle {
    id: u32,
    pos: [f32; 3],
    mass: f64,
    alive: bool,
    kind: [u8; 4],
}

#[test]
fn converted_records_read_back_into_derived_structs() {
    // Read dynamically by the CLI, converted (byte order, into an archive and out again),
    // then read typed: the same values as from NumPy's file.
    let dir = scratch("records");
    let src = fixtures_dir().join("records/particle_be.npy");
    let expected: ndarray::Array1<Particle> = npio::read_npy(&src).unwrap();
    let src = src.to_str().unwrap();
    assert_code(
        &npio(&["convert", "--endian", "little", src, "le.npy"], &dir),
        0,
    );
    let le: ndarray::Array1<Particle> = npio::read_npy(dir.join("le.npy")).unwrap();
    assert_eq!(le, expected);
    assert_code(
        &npio(&["convert", "--compress", "le.npy", "p.npz"], &dir),
        0,
    );
    let mut npz = npio::NpzReader::open(dir.join("p.npz")).unwrap();
    assert_eq!(
        npz.read::<ndarray::Array1<Particle>>("le").unwrap(),
        expected
    );
    assert_no_temp_files(&dir);
}
