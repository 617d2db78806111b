"""Search finds name variants and identifiers whatever their formatting, on both stores."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from accord.adapters.store import Store, open_store
from accord.domain.errors import InvalidValue, SchemaError
from accord.domain.registry import Registry, load_registry
from accord.services.ingest import import_files
from accord.services.reports import retract_report
from accord.services.search import name_score, search

LINES = [
    {"kind": "report", "id": "R1", "title": "Sinaloa network"},
    {"kind": "report", "id": "R2", "title": "Withdrawn"},
    {"id": "p1", "schema": "Person", "report": "R1",
     "properties": {"name": ["Joaquín GUZMÁN LOERA"], "phone": ["+57 300 123 4567"]}},
    {"id": "p2", "schema": "Person", "report": "R1",
     "properties": {"name": ["Хоакин Гусман"], "passportNumber": ["G-123 456 78"]}},
    {"id": "p3", "schema": "Person", "report": "R1", "properties": {"name": ["Joaquin Perez"]}},
    {"id": "p4", "schema": "Person", "report": "R2",
     "properties": {"name": ["Joaquin Guzman"]}},
    {"id": "c1", "schema": "Company", "report": "R1",
     "properties": {"name": ["Guzmán Transportes SA"]}},
    {"id": "a1", "schema": "Account", "report": "R1",
     "properties": {"iban": ["DE89370400440532013000"]}},
    {"id": "v1", "schema": "Vessel", "report": "R1",
     "properties": {"name": ["Mar Azul"], "imoNumber": ["9074729"]}},
]


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
           registry: Registry) -> Iterator[Store]:
    """One loaded store per database for the whole module (searches do not write)."""
    tmp = tmp_path_factory.mktemp("search")
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'accord.db'}"
    else:
        base = str(request.getfixturevalue("postgres_base_url")).replace(
            "postgresql+psycopg://", "postgresql://")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
        url = f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema},public"
    store = open_store(url)
    path = tmp / "in.jsonl"
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in LINES),
                    encoding="utf-8")
    import_files(store, [path], origin="CO", registry=registry)
    retract_report(store, "R2", reason="source withdrawn")
    yield store
    store.close()
    if schema is not None:
        with psycopg.connect(base, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def ids(store: Store, query: str, **kwargs: object) -> list[str]:
    return [hit.entity_id for hit in search(store, query, **kwargs)]  # type: ignore[arg-type]


def test_name_variants_across_accents_case_order_and_scripts(loaded: Store) -> None:
    hits = search(loaded, "Joaquin Guzman")
    assert [h.entity_id for h in hits] == ["p1", "p2"]
    assert hits[0].caption == "Joaquín GUZMÁN LOERA" and hits[0].matched == "name"
    assert hits[1].value == "Хоакин Гусман" and hits[0].score > hits[1].score
    assert ids(loaded, "guzmán JOAQUÍN") == ["p1", "p2"]
    assert ids(loaded, "Хоакин Гусман")[:2] == ["p2", "p1"]


def test_every_query_token_must_match(loaded: Store) -> None:
    assert ids(loaded, "Joaquin") == ["p3", "p1", "p2"]
    assert ids(loaded, "Joaquin Loera") == ["p1"]
    assert ids(loaded, "Joaquin Zambada") == []


@pytest.mark.parametrize(("query", "expected"), [
    ("0057 3001234567", "p1"),
    ("+57 (300) 123-4567", "p1"),
    ("DE89 3704 0044 0532 0130 00", "a1"),
    ("IMO 9074729", "v1"),
    ("g12345678", "p2"),
])
def test_identifiers_hit_exactly_whatever_the_formatting(loaded: Store, query: str,
                                                         expected: str) -> None:
    hits = search(loaded, query)
    assert [(h.entity_id, h.matched, h.score) for h in hits] == [(expected, "identifier", 1.0)]


def test_national_phone_numbers_need_the_country(loaded: Store) -> None:
    assert ids(loaded, "300 123 4567") == []
    assert ids(loaded, "300 123 4567", country="co") == ["p1"]


def test_retracted_reports_are_hidden_unless_asked(loaded: Store) -> None:
    assert "p4" not in ids(loaded, "Joaquin Guzman")
    assert ids(loaded, "Joaquin Guzman", include_retracted=True)[0] == "p4"


def test_schema_filter_includes_descendants(loaded: Store) -> None:
    assert ids(loaded, "Guzman", schema="Company") == ["c1"]
    assert set(ids(loaded, "Guzman", schema="LegalEntity")) == {"p1", "p2", "c1"}
    with pytest.raises(SchemaError, match="unknown schema 'Persn'"):
        search(loaded, "Guzman", schema="Persn")


def test_limit_and_empty_queries_are_checked(loaded: Store) -> None:
    assert len(search(loaded, "Joaquin", limit=1)) == 1
    with pytest.raises(InvalidValue, match="the search query is empty"):
        search(loaded, "   ")
    with pytest.raises(InvalidValue, match="the search query is longer than 500 characters"):
        search(loaded, "x" * 501)
    with pytest.raises(InvalidValue, match="limit must be between 1 and 1000, not 0"):
        search(loaded, "x", limit=0)


def test_name_score_prefers_exact_tokens_and_full_coverage() -> None:
    assert name_score(["joaquin", "guzman"], "Joaquin Guzman") == 1.0
    assert name_score(["joaquin", "guzman"], "Joaquín Guzmán Loera") == 0.9
    assert 0 < name_score(["joaquin", "guzman"], "Хоакин Гусман") < 0.9
    assert name_score(["joaquin", "guzman"], "Joaquin Perez") == 0.0
    assert name_score(["jorge", "hernandez"], "Хорхе Эрнандес") > 0
    twice = ["jimenez", "jimenez", "elena"]
    assert name_score(twice, "Elena Jiménez Jiménez") == 1.0
    assert 0 < name_score(twice, "Elena Jiménez") < name_score(twice, "Elena Jiménez Jiménez")
