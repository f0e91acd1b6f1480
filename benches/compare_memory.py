"""The in-memory and thread rows of benches/compare.py: `npio.load`/`loads` of bytes against
`np.load(io.BytesIO(...))` and SPDL (`spdl.io.load_npz`/`load_npy`, when `pip install spdl`
was run), with the floor beside them.

Measured in one process (these calls take microseconds to milliseconds, and a data loader
makes them in a running process): the sides take turns, each timed run follows an untimed run
of the same side, and the median of the runs is shown with the spread. Calls shorter than a
millisecond are timed over a loop and divided. Every side's arrays are compared with NumPy's on
the first run.

What each side does differs, and the table says so rather than hiding it:
* npio checks each member's CRC-32 (as `np.load` does; SPDL does not) and gives views of the
  bytes only where they are aligned for the dtype: NumPy's writer does not align members, so a
  NumPy-written archive's members are copied (SPDL returns unaligned views). An archive npio
  wrote has 64-byte-aligned members, read without a copy.
* the floor of an archive is `np.frombuffer` of each member's data (no check, no copy); of a
  `.npy`, `np.frombuffer(...).reshape(...)`.

The thread rows read every member of one deflated archive (`z[name]`, one member per task)
from a `ThreadPoolExecutor` of 1 and of 2 threads: the speed-up is 1-thread time / 2-thread
time (this machine has 2 cores).
"""
import argparse
import io
import statistics
import sys
import time
import zipfile
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path


def _spdl():
    try:
        import spdl.io

        return spdl.io
    except ImportError:
        return None


def _checksum(arrays):
    import numpy as np

    out = []
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        out.append(f"{name}:{a.dtype.str}:{a.shape}:{zlib.crc32(a.view(np.uint8).reshape(-1)):08x}")
    return ",".join(out)


def _member_views(data):
    """The floor: every stored member's data as `np.frombuffer` over the archive's bytes."""
    import numpy as np
    from numpy.lib import format as fmt

    layout = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            with zf.open(info) as member:
                version = fmt.read_magic(member)
                read_header = {(1, 0): fmt.read_array_header_1_0,
                               (2, 0): fmt.read_array_header_2_0}[version]
                shape, fortran, dtype = read_header(member)
                header = member.tell()
            name_len, extra_len = np.frombuffer(data, "<u2", 2, info.header_offset + 26)
            start = info.header_offset + 30 + int(name_len) + int(extra_len) + header
            layout.append((info.filename[:-4], dtype, shape, "F" if fortran else "C", start))

    def floor():
        return {name: np.frombuffer(data, dtype, int(np.prod(shape)), start).reshape(shape, order=order)
                for name, dtype, shape, order, start in layout}
    return floor


def _time(fn, loops):
    start = time.perf_counter()
    for _ in range(loops):
        result = fn()
    return (time.perf_counter() - start) / loops, result


def _measure(label, sides, runs, expected):
    """`(label, {side: [seconds]})`, each side's result checked against `expected`."""
    loops = 1
    probe, _ = _time(next(iter(sides.values())), 1)
    if probe < 1e-3:
        loops = max(1, int(2e-3 / max(probe, 1e-7)))
    samples = {side: [] for side in sides}
    names = list(sides)
    for run in range(runs):
        for side in names[run % len(names):] + names[:run % len(names)]:
            _time(sides[side], loops)  # untimed
            seconds, result = _time(sides[side], loops)
            samples[side].append(seconds)
            if run == 0 and expected is not None:
                got = _checksum(result if isinstance(result, dict) else {"": result})
                if got != expected:
                    raise SystemExit(f"{label}: {side} read {got[:200]}, expected {expected[:200]}")
    print(f"done: {label}", file=sys.stderr)
    return label, samples


def _archives(work):
    """The archives: NumPy's stored and deflated mixed archives (benches/compare.py's), and
    the stored one as npio writes it (aligned members)."""
    import numpy as np
    import npio

    stored = (work / "mixed_stored.npz").read_bytes()
    deflated = (work / "mixed_deflated.npz").read_bytes()
    with np.load(io.BytesIO(stored)) as z:
        members = {k: z[k] for k in z.files}
    out = io.BytesIO()
    npio.savez(out, **members)
    return stored, deflated, out.getvalue(), members


def rows(work, runs):
    """The memory rows, the thread rows."""
    import numpy as np
    import npio

    spdl = _spdl()
    stored, deflated, aligned, members = _archives(work)
    expected = _checksum(members)

    def every(z):
        return {k: z[k] for k in z.files}

    table = []
    for label, data, floor in [
        ("memory: stored npz written by NumPy, 56 MiB, every member (npio copies: unaligned)",
         stored, _member_views(stored)),
        ("memory: stored npz written by npio, 56 MiB, every member (aligned: views)",
         aligned, _member_views(aligned)),
        ("memory: deflated npz written by NumPy, every member via z[name]", deflated, None),
    ]:
        sides = {
            "npio": lambda d=data: every(npio.load(d)),
            "numpy": lambda d=data: every(np.load(io.BytesIO(d))),
        }
        if spdl is not None:
            sides["spdl"] = lambda d=data: dict(spdl.load_npz(d).items())
        if floor is not None:
            sides["floor"] = floor
        table.append(_measure(label, sides, runs, expected))
    table.append(_measure(
        "memory: io.BytesIO of the NumPy-written stored npz, every member (copies, as np.load)",
        {"npio": lambda: every(npio.load(io.BytesIO(stored))),
         "numpy": lambda: every(np.load(io.BytesIO(stored)))},
        runs, expected))
    rng = np.random.default_rng(7)
    for size, text in [(4 << 20, "4 MiB"), (48 << 10, "48 KiB")]:
        array = rng.standard_normal(size // 8)
        data = npio.dumps(array)
        sides = {
            "npio": lambda d=data: npio.loads(d),
            "numpy": lambda d=data: np.load(io.BytesIO(d)),
        }
        if spdl is not None:
            sides["spdl"] = lambda d=data: spdl.load_npy(d)
        sides["floor"] = lambda d=data, n=array.size: np.frombuffer(d, "<f8", n, 128).reshape((n,))
        table.append(_measure(f"memory: loads of a {text} .npy (views)", sides, runs,
                              _checksum({"": array})))
    return table, thread_rows(deflated, runs, expected)


def thread_rows(deflated, runs, expected):
    """Every member of the deflated archive, one task per member, on 1 and on 2 threads."""
    import numpy as np
    import npio

    def pooled(open_archive, threads):
        def run():
            z = open_archive()
            with ThreadPoolExecutor(threads) as pool:
                return dict(zip(z.files, pool.map(z.__getitem__, z.files)))
        return run

    out = []
    for side, opener in [("npio", lambda: npio.load(deflated)),
                         ("numpy", lambda: np.load(io.BytesIO(deflated)))]:
        if side == "numpy":
            # np.load's NpzFile shares one file position between threads: each thread opens
            # the archive itself.
            def opener_threads(threads):
                def run():
                    names = np.load(io.BytesIO(deflated)).files
                    with ThreadPoolExecutor(threads) as pool:
                        got = pool.map(lambda n: np.load(io.BytesIO(deflated))[n], names)
                        return dict(zip(names, got))
                return run
            sides = {"1 thread": opener_threads(1), "2 threads": opener_threads(2)}
        else:
            sides = {"1 thread": pooled(opener, 1), "2 threads": pooled(opener, 2)}
        out.append(_measure(f"threads: {side}, deflated npz, every member from a thread pool",
                            sides, runs, expected))
    return out


def spread(values):
    med = statistics.median(values)
    unit, scale = ("ms", 1e3) if med >= 1e-3 else ("µs", 1e6)
    return f"{med * scale:.2f} {unit} ({min(values) * scale:.2f}-{max(values) * scale:.2f})"


def print_tables(table, threads):
    print("\nin one process, sides taking turns: median (min-max); x = the other side's median / npio's\n")
    print("| operation | npio | NumPy | SPDL | floor | NumPy x | SPDL x |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for label, samples in table:
        med = {s: statistics.median(v) for s, v in samples.items() if v}

        def cell(s):
            return spread(samples[s]) if samples.get(s) else "-"

        def ratio(s):
            return f"{med[s] / med['npio']:.2f}" if s in med else "-"
        print(f"| {label} | {cell('npio')} | {cell('numpy')} | {cell('spdl')} | {cell('floor')} "
              f"| {ratio('numpy')} | {ratio('spdl')} |")
    print("\n| threads | 1 thread | 2 threads | speed-up |")
    print("|---|---:|---:|---:|")
    for label, samples in threads:
        one, two = (statistics.median(samples[k]) for k in ("1 thread", "2 threads"))
        print(f"| {label} | {spread(samples['1 thread'])} | {spread(samples['2 threads'])} "
              f"| {one / two:.2f} |")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--work", type=Path, default=Path("/tmp/npio-compare"))
    args = parser.parse_args()
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import compare

    compare.make_inputs(args.work, 64)
    print_tables(*rows(args.work, args.runs))


if __name__ == "__main__":
    main()
