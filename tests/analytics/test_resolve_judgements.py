"""Judgements: the algebra, what a set of judgements implies, and refusing contradictions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.analytics.resolve.judgements import Judgement, JudgementRecord, JudgementSet, Pair
from accord.domain.errors import Conflict, InvalidValue

SAME, DIFFERENT, UNSURE = Judgement.SAME, Judgement.DIFFERENT, Judgement.UNSURE
T0 = datetime(2025, 1, 1, tzinfo=UTC)
judgements = st.sampled_from(list(Judgement))


def record(a: str, b: str, j: Judgement, minutes: int = 0) -> JudgementRecord:
    return JudgementRecord(Pair.of(a, b), j, actor="ana", at=T0 + timedelta(minutes=minutes))


def test_chaining_table() -> None:
    assert SAME + SAME is SAME
    assert SAME + DIFFERENT is DIFFERENT
    assert DIFFERENT + SAME is DIFFERENT
    assert DIFFERENT + DIFFERENT is UNSURE  # two "different" say nothing about the ends
    assert UNSURE + SAME is UNSURE


@given(judgements, judgements)
def test_chaining_is_commutative(a: Judgement, b: Judgement) -> None:
    assert a + b is b + a


@given(judgements)
def test_same_is_the_identity_except_for_unsure(a: Judgement) -> None:
    assert SAME + a is a


def test_parse_accepts_any_case_and_names_the_choices() -> None:
    assert Judgement.parse(" Same ") is SAME
    with pytest.raises(InvalidValue, match=r"'maybe' is not a judgement \(choose same, "
                                           r"different, unsure\)"):
        Judgement.parse("maybe")


def test_pairs_are_unordered_and_refuse_self_and_empty() -> None:
    assert Pair.of("b", "a") == Pair.of("a", "b") == Pair("a", "b")
    with pytest.raises(InvalidValue, match="cannot judge 'a' against itself"):
        Pair.of("a", "a")
    with pytest.raises(InvalidValue, match="the second entity id is empty"):
        Pair.of("a", " ")


def test_latest_judgement_of_a_pair_wins() -> None:
    found = JudgementSet([record("a", "b", DIFFERENT, 2), record("b", "a", SAME, 1)])
    assert found.get("a", "b") is DIFFERENT
    assert len(found) == 1


def test_implied_through_same_groups() -> None:
    found = JudgementSet([record("a", "b", SAME), record("b", "c", SAME),
                          record("c", "d", DIFFERENT)])
    assert found.implied("a", "c") is SAME
    assert found.implied("a", "d") is DIFFERENT  # a = b = c, c != d
    assert found.implied("a", "x") is None


def test_check_refuses_a_contradiction_but_allows_rejudging_the_pair() -> None:
    found = JudgementSet([record("a", "b", SAME), record("b", "c", SAME)])
    with pytest.raises(Conflict, match="'a' and 'c' are already judged same through other "
                                       "judgements"):
        found.check("a", "c", DIFFERENT)
    found.check("a", "b", DIFFERENT)  # replaces the pair's own judgement: allowed
    found.check("a", "c", UNSURE)  # unsure contradicts nothing
    different = JudgementSet([record("a", "b", DIFFERENT), record("b", "c", SAME)])
    with pytest.raises(Conflict, match="already judged different"):
        different.check("a", "c", SAME)
