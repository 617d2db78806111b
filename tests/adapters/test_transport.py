"""The HTTP transport turns every failure a retry may cure into a TransportError that says
where and why; signed receipts and requests verify only with the right pinned key."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from accord.adapters.keys import generate_node_keys, load_node_keys
from accord.adapters.receipts import (
    ReceiptInvalid,
    sign_receipt,
    sign_request,
    verify_receipt,
    verify_request,
)
from accord.adapters.replay_cache import MemoryReplayCache
from accord.adapters.transport import HttpTransport, TransportError
from accord.domain.errors import Unauthorized

NOW = datetime.now(UTC)


def transport(handler: Callable[[httpx.Request], httpx.Response]) -> HttpTransport:
    return HttpTransport(client=httpx.Client(transport=httpx.MockTransport(handler)))


def test_inbox_results_come_back_in_order() -> None:
    t = transport(lambda r: httpx.Response(200, json={"results": [{"status": "accepted"}] * 2}))
    assert t.post_inbox("http://mx.test/", ["a", "b"]) == [{"status": "accepted"}] * 2


@pytest.mark.parametrize(("response", "message"), [
    (httpx.Response(503, json={"error": {"code": "store_unavailable", "message": "down"}}),
     "POST http://mx.test/federation/v1/inbox: HTTP 503: store_unavailable: down"),
    (httpx.Response(200, text="<html>"), "the answer is not JSON"),
    (httpx.Response(200, json=[1]), "the answer is not a JSON object"),
    (httpx.Response(200, json={"results": [{}]}), "expected 2 results"),
])
def test_bad_answers_are_transport_errors(response: httpx.Response, message: str) -> None:
    with pytest.raises(TransportError) as error:
        transport(lambda r: response).post_inbox("http://mx.test", ["a", "b"])
    assert message in str(error.value)


def test_an_unreachable_partner_is_a_transport_error() -> None:
    real = HttpTransport(timeout=2.0)
    with pytest.raises(TransportError) as error:
        real.fetch_node_document("http://127.0.0.1:9")
    real.close()
    assert "GET http://127.0.0.1:9/.well-known/accord/node.json: ConnectError" in str(error.value)


def test_the_feed_is_called_with_the_signed_query() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"envelopes": [], "next": 3})

    assert transport(handler).get_feed("http://co.test", since=3, limit=50,
                                       authorization="tok") == {"envelopes": [], "next": 3}
    assert seen[0].url.query == b"since=3&limit=50"
    assert seen[0].headers["authorization"] == "Accord-Signature tok"


@pytest.fixture
def keys(tmp_path: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for name in ("mx", "other"):
        generate_node_keys(tmp_path / name)
        out[name] = load_node_keys(tmp_path / name)
    return out


def test_receipts_verify_with_the_issuers_pinned_key(keys: dict[str, object]) -> None:
    mx, other = keys["mx"], keys["other"]
    pinned = mx.public_keys("mx-fgr", "MX")  # type: ignore[attr-defined]
    token = sign_receipt(mx, issuer="mx-fgr", sender="co-dijin",  # type: ignore[arg-type]
                         message_id="m1", status="accepted", at=NOW, seq=4, ledger_index=17)
    receipt = verify_receipt(token, lambda n: pinned if n == "mx-fgr" else None, now=NOW)
    assert (receipt.status, receipt.seq, receipt.ledger_index) == ("accepted", 4, 17)
    forged = sign_receipt(other, issuer="mx-fgr", sender="co-dijin",  # type: ignore[arg-type]
                          message_id="m1", status="accepted", at=NOW)
    with pytest.raises(ReceiptInvalid, match="is not a pinned signing key of mx-fgr"):
        verify_receipt(forged, lambda n: pinned, now=NOW)
    with pytest.raises(ReceiptInvalid, match="not a pinned partner"):
        verify_receipt(token, lambda n: None, now=NOW)


def test_signed_requests_are_bound_fresh_and_single_use(keys: dict[str, object]) -> None:
    mx = keys["mx"]
    pinned = mx.public_keys("mx-fgr", "MX")  # type: ignore[attr-defined]
    cache = MemoryReplayCache()

    def check(token: str, query: str = "since=0&limit=10", now: datetime = NOW) -> str:
        return verify_request(token, lambda n: pinned if n == "mx-fgr" else None,
                              audience="co-dijin", method="GET", path="/federation/v1/feed",
                              query=query, now=now, replay_cache=cache)

    def token(at: datetime = NOW) -> str:
        return sign_request(mx, issuer="mx-fgr", audience="co-dijin",  # type: ignore[arg-type]
                            method="GET", path="/federation/v1/feed", query="since=0&limit=10",
                            now=at)

    fresh = token()
    with pytest.raises(Unauthorized, match="is for query 'since=0&limit=10', not 'since=9'"):
        check(fresh, query="since=9")
    assert check(fresh) == "mx-fgr"
    with pytest.raises(Unauthorized, match="already used"):
        check(fresh)
    with pytest.raises(Unauthorized, match="is not fresh"):
        check(token(NOW - timedelta(minutes=10)))
