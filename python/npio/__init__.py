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

import ast
import io
import os
import re
import stat
from collections.abc import Mapping

import numpy as np
from numpy.lib import format as _format

from . import _npio
from ._npio import PickleRequired

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
        # shares them; a later write to it copies them first).
        if isinstance(file, io.BytesIO) and start == 0:
            data = file.getvalue()
            file.seek(0, io.SEEK_END)
        else:
            data = file.read()
        return NpzFile(
            data, allow_pickle=allow_pickle, max_header_size=max_header_size,
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


class _Attributes:
    """Attribute access to an :class:`NpzFile`'s members (``npz.f.name``), as NumPy's ``f``."""

    def __init__(self, npz):
        object.__setattr__(self, "_npz", npz)

    def __getattribute__(self, key):
        try:
            return object.__getattribute__(self, "_npz")[key]
        except KeyError:
            raise AttributeError(key) from None

    def __dir__(self):
        return list(object.__getattribute__(self, "_npz").files)


class NpzFile(Mapping):
    """A lazy, read-only mapping of an ``.npz`` archive's members, like ``numpy.lib.npyio.NpzFile``.

    ``files`` lists the member names (``.npy`` stripped); ``npz[name]`` reads one member
    (with or without ``.npy``); ``name in npz``, iteration, ``len``, ``keys()``, ``values()``,
    ``items()``, ``close()`` and ``with`` work as in NumPy. :meth:`read_all` reads every member
    at once, on all cores. Members that are not arrays come back as ``bytes``.

    >>> import io, numpy as np, npio
    >>> buf = io.BytesIO(); npio.savez(buf, x=np.arange(3), y=np.ones(2)); _ = buf.seek(0)
    >>> with npio.load(buf) as npz:
    ...     sorted(npz.read_all())
    ['x', 'y']
    """

    def __init__(
        self,
        source,
        *,
        mmap_mode=None,
        allow_pickle=False,
        max_header_size=_MAX_HEADER_SIZE,
        threads=None,
        pickle_kwargs=None,
        copy=False,
    ):
        if mmap_mode not in (None, "r", "c"):
            raise ValueError(
                f"mmap_mode={mmap_mode!r}: archive members can only be mapped read-only "
                "('r') or copy-on-write ('c')"
            )
        remote = isinstance(source, _npio.Archive)  # opened from a URL by load()
        self._source = source
        self._path = source if isinstance(source, str) else None
        self._mmap_mode = mmap_mode if self._path is not None else None
        # Stored members of an archive in memory come back as views of its bytes.
        self._views = self._path is None and not copy and not remote
        self._threads = _threads(threads)
        self._max_header_size = max_header_size
        self.allow_pickle = allow_pickle
        self.pickle_kwargs = pickle_kwargs or {}
        self._archive = source if remote else _npio.open_npz(source, max_header_size)
        self.files = self._archive.names()
        self._files = self._archive.stored_names()
        self.f = _Attributes(self)

    # Mapping

    def __getitem__(self, key):
        if not isinstance(key, str):
            raise KeyError(key)
        if self._mmap_mode is not None:
            mapped = self._map(key)
            if mapped is not None:
                return mapped
        if self._views:
            viewed = self._view_member(key)
            if viewed is not None:
                return viewed
        try:
            return self._array_or_bytes(self._archive.read(key, _alloc, _view, self._threads))
        except PickleRequired:
            if not self.allow_pickle:
                raise
        return self._pickled(self._archive.resolve(key))

    def __iter__(self):
        return iter(self.files)

    def __len__(self):
        return len(self.files)

    def __contains__(self, key):
        return isinstance(key, str) and self._archive.resolve(key) is not None

    # Beyond NumPy

    def read_all(self, threads=None):
        """Every member as a ``dict`` (archive order), arrays read on all cores at once.

        Deflated members are inflated straight into the memory of their arrays (no copy): each
        such array is a view of its member's bytes (``.base``), aligned and writeable as
        ``np.load``'s arrays are. ``threads`` bounds the threads (default: the ``threads``
        given to :func:`load`, else ``NPIO_NUM_THREADS``, else one per core).
        """
        threads = self._threads if threads is None else _threads(threads)
        if self._views:
            viewed = {name: self._view_member(name) for name in self.files}
            if all(v is not None for v in viewed.values()):
                return viewed
        try:
            members = self._archive.read_all(_alloc, _view, threads)
            return {name: self._array_or_bytes(value) for name, value in members}
        except PickleRequired:
            if not self.allow_pickle:
                raise
        return {name: self[name] for name in self.files}

    # Resources

    def close(self):
        """Closes the archive; reading a member afterwards raises ``ValueError``."""
        self._archive.close()

    @property
    def closed(self):
        """True once :meth:`close` was called."""
        return self._archive.closed

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self):
        where = self._path if self._path is not None else self._archive.location() or "bytes"
        names = ", ".join(self.files[:5]) + (", ..." if len(self.files) > 5 else "")
        return f"NpzFile {where!r} with keys: {names}"

    # Internals

    def _array_or_bytes(self, value):
        """A member not named ``*.npy`` is an array if it starts with the ``.npy`` magic, as
        in NumPy, else its bytes."""
        if isinstance(value, bytes) and value.startswith(_NPY_MAGIC):
            return _npio.read_npy(value, _alloc, self._max_header_size, self._threads)
        return value

    def _map(self, key):
        info = self._archive.map_info(key)
        if info is None:
            return None
        descr, shape, fortran, offset = info
        dtype = _dtype(descr)
        if offset % max(dtype.alignment, 1) != 0:
            return None  # a misaligned member is read (copied) instead
        order = "F" if fortran else "C"
        # Map the file that was opened and checked, not whatever the path names now (a
        # checkpoint writer may have replaced it since).
        fd = self._archive.dup_file()
        if fd is None:
            return None
        with os.fdopen(fd, "rb") as checked:
            return np.memmap(
                checked, dtype=dtype, shape=tuple(shape), order=order, mode=self._mmap_mode,
                offset=offset,
            )

    def _view_member(self, key):
        """A stored array member of an archive in memory as a read-only view of its bytes
        (checked against its CRC-32 first), or ``None`` (compressed, not an array, or not
        aligned for its dtype: then it is read)."""
        info = self._archive.map_info(key)
        if info is None:
            return None
        descr, shape, fortran, offset = info
        dtype = _dtype(descr)
        if dtype.itemsize == 0 or offset % max(dtype.alignment, 1) != 0:
            return None
        return np.ndarray(
            tuple(shape), dtype=dtype, buffer=self._source, offset=offset,
            order="F" if fortran else "C",
        )

    def _pickled(self, stored):
        # The member's bytes from the archive that was opened and checked (CRC included).
        with io.BytesIO(self._archive.raw(stored)) as member:
            return _format.read_array(
                member,
                allow_pickle=True,
                pickle_kwargs=self.pickle_kwargs,
                max_header_size=self._max_header_size,
            )


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


# ---------------------------------------------------------------------------------------------
# Writing


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
    _write_npz(file, _members(args, kwds, allow_pickle), False, None, _threads(None),
               storage_options)


def savez_compressed(
    file, *args, allow_pickle=True, level=None, threads=None, storage_options=None, **kwds
):
    """Save several arrays into a deflated ``.npz`` archive, as ``np.savez_compressed`` does,
    compressing each member on all cores.

    ``level``: ``None`` lets npio choose per member the fastest encoder whose output is the
    size of zlib's level 6 (NumPy's) within half a percent; an int from 0 to 9 uses zlib at that level. ``threads`` bounds the threads (default:
    ``NPIO_NUM_THREADS``, else one per core). ``file`` as for :func:`savez`. ``file``,
    ``allow_pickle``, ``level``, ``threads`` and ``storage_options`` cannot be used as array
    names.

    >>> import io, numpy as np, npio
    >>> buf = io.BytesIO(); npio.savez_compressed(buf, x=np.zeros(1000)); _ = buf.seek(0)
    >>> np.load(buf)["x"].sum()
    np.float64(0.0)
    """
    _write_npz(file, _members(args, kwds, allow_pickle), True, level, _threads(threads),
               storage_options)
