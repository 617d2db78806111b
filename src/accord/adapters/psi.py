"""ECDH private set intersection over OpenMined's ``openmined-psi`` (C++, P-256).

Three messages, all opaque bytes (serialised protobufs):

* **request** (asker → owner): the asker's items hashed to the curve and blinded
  with the asker's secret key, ``H(x)^a``. The owner learns how many there are.
* **setup** (owner → asker): the owner's items blinded with its key, ``H(y)^b``,
  packed in a Golomb-compressed set with false-positive rate ``fpr`` over
  ``max_client_items`` probes (sets of up to ``RAW_UP_TO`` items are sent as
  the blinded points themselves). Padded with random dummies to a size bucket so
  that it tells the asker only roughly how many items the owner holds.
* **response** (owner → asker): the request re-blinded with the owner's key,
  ``H(x)^ab``, in request order when the owner allows ``reveal`` and shuffled
  otherwise (then the asker learns only the intersection *size*).

The asker strips its key and looks ``H(x)^b`` up in the setup. One response can be
checked against several setups blinded with the same key, which is how hits are
labelled (one setup per handling code) without a second round trip.

The owner enforces the mode: a server created with ``reveal=False`` refuses a
request asking for the intersection itself. The owner's key must be kept per
(partner, kind, epoch): a response only opens setups made with the same key, so
a partner cannot spend a cheap kind's rate limit to probe another kind's setup.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from google.protobuf.message import DecodeError  # type: ignore[import-untyped]

from accord.domain.errors import InvalidValue

KEY_BYTES = 32
POINT_BYTES = 33  # a compressed P-256 point
DEFAULT_FPR = 1e-9
RAW_UP_TO = 1024
# Dummies cannot collide with real items, which always start with a kind prefix.
_PAD_PREFIX = "\x00pad:"


def new_key() -> bytes:
    """A fresh random secret key (keep it on this node; never send it)."""
    import private_set_intersection.python as _psi

    return bytes(_psi.server.CreateWithNewKey(True).GetPrivateKeyBytes())


def derive_key(secret: bytes, context: str) -> bytes:
    """A secret key derived from ``secret`` for ``context`` (e.g. ``"co/mx/phone/2025-W07"``).

    HKDF-SHA256; a value outside [1, curve order) (probability ~2^-32) is skipped
    by a counter, so the result is deterministic and always valid.
    """
    import private_set_intersection.python as _psi

    if len(secret) < KEY_BYTES:
        raise InvalidValue(f"the master secret needs {KEY_BYTES} bytes, not {len(secret)}",
                           where="psi key")
    for counter in range(1000):
        key = HKDF(hashes.SHA256(), KEY_BYTES, salt=b"accord/psi/v1",
                   info=f"{context}\x00{counter}".encode()).derive(secret)
        try:
            _psi.server.CreateFromKey(key, True)
        except RuntimeError:
            continue
        return key
    raise AssertionError("unreachable: 1000 consecutive keys out of range")


def padded_size(n: int) -> int:
    """The set size a setup of ``n`` items is padded to: at most 25 % more, at least 64."""
    if n <= 64:
        return 64
    step = 1 << (n.bit_length() - 3)  # a quarter of the largest power of two <= n
    return -(-n // step) * step


class OpenMinedPsi:
    """The PSI engine the query core uses (``accord.domain.query.PsiEngine``)."""

    def __init__(self, *, fpr: float = DEFAULT_FPR, pad: bool = True) -> None:
        if not 0 < fpr < 1:
            raise InvalidValue(f"fpr must be between 0 and 1, not {fpr}", where="psi")
        self.fpr = fpr
        self.pad = pad

    # -- asker ---------------------------------------------------------------

    def request(self, items: Sequence[str], *, reveal: bool) -> tuple[bytes, bytes]:
        """(the asker's secret key, the request message) for ``items``."""
        import private_set_intersection.python as _psi

        client = _psi.client.CreateWithNewKey(reveal)
        request = client.CreateRequest(list(items))
        return bytes(client.GetPrivateKeyBytes()), bytes(request.SerializeToString())

    def intersection(self, client_key: bytes, setup: bytes, response: bytes) -> list[int]:
        """Indices (into the asked items) of the items the setup holds, ascending."""
        import private_set_intersection.python as _psi

        client = _psi.client.CreateFromKey(client_key, True)
        try:
            found = client.GetIntersection(_parse(_psi.ServerSetup, setup, "setup"),
                                           _parse(_psi.Response, response, "response"))
        except RuntimeError as exc:
            raise InvalidValue(f"cannot open the answer ({exc})", where="psi response") from None
        return sorted(int(i) for i in found)

    def intersection_size(self, client_key: bytes, setup: bytes, response: bytes) -> int:
        """How many of the asked items the setup holds (cardinality mode)."""
        import private_set_intersection.python as _psi

        client = _psi.client.CreateFromKey(client_key, False)
        try:
            return int(client.GetIntersectionSize(_parse(_psi.ServerSetup, setup, "setup"),
                                                  _parse(_psi.Response, response, "response")))
        except RuntimeError as exc:
            raise InvalidValue(f"cannot open the answer ({exc})", where="psi response") from None

    # -- owner ---------------------------------------------------------------

    def request_size(self, request: bytes) -> int:
        """How many items a request asks about (what the owner rate-limits)."""
        return int(len(self._request(request).encrypted_elements))

    def request_reveals(self, request: bytes) -> bool:
        """Whether the request asks for the intersection itself (not only its size)."""
        return bool(self._request(request).reveal_intersection)

    def setup(self, items: Sequence[str], *, key: bytes, max_client_items: int) -> bytes:
        """The setup message for the owner's ``items`` under ``key``.

        ``max_client_items`` is the largest request it will answer (the false-positive
        rate holds per request of that size); a setup can be cached and reused
        for every request under the same key.
        """
        import private_set_intersection.python as _psi

        if max_client_items < 1:
            raise InvalidValue(f"max_client_items must be at least 1, not {max_client_items}",
                               where="psi setup")
        server = self._server(key, True)
        padded = list(items)
        if self.pad:
            padded += [_PAD_PREFIX + secrets.token_hex(16)
                       for _ in range(padded_size(len(padded)) - len(padded))]
        # Small sets go raw (33 bytes an item, no false positives): openmined-psi 2.0.6
        # fails to build a Golomb-compressed set of <= 256 items for >= 10^5 probes.
        structure = _psi.DataStructure.RAW if len(padded) <= RAW_UP_TO else _psi.DataStructure.GCS
        setup = server.CreateSetupMessage(self.fpr, max_client_items, padded, structure)
        return bytes(setup.SerializeToString())

    def respond(self, request: bytes, *, key: bytes, reveal: bool) -> bytes:
        """The response to ``request`` under ``key``.

        With ``reveal=False`` a request for the intersection itself is refused and
        the response is shuffled, so the asker learns only the size.
        """
        parsed = self._request(request)
        if parsed.reveal_intersection and not reveal:
            raise InvalidValue("this registry answers with the intersection size only; "
                               "ask with reveal=False", where="psi request")
        try:
            response = self._server(key, reveal).ProcessRequest(parsed)
        except RuntimeError as exc:
            raise InvalidValue(f"not a valid request ({exc})", where="psi request") from None
        return bytes(response.SerializeToString())

    # -- internals -----------------------------------------------------------

    def _request(self, request: bytes) -> Any:
        import private_set_intersection.python as _psi

        parsed = _parse(_psi.Request, request, "request")
        for i, element in enumerate(parsed.encrypted_elements):
            if len(element) != POINT_BYTES:
                raise InvalidValue(f"element {i} has {len(element)} bytes, not {POINT_BYTES}",
                                   where="psi request")
        return parsed

    @staticmethod
    def _server(key: bytes, reveal: bool) -> Any:
        import private_set_intersection.python as _psi

        if len(key) != KEY_BYTES:
            raise InvalidValue(f"a key has {KEY_BYTES} bytes, not {len(key)}", where="psi key")
        try:
            return _psi.server.CreateFromKey(key, reveal)
        except RuntimeError as exc:
            raise InvalidValue(str(exc), where="psi key") from None


def _parse(cls: Any, payload: bytes, what: str) -> Any:
    message = cls()
    try:
        message.ParseFromString(payload)
    except DecodeError:
        raise InvalidValue("not a serialised PSI message", where=f"psi {what}") from None
    return message
