"""The docstrings' examples run, and help() explains the functions."""

import doctest
import pydoc

import npio


def test_docstring_examples_pass():
    result = doctest.testmod(npio)
    assert result.attempted >= 8 and result.failed == 0, result


def test_help_explains_every_function():
    for name in npio.__all__:
        text = pydoc.render_doc(getattr(npio, name))
        assert len(getattr(npio, name).__doc__ or "") > 40, name
        assert name in text
