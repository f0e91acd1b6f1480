"""Writing: ``dumps``, ``save``, ``savez`` and ``savez_compressed``."""

from __future__ import annotations

import io

import numpy as np
from numpy.lib import format as _format

from . import _npio
from ._common import _fspath, _is_path, _is_url, _threads


def _contiguous(array):
    """The array in the memory order ``np.save`` writes, and whether that is Fortran order."""
    if array.flags.c_contiguous:
        return array, False
    if array.flags.f_contiguous:
        return array, True
    return np.ascontiguousarray(array), False


def _descr(dtype):
    return repr(_format.dtype_to_descr(dtype))


def _object_npy(array, allow_pickle, what):
    if not allow_pickle:
        raise ValueError(f"Object arrays cannot be saved when allow_pickle=False ({what})")
    buf = io.BytesIO()
    _format.write_array(buf, array, allow_pickle=True)
    return buf.getvalue()


def dumps(arr):
    """The ``.npy`` bytes of ``arr``, exactly what ``np.save`` writes: dtype, shape and memory
    order travel with the data (unlike ``arr.tobytes()``). Object arrays are refused.

    >>> import numpy as np, npio
    >>> len(npio.dumps(np.zeros(3, dtype="<f8")))
    152
    """
    array = np.asanyarray(arr)
    if array.dtype.hasobject:
        _object_npy(array, False, "dumps")
    array, fortran = _contiguous(array)
    return _npio.npy_bytes(_descr(array.dtype), array.shape, fortran, array)


def save(file, arr, allow_pickle=True, fix_imports=True, *, storage_options=None):
    """Save an array to a ``.npy`` file, byte for byte what ``np.save`` writes.

    ``file`` is a path (``.npy`` is appended when missing, as NumPy does), a binary file
    object, or a URL (``s3://``, ``gs://``, ``az://``, ``http(s)://``; ``.npy`` appended
    alike): the object appears whole once uploaded, or not at all. ``storage_options`` as for
    :func:`load`. Object arrays are pickled by NumPy when ``allow_pickle`` is true (NumPy's
    default) and refused otherwise.

    >>> import io, numpy as np, npio
    >>> a, b = io.BytesIO(), io.BytesIO()
    >>> npio.save(a, np.arange(5.0)); np.save(b, np.arange(5.0))
    >>> a.getvalue() == b.getvalue()
    True
    """
    array = np.asanyarray(arr)
    _check_storage_options(file, storage_options)
    if _is_url(file):
        url = file if file.endswith(".npy") else file + ".npy"
        if array.dtype.hasobject:
            _npio.put_url(url, _object_npy(array, allow_pickle, url), storage_options)
            return
        array, fortran = _contiguous(array)
        _npio.save_npy_url(url, _descr(array.dtype), array.shape, fortran, array,
                           storage_options)
        return
    if not _is_path(file):
        if array.dtype.hasobject:
            file.write(_object_npy(array, allow_pickle, "save"))
        else:
            file.write(dumps(array))
        return
    path = _fspath(file)
    if not path.endswith(".npy"):
        path += ".npy"
    if array.dtype.hasobject:
        with open(path, "wb") as out:
            out.write(_object_npy(array, allow_pickle, path))
        return
    array, fortran = _contiguous(array)
    _npio.save_npy(path, _descr(array.dtype), array.shape, fortran, array)


def _members(args, kwds, allow_pickle):
    named = dict(kwds)
    for i, value in enumerate(args):
        key = f"arr_{i}"
        if key in named:
            raise ValueError(f"Cannot use un-named variables and keyword {key}")
        named[key] = value
    members = []
    for name, value in named.items():
        array = np.asanyarray(value)
        stored = f"{name}.npy"
        if array.dtype.hasobject:
            members.append((stored, _object_npy(array, allow_pickle, stored)))
            continue
        array, fortran = _contiguous(array)
        members.append((stored, _descr(array.dtype), array.shape, fortran, array))
    return members


def _check_storage_options(file, storage_options):
    if storage_options is not None and not _is_url(file):
        raise ValueError("storage_options applies to URLs (s3://, gs://, az://, https://)")


def _write_npz(file, members, compress, level, threads, storage_options):
    _check_storage_options(file, storage_options)
    if _is_url(file):
        url = file if file.endswith(".npz") else file + ".npz"
        _npio.write_npz_url(url, members, compress, level, threads, storage_options)
    elif _is_path(file):
        path = _fspath(file)
        if not path.endswith(".npz"):
            path += ".npz"
        _npio.write_npz(path, members, compress, level, threads)
    else:
        file.write(_npio.write_npz(None, members, compress, level, threads))


def savez(file, *args, allow_pickle=True, storage_options=None, **kwds):
    """Save several arrays into an uncompressed ``.npz`` archive, as ``np.savez`` does.

    Positional arrays are named ``arr_0``, ``arr_1``, ...; keyword arrays by their keyword.
    ``file`` is a path (``.npz`` is appended when missing), a binary file object, or a URL
    (uploaded whole once complete; ``storage_options`` as for :func:`load`). Members are
    stored 64-byte aligned, so ``npio.load(path, mmap_mode='r')`` maps them without a copy.
    ``file``, ``allow_pickle`` and ``storage_options`` cannot be used as array names.

    >>> import io, numpy as np, npio
    >>> buf = io.BytesIO(); npio.savez(buf, np.arange(3), y=np.ones(2)); _ = buf.seek(0)
    >>> sorted(np.load(buf).files)
    ['arr_0', 'y']
    """
    _write_npz(file, _members(args, kwds, allow_pickle), "stored", None, _threads(None),
               storage_options)


def savez_compressed(
    file, *args, allow_pickle=True, level=None, threads=None, storage_options=None,
    codec="deflate", **kwds
):
    """Save several arrays into a compressed ``.npz`` archive, as ``np.savez_compressed`` does,
    compressing each member on all cores.

    ``codec``: ``"deflate"`` (what NumPy writes and every NumPy reads) or ``"zstd"`` (zip
    method 93: several times faster at a similar size; NumPy reads it on Python 3.14 and later,
    or with the ``backports.zstd`` package's ``zipfile``; npio reads it everywhere).
    ``level``: for deflate, ``None`` lets npio choose per member the fastest encoder whose
    output is the size of zlib's level 6 (NumPy's) within half a percent, and an int from 0 to
    9 uses zlib at that level; for zstd, 1 (fastest) to 22 (smallest), default 3.
    ``threads`` bounds the threads (default: ``NPIO_NUM_THREADS``, else one per core).
    ``file`` as for :func:`savez`. ``file``, ``allow_pickle``, ``level``, ``threads``,
    ``storage_options`` and ``codec`` cannot be used as array names.

    >>> import io, numpy as np, npio
    >>> buf = io.BytesIO(); npio.savez_compressed(buf, x=np.zeros(1000)); _ = buf.seek(0)
    >>> np.load(buf)["x"].sum()
    np.float64(0.0)
    >>> buf = io.BytesIO(); npio.savez_compressed(buf, x=np.arange(5), codec="zstd"); _ = buf.seek(0)
    >>> npio.load(buf)["x"]
    array([0, 1, 2, 3, 4])
    """
    if codec not in ("deflate", "zstd"):
        raise ValueError(f"codec must be 'deflate' or 'zstd', not {codec!r}")
    _write_npz(file, _members(args, kwds, allow_pickle), codec, level, _threads(threads),
               storage_options)


for _f in (dumps, save, savez, savez_compressed):
    _f.__module__ = "npio"
del _f
