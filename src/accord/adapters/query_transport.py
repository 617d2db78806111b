"""HTTP calls that carry private queries between nodes (httpx).

Three routes, each ``POST`` with ``{"envelope": <JWE>}`` (signed by the asking
node, encrypted to the partner) and answered with ``{"envelope": <JWE>}``
(signed by the partner, encrypted to the asker):

* ``/federation/v1/queries``: hit/no-hit queries (identifiers by PSI, persons by CLK);
* ``/federation/v1/follow-ups``: follow-up requests after a hit;
* ``/federation/v1/deconfliction``: deconfliction checks and conflict notices.

A partner that will not answer says why in the API's error shape; that
becomes ``PartnerRefused`` with the partner's code and message (and
``retry_after_seconds`` for a rate limit). A partner that cannot be reached,
or answers with something else, is ``PartnerUnreachable``.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

from accord.domain.errors import AccordError

QUERIES = "/federation/v1/queries"
FOLLOW_UPS = "/federation/v1/follow-ups"
DECONFLICTION = "/federation/v1/deconfliction"


class PartnerRefused(AccordError):
    """The partner refused the request; ``code`` and ``status`` are the partner's."""

    def __init__(self, code: str, message: str, *, status: int, partner: str,
                 extra: dict[str, Any] | None = None) -> None:
        super().__init__(f"{partner} refused: {message}", where=f"partner {partner}")
        self.code, self.status, self.extra = code, status, dict(extra or {})

    def to_dict(self) -> dict[str, object]:
        return {**self.extra, **super().to_dict()}


class PartnerUnreachable(AccordError):
    code = "partner_unreachable"
    status = 502


class QueryTransport(Protocol):
    def exchange(self, base_url: str, path: str, envelope: str, *, partner: str) -> str: ...
    def close(self) -> None: ...


class HttpQueryTransport:
    """The query routes over HTTP; pass ``client`` to reuse connections (or, in tests, an
    ``httpx.Client`` whose transport routes to in-process apps)."""

    def __init__(self, *, timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             headers={"User-Agent": "accord-node"})

    def exchange(self, base_url: str, path: str, envelope: str, *, partner: str) -> str:
        """Send ``envelope`` to ``partner`` at ``base_url + path``; its answer envelope."""
        url = base_url.rstrip("/") + path
        try:
            response = self.client.post(url, json={"envelope": envelope})
        except httpx.HTTPError as exc:
            raise PartnerUnreachable(f"POST {url}: {type(exc).__name__}: {exc}",
                                     where=f"partner {partner}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = body.get("error") if isinstance(body, dict) else None
            if isinstance(error, dict) and error.get("code"):
                extra = {k: v for k, v in error.items() if k not in ("code", "message", "where")}
                raise PartnerRefused(str(error["code"]), str(error.get("message")),
                                     status=response.status_code, partner=partner, extra=extra)
            raise PartnerUnreachable(f"POST {url}: HTTP {response.status_code}: "
                                     f"{response.text[:200]}", where=f"partner {partner}")
        answer = body.get("envelope") if isinstance(body, dict) else None
        if not isinstance(answer, str):
            raise PartnerUnreachable(f"POST {url}: the answer carries no envelope",
                                     where=f"partner {partner}")
        return answer

    def close(self) -> None:
        self.client.close()
