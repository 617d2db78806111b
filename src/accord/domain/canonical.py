"""Canonical JSON: the exact bytes that get signed.

Two nodes must produce the same bytes for the same document, or a signature
made by one will not verify at the other. This follows RFC 8785 (JSON
Canonicalization Scheme): object members sorted by their UTF-16 code units, no
insignificant whitespace, strings escaped as ECMAScript's ``JSON.stringify``
does, numbers in ECMAScript's shortest round-trip form, UTF-8 output.

Written here rather than taken from a library because the only JCS packages
on PyPI are unmaintained; the rules fit in one screen. Beyond the RFC, values
that cannot round-trip between implementations are refused instead of being
silently altered: non-finite floats, integers that an IEEE-754 double would
change, lone surrogates, and non-string object keys.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

from accord.domain.errors import InvalidValue

# Above 2**53 not every integer is a double; ECMAScript parsers would round them.
_SAFE_INT = 2**53 - 1


def canonical_json(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``.

    Accepts dicts (string keys), lists, tuples, strings, ints, floats, bools and
    None. Raises ``InvalidValue`` naming the JSON path of anything else.
    """
    parts: list[str] = []
    try:
        _fast(value, parts)
    except _Unusual:  # the careful walk, which also names the JSON path of a problem
        parts = []
        _encode(value, parts, "$")
    text = "".join(parts)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidValue("contains a lone surrogate, which has no UTF-8 form",
                           where="canonical JSON") from None


class _Unusual(Exception):
    """Something ``_fast`` leaves to ``_encode``: big integers, odd floats, non-string keys,
    subclasses, anything without a JSON form."""


# A string that needs no escaping and holds no surrogate is written as it is; anything
# else goes through json.dumps exactly as ``_encode`` does.
_PLAIN = re.compile(r'[^"\\\x00-\x1f\ud800-\udfff]*')


def _string(text: str) -> str:
    return f'"{text}"' if _PLAIN.fullmatch(text) else json.dumps(text, ensure_ascii=False)


def _fast(value: Any, out: list[str]) -> None:
    """``_encode`` for the plain types it sees almost always, without the JSON paths that
    only an error needs (it raises ``_Unusual`` instead, and the caller starts over)."""
    kind = type(value)
    if kind is str:
        out.append(_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        if abs(value) > _SAFE_INT:
            raise _Unusual
        out.append(str(value))
    elif kind is dict:
        keys = list(value)
        if not all(type(k) is str and k.isascii() for k in keys):
            raise _Unusual  # non-ASCII keys sort by UTF-16 code units: the careful walk
        out.append("{")
        for i, key in enumerate(sorted(keys)):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _fast(value[key], out)
        out.append("}")
    elif kind is list or kind is tuple:
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _fast(item, out)
        out.append("]")
    elif kind is float and math.isfinite(value):
        out.append(_number(value, "$"))
    else:
        raise _Unusual


def _encode(value: Any, out: list[str], path: str) -> None:
    # bool first: it is a subclass of int.
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, int):
        text = str(value)
        # beyond 2**53 an integer survives only if its nearest double prints the same
        if abs(value) > _SAFE_INT and (abs(value) > 1e308 or _number(float(value), path) != text):
            raise InvalidValue(f"integer {value} does not survive a round trip through an "
                               "IEEE-754 double", where=path)
        out.append(text)
    elif isinstance(value, float):
        out.append(_number(value, path))
    elif isinstance(value, Mapping):
        for key in value:
            if not isinstance(key, str):
                raise InvalidValue(f"object key {key!r} is not a string", where=path)
        out.append("{")
        for i, key in enumerate(sorted(value, key=_utf16_key)):
            if i:
                out.append(",")
            out.append(json.dumps(key, ensure_ascii=False))
            out.append(":")
            _encode(value[key], out, f"{path}.{key}")
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for i, item in enumerate(value):
            if i:
                out.append(",")
            _encode(item, out, f"{path}[{i}]")
        out.append("]")
    else:
        raise InvalidValue(f"{type(value).__name__} has no JSON form", where=path)


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _number(value: float, path: str) -> str:
    """ECMAScript Number::toString for a finite double (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(value):
        raise InvalidValue(f"{value} is not a finite number", where=path)
    if value == 0:
        return "0"  # also for -0.0
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip, as ECMAScript requires;
    # only the layout (where the point and exponent go) differs.
    mantissa, _, exp_text = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    exponent = int(exp_text or 0)
    if whole.strip("0"):
        # "123.45e3": the point sits after the integer digits, moved by the exponent
        n = len(whole.lstrip("0")) + exponent
    else:
        # "0.00123": leading zeros of the fraction move the point left
        n = exponent - (len(frac) - len(frac.lstrip("0")))
    # n is where the decimal point falls relative to the first significant digit
    digits = (whole + frac).strip("0") or "0"
    k = len(digits)
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * (-n) + digits
    else:
        exp = n - 1
        exp_str = f"e{'+' if exp >= 0 else '-'}{abs(exp)}"
        body = digits[0] + ("." + digits[1:] if k > 1 else "") + exp_str
    return sign + body
