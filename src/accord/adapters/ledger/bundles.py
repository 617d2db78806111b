"""Leaves as stored: bundle rows (see ``tables``) written and read back as ``LeafRow``s.

A bundle holds the leaves of one appended batch: their count, their 32-byte leaf
hashes concatenated, their data concatenated, and the end offset of each leaf in
the data (4-byte big-endian integers). ``Bundle`` reads one back, checking its
shape, and cuts single leaves out of it on demand.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate

from accord.adapters.ledger.tables import END_SIZE, HASH_SIZE
from accord.domain.ledger_entry import LedgerEntry, encode_leaf
from accord.domain.merkle import leaf_hash

COLUMNS = "first_idx, n, hashes, ends, data"
"""The bundle columns, in the order ``Bundle`` and ``bundle_row`` use."""


@dataclass(frozen=True)
class LeafRow:
    """A stored leaf: its index, hash and data (the canonical JSON of the entry)."""

    index: int
    leaf_hash: bytes
    data: bytes

    @classmethod
    def of(cls, entry: LedgerEntry, index: int) -> LeafRow:
        data = encode_leaf(entry, index)
        return cls(index, leaf_hash(data), data)

    def values(self) -> dict[str, object]:
        """The bundle row holding this leaf alone (``insert(bundles).values(...)``)."""
        return bundle_values(self.index, [self.leaf_hash], [self.data])


def bundle_values(first: int, hashes: Sequence[bytes], datas: Sequence[bytes],
                  ) -> dict[str, object]:
    """The column values of the bundle of leaves ``first ..`` with these hashes and data."""
    return dict(zip(("first_idx", "n", "hashes", "ends", "data"),
                    bundle_row(first, hashes, datas), strict=True))


def bundle_row(first: int, hashes: Sequence[bytes], datas: Sequence[bytes],
                ) -> tuple[int, int, bytes, bytes, bytes]:
    ends = struct.pack(f">{len(datas)}I", *accumulate(map(len, datas)))
    return first, len(datas), b"".join(hashes), ends, b"".join(datas)


class Bundle:
    """One bundle row, read: leaf ``i`` is cut out of it only when asked for.

    A well-formed bundle has ``n`` hashes of 32 bytes, ``n`` ascending end
    offsets and data ending at the last one. A damaged one still yields ``n``
    leaves (never raises), but every leaf of it gets an empty hash, so that the
    auditor's check names the bundle's first leaf and a proof refuses it.
    """

    __slots__ = ("data", "first", "hashes", "n", "offsets", "sound")

    def __init__(self, first: int, n: int, hashes: bytes, ends: bytes, data: bytes) -> None:
        self.first, self.n = int(first), int(n)
        self.hashes, self.data = bytes(hashes), bytes(data)
        self.offsets, self.sound = _offsets(self.n, len(self.hashes), bytes(ends), len(self.data))

    def holds(self, index: int) -> bool:
        return self.first <= index < self.first + self.n

    def row(self, index: int) -> LeafRow:
        """Leaf ``index`` (which this bundle holds)."""
        k = index - self.first
        offsets = self.offsets
        start = offsets[k] if k < len(offsets) else len(self.data)
        end = offsets[k + 1] if k + 1 < len(offsets) else len(self.data)
        h = self.hashes[HASH_SIZE * k:HASH_SIZE * (k + 1)] if self.sound else b""
        return LeafRow(index, h, self.data[start:end])

    def rows(self) -> list[LeafRow]:
        if not self.sound:
            return [self.row(self.first + k) for k in range(max(self.n, 0))]
        hashes, data, offsets, first = self.hashes, self.data, self.offsets, self.first
        return [LeafRow(first + k, hashes[HASH_SIZE * k:HASH_SIZE * (k + 1)],
                        data[offsets[k]:offsets[k + 1]]) for k in range(self.n)]


def _offsets(n: int, hashes_size: int, ends: bytes, data_size: int,
             ) -> tuple[tuple[int, ...], bool]:
    """The start offsets of a bundle's leaves (and the end of the last one), and whether
    the bundle is well formed."""
    whole = len(ends) // END_SIZE
    offsets = (0, *struct.unpack(f">{whole}I", ends[:whole * END_SIZE]))
    sound = (hashes_size == HASH_SIZE * n == HASH_SIZE * whole
             and len(ends) == END_SIZE * whole and offsets[-1] == data_size
             and all(a <= b for a, b in zip(offsets, offsets[1:], strict=False)))
    return offsets, sound


def unpack_bundle(first: int, n: int, hashes: bytes, ends: bytes, data: bytes,
                  ) -> list[LeafRow]:
    """The leaves of one bundle row, whatever state it is in (see ``Bundle``)."""
    return Bundle(first, n, hashes, ends, data).rows()
