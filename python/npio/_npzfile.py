"""``NpzFile``: the lazy mapping of an archive's members that :func:`npio.load` returns."""

from __future__ import annotations

import io
import os
from collections.abc import Mapping

import numpy as np
from numpy.lib import format as _format

from . import _npio
from ._common import _MAX_HEADER_SIZE, _NPY_MAGIC, _alloc, _dtype, _threads, _view
from ._npio import PickleRequired


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
            viewed = self._view_all(threads)
            if viewed is not None:
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
        """A stored array member of an archive in memory as a view of its bytes (read-only over
        ``bytes``), checked against its CRC-32 first; an aligned copy of them when they are not
        aligned for the dtype (NumPy's writer does not align members); ``None`` when the member
        is compressed or not an array (then it is read)."""
        unchecked = self._unchecked_view(key)
        if unchecked is None:
            return None
        array, out = unchecked
        # Copied (when not aligned) and checked in one pass, on every core for large members.
        if out is None:
            self._archive.check_stored(key)
        else:
            self._archive.check_stored(key, out)
        return array

    def _view_all(self, threads):
        """Every member as :meth:`_view_member` gives it, checked (and copied where not
        aligned) side by side on the pool; ``None`` when some member cannot be viewed (then
        :meth:`read_all` reads them all)."""
        views, keys, outs = {}, [], []
        for name in self.files:
            unchecked = self._unchecked_view(name)
            if unchecked is None:
                return None
            views[name], out = unchecked
            keys.append(name)
            outs.append(out)
        self._archive.check_stored_all(keys, outs, threads)
        return views

    def _unchecked_view(self, key):
        """``(array, out)`` for a stored array member, not yet checked against its CRC-32: a
        view of its bytes and ``None``, or, when they are not aligned for the dtype, a new
        array for them twice (the check fills it); ``None`` when the member cannot be viewed."""
        info = self._archive.map_info(key, False)  # the caller checks before giving it out
        if info is None:
            return None
        descr, shape, fortran, offset = info
        dtype = _dtype(descr)
        if dtype.itemsize == 0:
            return None
        array = np.ndarray(
            tuple(shape), dtype=dtype, buffer=self._source, offset=offset,
            order="F" if fortran else "C",
        )
        if array.flags.aligned:
            return array, None
        copy = _alloc(descr, tuple(shape), fortran)
        return copy, copy

    def _pickled(self, stored):
        # The member's bytes from the archive that was opened and checked (CRC included).
        with io.BytesIO(self._archive.raw(stored)) as member:
            return _format.read_array(
                member,
                allow_pickle=True,
                pickle_kwargs=self.pickle_kwargs,
                max_header_size=self._max_header_size,
            )


NpzFile.__module__ = "npio"
