"""A PSI engine that makes the setup of the same items under the same key only once.

An owner answering deconfliction checks blinds every active operation for
every check (one curve multiplication per token: ~0.1 ms each, hundreds of
tokens an operation), although an operation's setup under one partner's key
for one epoch never changes. This wrapper remembers setups by (key, items),
in this process, bounded. Empty item lists (the padding labels of
``accord.domain.deconfliction.prepare_operations``) are never cached: each
must look like a fresh, distinct set.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Sequence

from accord.domain.query import PsiEngine

MAX_SETUPS = 1024


class CachedSetups:
    """``PsiEngine`` delegating to ``engine``, with setups remembered (see the docstring)."""

    def __init__(self, engine: PsiEngine, *, size: int = MAX_SETUPS) -> None:
        self.engine, self.size = engine, size
        self._lock = threading.Lock()
        self._setups: OrderedDict[bytes, bytes] = OrderedDict()

    def setup(self, items: Sequence[str], *, key: bytes, max_client_items: int) -> bytes:
        if not items:
            return self.engine.setup(items, key=key, max_client_items=max_client_items)
        digest = hashlib.sha256(key + max_client_items.to_bytes(8, "big"))
        for item in items:
            digest.update(item.encode() + b"\x00")
        name = digest.digest()
        with self._lock:
            found = self._setups.get(name)
            if found is not None:
                self._setups.move_to_end(name)
                return found
        made = self.engine.setup(items, key=key, max_client_items=max_client_items)
        with self._lock:
            self._setups[name] = made
            while len(self._setups) > self.size:
                self._setups.popitem(last=False)
        return made

    def request(self, items: Sequence[str], *, reveal: bool) -> tuple[bytes, bytes]:
        return self.engine.request(items, reveal=reveal)

    def request_size(self, request: bytes) -> int:
        return self.engine.request_size(request)

    def request_reveals(self, request: bytes) -> bool:
        return self.engine.request_reveals(request)

    def respond(self, request: bytes, *, key: bytes, reveal: bool) -> bytes:
        return self.engine.respond(request, key=key, reveal=reveal)

    def intersection(self, client_key: bytes, setup: bytes, response: bytes) -> list[int]:
        return self.engine.intersection(client_key, setup, response)

    def intersection_size(self, client_key: bytes, setup: bytes, response: bytes) -> int:
        return self.engine.intersection_size(client_key, setup, response)
