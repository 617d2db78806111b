"""Dice similarity of bit-packed CLKs, vectorised.

``Dice(a, b) = 2 |a & b| / (|a| + |b|)`` over the set bits. CLKs are ``(n, words)``
uint64 arrays; ``|a & b|`` is counted a word at a time across a block of pairs
(``np.bitwise_and`` then ``np.bitwise_count``, accumulated in uint16), which keeps
the working set in cache (docs/benchmarks/clk.md has the measured throughput).

``matches`` finds every pair at or above a threshold. With ``prune`` (default) it
skips pairs whose popcounts alone rule the threshold out — ``Dice <= 2 min(|a|,
|b|) / (|a| + |b|)`` — by sorting both sides by popcount; the result is exactly
the same as without pruning.

For CLKs made of one segment per field (``accord.domain.clk``), ``field_scores``
and ``field_matches`` score a pair as the weighted mean of the per-field Dice
over the fields present (non-empty) on both sides, 0 when a required field is
missing on either or a field's Dice is below its floor. ``field_matches`` first
keeps the pairs whose required field alone can still reach the threshold (the
same word-at-a-time kernel on that segment), then scores only those exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from accord.domain.errors import InvalidValue


@dataclass(frozen=True)
class Matches:
    """Pairs (``left[i]``, ``right[i]``) with Dice ``score[i]`` >= the threshold."""

    left: np.ndarray
    right: np.ndarray
    score: np.ndarray

    def __len__(self) -> int:
        return int(self.left.shape[0])

    def pairs(self) -> set[tuple[int, int]]:
        return {(int(a), int(b)) for a, b in zip(self.left, self.right, strict=True)}


@dataclass(frozen=True)
class Segments:
    """Word ranges ``[start, end)`` of each field in a CLK, its weight and whether required."""

    bounds: tuple[tuple[int, int], ...]
    weights: tuple[float, ...]
    required: tuple[bool, ...]
    floors: tuple[float, ...] = ()  # a field's Dice below its floor makes the pair score 0

    def floor(self, field: int) -> float:
        return self.floors[field] if self.floors else 0.0

    @property
    def primary(self) -> int:
        """The first required field: pairs are pre-selected on it."""
        for i, needed in enumerate(self.required):
            if needed:
                return i
        raise InvalidValue("field-aware matching needs a required field", where="dice")


def popcounts(clks: np.ndarray) -> np.ndarray:
    """Set bits per CLK, as int32."""
    counts: np.ndarray = np.bitwise_count(clks).sum(axis=1, dtype=np.int32)
    return counts


def dice_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """All-pairs Dice as an ``(len(a), len(b))`` float32 matrix (for small inputs)."""
    _check(a, b)
    common = _common_bits(a, np.ascontiguousarray(b.T))
    total = popcounts(a)[:, None] + popcounts(b)[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(total > 0, 2.0 * common / total, 0.0)
    return out.astype(np.float32)


def matches(
    a: np.ndarray, b: np.ndarray, threshold: float, *,
    rows: int = 32, cols: int = 8192, prune: bool = True,
) -> Matches:
    """Every pair with Dice >= ``threshold``, comparing ``rows`` x ``cols`` blocks."""
    _check(a, b)
    if not 0.0 < threshold <= 1.0:
        raise InvalidValue(f"threshold must be in (0, 1], not {threshold}", where="dice")
    pa, pb = popcounts(a), popcounts(b)
    need = _needed(threshold, a.shape[1] * 64)
    order_a = np.argsort(pa, kind="stable") if prune else np.arange(len(a))
    order_b = np.argsort(pb, kind="stable") if prune else np.arange(len(b))
    sa, sb = a[order_a], b[order_b]
    spa, spb = pa[order_a], pb[order_b]
    bt = np.ascontiguousarray(sb.T)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for i in range(0, len(sa), rows):
        block_pa = spa[i:i + rows]
        lo, hi = 0, len(sb)
        if prune and len(block_pa):
            # |b| must lie in [|a| t / (2 - t), |a| (2 - t) / t] for some a in the block.
            lo = int(np.searchsorted(spb, block_pa[0] * threshold / (2 - threshold) - 1e-9))
            hi = int(np.searchsorted(spb, block_pa[-1] * (2 - threshold) / threshold + 1e-9,
                                     side="right"))
        for j in range(lo, hi, cols):
            k = min(j + cols, hi)
            common = _common_bits(sa[i:i + rows], bt[:, j:k])
            total = block_pa[:, None] + spb[None, j:k]
            ia, ib = np.nonzero(common >= need[total])
            if len(ia):
                score = (2.0 * common[ia, ib] / total[ia, ib]).astype(np.float32)
                found.append((order_a[ia + i], order_b[ib + j], score))
    return _collect(found)


def count_pairs_above(a: np.ndarray, b: np.ndarray, threshold: float, *,
                      rows: int = 32, cols: int = 8192) -> int:
    """How many pairs reach ``threshold``, comparing every pair (no pruning).

    The brute-force kernel on its own: what the throughput benchmark measures.
    """
    _check(a, b)
    pa, pb = popcounts(a), popcounts(b)
    need = _needed(threshold, a.shape[1] * 64)
    bt = np.ascontiguousarray(b.T)
    count = 0
    for i in range(0, len(a), rows):
        for j in range(0, len(b), cols):
            common = _common_bits(a[i:i + rows], bt[:, j:j + cols])
            total = pa[i:i + rows, None] + pb[None, j:j + cols]
            count += int(np.count_nonzero(common >= need[total]))
    return count


def _needed(threshold: float, bits: int) -> np.ndarray:
    """Common bits needed for Dice >= threshold, by total popcount (a lookup table).

    Integer compare instead of a float division per pair; a total of 0 (two
    empty CLKs) needs more bits than exist, so it never matches.
    """
    total = np.arange(2 * bits + 1)
    need = np.ceil(threshold * total / 2 - 1e-9).astype(np.uint16)
    need[0] = bits + 1
    return need


def field_scores(a: np.ndarray, b: np.ndarray, segments: Segments) -> np.ndarray:
    """All-pairs field-aware scores as an ``(len(a), len(b))`` float32 matrix."""
    _check(a, b)
    num = np.zeros((len(a), len(b)), dtype=np.float64)
    den = np.zeros_like(num)
    ok = np.ones((len(a), len(b)), dtype=bool)
    for f, ((start, end), weight, required) in enumerate(zip(
            segments.bounds, segments.weights, segments.required, strict=True)):
        sa, sb = a[:, start:end], b[:, start:end]
        common = _common_bits(sa, np.ascontiguousarray(sb.T))
        pa, pb = popcounts(sa)[:, None], popcounts(sb)[None, :]
        present = (pa > 0) & (pb > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dice = np.where(present, 2.0 * common / (pa + pb), 0.0)
        num += weight * dice
        den += weight * present
        ok &= ~present | (dice >= segments.floor(f) - 1e-9)
        if required:
            ok &= present
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(ok & (den > 0), num / den, 0.0)
    return out.astype(np.float32)


def field_matches(
    a: np.ndarray, b: np.ndarray, segments: Segments, threshold: float, *,
    rows: int = 32, cols: int = 8192,
) -> Matches:
    """Every pair whose field-aware score is >= ``threshold``."""
    _check(a, b)
    if not 0.0 < threshold <= 1.0:
        raise InvalidValue(f"threshold must be in (0, 1], not {threshold}", where="dice")
    p = segments.primary
    start, end = segments.bounds[p]
    w0 = segments.weights[p]
    others = sum(segments.weights) - w0
    # The best the other fields can do is Dice 1 each: the primary field must reach lb.
    lb = max((threshold * (w0 + others) - others) / w0, segments.floor(p), 1e-6)
    need = _needed(lb, (end - start) * 64)
    sa, sb = np.ascontiguousarray(a[:, start:end]), b[:, start:end]
    pa, pb = popcounts(sa), popcounts(sb)
    bt = np.ascontiguousarray(sb.T)
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    for i in range(0, len(a), rows):
        for j in range(0, len(b), cols):
            common = _common_bits(sa[i:i + rows], bt[:, j:j + cols])
            total = pa[i:i + rows, None] + pb[None, j:j + cols]
            ia, ib = np.nonzero(common >= need[total])
            if len(ia):
                ia, ib = ia + i, ib + j
                score = _pair_scores(a[ia], b[ib], segments)
                keep = score >= threshold - 1e-6
                found.append((ia[keep], ib[keep], score[keep]))
    return _collect(found)


def _pair_scores(x: np.ndarray, y: np.ndarray, segments: Segments) -> np.ndarray:
    """Field-aware scores of the pairs (x[i], y[i])."""
    num = np.zeros(len(x), dtype=np.float64)
    den = np.zeros(len(x), dtype=np.float64)
    ok = np.ones(len(x), dtype=bool)
    for f, ((start, end), weight, required) in enumerate(zip(
            segments.bounds, segments.weights, segments.required, strict=True)):
        sx, sy = x[:, start:end], y[:, start:end]
        common = np.bitwise_count(sx & sy).sum(axis=1, dtype=np.int32)
        px, py = popcounts(sx), popcounts(sy)
        present = (px > 0) & (py > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            dice = np.where(present, 2.0 * common / (px + py), 0.0)
        num += weight * dice
        den += weight * present
        ok &= ~present | (dice >= segments.floor(f) - 1e-9)
        if required:
            ok &= present
    with np.errstate(divide="ignore", invalid="ignore"):
        scores: np.ndarray = np.where(ok & (den > 0), num / den, 0.0).astype(np.float32)
    return scores


def _collect(found: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> Matches:
    if not found:
        empty = np.zeros(0, dtype=np.intp)
        return Matches(empty, empty.copy(), np.zeros(0, dtype=np.float32))
    left, right, score = (np.concatenate(parts) for parts in zip(*found, strict=True))
    order = np.lexsort((right, left))
    return Matches(left[order], right[order], score[order])


def _common_bits(a: np.ndarray, bt: np.ndarray) -> np.ndarray:
    """|a_i & b_j| for a block: ``a`` is (m, words), ``bt`` is (words, n) (b transposed)."""
    m, n = a.shape[0], bt.shape[1]
    tmp = np.empty((m, n), dtype=np.uint64)
    counts = np.empty((m, n), dtype=np.uint8)
    acc = np.zeros((m, n), dtype=np.uint16)
    for w in range(a.shape[1]):
        np.bitwise_and(a[:, w, None], bt[w][None, :], out=tmp)
        np.bitwise_count(tmp, out=counts)
        np.add(acc, counts, out=acc)
    return acc


def _check(a: np.ndarray, b: np.ndarray) -> None:
    if a.ndim != 2 or b.ndim != 2 or a.dtype != np.uint64 or b.dtype != np.uint64:
        raise InvalidValue("CLKs must be (n, words) uint64 arrays", where="dice")
    if a.shape[1] != b.shape[1]:
        raise InvalidValue(f"CLKs of {a.shape[1] * 64} and {b.shape[1] * 64} bits cannot be "
                           "compared (different schemas?)", where="dice")
