"""Type stubs for npio: NumPy's load/save/savez/savez_compressed on npio's Rust engine."""

import os
from collections.abc import Iterator, Mapping
from typing import IO, Any, Literal, Optional, Union

import numpy as np

__version__: str
THREADS_ENV: str

_File = Union[str, bytes, bytearray, memoryview, os.PathLike[str], os.PathLike[bytes], IO[bytes]]
_MmapMode = Optional[Literal["r", "r+", "c"]]
_Member = Union[np.ndarray, bytes]

class PickleRequired(ValueError):
    """Object arrays need pickle: load them with allow_pickle=True (trusted files only)."""

class NpzFile(Mapping[str, _Member]):
    """A lazy, read-only mapping of an .npz archive's members, like NumPy's NpzFile."""

    files: list[str]
    allow_pickle: bool
    pickle_kwargs: dict[str, Any]
    f: Any
    def __init__(
        self,
        source: Union[str, bytes],
        *,
        mmap_mode: Optional[Literal["r", "c"]] = ...,
        allow_pickle: bool = ...,
        max_header_size: int = ...,
        threads: Optional[int] = ...,
        pickle_kwargs: Optional[dict[str, Any]] = ...,
        copy: bool = ...,
    ) -> None: ...
    def __getitem__(self, key: str) -> _Member: ...
    def __iter__(self) -> Iterator[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: object) -> bool: ...
    def read_all(self, threads: Optional[int] = ...) -> dict[str, _Member]:
        """Every member, arrays read on all cores at once."""
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...
    def __enter__(self) -> "NpzFile": ...
    def __exit__(self, *exc: object) -> None: ...

def load(
    file: _File,
    mmap_mode: _MmapMode = ...,
    allow_pickle: bool = ...,
    fix_imports: bool = ...,
    encoding: str = ...,
    *,
    max_header_size: int = ...,
    threads: Optional[int] = ...,
    copy: bool = ...,
) -> Any:
    """An ndarray (or memmap) for a .npy file, an NpzFile for an .npz file."""

def loads(
    data: Union[bytes, bytearray, memoryview, np.ndarray],
    *,
    max_header_size: int = ...,
    threads: Optional[int] = ...,
    copy: bool = ...,
) -> Any:
    """The array in .npy bytes (a view of them), or the NpzFile of .npz bytes."""

def dumps(arr: Any) -> bytes:
    """The .npy bytes of arr, exactly what np.save writes."""

def save(file: _File, arr: Any, allow_pickle: bool = ..., fix_imports: bool = ...) -> None:
    """Save an array to a .npy file, byte for byte what np.save writes."""

def savez(file: _File, *args: Any, allow_pickle: bool = ..., **kwds: Any) -> None:
    """Save arrays into an uncompressed .npz archive."""

def savez_compressed(
    file: _File,
    *args: Any,
    allow_pickle: bool = ...,
    level: Optional[int] = ...,
    threads: Optional[int] = ...,
    storage_options: Optional[Mapping[str, Any]] = ...,
    codec: Literal["deflate", "zstd"] = ...,
    **kwds: Any,
) -> None:
    """Save arrays into a compressed .npz archive (deflate, or zstd), every member compressed
    on all cores."""
