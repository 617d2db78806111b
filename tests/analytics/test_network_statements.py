"""Statements become edges with their ids, origins and dates; mentions map to canonical ids."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from accord.analytics.network.graph import build_network
from accord.analytics.network.statements import (
    cooccurrence_edges,
    edges_from_statements,
    parse_partial_date,
)
from accord.domain.errors import InvalidValue
from accord.domain.statement import Statement

SPECS = {"Transaction": ("payer", "beneficiary"), "Associate": ("person", "associate")}


def _st(entity: str, schema: str, prop: str, value: str, report: str = "r1",
        origin: str = "CO", seen: datetime | None = None) -> Statement:
    return Statement(entity, schema, prop, value, report, origin, first_seen=seen)


def test_link_entities_become_edges_with_provenance_and_canonical_ids() -> None:
    sts = [
        _st("pay1", "Transaction", "payer", "co-juan"),
        _st("pay1", "Transaction", "beneficiary", "co-pedro"),
        _st("pay1", "Transaction", "date", "2024-03"),
        _st("pay1", "Transaction", "amount", "100 USD", origin="MX"),
        _st("p1", "Person", "name", "Juan"),
        _st("as1", "Associate", "person", "mx-juan", origin="MX"),
        _st("as1", "Associate", "associate", "mx-luis", origin="MX"),
        _st("half", "Transaction", "payer", "co-juan"),
    ]
    canonical = {"co-juan": "JUAN", "mx-juan": "JUAN"}
    edges = edges_from_statements(sts, SPECS, canonical=canonical, weights={"Transaction": 2.0})
    assert len(edges) == 2
    pay = next(e for e in edges if e.kind == "Transaction")
    assert (pay.source, pay.target, pay.weight) == ("JUAN", "co-pedro", 2.0)
    assert (pay.start, pay.end) == (date(2024, 3, 1), date(2024, 3, 31))
    assert pay.nations == ("CO", "MX")
    assert set(pay.statements) == {s.id for s in sts[:4]}
    net = build_network(edges)
    assert net.nations_of("JUAN") == ("CO", "MX")


def test_partial_dates_and_bad_dates() -> None:
    assert parse_partial_date("2024") == date(2024, 1, 1)
    assert parse_partial_date("2024", end=True) == date(2024, 12, 31)
    assert parse_partial_date("2024-02", end=True) == date(2024, 2, 29)
    assert parse_partial_date("2024-02-03T10:00:00") == date(2024, 2, 3)
    with pytest.raises(InvalidValue, match="'yesterday' is not a date"):
        parse_partial_date("yesterday")
    bad = [_st("t", "Transaction", "payer", "a"), _st("t", "Transaction", "beneficiary", "b"),
           _st("t", "Transaction", "date", "2024-13")]
    with pytest.raises(InvalidValue, match=r"link t \(Transaction\): '2024-13' is not a date"):
        edges_from_statements(bad, SPECS)


def test_cooccurrence_ties_entities_named_in_one_report() -> None:
    seen = datetime(2024, 5, 1, 12)
    sts = [_st("a", "Person", "name", "A", seen=seen), _st("b", "Person", "name", "B"),
           _st("a", "Person", "phone", "+1"), _st("pay", "Transaction", "payer", "a"),
           _st("c", "Person", "name", "C", report="r2", origin="MX")]
    edges = cooccurrence_edges(sts, exclude_schemata=SPECS)
    assert len(edges) == 1
    e = edges[0]
    assert (e.source, e.target, e.kind, e.weight) == ("a", "b", "co-occurrence", 0.5)
    assert e.start == date(2024, 5, 1) and e.nations == ("CO",)
    many = [_st(f"x{i}", "Person", "name", "X", report="big") for i in range(31)]
    assert cooccurrence_edges(many) == []


def test_edge_specs_come_from_the_registry_and_holders_project_lines_onto_people() -> None:
    from accord.analytics.network.statements import edge_specs, holders
    from accord.domain.registry import load_registry

    specs = edge_specs(load_registry())
    assert specs["Communication"] == ("caller", "receiver")
    assert specs["Transaction"] == ("payer", "beneficiary")
    assert "Membership" not in specs and "Interval" not in specs
    sts = [_st("ph1", "Phone", "holder", "co-juan"), _st("ph2", "Phone", "holder", "co-luis"),
           _st("call", "Communication", "caller", "ph1"),
           _st("call", "Communication", "receiver", "ph2"),
           _st("call", "Communication", "receiver", "ph3")]
    canonical = {"co-juan": "JUAN"}
    lines = holders(sts, canonical=canonical)
    assert lines == {"ph1": "JUAN", "ph2": "co-luis"}
    edges = edges_from_statements(sts, specs, canonical={**canonical, **lines})
    assert sorted((e.source, e.target) for e in edges) == [("JUAN", "co-luis"), ("JUAN", "ph3")]
