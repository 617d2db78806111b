"""The marking algebra: most restrictive wins, as a join-semilattice."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.domain.errors import InvalidValue
from accord.domain.markings import PAP, TLP, HandlingCode, Marking

parties = st.sampled_from(["CO", "MX", "US", "PA", "ES"])
markings = st.builds(
    Marking,
    tlp=st.sampled_from(list(TLP)),
    pap=st.sampled_from(list(PAP)),
    handling=st.frozensets(st.sampled_from(list(HandlingCode))),
    releasable_to=st.none() | st.frozensets(parties),
    originator_control=st.booleans(),
    restrictions=st.lists(st.sampled_from(["no arrests", "no contact"]), max_size=2).map(tuple),
)


@given(markings, markings)
def test_join_is_commutative(a: Marking, b: Marking) -> None:
    assert a | b == b | a


@given(markings, markings, markings)
def test_join_is_associative(a: Marking, b: Marking, c: Marking) -> None:
    assert (a | b) | c == a | (b | c)


@given(markings)
def test_join_is_idempotent_with_identity(a: Marking) -> None:
    assert a | a == a
    assert a | Marking.UNRESTRICTED == a


@given(markings, markings)
def test_join_is_at_least_as_restrictive_as_each_side(a: Marking, b: Marking) -> None:
    joined = a | b
    for side in (a, b):
        assert joined.at_least_as_restrictive_as(side)
        assert joined.tlp >= side.tlp
        assert joined.pap >= side.pap
        assert side.handling <= joined.handling
        assert joined.originator_control >= side.originator_control


@given(markings, markings, parties)
def test_join_is_releasable_only_where_both_are(a: Marking, b: Marking, party: str) -> None:
    assert (a | b).releasable(party) == (a.releasable(party) and b.releasable(party))


def test_tlp_order_follows_tlp_2() -> None:
    assert TLP.CLEAR < TLP.GREEN < TLP.AMBER < TLP.AMBER_STRICT < TLP.RED


def test_h0_is_implied_and_not_stored() -> None:
    m = Marking(handling=frozenset({HandlingCode.H0, HandlingCode.H2}))
    assert m.handling == frozenset({HandlingCode.H2})
    assert m.has(HandlingCode.H0)
    assert Marking().handling_codes == ["H0"]


def test_parse_round_trip() -> None:
    raw = {"tlp": "amber+strict", "pap": "GREEN", "handling": ["H1", "H3"],
           "releasable_to": ["mx", "us"], "originator_control": True,
           "restrictions": ["no arrests before 1 May"]}
    m = Marking.from_dict(raw)
    assert m.tlp is TLP.AMBER_STRICT and m.releasable_to == frozenset({"MX", "US"})
    assert Marking.from_dict(m.to_dict()) == m


def test_missing_tlp_defaults_to_amber_not_clear() -> None:
    assert Marking.from_dict({}).tlp is TLP.AMBER
    assert Marking.from_dict(None) == Marking.DEFAULT


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"tlp": "PINK"}, "markings.tlp: 'PINK' is not a TLP"),
        ({"handling": ["H7"]}, "markings.handling: 'H7' is not a HandlingCode"),
        ({"handling": ["H3"]}, "markings.restrictions: H3 needs its restrictions stated"),
        ({"colour": "red"}, "markings: unknown marking field(s): colour"),
        ({"releasable_to": "MX"}, "markings.releasable_to: releasable_to must be a list"),
    ],
)
def test_bad_markings_name_where_and_why(raw: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidValue) as err:
        Marking.from_dict(raw)
    assert str(err.value).startswith(message)
