"""The recipient's checks, through the real inbox endpoint: each refusal has its reason,
is logged, and leaves nothing stored; what is accepted keeps its provenance and markings."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from joserfc import jwe
from joserfc.jwe import JWERegistry
from joserfc.registry import HeaderParameter
from tests.federation_kit import clause, install, signed_agreement

from accord.adapters.envelope import seal
from accord.adapters.keys import generate_node_keys, load_node_keys
from accord.adapters.receipts import verify_receipt
from accord.bootstrap import Node
from accord.domain.agreement import AgreementStatus
from accord.domain.grading import Grading
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import decode_leaf
from accord.domain.markings import TLP, Marking
from accord.domain.messages import Message, MessageKind
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement
from accord.entrypoints.api.app import create_app
from accord.services.agreements import get_agreement, store_agreement
from accord.services.partners import revoke_partner_key
from accord.services.search import search

NOW = datetime.now(UTC)
AMBER = Marking(tlp=TLP.AMBER)


@pytest.fixture
def inbox(co_mx: tuple[Node, Node]) -> Iterator[TestClient]:
    with TestClient(create_app(co_mx[1])) as client:
        yield client


def release(report_id: str = "co-r1", *, version: int = 1, seq: int = 1,
            statements: tuple[tuple[str, str, str, str], ...] = (
                ("p1", "Person", "name", "Juan Perez"),),
            marking: Marking = AMBER, clause_id: str = "c1") -> dict[str, Any]:
    report = Report(id=report_id, origin="co-dijin", title=f"Report {report_id}",
                    purpose="interdiction", marking=marking, version=version)
    grading = Grading.from_dict("B2")
    content = ReportContent(report, tuple(
        Statement(e, schema, prop, value, report_id, "co-dijin", marking, grading)
        for e, schema, prop, value in statements))
    return Message(MessageKind.RELEASE, seq, report_id, version, "agr-1", clause_id,
                   "interdiction", content).to_body()


def sealed(co: Node, mx: Node, body: dict[str, Any], *, message_id: str | None = None,
           now: datetime | None = None, recipient_id: str | None = None,
           sender: tuple[str, Any] | None = None) -> str:
    sender_id, keys = sender or (co.node_id, co.keys)
    return seal(body, sender_keys=keys, sender_id=sender_id,
                recipient_id=recipient_id or mx.node_id,
                recipient_enc_public_jwk=mx.keys.public_keys(mx.node_id, "MX").encryption_key(),
                message_id=message_id or uuid.uuid4().hex, now=now or datetime.now(UTC))


def post(client: TestClient, *envelopes: str) -> list[dict[str, Any]]:
    response = client.post("/federation/v1/inbox", json={"envelopes": list(envelopes)})
    assert response.status_code == 200, response.text
    results: list[dict[str, Any]] = response.json()["results"]
    return results


def stored(node: Node) -> tuple[int, int, int]:
    with node.store.unit_of_work(write=False) as uow:
        return uow.reports.count(), uow.statements.count(), uow.inbox.count()


def refusal_reasons(node: Node) -> list[str]:
    with node.store.unit_of_work(write=False) as uow:
        return [r.reason for r in uow.inbox.refusals()]


def assert_refused(client: TestClient, mx: Node, envelope: str, reason: str) -> dict[str, Any]:
    [result] = post(client, envelope)
    assert result["status"] == "refused", result
    assert result["reason"] == reason, result
    assert stored(mx) == (0, 0, 0)
    assert refusal_reasons(mx) == [reason]
    with mx.store.unit_of_work(write=False) as uow:  # the refusal is in the ledger too
        leaves = list(uow.ledger.tree.leaves())
    assert decode_leaf(leaves[-1].data)[1].action is Act.ENVELOPE_REFUSED
    return result


def test_a_release_is_accepted_with_provenance_markings_and_a_signed_receipt(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    [result] = post(inbox, sealed(co, mx, release()))
    assert result["status"] == "accepted"
    receipt = verify_receipt(result["receipt"], lambda n: mx.keys.public_keys(n, "MX")
                             if n == mx.node_id else None, now=datetime.now(UTC))
    assert (receipt.issuer, receipt.sender, receipt.status, receipt.seq) == (
        "mx-fgr", "co-dijin", "accepted", 1)
    # the receipt names the ledger entry that recorded the arrival at the recipient
    assert receipt.ledger_index is not None and result["ledger_index"] == receipt.ledger_index
    with mx.store.unit_of_work(write=False) as uow:
        leaf = uow.ledger.tree.leaf(receipt.ledger_index)
    assert leaf is not None and decode_leaf(leaf.data)[1].action is Act.ENVELOPE_RECEIVED
    [hit] = search(mx.store, "Juan Perez", registry=mx.registry)
    with mx.store.unit_of_work(write=False) as uow:
        [s] = uow.statements.for_entity(hit.entity_id)
        held = uow.inbox.held("co-r1")
    assert (s.origin, s.report_id, s.marking.tlp, str(s.grading)) == (
        "co-dijin", "co-r1", TLP.AMBER, str(Grading.from_dict("B2")))
    assert held is not None and held.sender == "co-dijin"
    assert held.retain_until - held.received == timedelta(days=30)


def test_unsigned(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    enc = mx.keys.public_keys(mx.node_id, "MX").encryption_key()
    registry = JWERegistry(algorithms=["ECDH-ES+A256KW", "A256GCM"], header_registry={
        name: HeaderParameter(name, kind) for name, kind in (
            ("iss", "str"), ("aud", "str"), ("jti", "str"), ("iat", "int"))})
    bound = {"iss": co.node_id, "aud": mx.node_id, "jti": "m-unsigned",
             "iat": int(datetime.now(UTC).timestamp())}
    token = jwe.encrypt_compact(
        {"alg": "ECDH-ES+A256KW", "enc": "A256GCM", "kid": enc.kid,
         "typ": "accord-envelope+jwe", "cty": "accord-message+jws", **bound},
        json.dumps({**bound, "body": release()}), enc.key, registry=registry)
    result = assert_refused(inbox, mx, token, "envelope_unsigned")
    assert result["detail"] == "the encrypted content is not signed"


def test_unpinned_key(co_mx: tuple[Node, Node], inbox: TestClient, tmp_path: Any) -> None:
    co, mx = co_mx
    generate_node_keys(tmp_path / "stranger")
    stranger = ("zz-unknown", load_node_keys(tmp_path / "stranger"))
    assert_refused(inbox, mx, sealed(co, mx, release(), sender=stranger),
                   "envelope_unpinned_key")
    # a pinned partner's id with a key that is not theirs is refused the same way
    imposter = (co.node_id, stranger[1])
    [result] = post(inbox, sealed(co, mx, release(), sender=imposter))
    assert result["reason"] == "envelope_unpinned_key"
    assert "is not a pinned signing key of co-dijin" in result["detail"]


def test_revoked_key(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    revoke_partner_key(mx.store, co.node_id, co.keys.signing_kid)
    result = assert_refused(inbox, mx, sealed(co, mx, release()), "envelope_revoked_key")
    assert f"key {co.keys.signing_kid} of co-dijin is revoked" in result["detail"]


def test_misaddressed(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    result = assert_refused(inbox, mx, sealed(co, mx, release(), recipient_id="pe-dirandro"),
                            "envelope_wrong_recipient")
    assert result["detail"] == "addressed to 'pe-dirandro', this node is 'mx-fgr'"


def test_stale(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    old = datetime.now(UTC) - timedelta(minutes=6)
    result = assert_refused(inbox, mx, sealed(co, mx, release(), now=old),
                            "envelope_not_fresh")
    assert "older than" in result["detail"]


def test_replayed(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    envelope = sealed(co, mx, release(), message_id="m-1")
    [first] = post(inbox, envelope)
    before = stored(mx)
    [again] = post(inbox, envelope)
    # a retry re-sealed later with the same message id is the same message
    [resealed] = post(inbox, sealed(co, mx, release(), message_id="m-1"))
    assert first["status"] == "accepted"
    for result in (again, resealed):
        assert (result["status"], result["reason"]) == ("duplicate", "envelope_replayed")
        assert result["receipt"] == first["receipt"]  # the original receipt, nothing new
    assert stored(mx) == before == (1, 1, 1)
    assert refusal_reasons(mx) == ["envelope_replayed", "envelope_replayed"]


def test_oversize(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    big = tuple(("p1", "Person", "notes", "x" * 1000 + str(i)) for i in range(80))
    result = assert_refused(inbox, mx, sealed(co, mx, release(statements=big)),
                            "envelope_too_large")
    assert "over the limit of 60000" in result["detail"]


def test_tampered(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    envelope = sealed(co, mx, release())
    head, rest = envelope.split(".", 1)
    i = len(rest) // 2
    flipped = rest[:i] + ("A" if rest[i] != "A" else "B") + rest[i + 1:]
    assert_refused(inbox, mx, f"{head}.{flipped}", "envelope_malformed")


def test_not_allowed_when_the_recipient_holds_no_active_agreement(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    agreement = get_agreement(mx.store, "agr-1")
    store_agreement(mx.store, replace(agreement, status=AgreementStatus.REVOKED))
    result = assert_refused(inbox, mx, sealed(co, mx, release()), "not_allowed")
    assert result["detail"].startswith("not_a_party")


def test_not_allowed_beyond_the_recipients_own_copy(
        nodes: dict[str, Node]) -> None:
    co, mx = nodes["co"], nodes["mx"]
    # the sender's copy allows phones; the recipient's own copy does not
    install([co], signed_agreement([co, mx]))
    install([mx], signed_agreement([co, mx], clause(schemas=frozenset({"Person"}))))
    body = release(statements=(("p1", "Person", "name", "Juan Perez"),
                               ("ph1", "Phone", "number", "+573001234567")))
    with TestClient(create_app(mx)) as client:
        result = assert_refused(client, mx, sealed(co, mx, body), "not_allowed")
    assert result["detail"].startswith("arrived_beyond_agreement")
    assert "schema_out_of_scope" in result["detail"]


def test_not_allowed_above_the_clause_tlp(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    result = assert_refused(inbox, mx, sealed(co, mx, release(marking=Marking(tlp=TLP.RED))),
                            "not_allowed")
    assert "tlp_red" in result["detail"]


def test_a_refused_message_gets_the_same_answer_again(co_mx: tuple[Node, Node],
                                                      inbox: TestClient) -> None:
    co, mx = co_mx
    body = release(marking=Marking(tlp=TLP.RED))
    [first] = post(inbox, sealed(co, mx, body, message_id="m-red"))
    [again] = post(inbox, sealed(co, mx, body, message_id="m-red"))
    assert first["reason"] == again["reason"] == "not_allowed"
    assert stored(mx) == (0, 0, 0)


def test_a_retryable_refusal_stops_the_rest_of_that_senders_batch(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    old = datetime.now(UTC) - timedelta(minutes=6)
    results = post(inbox, sealed(co, mx, release("co-r1", seq=1)),
                   sealed(co, mx, release("co-r2", seq=2), now=old),
                   sealed(co, mx, release("co-r3", seq=3)))
    assert [r["status"] for r in results] == ["accepted", "refused", "skipped"]
    assert stored(mx) == (1, 1, 1)


def test_a_malformed_body_is_refused_naming_the_field(co_mx: tuple[Node, Node],
                                                      inbox: TestClient) -> None:
    co, mx = co_mx
    body = release()
    body["statements"][0].pop("origin")
    result = assert_refused(inbox, mx, sealed(co, mx, body), "release_malformed")
    assert result["detail"].startswith("release.statements[0]:")


def test_an_overlong_message_id_is_refused(co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    result = assert_refused(inbox, mx, sealed(co, mx, release(), message_id="m" * 300),
                            "release_malformed")
    assert result["detail"].startswith("the message id must be 1-64")


def test_a_message_refused_half_way_leaves_nothing(
        co_mx: tuple[Node, Node], inbox: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the arrival's ledger entry fails after the report was written."""
    co, mx = co_mx
    import accord.services.receive as receive

    original = receive.LedgerEntry

    def failing(action: Act, *args: Any, **kw: Any) -> Any:
        if action is Act.ENVELOPE_RECEIVED:
            raise receive.InvalidValue("cannot be recorded", where="ledger")
        return original(action, *args, **kw)

    monkeypatch.setattr(receive, "LedgerEntry", failing)
    [result] = post(inbox, sealed(co, mx, release()))
    assert (result["status"], result["reason"]) == ("refused", "release_malformed")
    assert result["detail"] == "ledger: cannot be recorded"
    assert stored(mx) == (0, 0, 0)
