"""The policy engine, rule by rule, with the reason an analyst would read."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from accord.domain.agreement import Agreement, AgreementStatus, Revocation
from accord.domain.clause import Clause, Mode
from accord.domain.markings import PAP, TLP, HandlingCode, Marking
from accord.domain.policy import (
    Action,
    Outcome,
    PolicyIndex,
    SchemaFacts,
    decide,
    decide_on_arrival,
    explain,
)
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
AMBER = Marking(tlp=TLP.AMBER)


def clause(**kw: Any) -> Clause:
    defaults: dict[str, Any] = {
        "id": "c1", "schemas": frozenset({"Person", "Vessel", "Associate", "Phone"}),
        "purposes": frozenset({"interdiction"}), "max_tlp": TLP.AMBER,
    }
    return Clause(**{**defaults, **kw})


def agreement(*clauses: Clause, parties: tuple[str, ...] = ("co", "mx"), id: str = "agr-1",
              **kw: Any) -> Agreement:
    """A draft agreement (not in force) with the given clauses."""
    window = {"valid_from": datetime(2026, 1, 1, tzinfo=UTC),
              "valid_until": datetime(2027, 1, 1, tzinfo=UTC)}
    return Agreement(id=id, title=f"Agreement {id}", parties=parties,
                     clauses=clauses or (clause(),), **{**window, **kw})


def in_force(a: Agreement) -> Agreement:
    """``a`` as the engine sees it once every party signed and it was activated."""
    return replace(a, status=AgreementStatus.ACTIVE,
                   signatures={p: f"sig-of-{p}..x" for p in a.parties})


def active(*clauses: Clause, **kw: Any) -> Agreement:
    return in_force(agreement(*clauses, **kw))


def stmt(entity: str, schema: str, prop: str, value: str, *, origin: str = "co",
         marking: Marking = AMBER, report: str = "R1") -> Statement:
    return Statement(entity, schema, prop, value, report, origin, marking)


def content(*statements: Statement, origin: str = "co", marking: Marking = AMBER,
            narrative: str = "Seen loading at Tumaco.", title: str = "Go-fast departure",
            report_id: str = "R1") -> ReportContent:
    report = Report(id=report_id, origin=origin, title=title, narrative=narrative,
                    purpose="investigation X", marking=marking,
                    created=NOW, updated=NOW)
    return ReportContent(report, tuple(statements))


def ids(c: ReportContent | None) -> set[str]:
    assert c is not None
    return {s.id for s in c.statements}

NAME = stmt("p1", "Person", "name", "Juan Perez")
VESSEL = stmt("v1", "Vessel", "name", "Sea Star")


def go(c, agreements, *, to="mx", purpose="interdiction", sender="co", **kw):  # type: ignore[no-untyped-def]
    return decide(c, to, agreements, purpose, sender=sender, now=NOW, **kw)


def test_allowed_release_names_the_clause_and_shares_only_scope() -> None:
    d = go(content(NAME, VESSEL), [active(clause(schemas=frozenset({"Vessel"})))])
    assert d.outcome is Outcome.ALLOW
    assert (d.agreement_id, d.clause_id) == ("agr-1", "c1")
    assert ids(d.projection) == {VESSEL.id}
    assert d.dropped == {"schema_out_of_scope": 1}
    assert d.reason_codes == ("allowed", "schema_out_of_scope")
    assert "1 statement(s) withheld: schema not in the clause" in d.reasons


def test_non_party_receives_nothing() -> None:
    d = go(content(NAME), [active()], to="us")
    assert d.outcome is Outcome.DENY and d.projection is None
    assert d.reason_codes == ("not_a_party",)
    assert "not a party to any agreement" in d.reasons[0]


def test_no_clause_in_that_direction() -> None:
    one_way = active(clause(senders=frozenset({"mx"}), recipients=frozenset({"co"})))
    assert go(content(NAME), [one_way]).reason_codes == ("no_clause",)
    theirs = content(replace(NAME, origin="mx"), origin="mx")
    assert go(theirs, [one_way], to="co", sender="mx").allowed


@pytest.mark.parametrize(("change", "code"), [
    ({"status": AgreementStatus.PROPOSED}, "agreement_not_active"),
    ({"status": AgreementStatus.EXPIRED}, "agreement_not_active"),
    ({"revocation": Revocation("mx", NOW, "breach")}, "agreement_revoked"),
    ({"signatures": {"co": "a..b"}}, "agreement_unsigned"),
    ({"valid_until": NOW - timedelta(seconds=1)}, "agreement_expired"),
])
def test_only_agreements_in_force_count(change: dict[str, object], code: str) -> None:
    a = in_force(agreement(valid_from=NOW - timedelta(days=9)))
    d = go(content(NAME), [replace(a, **change)])  # type: ignore[arg-type]
    assert d.outcome is Outcome.DENY and d.reason_codes == (code,)


def test_not_yet_valid() -> None:
    a = replace(active(), valid_from=NOW + timedelta(days=1), valid_until=NOW + timedelta(days=9))
    assert go(content(NAME), [a]).reason_codes == ("agreement_not_yet_valid",)


def test_purpose_must_be_in_the_clause() -> None:
    d = go(content(NAME), [active()], purpose="tax")
    assert d.reason_codes == ("purpose_not_allowed",)
    assert "'tax' is not in ['interdiction']" in d.reasons[0]


def test_tlp_red_never_leaves_even_if_the_clause_allows_red() -> None:
    red = Marking(tlp=TLP.RED)
    a = [active(clause(max_tlp=TLP.RED))]
    d = go(content(NAME, marking=red), a)
    assert d.reason_codes == ("tlp_red",) and "person to person" in d.reasons[0]
    d = go(content(NAME, stmt("p1", "Person", "alias", "El Flaco", marking=red)), a)
    assert ids(d.projection) == {NAME.id} and d.dropped == {"tlp_red": 1}


def test_statement_markings_filter_the_projection() -> None:
    green = stmt("p1", "Person", "alias", "Flaco", marking=Marking(tlp=TLP.GREEN))
    strict = stmt("p1", "Person", "alias", "Gordo", marking=Marking(tlp=TLP.AMBER_STRICT))
    h2 = stmt("p1", "Person", "alias", "Pelon", marking=Marking(handling=frozenset({
        HandlingCode.H2})))
    only_us = stmt("p1", "Person", "alias", "Chino", marking=Marking(releasable_to=frozenset({
        "US"})))
    to_mx = stmt("p1", "Person", "alias", "Guero", marking=Marking(releasable_to=frozenset({
        "MX"})))
    d = go(content(green, strict, h2, only_us, to_mx), [active()], recipient_country="MX")
    assert ids(d.projection) == {green.id, to_mx.id}
    assert d.dropped == {"tlp_above_max": 1, "handling_not_allowed": 1, "not_releasable": 1}


def test_releasable_to_matches_node_id_or_country() -> None:
    m = Marking(tlp=TLP.GREEN, releasable_to=frozenset({"MX"}))
    c = content(stmt("p1", "Person", "name", "X", marking=m))
    assert go(c, [active()]).allowed  # node id "mx" matches "MX"
    assert go(c, [active(parties=("co", "mx-fgr"))], to="mx-fgr").outcome is Outcome.DENY
    assert go(c, [active(parties=("co", "mx-fgr"))], to="mx-fgr",
              recipient_country="MX").allowed


def test_report_marking_stops_the_whole_report() -> None:
    d = go(content(NAME, marking=Marking(tlp=TLP.AMBER, handling=frozenset({HandlingCode.H3}),
                                          restrictions=("no copies",))), [active()])
    assert d.outcome is Outcome.DENY and d.reason_codes == ("handling_not_allowed",)


def test_redactions_and_property_allow_list() -> None:
    c = clause(properties={"Person": frozenset({"name", "birthDate"})},
               redactions={"Person": frozenset({"birthDate"})})
    born = stmt("p1", "Person", "birthDate", "1970")
    alias = stmt("p1", "Person", "alias", "Flaco")
    d = go(content(NAME, born, alias), [active(c)])
    assert ids(d.projection) == {NAME.id}
    assert d.dropped == {"redacted": 1, "property_out_of_scope": 1}


@pytest.mark.parametrize("prop", ["notes", "informantName", "sourceContact", "handlerId"])
def test_source_identifying_properties_never_travel(prop: str) -> None:
    d = go(content(NAME, stmt("p1", "Person", prop, "CI-4471")), [active()])
    assert ids(d.projection) == {NAME.id} and d.dropped == {"source_identifying": 1}


def test_narrative_and_title_travel_only_when_the_clause_says_so() -> None:
    c = content(NAME, narrative="Informant CI-4471 says", title="CI-4471 debrief")
    shut = go(c, [active()]).projection
    assert shut is not None
    assert (shut.report.title, shut.report.narrative) == ("Report R1", "")
    assert shut.report.purpose == "interdiction"
    open_ = go(c, [active(clause(narrative=True))]).projection
    assert open_ is not None and open_.report.narrative == "Informant CI-4471 says"


def test_nothing_in_scope_is_a_denial_not_an_empty_release() -> None:
    d = go(content(stmt("x", "Shipment", "weight", "40")), [active()])
    assert d.reason_codes == ("nothing_in_scope",)


def test_projection_markings_carry_the_clause_permitted_actions() -> None:
    red_pap = stmt("p1", "Person", "alias", "Flaco", marking=Marking(tlp=TLP.GREEN,
                                                                       pap=PAP.RED))
    d = go(content(NAME, red_pap), [active(clause(permitted_actions=PAP.AMBER))])
    assert d.projection is not None
    paps = {s.value: s.marking.pap for s in d.projection.statements}
    assert paps == {"Juan Perez": PAP.AMBER, "Flaco": PAP.RED}
    assert d.projection.report.marking.pap is PAP.AMBER
    assert d.permitted_actions is PAP.AMBER and d.retention_days == 365


def test_h1_is_flagged_not_for_judicial_use() -> None:
    h1 = stmt("v1", "Vessel", "name", "Sea Star", marking=Marking(handling=frozenset({
        HandlingCode.H1})))
    c = clause(handling_allowed=frozenset({HandlingCode.H1}))
    d = go(content(NAME, h1), [active(c)])
    assert d.not_for_judicial_use
    assert d.projection is not None
    assert any(s.marking.has(HandlingCode.H1) for s in d.projection.statements)
    assert "not to be used in judicial proceedings" in explain(d)
    assert not go(content(NAME), [active(c)]).not_for_judicial_use


class TestOnwardTransfer:
    """co received material from pa and wants to pass it to mx."""

    PA_CO = "agr-pa-co"

    def material(self, handling: frozenset[HandlingCode] = frozenset()):  # type: ignore[no-untyped-def]
        m = Marking(tlp=TLP.AMBER, handling=handling)
        return content(stmt("p9", "Person", "name", "Ramon", origin="pa", marking=m),
                       origin="pa", marking=m)

    def agreements(self, onward: frozenset[str]):  # type: ignore[no-untyped-def]
        handling = frozenset({HandlingCode.H2})
        return [active(clause(handling_allowed=handling)),
                active(clause(handling_allowed=handling, onward_transfer=onward),
                       parties=("pa", "co"), id=self.PA_CO)]

    def test_received_material_needs_the_originators_permission(self) -> None:
        d = go(self.material(), self.agreements(frozenset()))
        assert d.reason_codes == ("onward_not_permitted",)
        assert go(self.material(), self.agreements(frozenset({"mx"}))).allowed

    def test_h2_material_is_never_passed_on_without_permission(self) -> None:
        h2 = frozenset({HandlingCode.H2})
        d = go(self.material(h2), self.agreements(frozenset({"us"})))
        assert d.reason_codes == ("h2_onward",)
        assert "H2 material" in d.reasons[0]
        assert go(self.material(h2), self.agreements(frozenset({"mx"}))).allowed

    def test_received_statements_in_our_own_report(self) -> None:
        own = content(NAME, stmt("p9", "Person", "name", "Ramon", origin="pa",
                                 marking=Marking(handling=frozenset({HandlingCode.H2}))))
        d = go(own, self.agreements(frozenset()))
        assert ids(d.projection) == {NAME.id} and d.dropped == {"h2_onward": 1}

    def test_permission_lapses_with_the_originators_agreement(self) -> None:
        a, b = self.agreements(frozenset({"mx"}))
        b = replace(b, revocation=Revocation("pa", NOW, "ended"))
        assert go(self.material(), [a, b]).reason_codes == ("onward_not_permitted",)

    def test_others_originator_controlled_material_never_goes_on(self) -> None:
        m = Marking(tlp=TLP.AMBER, originator_control=True)
        c = content(stmt("p9", "Person", "name", "Ramon", origin="pa", marking=m), origin="pa",
                    marking=m)
        assert go(c, self.agreements(frozenset({"mx"}))).reason_codes == (
            "originator_control",)


def test_own_originator_controlled_material_needs_approval() -> None:
    orcon = stmt("p1", "Person", "alias", "Flaco",
                 marking=Marking(tlp=TLP.AMBER, originator_control=True))
    d = go(content(NAME, orcon), [active()])
    assert d.allowed and d.needs_approval
    assert d.reason_codes[0] == "allowed_pending_approval"


def test_four_eyes_clause_needs_approval() -> None:
    d = go(content(NAME), [active(clause(four_eyes=True))])
    assert d.allowed and d.needs_approval
    assert "held until a supervisor approves" in explain(d)


@pytest.mark.parametrize(("mode", "action", "outcome", "approval"), [
    (Mode.PUSH, Action.RELEASE, Outcome.ALLOW, False),
    (Mode.PUSH, Action.HIT, Outcome.HIT_ONLY, False),
    (Mode.ON_REQUEST, Action.RELEASE, Outcome.DENY, False),
    (Mode.ON_REQUEST, Action.RESPOND, Outcome.ALLOW, False),
    (Mode.HIT_ONLY, Action.RELEASE, Outcome.HIT_ONLY, False),
    (Mode.HIT_ONLY, Action.HIT, Outcome.HIT_ONLY, False),
    (Mode.HIT_ONLY, Action.RESPOND, Outcome.ALLOW, True),
])
def test_mode_and_action(mode: Mode, action: Action, outcome: Outcome, approval: bool) -> None:
    d = go(content(NAME), [active(clause(mode=mode))], action=action)
    assert (d.outcome, d.needs_approval) == (outcome, approval)
    assert (d.projection is not None) == (outcome is Outcome.ALLOW)
    if outcome is Outcome.DENY:
        assert d.reason_codes == ("mode_on_request",)


class TestDanglingReferences:
    ASSOC = ("a1", "Associate")

    def link(self, other_marking: Marking = AMBER):  # type: ignore[no-untyped-def]
        return content(
            NAME, stmt("p2", "Person", "name", "Pedro", marking=other_marking),
            stmt("a1", "Associate", "person", "p1"), stmt("a1", "Associate", "associate", "p2"),
            stmt("a1", "Associate", "relationship", "brother"),
            stmt("p1", "Person", "phone", "ph1"), stmt("ph1", "Phone", "number", "+573001234567"),
        )

    def test_links_to_withheld_entities_are_withheld_whole(self) -> None:
        d = go(self.link(Marking(tlp=TLP.RED)), [active()])
        assert d.projection is not None
        kept = {(s.entity_id, s.prop) for s in d.projection.statements}
        assert kept == {("p1", "name"), ("p1", "phone"), ("ph1", "number")}
        assert d.dropped == {"tlp_red": 1, "dangling_reference": 3}

    def test_a_chain_of_links_to_a_withheld_entity_goes_whole(self) -> None:
        chain = content(stmt("a1", "Associate", "person", "a1"),
                        stmt("a1", "Associate", "associate", "p1"),
                        stmt("a2", "Associate", "person", "a1"),
                        stmt("a2", "Associate", "associate", "p2"),
                        stmt("p2", "Person", "name", "Pedro"))
        d = go(chain, [active()])
        assert ids(d.projection) == {stmt("p2", "Person", "name", "Pedro").id}
        assert d.dropped == {"dangling_reference": 4}

    def test_everything_travels_when_nothing_is_withheld(self) -> None:
        d = go(self.link(), [active()])
        assert d.projection is not None and len(d.projection.statements) == 7

    def test_with_schema_facts_only_the_reference_goes_from_a_non_link(self) -> None:
        facts = SchemaFacts(references={"Associate": frozenset({"person", "associate"}),
                                        "Person": frozenset({"phone"})},
                            edges=frozenset({"Associate"}))
        no_phone = clause(schemas=frozenset({"Person", "Associate"}))
        d = go(self.link(), [active(no_phone)], schema_facts=facts)
        assert d.projection is not None
        kept = {(s.entity_id, s.prop) for s in d.projection.statements}
        assert ("p1", "phone") not in kept and ("p1", "name") in kept
        assert ("a1", "relationship") in kept
        d = go(content(NAME, stmt("a1", "Associate", "person", "p1"),
                       stmt("a1", "Associate", "associate", "elsewhere-7")),
               [active()], schema_facts=facts)
        assert ids(d.projection) == {NAME.id}


def test_a_fact_stated_twice_goes_by_the_stricter_marking() -> None:
    loud = stmt("p1", "Person", "alias", "Flaco", marking=Marking(tlp=TLP.GREEN))
    quiet = replace(loud, marking=Marking(tlp=TLP.RED))
    d = go(content(NAME, loud, quiet), [active()])
    assert ids(d.projection) == {NAME.id}
    assert d.dropped == {"tlp_red": 1, "conflicting_marking": 1}


def test_most_permissive_clause_wins_but_clauses_never_combine() -> None:
    vessels = clause(id="a-vessels", schemas=frozenset({"Vessel"}))
    people = clause(id="b-people", schemas=frozenset({"Person"}))
    phone = stmt("p1", "Person", "alias", "Flaco")
    d = go(content(NAME, phone, VESSEL), [active(vessels, people)])
    assert d.clause_id == "b-people" and ids(d.projection) == {NAME.id, phone.id}
    assert d.dropped == {"schema_out_of_scope": 1}


def test_denial_reports_the_clause_that_got_furthest_first() -> None:
    expired = replace(active(id="agr-0"), valid_until=NOW - timedelta(days=1),
                      valid_from=NOW - timedelta(days=9))
    d = go(content(NAME), [expired, active(id="agr-1")], purpose="tax")
    assert d.reason_codes == ("purpose_not_allowed", "agreement_expired")
    assert len(d.reasons) == 2


def test_index_and_list_give_the_same_decision() -> None:
    agreements = [active(clause(four_eyes=True)), active(id="agr-2")]
    c = content(NAME, VESSEL)
    assert go(c, agreements) == go(c, PolicyIndex(agreements))


def test_retraction_of_a_released_report_still_goes() -> None:
    c = content(NAME)
    retracted = replace(c, report=c.report.retract("wrong vessel"), statements=())
    d = go(retracted, [active()])
    assert d.allowed and d.projection is not None and d.projection.report.retracted


class TestOnArrival:
    def test_recipient_accepts_what_its_agreement_allows(self) -> None:
        a = [active(clause(schemas=frozenset({"Person"})))]
        sent = go(content(NAME, VESSEL), a)
        assert sent.projection is not None
        got = decide_on_arrival(sent.projection, sender="co", me="mx", agreements=a,
                                purpose="interdiction", now=NOW)
        assert got.allowed and ids(got.projection) == ids(sent.projection)

    def test_recipient_refuses_more_than_its_agreement_allows(self) -> None:
        a = [active(clause(schemas=frozenset({"Person"})))]
        got = decide_on_arrival(content(NAME, VESSEL), sender="co", me="mx", agreements=a,
                                purpose="interdiction", now=NOW)
        assert got.outcome is Outcome.DENY and got.projection is None
        assert got.reason_codes[0] == "arrived_beyond_agreement"
        assert "schema_out_of_scope x1" in got.reasons[0]

    def test_recipient_refuses_a_narrative_its_clause_does_not_share(self) -> None:
        got = decide_on_arrival(content(NAME), sender="co", me="mx", agreements=[active()],
                                purpose="interdiction", now=NOW)
        assert got.reason_codes[0] == "arrived_beyond_agreement"

    def test_recipient_with_a_revoked_copy_refuses(self) -> None:
        a = replace(active(), revocation=Revocation("mx", NOW, "ended"))
        got = decide_on_arrival(content(NAME), sender="co", me="mx", agreements=[a],
                                purpose="interdiction", now=NOW)
        assert got.reason_codes == ("agreement_revoked",)

    def test_onward_h2_refused_at_the_recipient_without_the_originators_clause(self) -> None:
        m = Marking(tlp=TLP.AMBER, handling=frozenset({HandlingCode.H2}))
        c = content(stmt("p9", "Person", "name", "R", origin="pa", marking=m), origin="pa",
                    marking=m, narrative="", title="Report R1")
        c = replace(c, report=replace(c.report, purpose="interdiction"))
        mine = [active(clause(handling_allowed=frozenset({HandlingCode.H2})))]
        got = decide_on_arrival(c, sender="co", me="mx", agreements=mine,
                                purpose="interdiction", now=NOW)
        assert got.reason_codes == ("h2_onward",)

    def test_content_under_a_hit_only_clause_is_refused(self) -> None:
        c = content(NAME, narrative="", title="Report R1")
        got = decide_on_arrival(c, sender="co", me="mx",
                                agreements=[active(clause(mode=Mode.HIT_ONLY))],
                                purpose="interdiction", now=NOW)
        assert got.reason_codes[0] == "arrived_beyond_agreement"


def test_explain_lists_withheld_statements_and_reasons() -> None:
    d = go(content(NAME, stmt("p1", "Person", "notes", "met CI")), [active()])
    text = explain(d)
    assert text.startswith("ALLOW: R1 may go to mx (release, purpose 'interdiction')")
    assert "under agreement agr-1, clause c1" in text
    assert "statements withheld: source_identifying x1" in text
    denied = explain(go(content(NAME), [active()], to="us"))
    assert denied.startswith("DENY: nothing goes to us")
    assert d.to_dict()["dropped"] == {"source_identifying": 1}
