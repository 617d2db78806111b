"""The agreement lifecycle between three nodes, each served by its own in-process app and
reached through the real federation route: draft, propose, every party signs, active
everywhere, revoked everywhere; illegal steps and forged messages refused with reasons."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import yaml
from fastapi.testclient import TestClient
from tests.federation_kit import pin, report_doc

from accord.adapters.agreement_signing import sign_agreement as sign_with
from accord.adapters.agreement_transport import HttpAgreementTransport
from accord.adapters.envelope import seal
from accord.adapters.ledger import LeafFilter
from accord.adapters.store.outbox import PENDING, REFUSED
from accord.bootstrap import Node
from accord.domain.agreement import AgreementStatus, IllegalTransition
from accord.domain.errors import Conflict, InvalidValue
from accord.entrypoints.api.app import create_app
from accord.services import agreements as svc
from accord.services import ledger, reports
from accord.services.agreement_exchange import (
    ACCEPTED,
    KIND,
    UNREACHABLE,
    merge,
)
from accord.services.agreement_exchange import (
    REFUSED as ANSWER_REFUSED,
)
from accord.services.agreements import party_keys

PARTIES = ["co-dijin", "mx-fgr", "pe-dirandro"]


def document(agreement_id: str = "agr-andes", parties: list[str] | None = None,
             **clause: Any) -> str:
    now = datetime.now(UTC)
    return yaml.safe_dump({
        "id": agreement_id, "title": "Andean interdiction", "parties": parties or PARTIES,
        "valid_from": (now - timedelta(days=1)).isoformat(),
        "valid_until": (now + timedelta(days=365)).isoformat(),
        "clauses": [{"id": "people", "schemas": ["Person", "Phone"], "max_tlp": "AMBER",
                     "purposes": ["interdiction"], "retention_days": 30, **clause}]})


class Federation:
    """co, mx and pe served at ``http://<name>.test``; ``down`` ones are unreachable."""

    def __init__(self, nodes: dict[str, Node]) -> None:
        self.nodes = nodes
        self.down: set[str] = set()
        self.clients = {name: TestClient(create_app(node)) for name, node in nodes.items()}
        for name, node in nodes.items():
            for other_name, other in nodes.items():
                if other_name != name:
                    pin(node, other, f"http://{other_name}.test")
        self.transport = HttpAgreementTransport(
            client=httpx.Client(transport=httpx.MockTransport(self._route)))

    def _route(self, request: httpx.Request) -> httpx.Response:
        name = request.url.host.removesuffix(".test")
        if name in self.down:
            raise httpx.ConnectError("no route to host", request=request)
        answer = self.clients[name].request(request.method, request.url.raw_path.decode(),
                                            content=request.content,
                                            headers=dict(request.headers))
        return httpx.Response(answer.status_code, content=answer.content,
                              headers=answer.headers)

    def status(self, agreement_id: str = "agr-andes") -> dict[str, str]:
        out = {}
        for name, node in self.nodes.items():
            with node.store.unit_of_work(write=False) as uow:
                held = uow.agreements.get(agreement_id)
            out[name] = held.status.value if held else "-"
        return out


@pytest.fixture
def fed(nodes: dict[str, Node]) -> Iterator[Federation]:
    federation = Federation(nodes)
    yield federation
    federation.transport.close()
    for client in federation.clients.values():
        client.close()


def activate(fed: Federation, agreement_id: str = "agr-andes") -> None:
    co = fed.nodes["co"]
    svc.draft_agreement(co, document(agreement_id), actor="liaison-co")
    svc.propose_agreement(co, agreement_id, actor="liaison-co", transport=fed.transport)
    for name in ("co", "mx", "pe"):
        svc.sign_agreement(fed.nodes[name], agreement_id, actor=f"liaison-{name}",
                           transport=fed.transport)


def actions(node: Node, agreement_id: str = "agr-andes") -> list[tuple[str, str]]:
    with node.store.unit_of_work(write=False) as uow:
        found = ledger.audit_log(uow, LeafFilter(agreement=agreement_id, limit=1000))
    return [(e.entry.action.value, e.entry.actor) for e in found]


def test_draft_propose_sign_by_every_party_then_active_everywhere(fed: Federation) -> None:
    co, mx, pe = fed.nodes["co"], fed.nodes["mx"], fed.nodes["pe"]
    drafted = svc.draft_agreement(co, document(), actor="liaison-co")
    assert drafted.agreement.status is AgreementStatus.DRAFT and not drafted.in_force
    assert drafted.reason_code == "agreement_not_active"
    assert fed.status() == {"co": "draft", "mx": "-", "pe": "-"}  # drafts stay home

    step = svc.propose_agreement(co, "agr-andes", actor="liaison-co", transport=fed.transport)
    assert {d.party: d.status for d in step.deliveries} == {"mx-fgr": ACCEPTED,
                                                            "pe-dirandro": ACCEPTED}
    assert fed.status() == {"co": "proposed", "mx": "proposed", "pe": "proposed"}

    svc.sign_agreement(mx, "agr-andes", actor="liaison-mx", transport=fed.transport)
    svc.sign_agreement(pe, "agr-andes", actor="liaison-pe", transport=fed.transport)
    assert fed.status() == {"co": "proposed", "mx": "proposed", "pe": "proposed"}
    last = svc.sign_agreement(co, "agr-andes", actor="liaison-co", transport=fed.transport)
    # the last signer activates it at home, and every party that merges the signature too
    assert last.view.in_force and last.view.agreement.status is AgreementStatus.ACTIVE
    assert {d.their_status for d in last.deliveries} == {"active"}
    assert fed.status() == {"co": "active", "mx": "active", "pe": "active"}
    for node in fed.nodes.values():
        view = svc.agreement_view(node, "agr-andes")
        assert view.in_force and sorted(view.agreement.signatures) == sorted(PARTIES)
    # the ledger says who did what, at home and as merged from partners
    assert actions(co) == [("agreement.drafted", "liaison-co"),
                           ("agreement.proposed", "liaison-co"),
                           ("agreement.signed", "partner/mx-fgr"),
                           ("agreement.signed", "partner/pe-dirandro"),
                           ("agreement.signed", "liaison-co")]
    assert ("agreement.signed", "liaison-mx") in actions(mx)


def test_sharing_follows_the_agreement_and_stops_when_it_is_revoked(fed: Federation) -> None:
    co, mx = fed.nodes["co"], fed.nodes["mx"]
    activate(fed)
    reports.create_report(co.store, report_doc("r1"), origin=co.node_id, registry=co.registry)
    with co.store.unit_of_work(write=False) as uow:
        queued = uow.outbox.list(limit=10)
    assert {(m.partner, m.state) for m in queued} == {("mx-fgr", PENDING),
                                                      ("pe-dirandro", PENDING)}

    step = svc.revoke_agreement(mx, "agr-andes", actor="liaison-mx", reason="breach of H2",
                                transport=fed.transport)
    assert {d.status for d in step.deliveries} == {ACCEPTED}
    assert fed.status() == {"co": "revoked", "mx": "revoked", "pe": "revoked"}
    view = svc.agreement_view(co, "agr-andes")
    assert not view.in_force and view.reason_code == "agreement_revoked"
    assert view.reason == "agreement agr-andes was revoked by mx-fgr"
    # what waited to leave under it was cancelled, and nothing new is queued
    with co.store.unit_of_work(write=False) as uow:
        assert {(m.state, m.reason) for m in uow.outbox.list(limit=10)} == {
            (REFUSED, "agreement_revoked")}
    reports.create_report(co.store, report_doc("r2"), origin=co.node_id, registry=co.registry)
    with co.store.unit_of_work(write=False) as uow:
        assert [m.report_id for m in uow.outbox.list(limit=10)] == ["r1", "r1"]
    assert ("agreement.revoked", "partner/mx-fgr") in actions(co)
    # revoked is final
    with pytest.raises(IllegalTransition, match="cannot sign an agreement that is revoked"):
        svc.sign_agreement(co, "agr-andes", actor="liaison-co", transport=fed.transport)


def test_illegal_steps_are_refused_with_their_reason(fed: Federation) -> None:
    co, mx = fed.nodes["co"], fed.nodes["mx"]
    svc.draft_agreement(co, document(), actor="liaison-co")
    with pytest.raises(IllegalTransition,
                       match=r"cannot sign an agreement that is draft \(only when proposed\)"):
        svc.sign_agreement(co, "agr-andes", actor="liaison-co", transport=fed.transport)
    svc.propose_agreement(co, "agr-andes", actor="liaison-co", transport=fed.transport)
    with pytest.raises(IllegalTransition, match="cannot propose an agreement that is proposed"):
        svc.propose_agreement(co, "agr-andes", actor="liaison-co", transport=fed.transport)
    svc.sign_agreement(mx, "agr-andes", actor="liaison-mx", transport=fed.transport)
    with pytest.raises(IllegalTransition, match="'mx-fgr' has already signed"):
        svc.sign_agreement(mx, "agr-andes", actor="liaison-mx", transport=fed.transport)
    with pytest.raises(Conflict, match="already proposed here"):
        svc.draft_agreement(co, document(), actor="liaison-co")
    with pytest.raises(InvalidValue, match=r"this node \(co-dijin\) is not a party") as bad:
        svc.draft_agreement(co, document("agr-other", ["mx-fgr", "pe-dirandro"]), actor="x")
    assert bad.value.where == "agreement.parties"
    with pytest.raises(InvalidValue, match="a draft carries no status, signatures"):
        svc.draft_agreement(co, document("agr-x").replace("clauses:", "status: active\nclauses:"),
                            actor="x")
    with pytest.raises(InvalidValue, match=r"'Persn' is not a schema|Persn"):
        svc.draft_agreement(co, document("agr-y").replace("- Person", "- Persn"), actor="x")
    with pytest.raises(InvalidValue, match="say why"):
        svc.revoke_agreement(co, "agr-andes", actor="x", reason=" ", transport=fed.transport)


def test_propose_needs_every_party_pinned(fed: Federation) -> None:
    co = fed.nodes["co"]
    svc.draft_agreement(co, document("agr-four", [*PARTIES, "us-dea"]), actor="liaison-co")
    with pytest.raises(Conflict, match="parties us-dea are not pinned partners of this node"):
        svc.propose_agreement(co, "agr-four", actor="liaison-co", transport=fed.transport)
    assert svc.agreement_view(co, "agr-four").agreement.status is AgreementStatus.DRAFT


def test_an_unreachable_party_catches_up_with_send(fed: Federation) -> None:
    co, pe = fed.nodes["co"], fed.nodes["pe"]
    fed.down.add("pe")
    svc.draft_agreement(co, document(), actor="liaison-co")
    step = svc.propose_agreement(co, "agr-andes", actor="liaison-co", transport=fed.transport)
    assert {d.party: d.status for d in step.deliveries}["pe-dirandro"] == UNREACHABLE
    for name in ("co", "mx"):
        svc.sign_agreement(fed.nodes[name], "agr-andes", actor="l", transport=fed.transport)
    assert fed.status() == {"co": "proposed", "mx": "proposed", "pe": "-"}
    fed.down.clear()
    svc.send_agreement(co, "agr-andes", transport=fed.transport)  # pe gets both signatures
    signed = svc.sign_agreement(pe, "agr-andes", actor="l", transport=fed.transport)
    assert signed.view.in_force
    assert fed.status() == {"co": "active", "mx": "active", "pe": "active"}
    # a revocation pe missed comes back in the answer to its next send
    fed.down.add("pe")
    svc.revoke_agreement(co, "agr-andes", actor="l", reason="ended", transport=fed.transport)
    fed.down.clear()
    assert fed.status()["pe"] == "active"
    svc.send_agreement(pe, "agr-andes", transport=fed.transport)
    assert fed.status() == {"co": "revoked", "mx": "revoked", "pe": "revoked"}


def test_forged_or_conflicting_agreements_are_refused(fed: Federation) -> None:
    co, mx = fed.nodes["co"], fed.nodes["mx"]
    activate(fed)
    now = datetime.now(UTC)
    with mx.store.unit_of_work(write=False) as uow:
        held = uow.agreements.get("agr-andes")
        lookup = party_keys(mx, uow)
    assert held is not None
    # a signature that does not cover this content
    other = svc.draft_agreement(co, document("agr-b"), actor="x").agreement.propose()
    forged_sig = sign_with(other, "co-dijin", co.keys, now=now).signatures["co-dijin"]
    tampered = replace(held.revise(title="Changed"), status=AgreementStatus.PROPOSED)
    tampered = tampered.sign("co-dijin", forged_sig)
    got = merge(None, tampered, sender="co-dijin", me="mx-fgr", keys_of=lookup, now=now)
    assert (got.status, got.reason) == (ANSWER_REFUSED, "agreement_bad_signature")
    assert "the signature of co-dijin fails" in got.detail
    # the same version with other content
    changed = replace(held, title="Changed")
    got = merge(held, changed, sender="co-dijin", me="mx-fgr", keys_of=lookup, now=now)
    assert (got.status, got.reason) == (ANSWER_REFUSED, "agreement_conflict")
    # a revocation not signed by the party it names
    fake = held.revoke("pe-dirandro", now, "forged", held.signatures["co-dijin"])
    got = merge(held, fake, sender="co-dijin", me="mx-fgr", keys_of=lookup, now=now)
    assert (got.status, got.reason) == (ANSWER_REFUSED, "agreement_bad_revocation")
    # a sender that is not a party
    got = merge(None, held, sender="us-dea", me="mx-fgr", keys_of=lookup, now=now)
    assert (got.status, got.reason) == (ANSWER_REFUSED, "not_a_party")
    # and on the wire: an envelope from a node mx has not pinned is refused before anything
    with co.store.unit_of_work() as uow:
        partner = uow.partners.get("mx-fgr")
    assert partner is not None
    envelope = seal({"type": KIND, "agreement": held.to_dict()}, sender_keys=co.keys,
                    sender_id="co-dijin", recipient_id="mx-fgr",
                    recipient_enc_public_jwk=partner.keys.encryption_key(), message_id="m1",
                    now=now)
    from accord.services.partners import remove_partner

    remove_partner(mx.store, "co-dijin")
    answer = fed.clients["mx"].post("/federation/v1/agreements", json={"envelope": envelope})
    assert answer.status_code == 401
    assert answer.json()["error"]["code"] == "envelope_unpinned_key"
    assert svc.agreement_view(mx, "agr-andes").agreement.status is AgreementStatus.ACTIVE
