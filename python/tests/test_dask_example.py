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


def test_dask_example_converts_objects_in_s3():
    """Inputs listed in and read from the S3 server, outputs uploaded to it (configured by the
    environment, which the workers inherit), checked by NumPy."""
    import io
    import os
    import uuid
    import zipfile

    import npio
    from test_remote import _server

    endpoint = _server("NPIO_TEST_S3_ENDPOINT")
    bucket = os.environ.get("NPIO_TEST_S3_BUCKET", "npio-test")
    config = {
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ALLOW_HTTP": "true",
        "AWS_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "npio",
        "AWS_SECRET_ACCESS_KEY": "npio",
    }
    env = {**os.environ, **config}
    options = {k.lower(): v for k, v in config.items()}
    run_id = uuid.uuid4().hex[:10]
    src, dst = f"s3://{bucket}/dask-{run_id}/in/", f"s3://{bucket}/dask-{run_id}/out/"
    rng = np.random.default_rng(2)
    expected = {}
    for i in range(4):
        arrays = {"w": rng.normal(size=(40, 10)).astype("<f8"), "i": np.arange(i * 50)}
        npio.savez(f"{src}a{i}.npz", storage_options=options, **arrays)
        expected[f"a{i}.npz"] = arrays
    npio.save(f"{src}not-an-archive.npy", np.ones(2), storage_options=options)  # left alone
    run = subprocess.run(
        [sys.executable, str(EXAMPLE), src, dst, "--workers", "2"],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert run.returncode == 0, run.stderr
    assert "4 converted, 0 failed" in run.stdout
    assert npio.listdir(dst, storage_options=options) == [dst + n for n in sorted(expected)]
    for name, arrays in expected.items():
        data = npio._npio.fetch_url(dst + name, options)
        with np.load(io.BytesIO(data)) as npz:
            assert npz.files == list(arrays)
            for key, array in arrays.items():
                assert npz[key].dtype == array.dtype and (npz[key] == array).all()
        with zipfile.ZipFile(io.BytesIO(data)) as archive:  # deflated, as the example writes
            assert all(i.compress_type == zipfile.ZIP_DEFLATED for i in archive.infolist())
    again = subprocess.run(
        [sys.executable, str(EXAMPLE), src, dst], capture_output=True, text=True, timeout=300,
        env=env,
    )
    assert again.returncode == 1 and "refusing to overwrite" in again.stderr
