"""HTTP calls a witness makes to a partner's ledger endpoints (httpx).

The partner publishes its latest signed checkpoint with a consistency proof
from the size the witness last saw (``GET /federation/v1/consistency?from=M``,
or ``GET /federation/v1/checkpoint`` alone) and takes the witness's
co-signature back (``POST /federation/v1/cosign``). Nothing here is trusted:
the witnessing service checks every signature and proof.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

CHECKPOINT = "/federation/v1/checkpoint"
CONSISTENCY = "/federation/v1/consistency"
COSIGN = "/federation/v1/cosign"


class LedgerTransportError(Exception):
    """A call failed; ``status`` is the HTTP status when the partner answered (404: it has
    no such checkpoint), else None (unreachable)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class LedgerTransport(Protocol):
    def get_checkpoint(self, base_url: str) -> dict[str, Any]: ...
    def get_consistency(self, base_url: str, from_size: int) -> dict[str, Any]: ...
    def post_cosignature(self, base_url: str, size: int, cosignature: str) -> dict[str, Any]: ...
    def close(self) -> None: ...


class HttpLedgerTransport:
    """The ledger endpoints over HTTP; pass ``client`` to reuse connections (or, in tests,
    an ``httpx.Client`` whose transport routes to in-process apps)."""

    def __init__(self, *, timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             headers={"User-Agent": "accord-node"})

    def get_checkpoint(self, base_url: str) -> dict[str, Any]:
        return self._json("GET", base_url.rstrip("/") + CHECKPOINT)

    def get_consistency(self, base_url: str, from_size: int) -> dict[str, Any]:
        return self._json("GET", f"{base_url.rstrip('/')}{CONSISTENCY}?from={from_size}")

    def post_cosignature(self, base_url: str, size: int, cosignature: str) -> dict[str, Any]:
        return self._json("POST", base_url.rstrip("/") + COSIGN,
                          json={"size": size, "cosignature": cosignature})

    def close(self) -> None:
        self.client.close()

    def _json(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        try:
            response = self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            raise LedgerTransportError(f"{method} {url}: {type(exc).__name__}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = body.get("error", {}) if isinstance(body, dict) else {}
            message = error.get("message") if isinstance(error, dict) else None
            raise LedgerTransportError(f"{method} {url}: HTTP {response.status_code}: "
                                       f"{message or response.text[:200]}",
                                       response.status_code)
        if not isinstance(body, dict):
            raise LedgerTransportError(f"{method} {url}: the answer is not a JSON object")
        return body
