"""The Dask example converts a small folder on a LocalCluster of worker processes."""

import pathlib
import subprocess
import sys

import numpy as np

EXAMPLE = pathlib.Path(__file__).resolve().parents[1] / "examples" / "dask_convert.py"


def test_dask_example_converts_a_folder(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    rng = np.random.default_rng(1)
    expected = {}
    for i in range(6):
        arrays = {"w": rng.normal(size=(50, 20)).astype("<f4"), "i": np.arange(i * 100)}
        np.savez(src / f"a{i}.npz", **arrays)
        expected[f"a{i}.npz"] = arrays
    (src / "notes.txt").write_text("not an archive")  # not *.npz: left alone
    # What a worker killed mid-task left (its process is gone): the retried task removes it.
    dst.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (dst / f".a1.npz.partial-{dead}-0badc0de").write_bytes(b"")
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), str(src), str(dst), "--workers", "2"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    assert "6 converted, 0 failed" in run.stdout
    # Only outputs: no temporary file is left, and none ever matched *.npz.
    assert sorted(p.name for p in dst.iterdir()) == sorted(expected)
    for name, arrays in expected.items():
        with np.load(dst / name) as npz:
            assert npz.files == list(arrays)
            for key, array in arrays.items():
                assert npz[key].dtype == array.dtype and (npz[key] == array).all()
    # A second run refuses to overwrite, and says so.
    again = subprocess.run(
        [sys.executable, str(EXAMPLE), str(src), str(dst)], capture_output=True, text=True,
        timeout=300,
    )
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr


def test_dask_example_fails_on_members_it_would_lose(tmp_path):
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    import zipfile

    np.savez(src / "mixed.npz", a=np.ones(2))
    with zipfile.ZipFile(src / "mixed.npz", "a") as archive:
        archive.writestr("notes.txt", b"not an array")
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), str(src), str(dst), "--workers", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert run.returncode == 1
    assert "notes.txt" in run.stderr and "0 converted, 1 failed" in run.stdout
    assert not any(dst.iterdir())
