"""npio.save, savez, savez_compressed and dumps against NumPy: bytes equal to np.save,
archives NumPy loads."""

import io
import zipfile

import numpy as np
import pytest

import npio
from conftest import FIXTURES, assert_same_array, header_limit, ids, valid_npy

NPY = valid_npy()


def numpy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


@pytest.mark.parametrize("path", NPY, ids=ids(NPY))
def test_save_bytes_equal_numpy(path, tmp):
    array = np.load(path, max_header_size=header_limit(path))
    expected = numpy_bytes(array)
    assert npio.dumps(array) == expected
    buf = io.BytesIO()
    npio.save(buf, array)
    assert buf.getvalue() == expected
    npio.save(tmp / "out", array)  # ".npy" appended, as NumPy does
    assert (tmp / "out.npy").read_bytes() == expected


@pytest.mark.parametrize(
    "array",
    [
        np.arange(24, dtype="<i4").reshape(2, 3, 4)[:, ::2, 1:],  # not contiguous
        np.asfortranarray(np.arange(6.0).reshape(2, 3)),
        np.arange(6.0).reshape(2, 3).T,
        np.array(3.5),
        np.zeros((0, 3), dtype=">u2"),
        np.array(["a", "bcd"], dtype="U3"),
        np.array([b"x", b"yz"]),
        np.arange(3).astype("datetime64[ns]"),
        np.ma.masked_array([1, 2, 3]).data,
        np.arange(3_000_001, dtype="<f8"),  # 24 MB: every byte of a large bytes object written
    ],
    ids=["strided", "fortran", "transposed", "0d", "empty", "unicode", "bytes", "datetime", "masked-data",
         "large"],
)
def test_save_bytes_equal_numpy_for_layouts(array):
    assert npio.dumps(array) == numpy_bytes(array)
    assert_same_array(
        npio.loads(npio.dumps(array), copy=True), np.load(io.BytesIO(numpy_bytes(array)))
    )


def test_object_arrays_follow_allow_pickle(tmp):
    objects = np.array([{"a": 1}, None], dtype=object)
    npio.save(tmp / "o.npy", objects)  # pickled by NumPy, as np.save does by default
    assert np.load(tmp / "o.npy", allow_pickle=True).tolist() == objects.tolist()
    with pytest.raises(ValueError, match="allow_pickle=False"):
        npio.save(tmp / "p.npy", objects, allow_pickle=False)
    with pytest.raises(ValueError, match="allow_pickle=False"):
        npio.dumps(objects)


@pytest.mark.parametrize("compressed", [False, True])
def test_savez_of_every_fixture_loads_in_numpy(compressed, tmp):
    arrays = {f"a{i}": np.load(p, max_header_size=header_limit(p)) for i, p in enumerate(NPY)}
    path = tmp / "all.npz"
    save = npio.savez_compressed if compressed else npio.savez
    save(path, np.arange(3), **arrays)
    with zipfile.ZipFile(path) as archive:
        assert archive.testzip() is None
        kinds = {i.compress_type for i in archive.infolist()}
        assert kinds == ({zipfile.ZIP_DEFLATED} if compressed else {zipfile.ZIP_STORED})
    with np.load(path, max_header_size=1 << 20) as npz:
        assert npz.files == list(arrays) + ["arr_0"]
        for name, array in arrays.items():
            expected = np.load(io.BytesIO(numpy_bytes(array)), max_header_size=1 << 20)
            assert_same_array(npz[name], expected)
        assert npz["arr_0"].tolist() == [0, 1, 2]


def test_savez_names_paths_and_file_objects(tmp):
    npio.savez(tmp / "plain", x=np.ones(2))
    assert (tmp / "plain.npz").exists()
    buf = io.BytesIO()
    npio.savez_compressed(buf, np.zeros(3), level=9)
    buf.seek(0)
    assert np.load(buf)["arr_0"].tolist() == [0, 0, 0]
    with pytest.raises(ValueError, match="arr_0"):
        npio.savez(buf, np.ones(1), arr_0=np.ones(1))
    with pytest.raises(ValueError, match="level"):
        npio.savez_compressed(buf, x=np.ones(1), level=10)


def test_savez_compressed_is_no_larger_than_numpy(tmp):
    rng = np.random.default_rng(7)
    arrays = {
        "walk": np.cumsum(rng.normal(size=200_000)).astype("<f4"),
        "ints": rng.integers(0, 1000, 300_000),
        "sparse": np.where(rng.random(300_000) < 0.02, 1.0, 0.0),
        "image": (np.add.outer(np.arange(512), np.arange(512)) % 256).astype("u1"),
    }
    npio.savez_compressed(tmp / "ours.npz", **arrays)
    np.savez_compressed(tmp / "numpy.npz", **arrays)
    ours, theirs = (tmp / "ours.npz").stat().st_size, (tmp / "numpy.npz").stat().st_size
    assert ours <= theirs * 1.01, (ours, theirs)
    with np.load(tmp / "ours.npz") as npz:
        for name, array in arrays.items():
            assert (npz[name] == array).all()


def test_records_fixture_round_trip(tmp):
    with np.load(FIXTURES / "records" / "records.npz") as theirs:
        arrays = dict(theirs)
    npio.savez_compressed(tmp / "r.npz", **arrays)
    with npio.load(tmp / "r.npz") as ours:
        for name, array in arrays.items():
            assert ours[name].dtype == array.dtype
            assert ours[name].tobytes() == array.tobytes()
