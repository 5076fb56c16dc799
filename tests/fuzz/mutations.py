"""Byte-level mutations of corpus files, as a Hypothesis strategy (what atheris does natively)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from hypothesis import strategies as st

# Fragments that have broken parsers before: structure, escapes, encodings, sizes.
FRAGMENTS: Final = (
    b"[",
    b"]",
    b"{",
    b"}",
    b'"',
    b"\\",
    b"\\u0000",
    b"\\ud800",
    b"%",
    b"%ff",
    b"%00",
    b"\x00",
    b"\xff",
    b"\xb2",  # a digit to str.isdigit, not to int()
    b"\xc3\x28",
    b"\r\n",
    b"\r\n\r\n",
    b": ",
    b";",
    b",",
    b"ce-",
    b"content-type: application/cloudevents+json\r\n",
    b"content-type: application/json\r\n",
    b"content-length: ",
    b"ce-specversion: 1.0\r\n",
    b"null",
    b"true",
    b"-0",
    b"1e999",
    b"NaN",
    b"9" * 5000,
    b"[" * 2000,
    b'"data_base64": ',
    b'"data": ',
    b'"specversion": ',
    b"?",
    b"&",
    b"=",
    b"/",
    b"..",
    b" ",
    b"\t",
)


def _apply(seed: bytes, edits: list[tuple[int, int, int, bytes]]) -> bytes:
    data = bytearray(seed)
    for kind, position, size, fragment in edits:
        at = position % (len(data) + 1)
        if kind == 0 and data:  # overwrite one byte
            data[at % len(data)] = size % 256
        elif kind == 1:  # insert
            data[at:at] = fragment
        elif kind == 2:  # delete a run
            del data[at : at + size]
        elif kind == 3:  # repeat a run many times
            data[at:at] = bytes(data[at : at + 1 + size % 16]) * (2 + size * 7)
        else:  # splice: the tail of a fragment's worth moved elsewhere
            moved = bytes(data[at : at + size])
            del data[at : at + size]
            data[(position * 31) % (len(data) + 1) : 0] = moved
    return bytes(data)


def mutated(seeds: Sequence[bytes]) -> st.SearchStrategy[bytes]:
    """A seed with a few edits; no edits at all keeps the valid seeds in every run."""
    edit = st.tuples(
        st.integers(0, 4),
        st.integers(0, 1 << 16),
        st.integers(0, 300),
        st.sampled_from(FRAGMENTS) | st.binary(min_size=1, max_size=8),
    )
    return st.builds(_apply, st.sampled_from(list(seeds)), st.lists(edit, max_size=5))
