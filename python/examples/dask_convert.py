"""Convert a folder of .npz archives to deflated archives on a Dask cluster, with npio.

Each task converts one archive: it reads every member (``NpzFile.read_all``), writes a
deflated archive next to the output folder under a temporary name, checks it by reading it
back, then renames it into place, so an output appears whole or not at all. Inputs are never
modified. Each worker process runs one task at a time with ``threads`` npio threads.

    python python/examples/dask_convert.py SRC DST [--workers 2] [--threads 1]

SRC and DST may also be folders in object storage (``s3://bucket/in/``, ``gs://...``,
``az://...``), configured by the standard environment variables (``AWS_ENDPOINT_URL``,
``AWS_REGION``, ``AWS_ACCESS_KEY_ID``, ...), which the workers inherit. Members are then
fetched by range requests, and each output is uploaded whole (an object appears complete or
not at all), then read back from the store and checked.

Members that are not arrays are refused (the task fails naming them) rather than dropped.
"""

from __future__ import annotations

import argparse
import os
import pathlib
import secrets
import sys

import numpy as np

import npio


def _stale_partials(dst: str) -> None:
    """Removes temporary files left by a task for `dst` whose process is gone (a worker
    killed mid-task, before Dask retried the task here)."""
    folder, name = os.path.split(dst)
    prefix = f".{name}.partial-"
    for entry in os.scandir(folder or "."):
        if not entry.name.startswith(prefix):
            continue
        pid = entry.name[len(prefix):].split("-", 1)[0]
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            os.remove(entry.path)  # its writer is gone
        except (ValueError, PermissionError):
            pass  # not ours to judge: left alone


def _is_url(text: str) -> bool:
    return "://" in text


def convert(src: str, dst: str, threads: int) -> tuple[str, int, int | None]:
    """Converts one archive; returns (name, members, output bytes).

    The output is written under a hidden temporary name that does not end in ``.npz``
    (``.NAME.partial-PID-RANDOM``), so a later step globbing ``DST/*.npz`` never sees it, and a
    retried task removes what a killed one left."""
    with npio.load(src) as npz:
        members = npz.read_all(threads=threads)
    not_arrays = [name for name, value in members.items() if not isinstance(value, np.ndarray)]
    if not_arrays:
        raise ValueError(f"{src}: members that are not arrays would be lost: {not_arrays}")
    if _is_url(dst):
        npio.savez_compressed(dst, threads=threads, **members)  # uploaded whole, or not at all
        with npio.load(dst) as check:  # what the store holds now
            _same(dst, members, check.read_all(threads=threads))
        return src.rsplit("/", 1)[-1], len(members), None
    _stale_partials(dst)
    folder, name = os.path.split(dst)
    tmp = os.path.join(folder, f".{name}.partial-{os.getpid()}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "xb") as out:
            npio.savez_compressed(out, threads=threads, **members)
            out.flush()
            os.fsync(out.fileno())
        with npio.load(tmp) as check:  # read back before the output appears
            _same(dst, members, check.read_all(threads=threads))
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return os.path.basename(src), len(members), os.path.getsize(dst)


def _same(dst: str, members: dict, back: dict) -> None:
    """Fails unless `back` holds exactly `members`."""
    if list(back) != list(members):
        raise ValueError(f"{dst}: read back {list(back)}, wrote {list(members)}")
    for name, value in members.items():
        if back[name].dtype != value.dtype or not np.array_equal(
            back[name], value, equal_nan=value.dtype.kind in "fc"
        ):
            raise ValueError(f"{dst}: member {name!r} did not read back equal")


def _plan(src: str, dst: str) -> tuple[list[str], list[str], list[str]]:
    """(inputs, their outputs, outputs that exist already), for folders or URLs."""
    if _is_url(src):
        inputs = [u for u in npio.listdir(src) if u.endswith(".npz")]
    else:
        inputs = [str(p) for p in sorted(pathlib.Path(src).glob("*.npz"))]
    names = [i.rsplit("/", 1)[-1] if _is_url(src) else os.path.basename(i) for i in inputs]
    if _is_url(dst):
        base = dst.rstrip("/") + "/"
        targets = [base + n for n in names]
        present = set(npio.listdir(base))
        existing = [t for t in targets if t in present]
    else:
        pathlib.Path(dst).mkdir(parents=True, exist_ok=True)
        targets = [str(pathlib.Path(dst) / n) for n in names]
        existing = [t for t in targets if os.path.exists(t)]
    return inputs, targets, existing


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", help="folder of .npz archives (a path or a URL)")
    parser.add_argument("dst", help="output folder (a path, created, or a URL)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--threads", type=int, default=1, help="npio threads per task")
    args = parser.parse_args(argv)

    from dask.distributed import Client, LocalCluster

    inputs, targets, existing = _plan(args.src, args.dst)
    if not inputs:
        print(f"no .npz archives in {args.src}", file=sys.stderr)
        return 1
    if existing:
        print(f"refusing to overwrite {len(existing)} outputs, e.g. {existing[0]}", file=sys.stderr)
        return 1
    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, Client(cluster) as client:
        futures = [
            client.submit(convert, src, dst, args.threads, pure=False)
            for src, dst in zip(inputs, targets)
        ]
        failed = 0
        for future in futures:
            try:
                name, count, size = future.result()
                where = f"{size} bytes" if size is not None else "uploaded and checked"
                print(f"{name}: {count} members, {where}")
            except Exception as error:  # report every failure, then fail the run
                failed += 1
                print(f"error: {error}", file=sys.stderr)
    print(f"{len(inputs) - failed} converted, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
