"""Ledger entries: complete, content-free, canonical and self-locating leaves."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from accord.domain.errors import InvalidValue
from accord.domain.ledger_entry import (
    Action,
    LedgerEntry,
    decode_leaf,
    encode_leaf,
    encode_leaves,
    format_time,
)

T = datetime(2026, 3, 4, 10, 0, 0, 123456, tzinfo=UTC)
H = "sha256:" + "ab" * 32


def test_leaf_is_canonical_json_with_its_index() -> None:
    entry = LedgerEntry(Action.RELEASE_DECIDED, actor="ana", subject="R-1", agreement="AG-7",
                        purpose="investigation", partner="MX", hashes={"report": H},
                        details={"outcome": "hit-only", "clause": "c2", "reasons": ["tlp"]}, at=T)
    data = encode_leaf(entry, 41)
    assert data == json.dumps(json.loads(data), sort_keys=True, separators=(",", ":")).encode()
    raw = json.loads(data)
    assert raw["index"] == 41 and raw["at"] == "2026-03-04T10:00:00.123456Z"
    assert decode_leaf(data) == (41, entry)


def test_times_are_stored_in_utc() -> None:
    local = T.astimezone(timezone(timedelta(hours=-5)))
    entry = LedgerEntry(Action.MATERIAL_READ, actor="ana", subject="R-1", at=local)
    assert entry.at.tzinfo is UTC and entry.at == T
    with pytest.raises(InvalidValue, match="material.read: at: time must be timezone-aware"):
        LedgerEntry(Action.MATERIAL_READ, actor="ana", at=datetime(2026, 1, 1))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"action": Action.RELEASE_DECIDED, "partner": "MX"},
     "release.decided: details: release.decided needs details outcome, clause, reasons"),
    ({"action": Action.RELEASE_DECIDED, "partner": "MX",
      "details": {"outcome": "maybe", "clause": "c", "reasons": []}},
     r"details.outcome: outcome must be one of \['allow', 'deny', 'hit-only'\]"),
    ({"action": Action.ENVELOPE_REFUSED, "details": {"reason": "replay"}},
     "envelope.refused: partner: envelope.refused needs the partner node"),
    ({"action": Action.ENVELOPE_SENT}, "envelope.sent: partner: envelope.sent needs the partner"),
    ({"action": Action.REPORT_CREATED, "hashes": {"report": "the narrative itself"}},
     "hashes.report: 'the narrative itself' is not a content hash"),
    ({"action": Action.REPORT_CREATED, "details": {"note": "x" * 501}},
     "details.note: longer than 500 characters: ledger entries carry ids and hashes"),
    ({"action": Action.REPORT_CREATED, "details": {"score": 0.5}},
     "details.score: float is not allowed"),
    ({"action": Action.REPORT_CREATED, "details": {"Bad Key": 1}},
     "details: 'Bad Key' is not a lower_snake_case name"),
    ({"action": Action.REPORT_CREATED, "actor": ""}, "report.created: actor: who acted is missing"),
])
def test_incomplete_or_content_bearing_entries_are_refused(kwargs: dict[str, object],
                                                           message: str) -> None:
    args: dict[str, object] = {"actor": "ana", "at": T, **kwargs}
    with pytest.raises(InvalidValue, match=message):
        LedgerEntry(**args)  # type: ignore[arg-type]


@pytest.mark.parametrize(("data", "message"), [
    (b"\xff", "leaf 3: not a JSON leaf"),
    (b'{"v":1}', "leaf 3: leaf has no index"),
    (b'{"index":1,"v":2}', "leaf 3: v: unknown leaf format 2"),
    (b'{"action":"report.created","actor":"a","at":"2026-03-04T10:00:00.000000Z","index":1,'
     b'"v":1, "subject":"x"}', "leaf 3: leaf is not in canonical form"),
    (b'{"action":"nope","actor":"a","at":"2026-03-04T10:00:00.000000Z","index":1,"v":1}',
     "leaf 3: action: 'nope' is not a valid Action"),
    (b'{"action":"report.created","at":"2026-03-04T10:00:00.000000Z","index":1,"v":1}',
     "leaf 3: missing field actor"),
    (b'{"action":"report.created","actor":"a","at":"yesterday","index":1,"v":1}',
     "leaf 3: at: 'yesterday' is not a UTC time"),
])
def test_bad_leaves_are_named(data: bytes, message: str) -> None:
    with pytest.raises(InvalidValue, match=message):
        decode_leaf(data, where="leaf 3")


def test_every_action_has_a_stable_dotted_name() -> None:
    names = [a.value for a in Action]
    assert len(set(names)) == len(names)
    assert all("." in n and n == n.lower() for n in names)


def test_leaf_bytes_equal_the_standard_library_canonical_form() -> None:
    entry = LedgerEntry(Action.JUDGEMENT_MADE, actor="ana \u00e9\u4e2d\u2028\"q\"\\",
                        subject="e\n1", at=T,
                        details={"same": True, "ids": ["a\tb", "\U0001f600"], "n": -3, "x": None})
    data = encode_leaf(entry, 7)
    body = {**entry.to_dict(), "index": 7}
    assert data == json.dumps(body, sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False).encode("utf-8")
    assert decode_leaf(data) == (7, entry)


def test_floats_and_fractional_indices_never_make_a_leaf() -> None:
    base = b'"action":"report.created","actor":"a","at":"2026-03-04T10:00:00.000000Z"'
    with pytest.raises(InvalidValue, match="details.x: float is not allowed"):
        decode_leaf(b"{" + base + b',"details":{"x":1.5},"index":1,"v":1}')
    with pytest.raises(InvalidValue, match="leaf has no index"):
        decode_leaf(b"{" + base + b',"index":1.0,"v":1}')
    with pytest.raises(InvalidValue, match="lone surrogate|cannot be stored canonically"):
        encode_leaf(LedgerEntry(Action.REPORT_CREATED, actor="a\ud800", at=T), 0)


class _Moment(datetime):
    """A datetime subclass: encoded through the text path, not orjson's own."""


def test_the_time_in_a_leaf_is_format_time_for_every_instant() -> None:
    rng = random.Random(9)
    start = datetime(1, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(microseconds=rng.randrange(10**17)) for _ in range(3000)]
    moments += [m.replace(microsecond=us) for m in moments[:50] for us in (0, 1, 10, 999999)]
    moments += [_Moment(2026, 3, 4, 10, 0, 0, 5, tzinfo=UTC),
                datetime(2026, 3, 4, 5, 0, 0, 7, tzinfo=timezone(timedelta(hours=-5)))]
    entries = [LedgerEntry(Action.MATERIAL_READ, actor="ana", at=m) for m in moments]
    for index, (entry, data) in enumerate(zip(entries, encode_leaves(entries, 10), strict=True)):
        assert json.loads(data)["at"] == format_time(entry.at)
        assert data == encode_leaf(entry, 10 + index)
        assert decode_leaf(data) == (10 + index, entry)
