"""Seeded random streams.

Every part of the world draws from its own ``random.Random`` seeded with a
string that names it (``"7:world:orgs"``). String seeds are hashed with
SHA-512 by the standard library, so streams are independent of each other,
of ``PYTHONHASHSEED`` and of the order in which parts are generated: adding
a nation or a benign day never changes what another part draws. The global
``random`` module is never used.
"""

from __future__ import annotations

import hashlib
import random


def stream(seed: int, *labels: object) -> random.Random:
    """An independent generator for the part of the world named by ``labels``."""
    return random.Random(":".join([str(seed), *map(str, labels)]))


def unit_hash(*labels: object) -> float:
    """A deterministic number in [0, 1) for ``labels`` (cheaper than a stream for one draw)."""
    digest = hashlib.blake2b(":".join(map(str, labels)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64


def int_hash(*labels: object) -> int:
    """A deterministic 64-bit integer for ``labels``."""
    digest = hashlib.blake2b(":".join(map(str, labels)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


def poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw (Knuth's method; a rounded normal for large means)."""
    if lam <= 0:
        return 0
    if lam > 50:
        return max(0, round(rng.gauss(lam, lam**0.5)))
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
