"""The answer key agrees with the files, and the planted overlaps are really there."""

from __future__ import annotations

from collections import defaultdict

import pytest

from accord.synth import load_truth

from .conftest import Generated

SECTION_SCHEMA = {"shipments": "Shipment", "seizures": "Seizure", "payments": "Transaction"}


def test_every_mention_in_the_truth_exists_with_its_schema_and_report(small: Generated) -> None:
    raw = small.truth.raw
    count = 0
    for section in ("entities", "shipments", "seizures", "payments"):
        for true_id, item in raw[section].items():
            schema = item.get("schema", SECTION_SCHEMA.get(section))
            for m in item["mentions"]:
                line = small.entity(m["nation"], m["id"])
                assert line["report"] == m["report"], (true_id, m)
                assert line["schema"] == schema, (true_id, m)
                count += 1
    for op in raw["operations"]:
        for m in op["mentions"]:
            assert small.entity(m["nation"], m["id"])["schema"] == "UnknownLink"
            count += 1
    assert count > 150


def test_mentions_are_never_shared_between_true_things(small: Generated) -> None:
    seen: dict[tuple[str, str], str] = {}
    for true_id, item in small.truth.raw["entities"].items():
        for m in item["mentions"]:
            key = (m["nation"], m["id"])
            assert key not in seen, f"{key} is a mention of {seen.get(key)} and {true_id}"
            seen[key] = true_id
            assert small.truth.true_id(m["nation"], m["id"]) == true_id


def test_written_names_match_the_recorded_variants(small: Generated) -> None:
    for true_id, item in small.truth.entities.items():
        if item["schema"] != "Person":
            continue
        for m in item["mentions"]:
            written = small.props(m["nation"], m["id"])["name"][0]
            assert written == m["name"]
            if m["variants"]:
                assert written != item["name"], (true_id, m)
            else:
                assert written == item["name"], (true_id, m)


def test_name_variants_occur_at_the_intended_rate(small: Generated) -> None:
    summary = small.truth.raw["name_variants"]
    assert summary["mentions"] >= 40
    assert abs(summary["observed_rate"] - summary["intended_rate"]) < 0.15
    kinds = set(summary["by_kind"])
    assert {"accents", "order", "missing_second_surname", "typo", "case"} <= kinds
    assert kinds & {"transliteration", "script"}


def test_every_key_player_is_in_two_nations_under_different_spellings(
        small: Generated) -> None:
    key = [k for k in small.truth.key_players if k["key"]]
    assert len(key) >= 6
    for player in key:
        mentions = small.truth.mentions(player["person"])
        nations = {m.nation for m in mentions}
        assert len(nations) >= 2, player
        names = {m.info["name"] for m in mentions if m.info["slot"] == 0}
        assert len(names) >= 2, (player, names)


def test_key_player_ranking_follows_roles(small: Generated) -> None:
    ranking = small.truth.key_players
    assert [k["rank"] for k in ranking] == list(range(1, len(ranking) + 1))
    assert ranking[0]["role"] in ("leader", "broker")
    roles = [k["role"] for k in ranking]
    assert max(i for i, r in enumerate(roles) if r == "leader") < min(
        i for i, r in enumerate(roles) if r == "courier")
    brokers = small.truth.raw["brokers"]
    assert brokers and all(len(b["organisations"]) >= 2 for b in brokers)


def test_organisations_are_seen_by_several_nations(small: Generated) -> None:
    raw = small.truth.raw
    for org_id, org in raw["organisations"].items():
        members = [m["person"] for m in org["members"]]
        nations = {m["nation"] for p in members for m in raw["entities"][p]["mentions"]}
        assert len(nations) >= 2, org_id
    shared = raw["shared_targets"]
    assert len(shared) >= 6
    for target in shared:
        assert {m["nation"] for m in raw["entities"][target["person"]]["mentions"]} >= set(
            target["nations"])


def test_intra_nation_duplicates_exist(small: Generated) -> None:
    duplicates = 0
    for item in small.truth.entities.values():
        if item["schema"] != "Person":
            continue
        per_nation: dict[str, int] = defaultdict(int)
        for m in item["mentions"]:
            per_nation[m["nation"]] += 1
        duplicates += sum(1 for n in per_nation.values() if n > 1)
    assert duplicates >= 2


def test_burners_and_swaps(small: Generated) -> None:
    phones = small.truth.raw["phones"]
    assert phones["burners"] and phones["swaps"]
    entities = small.truth.entities
    for swap in phones["swaps"]:
        assert entities[swap["old"]]["holder"] == entities[swap["new"]]["holder"]
    for burner in phones["burners"]:
        days = (burner["last"][:10], burner["first"][:10])
        assert days[0] >= days[1]


def test_deconfliction_facts(small: Generated) -> None:
    raw = small.truth.raw
    ops = {o["id"]: o for o in raw["operations"]}
    assert ops and raw["operation_conflicts"]
    for conflict in raw["operation_conflicts"]:
        a, b = ops[conflict["a"]], ops[conflict["b"]]
        assert a["nation"] != b["nation"]
        assert a["start"] < b["end"] and b["start"] < a["end"]


def test_load_truth_accepts_the_directory_and_rejects_other_json(small: Generated,
                                                                 tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert load_truth(small.out).nations == ["CO", "MX", "US", "PA", "ES"]
    other = tmp_path / "truth.json"
    other.write_text('{"format": "something-else"}')
    with pytest.raises(ValueError, match="not an accord-synth-truth/1 document"):
        load_truth(other)


def test_phones_written_with_one_number_are_one_true_phone(small: Generated) -> None:
    """A phone is its number: every Phone entity in the files whose E.164 number
    appears in more than one place is a mention of one listed true phone."""
    from accord.domain.values.phone import PhoneType

    phone_type = PhoneType()
    by_number: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for nation, entities in small.by_id.items():
        for entity_id, line in entities.items():
            if line["schema"] != "Phone":
                continue
            for written in line["properties"].get("number", []):
                by_number[phone_type.normalize(written, country=nation.lower())].add(
                    (nation, entity_id))
    true_of = {(m["nation"], m["id"]): true_id
               for true_id, item in small.truth.raw["entities"].items()
               for m in item["mentions"]}
    shared = [places for places in by_number.values() if len(places) > 1]
    assert shared
    for places in shared:
        assert len({true_of.get(p) for p in places}) == 1 and None not in {
            true_of.get(p) for p in places}, places
    for true_id, item in small.truth.raw["entities"].items():
        if item["schema"] == "Phone":
            numbers = {phone_type.normalize(m["number"], country=m["nation"].lower())
                       for m in item["mentions"] if m.get("number")}
            assert numbers <= {item["number"]}, true_id
