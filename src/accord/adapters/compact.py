"""Strict parsing of JOSE compact serialisations.

Base64url has slack: the last character of a segment carries a few padding
bits that most decoders ignore, so two different strings decode to the same
bytes. For a tamper check that must refuse *any* changed byte, each segment is
decoded and re-encoded and must come back identical. Only the unpadded
alphabet ``A-Z a-z 0-9 - _`` is accepted.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


class CompactError(ValueError):
    """Not a well-formed compact serialisation; the message says which part."""


def b64url_decode(segment: str, *, what: str) -> bytes:
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise CompactError(f"{what} is not base64url")
    try:
        raw = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise CompactError(f"{what} is not base64url") from None
    if b64url_encode(raw) != segment:
        raise CompactError(f"{what} is not canonical base64url")
    return raw


def b64url_encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def split(token: str, parts: int, *, what: str) -> list[str]:
    """The ``parts`` dot-separated segments of ``token``, each checked to be canonical."""
    if not isinstance(token, str) or not token.isascii():
        raise CompactError(f"{what} is not ASCII text")
    segments = token.split(".")
    if len(segments) != parts:
        raise CompactError(f"{what} has {len(segments)} parts, expected {parts}")
    for i, seg in enumerate(segments):
        b64url_decode(seg, what=f"{what} part {i + 1}")
    return segments


def header(segment: str, *, what: str) -> dict[str, Any]:
    """Decode a protected header segment into a JSON object."""
    raw = b64url_decode(segment, what=f"{what} header")
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise CompactError(f"{what} header is not JSON") from None
    if not isinstance(value, dict):
        raise CompactError(f"{what} header is not a JSON object")
    return value
