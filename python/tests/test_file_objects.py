"""Archives passed as file objects (issue 28: one source abstraction): read by position, the
directory and the members asked for only, as np.load reads them, from many threads at once,
with the checks every route makes."""

import io
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import npio
from conftest import ids, valid_npz, values


class Counting(io.RawIOBase):
    """A seekable binary file over bytes that counts what is read from it."""

    def __init__(self, data):
        self._inner = io.BytesIO(data)
        self.bytes_read = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return self._inner.seek(offset, whence)

    def tell(self):
        return self._inner.tell()

    def readinto(self, b):
        n = self._inner.readinto(b)
        self.bytes_read += n
        return n


def _archive(compress, members):
    buf = io.BytesIO()
    (np.savez_compressed if compress else np.savez)(buf, **members)
    return buf.getvalue()


def _members(n=16, size=1 << 17):
    rng = np.random.default_rng(7)
    return {f"m{k:02}": rng.standard_normal(size) for k in range(n)}


@pytest.mark.parametrize("compress", [False, True])
def test_one_member_of_a_file_object_reads_that_member_and_the_directory(compress):
    members = _members()  # 16 members of 1 MiB
    data = _archive(compress, members)
    f = Counting(data)
    with npio.load(f) as z:
        assert z.files == list(members)
        got = z["m09"]
    assert np.array_equal(got, members["m09"]) and got.flags.writeable
    member = len(data) / len(members)
    assert f.bytes_read < member + (256 << 10), (f.bytes_read, len(data))


@pytest.mark.parametrize("path", valid_npz(), ids=ids(valid_npz()))
def test_every_archive_fixture_from_an_open_file_matches_numpy(path):
    with open(path, "rb") as f, np.load(path) as theirs:
        ours = npio.load(f)
        assert ours.files == theirs.files
        for name in theirs.files:
            assert values(ours[name]) == values(theirs[name]), name


def test_threads_reading_one_file_object_get_numpys_arrays():
    members = _members(n=8, size=1 << 15)
    data = _archive(True, members)
    with npio.load(io.BufferedReader(Counting(data))) as z, ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            names = list(members) * 4
            for name, got in zip(names, pool.map(lambda n: z[n], names)):
                assert np.array_equal(got, members[name]), name
        assert sorted(z.read_all()) == sorted(members)


def test_an_archive_after_other_bytes_is_read_from_the_files_position():
    members = {"a": np.arange(10), "b": np.ones((2, 3))}
    data = _archive(False, members)
    f = io.BufferedReader(Counting(b"prefix bytes" + data))
    f.seek(len(b"prefix bytes"))
    with npio.load(f) as ours:
        for name, value in members.items():
            assert np.array_equal(ours[name], value)


def test_a_damaged_archive_from_a_file_object_is_refused_naming_the_file(tmp_path):
    data = bytearray(_archive(False, {"a": np.arange(100)}))
    data[data.index(b"\x93NUMPY") + 128 + 10] ^= 0xFF  # in the array data: the CRC fails
    path = tmp_path / "damaged.npz"
    path.write_bytes(bytes(data))
    with open(path, "rb") as f, npio.load(f) as z:
        with pytest.raises(ValueError, match="(?i)checksum|crc") as err:
            z["a"]
    assert "damaged.npz" in str(err.value)


def test_a_closed_file_fails_the_read_instead_of_crashing(tmp_path):
    path = tmp_path / "a.npz"
    np.savez(path, a=np.arange(5))
    f = open(path, "rb")
    z = npio.load(f)
    f.close()
    with pytest.raises(OSError, match="closed file"):
        z["a"]


def test_the_lock_lets_other_python_threads_run_while_a_member_is_read():
    # A slow file object: while one thread waits in read(), another takes the GIL.
    members = {"a": np.arange(1 << 18)}
    data = _archive(False, members)
    ticks = []
    stop = threading.Event()

    class Slow(Counting):
        def readinto(self, b):
            threading.Event().wait(0.001)
            return super().readinto(b)

    def tick():
        while not stop.is_set():
            ticks.append(1)
            threading.Event().wait(0.0005)

    t = threading.Thread(target=tick)
    t.start()
    try:
        with npio.load(io.BufferedReader(Slow(data), buffer_size=4096)) as z:
            assert np.array_equal(z["a"], members["a"])
    finally:
        stop.set()
        t.join()
    assert ticks, "the other thread never ran"
