"""Hit/no-hit exchanges end to end, through the JSON the API will carry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from accord.adapters.psi import OpenMinedPsi, new_key
from accord.domain.errors import InvalidValue
from accord.domain.identifiers import IdentifierKind, psi_items
from accord.domain.query import (
    HitAnswer,
    HitQuery,
    PreparedRegistry,
    StaleRegistry,
    answer,
    ask,
    prepare_registry,
    read_counts,
    read_hits,
    resolve_hit,
    resolve_reference,
)
from accord.domain.ratelimit import BucketPolicy, RateLimited, RateLimiter

NOW = datetime(2025, 3, 1, 12, tzinfo=UTC)
ENGINE = OpenMinedPsi()
CONTACT = "CO DIRAN duty desk +57 601 000 0000"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


def phones(*numbers: str) -> list[str]:
    items, problems = psi_items(IdentifierKind.PHONE, numbers, country="co")
    assert not problems
    return items


OWNER_H0 = phones("300 100 0001", "300 100 0002", "300 100 0003")
OWNER_H2 = phones("300 200 0001", "300 200 0002")


def registry(reveal: bool = True, **labels: list[str]) -> PreparedRegistry:
    return prepare_registry(
        ENGINE, "phone", labels or {"H0": OWNER_H0, "H2": OWNER_H2}, key=new_key(),
        reference_key=b"r" * 32, epoch="2025-W09", valid_until=NOW + timedelta(days=7),
        max_client_items=100, reveal=reveal)


def limiter(capacity: int = 100) -> RateLimiter:
    return RateLimiter({"phone": BucketPolicy(capacity)}, Clock())


def exchange(asked: list[str], reg: PreparedRegistry, lim: RateLimiter | None = None,
             ) -> list[tuple[str, str, str]]:
    state, query = ask(ENGINE, "phone", asked, query_id="q1")
    wire_query = HitQuery.from_dict(json.loads(json.dumps(query.to_dict())))
    reply = answer(ENGINE, wire_query, reg, partner="mx", limiter=lim or limiter(),
                   contact=CONTACT, now=NOW)
    wire_reply = HitAnswer.from_dict(json.loads(json.dumps(reply.to_dict())))
    return [(h.item, h.label, h.reference) for h in read_hits(ENGINE, state, wire_reply)]


def test_hits_match_a_plaintext_join_and_carry_the_handling_code() -> None:
    asked = phones("+57 300 100 0002", "+57 300 999 9999", "+57 300 200 0001")
    hits = exchange(asked, registry())
    assert [(item, label) for item, label, _ in hits] == [
        ("phone:+573001000002", "H0"), ("phone:+573002000001", "H2")]
    plain = {a for a in asked if a in OWNER_H0 + OWNER_H2}
    assert {item for item, _, _ in hits} == plain


def test_no_hit_is_an_empty_answer() -> None:
    assert exchange(phones("+57 300 999 9999"), registry()) == []


def test_a_reference_resolves_only_at_the_owner_and_only_to_its_item() -> None:
    reg = registry()
    [(item, _, ref)] = exchange(phones("+57 300 100 0003"), reg)
    assert resolve_reference(reg.reference_key, ref, OWNER_H0 + OWNER_H2) == item
    assert resolve_reference(b"x" * 32, ref, OWNER_H0 + OWNER_H2) is None
    assert ref.startswith("hit-") and "573001000003" not in ref


def test_the_answer_carries_no_item_in_clear() -> None:
    reg = registry()
    _, query = ask(ENGINE, "phone", phones("+57 300 100 0002"), query_id="q1")
    text = json.dumps(answer(ENGINE, query, reg, partner="mx", limiter=limiter(),
                             contact=CONTACT, now=NOW).to_dict())
    for item in OWNER_H0 + OWNER_H2:
        assert item.split(":")[1] not in text and item.split(":")[1][3:] not in text


def test_queries_are_charged_by_their_size_and_refused_beyond_the_limit() -> None:
    lim = limiter(capacity=4)
    reg = registry()
    exchange(phones("+57 300 100 0001", "+57 300 100 0002", "+57 300 100 0003"), reg, lim)
    with pytest.raises(RateLimited, match="partner mx: phone queries: 2 items asked, 1 left"):
        exchange(phones("+57 300 200 0001", "+57 300 200 0002"), reg, lim)


def test_a_stale_registry_refuses_to_answer() -> None:
    reg = registry()
    _, query = ask(ENGINE, "phone", OWNER_H0[:1], query_id="q9")
    with pytest.raises(StaleRegistry, match="hit query q9: registry phone epoch 2025-W09 "
                                            "expired .*prepare it again"):
        answer(ENGINE, query, reg, partner="mx", limiter=limiter(), contact=CONTACT,
               now=NOW + timedelta(days=8))


def test_a_query_for_another_kind_is_refused() -> None:
    _, query = ask(ENGINE, "imo", ["imo:9074729"], query_id="q2")
    with pytest.raises(InvalidValue, match="hit query q2: asks about 'imo' but this registry "
                                           "holds 'phone'"):
        answer(ENGINE, query, registry(), partner="mx", limiter=limiter(), contact=CONTACT,
               now=NOW)


def test_an_oversized_query_is_refused_before_any_work() -> None:
    lim = limiter()
    _, query = ask(ENGINE, "phone", [f"phone:+5730000{i:05d}" for i in range(101)],
                   query_id="q3")
    with pytest.raises(InvalidValue, match="101 items asked, at most 100 per query"):
        answer(ENGINE, query, registry(), partner="mx", limiter=lim, contact=CONTACT, now=NOW)
    assert lim.buckets == {}


def test_known_epoch_skips_the_setups_and_cached_ones_are_used() -> None:
    reg = registry()
    asked = phones("+57 300 200 0002")
    state, query = ask(ENGINE, "phone", asked, query_id="q4", known_epoch="2025-W09")
    reply = answer(ENGINE, query, reg, partner="mx", limiter=limiter(), contact=CONTACT,
                   now=NOW)
    assert reply.setups == {}
    with pytest.raises(InvalidValue, match="omits the setups of epoch 2025-W09"):
        read_hits(ENGINE, state, reply)
    hits = read_hits(ENGINE, state, reply, cached_setups=reg.setups)
    assert [h.label for h in hits] == ["H2"]


def test_size_only_registries_give_counts_and_refuse_item_requests() -> None:
    reg = registry(reveal=False, ops=OWNER_H0)
    state, query = ask(ENGINE, "phone", OWNER_H0[:2] + OWNER_H2, query_id="q5", reveal=False)
    reply = answer(ENGINE, query, reg, partner="mx", limiter=limiter(), contact=CONTACT,
                   now=NOW)
    assert reply.reference_key is None
    assert read_counts(ENGINE, state, reply) == {"ops": 2}
    _, greedy = ask(ENGINE, "phone", OWNER_H0, query_id="q6", reveal=True)
    with pytest.raises(InvalidValue, match="this registry answers how many items"):
        answer(ENGINE, greedy, reg, partner="mx", limiter=limiter(), contact=CONTACT, now=NOW)


def test_bad_wire_bodies_name_the_field() -> None:
    with pytest.raises(InvalidValue, match="hit query: 'request' is not valid base64"):
        HitQuery.from_dict({"query_id": "q", "kind": "phone", "request": "***"})
    with pytest.raises(InvalidValue, match="hit query: 'kind' must be a non-empty string"):
        HitQuery.from_dict({"query_id": "q", "request": ""})
    with pytest.raises(InvalidValue, match="nothing to ask about"):
        ask(ENGINE, "phone", [], query_id="q")


def test_follow_up_resolution_is_charged_like_a_query() -> None:
    reg = registry()
    lim = limiter(capacity=1)
    [(item, _, ref)] = exchange(phones("+57 300 100 0003"), reg, lim)
    with pytest.raises(RateLimited, match="1 items asked, 0 left"):
        resolve_hit(reg, ref, OWNER_H0, partner="mx", limiter=lim)
    lim.clock = lambda: NOW + timedelta(days=1)
    assert resolve_hit(reg, ref, OWNER_H0, partner="mx", limiter=lim) == item
