"""Bit-packed Dice: agrees with a plain count on every pair."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from accord.domain.dice import (
    Segments,
    count_pairs_above,
    dice_matrix,
    field_matches,
    field_scores,
    matches,
    popcounts,
)
from accord.domain.errors import InvalidValue


def plain_dice(a: np.ndarray, b: np.ndarray) -> float:
    ones_a = sum(bin(int(w)).count("1") for w in a)
    ones_b = sum(bin(int(w)).count("1") for w in b)
    common = sum(bin(int(x) & int(y)).count("1") for x, y in zip(a, b, strict=True))
    return 2 * common / (ones_a + ones_b) if ones_a + ones_b else 0.0


clk_sets = st.integers(1, 12).flatmap(
    lambda n: arrays(np.uint64, (n, 2), elements=st.sampled_from(
        [0, 1, 3, 0xFF, 0xF0F0, 2**63, 2**64 - 1, 0x123456789ABCDEF])))


@settings(max_examples=60, deadline=None)
@given(clk_sets, clk_sets, st.sampled_from([0.3, 0.5, 0.8, 1.0]))
def test_matrix_and_search_agree_with_a_plain_count(a: np.ndarray, b: np.ndarray,
                                                    threshold: float) -> None:
    scores = dice_matrix(a, b)
    for i in range(len(a)):
        for j in range(len(b)):
            assert scores[i, j] == pytest.approx(plain_dice(a[i], b[j]), abs=1e-6)
    expected = {(i, j) for i in range(len(a)) for j in range(len(b))
                if plain_dice(a[i], b[j]) >= threshold - 1e-9 and scores[i, j] > 0}
    for prune in (True, False):
        found = matches(a, b, threshold, rows=3, cols=5, prune=prune)
        assert found.pairs() == expected
        assert np.allclose(found.score, scores[found.left, found.right])
    assert count_pairs_above(a, b, threshold, rows=3, cols=5) == len(expected)


def test_popcounts_and_identity() -> None:
    a = np.array([[0b1011, 0], [2**64 - 1, 1]], dtype=np.uint64)
    assert popcounts(a).tolist() == [3, 65]
    assert dice_matrix(a, a).diagonal().tolist() == [1.0, 1.0]


def test_empty_clks_match_nothing() -> None:
    zero = np.zeros((1, 2), dtype=np.uint64)
    assert dice_matrix(zero, zero)[0, 0] == 0.0
    assert len(matches(zero, zero, 0.5)) == 0


def test_mismatched_inputs_are_refused() -> None:
    with pytest.raises(InvalidValue, match="CLKs of 128 and 64 bits cannot be compared"):
        dice_matrix(np.zeros((1, 2), np.uint64), np.zeros((1, 1), np.uint64))
    with pytest.raises(InvalidValue, match="uint64 arrays"):
        dice_matrix(np.zeros((1, 2), np.int64), np.zeros((1, 2), np.int64))
    with pytest.raises(InvalidValue, match=r"threshold must be in \(0, 1\]"):
        matches(np.zeros((1, 2), np.uint64), np.zeros((1, 2), np.uint64), 0)


SEGMENTS = Segments(((0, 1), (1, 2), (2, 3)), (3.0, 1.5, 0.5), (True, False, False),
                    (0.3, 0.0, 0.2))
segmented = st.integers(1, 10).flatmap(
    lambda n: arrays(np.uint64, (n, 3), elements=st.sampled_from(
        [0, 1, 3, 0xFF, 0xF0F0, 0xFFFF, 2**63, 2**64 - 1, 0x123456789ABCDEF])))


@settings(max_examples=60, deadline=None)
@given(segmented, segmented, st.sampled_from([0.3, 0.6, 0.77, 1.0]))
def test_field_search_agrees_with_field_scores(a: np.ndarray, b: np.ndarray,
                                               threshold: float) -> None:
    scores = field_scores(a, b, SEGMENTS)
    expected = {(i, j) for i in range(len(a)) for j in range(len(b))
                if scores[i, j] >= threshold - 1e-6 and scores[i, j] > 0}
    found = field_matches(a, b, SEGMENTS, threshold, rows=3, cols=4)
    assert found.pairs() == expected
    assert np.allclose(found.score, scores[found.left, found.right])


def test_field_scores_use_only_fields_both_sides_have() -> None:
    name, year, country = 0b1111, 0b11, 0b1
    a = np.array([[name, year, country]], dtype=np.uint64)
    no_year = np.array([[name, 0, country]], dtype=np.uint64)
    other_year = np.array([[name, 0b1100, country]], dtype=np.uint64)
    no_name = np.array([[0, year, country]], dtype=np.uint64)
    assert field_scores(a, no_year, SEGMENTS)[0, 0] == 1.0
    assert field_scores(a, other_year, SEGMENTS)[0, 0] == pytest.approx(3.5 / 5.0)
    assert field_scores(a, no_name, SEGMENTS)[0, 0] == 0.0
    weak_name = np.array([[0b1_1110_0001, year, country]], dtype=np.uint64)
    assert field_scores(a, weak_name, SEGMENTS)[0, 0] == 0.0  # name Dice 2/9, below its floor
