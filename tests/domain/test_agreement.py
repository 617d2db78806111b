"""Agreements: the document format, its errors, and the lifecycle state machine."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from accord.domain.agreement import (
    Agreement,
    AgreementStatus,
    IllegalTransition,
    active_agreements,
    dump_agreement,
    parse_agreement,
)
from accord.domain.clause import Mode
from accord.domain.errors import InvalidValue
from accord.domain.markings import PAP, TLP, HandlingCode

DOCS = Path(__file__).resolve().parents[2] / "docs" / "agreements.md"
T0 = datetime(2026, 3, 1, tzinfo=UTC)

SMALL = """
id: agr-co-mx-2026
title: CO-MX maritime interdiction
parties: [co-dijin, mx-semar]
valid_from: 2026-01-01
valid_until: 2027-01-01T00:00:00Z
clauses:
  - id: vessels
    schemas: [Vessel, Movement]
    purposes: [maritime interdiction]
    max_tlp: AMBER
"""


def docs_example() -> str:
    match = re.search(r"```yaml\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
    assert match, "docs/agreements.md needs a ```yaml example"
    return match.group(1)


def test_the_documented_example_parses() -> None:
    a = parse_agreement(docs_example(), where="docs/agreements.md")
    assert a.status is AgreementStatus.DRAFT and len(a.parties) >= 2
    modes = {c.mode for c in a.clauses}
    assert Mode.PUSH in modes and Mode.HIT_ONLY in modes
    assert any(c.redactions for c in a.clauses)


def test_parse_fills_restrictive_defaults() -> None:
    a = parse_agreement(SMALL)
    (c,) = a.clauses
    assert a.parties == ("co-dijin", "mx-semar") and a.version == 1
    assert a.valid_from == datetime(2026, 1, 1, tzinfo=UTC)
    assert c.senders is None and c.recipients is None  # all parties
    assert c.max_tlp is TLP.AMBER and c.handling_allowed == {HandlingCode.H0}
    assert c.permitted_actions is PAP.AMBER and c.mode is Mode.PUSH
    assert (c.four_eyes, c.onward_transfer, c.retention_days, c.narrative) == (
        False, frozenset(), 365, False)


def test_json_round_trip_keeps_everything() -> None:
    a = parse_agreement(docs_example())
    a = replace(a, status=AgreementStatus.PROPOSED, signatures={a.parties[0]: "h..s"})
    again = parse_agreement(dump_agreement(a))
    assert again == a and again.signing_payload() == a.signing_payload()


@pytest.mark.parametrize(("change", "where", "message"), [
    ("colour: blue\n", "agreement", "unknown field(s) colour"),
    ("  - id: x\n    schemas: [Vessel]\n    purposes: [p]\n    max_tlp: AMBER\n    colour: 1\n",
     "agreement.clauses[1]", "unknown field(s) colour"),
    ("  - id: x\n    schemas: [Vessel]\n    purposes: [p]\n", "agreement.clauses[1].max_tlp",
     "is required"),
    ("  - id: x\n    schemas: [Vessel]\n    purposes: [p]\n    max_tlp: PURPLE\n",
     "agreement.clauses[1].max_tlp", "'PURPLE' is not a TLP"),
    ("  - id: x\n    schemas: [Vessel]\n    purposes: [p]\n    max_tlp: RED\n    mode: later\n",
     "agreement.clauses[1].mode", "'later' is not a mode"),
    ("  - id: x\n    schemas: [Vessel]\n    purposes: [p]\n    max_tlp: RED\n"
     "    properties: {Person: [name]}\n", "agreement.clauses[1].properties.Person",
     "'Person' is not in this clause's schemas"),
    ("  - id: x\n    schemas: [Vessel]\n    purposes: [p]\n    max_tlp: RED\n    to: [us-dea]\n",
     "agreement.clauses[1].to", "us-dea not among the agreement's parties"),
    ("  - id: x\n    schemas: [Vessel]\n    purposes: [p]\n    max_tlp: RED\n"
     "    retention_days: soon\n", "agreement.clauses[1].retention_days", "'soon' is not a whole"),
    ("  - id: x\n    schemas: [Vessel]\n    purposes: [p]\n    max_tlp: RED\n"
     "    four_eyes: maybe\n", "agreement.clauses[1].four_eyes", "'maybe' is not true or false"),
])
def test_errors_name_the_field(change: str, where: str, message: str) -> None:
    text = SMALL + change if change.startswith(" ") else change + SMALL
    with pytest.raises(InvalidValue) as err:
        parse_agreement(text)
    assert err.value.where == where
    assert message in err.value.message


def test_yaml_booleans_in_party_lists_get_a_hint() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_agreement(SMALL.replace("[co-dijin, mx-semar]", "[co, NO]"))
    assert err.value.where == "agreement.parties[1]"
    assert "quote it" in err.value.message


def test_bad_yaml_names_the_line() -> None:
    with pytest.raises(InvalidValue) as err:
        parse_agreement("id: x\ntitle: [unclosed\n", where="a.yaml")
    assert err.value.where is not None and err.value.where.startswith("a.yaml:")


def test_validity_and_schema_checks() -> None:
    with pytest.raises(InvalidValue, match="valid_until must be after valid_from"):
        parse_agreement(SMALL.replace("2027-01-01T00:00:00Z", "2025-01-01"))
    with pytest.raises(InvalidValue, match="unknown schema"):
        parse_agreement(SMALL, known_schemas={"Vessel", "Person"})
    with pytest.raises(InvalidValue, match="at least two distinct parties"):
        parse_agreement(SMALL.replace("[co-dijin, mx-semar]", "[co-dijin, co-dijin]"))


@dataclass
class FakeKeys:
    """A party whose 'signature' is valid when it equals sig:<sha of payload>."""

    name: str

    def sign(self, payload: bytes) -> str:
        return f"{self.name}.{len(payload)}.sig"

    def verify_detached(self, payload: bytes, signature: str, *, at: datetime) -> str | None:
        return None if signature == self.sign(payload) else "signature does not verify"


KEYS = {"co-dijin": FakeKeys("co-dijin"), "mx-semar": FakeKeys("mx-semar")}


def signed_by_all(a: Agreement) -> Agreement:
    a = a.propose()
    for party in a.parties:
        a = a.sign(party, KEYS[party].sign(a.signing_payload()))
    return a


def test_lifecycle_draft_to_active_to_revoked() -> None:
    a = parse_agreement(SMALL).propose()
    assert a.status is AgreementStatus.PROPOSED
    a = a.sign("co-dijin", KEYS["co-dijin"].sign(a.signing_payload()))
    assert a.status is AgreementStatus.PROPOSED  # waiting for mx-semar
    a = a.sign("mx-semar", KEYS["mx-semar"].sign(a.signing_payload()))
    assert a.status is AgreementStatus.SIGNED
    a = a.activate(T0, KEYS.__getitem__)
    assert a.status is AgreementStatus.ACTIVE and a.is_active(T0, KEYS.__getitem__)
    gone = a.revoke("mx-semar", T0 + timedelta(days=1), "breach of clause vessels")
    assert gone.status is AgreementStatus.REVOKED
    assert gone.check_active(T0, KEYS.__getitem__) is not None
    assert gone.check_active(T0, KEYS.__getitem__).code == "agreement_revoked"  # type: ignore[union-attr]


def test_expiry() -> None:
    a = signed_by_all(parse_agreement(SMALL)).activate(T0, KEYS.__getitem__)
    end = a.valid_until
    assert a.check_active(end, KEYS.__getitem__).code == "agreement_expired"  # type: ignore[union-attr]
    with pytest.raises(IllegalTransition, match="not yet expired"):
        a.expire(end - timedelta(seconds=1))
    assert a.expire(end).status is AgreementStatus.EXPIRED


@pytest.mark.parametrize(("step", "message"), [
    (lambda a: a.sign("co-dijin", "h..s"), "cannot sign an agreement that is draft"),
    (lambda a: a.propose().propose(), "cannot propose an agreement that is proposed"),
    (lambda a: a.propose().sign("us-dea", "h..s"), "'us-dea' is not a party"),
    (lambda a: a.propose().sign("co-dijin", "h..s").sign("co-dijin", "h..s"),
     "'co-dijin' has already signed"),
    (lambda a: a.propose().activate(T0, KEYS.__getitem__),
     "cannot activate an agreement that is proposed"),
    (lambda a: a.revoke("co-dijin", T0, "x").revise(title="again"),
     "cannot revise an agreement that is revoked"),
    (lambda a: a.revoke("us-dea", T0, "x"), "'us-dea' is not a party and cannot revoke"),
])
def test_illegal_transitions_say_why(step, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(IllegalTransition) as err:
        step(parse_agreement(SMALL))
    assert message in str(err.value)
    assert err.value.code == "illegal_transition"


def test_activation_verifies_every_signature() -> None:
    a = parse_agreement(SMALL).propose()
    a = a.sign("co-dijin", KEYS["co-dijin"].sign(a.signing_payload()))
    a = a.sign("mx-semar", "forged..sig")
    with pytest.raises(IllegalTransition, match="signature of mx-semar fails"):
        a.activate(T0, KEYS.__getitem__)
    with pytest.raises(IllegalTransition, match="no pinned key for party co-dijin"):
        a.activate(T0, {}.__getitem__)


def test_activation_outside_validity_is_refused() -> None:
    a = signed_by_all(parse_agreement(SMALL))
    with pytest.raises(IllegalTransition, match="valid from 2026-01-01T00:00:00Z"):
        a.activate(datetime(2025, 6, 1, tzinfo=UTC), KEYS.__getitem__)


def test_a_forged_active_agreement_is_not_active() -> None:
    a = replace(parse_agreement(SMALL), status=AgreementStatus.ACTIVE,
                signatures={"co-dijin": "a..b", "mx-semar": "c..d"})
    assert a.usable_at(T0) is None  # structurally fine...
    problem = a.check_active(T0, KEYS.__getitem__)  # ...but the signatures do not hold
    assert problem is not None and problem.code == "agreement_bad_signature"
    assert active_agreements([a], T0, KEYS.__getitem__) == []


def test_signatures_cover_content_not_order_or_status() -> None:
    a = parse_agreement(SMALL)
    swapped = replace(a, parties=tuple(reversed(a.parties)))
    assert swapped.signing_payload() == a.signing_payload()
    assert a.propose().signing_payload() == a.signing_payload()
    revised = a.revise(title="CO-MX maritime interdiction (amended)")
    assert revised.version == 2 and revised.signing_payload() != a.signing_payload()
    body = json.loads(a.signing_payload())
    assert body["kind"] == "accord-agreement" and "status" not in body


def test_revising_drops_signatures() -> None:
    a = signed_by_all(parse_agreement(SMALL))
    again = a.revise(valid_until=datetime(2028, 1, 1, tzinfo=UTC))
    assert again.status is AgreementStatus.DRAFT and not again.signatures
    with pytest.raises(IllegalTransition, match="content only"):
        a.revise(status=AgreementStatus.ACTIVE)
