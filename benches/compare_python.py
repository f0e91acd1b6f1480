"""The Python package's rows of benches/compare.py: `import npio` against NumPy.

Each measurement is one operation in a fresh Python process, timed around the operation only
(interpreter start-up and imports excluded); the two sides take turns, each timed run follows
an untimed run of the same side, reads print checksums that must agree, and written archives
are loaded back by NumPy and compared with the input.

Imports are excluded with what they leave running: `import numpy` loads OpenBLAS, whose worker
threads spin for about 0.1 s before they sleep, taking one of this machine's two cores from
anything multi-threaded that starts at once (npio's pool; NumPy's single-threaded loaders do not
notice). Each side therefore waits `NPIO_COMPARE_SETTLE` seconds (default 0.25) after its
imports before the timed operation; `NPIO_COMPARE_SETTLE=0` measures straight after the imports.
"""
import os
import statistics
import subprocess
import sys
import time

ROWS = [
    ("python: savez_compressed, mixed 56 MiB", "savez-compressed", "mixed_stored.npz"),
    ("python: savez_compressed codec='zstd' (NumPy: deflate), mixed 56 MiB", "savez-zstd",
     "mixed_stored.npz"),
    ("python: load every member, deflated mixed 4 members", "load-all", "mixed_deflated.npz"),
    ("python: load every member, zstd mixed 4 members (NumPy: deflated)", "load-all-zstd",
     "mixed_deflated.npz"),
    ("python: load one deflated 64 MiB member", "load-all", "one_deflated.npz"),
    ("python: load .npy {mib} MiB f64", "load-npy", "big.npy"),
    ("python: mmap_mode='r' of a stored 16 MiB npz member", "mmap-member", "mixed_stored.npz"),
    ("python: every member by z[name] (the drop-in), deflated mixed 4 members", "load-each",
     "mixed_deflated.npz"),
    ("python: save .npy {mib} MiB f64", "save-npy", "big.npy"),
    ("python: dumps of a 4 MiB f64 array, per call (NumPy: np.save to BytesIO)", "dumps",
     "big.npy"),
]
# Calls of `dumps` per timed run (one call is ~0.1 ms: the median of many is steadier).
DUMPS_CALLS = 100
SIDES = ["npio", "numpy"]


def child(side, op, inp, out, checksum, members_checksum):
    """Runs one operation in this (fresh) process and prints `seconds checksum`."""
    import numpy as np

    lib = np
    if side == "npio":
        import npio as lib
    time.sleep(float(os.environ.get("NPIO_COMPARE_SETTLE", "0.25")))
    members = array = None
    if op in ("savez-compressed", "savez-zstd"):
        with np.load(inp) as d:
            members = {k: d[k] for k in d.files}
    if op == "save-npy":
        array = np.load(inp)
    if op == "dumps":
        array = np.load(inp, mmap_mode="r")[: 1 << 19].copy()  # 4 MiB
    if op == "load-all-zstd" and side == "npio":
        inp = zstd_twin(inp)
    start = time.perf_counter()
    if op in ("load-all", "load-all-zstd"):
        with lib.load(inp) as d:
            result = d.read_all() if side == "npio" else {k: d[k] for k in d.files}
    elif op == "load-each":
        with lib.load(inp) as d:
            result = {k: d[k] for k in d.files}
    elif op == "load-npy":
        result = lib.load(inp)
    elif op == "save-npy":
        result = lib.save(out, array)
    elif op == "dumps" and side == "npio":
        for _ in range(DUMPS_CALLS):
            result = lib.dumps(array)
    elif op == "dumps":
        import io

        for _ in range(DUMPS_CALLS):
            buf = io.BytesIO()
            np.save(buf, array)
            result = buf.getvalue()
    elif op == "mmap-member":
        result = lib.load(inp, mmap_mode="r")["walk"]  # NumPy cannot map members: it reads
    elif op == "savez-compressed":
        result = lib.savez_compressed(out, **members)
    elif op == "savez-zstd" and side == "npio":
        result = lib.savez_compressed(out, codec="zstd", **members)
    elif op == "savez-zstd":
        result = lib.savez_compressed(out, **members)
    else:
        sys.exit(3)
    seconds = time.perf_counter() - start
    if op == "dumps":
        seconds /= DUMPS_CALLS
    if op in ("load-all", "load-all-zstd", "load-each"):
        check = ",".join(f"{k}={checksum(v)}" for k, v in result.items())
    elif op in ("load-npy", "mmap-member"):
        check = checksum(result)
    elif op == "dumps":
        check = checksum(np.load(__import__("io").BytesIO(result)))
    else:
        check = ""
    del result
    print(f"{seconds:.6f} {check}")


def zstd_twin(path):
    """The zstd archive with the same members as the deflated archive `path` (npio writes it)."""
    return path.with_name(path.stem + "_zstd.npz") if hasattr(path, "stem") else \
        path[: -len(".npz")] + "_zstd.npz"


def _load_written(path, members_checksum):
    """The checksum of an archive a side wrote, loaded by NumPy (zstd members through
    backports.zstd's zipfile, which Python 3.14's own is; else through npio)."""
    import numpy as np

    try:
        from backports.zstd import zipfile as zstd_zipfile
    except ImportError:
        zstd_zipfile = None
    saved = sys.modules.get("zipfile")
    if zstd_zipfile is not None:
        sys.modules["zipfile"] = zstd_zipfile
    try:
        with np.load(path) as d:
            return members_checksum(d)
    except NotImplementedError:  # zstd without a zipfile that knows it
        import npio

        with npio.load(path) as d:
            return members_checksum(d)
    finally:
        sys.modules["zipfile"] = saved


def _run(side, op, inp, out):
    cmd = [sys.executable, os.path.join(os.path.dirname(__file__), "compare.py"),
           "--python", side, op, str(inp), str(out)]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    seconds, _, check = proc.stdout.strip().partition(" ")
    return float(seconds), check


def available():
    """True when the npio Python package is installed (pip install ./python)."""
    proc = subprocess.run([sys.executable, "-c", "import npio, npio._npio"], capture_output=True)
    return proc.returncode == 0


def rows(work, runs, mib, only, members_checksum):
    """`(label, {side: [seconds]}, sizes)` for each Python row."""
    import numpy as np

    table = []
    for label, op, name in ROWS:
        label = label.format(mib=mib)
        if only and only not in label:
            continue
        inp = work / name
        samples = {side: [] for side in SIDES}
        sizes = {}
        seen = None
        expected = None
        if op in ("savez-compressed", "savez-zstd"):
            with np.load(inp) as d:
                expected = members_checksum(d)
        if op == "load-all-zstd" and not zstd_twin(inp).exists():
            import npio

            with np.load(inp) as d:
                npio.savez_compressed(zstd_twin(inp), codec="zstd", **{k: d[k] for k in d.files})
            sizes = {"npio": zstd_twin(inp).stat().st_size, "numpy": inp.stat().st_size}
        for run in range(runs):
            for side in SIDES[run % 2:] + SIDES[:run % 2]:
                out = work / f"out-py-{side}{'.npy' if op == 'save-npy' else '.npz'}"
                _run(side, op, inp, out)  # untimed: same memory state for both sides
                if out.exists():
                    out.unlink()
                    os.sync()
                seconds, check = _run(side, op, inp, out)
                samples[side].append(seconds)
                if check:
                    seen = seen or (side, check)
                    if check != seen[1]:
                        raise SystemExit(f"{label}: {side} read {check[:200]}, {seen[0]} read {seen[1][:200]}")
                if out.exists():
                    if run == 0 and op == "save-npy":
                        if out.read_bytes() != inp.read_bytes():  # np.save wrote `inp`
                            raise SystemExit(f"{label}: {side} wrote other bytes than np.save")
                    elif run == 0:
                        got = _load_written(out, members_checksum)
                        if got != expected:
                            raise SystemExit(f"{label}: {side} wrote {got[:200]}, expected {expected[:200]}")
                    sizes[side] = out.stat().st_size
                    out.unlink()
        table.append((label, samples, sizes))
        print(f"done: {label} (medians: " + ", ".join(
            f"{s} {statistics.median(v) * 1e3:.1f} ms" for s, v in samples.items()) + ")", file=sys.stderr)
    return table
