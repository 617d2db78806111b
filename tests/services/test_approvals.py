"""Four-eyes: releases under a clause that needs approval wait for a supervisor, who is not
the person who caused them; approval and refusal are recorded in the ledger."""

from __future__ import annotations

import pytest
from tests.federation_kit import clause, install, report_doc, signed_agreement

from accord.adapters.ledger import LeafFilter
from accord.adapters.store.outbox import HELD, PENDING, REFUSED, OutboxMessage
from accord.bootstrap import Node
from accord.domain.errors import Conflict, Forbidden, NotFound
from accord.domain.users import Role
from accord.services import approvals, ledger, reports
from accord.services.users import add_user


@pytest.fixture
def four_eyes(nodes: dict[str, Node]) -> tuple[Node, Node]:
    co, mx = nodes["co"], nodes["mx"]
    install([co, mx], signed_agreement([co, mx], clause(four_eyes=True)))
    return co, mx


def create(node: Node, report_id: str, actor: str, **kw: str) -> None:
    reports.create_report(node.store, report_doc(report_id, **kw), origin=node.node_id,
                          registry=node.registry, actor=actor)


def outbox(node: Node) -> list[OutboxMessage]:
    with node.store.unit_of_work(write=False) as uow:
        return sorted(uow.outbox.list(limit=100), key=lambda m: m.id)


def test_a_held_release_waits_and_its_author_cannot_approve_it(
        four_eyes: tuple[Node, Node]) -> None:
    co, _mx = four_eyes
    create(co, "r1", "ana")
    [message] = outbox(co)
    assert (message.state, message.seq) == (HELD, None)
    [held] = approvals.list_approvals(co.store)
    assert (held.id, held.report_id, held.partner, held.caused_by, held.state) == (
        message.id, "r1", "mx-fgr", "ana", "held")

    with pytest.raises(Forbidden, match="four-eyes: 'ana' caused release") as denied:
        approvals.approve_release(co, held.id, approver="ana")
    assert "another supervisor must" in str(denied.value)
    assert outbox(co)[0].state == HELD

    done = approvals.approve_release(co, held.id, approver="sam", note="checked")
    assert (done.state, done.decided_by, done.note) == ("approved", "sam", "checked")
    [released] = outbox(co)
    assert (released.state, released.seq) == (PENDING, 1)
    with pytest.raises(Conflict, match=f"release {held.id} was already approved by sam"):
        approvals.refuse_release(co, held.id, approver="tom")
    assert approvals.list_approvals(co.store) == []
    with co.store.unit_of_work(write=False) as uow:
        [entry] = [e.entry for e in ledger.audit_log(uow, LeafFilter(
            action="approval.decided"))]
    assert (entry.actor, entry.partner, entry.agreement) == ("sam", "mx-fgr", "agr-1")
    assert entry.details["approved"] is True and entry.details["caused_by"] == "ana"


def test_a_refused_release_never_leaves(four_eyes: tuple[Node, Node]) -> None:
    co, _mx = four_eyes
    create(co, "r1", "ana")
    [held] = approvals.list_approvals(co.store)
    approvals.refuse_release(co, held.id, approver="ana", note="source at risk")
    [message] = outbox(co)
    assert (message.state, message.reason, message.seq) == (REFUSED, "refused_by_supervisor",
                                                            None)
    [decided] = approvals.list_approvals(co.store, state="refused")
    assert (decided.decided_by, decided.note) == ("ana", "source at risk")
    with co.store.unit_of_work(write=False) as uow:
        [entry] = [e.entry for e in ledger.audit_log(uow, LeafFilter(
            action="approval.decided"))]
    assert entry.details["approved"] is False and entry.details["note"] == "source at risk"


def test_stale_releases_cannot_be_approved(four_eyes: tuple[Node, Node]) -> None:
    co, _mx = four_eyes
    create(co, "r1", "ana")
    reports.update_report(co.store, "r1", report_doc("r1", name="Ana Other"),
                          registry=co.registry, actor="ana")
    # the supervisor sees the newest version only; the older one was superseded
    [second] = approvals.list_approvals(co.store)
    [first] = approvals.list_approvals(co.store, state="cancelled")
    assert (first.report_version, second.report_version) == (1, 2)
    assert first.note == "superseded by version 2"
    with pytest.raises(Conflict, match=f"release {first.id} was already cancelled by system"):
        approvals.approve_release(co, first.id, approver="sam")
    approvals.approve_release(co, second.id, approver="sam")
    assert [(m.report_version, m.state, m.reason) for m in outbox(co)] == [
        (1, REFUSED, "superseded"), (2, PENDING, None)]
    create(co, "r2", "ana")
    [third] = approvals.list_approvals(co.store)
    reports.retract_report(co.store, "r2", actor="ana")
    with pytest.raises(Conflict, match="report r2 was retracted"):
        approvals.approve_release(co, third.id, approver="sam")


def test_revoking_the_agreement_cancels_what_waits(four_eyes: tuple[Node, Node]) -> None:
    co, _mx = four_eyes
    create(co, "r1", "ana")
    [held] = approvals.list_approvals(co.store)
    with co.store.unit_of_work() as uow:
        assert approvals.cancel_for_agreement(uow, "agr-1", reason="agreement_revoked",
                                              now=held.held_at) == 1
    assert approvals.list_approvals(co.store) == []
    assert approvals.get_approval(co.store, held.id).state == "cancelled"
    assert outbox(co)[0].state == REFUSED


def test_the_approver_must_be_a_supervisor(four_eyes: tuple[Node, Node]) -> None:
    co, _mx = four_eyes
    add_user(co.store, "sam", Role.SUPERVISOR)
    add_user(co.store, "ana", Role.ANALYST)
    assert approvals.approver_named(co.store, "sam") == "sam"
    with pytest.raises(Forbidden, match="has role 'analyst', which may not approve releases"):
        approvals.approver_named(co.store, "ana")
    with pytest.raises(NotFound, match="no user named 'bob'"):
        approvals.approver_named(co.store, "bob")
    with pytest.raises(NotFound, match="no held release 99"):
        approvals.approve_release(co, 99, approver="sam")
