"""npio: NumPy's ``load``, ``save``, ``savez`` and ``savez_compressed``, on npio's Rust engine.

Switching is an import change: the functions take NumPy's arguments and return what NumPy
returns, and files written here load in NumPy (``.npy`` files byte for byte as ``np.save``
writes them). What changes is the engine underneath:

* ``.npz`` members are inflated on all cores (``npio.load(path).read_all()``), and
  ``savez_compressed`` deflates each member on all cores, choosing the fastest encoder that
  compresses as well as zlib (or zlib at ``level``);
* ``mmap_mode`` also maps stored ``.npz`` members, zero-copy and read-only;
* headers are parsed by a strict parser with bounded sizes: a malformed or hostile file
  raises ``ValueError`` naming the file, the member and the problem, and no buffer is sized
  by what a header merely claims;
* the GIL is released while bytes move.

Threads: parallel work uses one thread per core unless bounded by a ``threads=`` argument
(``load``, ``NpzFile.read_all``, ``savez_compressed``) or the ``NPIO_NUM_THREADS``
environment variable.
"""

from __future__ import annotations

import io
import os
import stat

import numpy as np
from numpy.lib import format as _format

from . import _npio
from ._common import (
    _MAX_HEADER_SIZE,
    _NPY_MAGIC,
    _TRUSTED_HEADER_SIZE,
    _ZIP_MAGICS,
    THREADS_ENV,
    _alloc,
    _byte_view,
    _bytes_like,
    _dtype,
    _fspath,
    _is_path,
    _is_url,
    _npy_from_buffer,
    _threads,
)
from ._npio import PickleRequired
from ._npzfile import NpzFile
from ._write import dumps, save, savez, savez_compressed

__all__ = [
    "NpzFile",
    "PickleRequired",
    "dumps",
    "listdir",
    "load",
    "loads",
    "save",
    "savez",
    "savez_compressed",
]

__version__ = _npio.__version__


def __dir__():
    """The public API only (not the modules this one uses)."""
    return sorted(__all__ + ["THREADS_ENV", "__version__"])


# ---------------------------------------------------------------------------------------------
# Reading


def load(
    file,
    mmap_mode=None,
    allow_pickle=False,
    fix_imports=True,
    encoding="ASCII",
    *,
    max_header_size=_MAX_HEADER_SIZE,
    threads=None,
    copy=False,
    storage_options=None,
):
    """Load an array from a ``.npy`` file, or a lazy mapping of arrays from an ``.npz`` file.

    Same arguments and results as ``numpy.load``:

    * ``file``: a path (``str``, ``os.PathLike``), a binary file object (``open(...)``,
      ``io.BytesIO``), read from its current position, the file's bytes in memory
      (``bytes``, ``bytearray``, ``memoryview``, a ``uint8`` array: see :func:`loads`), or the
      URL of an object in object storage (``s3://``, ``gs://``, ``az://``, ``http(s)://``):
      an archive's directory and member headers are fetched when it is opened, each member's
      bytes when it is read (by range requests, several at once for large members), a
      ``.npy`` file's header then its data.
    * ``mmap_mode``: ``None``, ``'r'``, ``'r+'`` or ``'c'``: a ``.npy`` file is memory-mapped
      as NumPy maps it (``numpy.memmap``). For an ``.npz`` path, stored (uncompressed) array
      members are mapped read-only (``'r'``) or copy-on-write (``'c'``) without a copy;
      compressed members are read. ``'r+'`` is refused for archives. A mapped member is
      checked against its CRC-32 each time it is mapped (one pass over its bytes, as ``np.load``
      reads them), and mapped from the file that was opened and checked even if its path is
      replaced meanwhile. A map cannot guard against later changes: if the file is truncated
      while mapped, touching the lost pages kills the process with ``SIGBUS`` (as for any
      ``numpy.memmap``); pages changed in place show through.
    * ``allow_pickle``: object arrays need pickle, which can run code from the file; they are
      refused (``PickleRequired``, a ``ValueError``) unless this is true, and then read by
      NumPy's own pickle path.
    * ``fix_imports``, ``encoding``: passed to pickle, only for object arrays.
    * ``max_header_size``: the largest header accepted, in bytes (NumPy's default, 10000);
      ignored with ``allow_pickle=True``, as in NumPy (the file is trusted).
    * ``threads``: bound on the threads used (default: ``NPIO_NUM_THREADS``, else one per core).
    * ``copy``: for data in memory, copy arrays instead of returning views of the buffer.
    * ``storage_options``: for URLs, a mapping of object_store's configuration keys
      (``aws_endpoint``, ``aws_region``, ``aws_access_key_id``, ``aws_allow_http``,
      ``google_service_account``, ``azure_storage_account_name``, ...), over the standard
      environment variables (``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ...), as pandas and
      Polars take them; an unknown key raises ``ValueError``.

    Returns an ``ndarray`` (or ``numpy.memmap``) for a ``.npy`` file, an :class:`NpzFile`
    for an ``.npz`` file. Raises ``FileNotFoundError`` for a missing file or object,
    ``PermissionError`` for refused credentials, ``OSError`` for network failures (each naming
    the file or URL), and ``ValueError`` naming the file, member and problem for malformed
    data.

    >>> import io, numpy as np, npio
    >>> buf = io.BytesIO(); npio.save(buf, np.arange(3)); _ = buf.seek(0)
    >>> npio.load(buf)
    array([0, 1, 2])
    """
    if threads is not None:
        threads = _threads(threads)  # checked now; None is resolved where threads are used
    if allow_pickle:
        # As np.load: a file trusted with pickle is trusted with a large header too.
        max_header_size = _TRUSTED_HEADER_SIZE
    if type(file) is bytes and mmap_mode is None and storage_options is None \
            and file.startswith(_NPY_MAGIC) and not allow_pickle:
        return _npy_from_buffer(file, max_header_size, copy)  # as loads: the common case first
    if mmap_mode not in (None, "r", "r+", "c"):
        raise ValueError(f"mmap_mode must be None, 'r', 'r+' or 'c', not {mmap_mode!r}")
    pickle_kwargs = {"encoding": encoding, "fix_imports": fix_imports}

    def open_npz(source, mode):
        return NpzFile(
            source,
            mmap_mode=mode,
            allow_pickle=allow_pickle,
            max_header_size=max_header_size,
            threads=threads,
            pickle_kwargs=pickle_kwargs,
        )

    if _is_url(file):
        if mmap_mode is not None:
            raise ValueError(f"{file}: mmap_mode applies to local files, not to URLs")
        return _load_url(file, storage_options, allow_pickle, pickle_kwargs, max_header_size,
                         _threads(threads))
    if storage_options is not None:
        raise ValueError("storage_options applies to URLs (s3://, gs://, az://, https://)")
    if _bytes_like(file):
        if mmap_mode is not None:
            raise ValueError("mmap_mode applies to files; these are bytes in memory")
        return _load_buffer(file, allow_pickle, pickle_kwargs, max_header_size, threads, copy)
    if _is_path(file):
        path = _fspath(file)
        if not _seekable(path):
            # A pipe, terminal or device (/dev/stdin, <(...)): read once, as a stream, into
            # memory; its magic is not consumed by a probe.
            if mmap_mode is not None:
                raise ValueError(f"{path}: not a regular file (a pipe?), so it cannot be mapped")
            with open(path, "rb") as stream:
                data = stream.read()
            return load(io.BytesIO(data), None, allow_pickle, fix_imports, encoding,
                        max_header_size=max_header_size, threads=threads)
        with open(path, "rb") as probe:
            magic = probe.read(len(_NPY_MAGIC))
        if magic.startswith(_ZIP_MAGICS):
            return open_npz(path, mmap_mode)
        if magic != _NPY_MAGIC:
            return _not_npy(file, magic, path, allow_pickle, pickle_kwargs, mmap_mode)
        try:
            if mmap_mode is not None:
                return _memmap_npy(path, mmap_mode, max_header_size)
            return _npio.read_npy(path, _alloc, max_header_size, _threads(threads))
        except PickleRequired:
            if not allow_pickle:
                raise
        return np.load(path, mmap_mode, True, fix_imports, encoding, max_header_size=max_header_size)

    start = file.tell()
    magic = file.read(len(_NPY_MAGIC))
    file.seek(start)
    if magic.startswith(_ZIP_MAGICS):
        # Archives read from a file object are read (copied) member by member, as np.load
        # gives them: writeable arrays. Bytes passed as such give views (see loads). An
        # io.BytesIO read from its start hands over its bytes without a copy (getvalue()
        # shares them; a later write to it copies them first); other file objects are read
        # by position, only the directory and the members asked for (as np.load does), so
        # they must stay open while the archive is read.
        if isinstance(file, io.BytesIO) and start == 0:
            source = file.getvalue()
            file.seek(0, io.SEEK_END)
        else:
            source = file
        return NpzFile(
            source, allow_pickle=allow_pickle, max_header_size=max_header_size,
            threads=threads, pickle_kwargs=pickle_kwargs, copy=True,
        )
    if magic != _NPY_MAGIC:
        return _not_npy(file, magic, None, allow_pickle, pickle_kwargs, None)
    try:
        return _read_npy_file_object(file, max_header_size)
    except PickleRequired:
        if not allow_pickle:
            raise
    file.seek(start)
    return _format.read_array(
        file, allow_pickle=True, pickle_kwargs=pickle_kwargs, max_header_size=max_header_size
    )


def _load_url(url, storage_options, allow_pickle, pickle_kwargs, max_header_size, threads):
    """:func:`load` of an object in object storage, read by range requests."""
    try:
        kind, value = _npio.load_url(url, storage_options, _alloc, max_header_size, threads)
    except PickleRequired:
        if not allow_pickle:
            raise
        kind, value = "other", None
    if kind == "npz":
        return NpzFile(
            value, allow_pickle=allow_pickle, max_header_size=max_header_size,
            threads=threads, pickle_kwargs=pickle_kwargs,
        )
    if kind == "npy":
        return value
    if not allow_pickle:
        raise ValueError(
            f"{url}: not a .npy or .npz file (it starts with {value!r}); if it holds "
            "pickled data you trust, load it with allow_pickle=True"
        )
    data = _npio.fetch_url(url, storage_options)
    return np.load(io.BytesIO(data), None, True, max_header_size=max_header_size, **pickle_kwargs)


def listdir(url, *, storage_options=None):
    """The URLs of the objects directly under ``url`` in object storage, taken as a folder
    (``s3://bucket/runs/`` lists ``s3://bucket/runs/a.npz``, not ``s3://bucket/runs/old/b.npz``),
    sorted. ``storage_options`` as for :func:`load`. Plain HTTP servers cannot list.

    >>> import npio
    >>> npio.listdir("ftp://example.org/")  # doctest: +IGNORE_EXCEPTION_DETAIL
    Traceback (most recent call last):
    ValueError: ftp://example.org/: ...
    """
    if not _is_url(url):
        raise ValueError(f"{url!r} is not a URL (s3://, gs://, az://): list local folders with os.listdir")
    return _npio.list_url(url, storage_options)


def _load_buffer(data, allow_pickle, pickle_kwargs, max_header_size, threads, copy):
    """:func:`load` of bytes in memory: ``.npy`` data and stored archive members as views of
    them (see :func:`loads`)."""
    view = _byte_view(data)
    magic = view[: len(_NPY_MAGIC)].tobytes()
    if magic.startswith(_ZIP_MAGICS):
        # The archive is checked once; members are views of exactly the bytes checked, so a
        # buffer that can change is copied first.
        source = data if isinstance(data, bytes) else view.tobytes()
        return NpzFile(
            source, allow_pickle=allow_pickle, max_header_size=max_header_size,
            threads=threads, pickle_kwargs=pickle_kwargs, copy=copy,
        )
    if magic != _NPY_MAGIC:
        return _not_npy(io.BytesIO(view.tobytes()), magic, None, allow_pickle, pickle_kwargs, None)
    try:
        return _npy_from_buffer(data if type(data) is bytes else view, max_header_size, copy)
    except PickleRequired:
        if not allow_pickle:
            raise
    return _format.read_array(
        io.BytesIO(view.tobytes()), allow_pickle=True, pickle_kwargs=pickle_kwargs,
        max_header_size=max_header_size,
    )


def _seekable(path):
    """Whether ``path`` is a regular file (else a pipe, terminal, socket or device)."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True  # let open() report it


def _not_npy(file, magic, path, allow_pickle, pickle_kwargs, mmap_mode):
    """A file that is neither ``.npy`` nor ``.npz``: pickled data, which needs allow_pickle."""
    name = path if path is not None else "the file"
    if not allow_pickle:
        raise ValueError(
            f"{name}: not a .npy or .npz file (it starts with {magic!r}); if it holds "
            "pickled data you trust, load it with allow_pickle=True"
        )
    return np.load(file, mmap_mode, True, **pickle_kwargs)


def _read_header(file, max_header_size):
    """Reads and parses the header at the file object's position:
    (dtype, shape, fortran, start, descr)."""
    start = file.tell()
    prefix = file.read(max_header_size + 16)
    descr, shape, fortran, offset = _npio.parse_header(prefix, max_header_size)
    return _dtype(descr), tuple(shape), fortran, start + offset, descr


def _read_npy_file_object(file, max_header_size):
    """A ``.npy`` array from a file object; leaves the file just after the array, as NumPy does."""
    dtype, shape, fortran, data_start, descr = _read_header(file, max_header_size)
    nbytes = int(np.prod(shape, dtype=np.uint64)) * dtype.itemsize
    end = file.seek(0, io.SEEK_END)
    if end - data_start < nbytes:
        raise ValueError(
            f"truncated data: expected {nbytes} bytes of array data starting at offset "
            f"{data_start}, found only {max(end - data_start, 0)}"
        )
    file.seek(data_start)
    order = "F" if fortran else "C"
    if nbytes == 0:
        return _alloc(descr, shape, fortran)
    raw = np.empty(nbytes, dtype=np.uint8)
    view = memoryview(raw)
    got = 0
    while got < nbytes:
        n = file.readinto(view[got:])
        if not n:
            raise ValueError(f"truncated data: expected {nbytes} bytes, found only {got}")
        got += n
    return raw.view(dtype).reshape(shape, order=order)


def _memmap_npy(path, mode, max_header_size):
    """Maps a ``.npy`` file as ``numpy.lib.format.open_memmap`` does, with npio's header checks."""
    with open(path, "rb") as file:
        dtype, shape, fortran, offset, _ = _read_header(file, max_header_size)
    nbytes = int(np.prod(shape, dtype=np.uint64)) * dtype.itemsize
    size = os.path.getsize(path)
    if size - offset < nbytes:
        raise ValueError(
            f"{path}: truncated data: expected {nbytes} bytes of array data starting at offset "
            f"{offset}, found only {max(size - offset, 0)}"
        )
    order = "F" if fortran else "C"
    return np.memmap(path, dtype=dtype, shape=shape, order=order, mode=mode, offset=offset)


def loads(data, *, max_header_size=_MAX_HEADER_SIZE, threads=None, copy=False):
    """The array in ``.npy`` bytes (what :func:`dumps` or ``np.save`` to a buffer produce), or
    the :class:`NpzFile` of ``.npz`` bytes.

    ``data`` is any contiguous bytes-like object: ``bytes``, ``bytearray``, ``memoryview``, a
    ``uint8`` array. ``.npy`` data and stored (uncompressed) archive members come back
    **without a copy**, as views that keep the buffer alive: read-only when the buffer is
    (``bytes``), writeable views of a ``bytearray`` (as ``np.frombuffer`` gives them), unless
    ``copy=True`` or the data is not aligned for its dtype. Archive members are checked against
    their CRC-32 before a view is given; compressed members are inflated with the GIL released.
    The bytes must hold exactly one array: trailing bytes are refused.

    >>> import numpy as np, npio
    >>> npio.loads(npio.dumps(np.arange(4).reshape(2, 2)))
    array([[0, 1],
           [2, 3]])
    """
    if threads is not None:
        threads = _threads(threads)
    if type(data) is bytes and data.startswith(_NPY_MAGIC):
        return _npy_from_buffer(data, max_header_size, copy)
    if not _bytes_like(data) and not isinstance(data, bytes):
        data = memoryview(data)
    return _load_buffer(data, False, {}, max_header_size, threads, copy)


for _f in (load, loads, listdir):
    _f.__module__ = "npio"
del _f
