"""Clustering: components of accepted links, judgements applied, identity conflicts."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from accord.analytics.resolve.cluster import canonical_id, cluster
from accord.analytics.resolve.evidence import Link
from accord.analytics.resolve.judgements import Judgement, JudgementRecord, JudgementSet, Pair

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NONE = JudgementSet()


def link(a: str, b: str, weight: float, *, hard: tuple[str, ...] = ()) -> Link:
    left, right = sorted((a, b))
    return Link(left, right, "Person", weight, 2 ** weight / (1 + 2 ** weight), hard=hard)


def judged(*items: tuple[str, str, Judgement]) -> JudgementSet:
    return JudgementSet(JudgementRecord(Pair.of(a, b), j, actor="ana", at=T0)
                        for a, b, j in items)


def groups(ids: list[str], links: list[Link], judgements: JudgementSet = NONE,
           identity: dict[str, dict[str, frozenset[str]]] | None = None) -> set[tuple[str, ...]]:
    found = cluster(ids, links, judgements, family="Person", threshold=0.0, identity=identity)
    return {c.members for c in found.clusters}


def test_components_of_accepted_links_only() -> None:
    links = [link("a", "b", 5), link("b", "c", 3), link("c", "d", -1), link("e", "f", 9)]
    assert groups(list("abcdef"), links) == {("a", "b", "c"), ("d",), ("e", "f")}


def test_hard_evidence_links_whatever_the_weight() -> None:
    links = [link("a", "b", -4, hard=("passport:X1",))]
    assert groups(["a", "b"], links) == {("a", "b")}


def test_a_different_judgement_cuts_the_weakest_link_on_the_path() -> None:
    links = [link("a", "b", 9), link("b", "c", 2), link("c", "d", 8)]
    result = cluster(list("abcd"), links, judged(("a", "d", Judgement.DIFFERENT)),
                     family="Person", threshold=0.0)
    assert {c.members for c in result.clusters} == {("a", "b"), ("c", "d")}
    assert [(c.link.left, c.link.right, c.reason) for c in result.cut] == [
        ("b", "c", "would join mentions judged different")]


def test_same_joins_what_the_matcher_did_not_and_unsure_withdraws_a_link() -> None:
    assert groups(["a", "b"], [], judged(("a", "b", Judgement.SAME))) == {("a", "b")}
    links = [link("a", "b", 4), link("b", "c", 4), link("a", "c", 4)]
    # unsure withdraws the direct a-c link only: a and c still meet through b
    assert groups(list("abc"), links, judged(("a", "c", Judgement.UNSURE))) == {("a", "b", "c")}
    assert groups(["a", "b"], [link("a", "b", 4)],
                  judged(("a", "b", Judgement.UNSURE))) == {("a",), ("b",)}


def test_disjoint_identity_keys_keep_mentions_apart() -> None:
    # b has no IMO: it goes with the IMO it is more strongly linked to
    identity = {"a": {"imo": frozenset({"9000001"})}, "c": {"imo": frozenset({"9000002"})}}
    links = [link("a", "b", 6), link("b", "c", 4)]
    assert groups(list("abc"), links, identity=identity) == {("a", "b"), ("c",)}
    # an analyst's SAME overrides the conflict
    assert groups(list("ac"), [], judged(("a", "c", Judgement.SAME)),
                  identity=identity) == {("a", "c")}


def test_confidence_is_the_weakest_link_holding_the_cluster() -> None:
    found = cluster(list("abc"), [link("a", "b", 10), link("b", "c", 1)], NONE,
                    family="Person", threshold=0.0)
    merged = next(c for c in found.clusters if c.size == 3)
    assert merged.confidence == round(2 / 3, 6)
    assert merged.id == canonical_id(["c", "a", "b"]) == canonical_id(["a"])
    single = next(c for c in cluster(["z"], [], NONE, family="Person",
                                      threshold=0.0).clusters)
    assert single.confidence == 1.0


pairs = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 7), st.integers(-3, 9)),
                 max_size=20)


@settings(max_examples=60, deadline=None)
@given(pairs, st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_the_order_links_arrive(raw: list[tuple[int, int, int]],
                                                          rnd: object) -> None:
    ids = [f"m{i}" for i in range(8)]
    links = list({(min(a, b), max(a, b)): link(f"m{a}", f"m{b}", w)
                  for a, b, w in raw if a != b}.values())
    judgements = judged(("m0", "m7", Judgement.DIFFERENT))
    shuffled = list(links)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert groups(ids, links, judgements) == groups(list(reversed(ids)), shuffled, judgements)
    assert not any({"m0", "m7"} <= set(g) for g in groups(ids, links, judgements))
