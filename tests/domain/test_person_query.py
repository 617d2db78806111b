"""Fuzzy person hit/no-hit by CLK, through the JSON the API will carry."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from accord.domain.clk import PERSON, Encoder, derive_keys
from accord.domain.errors import InvalidValue
from accord.domain.person_query import (
    PersonAnswer,
    PersonIndex,
    PersonQuery,
    answer_persons,
    ask_persons,
    build_index,
    resolve_person_reference,
)
from accord.domain.ratelimit import BucketPolicy, RateLimited, RateLimiter

SECRET = b"linkage secret for co-mx, 32 b!!"
CONTACT = "MX FGR enlace +52 55 0000 0000"
OWNER = [
    {"name": "Joaquín Archivaldo Guzmán Loera", "dob": "1957-04-04", "nationality": "mx"},
    {"name": "María Fernanda Ortiz Peña", "dob": "1988-11-30", "nationality": "co"},
    {"name": "Сергей Кузнецов", "dob": "1970-02-15", "nationality": "ru"},
]


def encoder(agreement: str = "agr-co-mx") -> Encoder:
    return Encoder(PERSON, derive_keys(SECRET, agreement, PERSON))


def limiter(capacity: int = 50) -> RateLimiter:
    return RateLimiter({"person": BucketPolicy(capacity)}, lambda: datetime(2025, 3, 1, tzinfo=UTC))


def index() -> PersonIndex:
    return build_index(encoder(), "agr-co-mx", OWNER, ["P-1", "P-2", "P-3"], ["H0", "H2", "H0"],
                       reference_key=b"k" * 32)


def test_variants_hit_and_strangers_do_not() -> None:
    idx = index()
    asked = [
        {"name": "GUZMAN LOERA, Joaquin", "dob": "1957-04-04", "nationality": None},
        {"name": "Pedro Páramo", "dob": "1957-04-04", "nationality": "mx"},
        {"name": "Sergei Kuznetsov", "dob": "1970-02-15", "nationality": "ru"},
        {"name": "Maria Fernanda Ortiz", "dob": "1988-11-30", "nationality": "co"},
    ]
    query = ask_persons(encoder(), "agr-co-mx", asked, query_id="p1")
    wire = PersonQuery.from_dict(json.loads(json.dumps(query.to_dict())))
    reply = answer_persons(wire, idx, partner="co", limiter=limiter(), contact=CONTACT)
    reply = PersonAnswer.from_dict(json.loads(json.dumps(reply.to_dict())))
    assert [(h.index, h.label) for h in reply.hits] == [(0, "H0"), (2, "H0"), (3, "H2")]
    assert [resolve_person_reference(idx, h.reference) for h in reply.hits] == [
        "P-1", "P-3", "P-2"]
    assert reply.contact == CONTACT


def test_the_wire_carries_no_name_or_date() -> None:
    query = ask_persons(encoder(), "agr-co-mx", OWNER, query_id="p2")
    text = json.dumps(query.to_dict()).lower()
    for word in ("guzman", "guzmán", "loera", "1957", "ortiz", "kuznetsov"):
        assert word not in text
    reply = answer_persons(query, index(), partner="co", limiter=limiter(), contact=CONTACT)
    text = json.dumps(reply.to_dict())
    assert "P-1" not in text and "score" not in text


def test_clks_from_another_agreement_are_refused() -> None:
    query = ask_persons(encoder("agr-co-pe"), "agr-co-pe", OWNER[:1], query_id="p3")
    with pytest.raises(InvalidValue, match="person query p3: CLKs for agreement agr-co-pe / "
                                           "person-v2, but this index is agr-co-mx"):
        answer_persons(query, index(), partner="co", limiter=limiter(), contact=CONTACT)


def test_each_clk_is_charged_to_the_person_bucket() -> None:
    lim = limiter(capacity=3)
    idx = index()
    answer_persons(ask_persons(encoder(), "agr-co-mx", OWNER, query_id="p4"), idx,
                   partner="co", limiter=lim, contact=CONTACT)
    with pytest.raises(RateLimited, match="partner co: person queries"):
        answer_persons(ask_persons(encoder(), "agr-co-mx", OWNER[:1], query_id="p5"), idx,
                       partner="co", limiter=lim, contact=CONTACT)


def test_malformed_queries_name_the_problem() -> None:
    with pytest.raises(InvalidValue, match=r"person query: clks\[1\] is not valid base64"):
        PersonQuery.from_dict({"query_id": "q", "agreement": "a", "schema": "person-v1",
                               "clks": ["AAAA", "%%"]})
    bad = PersonQuery("q6", "agr-co-mx", "person-v2", (b"\x00" * 5,))
    with pytest.raises(InvalidValue, match=r"person query q6: clks\[0\]: a person-v2 CLK has "
                                           "64 bytes, not 5"):
        answer_persons(bad, index(), partner="co", limiter=limiter(), contact=CONTACT)
    with pytest.raises(InvalidValue, match="3 records, 2 ids and 3 labels"):
        build_index(encoder(), "agr-co-mx", OWNER, ["a", "b"], ["H0"] * 3,
                    reference_key=b"k" * 32)
