"""Partners witness each other's ledgers through the real federation endpoints: two (three)
node directories, each served by its own app in-process, reached over an httpx transport
that routes by URL. A node that rewrites or rolls back its history is caught."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from sqlalchemy import delete, update
from tests.federation_kit import pin

from accord.adapters.keys import rotate_node_keys
from accord.adapters.ledger import LeafFilter, LeafRow
from accord.adapters.ledger.tables import checkpoints, head, leaf_index, leaves, tiles
from accord.adapters.ledger_transport import HttpLedgerTransport
from accord.bootstrap import Node
from accord.domain.checkpoint import SignedCheckpoint
from accord.domain.ledger_entry import Action, LedgerEntry, decode_leaf
from accord.domain.signed_note import NoteSigner
from accord.entrypoints.api.app import create_app
from accord.services import checkpointing, ledger
from accord.services.auditing import verify_node
from accord.services.partners import pin_partner
from accord.services.witnessing import (
    ALERT,
    COSIGNED,
    NO_CHECKPOINT,
    UNREACHABLE,
    WitnessOutcome,
    witness_partners,
)

T0 = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)


class Federation:
    """Each node served by its own in-process app at ``http://<name>.test``."""

    def __init__(self, nodes: dict[str, Node]) -> None:
        self.nodes = nodes
        self.clients = {name: TestClient(create_app(node)) for name, node in nodes.items()}
        for name, node in nodes.items():
            for other_name, other in nodes.items():
                if other_name != name:
                    pin(node, other, f"http://{other_name}.test")
        self.transport = HttpLedgerTransport(
            client=httpx.Client(transport=httpx.MockTransport(self._route)))

    def _route(self, request: httpx.Request) -> httpx.Response:
        name = request.url.host.removesuffix(".test")
        client = self.clients.get(name)
        if client is None or name == "pe":  # pe is pinned but never reachable
            raise httpx.ConnectError("no route to host", request=request)
        answer = client.request(request.method, request.url.raw_path.decode(),
                                content=request.content, headers=dict(request.headers))
        return httpx.Response(answer.status_code, content=answer.content,
                              headers=answer.headers)

    def witness(self, name: str, only: str | None = None) -> dict[str, WitnessOutcome]:
        outcomes = witness_partners(self.nodes[name], self.transport, only)
        return {o.partner: o for o in outcomes}


@pytest.fixture
def fed(nodes: dict[str, Node]) -> Iterator[Federation]:
    federation = Federation(nodes)
    yield federation
    federation.transport.close()
    for client in federation.clients.values():
        client.close()


def act(node: Node, n: int, start: int = 0) -> None:
    with node.store.unit_of_work() as uow:
        ledger.record_many(uow, [LedgerEntry(Action.MATERIAL_READ, actor="ana",
                                             subject=f"R-{i}", at=T0 + timedelta(minutes=i))
                                 for i in range(start, start + n)])


def leaves_of(node: Node, action: Action) -> list[LedgerEntry]:
    with node.store.unit_of_work(write=False) as uow:
        return [e.entry for e in ledger.audit_log(uow, LeafFilter(action=action.value))]


def test_partners_witness_each_other_and_keep_the_cosignatures(fed: Federation) -> None:
    co, mx = fed.nodes["co"], fed.nodes["mx"]
    act(co, 30)
    first = checkpointing.sign_checkpoint(co)
    outcomes = fed.witness("mx")
    assert outcomes["co-dijin"].status == COSIGNED
    assert outcomes["co-dijin"].size == first.checkpoint.size
    assert outcomes["pe-dirandro"].status == UNREACHABLE
    # co kept mx's co-signature, verified against mx's pinned key, and logged it
    published = fed.clients["co"].get("/federation/v1/checkpoint").json()
    assert SignedCheckpoint.parse(published["checkpoint"]).cosigners() == ["accord.node/mx-fgr"]
    [witnessed] = leaves_of(co, Action.CHECKPOINT_WITNESSED)
    assert witnessed.details["witness"] == "accord.node/mx-fgr"
    [cosigned] = leaves_of(mx, Action.WITNESS_COSIGNED)
    assert cosigned.details["size"] == first.checkpoint.size
    report = verify_node(co)
    assert report.ok and report.witnesses == {"accord.node/mx-fgr": 1}, report.problems
    # co grows; mx checks the new head against the one it co-signed (a real proof)
    act(co, 100, 30)
    second = checkpointing.sign_checkpoint(co)
    assert fed.witness("mx", "co-dijin")["co-dijin"].status == COSIGNED
    assert fed.witness("mx", "co-dijin")["co-dijin"].detail == "already co-signed"
    with mx.store.unit_of_work(write=False) as uow:
        assert uow.ledger.seen.origins() == {"accord.node/co-dijin": second.checkpoint.size}
    # and co witnesses mx the same way
    act(mx, 3)
    checkpointing.sign_checkpoint(mx)
    assert fed.witness("co", "mx-fgr")["mx-fgr"].status == COSIGNED
    assert verify_node(mx).witnesses == {"accord.node/co-dijin": 1}
    assert verify_node(co).ok


def test_a_partner_without_a_checkpoint_is_told_apart(fed: Federation) -> None:
    assert fed.witness("mx", "co-dijin")["co-dijin"].status == NO_CHECKPOINT
    assert fed.clients["co"].get("/federation/v1/checkpoint").status_code == 404


def rewrite(node: Node, index: int) -> None:
    """A node administrator rewrites leaf ``index`` and every table so they agree."""
    with node.store.unit_of_work() as uow:
        rows = list(uow.ledger.tree.leaves())
        _, entry = decode_leaf(rows[index].data)
        rows[index] = LeafRow.of(LedgerEntry(entry.action, actor=entry.actor,
                                             subject="never happened", at=entry.at), index)
        conn = uow.ledger.conn
        for table in (tiles, leaves, leaf_index, checkpoints):
            conn.execute(delete(table))
        conn.execute(update(head).values(size=0))
        uow.ledger.tree.write(uow.ledger.tree.reserve(len(rows)), rows)


def test_a_node_that_rewrites_its_history_is_caught_by_its_witness(fed: Federation) -> None:
    co, mx = fed.nodes["co"], fed.nodes["mx"]
    act(co, 40)
    checkpointing.sign_checkpoint(co)
    assert fed.witness("mx", "co-dijin")["co-dijin"].status == COSIGNED
    seen = SignedCheckpoint.parse(fed.clients["co"].get(
        "/federation/v1/checkpoint").json()["checkpoint"]).checkpoint.size
    rewrite(co, 7)
    act(co, 5, 40)
    forged = checkpointing.sign_checkpoint(co)  # signed with co's real key
    outcome = fed.witness("mx", "co-dijin")["co-dijin"]
    assert outcome.status == ALERT
    assert outcome.detail.startswith("not an extension of the last checkpoint")
    with mx.store.unit_of_work(write=False) as uow:
        [alert] = uow.ledger.seen.alerts("accord.node/co-dijin")
        assert alert.new_note.startswith(forged.format().split("\n\n")[0])
        assert uow.ledger.seen.origins() == {"accord.node/co-dijin": seen}
    [recorded] = leaves_of(mx, Action.WITNESS_ALERT)
    assert recorded.details["origin"] == "accord.node/co-dijin"
    assert recorded.partner == "accord.node/co-dijin"
    # the forged head never gets mx's co-signature
    assert forged.cosigners() == []
    assert verify_node(mx).ok  # the witness's own log is fine


def test_a_node_that_rolls_its_log_back_is_caught(fed: Federation) -> None:
    co, mx = fed.nodes["co"], fed.nodes["mx"]
    act(co, 40)
    checkpointing.sign_checkpoint(co)
    assert fed.witness("mx", "co-dijin")["co-dijin"].status == COSIGNED
    with co.store.unit_of_work() as uow:
        conn = uow.ledger.conn
        kept = list(uow.ledger.tree.leaves(0, 10))
        for table in (tiles, leaves, leaf_index, checkpoints):
            conn.execute(delete(table))
        conn.execute(update(head).values(size=0))
        uow.ledger.tree.write(uow.ledger.tree.reserve(len(kept)), kept)
    checkpointing.sign_checkpoint(co)
    outcome = fed.witness("mx", "co-dijin")["co-dijin"]
    assert outcome.status == ALERT and "the log shrank" in outcome.detail
    [recorded] = leaves_of(mx, Action.WITNESS_ALERT)
    assert (recorded.details["old_size"], recorded.details["new_size"]) == (2 + 40, 10)


def test_cosignatures_from_strangers_or_wrong_keys_are_refused(fed: Federation) -> None:
    co = fed.nodes["co"]
    act(co, 5)
    signed = checkpointing.sign_checkpoint(co)
    body = signed.checkpoint.body()
    size = signed.checkpoint.size
    client = fed.clients["co"]

    def post(signer: NoteSigner, at_size: int = size) -> Any:
        return client.post("/federation/v1/cosign", json={
            "size": at_size, "cosignature": signer.sign(body).line()})

    stranger = NoteSigner("accord.node/xx-nobody",
                          Ed25519PrivateKey.from_private_bytes(bytes([9]) * 32))
    answer = post(stranger)
    assert answer.status_code == 404
    assert answer.json()["error"]["message"] == "'xx-nobody' is not a partner of this node"
    impostor = NoteSigner("accord.node/mx-fgr", stranger.private_key)
    answer = post(impostor)
    assert answer.status_code == 422
    assert "is not a pinned signing key of mx-fgr" in answer.json()["error"]["message"]
    mx = fed.nodes["mx"]
    real = checkpointing.node_signer(mx)
    assert post(real, size + 7).status_code == 404  # no such checkpoint
    bad_line = client.post("/federation/v1/cosign", json={"size": size, "cosignature": "x"})
    assert bad_line.status_code == 422
    assert post(real).status_code == 200
    assert post(real).status_code == 200  # again: nothing changes
    assert len(leaves_of(co, Action.CHECKPOINT_WITNESSED)) == 1
    assert client.get("/federation/v1/consistency?from=-1").status_code == 422
    assert client.get(f"/federation/v1/consistency?from={size + 1}").status_code == 404


def test_the_keeper_signs_checkpoints_and_witnesses_on_its_rounds(fed: Federation) -> None:
    co, mx = fed.nodes["co"], fed.nodes["mx"]
    act(co, 3)
    rounds: list[object] = []
    keeper = checkpointing.LedgerKeeper(co, checkpoint_seconds=60, witness_seconds=300,
                                        witness=lambda: rounds.append(fed.witness("co")))
    keeper.tick(witness=True)
    with co.store.unit_of_work(write=False) as uow:
        latest = ledger.latest_checkpoint(uow)
    assert latest is not None and latest.checkpoint.size == 2 + 3  # init's 2 leaves + 3
    assert len(rounds) == 1
    keeper.tick(witness=False)  # nothing new: no new checkpoint
    with co.store.unit_of_work(write=False) as uow:
        assert [c.size for c in uow.ledger.checkpoints.all()] == [5]
    assert fed.witness("mx", "co-dijin")["co-dijin"].status == COSIGNED
    assert leaves_of(mx, Action.WITNESS_COSIGNED)[0].details["size"] == 5


def test_witnessing_and_audit_survive_a_key_rotation(fed: Federation) -> None:
    co, mx = fed.nodes["co"], fed.nodes["mx"]
    act(co, 10)
    checkpointing.sign_checkpoint(co)
    assert fed.witness("mx", "co-dijin")["co-dijin"].status == COSIGNED
    rotated = rotate_node_keys(co.dir.keys_dir, now=datetime.now(UTC))
    co.__dict__.pop("keys", None)  # the node reads its keyring again
    assert co.keys.signing_kid == rotated.signing_kid
    pin_partner(mx.store, rotated.public_jwks(co.node_id, "CO"), url="http://co.test",
                me=mx.node_id)  # follows the rotation: proved by the pinned key
    act(co, 5, 10)
    newer = checkpointing.sign_checkpoint(co)  # signed with the new key
    outcome = fed.witness("mx", "co-dijin")["co-dijin"]
    assert outcome.status == COSIGNED and outcome.size == newer.checkpoint.size
    report = verify_node(co)  # the old checkpoint still verifies, with the retired key
    assert report.ok and report.checkpoints_checked == 2, report.problems
    assert report.witnesses == {"accord.node/mx-fgr": 2}
