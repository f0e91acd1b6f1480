"""The CLI at scale (issue 16): whole `npio` commands against NumPy doing the same work, with the
physical floor beside the rows that have one. Imported by benches/compare.py (`--only scale`).

Inputs (written once by NumPy, kept in the page cache):
- `ckpt_deflated.npz`: a checkpoint of 200 float32 tensors (noise, ~373 MB, ~347 MB deflated)
  from `np.savez_compressed`, and `ckpt_stored.npz`, the same from `np.savez`;
- `mixed64_stored.npz`: a mixed 64 MiB archive (random walk, integers, sparse, image);
- `small300/`: 300 small `np.savez` archives.

npio's side is a whole command (process start-up, and the syncs before outputs are put in
place, included); NumPy's side is a Python loop timed inside the process (interpreter start-up
and import excluded). Each timed run follows an untimed run of the same command, as in
compare.py. Every output is loaded back with NumPy and compared with the input on the first run.
The floors: for the unpack, `dd` writing as many bytes as the unpacked folder holds (with
`conv=fsync`, as npio syncs before putting outputs in place); for verify, libdeflate inflating
every member from memory on every core into buffers faulted in beforehand, without CRCs
(`examples/compare.rs floor npz-inflate`); for the batch, Python creating, writing and
renaming 300 files of the compressed size, then a sync. The batch writes every run into a new
folder (see `run_case`) and, when measuring (more than one run), starts a minute after the rows
above deleted their outputs. Beside the batch row, NumPy's side is also given as a whole process
(interpreter start-up and `import numpy` included), as npio's side is and as the issue measured.
"""
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

CKPT_SHAPES = [(768, 2048)] * 50 + [(768, 384)] * 50 + [(768,)] * 100


def make_inputs(work):
    import numpy as np

    stamp = work / "scale-inputs-v1.done"
    if stamp.exists():
        return
    rng = np.random.default_rng(20261123)
    ckpt = {f"layer{i:03}.weight": rng.standard_normal(s, dtype=np.float32) for i, s in enumerate(CKPT_SHAPES)}
    np.savez_compressed(work / "ckpt_deflated.npz", **ckpt)
    np.savez(work / "ckpt_stored.npz", **ckpt)
    del ckpt
    sys.path.insert(0, str(Path(__file__).parent))
    from compare import mixed_members
    mixed = mixed_members(rng, image_rows=4096)
    np.savez(work / "mixed64_stored.npz", **mixed)
    small = work / "small300"
    shutil.rmtree(small, ignore_errors=True)
    small.mkdir()
    for i in range(300):
        np.savez(small / f"s{i:03}.npz", x=rng.standard_normal(1000),
                 y=np.arange(100, dtype=np.int32).reshape(10, 10))
    stamp.touch()


# NumPy's side of each case: argv[1] input, argv[2] output; prints the seconds of the work.
PY_HEAD = "import numpy as np, sys, time, pathlib\ninp, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])\n"
PY_CASES = {
    "unpack": "start = time.perf_counter()\nout.mkdir()\nwith np.load(inp) as d:\n"
              "    for k in d.files:\n        np.save(out / (k + '.npy'), d[k])\n",
    "verify": "start = time.perf_counter()\nwith np.load(inp) as d:\n"
              "    for k in d.files:\n        d[k]\n",
    "compress": "start = time.perf_counter()\nwith np.load(inp) as d:\n"
                "    np.savez_compressed(out, **{k: d[k] for k in d.files})\n",
    "batch": "start = time.perf_counter()\nfor f in sorted(inp.glob('*.npz')):\n"
             "    with np.load(f) as d:\n        np.savez_compressed(out / f.name, **{k: d[k] for k in d.files})\n",
}


def npio_command(npio_bin, case, inp, out, jobs=None):
    jobs = ["--jobs", str(jobs)] if jobs else []
    if case == "unpack":
        return [npio_bin, "convert", "--quiet", *jobs, inp, f"{out}/"]
    if case == "verify":
        return [npio_bin, "verify", inp]
    if case == "compress":
        return [npio_bin, "convert", "--quiet", "--compress", *jobs, inp, out]
    return [npio_bin, "convert", "--quiet", "--compress", *jobs, "--out-dir", out, *sorted(Path(inp).glob("*.npz"))]


def timed(cmd):
    """(wall seconds, CPU seconds) of one whole command."""
    start = time.perf_counter()
    proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(map(str, cmd))} failed: {proc.stderr.read().decode()}")
    return wall, usage.ru_utime + usage.ru_stime


def clear(path):
    if path.is_dir():
        shutil.rmtree(path)
    elif path.exists():
        path.unlink()


def checksums(path):
    """`name=checksum` of every array in an archive or a folder (or folder of archives)."""
    import numpy as np
    sys.path.insert(0, str(Path(__file__).parent))
    from compare import np_checksum, np_members_checksum
    if path.is_dir():
        parts = []
        for f in sorted(path.iterdir()):
            parts.append(f"{f.name}:" + (np_members_checksum(np.load(f)) if f.suffix == ".npz"
                                          else np_checksum(np.load(f))))
        return ",".join(parts)
    with np.load(path) as d:
        return np_members_checksum(d)


def expected(case, inp):
    """What NumPy sees in the input, in the form `checksums` gives for the output."""
    import numpy as np
    sys.path.insert(0, str(Path(__file__).parent))
    from compare import np_checksum
    if case == "unpack":
        with np.load(inp) as d:
            return ",".join(f"{k}.npy:{np_checksum(d[k])}" for k in sorted(d.files))
    return checksums(inp)


PY_FLOOR_FILES = (
    "import os, sys, time, pathlib\n"
    "inp, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])\n"
    "data = [(f.name, f.read_bytes()) for f in sorted(inp.glob('*.npz'))]\n"
    "start = time.perf_counter()\n"
    "for name, b in data:\n"
    "    tmp = out / ('.' + name + '.tmp')\n"
    "    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)\n"
    "    os.write(fd, b[: len(b) * 9 // 10]); os.close(fd); os.rename(tmp, out / name)\n"
    "os.sync()\n"
    "print(f'{time.perf_counter() - start:.6f}')\n"
)


def floor_seconds(case, inp, out, floor_bytes, compare_bin):
    """One run of the case's floor (see the module docstring), or None where there is none."""
    if case == "unpack":
        out.mkdir()
        return timed(["dd", "if=/dev/zero", f"of={out / 'floor.bin'}", "bs=1M",
                      f"count={floor_bytes >> 20}", "conv=fsync"])[0]
    if case == "verify":
        proc = subprocess.run([str(compare_bin), "floor", "npz-inflate", str(inp)],
                              capture_output=True, text=True, check=True)
        return float(proc.stdout.split()[0])
    if case == "batch":
        proc = subprocess.run([sys.executable, "-c", PY_FLOOR_FILES, str(inp), str(out)],
                              capture_output=True, text=True, check=True)
        return float(proc.stdout)
    return None


def run_case(case, inp, out, npio_bin, runs, floor_bytes=0, compare_bin=None):
    samples = {"npio": [], "numpy": [], "floor": []}
    # NumPy as a whole process too (interpreter start-up and `import numpy` included, as npio's
    # side is): how the issue measured; reported beside the batch row.
    numpy_process = []
    cpu = []
    want = None if case == "verify" else expected(case, inp)
    py = PY_HEAD + PY_CASES[case] + "print(f'{time.perf_counter() - start:.6f}')\n"
    # The batch writes each run into a new folder and removes them all at the end: on a file
    # system without a journal (as here), ext4 skips inodes freed in the last minute when it
    # creates files, so deleting 300 outputs before each run would make the next run's creates
    # slower and slower (for every tool alike), measuring the benchmark's own clean-up.
    batch_dirs = []
    base_out = out
    for run in range(runs):
        for tool in ("npio", "numpy", "floor") if run % 2 == 0 else ("floor", "numpy", "npio"):
            if tool == "floor" and case not in ("unpack", "verify", "batch"):
                continue
            for timed_run in (False, True):
                if case == "batch":
                    out = base_out.with_name(f"{base_out.name}-{run}-{tool}-{int(timed_run)}")
                    clear(out)
                    out.mkdir()
                    batch_dirs.append(out)
                else:
                    clear(out)
                os.sync()  # no run pays for another's dirty pages
                if tool == "npio":
                    wall, used = timed(npio_command(npio_bin, case, inp, out))
                    if timed_run:
                        samples["npio"].append(wall)
                        cpu.append(used / wall)
                elif tool == "numpy":
                    started = time.perf_counter()
                    proc = subprocess.run([sys.executable, "-c", py, str(inp), str(out)],
                                          capture_output=True, text=True, check=True)
                    if timed_run:
                        samples["numpy"].append(float(proc.stdout))
                        numpy_process.append(time.perf_counter() - started)
                else:
                    seconds = floor_seconds(case, inp, out, floor_bytes, compare_bin)
                    if timed_run:
                        samples["floor"].append(seconds)
                if timed_run and run == 0 and want is not None and tool != "floor":
                    got = checksums(out)
                    if got != want:
                        raise SystemExit(f"scale {case}: {tool} wrote {got[:200]}, expected {want[:200]}")
    sizes = {}
    if case == "compress":
        for tool, cmd in (("npio", npio_command(npio_bin, case, inp, out)),
                          ("numpy", [sys.executable, "-c", py, str(inp), str(out)])):
            clear(out)
            subprocess.run([str(c) for c in cmd], check=True, capture_output=True)
            sizes[tool] = out.stat().st_size
    clear(out)
    for folder in batch_dirs:
        clear(folder)
    samples["numpy-process"] = numpy_process
    return samples, sizes, cpu


def unpacked_bytes(inp):
    import numpy as np
    with np.load(inp) as d:
        return sum(d[k].nbytes + 128 for k in d.files)


def rows(work, runs, npio_bin, compare_bin):
    """The table rows of the scale cases (see the module docstring)."""
    make_inputs(work)
    for f in list(work.glob("ckpt_*.npz")) + [work / "mixed64_stored.npz"]:
        f.read_bytes()  # warm the page cache
    out = work / "scale-out"
    table = []
    ckpt, stored = work / "ckpt_deflated.npz", work / "ckpt_stored.npz"
    samples, _, cpu = run_case("unpack", ckpt, out, npio_bin, runs, unpacked_bytes(ckpt), compare_bin)
    table.append(("scale: unpack 347 MB deflated checkpoint (200 f32 tensors) to a folder; "
                  "floor = dd of the same bytes + fsync", samples, f"npio CPU {statistics.median(cpu):.0%}"))
    samples, _, cpu = run_case("verify", ckpt, out, npio_bin, runs, compare_bin=compare_bin)
    table.append(("scale: verify that checkpoint vs np.load of every member; floor = libdeflate "
                  "inflate of every member from memory on every core", samples,
                  f"npio CPU {statistics.median(cpu):.0%}"))
    samples, sizes, _ = run_case("compress", work / "mixed64_stored.npz", out.with_suffix(".npz"), npio_bin, runs)
    table.append(("scale: convert --compress, mixed 64 MiB stored npz", samples, sizes))
    samples, sizes, _ = run_case("compress", stored, out.with_suffix(".npz"), npio_bin, runs)
    table.append(("scale: convert --compress, stored checkpoint (f32 noise)", samples, sizes))
    cpu1 = []
    for _ in range(runs):
        clear(out.with_suffix(".npz"))
        wall, used = timed(npio_command(npio_bin, "compress", stored, out.with_suffix(".npz"), jobs=1))
        cpu1.append((wall, used / wall))
    clear(out.with_suffix(".npz"))
    table.append(("scale: convert --jobs 1 --compress, stored checkpoint (npio alone)",
                  {"npio": [w for w, _ in cpu1]}, f"npio CPU {statistics.median(c for _, c in cpu1):.0%} (target <= 100%)"))
    if runs > 1:
        # Creating files right after thousands were deleted (by the rows above) is slower for a
        # minute or so on this file system (see run_case); the batch starts once that has passed.
        os.sync()
        time.sleep(65)
    samples, _, _ = run_case("batch", work / "small300", out, npio_bin, runs, compare_bin=compare_bin)
    whole = samples.pop("numpy-process")
    note = (f"NumPy as a whole process (start-up and import included, as npio's side and as the "
            f"issue measured): {statistics.median(whole) * 1e3:.0f} ms "
            f"({min(whole) * 1e3:.0f}-{max(whole) * 1e3:.0f}), "
            f"x = {statistics.median(whole) / statistics.median(samples['npio']):.2f}")
    table.append(("scale: 300 small npz -> compressed npz, convert --out-dir vs NumPy loop; floor = "
                  "creating, writing and renaming 300 files of the output's size, then a sync",
                  samples, note))
    return table
