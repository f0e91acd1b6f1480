"""What the reading and writing modules share: thread bounds, dtypes from header text, the
arrays npio fills or views, and what a ``file`` argument is (a path, a URL or bytes)."""

from __future__ import annotations

import ast
import os
import re

import numpy as np
from numpy.lib import format as _format

from . import _npio

#: The environment variable that bounds npio's threads when no ``threads=`` is given.
THREADS_ENV = "NPIO_NUM_THREADS"

_MAX_HEADER_SIZE = 10000
#: The header limit when ``allow_pickle=True`` (NumPy ignores ``max_header_size`` then).
_TRUSTED_HEADER_SIZE = 1 << 32
_NPY_MAGIC = b"\x93NUMPY"
_ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")


def _threads(threads):
    """The thread bound to use: the argument, else ``NPIO_NUM_THREADS``, else None (all cores).

    At most ``_npio.MAX_THREADS``; pools are reused (the few most recent sizes are kept)."""
    where = "threads"
    if threads is None:
        env = os.environ.get(THREADS_ENV, "").strip()
        if not env:
            return None
        where = f"{THREADS_ENV}={env!r}"
        try:
            threads = int(env)
        except ValueError:
            raise ValueError(f"{where} is not a whole number") from None
    if isinstance(threads, bool) or not isinstance(threads, int):
        raise TypeError(f"threads must be an int or None, not {type(threads).__name__}")
    if not 1 <= threads <= _npio.MAX_THREADS:
        raise ValueError(
            f"{where}: threads must be from 1 to {_npio.MAX_THREADS}, not {threads}"
        )
    return threads


_DTYPES: dict = {}


def _dtype(descr):
    """The NumPy dtype for a header's ``descr`` text (as NumPy's own reader builds it)."""
    dtype = _DTYPES.get(descr)
    if dtype is None:
        dtype = _format.descr_to_dtype(ast.literal_eval(descr))
        if len(_DTYPES) < 4096:
            _DTYPES[descr] = dtype
    return dtype


def _alloc(descr, shape, fortran_order):
    """The empty array npio fills: the header's dtype, shape and memory order."""
    dtype = _dtype(descr)
    order = "F" if fortran_order else "C"
    if dtype.itemsize == 0:
        # ``|S0``, ``<U0``, ``|V0``: np.empty would widen them to one character.
        return np.ndarray(shape, dtype=dtype, order=order)
    return np.empty(shape, dtype=dtype, order=order)


def _view(buffer, offset, descr, shape, fortran_order):
    """The array in ``buffer``, a byte array holding a whole ``.npy`` member (npio inflated it
    there), its data at ``offset``: a view of the buffer, or a copy where the data is not
    aligned for its dtype (NumPy's loads give aligned arrays)."""
    array = np.ndarray(
        shape, dtype=_dtype(descr), buffer=buffer, offset=offset,
        order="F" if fortran_order else "C",
    )
    return array if array.flags.aligned else array.copy(order="K")


def _bytes_like(file):
    """Whether ``file`` is data in memory rather than a path or a file object: a bytearray,
    memoryview or NumPy array, or ``bytes`` that start like a ``.npy`` file or a zip archive
    (other ``bytes`` are a path, as ``np.load`` takes them)."""
    if isinstance(file, (bytearray, memoryview, np.ndarray)):
        return True
    return isinstance(file, bytes) and file.startswith((_NPY_MAGIC,) + _ZIP_MAGICS)


def _byte_view(data):
    """``data`` as a flat memoryview of bytes (a contiguous buffer of any format)."""
    view = memoryview(data)
    if not view.c_contiguous:
        raise ValueError("npio reads a contiguous buffer; pass bytes(data) for this one")
    return view.cast("B") if (view.format, view.ndim) != ("B", 1) else view


def _npy_from_buffer(view, max_header_size, copy):
    """The array in ``.npy`` bytes held in memory (``bytes``, or a flat memoryview of bytes):
    a view of them (read-only when they are), checked as every read is, unless ``copy`` or the
    data is not aligned for its dtype. This is all of ``loads`` for ``bytes``: each step
    counts (``benches/compare_memory.py``, the 48 KB ``loads`` row)."""
    # bytes go to Rust as they are (no copy); other buffers as their first bytes.
    head = view if type(view) is bytes else view[: max_header_size + 16].tobytes()
    descr, shape, fortran, offset = _npio.view_info(head, len(view), max_header_size)
    dtype = _DTYPES.get(descr) or _dtype(descr)
    if dtype.itemsize == 0:
        return _alloc(descr, shape, fortran)
    array = np.ndarray(shape, dtype, view, offset, None, "F" if fortran else "C")
    if copy or not array.flags.aligned:
        return array.copy(order="K")
    return array


def _is_path(file):
    return isinstance(file, (str, bytes, os.PathLike))


_URL_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]+://")


def _is_url(file):
    """Whether ``file`` is a URL (``scheme://...``) rather than a path."""
    return isinstance(file, str) and _URL_SCHEME.match(file) is not None


def _fspath(file):
    path = os.fspath(file)
    return os.fsdecode(path) if isinstance(path, bytes) else path
