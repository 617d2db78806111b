"""Strings every store can hold: no NUL character, no lone surrogate.

JSON may carry both (``"\\u0000"``, ``"\\ud800"``) and Python keeps them, but
PostgreSQL text refuses NUL and UTF-8 has no form for a lone surrogate, so
either would fail only when written. ``unstorable`` finds them first, anywhere
in a parsed document (keys included), and names the field, so the input is
refused with a reason instead of failing in the store.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

_MAX_DEPTH = 64


def string_problem(text: str) -> str | None:
    """Why ``text`` cannot be stored, or None if it can."""
    if "\x00" in text:
        return "contains a NUL character (U+0000), which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (f"contains a lone surrogate (U+{ord(text[exc.start]):04X}), "
                "which has no UTF-8 form")
    return None


def unstorable(value: Any, field: str = "") -> Iterator[tuple[str, str]]:
    """``(field, reason)`` for each string in ``value`` that cannot be stored.

    ``field`` names ``value``; nested fields are named ``a.b[2]`` as elsewhere
    in problems."""
    yield from _walk(value, field, 0)


def _walk(value: Any, field: str, depth: int) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        reason = string_problem(value)
        if reason:
            yield field, reason
    elif depth >= _MAX_DEPTH:
        return
    elif isinstance(value, Mapping):
        for key, item in value.items():
            name = f"{field}.{key}" if field else str(key)
            if isinstance(key, str):
                reason = string_problem(key)
                if reason:
                    yield _printable(name), f"name {reason}"
                    continue
            yield from _walk(item, name, depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _walk(item, f"{field}[{index}]", depth + 1)


def _printable(name: str) -> str:
    return name.replace("\x00", "\\x00").encode("utf-8", "backslashreplace").decode()
