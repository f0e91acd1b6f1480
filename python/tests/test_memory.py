"""Arrays in memory (issue 28, first part): `.npy` and `.npz` bytes of any bytes-like type,
read as views of the buffer where the layout allows, through the same checks as files."""

import io
import zipfile

import numpy as np
import pytest

import npio
from conftest import header_limit, ids, valid_npy, valid_npz, values


def _npy(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


def _npz(compress=False, **arrays):
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **arrays)
    return buf.getvalue()


@pytest.mark.parametrize("path", valid_npy(), ids=ids(valid_npy()))
def test_every_fixture_from_bytes_matches_numpy(path):
    data = path.read_bytes()
    limit = header_limit(path)
    expected = np.load(io.BytesIO(data), max_header_size=limit)
    for source in (data, bytearray(data), memoryview(data), np.frombuffer(data, np.uint8)):
        ours = npio.loads(source, max_header_size=limit)
        assert ours.dtype == expected.dtype and ours.shape == expected.shape
        assert ours.flags["F_CONTIGUOUS"] == expected.flags["F_CONTIGUOUS"]
        assert values(ours) == values(expected)


def test_npy_bytes_come_back_as_views_that_keep_the_buffer_alive():
    a = np.arange(1000, dtype="<f8").reshape(10, 100)
    data = _npy(a)
    view = npio.loads(data)
    assert not view.flags.writeable and view.base is not None  # bytes are immutable
    assert np.array_equal(view, a)
    del data
    assert view.sum() == a.sum()  # the view holds the buffer
    # A bytearray gives a writeable view of itself, as np.frombuffer does.
    mutable = bytearray(_npy(a))
    view = npio.loads(mutable)
    assert view.flags.writeable
    mutable[-8:] = np.float64(-1).tobytes()
    assert view[-1, -1] == -1  # no copy was made
    # copy=True: an independent, writeable array.
    copied = npio.loads(mutable, copy=True)
    mutable[-8:] = np.float64(-2).tobytes()
    assert copied[-1, -1] == -1 and copied.flags.writeable and copied.flags.owndata


def test_misaligned_buffers_are_copied_aligned():
    a = np.arange(16, dtype="<f8")
    shifted = memoryview(bytearray(b"x" + _npy(a)))[1:]
    got = npio.loads(shifted)
    assert got.flags.aligned and np.array_equal(got, a)


def test_bytes_in_memory_get_the_same_checks_as_files():
    data = _npy(np.arange(10, dtype="<i4"))
    with pytest.raises(ValueError, match="truncated|expected"):
        npio.loads(data[:-1])
    with pytest.raises(ValueError, match="after the array|trailing"):
        npio.loads(data + b"\0")
    with pytest.raises(npio.PickleRequired):
        npio.loads(_npy(np.array([1, "a"], dtype=object)))
    with pytest.raises(ValueError, match="header"):
        npio.loads(data, max_header_size=10)
    # A claim of 2**40 elements over a few bytes allocates nothing.
    header = npio.dumps(np.zeros(0, np.uint8)).replace(b"(0,)", b"(1099511627776,)")
    with pytest.raises(ValueError):
        npio.loads(header)


def test_zero_sized_and_zero_width_arrays():
    for a in (np.zeros((0, 3), "<f8"), np.array([b"", b""], dtype="S0"), np.zeros((2, 0))):
        got = npio.loads(_npy(a))
        assert got.dtype == a.dtype and got.shape == a.shape


def test_load_accepts_bytes_like_objects_and_still_takes_bytes_paths(tmp_path):
    a = np.arange(6).reshape(2, 3)
    data = _npy(a)
    for source in (data, bytearray(data), memoryview(data), np.frombuffer(data, np.uint8)):
        assert np.array_equal(npio.load(source), a)
    path = tmp_path / "a.npy"
    path.write_bytes(data)
    assert np.array_equal(npio.load(bytes(path)), a)  # bytes that are a path: a path
    with pytest.raises(ValueError, match="mmap_mode"):
        npio.load(bytearray(data), mmap_mode="r")


def test_stored_members_of_archives_in_memory_are_views():
    a = np.arange(100_000, dtype="<f8")
    b = np.ones((3, 4), dtype="<i2")
    # npio aligns stored members' data to 64 bytes; NumPy's members may be misaligned, and
    # such members are copied (aligned), as the last check shows.
    buf = io.BytesIO()
    npio.savez(buf, a=a, b=b, c=np.array(["x", "yz"]))
    data = buf.getvalue()
    npz = npio.loads(data)
    got = npz["a"]
    assert not got.flags.owndata and not got.flags.writeable
    assert np.array_equal(got, a) and np.array_equal(npz["b"], b)
    everything = npz.read_all()
    assert all(not v.flags.owndata for v in everything.values())
    assert np.array_equal(everything["c"], np.array(["x", "yz"]))
    # From a bytearray: the archive is checked once, so the views are of a private copy.
    mutable = bytearray(data)
    npz = npio.load(mutable)
    mutable[:] = bytes(len(mutable))
    assert np.array_equal(npz["a"], a)
    # copy=True: members are read.
    assert npio.load(data, copy=True)["a"].flags.owndata
    numpys = npio.loads(_npz(a=a))["a"]
    assert numpys.flags.aligned and np.array_equal(numpys, a)


def test_deflated_members_in_memory_are_read_and_mixed_archives_work():
    a = np.arange(50_000, dtype="<i8")
    data = _npz(compress=True, a=a, b=np.eye(3))
    npz = npio.loads(memoryview(data))
    assert np.array_equal(npz["a"], a) and npz["a"].flags.writeable
    assert set(npz.read_all()) == {"a", "b"}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("s.npy", _npy(a), compress_type=zipfile.ZIP_STORED)
        z.writestr("d.npy", _npy(a * 2), compress_type=zipfile.ZIP_DEFLATED)
        z.writestr("notes.txt", b"hello")
    npz = npio.loads(buf.getvalue())
    everything = npz.read_all()
    assert np.array_equal(everything["s"], a) and np.array_equal(everything["d"], a * 2)
    assert everything["notes.txt"] == b"hello"


@pytest.mark.parametrize("size", [1000, 3 << 20], ids=["small", "large"])
@pytest.mark.parametrize("writer", ["numpy", "npio"])
def test_a_corrupt_stored_member_in_memory_is_refused(writer, size):
    # NumPy's members are not aligned (copied and checked in one pass), npio's are (checked,
    # then viewed); large ones are hashed in pieces on every core.
    a = np.arange(size, dtype="<i4")
    buf = io.BytesIO()
    (np.savez if writer == "numpy" else npio.savez)(buf, a=a, b=np.arange(3.0))
    data = buf.getvalue()
    with npio.loads(data) as npz:
        got = npz["a"]
        assert np.array_equal(got, a) and got.flags.aligned
        assert got.flags.owndata == (writer == "numpy")
    start = data.index(b"\x93NUMPY")
    for at in [start + 20, data.index(a[size // 2:size // 2 + 4].tobytes()), start + 128 + 4 * size - 1]:
        bad = bytearray(data)
        bad[at] ^= 0xFF
        npz = npio.loads(bytes(bad))
        with pytest.raises(ValueError, match="CRC|checksum|header"):
            npz["a"]
        with pytest.raises(ValueError, match="CRC|checksum|header"):
            npz.read_all()


@pytest.mark.parametrize("path", valid_npz(), ids=ids(valid_npz()))
def test_every_archive_fixture_from_bytes_matches_numpy(path):
    data = path.read_bytes()
    with np.load(io.BytesIO(data)) as expected, npio.loads(data) as ours:
        assert ours.files == expected.files
        for name in expected.files:
            assert values(ours[name]) == values(expected[name]), name


def test_an_archive_in_memory_is_not_copied():
    # Once: the archive's bytes were copied into the reader, doubling the memory of a large
    # archive held in memory (and costing more than reading its stored members).
    code = """
        import io, numpy as np, npio
        def rss():
            with open("/proc/self/statm") as f:
                return int(f.read().split()[1]) * 4096
        buf = io.BytesIO()
        npio.savez(buf, **{f"m{i}": np.full(1 << 22, i, np.float64) for i in range(8)})
        data = buf.getvalue()
        del buf
        before = rss()
        z = npio.loads(data)
        members = [z[k] for k in z.files]
        grown = rss() - before
        assert all(m[0] == i for i, m in enumerate(members))
        print(grown >> 20)
    """
    import subprocess, sys, textwrap
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) < 64, f"{out.stdout} MiB grown for a 256 MiB archive"


def test_an_archive_in_a_bytesio_is_shared_not_copied_and_later_writes_do_not_reach_it():
    arrays = {"a": np.arange(1000.0), "b": np.ones((30, 40), np.int16)}
    data = _npz(**arrays)
    buf = io.BytesIO(data)
    with npio.load(buf) as z:
        assert z._source is data  # BytesIO.getvalue() handed over the same bytes object
        assert buf.tell() == len(data)  # read to its end, as file.read() leaves it
        buf.seek(0)
        buf.write(b"\0" * 200)  # BytesIO copies its bytes before this write
        for name, expected in arrays.items():
            got = z[name]
            np.testing.assert_array_equal(got, expected)
            assert got.flags.writeable and got.flags.owndata  # copies, as np.load gives
    # Not read from its start: the rest of the stream is read, as before.
    buf = io.BytesIO(b"junk" + data)
    buf.seek(4)
    with npio.load(buf) as z:
        np.testing.assert_array_equal(z["b"], arrays["b"])


def test_read_all_of_many_stored_members_checks_and_copies_them_side_by_side():
    # NumPy-written (misaligned: copied) and npio-written (aligned: viewed), in one call each.
    rng = np.random.default_rng(3)
    members = {f"m{i:02}": rng.standard_normal(1000 + 37 * i) for i in range(24)}
    for save, copied in [(np.savez, True), (npio.savez, False)]:
        buf = io.BytesIO()
        save(buf, **members)
        everything = npio.loads(buf.getvalue()).read_all(threads=2)
        assert list(everything) == list(members)
        for name, value in members.items():
            got = everything[name]
            assert np.array_equal(got, value) and got.flags.aligned, name
        # npio's members are all views; most of NumPy's are misaligned, so copies.
        owned = [v.flags.owndata for v in everything.values()]
        assert any(owned) if copied else not any(owned)
