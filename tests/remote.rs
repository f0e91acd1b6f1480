//! Object storage against real servers: an S3-compatible server (moto in server mode) and a
//! static HTTP server that honours `Range` (`.ci/range_server.py`, serving the repository's
//! `fixtures/` folder), both started by `.ci/run` on 127.0.0.1 and named by
//! `NPIO_TEST_S3_ENDPOINT` (with the bucket `NPIO_TEST_S3_BUCKET`) and `NPIO_TEST_HTTP`.
//! Without them each test says so and passes, unless `NPIO_REQUIRE_REMOTE=1` (CI) makes the
//! absence a failure.

mod common;

use std::io::{Read, Write};

use common::{fixtures_dir, test_server as server, variant};
use ndarray::{Array1, Array2, ArrayD};
use npio::remote::Remote;
use npio::{DynArray, Error, NpzReader as NpzReaderLocal, NpzWriter};

/// The S3 server as a `Remote`, and the URL of `key` in its test bucket.
fn s3() -> Option<(Remote, impl Fn(&str) -> String)> {
    let endpoint = server("NPIO_TEST_S3_ENDPOINT")?;
    let bucket = std::env::var("NPIO_TEST_S3_BUCKET").unwrap_or_else(|_| "npio-test".into());
    let remote = Remote::new()
        .option("aws_endpoint", endpoint)
        .option("aws_allow_http", "true")
        .option("aws_region", "us-east-1")
        .option("aws_access_key_id", "npio")
        .option("aws_secret_access_key", "npio");
    Some((remote, move |key: &str| format!("s3://{bucket}/{key}")))
}

/// What reading gave, comparable across routes: the array as `.npy` bytes, or the error's
/// kind and message without the path or member around it.
fn outcome(read: npio::Result<DynArray>) -> Result<Vec<u8>, (String, String)> {
    match read {
        Ok(array) => Ok(npio::to_bytes(&array).expect("an array read writes back")),
        Err(e) => Err((variant(e.root()).to_string(), e.root().to_string())),
    }
}

fn all_members(read: npio::Result<Vec<(String, DynArray)>>) -> Result<Vec<u8>, (String, String)> {
    match read {
        Ok(members) => {
            let mut out = Vec::new();
            for (name, array) in members {
                out.extend_from_slice(name.as_bytes());
                out.extend(npio::to_bytes(&array).expect("an array read writes back"));
            }
            Ok(out)
        }
        Err(e) => Err((variant(e.root()).to_string(), e.root().to_string())),
    }
}

fn files(folder: &str) -> Vec<(String, std::path::PathBuf)> {
    let mut out: Vec<_> = std::fs::read_dir(fixtures_dir().join(folder))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            (format!("{folder}/{name}"), p)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn every_fixture_reads_over_http_as_it_reads_from_its_file() {
    let Some(base) = server("NPIO_TEST_HTTP") else {
        return;
    };
    // With a data limit, so the deflate bomb (1 GiB of zeros) is refused on both routes.
    let limits = npio::ReadOptions::new().max_data_size(64 << 20);
    let remote = Remote::new().read_options(limits);
    let mut checked = 0;
    for folder in ["npy", "malformed", "records"] {
        for (rel, path) in files(folder) {
            if !rel.ends_with(".npy") {
                continue;
            }
            let local = outcome(limits.open_npy(&path).and_then(|r| r.read()));
            let url = format!("{base}/{rel}");
            let there = outcome(remote.read_npy::<DynArray>(&url));
            assert_eq!(there, local, "{url}");
            checked += 1;
        }
    }
    for (rel, path) in files("npz") {
        let local = all_members(limits.open_npz(&path).and_then(|npz| npz.read_all()));
        let url = format!("{base}/{rel}");
        let there = all_members(remote.open_npz(&url).and_then(|npz| npz.read_all()));
        assert_eq!(there, local, "{url}");
        // Member by member too (the lazy route, one clone at a time).
        if let Ok(mut npz) = remote.open_npz(&url) {
            for name in npz.names() {
                let one = outcome(npz.read::<DynArray>(&name));
                let mine = outcome(limits.open_npz(&path).and_then(|mut n| n.read(&name)));
                assert_eq!(one, mine, "{url} {name}");
            }
        }
        checked += 1;
    }
    assert!(checked > 200, "only {checked} fixtures found");
}

#[test]
fn missing_objects_are_not_found_errors_naming_the_url() {
    if let Some(base) = server("NPIO_TEST_HTTP") {
        let url = format!("{base}/npy/no_such_file.npy");
        let err = Remote::new().read_npy::<DynArray>(&url).unwrap_err();
        assert!(matches!(err.root(), Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
        assert!(err.to_string().contains(&url), "{err}");
    }
    if let Some((remote, url)) = s3() {
        let url = url("no/such/key.npz");
        let err = remote.open_npz(&url).unwrap_err();
        assert!(matches!(err.root(), Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
        assert!(err.to_string().starts_with(&url), "{err}");
    }
}

#[test]
fn an_unknown_option_is_refused_not_ignored() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let err = remote
        .option("aws_endpoit", "http://example.org")
        .open(&url("a.npy"))
        .unwrap_err();
    assert!(
        matches!(err.root(), Error::Io(e) if e.kind() == std::io::ErrorKind::InvalidInput),
        "{err:?}"
    );
    assert!(err.to_string().contains("aws_endpoit"), "{err}");
}

/// 64 members of 1 MiB (stored), as the issue measures it.
fn archive_of_64(remote: &Remote, url: &str) -> Vec<Array1<f64>> {
    let members: Vec<Array1<f64>> = (0..64)
        .map(|m| Array1::from_shape_fn(1 << 17, |i| (m * 1_000_000 + i) as f64))
        .collect();
    let mut npz = NpzWriter::new_stream(remote.create(url).unwrap());
    for (m, a) in members.iter().enumerate() {
        npz.add(&format!("m{m:02}"), a).unwrap();
    }
    let size = npz.finish().unwrap().finish().unwrap();
    assert!(size > 64 << 20, "{size}");
    members
}

#[test]
fn one_member_of_a_64_member_archive_moves_that_member_and_the_headers() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let url = url("sixty-four.npz");
    let members = archive_of_64(&remote, &url);

    // Opening and describing every member: the directory and the headers, nothing else.
    let fresh = s3().unwrap().0;
    let mut npz = fresh.open_npz(&url).unwrap();
    let info = npz.members().unwrap();
    assert_eq!(info.len(), 64);
    assert_eq!(info[7].npy.as_ref().unwrap().header.shape, vec![1 << 17]);
    let described = fresh.bytes_fetched();
    assert!(described < 256 << 10, "info moved {described} bytes");

    // One member: its bytes, little more.
    let m33: Array1<f64> = npz.read("m33").unwrap();
    assert_eq!(m33, members[33]);
    let moved = fresh.bytes_fetched();
    assert!(
        moved < (1 << 20) + (300 << 10),
        "one 1 MiB member moved {moved} bytes"
    );
    eprintln!(
        "64 x 1 MiB archive: info {described} bytes, + one member {moved} bytes, {} requests",
        fresh.requests()
    );

    // Every member, in parallel through clones: right values, each byte fetched about once.
    let all = npz.read_all().unwrap();
    assert_eq!(all.len(), 64);
    for ((name, a), want) in all.iter().zip(&members) {
        assert_eq!(
            a.clone().into_array::<f64, _>().unwrap(),
            want.clone().into_dyn(),
            "{name}"
        );
    }
    let total = fresh.bytes_fetched();
    assert!(
        total < (65 << 20) + (1 << 20),
        "read_all moved {total} bytes"
    );

    // Every member from a fresh start: the archive fetched whole in 8 MiB ranges, each byte
    // once, in a dozen requests rather than one or more per member.
    let all = s3().unwrap().0;
    let read = all.open_npz(&url).unwrap().read_all().unwrap();
    assert_eq!(read.len(), 64);
    assert!(
        all.bytes_fetched() < (64 << 20) + (200 << 10),
        "{}",
        all.bytes_fetched()
    );
    assert!(
        all.requests() <= 12,
        "read_all made {} requests",
        all.requests()
    );
}

#[test]
fn large_npy_writes_as_a_multipart_upload_and_reads_back_by_ranges() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let url = url("big/rows.npy");
    // 20 MiB: more than one upload part and more than two read parts.
    let a = Array2::from_shape_fn((2560, 1024), |(i, j)| (i * 1024 + j) as f64);
    remote.write_npy(&url, &a).unwrap();

    let mut object = remote.open(&url).unwrap();
    let mut bytes = Vec::new();
    object.read_to_end(&mut bytes).unwrap();
    assert_eq!(
        bytes,
        npio::to_bytes(&a).unwrap(),
        "the object is np.save's bytes"
    );

    let fresh = s3().unwrap().0;
    let back: Array2<f64> = fresh.read_npy(&url).unwrap();
    assert_eq!(back, a);

    let rows = s3().unwrap().0;
    let mut npy = rows.open_npy(&url).unwrap();
    let some: ArrayD<f64> = npy.read_rows(1000..1010).unwrap();
    assert_eq!(some, a.slice(ndarray::s![1000..1010, ..]).into_dyn());
    let moved = rows.bytes_fetched();
    assert!(moved < 200 << 10, "ten 8 KiB rows moved {moved} bytes");
}

/// An archive written front to back, as uploads are.
fn writer<W: Write>(to: W, compressed: bool) -> NpzWriter<W> {
    let mut w = NpzWriter::new_stream(to);
    if compressed {
        w.set_compression(npio::npz::Compression::Auto);
    }
    w
}

#[test]
fn written_archives_are_the_bytes_written_locally() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let a = Array2::from_shape_fn((300, 7), |(i, j)| (i * 7 + j) as i32);
    let b = Array1::from_iter((0..1000).map(|i| i as f32 / 3.0));
    for compressed in [false, true] {
        let url = url(&format!("written-{compressed}.npz"));
        let local = {
            let mut w = writer(Vec::new(), compressed);
            w.add("a", &a).unwrap();
            w.add("b", &b).unwrap();
            w.finish().unwrap()
        };
        let mut w = writer(remote.create(&url).unwrap(), compressed);
        w.add("a", &a).unwrap();
        w.add("b", &b).unwrap();
        assert_eq!(w.finish().unwrap().finish().unwrap(), local.len() as u64);
        let mut there = Vec::new();
        remote.open(&url).unwrap().read_to_end(&mut there).unwrap();
        assert!(
            there == local,
            "{url}: the uploaded bytes differ from the local ones"
        );
        let mut npz = remote.open_npz(&url).unwrap();
        assert_eq!(npz.read::<Array2<i32>>("a").unwrap(), a);
        assert_eq!(npz.read::<Array1<f32>>("b").unwrap(), b);
    }
}

/// Bytes no two parts of an upload share: a part sent twice or out of order shows.
fn numbered_bytes(len: usize) -> Vec<u8> {
    (0..len / 8)
        .flat_map(|i| (i as u64).to_le_bytes())
        .collect()
}

/// The S3 server's list of multipart uploads in progress for keys under `prefix` (the
/// `ListMultipartUploads` response, asked unsigned: the test server takes that).
fn uploads_in_progress(prefix: &str) -> String {
    let endpoint = server("NPIO_TEST_S3_ENDPOINT").expect("an S3 server");
    let bucket = std::env::var("NPIO_TEST_S3_BUCKET").unwrap_or_else(|_| "npio-test".into());
    let host = endpoint.trim_start_matches("http://").trim_end_matches('/');
    let mut tcp = std::net::TcpStream::connect(host).unwrap();
    write!(
        tcp,
        "GET /{bucket}?uploads&prefix={prefix} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    tcp.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    response
}

#[test]
fn a_large_object_is_sent_in_parts_and_appears_only_when_finished() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let key = format!("streamed/large-{}.bin", std::process::id());
    let url = url(&key);
    let bytes = numbered_bytes(40 << 20); // 16 MiB parts: two full ones and a last one
    let mut w = remote.create(&url).unwrap();
    for piece in bytes.chunks(3 << 20) {
        w.write_all(piece).unwrap();
    }
    let err = remote.open(&url).unwrap_err();
    assert!(
        matches!(err.root(), Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound),
        "visible before finish: {err}"
    );
    // Sent while written, not at finish: the upload is in progress already.
    assert!(uploads_in_progress(&key).contains(&format!("<Key>{key}</Key>")));
    assert_eq!(w.finish().unwrap(), bytes.len() as u64);
    assert!(!uploads_in_progress(&key).contains(&format!("<Key>{key}</Key>")));
    let mut there = Vec::new();
    remote.open(&url).unwrap().read_to_end(&mut there).unwrap();
    assert!(there == bytes, "the uploaded object differs");
}

#[test]
fn objects_at_the_part_boundaries_upload_whole() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let part = 16 << 20;
    for len in [0, 1, part - 1, part, part + 1, 2 * part] {
        let url = url(&format!("streamed/sized-{len}-{}.bin", std::process::id()));
        let bytes = numbered_bytes(len / 8 * 8);
        let mut w = remote.create(&url).unwrap();
        w.write_all(&bytes).unwrap(); // one call: taken part by part
        assert_eq!(w.finish().unwrap(), bytes.len() as u64, "{len}");
        let mut there = Vec::new();
        remote.open(&url).unwrap().read_to_end(&mut there).unwrap();
        assert!(there == bytes, "{len}: the uploaded object differs");
    }
}

#[test]
fn a_large_upload_dropped_halfway_keeps_the_object_it_would_replace() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let key = format!("streamed/kept-{}.bin", std::process::id());
    let url = url(&key);
    upload(&remote, &url, b"the old object");
    let mut w = remote.create(&url).unwrap();
    w.write_all(&numbered_bytes(36 << 20)).unwrap(); // parts already sent
    assert!(uploads_in_progress(&key).contains(&format!("<Key>{key}</Key>")));
    drop(w);
    // Aborted: no parts left behind.
    assert!(!uploads_in_progress(&key).contains(&format!("<Key>{key}</Key>")));
    let mut there = Vec::new();
    remote.open(&url).unwrap().read_to_end(&mut there).unwrap();
    assert_eq!(there, b"the old object");
}

#[test]
fn an_unfinished_writer_uploads_nothing() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let url = url("never-finished.npy");
    let mut w = remote.create(&url).unwrap();
    w.write_all(b"\x93NUMPY half").unwrap();
    drop(w);
    let err = remote.open(&url).unwrap_err();
    assert!(matches!(err.root(), Error::Io(e) if e.kind() == std::io::ErrorKind::NotFound));
}

#[test]
fn an_empty_object_is_an_empty_file() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let url = url("empty.npy");
    remote.create(&url).unwrap().finish().unwrap();
    assert_eq!(remote.open(&url).unwrap().size(), 0);
    let local = outcome(npio::read_npy(
        fixtures_dir().join("malformed/empty_file.npy"),
    ));
    assert_eq!(outcome(remote.read_npy(&url)), local);
    assert!(local.is_err());
}

#[test]
fn an_object_replaced_while_it_is_read_fails_the_read() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let url = url("replaced.npy");
    let a = Array1::from_iter(0..(1i64 << 18)); // 2 MiB: read after opening
    remote.write_npy(&url, &a).unwrap();
    let npy = remote.open_npy(&url).unwrap();
    remote.write_npy(&url, &(&a + 1)).unwrap();
    let err = npy.read::<Array1<i64>>().unwrap_err();
    assert!(
        err.to_string().contains("changed while it was being read"),
        "{err}"
    );
}

#[test]
fn a_hostile_archive_in_a_bucket_is_refused_like_a_local_one() {
    let Some((remote, url)) = s3() else {
        return;
    };
    let limits = npio::ReadOptions::new().max_data_size(64 << 20);
    let remote = remote.read_options(limits);
    for name in [
        "hostile_deflate_bomb.npz",
        "bad_claim_exceeds_member.npz",
        "bad_crc_mismatch.npz",
        "bad_duplicate_names.npz",
    ] {
        let path = fixtures_dir().join("npz").join(name);
        let url = url(&format!("hostile/{name}"));
        let mut w = remote.create(&url).unwrap();
        w.write_all(&std::fs::read(&path).unwrap()).unwrap();
        w.finish().unwrap();
        let local = all_members(limits.open_npz(&path).and_then(|n| n.read_all()));
        let there = all_members(remote.open_npz(&url).and_then(|n| n.read_all()));
        assert!(there.is_err(), "{name} was read");
        assert_eq!(there, local, "{name}");
    }
}

/// Uploads `bytes` as `key`; its URL.
fn upload(remote: &Remote, url: &str, bytes: &[u8]) {
    let mut w = remote.create(url).unwrap();
    w.write_all(bytes).unwrap();
    w.finish().unwrap();
}

#[test]
fn crafted_archives_are_refused_remotely_though_local_headers_are_checked_late() {
    use common::craft::{npy_i64, Craft};
    let Some((remote, url)) = s3() else {
        return;
    };
    // The overlapping-entry bomb: refused from the directory alone, before any member.
    let npy = npio::to_bytes(&ndarray::Array1::<u8>::zeros(8 << 20)).unwrap();
    let mut zip = Craft::new(b"");
    let local = zip.deflated(b"m0.npy", &npy);
    for k in 1..200 {
        zip.central(format!("m{k}.npy").as_bytes(), 0, local);
    }
    let bomb = url("crafted/bomb.npz");
    upload(&remote, &bomb, &zip.finish());
    let err = remote.open_npz(&bomb).unwrap_err();
    assert!(
        matches!(err.root(), Error::Archive { reason } if reason.contains("overlapping")),
        "{err}"
    );

    // A local header that disagrees with the directory (sizes, then name): opening reads
    // the directory only, so the member is refused when it is first read, by every route.
    let data = npy_i64(&[1, 2, 3]);
    for case in ["sizes", "name"] {
        let mut zip = Craft::new(b"");
        zip.stored(b"fine.npy", 0, &npy_i64(&[7]));
        let crc = crc32fast::hash(&data);
        let mut local = zip.local(b"a.npy", 0, 0, &data, data.len() as u32, crc);
        if case == "sizes" {
            local.size -= 8;
            local.compressed -= 8;
        }
        zip.central(if case == "name" { b"b.npy" } else { b"a.npy" }, 0, local);
        let bytes = zip.finish();
        let local_err = NpzReaderLocal::new(std::io::Cursor::new(bytes.clone())).unwrap_err();
        let key = url(&format!("crafted/{case}.npz"));
        upload(&remote, &key, &bytes);
        let mut npz = remote.open_npz(&key).unwrap();
        let fine: Array1<i64> = npz.read("fine").unwrap();
        assert_eq!(fine.to_vec(), [7]);
        let name = npz.names()[1].clone();
        for err in [
            npz.read::<DynArray>(&name).unwrap_err(),
            npz.member_info(&name).unwrap_err(),
            npz.read_all().unwrap_err(),
        ] {
            assert_eq!(
                variant(err.root()),
                variant(local_err.root()),
                "{case}: {err}"
            );
            assert_eq!(
                err.root().to_string(),
                local_err.root().to_string(),
                "{case}"
            );
            assert!(err.to_string().contains(&key), "{err}");
        }
    }
}

#[test]
fn a_prefix_lists_as_a_folder() {
    let Some((remote, url)) = s3() else {
        return;
    };
    for key in [
        "listed/b.npy",
        "listed/a.npz",
        "listed/deeper/c.npy",
        "listedness.npy",
    ] {
        upload(&remote, &url(key), b"x");
    }
    let want = vec![url("listed/a.npz"), url("listed/b.npy")];
    assert_eq!(remote.list(&url("listed/")).unwrap(), want);
    assert_eq!(remote.list(&url("listed")).unwrap(), want);
    assert_eq!(
        remote.list(&url("nothing-here/")).unwrap(),
        Vec::<String>::new()
    );
}
