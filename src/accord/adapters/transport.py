"""HTTP transport between nodes (httpx).

One ``HttpTransport`` per dispatcher or command: it keeps connections to
partners open between calls. Every failure that a later attempt may cure
(cannot connect, timeout, a 5xx, a 429, a body that is not the expected
JSON) raises ``TransportError``; the dispatcher then backs off and retries.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import httpx

WELL_KNOWN = "/.well-known/accord/node.json"
INBOX = "/federation/v1/inbox"
FEED = "/federation/v1/feed"
RECEIPTS = "/federation/v1/receipts"
SIGNATURE_SCHEME = "Accord-Signature"


class TransportError(Exception):
    """A call to a partner failed; ``str(error)`` says where and why."""


class Transport(Protocol):
    def fetch_node_document(self, base_url: str) -> dict[str, Any]: ...
    def post_inbox(self, base_url: str, envelopes: Sequence[str], *,
                   messages: int | None = None) -> list[dict[str, Any]]: ...
    def get_feed(self, base_url: str, *, since: int, limit: int,
                 authorization: str) -> dict[str, Any]: ...
    def post_receipts(self, base_url: str, receipts: Sequence[str]) -> dict[str, Any]: ...
    def close(self) -> None: ...


def feed_query(since: int, limit: int) -> str:
    """The exact query string the feed is called with (it is part of the signed request)."""
    return f"since={since}&limit={limit}"


class HttpTransport:
    def __init__(self, *, timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             headers={"User-Agent": "accord-node"})

    def fetch_node_document(self, base_url: str) -> dict[str, Any]:
        """The partner's published node document (keys, node id, country)."""
        return self._json("GET", _join(base_url, WELL_KNOWN))

    def post_inbox(self, base_url: str, envelopes: Sequence[str], *,
                   messages: int | None = None) -> list[dict[str, Any]]:
        """Deliver envelopes; one result per message (``messages``, by default one per
        envelope; a batch envelope carries several), in order."""
        expected = len(envelopes) if messages is None else messages
        body = self._json("POST", _join(base_url, INBOX), json={"envelopes": list(envelopes)})
        results = body.get("results")
        if not isinstance(results, list) or len(results) != expected:
            raise TransportError(f"{base_url}{INBOX}: expected {expected} results")
        return results

    def get_feed(self, base_url: str, *, since: int, limit: int,
                 authorization: str) -> dict[str, Any]:
        url = _join(base_url, FEED) + "?" + feed_query(since, limit)
        return self._json("GET", url,
                          headers={"Authorization": f"{SIGNATURE_SCHEME} {authorization}"})

    def post_receipts(self, base_url: str, receipts: Sequence[str]) -> dict[str, Any]:
        return self._json("POST", _join(base_url, RECEIPTS), json={"receipts": list(receipts)})

    def close(self) -> None:
        self.client.close()

    def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise TransportError(f"{method} {url}: {type(exc).__name__}: {exc}") from None
        if response.status_code >= 400:
            raise TransportError(f"{method} {url}: HTTP {response.status_code}: "
                                 f"{_error_text(response)}")
        try:
            body = response.json()
        except ValueError:
            raise TransportError(f"{method} {url}: the answer is not JSON") from None
        if not isinstance(body, dict):
            raise TransportError(f"{method} {url}: the answer is not a JSON object")
        return body


def _join(base_url: str, path: str) -> str:
    return base_url.rstrip("/") + path


def _error_text(response: httpx.Response) -> str:
    try:
        error = response.json().get("error", {})
        return f"{error.get('code')}: {error.get('message')}"
    except (ValueError, AttributeError):
        return response.text[:200]
