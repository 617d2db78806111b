"""RFC 9162 Merkle tree maths: hashes, roots, inclusion and consistency proofs.

Hashing (RFC 9162 sec. 2.1.1): the empty tree is ``SHA-256("")``, a leaf is
``SHA-256(0x00 || d)``, an interior node ``SHA-256(0x01 || left || right)``,
and a tree of ``n > 1`` leaves splits at ``k``, the largest power of two
smaller than ``n``.

Proofs are built from *perfect subtrees*: ``Node = (level, index)`` names the
complete subtree of ``2**level`` leaves starting at leaf ``index << level``.
Every hash in a proof is the hash of a range ``D[a:b]``; such a range is the
right fold of at most ``log2(n)`` perfect subtrees, so a store that keeps the
hashes of (some) perfect subtrees answers any proof with O(log n) lookups. The
functions here say *which* subtrees they need (``*_plan``) and take the
hashes from a ``NodeSource`` — a list of leaf hashes (``LeafHashes``) in
memory, or the ledger's tables (``accord.adapters.ledger``).

Verification follows RFC 9162 sec. 2.1.3.2 and 2.1.4.2 to the letter, plus
the trivial cases the RFC leaves out (``m == n`` and ``m == 0``). A failed
check raises ``InvalidProof`` saying why.

Written here rather than taken from pymerkle: pymerkle cannot read hashes from
our tables, and this module must stay pure (no I/O). pymerkle is the test
oracle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from accord.domain.errors import AccordError

HASH_SIZE = 32
LEAF_PREFIX = b"\x00"
NODE_PREFIX = b"\x01"
EMPTY_ROOT = hashlib.sha256(b"").digest()

Node = tuple[int, int]
"""``(level, index)``: the perfect subtree over leaves ``[index << level, (index+1) << level)``."""


class InvalidProof(AccordError):
    """A proof, index or tree size does not check out; the message says which step failed."""

    code = "invalid_proof"
    status = 422


def leaf_hash(data: bytes) -> bytes:
    """``SHA-256(0x00 || data)``."""
    return hashlib.sha256(LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(NODE_PREFIX + left + right).digest()


def split_point(n: int) -> int:
    """``k``: the largest power of two strictly smaller than ``n`` (``n >= 2``)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_root(hashes: Sequence[bytes]) -> bytes:
    """Root of a perfect subtree given its ``2**h`` leaf (or same-level node) hashes."""
    sha, prefix = hashlib.sha256, NODE_PREFIX  # locals: this loop is the append hot path
    level = list(hashes)
    while len(level) > 1:
        level = [sha(prefix + level[i] + level[i + 1]).digest()
                 for i in range(0, len(level), 2)]
    return level[0]


def fold(peaks: Sequence[bytes]) -> bytes:
    """MTH of a range from its perfect subtrees, largest first (a right fold)."""
    if not peaks:
        return EMPTY_ROOT
    acc = peaks[-1]
    for peak in reversed(peaks[:-1]):
        acc = node_hash(peak, acc)
    return acc


def range_nodes(start: int, end: int) -> list[Node]:
    """Perfect subtrees, largest first, whose fold is ``MTH(D[start:end])``.

    ``start`` must be a multiple of the largest power of two not above
    ``end - start`` (true of every range in an RFC 9162 tree and its proofs).
    """
    nodes: list[Node] = []
    width = end - start
    while width:
        level = width.bit_length() - 1
        nodes.append((level, start >> level))
        start += 1 << level
        width -= 1 << level
    return nodes


def inclusion_ranges(index: int, size: int) -> list[tuple[int, int]]:
    """The ranges ``[a, b)`` whose MTHs form ``PATH(index, D[size])``, leaf end first."""
    _check_index(index, size)
    ranges: list[tuple[int, int]] = []
    lo, hi = 0, size
    while hi - lo > 1:
        k = split_point(hi - lo)
        if index < lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
    ranges.reverse()
    return ranges


def consistency_ranges(m: int, n: int) -> list[tuple[int, int]]:
    """The ranges whose MTHs form ``PROOF(m, D[n])`` (empty when ``m`` is 0 or ``n``)."""
    _check_sizes(m, n)
    if m == 0 or m == n:
        return []
    ranges: list[tuple[int, int]] = []
    lo, hi, whole = 0, n, True
    # SUBPROOF(m, D[lo:hi], whole), unrolled; ``m`` stays an absolute size.
    while m != hi:
        k = split_point(hi - lo)
        if m <= lo + k:
            ranges.append((lo + k, hi))
            hi = lo + k
        else:
            ranges.append((lo, lo + k))
            lo += k
            whole = False
    if not whole:
        ranges.append((lo, hi))
    ranges.reverse()
    return ranges


@runtime_checkable
class NodeSource(Protocol):
    """Where proofs get perfect-subtree hashes from (memory or the ledger tables)."""

    def node_hashes(self, nodes: Sequence[Node]) -> Mapping[Node, bytes]:
        """The hash of every node asked for (all of them must exist)."""
        ...


class LeafHashes:
    """A ``NodeSource`` over leaf hashes held in memory; subtree hashes are cached."""

    def __init__(self, hashes: Iterable[bytes] = ()) -> None:
        self.leaves: list[bytes] = list(hashes)
        self._cache: dict[Node, bytes] = {}

    def append(self, hash_: bytes) -> None:
        self.leaves.append(hash_)

    def node_hashes(self, nodes: Sequence[Node]) -> Mapping[Node, bytes]:
        return {node: self._node(*node) for node in nodes}

    def _node(self, level: int, index: int) -> bytes:
        if level == 0:
            return self.leaves[index]
        found = self._cache.get((level, index))
        if found is None:
            found = node_hash(self._node(level - 1, 2 * index),
                              self._node(level - 1, 2 * index + 1))
            self._cache[(level, index)] = found
        return found


def _source(source: NodeSource | Sequence[bytes]) -> NodeSource:
    return source if isinstance(source, NodeSource) else LeafHashes(source)


def range_hashes(ranges: Sequence[tuple[int, int]],
                 source: NodeSource | Sequence[bytes]) -> list[bytes]:
    """``MTH(D[a:b])`` for every range, with one batched lookup of the subtrees needed."""
    plans = [range_nodes(a, b) for a, b in ranges]
    wanted = list(dict.fromkeys(node for plan in plans for node in plan))
    found = _source(source).node_hashes(wanted)
    return [fold([found[node] for node in plan]) for plan in plans]


def root(leaf_hashes: NodeSource | Sequence[bytes], size: int | None = None) -> bytes:
    """``MTH(D[size])``; ``size`` defaults to the number of leaf hashes given."""
    if size is None:
        if isinstance(leaf_hashes, NodeSource):
            raise TypeError("root(source) needs the tree size when given a NodeSource")
        size = len(leaf_hashes)
    if size < 0:
        raise InvalidProof(f"tree size {size} is negative")
    return range_hashes([(0, size)], leaf_hashes)[0]


def inclusion_proof(index: int, size: int,
                    source: NodeSource | Sequence[bytes]) -> list[bytes]:
    """``PATH(index, D[size])`` (RFC 9162 sec. 2.1.3.1)."""
    return range_hashes(inclusion_ranges(index, size), source)


def consistency_proof(m: int, n: int, source: NodeSource | Sequence[bytes]) -> list[bytes]:
    """``PROOF(m, D[n])`` (RFC 9162 sec. 2.1.4.1); empty when ``m`` is 0 or ``n``."""
    return range_hashes(consistency_ranges(m, n), source)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes],
                     root_hash: bytes) -> None:
    """Check that ``leaf`` (a leaf *hash*) is at ``index`` in the tree ``root_hash`` of ``size``.

    RFC 9162 sec. 2.1.3.2. Raises ``InvalidProof`` naming the failed step.
    """
    _check_hashes([leaf, root_hash, *proof])
    if not 0 <= index < size:
        raise InvalidProof(f"leaf index {index} is not below tree size {size}")
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            raise InvalidProof(f"proof has {len(proof)} hashes, more than a tree of {size} needs")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof(f"proof has {len(proof)} hashes, fewer than a tree of {size} needs")
    if r != root_hash:
        raise InvalidProof(f"leaf {index} does not lead to the root of the tree of size {size}")


def verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> None:
    """Check that the tree ``new_root`` of size ``n`` extends the tree ``old_root`` of size ``m``.

    RFC 9162 sec. 2.1.4.2 for ``0 < m < n``; ``m == n`` needs an empty proof
    and equal roots, ``m == 0`` an empty proof and the empty-tree root.
    Raises ``InvalidProof`` naming the failed step.
    """
    _check_hashes([old_root, new_root, *proof])
    _check_sizes(m, n)
    if m == 0 or m == n:
        if proof:
            raise InvalidProof(f"a consistency proof from {m} to {n} must be empty")
        expected = EMPTY_ROOT if m == 0 else new_root
        if old_root != expected:
            raise InvalidProof(f"the tree of size {m} is not the same as the tree of size {n}"
                               if m else "the old root is not the empty tree's root")
        return
    if not proof:
        raise InvalidProof(f"the consistency proof from {m} to {n} is empty")
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, old_root)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise InvalidProof(f"proof has {len(proof)} hashes, more than {m} -> {n} needs")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise InvalidProof(f"proof has {len(proof)} hashes, fewer than {m} -> {n} needs")
    if fr != old_root:
        raise InvalidProof(f"the proof does not lead to the old root (size {m})")
    if sr != new_root:
        raise InvalidProof(f"the proof does not lead to the new root (size {n})")


def _check_index(index: int, size: int) -> None:
    if not 0 <= index < size:
        raise InvalidProof(f"leaf index {index} is not below tree size {size}")


def _check_sizes(m: int, n: int) -> None:
    if not 0 <= m <= n:
        raise InvalidProof(f"tree sizes {m} -> {n}: need 0 <= old size <= new size")


def _check_hashes(hashes: Iterable[bytes]) -> None:
    for h in hashes:
        if len(h) != HASH_SIZE:
            raise InvalidProof(f"a hash is {len(h)} bytes long, not {HASH_SIZE}")
