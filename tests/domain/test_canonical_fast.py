"""Canonical JSON takes a shortcut for plain documents; it must give exactly the bytes (or
the error) of the careful walk that follows RFC 8785 step by step."""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.domain import canonical
from accord.domain.errors import InvalidValue

KEYS = st.one_of(st.text(max_size=6), st.text(alphabet="ab\ue000\U0001f600é", max_size=4),
                 st.integers(0, 3))
LEAVES = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(2**52, 2**60),
    st.floats(allow_nan=True, allow_infinity=True), st.text(),
    st.sampled_from(["\ud800", "a\x7f", "\x1f", '"\\', "\u2028"]), st.binary(max_size=2))
DOCUMENTS = st.recursive(LEAVES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.lists(inner, max_size=3).map(tuple),
    st.dictionaries(KEYS, inner, max_size=4),
    st.dictionaries(st.text(max_size=3), inner, max_size=3).map(OrderedDict)),
    max_leaves=25)


def careful(value: Any) -> bytes:
    parts: list[str] = []
    canonical._encode(value, parts, "$")
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue("contains a lone surrogate, which has no UTF-8 form",
                           where="canonical JSON") from None


def outcome(encode: Any, value: Any) -> tuple[str, object]:
    try:
        return "bytes", encode(value)
    except InvalidValue as exc:
        return "refused", str(exc)


@settings(max_examples=400, deadline=None)
@given(DOCUMENTS)
def test_the_shortcut_gives_the_bytes_of_the_careful_walk(value: Any) -> None:
    assert outcome(canonical.canonical_json, value) == outcome(careful, value)


def test_keys_beyond_ascii_still_sort_by_utf16_code_units() -> None:
    # U+E000 sorts after U+1F600 in UTF-16 (surrogates D83D...) but before it by code point
    assert canonical.canonical_json({"\ue000": 1, "\U0001f600": 2}) == (
        '{"\U0001f600":2,"\ue000":1}'.encode())
