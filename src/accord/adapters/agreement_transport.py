"""HTTP calls that carry agreements between parties' nodes (httpx).

One route: ``POST /federation/v1/agreements`` with ``{"envelope": <JWE>}``,
an envelope (``accord.adapters.envelope``) signed by the sending node and
encrypted to the recipient, whose body is the agreement as the sender holds
it. The answer says what the recipient did with it and carries the
recipient's own copy. Nothing here is trusted: every signature in what comes
back is checked by ``accord.services.agreement_exchange``.
"""

from __future__ import annotations

from typing import Any, Protocol

import httpx

AGREEMENTS = "/federation/v1/agreements"


class AgreementTransportError(Exception):
    """A call failed; ``str(error)`` says where and why. ``code`` is the partner's error
    code when it answered with a refusal (e.g. ``envelope_unpinned_key``), else None
    (unreachable, or an answer that is not Accord's)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class AgreementTransport(Protocol):
    def post_agreement(self, base_url: str, envelope: str) -> dict[str, Any]: ...
    def close(self) -> None: ...


class HttpAgreementTransport:
    """The agreements route over HTTP; pass ``client`` to reuse connections (or, in
    tests, an ``httpx.Client`` whose transport routes to in-process apps)."""

    def __init__(self, *, timeout: float = 30.0, client: httpx.Client | None = None) -> None:
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False,
                                             headers={"User-Agent": "accord-node"})

    def post_agreement(self, base_url: str, envelope: str) -> dict[str, Any]:
        url = base_url.rstrip("/") + AGREEMENTS
        try:
            response = self.client.post(url, json={"envelope": envelope})
        except httpx.HTTPError as exc:
            raise AgreementTransportError(f"POST {url}: {type(exc).__name__}: {exc}") from None
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            error = body.get("error", {}) if isinstance(body, dict) else {}
            if isinstance(error, dict) and error.get("code"):
                raise AgreementTransportError(str(error.get("message")), str(error["code"]))
            raise AgreementTransportError(f"POST {url}: HTTP {response.status_code}: "
                                          f"{response.text[:200]}")
        if not isinstance(body, dict):
            raise AgreementTransportError(f"POST {url}: the answer is not a JSON object")
        return body

    def close(self) -> None:
        self.client.close()
