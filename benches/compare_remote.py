"""The object-storage rows of benches/compare.py: `npio.load(url)` against downloading the
object and calling `np.load`, with the plain download (the floor) beside them.

Two local servers stand in for object storage: `.ci/range_server.py` (HTTP with `Range`,
ETag; it serves the work folder) and moto's S3 server (`moto_server`, from `pip install
"moto[server]"`; taken from `NPIO_TEST_S3_ENDPOINT` when `.ci/servers.sh` started one, else
started here, else its rows are left out). Note that moto reads the whole object for every
range request, so its rows overstate what each request costs on a real store; the HTTP rows do
not have that cost.

Measured in one process, the sides taking turns, each timed run after an untimed one of the
same side; both sides produce the same arrays (checked on the first run). `numpy` downloads the
whole object (one GET) and loads from memory, as users without range reads do; `floor` is the
least transfer the operation needs: one GET of the whole object, or, for one member, one range
GET of that member's bytes.
"""
import io
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUCKET = "npio-compare"
S3_OPTIONS = {"aws_allow_http": True, "aws_region": "us-east-1",
              "aws_access_key_id": "npio", "aws_secret_access_key": "npio"}


def _get(url, byte_range=None):
    request = urllib.request.Request(url)
    if byte_range is not None:
        request.add_header("Range", f"bytes={byte_range[0]}-{byte_range[1] - 1}")
    with urllib.request.urlopen(request) as response:
        return response.read()


def _wait(url):
    for _ in range(300):
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"{url} did not answer")


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Servers:
    """The HTTP server over `folder`, and an S3 server (moto) when one can be had."""

    def __init__(self, folder):
        self.procs = []
        port_file = Path(tempfile.mkdtemp()) / "port"
        self.procs.append(subprocess.Popen(
            [sys.executable, str(ROOT / ".ci/range_server.py"), str(folder), str(port_file)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        for _ in range(300):
            if port_file.exists():
                break
            time.sleep(0.05)
        self.http = f"http://127.0.0.1:{port_file.read_text()}"
        self.s3 = os.environ.get("NPIO_TEST_S3_ENDPOINT")
        if not self.s3 and shutil.which("moto_server"):
            port = _free_port()
            self.procs.append(subprocess.Popen(
                ["moto_server", "-H", "127.0.0.1", "-p", str(port)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
            self.s3 = f"http://127.0.0.1:{port}"
        _wait(f"{self.http}/")
        if self.s3:
            _wait(self.s3)
            urllib.request.urlopen(urllib.request.Request(f"{self.s3}/{BUCKET}", method="PUT"))

    def close(self):
        for proc in self.procs:
            proc.send_signal(signal.SIGTERM)
            proc.wait()


def _member_range(path, name):
    """The byte range of a stored member's data in the archive at `path`."""
    with zipfile.ZipFile(path) as z, open(path, "rb") as f:
        info = z.getinfo(name)
        f.seek(info.header_offset + 26)
        n, m = int.from_bytes(f.read(2), "little"), int.from_bytes(f.read(2), "little")
        start = info.header_offset + 30 + n + m
        return start, start + info.compress_size


def _measure(sides, runs, check):
    """Medians per side (taking turns; an untimed run first), `check` on each first result."""
    times = {name: [] for name in sides}
    for run in range(runs):
        order = list(sides.items())
        order = order[run % len(order):] + order[:run % len(order)]
        for name, op in order:
            first = op()
            if run == 0:
                check(name, first)
            del first
            start = time.perf_counter()
            result = op()
            times[name].append(time.perf_counter() - start)
            del result
    return times


def rows(work, runs, mib, only, members_checksum, checksum):
    """The remote rows, for compare.py's table."""
    import numpy as np

    try:
        import npio
    except ImportError:
        print("the npio Python package is not installed: no remote rows", file=sys.stderr)
        return []
    folder = work / "remote"
    folder.mkdir(exist_ok=True)
    count = 64
    member = max(mib, 8) * (1 << 20) // 8 // count * 8  # bytes per member: the archive is `mib`
    archive = folder / "members.npz"
    np.savez(archive, **{f"m{i:02d}": np.full(member // 8, i, dtype="<f8") for i in range(count)})
    big = folder / "big.npy"
    np.save(big, np.arange(max(mib, 8) * (1 << 20) // 8, dtype="<f8"))
    size_mib = archive.stat().st_size / 2**20
    servers = Servers(folder)
    out = []
    try:
        stores = [("HTTP", f"{servers.http}/", {})]
        if servers.s3:
            options = {**S3_OPTIONS, "aws_endpoint": servers.s3}
            for path in (archive, big):
                # moto refuses large single PUTs: npio uploads in parts above 16 MiB.
                npio._npio.put_url(f"s3://{BUCKET}/{path.name}", path.read_bytes(), options)
            try:  # the download side reads unsigned, as moto allows unless configured not to
                _get(f"{servers.s3}/{BUCKET}/{big.name}", (0, 6))
                stores.append(("S3 (moto)", f"s3://{BUCKET}/",
                               {**S3_OPTIONS, "aws_endpoint": servers.s3}))
            except urllib.error.HTTPError as error:
                print(f"S3 rows left out: unsigned GETs refused ({error})", file=sys.stderr)
        else:
            print("no S3 server (pip install 'moto[server]'): HTTP rows only", file=sys.stderr)
        for store, prefix, options in stores:
            plain = (f"{servers.http}/" if store == "HTTP" else f"{servers.s3}/{BUCKET}/")
            kw = {"storage_options": options} if options else {}
            a_url, b_url = prefix + archive.name, prefix + big.name
            a_get, b_get = plain + archive.name, plain + big.name
            one = _member_range(archive, "m33.npy")
            cases = [
                (f"remote {store}: one 1/{count} member of a {size_mib:.0f} MiB npz", {
                    "npio": lambda: npio.load(a_url, **kw)["m33"],
                    "numpy": lambda: np.load(io.BytesIO(_get(a_get)))["m33"],
                    "floor": lambda: _get(a_get, one),
                }, lambda r: checksum(r)),
                (f"remote {store}: every member of a {size_mib:.0f} MiB npz", {
                    "npio": lambda: npio.load(a_url, **kw).read_all(),
                    "numpy": lambda: dict(np.load(io.BytesIO(_get(a_get)))),
                    "floor": lambda: _get(a_get),
                }, lambda r: ",".join(f"{k}={checksum(v)}" for k, v in sorted(r.items()))),
                (f"remote {store}: .npy {big.stat().st_size / 2**20:.0f} MiB", {
                    "npio": lambda: npio.load(b_url, **kw),
                    "numpy": lambda: np.load(io.BytesIO(_get(b_get))),
                    "floor": lambda: _get(b_get),
                }, lambda r: checksum(r)),
            ]
            for label, sides, summary in cases:
                if only and only not in label:
                    continue
                seen = {}

                def check(name, result, label=label, summary=summary, seen=seen):
                    if name == "floor":
                        return
                    seen[name] = summary(result)
                    if len(set(seen.values())) > 1:
                        raise SystemExit(f"{label}: the sides disagree: {seen}")

                out.append((label, _measure(sides, runs, check), {}))
                print(f"done: {label}", file=sys.stderr)
    finally:
        servers.close()
    return out


if __name__ == "__main__":
    sys.exit("run benches/compare.py (it calls this module)")
