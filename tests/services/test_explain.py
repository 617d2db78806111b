"""``explain_release``: the decision sharing would make for a report and a partner, and why
in words, including agreements held but not in force."""

from __future__ import annotations

from dataclasses import replace

import pytest
from tests.federation_kit import clause, install, report_doc, signed_agreement

from accord.bootstrap import Node
from accord.domain.decision import Outcome
from accord.domain.errors import NotFound
from accord.services import reports
from accord.services.agreements import store_agreement
from accord.services.explain import explain_release


@pytest.fixture
def co(nodes: dict[str, Node]) -> Node:
    co, mx = nodes["co"], nodes["mx"]
    install([co, mx], signed_agreement([co, mx], clause(redactions={"Phone": ["number"]})))
    for report_id, tlp in (("r-amber", "AMBER"), ("r-red", "RED")):
        reports.create_report(co.store, report_doc(report_id, tlp=tlp, phone="+57 300 1234567"),
                              origin=co.node_id, registry=co.registry)
    return co


def test_an_allowed_release_says_what_goes_and_what_is_withheld(co: Node) -> None:
    found = explain_release(co, "r-amber", "mx-fgr")
    assert found.decision.outcome is Outcome.ALLOW and found.pinned
    assert (found.decision.agreement_id, found.decision.clause_id) == ("agr-1", "c1")
    assert dict(found.decision.dropped) == {"redacted": 1}
    assert found.text.splitlines()[:2] == [
        "ALLOW: r-amber may go to mx-fgr (release, purpose 'interdiction')",
        "  under agreement agr-1, clause c1"]
    assert "statements withheld: redacted x1" in found.text
    assert found.to_dict()["decision"]["reason_codes"] == ["allowed", "redacted"]


def test_a_denied_release_says_why(co: Node) -> None:
    red = explain_release(co, "r-red", "mx-fgr")
    assert red.decision.outcome is Outcome.DENY
    assert red.decision.reason_code == "tlp_red"
    assert "TLP:RED never leaves automatically" in red.text
    purpose = explain_release(co, "r-amber", "mx-fgr", purpose="tax audit")
    assert purpose.decision.reason_code == "purpose_not_allowed"
    stranger = explain_release(co, "r-amber", "pe-dirandro")
    assert stranger.decision.reason_code == "not_a_party"
    unknown = explain_release(co, "r-amber", "us-dea")
    assert not unknown.pinned
    assert "us-dea is not a pinned partner of this node" in unknown.text


def test_agreements_not_in_force_are_named(co: Node) -> None:
    with co.store.unit_of_work(write=False) as uow:
        held = uow.agreements.get("agr-1")
    assert held is not None
    store_agreement(co.store, held.revoke("mx-fgr", held.valid_from, "ended"))
    found = explain_release(co, "r-amber", "mx-fgr")
    assert found.decision.outcome is Outcome.DENY
    assert found.decision.reason_code == "agreement_revoked"
    assert found.not_in_force == (("agr-1", "agreement_revoked",
                                   "agreement agr-1 was revoked by mx-fgr"),)
    assert "not in force here: agr-1: agreement agr-1 was revoked by mx-fgr" in found.text
    # an "active" agreement whose signature no longer verifies never reaches the engine
    store_agreement(co.store, replace(held, signatures={**held.signatures,
                                                       "mx-fgr": held.signatures["co-dijin"]}))
    found = explain_release(co, "r-amber", "mx-fgr")
    assert found.decision.reason_code == "not_a_party"
    assert found.not_in_force[0][1] == "agreement_bad_signature"


def test_an_unknown_report_is_not_found(co: Node) -> None:
    with pytest.raises(NotFound, match="no report 'nope' in this node"):
        explain_release(co, "nope", "mx-fgr")
