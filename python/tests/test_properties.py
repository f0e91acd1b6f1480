"""Hypothesis round trips over random dtypes (byte orders, records, strings, datetimes) and
shapes, with NumPy on the other side of each trip."""

import io

import hypothesis.extra.numpy as hnp
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import npio
from conftest import assert_same_array

scalar_dtypes = st.one_of(
    hnp.boolean_dtypes(),
    hnp.integer_dtypes(endianness="?"),
    hnp.unsigned_integer_dtypes(endianness="?"),
    hnp.floating_dtypes(endianness="?"),
    hnp.complex_number_dtypes(endianness="?"),
    hnp.datetime64_dtypes(endianness="?"),
    hnp.timedelta64_dtypes(endianness="?"),
    hnp.byte_string_dtypes(endianness="?", min_len=1, max_len=8),
    hnp.unicode_string_dtypes(endianness="?", min_len=1, max_len=8),
)
dtypes = st.one_of(
    scalar_dtypes,
    hnp.array_dtypes(scalar_dtypes, min_size=1, max_size=4),
    hnp.nested_dtypes(scalar_dtypes, max_leaves=6),
)
arrays = hnp.arrays(dtype=dtypes, shape=hnp.array_shapes(min_dims=0, max_dims=3, max_side=5))
orders = st.sampled_from(["C", "F", "strided"])


def arrange(array, order):
    if order == "F":
        return np.asfortranarray(array)
    if order == "strided" and array.ndim:
        return array[::-1]
    return array


def numpy_bytes(array):
    buf = io.BytesIO()
    np.save(buf, array)
    return buf.getvalue()


@settings(max_examples=300, deadline=None)
@given(arrays, orders)
def test_npio_save_bytes_equal_numpy_and_load_back(array, order):
    array = arrange(array, order)
    expected = numpy_bytes(array)
    assert npio.dumps(array) == expected
    assert_same_array(npio.loads(expected, copy=True), np.load(io.BytesIO(expected)))


@settings(max_examples=100, deadline=None)
@given(st.lists(arrays, min_size=1, max_size=4), st.booleans())
def test_savez_round_trips_through_numpy(members, compressed):
    named = {f"m{i}": a for i, a in enumerate(members)}
    buf = io.BytesIO()
    (npio.savez_compressed if compressed else npio.savez)(buf, **named)
    buf.seek(0)
    with np.load(buf) as theirs:
        buf.seek(0)
        with npio.load(buf) as ours:
            everything = ours.read_all()
            for name, array in named.items():
                expected = np.load(io.BytesIO(numpy_bytes(array)))
                assert_same_array(theirs[name], expected)
                assert_same_array(everything[name], expected)
