"""Folding leaf hashes into tiles, and planning the reads of stored ones."""

from __future__ import annotations

import hashlib

from accord.adapters.ledger.tables import TILE_STRIDE, TILE_WIDTH
from accord.domain.merkle import NODE_PREFIX


def merge_spans(spans: list[tuple[int, int]], gap: int = TILE_WIDTH) -> list[tuple[int, int]]:
    """Sorted spans, with those less than ``gap`` rows apart joined (fewer, longer reads)."""
    merged: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if merged and a - merged[-1][1] < gap:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def tile_roots(run: list[bytes]) -> list[bytes]:
    """Roots of the complete ``TILE_WIDTH``-wide tiles in ``run`` (which starts on a tile
    boundary), folded level by level across the whole run: one list pass per level."""
    sha, prefix = hashlib.sha256, NODE_PREFIX
    level = run[:len(run) - len(run) % TILE_WIDTH]
    for _ in range(TILE_STRIDE):
        pairs = iter(level)
        level = [sha(prefix + left + right).digest()
                 for left, right in zip(pairs, pairs, strict=True)]
    return level
