"""Shared helpers: the repository's NumPy-made fixtures and array comparison."""

import json
import pathlib

import numpy as np
import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text())


def valid_npy():
    """Every .npy fixture NumPy loads without pickle (the manifest's and the record/row sets)."""
    files = [FIXTURES / e["file"] for e in MANIFEST["valid"]]
    files += sorted((FIXTURES / "records").glob("*.npy"))
    files += sorted((FIXTURES / "rows").glob("*.npy"))
    return files


def header_limit(path):
    """The max_header_size a fixture needs (NumPy's default unless its header is larger)."""
    big = {e["file"] for e in MANIFEST["valid"] if e.get("needs_large_header")}
    return 1 << 20 if str(path.relative_to(FIXTURES)) in big else 10000


def valid_npz():
    """Every valid .npz fixture."""
    files = [FIXTURES / e["file"] for e in MANIFEST["npz"]]
    return files + [FIXTURES / "records" / "records.npz"]


def ids(paths):
    return [str(p.relative_to(FIXTURES)) for p in paths]


def assert_same_array(ours, numpys):
    """Same type of result, dtype, shape, memory order, writeability and bytes."""
    assert isinstance(ours, np.ndarray)
    assert ours.dtype == numpys.dtype, (ours.dtype, numpys.dtype)
    assert ours.shape == numpys.shape
    for flag in ("C_CONTIGUOUS", "F_CONTIGUOUS", "WRITEABLE", "ALIGNED"):
        assert ours.flags[flag] == numpys.flags[flag], flag
    assert values(ours) == values(numpys)


def values(array):
    """The element bytes in C order, field by field (NumPy leaves record padding uninitialised
    when it reads an npz member, so padding is not compared)."""
    array = np.asarray(array)
    if array.dtype.names is None:
        return array.tobytes(order="C")
    return b"".join(values(array[name]) for name in array.dtype.names)


@pytest.fixture
def tmp(tmp_path):
    return tmp_path
