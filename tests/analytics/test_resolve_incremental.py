"""Incremental resolution: only changes are matched, and a full re-run gives the same."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from tests.analytics.resolve_world import WORLD, mentions, truth

from accord.analytics.resolve.features import Mention
from accord.analytics.resolve.incremental import Resolver
from accord.analytics.resolve.judgements import Judgement, JudgementRecord, Pair
from accord.analytics.resolve.repository import MemoryRepository
from accord.domain.errors import Conflict, InvalidValue, NotFound
from accord.domain.registry import Registry, load_registry

FIRST = {i for i, _, _ in WORLD if i.endswith(("@co", "@mx"))}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def clusters(repo: MemoryRepository) -> set[frozenset[str]]:
    return {frozenset(c.members) for c in repo.clusters.values()}


def judgement(a: str, b: str, j: Judgement) -> JudgementRecord:
    return JudgementRecord(Pair.of(a, b), j, actor="ana", at=datetime(2025, 1, 1, tzinfo=UTC))


def test_incremental_runs_then_a_full_rerun_give_the_same_clusters(registry: Registry) -> None:
    everyone = [m for m in mentions(registry) if m.family in ("Person", "Organization")]
    first = [m for m in everyone if m.id in FIRST]
    repo = MemoryRepository()
    resolver = Resolver(repo)
    assert resolver.run(first).families["Person"].mode == "full"

    # the others arrive later; one mention is corrected, one retracted
    corrected = replace(next(m for m in everyone if m.id == "guzman@us"), date="1957-04-04",
                        fingerprint="corrected")
    later = [corrected if m.id == "guzman@us" else m for m in everyone if m.id != "ruiz2@co"]
    summary = resolver.run(later)
    person = summary.families["Person"]
    assert (person.mode, person.new, person.changed, person.removed) == ("incremental", 8, 0, 1)
    resolver.judge(judgement("hassan@es", "hassan@us", Judgement.DIFFERENT))
    assert summary.families["Person"].candidates < 20  # new mentions against their blocks only
    assert resolver.run(later).families["Person"].mode == "unchanged"
    incremental = clusters(repo)

    assert resolver.run(later, full=True).families["Person"].mode == "full"
    assert clusters(repo) == incremental
    # and a fresh repository with the same model and judgement agrees too
    fresh = MemoryRepository()
    fresh.models = dict(repo.models)
    fresh.records = list(repo.records)
    Resolver(fresh).run(later, full=True)
    assert clusters(fresh) == incremental
    expected = truth([m.id for m in later]) - {frozenset({"hassan@es", "hassan@us"})}
    assert incremental == expected | {frozenset({"hassan@es"}), frozenset({"hassan@us"})}


def test_a_retracted_mention_leaves_its_cluster(registry: Registry) -> None:
    repo = MemoryRepository()
    resolver = Resolver(repo)
    everyone = [m for m in mentions(registry) if m.family == "Person"]
    resolver.run(everyone)
    assert repo.membership["guzman@us"] == repo.membership["guzman@co"]
    resolver.update([], removed=["guzman@mx", "guzman@us"])
    assert "guzman@us" not in repo.membership
    assert {m for m in repo.clusters[repo.membership["guzman@co"]].members} == {
        "guzman@co", "guzman@ru"}


def test_judgements_override_the_matcher_and_are_checked(registry: Registry) -> None:
    repo = MemoryRepository()
    resolver = Resolver(repo)
    resolver.run(mentions(registry))
    joined = resolver.judge(judgement("volkov@es", "sokolov@es", Judgement.SAME))
    assert [c.members for c in joined] == [("sokolov@es", "volkov@es")]
    assert joined[0].judged == (Pair("sokolov@es", "volkov@es"),)
    split = resolver.judge(judgement("guzman@co", "guzman@us", Judgement.DIFFERENT))
    assert {c.members for c in split} == {("guzman@co", "guzman@mx", "guzman@ru"),
                                          ("guzman@us",)}
    with pytest.raises(Conflict, match="already judged same"):
        resolver.judge(judgement("ruiz1@co", "volkov@es", Judgement.SAME))
        resolver.judge(judgement("ruiz1@co", "sokolov@es", Judgement.DIFFERENT))
    with pytest.raises(NotFound, match="no resolved entity 'ghost'"):
        resolver.judge(judgement("ghost", "volkov@es", Judgement.SAME))
    with pytest.raises(InvalidValue, match="'acct@co' is a Account and 'volkov@es' a Person"):
        resolver.judge(judgement("acct@co", "volkov@es", Judgement.SAME))


def test_update_needs_a_model(registry: Registry) -> None:
    one: list[Mention] = mentions(registry, {"volkov@es"})
    with pytest.raises(NotFound, match="no Person model yet; run a full resolution first"):
        Resolver(MemoryRepository()).update(one)
