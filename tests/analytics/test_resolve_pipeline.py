"""Matching end to end on a small world: blocking, Splink scoring, evidence, clusters."""

from __future__ import annotations

import random
from types import SimpleNamespace

import pytest
from tests.analytics.resolve_world import mentions, truth

from accord.analytics.resolve import splink_model
from accord.analytics.resolve.features import mention_of
from accord.analytics.resolve.incremental import Resolver
from accord.analytics.resolve.pipeline import link_mentions, open_duckdb
from accord.analytics.resolve.repository import MemoryRepository
from accord.domain.registry import Registry, load_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def resolved(registry: Registry) -> MemoryRepository:
    repo = MemoryRepository()
    Resolver(repo).run(mentions(registry))
    return repo


def test_every_family_resolves_to_the_truth(resolved: MemoryRepository) -> None:
    found = {frozenset(c.members) for c in resolved.clusters.values()}
    assert found == truth(list(resolved.by_id))


def agreements(repo: MemoryRepository, a: str, b: str) -> dict[str, str]:
    link = repo.links[tuple(sorted((a, b)))]  # type: ignore[index]
    model = repo.models[link.family]
    names = [c["output_column_name"] for c in model.settings["comparisons"]]
    return {x.comparison: x.level for x in link.agreements(names, model.labels())}


def test_each_link_says_what_agreed(resolved: MemoryRepository) -> None:
    assert agreements(resolved, "guzman@co", "guzman@ru") == {
        "name": "same name in another spelling or script",
        "date": "same date of birth"}
    assert agreements(resolved, "popov@co", "popov@es")["date"] == (
        "same month of date of birth (one date partial or days differ)")
    hard = resolved.links[("popov@co", "popov@pa")]
    assert hard.hard == ("passport:720011223",)  # written "72 0011223" by one agency


def test_look_alikes_stay_apart(resolved: MemoryRepository) -> None:
    member = resolved.membership
    assert member["ruiz1@co"] != member["ruiz2@co"]  # same name, other passport and birth
    # "Bananos del Sur" Ltda. and S.A.S. are two companies (two Colombian registrations)
    assert member["bananos2@co"] != member["bananos@co"] == member["bananos@mx"]
    assert member["libertad2@pa"] != member["libertad@co"]  # another IMO number


def test_a_model_with_too_few_mentions_keeps_its_priors(resolved: MemoryRepository) -> None:
    model = resolved.models["Person"]
    assert not model.trained
    assert model.notes[0].endswith(f"fewer than {splink_model.MIN_TRAIN}, priors kept")
    assert 0 < model.settings["probability_two_random_records_match"] < 1


def generated(registry: Registry, people: int, seed: int = 3) -> list[object]:
    """``people`` persons, each written by two or three agencies with variants."""
    rng = random.Random(seed)
    given = ["José", "María", "Luis", "Ana", "Jorge", "Lucía", "Pedro", "Rosa", "Juan",
             "Carmen", "Diego", "Elena", "Pablo", "Sofía", "Andrés", "Laura"]
    surnames = ["García", "Martínez", "López", "Hernández", "González", "Pérez", "Sánchez",
                "Ramírez", "Torres", "Flores", "Rivera", "Gómez", "Díaz", "Reyes", "Morales",
                "Ortiz", "Castillo", "Vargas", "Romero", "Herrera"]
    out = []
    for i in range(people):
        first, last, second = rng.choice(given), *rng.sample(surnames, 2)
        born = f"{rng.randrange(1950, 2000)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
        for j in range(rng.choice((1, 2, 2, 3))):
            name = rng.choice([f"{first} {last} {second}", f"{last.upper()} {second}, {first}",
                               f"{first} {last}"])
            props = {"name": [name]}
            if rng.random() < 0.7:
                props["birthDate"] = [born]
            out.append(mention_of(registry, SimpleNamespace(id=f"p{i}-{j}", schema="Person",
                                                            properties=props)))
    return out


def test_training_learns_m_and_u_once_a_family_is_large_enough(
        registry: Registry, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(splink_model, "MIN_TRAIN", 100)
    found = generated(registry, 150)
    con = open_duckdb()
    try:
        run = link_mentions(con, found, family="Person")  # type: ignore[arg-type]
    finally:
        con.close()
    assert run.model.trained and run.model.records == len(found)
    assert any(n.startswith("prior ") and "u corrected" in n for n in run.model.notes)
    true_pairs = {(a.id, b.id) for a in found for b in found  # type: ignore[attr-defined]
                  if a.id < b.id and a.id.split("-")[0] == b.id.split("-")[0]}  # type: ignore[attr-defined]
    accepted = {(lk.left, lk.right) for lk in run.links if lk.accepted(run.model.threshold)}
    assert len(accepted & true_pairs) >= 0.7 * len(true_pairs)
    # same-named people without a date of birth are truly ambiguous here
    assert len(accepted - true_pairs) <= 0.15 * max(len(accepted), 1)
    weights = {c["output_column_name"]: c["comparison_levels"]
               for c in run.model.settings["comparisons"]}
    same_day, *_, other_day = [lv for lv in weights["date"] if not lv.get("is_null_level")]
    assert same_day["m_probability"] > same_day["u_probability"]
    assert other_day["m_probability"] < other_day["u_probability"]
