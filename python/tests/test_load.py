"""npio.load and npio.loads against np.load, over every fixture NumPy wrote."""

import io
import shutil
import zipfile

import numpy as np
import pytest

import npio
from conftest import (
    FIXTURES,
    MANIFEST,
    assert_same_array,
    header_limit,
    ids,
    valid_npy,
    valid_npz,
    values,
)

NPY = valid_npy()
NPZ = valid_npz()


@pytest.mark.parametrize("path", NPY, ids=ids(NPY))
def test_load_npy_path_equals_numpy(path):
    limit = header_limit(path)
    expected = np.load(path, max_header_size=limit)
    assert_same_array(npio.load(path, max_header_size=limit), expected)
    assert_same_array(npio.load(str(path), max_header_size=limit), expected)
    if limit > 10000:
        with pytest.raises(ValueError, match="max_header_size"):
            npio.load(path)


@pytest.mark.parametrize("path", NPY, ids=ids(NPY))
def test_load_npy_file_object_and_bytes_equal_numpy(path):
    data = path.read_bytes()
    limit = header_limit(path)
    expected = np.load(path, max_header_size=limit)
    with open(path, "rb") as f:
        assert_same_array(npio.load(f, max_header_size=limit), expected)
    assert_same_array(npio.load(io.BytesIO(data), max_header_size=limit), expected)
    # Bytes: a copy on request is what np.load gives; by default a read-only view of them.
    assert_same_array(npio.loads(data, max_header_size=limit, copy=True), expected)
    view = npio.loads(data, max_header_size=limit)
    assert view.flags.owndata or not view.flags.writeable  # copied when misaligned
    assert values(view) == values(expected)


@pytest.mark.parametrize("path", NPY, ids=ids(NPY))
def test_mmap_npy_equals_numpy(path):
    limit = header_limit(path)
    expected = np.load(path, mmap_mode="r", max_header_size=limit)
    ours = npio.load(path, mmap_mode="r", max_header_size=limit)
    assert type(ours) is type(expected)
    assert ours.dtype == expected.dtype and ours.shape == expected.shape
    assert ours.tobytes(order="A") == expected.tobytes(order="A")


@pytest.mark.parametrize("path", NPZ, ids=ids(NPZ))
def test_load_npz_equals_numpy(path):
    with zipfile.ZipFile(path) as archive:
        stored_names = archive.namelist()
    with np.load(path) as theirs, npio.load(path) as ours:
        assert ours.files == theirs.files
        assert list(ours) == list(theirs)
        assert len(ours) == len(theirs.files)
        everything = ours.read_all()
        assert list(everything) == theirs.files
        for name, stored in zip(theirs.files, stored_names):
            assert name in ours and stored in ours
            expected = theirs[name]
            if isinstance(expected, bytes):  # a member that is not an array
                assert ours[name] == everything[name] == expected
                continue
            assert_same_array(ours[name], expected)
            assert_same_array(ours[stored], expected)
            assert_same_array(everything[name], expected)
    with npio.load(io.BytesIO(path.read_bytes())) as from_memory:
        assert from_memory.read_all().keys() == everything.keys()


def test_npz_mapping_protocol(tmp):
    path = tmp / "m.npz"
    np.savez(path, a=np.arange(3), b=np.ones((2, 2)))
    npz = npio.load(path)
    assert "a" in npz and "a.npy" in npz and "c" not in npz and 3 not in npz
    assert sorted(npz.keys()) == ["a", "b"]
    assert [k for k, _ in npz.items()] == ["a", "b"]
    assert npz.f.a.tolist() == [0, 1, 2]
    assert "NpzFile" in repr(npz)
    with pytest.raises(KeyError):
        npz["c"]
    npz.close()
    assert npz.closed
    with pytest.raises(ValueError, match="closed"):
        npz["a"]


def test_mmap_maps_stored_npz_members_without_copy(tmp):
    path = tmp / "stored.npz"
    a = np.arange(100_000, dtype="<f8").reshape(1000, 100)
    npio.savez(path, a=a, f=np.asfortranarray(a))
    npio.savez_compressed(tmp / "deflated.npz", a=a)
    with npio.load(path, mmap_mode="r") as npz:
        for name in ("a", "f"):
            mapped = npz[name]
            assert isinstance(mapped, np.memmap), name
            assert not mapped.flags.writeable
            assert_same_array(np.asarray(mapped).copy(order="K"), np.load(path)[name])
    with npio.load(tmp / "deflated.npz", mmap_mode="r") as npz:
        assert not isinstance(npz["a"], np.memmap)  # compressed members are read
        assert (npz["a"] == a).all()
    with pytest.raises(ValueError, match="read-only"):
        npio.load(path, mmap_mode="r+")


def test_deflated_members_are_inflated_into_the_buffer_they_are_viewed_in(tmp):
    path = tmp / "d.npz"
    a = np.arange(12_000, dtype="<f8").reshape(120, 100)
    members = {"a": a, "f": np.asfortranarray(a[:, :30]), "b": a > 50, "s": np.float32(2.5)}
    np.savez_compressed(path, **members)
    with zipfile.ZipFile(path) as archive:
        sizes = {i.filename[:-4]: i.file_size for i in archive.infolist()}
    with npio.load(path) as ours, np.load(path) as theirs:
        everything = ours.read_all()
        for name in members:
            for got in (ours[name], everything[name]):
                assert_same_array(got, theirs[name])
                # No copy: the array is the data part of its member's inflated bytes.
                assert got.base is not None and got.base.dtype == np.uint8
                assert got.base.nbytes == sizes[name]
        everything["a"][0, 0] = -1.0  # writeable, and its own
        assert ours["a"][0, 0] == 0.0 and everything["f"][0, 0] == 0.0


def _deflated_member(path, name, npy_bytes):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, npy_bytes)


def _npy_v1(dict_text, data, header_total):
    """A version 1.0 `.npy` whose header (magic to newline) is `header_total` bytes."""
    header = dict_text.ljust(header_total - 10 - 1) + "\n"
    return b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + data


def test_a_deflated_member_with_misaligned_data_loads_aligned(tmp):
    # Data at offset 68: not a multiple of 8, so a view of the member's bytes would not be
    # aligned for float64; NumPy's loads are aligned, and so are npio's (a copy, here).
    values = np.arange(5, dtype="<f8")
    npy = _npy_v1("{'descr': '<f8', 'fortran_order': False, 'shape': (5,), }", values.tobytes(), 68)
    path = tmp / "misaligned.npz"
    _deflated_member(path, "m.npy", npy)
    with npio.load(path) as ours, np.load(path) as theirs:
        assert_same_array(ours["m"], theirs["m"])
        assert_same_array(ours.read_all()["m"], theirs["m"])


def test_bool_bytes_other_than_0_and_1_load_as_numpy_loads_them(tmp):
    npy = _npy_v1("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", b"\x01\x07\x00", 64)
    path = tmp / "bools.npz"
    _deflated_member(path, "flags.npy", npy)
    expected = np.load(path)["flags"]
    for read in (lambda npz: npz["flags"], lambda npz: npz.read_all()["flags"]):
        with npio.load(path) as npz:
            got = read(npz)
        assert got.dtype == np.bool_ and got.view(np.uint8).tolist() == [1, 7, 0]
        assert got.view(np.uint8).tolist() == expected.view(np.uint8).tolist()
    (tmp / "flags.npy").write_bytes(npy)
    for source in (tmp / "flags.npy", io.BytesIO(npy)):
        assert npio.load(source).view(np.uint8).tolist() == [1, 7, 0]
    assert npio.loads(npy).view(np.uint8).tolist() == [1, 7, 0]


def test_several_arrays_from_one_file_object():
    buf = io.BytesIO()
    for n in (1, 2, 3):
        np.save(buf, np.arange(n))
    buf.seek(0)
    assert [npio.load(buf).tolist() for _ in range(3)] == [[0], [0, 1], [0, 1, 2]]


def test_pickled_arrays_need_allow_pickle(tmp):
    path = FIXTURES / "malformed" / "object_pickle.npy"
    with pytest.raises(npio.PickleRequired, match="allow_pickle"):
        npio.load(path)
    expected = np.load(path, allow_pickle=True)
    ours = npio.load(path, allow_pickle=True)
    assert ours.dtype == object and ours.tolist() == expected.tolist()
    npz = FIXTURES / "npz" / "bad_member_object.npz"
    with pytest.raises(npio.PickleRequired):
        npio.load(npz)["m"]
    assert npio.load(npz, allow_pickle=True)["m"].tolist() == np.load(
        npz, allow_pickle=True
    )["m"].tolist()


def test_file_errors(tmp):
    with pytest.raises(FileNotFoundError):
        npio.load(tmp / "missing.npy")
    with pytest.raises(ValueError, match="not a .npy or .npz"):
        npio.load(FIXTURES / "malformed" / "bad_magic.npy")
    with pytest.raises(ValueError, match="trailing"):
        npio.loads(npio.dumps(np.arange(3)) + b"\0")
    with pytest.raises(TypeError):
        npio.loads(None)


def test_threads_are_bounded_by_argument_or_environment(tmp, monkeypatch):
    path = tmp / "t.npz"
    npio.savez_compressed(path, a=np.arange(1000), threads=1)
    assert npio.load(path, threads=1).read_all(threads=2)["a"].sum() == 499500
    with pytest.raises(ValueError, match="from 1 to"):
        npio.load(path, threads=0)
    monkeypatch.setenv("NPIO_NUM_THREADS", "many")
    with pytest.raises(ValueError, match="NPIO_NUM_THREADS"):
        npio.load(path)
    for bad in ("0", "-3", "100000"):  # every bad value names the variable
        monkeypatch.setenv("NPIO_NUM_THREADS", bad)
        with pytest.raises(ValueError, match=f"NPIO_NUM_THREADS='{bad}'"):
            npio.load(path)
    monkeypatch.setenv("NPIO_NUM_THREADS", "1")
    assert npio.load(path).read_all()["a"].sum() == 499500


# NumPy loads bool bytes other than 0 and 1 as they are; so does npio's Python package.
MALFORMED = [e for e in MANIFEST["malformed"] if e["error"] != "InvalidBool"]
NPZ_MALFORMED = [e for e in MANIFEST["npz_malformed"]]


@pytest.mark.parametrize("entry", MALFORMED, ids=[e["file"] for e in MALFORMED])
def test_every_malformed_npy_raises_value_error_naming_the_file(entry, tmp):
    path = FIXTURES / entry["file"]
    expected = npio.PickleRequired if entry["error"] == "ObjectDType" else ValueError
    with pytest.raises(expected) as raised:
        npio.load(path)
    assert path.name in str(raised.value)
    # The same bytes from memory and from a file object also raise, never crash.
    with pytest.raises(expected):
        npio.loads(path.read_bytes())
    if entry["error"] == "TrailingData":
        # A file object may hold several arrays one after another: like np.load, npio reads
        # one and leaves the file positioned after it.
        npio.load(io.BytesIO(path.read_bytes()))
        return
    with pytest.raises(expected):
        npio.load(io.BytesIO(path.read_bytes()))


@pytest.mark.parametrize("entry", NPZ_MALFORMED, ids=[e["file"] for e in NPZ_MALFORMED])
def test_every_malformed_npz_raises_naming_file_and_member(entry, tmp):
    path = FIXTURES / entry["file"]
    expected = npio.PickleRequired if entry["error"] == "ObjectDType" else ValueError
    with pytest.raises(expected) as raised:
        with npio.load(path) as npz:
            npz.read_all()
    message = str(raised.value)
    assert path.name in message
    if entry["member"]:
        assert entry["member"] in message


def test_hostile_size_claims_allocate_nothing(tmp):
    # 2**40 bytes claimed by a 200-byte file: refused before any allocation.
    path = FIXTURES / "malformed" / "terabyte_claim.npy"
    with pytest.raises(ValueError, match="truncated"):
        npio.load(path)
    with pytest.raises(ValueError, match="truncated"):
        npio.load(path, mmap_mode="r")
    copy = tmp / "copy.npy"
    shutil.copy(path, copy)
    with open(copy, "rb") as f, pytest.raises(ValueError, match="truncated"):
        npio.load(f)
