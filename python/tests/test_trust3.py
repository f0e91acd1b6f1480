"""Trust, round 3 (the Python package): threads, maps, claims, pipes and the dtypes NumPy
writes that once failed here. Each case was wrong once."""

import io
import os
import subprocess
import sys
import textwrap
import zipfile
import zlib

import numpy as np
import pytest

import npio


def _run(code, timeout=120, **kwargs):
    """Runs Python `code` in a fresh interpreter (so a hang or a crash cannot take pytest)."""
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, timeout=timeout,
        **kwargs,
    )


def test_threads_reading_one_npz_file_finish(tmp_path):
    # Once: Archive.read held its lock across a release of the GIL; a second thread took the
    # GIL and waited for the lock: both stuck for good, and Ctrl-C could not break it.
    path = tmp_path / "many.npz"
    rng = np.random.default_rng(0)
    np.savez_compressed(path, **{f"m{i}": rng.integers(0, 50, 200_000) for i in range(8)})
    run = _run(f"""
        import threading, numpy as np, npio
        npz = npio.load({str(path)!r})
        expected = dict(np.load({str(path)!r}))
        errors = []
        def reader(k):
            try:
                for round in range(10):
                    for name in npz.files:
                        assert (npz[name] == expected[name]).all()
                    if k == 0 and round % 3 == 0:
                        assert npz.read_all().keys() == expected.keys()
                    assert not npz.closed
            except Exception as e:
                errors.append(e)
        threads = [threading.Thread(target=reader, args=(k,)) for k in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        assert not errors, errors
        npz.close()
        print("ok")
    """, timeout=120)
    assert run.returncode == 0 and b"ok" in run.stdout, run.stderr.decode()


def test_members_are_mapped_from_the_file_that_was_checked(tmp_path):
    path = tmp_path / "checkpoint.npz"
    npio.savez(path, x=np.arange(1000, dtype="<f8"))
    npz = npio.load(path, mmap_mode="r")
    # A checkpoint writer replaces the file atomically: same layout, other values.
    npio.savez(tmp_path / "next.npz", x=-np.arange(1000, dtype="<f8"))
    os.replace(tmp_path / "next.npz", path)
    x = npz["x"]
    assert isinstance(x, np.memmap)
    assert (x == np.arange(1000)).all(), "the old file's values, under its dtype and shape"
    npz.close()


def test_mapped_members_are_checked_against_their_crc(tmp_path):
    path = tmp_path / "damaged.npz"
    npio.savez(path, x=np.arange(1000, dtype="<f8"), y=np.ones(3))
    with npio.load(path) as npz:
        offset = npz._archive.map_info("x")[3]
    data = bytearray(path.read_bytes())
    data[offset + 8] ^= 0x10
    path.write_bytes(bytes(data))
    with pytest.raises(zipfile.BadZipFile):
        np.load(path, mmap_mode="r")["x"]  # NumPy refuses it too
    with npio.load(path, mmap_mode="r") as npz:
        with pytest.raises(ValueError, match="(?i)crc|checksum") as raised:
            npz["x"]
        assert "damaged.npz" in str(raised.value)
        assert isinstance(npz["y"], np.memmap)


def test_object_members_with_short_pickles_load_with_allow_pickle(tmp_path):
    # As SciPy's benchmark archives: 100 objects pickled in far fewer than 800 bytes.
    path = tmp_path / "bounds.npz"
    np.savez(path, bounds=np.array([None] * 100, dtype=object), x=np.arange(3))
    with npio.load(path) as npz:
        assert (npz["x"] == np.arange(3)).all()
        with pytest.raises(npio.PickleRequired):
            npz["bounds"]
    with npio.load(path, allow_pickle=True) as npz, np.load(path, allow_pickle=True) as ref:
        assert npz["bounds"].tolist() == ref["bounds"].tolist()


@pytest.mark.parametrize("dtype", ["S0", "U0", "V0"])
def test_zero_width_strings_match_numpy(dtype, tmp_path):
    array = np.ndarray((2, 3), dtype=dtype)
    buf = io.BytesIO()
    np.save(buf, array)
    assert npio.dumps(array) == buf.getvalue()
    for got in (npio.loads(buf.getvalue()), npio.load(io.BytesIO(buf.getvalue()))):
        assert got.dtype == array.dtype and got.shape == (2, 3)
    np.save(tmp_path / "z.npy", array)
    assert npio.load(tmp_path / "z.npy").dtype == np.load(tmp_path / "z.npy").dtype
    npio.savez(tmp_path / "z.npz", z=array)
    with np.load(tmp_path / "z.npz") as ref, npio.load(tmp_path / "z.npz") as ours:
        assert ours["z"].dtype == ref["z"].dtype and ours["z"].shape == ref["z"].shape


def test_pipes_are_read_as_streams(tmp_path):
    npy = npio.dumps(np.arange(5))
    buf = io.BytesIO()
    np.savez(buf, a=np.arange(3), b=np.ones(2))
    code = """
        import sys, npio
        value = npio.load("/dev/stdin")
        print(sorted(dict(value).items()) if hasattr(value, "files") else value.tolist())
    """
    run = _run(code, input=npy)
    assert run.returncode == 0, run.stderr.decode()
    assert run.stdout.decode().strip() == "[0, 1, 2, 3, 4]"
    run = _run(code, input=buf.getvalue())
    assert run.returncode == 0, run.stderr.decode()
    assert "'a'" in run.stdout.decode() and "'b'" in run.stdout.decode()


def test_a_member_claiming_far_more_than_it_holds_costs_no_memory_for_the_claim(tmp_path):
    # 1 MiB of incompressible data; the header and the zip entry claim 1 GiB.
    claim = 1 << 30
    dict_text = f"{{'descr': '|u1', 'fortran_order': False, 'shape': ({claim},), }}"
    header = dict_text.ljust(128 - 10 - 1) + "\n"
    npy = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode()
    body = npy + np.random.default_rng(0).integers(0, 256, 1 << 20, dtype=np.uint8).tobytes()
    deflate = zlib.compressobj(1, zlib.DEFLATED, -15)
    compressed = deflate.compress(body) + deflate.flush()
    path = tmp_path / "liar.npz"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", body)
    raw = bytearray(path.read_bytes())
    # Patch the declared size (local header at 22, central directory entry) to the claim.
    size = (len(npy) + claim).to_bytes(4, "little")
    raw[22:26] = size
    central = raw.rindex(b"PK\x01\x02")
    raw[central + 24:central + 28] = size
    path.write_bytes(bytes(raw))
    assert len(compressed) * 1032 > claim  # deflate could in principle expand that far
    # The peak RSS of the child's own memory (VmHWM starts again at exec; ru_maxrss does
    # not: it keeps the peak of the process that started it, here pytest's).
    run = _run(f"""
        import npio
        try:
            npio.load({str(path)!r})["x"]
            print("loaded")
        except ValueError as e:
            print("ValueError", e)
        with open("/proc/self/status") as status:
            print(next(int(l.split()[1]) for l in status if l.startswith("VmHWM:")) // 1024)
    """)
    out = run.stdout.decode().split("\n")
    assert run.returncode == 0, run.stderr.decode()
    assert out[0].startswith("ValueError") and "liar.npz" in out[0], out
    assert int(out[1]) < 300, f"peak RSS {out[1]} MiB for a 1 MiB member claiming 1 GiB"


def test_thread_bounds_reuse_pools_and_refuse_absurd_counts():
    import time

    def threads_now():
        return len(os.listdir("/proc/self/task"))

    if not os.path.isdir("/proc/self/task"):
        pytest.skip("counts threads through /proc")
    data = npio.dumps(np.arange(10))
    before = threads_now()
    for k in range(1, 61):
        npio.loads(data, threads=k)
    # Two pools are kept (59 + 60 threads); the 58 dropped ones end their threads shortly.
    # Without reuse and dropping, 1 + 2 + ... + 60 = 1,830 threads would stay.
    deadline = time.monotonic() + 10
    while threads_now() - before > 119 + 8 and time.monotonic() < deadline:
        time.sleep(0.05)
    grown = threads_now() - before
    assert grown <= 119 + 8, f"{grown} more threads after 60 thread counts (2 pools kept)"
    with pytest.raises(ValueError, match="from 1 to"):
        npio.loads(data, threads=20000)


def test_dir_shows_the_public_api_and_pickle_errors_say_how_to_allow_them(tmp_path):
    names = dir(npio)
    assert set(npio.__all__) <= set(names)
    for private in ("ast", "io", "np", "os", "zipfile", "Mapping", "annotations", "stat"):
        assert private not in names, private
    path = tmp_path / "o.npy"
    np.save(path, np.array([None, 1], dtype=object))
    with pytest.raises(npio.PickleRequired, match="allow_pickle=True"):
        npio.load(path)
