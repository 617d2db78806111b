"""One inbox batch handled as a whole: its messages in order, each with its own ledger entry
and receipt, later messages seeing what earlier ones of the same batch stored, and one
refused half-way leaving nothing of itself while the others are kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.services.test_receive import post, release, sealed, stored

from accord.adapters.receipts import verify_receipt
from accord.bootstrap import Node
from accord.domain.ledger_entry import Action as Act
from accord.domain.ledger_entry import decode_leaf
from accord.domain.messages import Message, MessageKind
from accord.domain.report import ReportStatus
from accord.entrypoints.api.app import create_app


@pytest.fixture
def inbox(co_mx: tuple[Node, Node]) -> Iterator[TestClient]:
    with TestClient(create_app(co_mx[1])) as client:
        yield client


def follow(kind: MessageKind, version: int, seq: int, report_id: str = "co-r1") -> dict[str, Any]:
    """A retraction or withdrawal of ``report_id`` (no content)."""
    return Message(kind, seq, report_id, version, "agr-1", None, "interdiction").to_body()


def test_a_batch_is_kept_in_order_with_one_ledger_entry_and_receipt_each(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    ids = [f"m-{i}" for i in range(5)]
    results = post(inbox, *(sealed(co, mx, release(f"co-r{i}", seq=i + 1), message_id=m)
                            for i, m in enumerate(ids)))
    assert [r["status"] for r in results] == ["accepted"] * 5
    indices = [r["ledger_index"] for r in results]
    assert indices == sorted(indices) and len(set(indices)) == 5
    with mx.store.unit_of_work(write=False) as uow:
        leaves = [decode_leaf(uow.ledger.tree.leaf(i).data)[1]  # type: ignore[union-attr]
                  for i in indices]
        inbox_rows = uow.inbox.accepted()
    assert [(e.action, e.subject) for e in leaves] == [(Act.ENVELOPE_RECEIVED, m) for m in ids]
    assert [(e.message_id, e.seq, e.ledger_index) for e in inbox_rows] == list(
        zip(ids, range(1, 6), indices, strict=True))
    for result, index in zip(results, indices, strict=True):
        receipt = verify_receipt(result["receipt"], lambda n: mx.keys.public_keys(n, "MX")
                                 if n == mx.node_id else None, now=datetime.now(UTC))
        assert (receipt.message_id, receipt.ledger_index) == (result["message_id"], index)
    assert stored(mx) == (5, 5, 5)


def test_the_same_message_twice_in_a_batch_is_answered_duplicate_with_the_first_receipt(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    envelope = sealed(co, mx, release(), message_id="m-1")
    first, again = post(inbox, envelope, sealed(co, mx, release(), message_id="m-1"))
    assert first["status"] == "accepted"
    assert (again["status"], again["reason"]) == ("duplicate", "envelope_replayed")
    assert (again["receipt"], again["ledger_index"]) == (first["receipt"], first["ledger_index"])
    assert stored(mx) == (1, 1, 1)


def test_later_versions_in_the_same_batch_see_the_earlier_ones(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    v1 = release("co-r1", version=1, seq=1, statements=(("p1", "Person", "name", "Ana"),))
    v2 = release("co-r1", version=2, seq=2, statements=(("p1", "Person", "name", "Ana Maria"),))
    other = release("co-r2", seq=3)
    results = post(inbox, sealed(co, mx, v1), sealed(co, mx, v2), sealed(co, mx, other),
                   sealed(co, mx, follow(MessageKind.RETRACTION, 3, 4)))
    assert [r["status"] for r in results] == ["accepted"] * 4
    with mx.store.unit_of_work(write=False) as uow:
        report = uow.reports.get("co-r1")
        values = sorted(s.value for s in uow.statements.for_report("co-r1"))
        held = uow.inbox.held("co-r1")
    assert report is not None and report.status is ReportStatus.RETRACTED
    assert values == ["Ana Maria"]
    assert held is not None and held.version == 2
    assert stored(mx) == (2, 2, 4)


def test_a_release_withdrawn_in_the_same_batch_is_gone(
        co_mx: tuple[Node, Node], inbox: TestClient) -> None:
    co, mx = co_mx
    results = post(inbox, sealed(co, mx, release("co-r1", seq=1)),
                   sealed(co, mx, follow(MessageKind.WITHDRAWAL, 2, 2)))
    assert [r["status"] for r in results] == ["accepted", "accepted"]
    with mx.store.unit_of_work(write=False) as uow:
        assert uow.reports.get("co-r1") is None and uow.inbox.held("co-r1") is None
    assert stored(mx) == (0, 0, 2)


def test_one_message_refused_half_way_leaves_only_itself_out(
        co_mx: tuple[Node, Node], inbox: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """Fault injection: the second arrival's ledger entry fails after its report was kept."""
    co, mx = co_mx
    import accord.services.receive as receive

    original = receive.LedgerEntry

    def failing(action: Act, *args: Any, **kw: Any) -> Any:
        if action is Act.ENVELOPE_RECEIVED and kw.get("details", {}).get("seq") == 2:
            raise receive.InvalidValue("cannot be recorded", where="ledger")
        return original(action, *args, **kw)

    monkeypatch.setattr(receive, "LedgerEntry", failing)
    results = post(inbox, *(sealed(co, mx, release(f"co-r{i}", seq=i)) for i in (1, 2, 3)))
    assert [(r["status"], r["reason"]) for r in results] == [
        ("accepted", None), ("refused", "release_malformed"), ("accepted", None)]
    with mx.store.unit_of_work(write=False) as uow:
        assert uow.reports.get("co-r2") is None and uow.inbox.held("co-r2") is None
        assert [e.report_id for e in uow.inbox.accepted()] == ["co-r1", "co-r3"]
        assert [r.reason for r in uow.inbox.refusals()] == ["release_malformed"]
    assert stored(mx) == (2, 2, 2)
