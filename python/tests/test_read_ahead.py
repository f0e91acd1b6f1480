"""Reading the next member ahead (issue 29: per-member access as fast as read_all): the
drop-in `{k: z[k] for k in z.files}` gets NumPy's arrays whatever the order of access, a
damaged member is refused when it is asked for (not before), and closing or dropping an archive
while a member is read ahead is safe."""

import gc
import io
import zlib

import numpy as np
import pytest

import npio


def _members(n=6, size=200_000):
    rng = np.random.default_rng(11)
    return {f"m{k}": np.cumsum(rng.standard_normal(size)) for k in range(n)}


def _archive(members):
    buf = io.BytesIO()
    np.savez_compressed(buf, **members)
    return buf.getvalue()


@pytest.mark.parametrize("threads", [None, 1, 2])
def test_every_order_of_access_gives_numpys_arrays(tmp_path, threads):
    members = _members()
    path = tmp_path / "a.npz"
    path.write_bytes(_archive(members))
    names = list(members)
    orders = [names, names[::-1], names[::2] + names[1::2], names[:2] * 3 + names]
    for order in orders:
        with npio.load(path, threads=threads) as z:
            for name in order:
                got = z[name]
                assert np.array_equal(got, members[name]) and got.flags.writeable, name


def test_a_member_read_ahead_is_the_members_own_array_each_time(tmp_path):
    members = _members(n=3)
    path = tmp_path / "a.npz"
    path.write_bytes(_archive(members))
    with npio.load(path) as z:
        first, second = z["m0"], z["m1"]  # m1 was read ahead while m0 was returned
        second[:] = 0  # writeable, and nobody else's memory
        again = z["m1"]
        assert np.array_equal(again, members["m1"]) and again is not second
        assert np.array_equal(first, members["m0"])


def test_a_damaged_next_member_fails_only_when_asked_for(tmp_path):
    members = _members(n=3)
    data = bytearray(_archive(members))
    # Damage m1's compressed data (its local header is the second one).
    second = data.index(b"PK\x03\x04", data.index(b"PK\x03\x04") + 4)
    data[second + 200] ^= 0xFF
    path = tmp_path / "bad.npz"
    path.write_bytes(bytes(data))
    with npio.load(path) as z:
        assert np.array_equal(z["m0"], members["m0"])  # m1 is read ahead here, and fails
        with pytest.raises((ValueError, zlib.error, OSError)):
            z["m1"]
        assert np.array_equal(z["m2"], members["m2"])


def test_closing_or_dropping_an_archive_while_reading_ahead_is_safe(tmp_path):
    members = _members(n=4, size=2_000_000)
    path = tmp_path / "big.npz"
    path.write_bytes(_archive(members))
    for _ in range(5):
        z = npio.load(path)
        z["m0"]  # m1 is being read ahead
        z.close()
        with pytest.raises(ValueError, match="closed"):
            z["m1"]
        z = npio.load(path)
        z["m2"]
        del z
        gc.collect()
