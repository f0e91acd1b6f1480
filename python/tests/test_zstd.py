"""zstd members (zip method 93): npio writes what Python's zipfile (PEP 784, here through the
backports.zstd package on Python < 3.14) and so NumPy read, and reads what they write."""
import io
import sys
import threading
import zipfile as stdlib_zipfile

import numpy as np
import pytest
from backports.zstd import zipfile as zstd_zipfile

import npio


def arrays():
    rng = np.random.default_rng(7)
    return {
        "walk": np.cumsum(rng.integers(-3, 4, size=(600, 500)), axis=0).astype(np.int32),
        "noise": rng.standard_normal(200_000),
        "big": np.repeat(np.arange(2_000_000 // 1000, dtype=np.int64), 1000),  # > 8 MiB
        "rec": np.array([(1, 2.5), (3, -1.0)], dtype=[("i", ">i4"), ("f", "<f8")]),
        "fortran": np.asfortranarray(np.arange(12, dtype=np.uint16).reshape(3, 4)),
        "text": np.array(["zstd", "members"]),
        "empty": np.zeros((0, 3)),
    }


def test_zipfile_with_zstd_reads_every_member_as_numpy_wrote_it(tmp_path):
    path = tmp_path / "z.npz"
    data = arrays()
    npio.savez_compressed(path, codec="zstd", **data)
    with zstd_zipfile.ZipFile(path) as z:
        for info in z.infolist():
            assert info.compress_type == zstd_zipfile.ZIP_ZSTANDARD, info.filename
        for name, a in data.items():
            member = z.read(f"{name}.npy")  # CRC checked by zipfile
            expected = io.BytesIO()
            np.save(expected, a)
            assert member == expected.getvalue(), name
    # The standard library before 3.14 does not know method 93: NumPy alone cannot read it.
    if sys.version_info < (3, 14):
        with stdlib_zipfile.ZipFile(path) as z, pytest.raises(NotImplementedError):
            z.read("walk.npy")


def test_np_load_reads_npio_zstd_archives_through_a_zipfile_that_knows_zstd(tmp_path, monkeypatch):
    path = tmp_path / "z.npz"
    data = arrays()
    npio.savez_compressed(path, codec="zstd", level=9, **data)
    # np.load imports zipfile when it opens an archive: give it the one with zstd (as
    # Python 3.14's own zipfile is).
    monkeypatch.setitem(sys.modules, "zipfile", zstd_zipfile)
    with np.load(path) as z:
        assert sorted(z.files) == sorted(data)
        for name, a in data.items():
            b = z[name]
            assert b.dtype == a.dtype and b.shape == a.shape, name
            np.testing.assert_array_equal(b, a)
            assert b.flags.f_contiguous == a.flags.f_contiguous


def test_npio_reads_zstd_archives_that_zipfile_wrote(tmp_path):
    path = tmp_path / "theirs.npz"
    data = arrays()
    with zstd_zipfile.ZipFile(path, "w", compression=zstd_zipfile.ZIP_ZSTANDARD) as z:
        for name, a in data.items():
            buf = io.BytesIO()
            np.save(buf, a)
            z.writestr(f"{name}.npy", buf.getvalue())
    for source in (path, path.read_bytes(), io.BytesIO(path.read_bytes())):
        with npio.load(source) as z:
            for name, a in data.items():
                np.testing.assert_array_equal(z[name], a)
                assert z[name].dtype == a.dtype
            every = z.read_all()
            assert set(every) == set(data)
    # Many threads on one archive, as with deflated members.
    with npio.load(path) as z:
        errors = []

        def read_all_members():
            try:
                for name, a in data.items():
                    np.testing.assert_array_equal(z[name], a)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=read_all_members) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors and not any(t.is_alive() for t in threads)


def test_zstd_is_smaller_than_stored_and_members_keep_their_names(tmp_path):
    data = arrays()
    stored, packed = tmp_path / "s.npz", tmp_path / "z.npz"
    npio.savez(stored, **data)
    npio.savez_compressed(packed, codec="zstd", **data)
    assert packed.stat().st_size < stored.stat().st_size / 2
    with npio.load(packed) as z:
        assert list(z.files) == list(data)


def test_a_bad_codec_or_level_is_refused_and_writes_nothing(tmp_path):
    path = tmp_path / "bad.npz"
    with pytest.raises(ValueError, match="codec"):
        npio.savez_compressed(path, a=np.arange(3), codec="lz4")
    with pytest.raises(ValueError, match="1..=22"):
        npio.savez_compressed(path, a=np.arange(3), codec="zstd", level=0)
    with pytest.raises(ValueError, match="1..=22"):
        npio.savez_compressed(path, a=np.arange(3), codec="zstd", level=23)
    with pytest.raises(ValueError, match="0..=9"):
        npio.savez_compressed(path, a=np.arange(3), codec="deflate", level=12)
    assert not path.exists()


def test_a_corrupt_zstd_member_raises_naming_the_file_and_member(tmp_path):
    path = tmp_path / "z.npz"
    npio.savez_compressed(path, codec="zstd", a=np.arange(100_000))
    raw = bytearray(path.read_bytes())
    with zstd_zipfile.ZipFile(path) as z:
        info = z.getinfo("a.npy")
    # Flip a byte in the middle of the compressed data (after the local header).
    h = info.header_offset
    name_len, extra_len = int.from_bytes(raw[h + 26:h + 28], "little"), int.from_bytes(
        raw[h + 28:h + 30], "little")
    start = h + 30 + name_len + extra_len
    raw[start + info.compress_size // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    with npio.load(path) as z, pytest.raises(ValueError) as err:
        z["a"]
    assert "z.npz" in str(err.value) and "a.npy" in str(err.value)
