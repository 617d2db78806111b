"""Hit/no-hit queries between two nodes through the real federation route: the hits equal
a plaintext join of the same data, nothing but the agreed answer crosses the wire, the
owner's agreement and rate limits are enforced with reasons, both sides ledger it all."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from tests.federation_kit import clause, install, report_doc, signed_agreement
from tests.query_mesh import Mesh

from accord.adapters.envelope import seal
from accord.adapters.ledger import LeafFilter
from accord.adapters.query_transport import PartnerRefused
from accord.bootstrap import Node
from accord.domain.clause import Mode
from accord.domain.errors import InvalidInput
from accord.domain.identifiers import IdentifierKind, identifier_item
from accord.domain.query_access import QueryRefused
from accord.domain.query_request import QueryRequest, identifier, person
from accord.domain.ratelimit import BucketPolicy
from accord.services import ledger, queries, query_answers, reports

# What mx holds (as its analysts wrote it) and what co asks (written otherwise).
MX_PHONES = ["+52 55 1234 5678", "+52 33 8765 4321", "+57 300 555 0101", "+1 202 555 0143"]
MX_PASSPORTS = ["G12345678", "AB998877"]
CO_PHONES = ["+525512345678", "(55) 9999-0000", "+57 300-555-0101", "+44 20 7946 0958"]
SECRET_WORDS = ["Ana Example", "Juan Pérez García", "mx-r", "Report mx", "G12345678",
                "AB998877", "5512345678", "3005550101", "8765 4321", "87654321"]


@pytest.fixture
def mesh(nodes: dict[str, Node]) -> Iterator[Mesh]:
    found = Mesh({"co": nodes["co"], "mx": nodes["mx"], "pe": nodes["pe"]})
    yield found
    found.close()


def holdings(mx: Node) -> None:
    """mx's reports: phones, a person with passport and date of birth, a TLP:RED one."""
    for i, phone in enumerate(MX_PHONES):
        reports.create_report(mx.store, report_doc(f"mx-r{i}", phone=phone), origin=mx.node_id,
                              registry=mx.registry)
    doc = report_doc("mx-p1", name="Juan Pérez García")
    props = doc["entities"][0]["properties"]
    props |= {"birthDate": ["1980-03-04"], "nationality": ["mx"],
              "passportNumber": [MX_PASSPORTS[0]]}
    reports.create_report(mx.store, doc, origin=mx.node_id, registry=mx.registry)
    red = report_doc("mx-red", tlp="RED", phone="+52 81 1111 2222")
    reports.create_report(mx.store, red, origin=mx.node_id, registry=mx.registry)


def hit_only(co: Node, mx: Node, **kw: Any) -> None:
    install([co, mx], signed_agreement([co, mx], clause(mode=Mode.HIT_ONLY, **kw)))


def ask(co: Node, mesh: Mesh, request: QueryRequest, **kw: Any) -> queries.QueryResult:
    return queries.ask_partner(co, "mx-fgr", request, actor="ana", transport=mesh.transport,
                               **kw)


def phones(values: list[str]) -> QueryRequest:
    return QueryRequest(tuple(identifier("phone", v, country="mx") for v in values))


def entries(node: Node, action: str) -> list[Any]:
    with node.store.unit_of_work(write=False) as uow:
        return [e.entry for e in ledger.audit_log(uow, LeafFilter(action=action, limit=1000))]


def test_hits_equal_a_plaintext_join_and_carry_reference_label_and_contact(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    hit_only(co, mx)
    holdings(mx)
    asked = CO_PHONES + ["+52 81 1111 2222"]  # the last is held only in a TLP:RED report
    result = ask(co, mesh, phones(asked) + QueryRequest(
        (identifier("passport", f"mx:{MX_PASSPORTS[0]}"),
         identifier("passport", "co:" + MX_PASSPORTS[0]))))

    def key(kind: IdentifierKind, raw: str, country: str | None) -> str:
        return str(identifier_item(kind, raw, country=country))

    held = {key(IdentifierKind.PHONE, p, None) for p in MX_PHONES}
    held.add(key(IdentifierKind.PASSPORT, MX_PASSPORTS[0], "mx"))
    wanted = {key(IdentifierKind.PHONE, p, "mx") for p in asked}
    wanted |= {key(IdentifierKind.PASSPORT, MX_PASSPORTS[0], c) for c in ("mx", "co")}
    assert {h["asked"] for h in result.hits} == held & wanted  # RED never answers
    assert result.asked == len(wanted) and len(result.hits) == 3
    for hit in result.hits:
        assert hit["reference"].startswith("hit-") and hit["label"] == "H0"
        assert hit["contact"] == query_answers.contact_of(mx)
    assert len({h["reference"] for h in result.hits}) == 3


def test_a_person_hit_survives_a_variant_spelling(nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    hit_only(co, mx)
    holdings(mx)
    result = ask(co, mesh, QueryRequest(persons=(
        person("Juan Perez", "1980-03-04", "mx"), person("Maria Lopez", "1975-01-01"))))
    assert [(h["kind"], h["asked"]) for h in result.hits] == [
        ("person", "Juan Perez | 1980-03-04 | mx")]


def test_nothing_but_the_agreed_answer_crosses_the_wire(nodes: dict[str, Node],
                                                        mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    hit_only(co, mx)
    holdings(mx)
    ask(co, mesh, phones(CO_PHONES) + QueryRequest(persons=(person("Juan Perez",
                                                                   "1980-03-04"),)))
    assert [(w.path, w.status) for w in mesh.wire] == [("/federation/v1/queries", 200)] * 2
    raw = b" ".join(w.request + w.response for w in mesh.wire)
    opened = mesh.opened()
    assert [o["type"] for o in opened] == ["accord-hit-query", "accord-hit-answer",
                                           "accord-person-query", "accord-person-answer"]
    assert set(opened[0]) == {"type", "purpose", "query"}
    assert set(opened[0]["query"]) == {"query_id", "kind", "request", "known_epoch"}
    assert set(opened[1]["answer"]) == {"query_id", "kind", "epoch", "response", "setups",
                                        "reference_key", "contact"}
    assert set(opened[3]["answer"]["hits"][0]) == {"index", "label", "reference"}
    text = json.dumps(opened, ensure_ascii=False) + raw.decode("latin-1")
    for word in SECRET_WORDS + [p.replace(" ", "") for p in CO_PHONES] + ["1980"]:
        assert word not in text, word


def test_a_partner_without_a_suitable_agreement_is_refused_with_a_reason(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx, pe = nodes["co"], nodes["mx"], nodes["pe"]
    holdings(mx)
    with pytest.raises(QueryRefused) as local:  # pe: no agreement at all, nothing is sent
        queries.ask_partner(pe, "mx-fgr", phones(CO_PHONES), purpose="interdiction",
                            actor="p", transport=mesh.transport)
    assert (local.value.code, local.value.message) == (
        "no_agreement", "no agreement in force between mx-fgr and pe-dirandro")
    assert mesh.wire == []

    # co believes in an agreement mx does not hold: mx refuses, and says why
    install([co], signed_agreement([co, mx], clause(mode=Mode.HIT_ONLY)))
    with pytest.raises(PartnerRefused) as refused:
        ask(co, mesh, phones(CO_PHONES))
    assert refused.value.code == "no_agreement" and refused.value.status == 403
    assert refused.value.message == ("mx-fgr refused: no agreement in force between "
                                     "mx-fgr and co-dijin")
    [answered] = entries(mx, "query.answered")
    assert (answered.partner, answered.details["refused"]) == ("co-dijin", "no_agreement")
    [asked] = entries(co, "query.asked")
    assert (asked.partner, asked.details["refused"]) == ("mx-fgr", "no_agreement")

    install([mx], signed_agreement([co, mx], clause(mode=Mode.HIT_ONLY)))
    with pytest.raises(QueryRefused, match="purpose 'smuggling' is not one the agreements "
                                           r"allow from mx-fgr to co-dijin \(interdiction\)"):
        ask(co, mesh, phones(CO_PHONES), purpose="smuggling")


def test_a_clause_only_the_other_way_allows_no_query(nodes: dict[str, Node],
                                                     mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    install([co, mx], signed_agreement([co, mx], clause(senders=frozenset({"co-dijin"}),
                                                        recipients=frozenset({"mx-fgr"}))))
    with pytest.raises(QueryRefused) as refused:
        ask(co, mesh, phones(CO_PHONES))
    assert refused.value.code == "no_clause"
    assert "share nothing from mx-fgr to co-dijin" in refused.value.message


def test_rate_limits_hold_per_partner_and_kind(nodes: dict[str, Node], mesh: Mesh,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    co, mx = nodes["co"], nodes["mx"]
    hit_only(co, mx)
    holdings(mx)
    monkeypatch.setitem(query_answers.QUERY_LIMITS, "phone", BucketPolicy(5))
    assert ask(co, mesh, phones(CO_PHONES)).asked == 4  # 4 of 5
    with pytest.raises(PartnerRefused) as limited:
        ask(co, mesh, phones(["+52 55 0000 0001", "+52 55 0000 0002"]))
    assert (limited.value.code, limited.value.status) == ("rate_limited", 429)
    assert "2 items asked, 1 left of 5 per day" in limited.value.message
    assert limited.value.to_dict()["retry_after_seconds"] > 0
    with pytest.raises(PartnerRefused, match="6 items asked, at most 5 per query"):
        ask(co, mesh, phones([f"+52 55 0000 00{i:02d}" for i in range(6)]))
    # another kind has its own bucket: asked together, it is answered all the same
    mixed = ask(co, mesh, phones(["+52 55 0000 0003", "+52 55 0000 0004"]) + QueryRequest(
        (identifier("passport", "mx:G12345678"),)))
    assert [(x["kind"], x["hits"], x["refused"]) for x in mixed.exchanges] == [
        ("passport", 1, None), ("phone", 0, "rate_limited")]
    refusals = [e.details["refused"] for e in entries(mx, "query.answered")
                if "refused" in e.details]
    assert refusals == ["rate_limited", "invalid_value", "rate_limited"]


def test_both_sides_ledger_counts_and_keyed_hashes_never_identifiers(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    hit_only(co, mx)
    holdings(mx)
    result = ask(co, mesh, phones(CO_PHONES))
    [asked] = entries(co, "query.asked")
    [answered] = entries(mx, "query.answered")
    assert (asked.partner, asked.purpose, asked.agreement) == ("mx-fgr", "interdiction",
                                                               "agr-1")
    assert asked.details == {"exchange": "identifier", "kind": "phone", "asked": 4, "hits": 2}
    assert asked.hashes["asked"].startswith("sha256:")
    assert (answered.partner, answered.subject) == ("co-dijin", result.exchanges[0]["query_id"])
    assert answered.details == {"exchange": "identifier", "kind": "phone", "asked": 4}
    leaves = json.dumps([e.to_dict() for n in (co, mx) for e in entries(n, "query.asked")
                         + entries(n, "query.answered")])
    for word in SECRET_WORDS + [p.replace(" ", "") for p in CO_PHONES]:
        assert word not in leaves
    listed = queries.list_queries(co)["queries"]
    assert [(q["partner"], q["asked"], q["hits"], len(q["hit_list"])) for q in listed] == [
        ("mx-fgr", 4, 2, 2)]


def test_bad_values_in_a_batch_are_named_and_the_rest_is_asked(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    hit_only(co, mx)
    holdings(mx)
    result = ask(co, mesh, phones(["+52 55 1234 5678", "not a phone"]))
    assert len(result.hits) == 1
    [problem] = result.problems
    assert (problem.where, problem.field) == ("phone[1]", "phone")
    with pytest.raises(InvalidInput, match="phone"):
        ask(co, mesh, phones(["nope"]))


def test_strangers_and_forgeries_are_refused(nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx = nodes["co"], nodes["mx"]
    hit_only(co, mx)
    client = mesh.clients["mx"]
    answer = client.post("/federation/v1/queries", json={"envelope": "not.an.envelope"})
    assert answer.status_code == 400
    assert answer.json()["error"]["code"] == "envelope_malformed"
    # signed by co's key but claiming to be a node mx never pinned
    forged = seal({"type": "accord-hit-query", "purpose": "interdiction", "query": {}},
                  sender_keys=co.keys, sender_id="xx-rogue", recipient_id="mx-fgr",
                  recipient_enc_public_jwk=mx.keys.public_keys("mx-fgr", "MX")
                  .encryption_key(), message_id="m1", now=datetime.now(UTC))
    answer = client.post("/federation/v1/queries", json={"envelope": forged})
    assert answer.json()["error"]["code"] == "envelope_unpinned_key"
    assert [e.details["reason"] for e in entries(mx, "envelope.refused")] == [
        "envelope_malformed", "envelope_unpinned_key"]


def test_material_received_from_others_answers_only_where_its_originator_allows(
        nodes: dict[str, Node], mesh: Mesh) -> None:
    co, mx, pe = nodes["co"], nodes["mx"], nodes["pe"]
    hit_only(co, mx)
    received = report_doc("pe-r1", phone="+51 987 654 321")  # mx holds it from pe
    reports.create_report(mx.store, received, origin=pe.node_id, registry=mx.registry)
    asked = QueryRequest((identifier("phone", "+51 987 654 321"),))
    assert ask(co, mesh, asked).hits == []
    onward = signed_agreement([pe, mx], clause(onward_transfer=frozenset({"co-dijin"})),
                              agreement_id="agr-pe-mx")
    install([mx, pe], onward)
    [found] = ask(co, mesh, asked).hits
    assert found["asked"] == "phone:+51987654321"
