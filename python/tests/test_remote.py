"""Object storage from Python, against the servers `.ci/run` starts on 127.0.0.1 (moto's S3 and a
Range-capable HTTP server over `fixtures/`; see `.ci/servers.sh`). Without them the tests are
skipped, unless NPIO_REQUIRE_REMOTE=1 (CI) makes that a failure."""

import io
import os
import uuid
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import npio
from conftest import FIXTURES, assert_same_array, header_limit, ids, valid_npy, valid_npz


def _server(var):
    url = os.environ.get(var)
    if url:
        return url.rstrip("/")
    if os.environ.get("NPIO_REQUIRE_REMOTE") == "1":
        pytest.fail(f"{var} is not set and NPIO_REQUIRE_REMOTE=1 (.ci/servers.sh starts it)")
    pytest.skip(f"{var} is not set (.ci/servers.sh starts the test servers)")


@pytest.fixture
def http():
    return _server("NPIO_TEST_HTTP")


@pytest.fixture
def s3():
    """(URL of a fresh key prefix in the test bucket, storage_options)."""
    endpoint = _server("NPIO_TEST_S3_ENDPOINT")
    bucket = os.environ.get("NPIO_TEST_S3_BUCKET", "npio-test")
    options = {
        "aws_endpoint": endpoint,
        "aws_allow_http": True,
        "aws_region": "us-east-1",
        "aws_access_key_id": "npio",
        "aws_secret_access_key": "npio",
    }
    return f"s3://{bucket}/py-{uuid.uuid4().hex[:12]}", options


@pytest.mark.parametrize("path", valid_npy(), ids=ids(valid_npy()))
def test_every_npy_fixture_loads_over_http_as_numpy_loads_the_file(http, path):
    limit = header_limit(path)
    url = f"{http}/{path.relative_to(FIXTURES)}"
    assert_same_array(npio.load(url, max_header_size=limit), np.load(path, max_header_size=limit))


def _same_member(ours, theirs):
    if isinstance(theirs, bytes):  # a member that is not an array
        assert ours == theirs
    else:
        assert_same_array(ours, theirs)


@pytest.mark.parametrize("path", valid_npz(), ids=ids(valid_npz()))
def test_every_npz_fixture_loads_over_http_as_numpy_loads_the_file(http, path):
    url = f"{http}/{path.relative_to(FIXTURES)}"
    with npio.load(url) as ours, np.load(path) as theirs:
        assert ours.files == theirs.files
        assert url in repr(ours)
        for name in theirs.files:
            _same_member(ours[name], theirs[name])
        for name, value in ours.read_all().items():
            _same_member(value, theirs[name])


def test_a_missing_object_is_file_not_found_naming_the_url(http, s3):
    with pytest.raises(FileNotFoundError, match="no_such_file.npy"):
        npio.load(f"{http}/npy/no_such_file.npy")
    prefix, options = s3
    with pytest.raises(FileNotFoundError, match=f"{prefix}/missing.npz"):
        npio.load(f"{prefix}/missing.npz", storage_options=options)


def test_malformed_remote_files_raise_what_local_files_raise(http):
    for name in ["truncated_data.npy", "trailing_data.npy", "shape_negative.npy"]:
        with pytest.raises(ValueError) as local:
            npio.load(FIXTURES / "malformed" / name)
        url = f"{http}/malformed/{name}"
        with pytest.raises(ValueError) as remote:
            npio.load(url)
        assert url in str(remote.value)
        # The same problem, said the same way after the file's name.
        assert str(remote.value).split(": ", 1)[1] == str(local.value).split(": ", 1)[1]
    with pytest.raises(ValueError, match="(?i)checksum"):
        with npio.load(f"{http}/npz/bad_crc_mismatch.npz") as npz:
            npz.read_all()


def test_options_are_checked_not_ignored(s3, tmp_path):
    prefix, options = s3
    with pytest.raises(ValueError, match="aws_endpoit"):
        npio.load(f"{prefix}/a.npy", storage_options={**options, "aws_endpoit": "x"})
    with pytest.raises(ValueError, match="storage_options applies to URLs"):
        npio.load(FIXTURES / "npy" / "b1_le_1d.npy", storage_options=options)
    with pytest.raises(ValueError, match="storage_options applies to URLs"):
        npio.save(tmp_path / "a.npy", np.ones(2), storage_options=options)
    with pytest.raises(ValueError, match="mmap_mode"):
        npio.load(f"{prefix}/a.npy", mmap_mode="r", storage_options=options)


def test_save_and_savez_to_s3_write_what_numpy_loads_and_load_back(s3):
    prefix, options = s3
    a = np.arange(24, dtype=">i4").reshape(4, 6).T  # Fortran order, big-endian
    npio.save(f"{prefix}/a", a, storage_options=options)  # .npy appended, as np.save does
    expected = io.BytesIO()
    np.save(expected, a)
    from npio import _npio

    assert _npio.fetch_url(f"{prefix}/a.npy", options) == expected.getvalue()
    assert_same_array(npio.load(f"{prefix}/a.npy", storage_options=options), np.load(io.BytesIO(expected.getvalue())))

    members = {"x": np.linspace(0, 1, 10_000), "y": np.array(["a", "bc"]), "z": np.zeros((0, 3))}
    for save in (npio.savez, npio.savez_compressed):
        url = f"{prefix}/{save.__name__}.npz"
        save(url, storage_options=options, **members)
        uploaded = _npio.fetch_url(url, options)
        # Streamed to the store front to back: every member ends in a data descriptor.
        assert uploaded.count(b"PK\x07\x08") == len(members)
        with npio.load(url, storage_options=options) as npz:
            assert npz.files == list(members)
            for name, value in npz.read_all().items():
                assert value.dtype == members[name].dtype
                assert np.array_equal(value, members[name])
        with np.load(io.BytesIO(uploaded)) as theirs:
            assert theirs.files == list(members)
            for name, value in members.items():
                assert theirs[name].dtype == value.dtype
                assert np.array_equal(theirs[name], value)


def test_object_members_need_allow_pickle_remotely_too(s3):
    prefix, options = s3
    url = f"{prefix}/objects.npz"
    npio.savez(url, o=np.array([{"a": 1}, None], dtype=object), f=np.ones(3),
               storage_options=options)
    with npio.load(url, storage_options=options) as npz:
        assert np.array_equal(npz["f"], np.ones(3))
        with pytest.raises(npio.PickleRequired):
            npz["o"]
    with npio.load(url, allow_pickle=True, storage_options=options) as npz:
        assert npz["o"][0] == {"a": 1}
    npio.save(f"{prefix}/objects.npy", np.array([1, "x"], dtype=object), storage_options=options)
    with pytest.raises(npio.PickleRequired):
        npio.load(f"{prefix}/objects.npy", storage_options=options)
    back = npio.load(f"{prefix}/objects.npy", allow_pickle=True, storage_options=options)
    assert list(back) == [1, "x"]


def test_eight_threads_read_one_remote_archive(s3):
    prefix, options = s3
    url = f"{prefix}/threads.npz"
    members = {f"m{i}": np.full(50_000, i, dtype="<f8") for i in range(16)}
    npio.savez_compressed(url, storage_options=options, **members)
    with npio.load(url, storage_options=options) as npz:
        with ThreadPoolExecutor(8) as pool:
            got = dict(pool.map(lambda name: (name, npz[name]), list(members) * 4))
    for name, value in members.items():
        assert np.array_equal(got[name], value)


def test_listdir_lists_a_prefix_as_a_folder(s3):
    prefix, options = s3
    for key in ["b.npy", "a.npz", "deeper/c.npy"]:
        npio.save(f"{prefix}/{key}", np.ones(1), storage_options=options)
    assert npio.listdir(f"{prefix}/", storage_options=options) == [
        f"{prefix}/a.npz.npy", f"{prefix}/b.npy"
    ]
    with pytest.raises(ValueError, match="not a URL"):
        npio.listdir("/tmp")
