#!/usr/bin/env python3
"""npio against NumPy, ndarray-npy and npyz: the same files, side by side, in one run.

    python3 benches/compare.py [--mib 512] [--runs 5] [--work /tmp/npio-compare] [--only OP]

Every measurement is one operation in a fresh process (the Rust side is
`examples/compare.rs`, NumPy's side is this script with `--numpy`), timed inside the process
around the operation only; tools take turns within each round, and the table shows medians and
how many times faster npio is (`x` = other tool's median / npio's median, above 1 means npio
is faster). Each timed run directly follows an untimed run of the same tool and operation, so
that every tool works in the memory state its own previous run left (on a virtual machine,
memory that was freed a few seconds earlier is much slower to touch again, and that would
otherwise favour whichever tool happens to run right after a fast one). Input files are written once by NumPy and stay in the page cache (warm reads).
The Python rows (benches/compare_python.py, when `pip install ./python` was run) compare
`import npio` with NumPy in fresh processes. The CLI rows time whole commands (process start-up included) against Python doing the same
work (interpreter start-up and import excluded); the `scale:` rows (benches/compare_scale.py)
are the CLI on large checkpoints and batches of archives, with the write floor beside them; the
`remote` rows (benches/compare_remote.py) read from local HTTP and S3 servers; the `memory:`
and `threads:` tables (benches/compare_memory.py) read bytes in one process, against NumPy
and SPDL (`pip install spdl`).

Every tool does the same verified work: reads print a checksum (shape and CRC-32 of the values
in native byte order, C order) that must agree across tools, written files are loaded back with
NumPy and compared with the input (first run of each tool), every tool frees its result after
the timed region, and the big-endian read row ends, for every tool, with native-order values
(NumPy's np.load leaves `>f8` unswapped, so its side swaps in place inside the timed region).
The `floor` column is the physical floor of a read: positional reads on every core into a buffer
that is already faulted in (only the copy out of the page cache is left).
Each cell is the median over --runs runs with the spread (min-max) beside it.
"""
import argparse
import os
import zlib
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import compare_memory
import compare_python
import compare_remote
import compare_scale

ROOT = Path(__file__).resolve().parent.parent
TOOLS = ["npio", "numpy", "ndarray-npy", "npyz", "floor"]


def np_checksum(a):
    """`shape:crc32` of the values' native little-endian bytes in C order (as examples/compare.rs)."""
    import numpy as np

    a = np.ascontiguousarray(a)
    if a.dtype.byteorder == ">":
        a = a.astype(a.dtype.newbyteorder("<"))
    return "x".join(map(str, a.shape)) + f":{zlib.crc32(memoryview(a).cast('B')):08x}"


def np_members_checksum(d):
    return ",".join(f"{k}={np_checksum(d[k])}" for k in d.files)


def numpy_op(op, inp, out):
    """One NumPy operation, timed in this process; prints seconds and a checksum of reads."""
    import numpy as np

    if op in ("write", "write-strided", "npz-write", "npz-write-stored"):
        if op.startswith("npz"):
            with np.load(inp) as d:
                members = {k: d[k] for k in d.files}
        else:
            a = np.load(inp)
            if op == "write-strided":
                a = a[:, ::2]
    start = time.perf_counter()
    if op == "read":
        result = np.load(inp)
        if result.dtype.byteorder == ">":  # end with native values, as every tool does
            result.byteswap(inplace=True)
            result = result.view(result.dtype.newbyteorder("="))
    elif op == "mmap":
        result = np.load(inp, mmap_mode="r")
    elif op in ("write", "write-strided"):
        result = np.save(out, a)
    elif op == "npz-read":
        with np.load(inp) as d:
            result = {k: d[k] for k in d.files}
    elif op == "npz-write":
        result = np.savez_compressed(out, **members)
    elif op == "npz-write-stored":
        result = np.savez(out, **members)
    else:
        sys.exit(3)
    seconds = time.perf_counter() - start
    if op in ("read", "mmap"):
        check = np_checksum(result)
    elif op == "npz-read":
        check = ",".join(f"{k}={np_checksum(v)}" for k, v in result.items())
    else:
        check = ""
    del result
    print(f"{seconds:.6f} {check}")


def expected_output(op, inp):
    """The checksum a written file must have: NumPy's view of what was written."""
    import numpy as np

    if op.startswith("npz"):
        with np.load(inp) as d:
            return np_members_checksum(d)
    a = np.load(inp)
    return np_checksum(a[:, ::2] if op == "write-strided" else a)


def output_checksum(op, out):
    import numpy as np

    if op.startswith("npz"):
        with np.load(out) as d:
            return np_members_checksum(d)
    return np_checksum(np.load(out))


def mixed_members(rng, image_rows):
    """The mixed archive's members: random walk, integers, sparse floats, an image-like array."""
    import numpy as np

    n = 2 << 20
    return {
        "walk": np.cumsum(rng.standard_normal(n)),
        "ints": np.round(rng.standard_normal(n) * 1000).astype(np.float64),
        "sparse": np.where(rng.random(2 * n) < 0.05, rng.standard_normal(2 * n), 0).astype(np.float32),
        "image": (np.add.outer(np.arange(image_rows), np.arange(4096)) // 37 % 256
                  + rng.integers(0, 8, (image_rows, 4096))).astype(np.uint8),
    }


def make_inputs(work, mib):
    import numpy as np

    rng = np.random.default_rng(20261122)
    work.mkdir(parents=True, exist_ok=True)
    stamp = work / f"inputs-v2-{mib}.done"
    if stamp.exists():
        return
    cols = 512
    rows = mib * (1 << 20) // 8 // cols
    big = rng.standard_normal((rows, cols))
    np.save(work / "big.npy", big)
    np.save(work / "big_be.npy", big.astype(">f8"))
    del big
    mixed = mixed_members(rng, image_rows=2048)
    np.savez_compressed(work / "mixed_deflated.npz", **mixed)
    np.savez(work / "mixed_stored.npz", **mixed)
    np.savez_compressed(work / "one_deflated.npz", walk=np.cumsum(rng.standard_normal(8 << 20)))
    np.savez(work / "many_members.npz", *[rng.standard_normal(3) for _ in range(20_000)])
    small = work / "small"
    shutil.rmtree(small, ignore_errors=True)
    small.mkdir()
    for i in range(1000):
        np.savez(small / f"s{i:04}.npz", x=rng.standard_normal(100), y=np.arange(100, dtype=np.int32).reshape(10, 10))
    stamp.touch()


def run_one(tool, op, inp, out, binary):
    """(seconds, checksum) of one run, or None if the tool has no such operation."""
    if tool == "numpy":
        cmd = [sys.executable, __file__, "--numpy", op, str(inp), str(out)]
    else:
        cmd = [str(binary), tool, op, str(inp), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode == 3:
        return None
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    seconds, _, check = proc.stdout.strip().partition(" ")
    return float(seconds), check


def spread(values):
    """`median (min-max)` in ms."""
    def ms(v):
        return f"{v * 1e3:.3f}" if v < 0.01 else f"{v * 1e3:.0f}"
    m = statistics.median(values)
    return f"{ms(m)} ms ({ms(min(values))}-{ms(max(values))})" if len(values) > 1 else f"{ms(m)} ms"


def cli_row(work, runs, npio_bin):
    small = sorted((work / "small").glob("*.npz"))
    out = work / "small-out"
    py_loop = (
        "import numpy as np, sys, time, pathlib\n"
        "files = sorted(pathlib.Path(sys.argv[1]).glob('*.npz')); out = pathlib.Path(sys.argv[2])\n"
        "start = time.perf_counter()\n"
        "for f in files:\n"
        "    with np.load(f) as d:\n"
        "        np.savez(out / f.name, **{k: d[k] for k in d.files})\n"
        "print(f'{time.perf_counter() - start:.6f}')\n"
    )
    times = {"npio": [], "numpy": []}
    for _ in range(runs):
        for tool in ("npio", "numpy"):
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            if tool == "npio":
                start = time.perf_counter()
                subprocess.run([str(npio_bin), "convert", "--quiet", "--out-dir", str(out), *map(str, small)],
                               check=True, capture_output=True)
                times[tool].append(time.perf_counter() - start)
            else:
                proc = subprocess.run([sys.executable, "-c", py_loop, str(work / "small"), str(out)],
                                      capture_output=True, text=True, check=True)
                times[tool].append(float(proc.stdout))
            # Same work on both sides: every output holds what its input holds.
            if len(times[tool]) == 1:
                import numpy as np
                for f in small:
                    with np.load(f) as a, np.load(out / f.name) as b:
                        if np_members_checksum(a) != np_members_checksum(b):
                            raise SystemExit(f"CLI row: {tool} wrote {out / f.name} wrong")
    shutil.rmtree(out, ignore_errors=True)
    return times


def many_members_rows(work, runs, npio_bin):
    """`npio info --json` and `npio verify` of a 20,000-member np.savez archive (whole
    commands) against NumPy reading every member (interpreter start-up and import excluded)."""
    archive = work / "many_members.npz"
    py_read = (
        "import numpy as np, sys, time\n"
        "start = time.perf_counter()\n"
        "with np.load(sys.argv[1]) as d:\n"
        "    arrays = [d[k] for k in d.files]\n"
        "assert len(arrays) == 20000\n"
        "print(f'{time.perf_counter() - start:.6f}')\n"
    )
    times = {"info": [], "verify": [], "numpy": []}
    for _ in range(runs):
        for cmd in ("info", "verify"):
            args = [str(npio_bin), cmd, *(["--json"] if cmd == "info" else []), str(archive)]
            start = time.perf_counter()
            subprocess.run(args, check=True, capture_output=True)
            times[cmd].append(time.perf_counter() - start)
        proc = subprocess.run([sys.executable, "-c", py_read, str(archive)],
                              capture_output=True, text=True, check=True)
        times["numpy"].append(float(proc.stdout))
    return [
        ("CLI: info --json, 20,000-member npz vs np.load of every member",
         {"npio": times["info"], "numpy": times["numpy"]}, {}),
        ("CLI: verify, 20,000-member npz vs np.load of every member",
         {"npio": times["verify"], "numpy": times["numpy"]}, {}),
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--numpy", nargs=3, metavar=("OP", "INPUT", "OUTPUT"), help=argparse.SUPPRESS)
    parser.add_argument("--mib", type=int, default=512, help="size of the .npy inputs in MiB")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=Path("/tmp/npio-compare"))
    parser.add_argument("--only", help="run only rows whose label contains this")
    parser.add_argument("--python", nargs=4, metavar=("SIDE", "OP", "INPUT", "OUTPUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.numpy:
        numpy_op(*args.numpy)
        return
    if args.python:
        compare_python.child(*args.python, np_checksum, np_members_checksum)
        return

    subprocess.run(["cargo", "build", "--quiet", "--release", "--example", "compare", "--bin", "npio"],
                   cwd=ROOT, check=True)
    binary = ROOT / "target/release/examples/compare"
    npio_bin = ROOT / "target/release/npio"
    work = args.work
    make_inputs(work, args.mib)
    rows = [
        (f"read .npy {args.mib} MiB f64 (native)", "read", "big.npy"),
        (f"read .npy {args.mib} MiB f64 (big-endian)", "read", "big_be.npy"),
        (f"write .npy {args.mib} MiB f64", "write", "big.npy"),
        (f"write .npy {args.mib // 2} MiB f64 (strided view)", "write-strided", "big.npy"),
        (f"open memory map {args.mib} MiB", "mmap", "big.npy"),
        ("write npz deflated, mixed 56 MiB", "npz-write", "mixed_stored.npz"),
        ("write npz stored, mixed 56 MiB", "npz-write-stored", "mixed_stored.npz"),
        ("read npz deflated, one 64 MiB member", "npz-read", "one_deflated.npz"),
        ("read npz deflated, mixed 4 members", "npz-read", "mixed_deflated.npz"),
        ("read npz stored, mixed 4 members", "npz-read", "mixed_stored.npz"),
    ]
    if args.only:
        rows = [r for r in rows if args.only in r[0]]
    for f in work.glob("*.npy"):
        f.read_bytes()  # warm the page cache
    table = []
    for label, op, name in rows:
        inp = work / name
        samples = {t: [] for t in TOOLS}
        sizes = {}
        writes = op.startswith("write") or op.startswith("npz-write")
        expected = expected_output(op, inp) if writes else None
        seen = None  # the first read checksum: every tool must agree with it
        for run in range(args.runs):
            for tool in TOOLS[run % len(TOOLS):] + TOOLS[:run % len(TOOLS)]:  # take turns first
                out = work / f"out-{tool}{inp.suffix}"
                # Each timed run follows an untimed run of the same tool: every tool starts from
                # the memory its own last run freed (see docs/PERFORMANCE.md, "memory state").
                if run_one(tool, op, inp, out, binary) is None:
                    continue
                if out.exists():
                    out.unlink()
                if writes:
                    os.sync()  # no tool pays for another's dirty pages
                seconds, check = run_one(tool, op, inp, out, binary)
                samples[tool].append(seconds)
                if check:
                    seen = seen or (tool, check)
                    if check != seen[1]:
                        raise SystemExit(f"{label}: {tool} read {check[:200]}, {seen[0]} read {seen[1][:200]}")
                if out.exists():
                    if run == 0:
                        got = output_checksum(op, out)
                        if got != expected:
                            raise SystemExit(f"{label}: {tool} wrote {got[:200]}, expected {expected[:200]}")
                    sizes[tool] = out.stat().st_size
                    out.unlink()
        table.append((label, samples, sizes if op == "npz-write" else {}))
        print(f"done: {label}", file=sys.stderr)
    if not args.only or "CLI" in args.only:
        cli = cli_row(work, args.runs, npio_bin)
        table.append(("CLI: 1,000 small npz, convert --out-dir vs Python loop", cli, {}))
        table.extend(many_members_rows(work, args.runs, npio_bin))
    if not args.only or "scale" in args.only:
        table.extend(compare_scale.rows(work, args.runs, npio_bin, binary))
    memory = None
    if compare_python.available():
        table.extend(compare_python.rows(work, args.runs, args.mib, args.only, np_members_checksum))
        if not args.only or "memory" in args.only or "threads" in args.only:
            memory = compare_memory.rows(work, args.runs)
        if not args.only or "remote" in args.only:
            table.extend(compare_remote.rows(work, args.runs, min(args.mib, 64), None,
                                             np_members_checksum, np_checksum))
    else:
        print("the npio Python package is not installed (pip install ./python): no Python rows",
              file=sys.stderr)

    print(f"\n{args.runs} fresh-process runs per cell: median (min-max); x = other tool's median / npio's median;"
          " every tool's output checked (see the script's docstring)\n")
    print("| operation | npio | NumPy | ndarray-npy | npyz | floor | NumPy x | ndarray-npy x | npyz x |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for label, samples, sizes in table:
        med = {t: statistics.median(v) for t, v in samples.items() if v}

        def cell(t):
            return spread(samples[t]) if samples.get(t) else "-"

        def ratio(t):
            return "-" if t not in med or not med.get("npio") else f"{med[t] / med['npio']:.2f}"
        print(f"| {label} | {cell('npio')} | {cell('numpy')} | {cell('ndarray-npy')} | {cell('npyz')} "
              f"| {cell('floor')} | {ratio('numpy')} | {ratio('ndarray-npy')} | {ratio('npyz')} |")
        if isinstance(sizes, str):
            print(f"|  {sizes} | | | | | | | | |")
        elif sizes and len(sizes) > 1:
            base = sizes.get("numpy")
            desc = ", ".join(f"{t} {s / 1e6:.2f} MB" + (f" ({s / base:.3f}x NumPy)" if base else "")
                             for t, s in sizes.items())
            print(f"|  output sizes: {desc} | | | | | | | | |")

    if memory is not None:
        compare_memory.print_tables(*memory)


if __name__ == "__main__":
    main()
