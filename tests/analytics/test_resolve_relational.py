"""Names weighed by their rarity (frequencies) and what people hold (context)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from accord.analytics.resolve.context import add_context, relations, with_context
from accord.analytics.resolve.features import Mention, mention_of
from accord.analytics.resolve.frequencies import name_bits, token_counts
from accord.analytics.resolve.incremental import Resolver
from accord.analytics.resolve.names import name_features
from accord.analytics.resolve.repository import MemoryRepository
from accord.domain.registry import Registry, load_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


def entity(entity_id: str, schema: str, **props: list[str]) -> SimpleNamespace:
    return SimpleNamespace(id=entity_id, schema=schema, properties=props)


def person(registry: Registry, entity_id: str, **props: list[str]) -> Mention:
    found = mention_of(registry, entity(entity_id, "Person", **props))
    assert found is not None
    return found


def test_a_name_of_common_tokens_weighs_less_than_a_rare_one() -> None:
    people = ["Jason Jones"] * 40 + ["Jason Smith"] * 40 + ["Mary Jones"] * 20 + [
        "Londoño Otero Miguel", "Ana Ruiz"] + ["Yusef Ben Ali"] * 3
    counts = token_counts((name_features(p), None) for p in people)
    total = len(people)
    common = name_bits(name_features("Jason Jones"), counts, total)
    rare = name_bits(name_features("Londoño Otero Miguel"), counts, total)
    unseen = name_bits(name_features("Zebulon Quist Abernathy"), counts, total)
    assert common is not None and rare is not None and unseen is not None
    assert common < rare and rare <= unseen
    # spellings fold: an unseen spelling of a common name is still common
    assert name_bits(name_features("Jaison JONES"), counts, total) == common
    assert name_bits(name_features("Jason Jones"), {}, total) is None


def test_a_name_common_in_its_nationality_is_not_rare_overall() -> None:
    people = [("Yusef Ben Ali", "ma")] * 30 + [("Yusef Hassan", "ma")] * 30 + [
        (f"Juan Pérez{i}", "co") for i in range(500)]
    counts = token_counts((name_features(p), c) for p, c in people)
    overall = name_bits(name_features("Yusef Ben Ali"), counts, len(people))
    within = name_bits(name_features("Yusef Ben Ali"), counts, len(people), "ma")
    assert overall is not None and within is not None and within < overall


def test_context_is_what_a_person_holds_less_the_numbers_it_states(registry: Registry) -> None:
    files = [entity("ph1", "Phone", number=["+573001112233"], holder=["ana@co"]),
             entity("ph2", "Phone", number=["+573009998877"], holder=["ana@co"]),
             entity("ac1", "Account", iban=["ES9121000418450200051332"], holder=["ana@co"]),
             entity("ph3", "Phone", number=["+573009998877"], holder=["ana@mx"])]
    related = relations(registry, files)
    ana = person(registry, "ana@co", name=["Ana Ruiz"], phone=["+573001112233"])
    other = person(registry, "ana@mx", name=["Ana RUIZ"])
    canonical = {"ph2": "ce-line", "ph3": "ce-line"}
    got = {m.id: m for m in add_context([ana, other], related, canonical)}
    # ph1 is the number ana@co states: the phone comparison counts it already
    assert got["ana@co"].context == ("h:ac1", "h:ce-line")
    assert got["ana@mx"].context == ("h:ce-line",)
    assert got["ana@co"].fingerprint != ana.fingerprint
    assert with_context(got["ana@co"], ["h:ce-line", "h:ac1"]) == got["ana@co"]
    assert Mention.from_dict(got["ana@co"].to_dict()).context == got["ana@co"].context
    bare = with_context(got["ana@co"], [])  # fingerprints are stored in 40 characters
    assert bare.context == () and bare.fingerprint != got["ana@co"].fingerprint
    assert ana.fingerprint.startswith(bare.fingerprint) and len(got["ana@co"].fingerprint) == 40


def test_people_holding_one_resolved_line_meet_through_it(registry: Registry) -> None:
    """Two mentions that share no stated number still meet on the line both hold, once
    the phones are resolved first (two ways of writing one number)."""
    files = [entity("ph@co", "Phone", number=["+573001112233"], holder=["p@co"]),
             entity("ph@mx", "Phone", number=["+573001112233"], holder=["p@mx"])]
    found = [mention_of(registry, e) for e in files]
    people = [person(registry, "p@co", name=["Ana Ruiz"]),
              person(registry, "p@mx", name=["Ana RUIZ"])]
    repo = MemoryRepository()
    Resolver(repo).run([m for m in found if m] + people, related=relations(registry, files))
    assert repo.membership["ph@co"] == repo.membership["ph@mx"]
    held = {m.id: m.context for m in repo.mentions(["p@co", "p@mx"]).values()}
    assert held["p@co"] == held["p@mx"] == (f"h:{repo.membership['ph@co']}",)
    assert repo.membership["p@co"] == repo.membership["p@mx"]
