"""The NATS bus's wire format, without a server: every event type round-trips; the default
id depends on the facts only; other versions and garbage are refused; node ids stay apart."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.adapters.bus_wire import SCHEMA_VERSION, content_id, decode, encode, node_token

from .test_nats_bus import every_event


def test_every_event_type_round_trips() -> None:
    at = datetime(2026, 3, 1, 12, 31, 5, 123456, tzinfo=UTC)
    for n, (kind, data) in enumerate(every_event(), start=1):
        event_id = content_id(kind, data)
        payload = encode(event_id, kind, data, at)
        assert payload.startswith(b'{"at":') and f'"v":{SCHEMA_VERSION}'.encode() in payload
        got_id, event = decode(payload, n)
        assert (got_id, event.id, event.kind, dict(event.data), event.at) == (
            event_id, n, kind, data, at)


def test_the_default_id_is_the_facts_not_their_order_or_time() -> None:
    assert content_id("arrival", {"a": 1, "b": "x"}) == content_id("arrival", {"b": "x", "a": 1})
    assert content_id("arrival", {"a": 1}) != content_id("refusal", {"a": 1})
    assert content_id("arrival", {"a": 1}) != content_id("arrival", {"a": 2})
    at = datetime(2026, 1, 1, tzinfo=UTC)
    assert encode("i", "alert", {"when": at, "tags": {"b", "a"}}, at).endswith(
        b'"data":{"tags":["a","b"],"when":"2026-01-01T00:00:00+00:00"},"id":"i",'
        b'"kind":"alert","v":1}')


@pytest.mark.parametrize("payload", [
    b'{"v": 2, "id": "x", "kind": "arrival", "at": "2026-01-01T00:00:00+00:00", "data": {}}',
    b'{"id": "x", "kind": "arrival", "at": "2026-01-01T00:00:00+00:00", "data": {}}',
    b'{"v": 1, "id": "x", "kind": "arrival", "at": "yesterday", "data": {}}',
    b'{"v": 1, "id": "x", "kind": "arrival", "at": "2026-01-01T00:00:00+00:00", "data": []}',
    b'{"v": 1, "id": "x", "at": "2026-01-01T00:00:00+00:00", "data": {}}',
    b"[1, 2]", b"not json", b"\xff\xfe",
])
def test_anything_but_a_version_1_event_is_refused(payload: bytes) -> None:
    with pytest.raises(ValueError):
        decode(payload, 1)


def test_node_ids_fit_subjects_and_stay_apart() -> None:
    ids = ["mx-fgr", "mx.fgr", "mx_fgr", "mx_dfgr", "mx__fgr", "a.b_c", "a_.b"]
    tokens = [node_token(i) for i in ids]
    assert len(set(tokens)) == len(ids)
    assert all("." not in t for t in tokens) and node_token("mx.fgr_1") == "mx_dfgr__1"
