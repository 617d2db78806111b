"""Properties of the policy engine over random agreements, markings, reports and recipients.

The oracle below restates, independently of the engine's code, what any
projection must satisfy: every statement in it is allowed by the one clause
named in the decision, of an agreement in force that both parties belong to.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.domain.agreement import Agreement, AgreementStatus, Revocation
from accord.domain.clause import Clause, Mode
from accord.domain.markings import PAP, TLP, HandlingCode, Marking
from accord.domain.policy import (
    Action,
    Decision,
    Outcome,
    PolicyIndex,
    SchemaFacts,
    decide,
    decide_many,
    decide_on_arrival,
    is_source_identifying,
)
from accord.domain.registry import load_registry
from accord.domain.report import Report, ReportContent
from accord.domain.statement import Statement

NOW = datetime(2026, 6, 1, tzinfo=UTC)
FACTS = SchemaFacts.from_registry(load_registry())
NODES = ["co", "mx", "us", "pa"]
PURPOSES = ["interdiction", "investigation"]
ENTITIES = {"p1": "Person", "p2": "Person", "v1": "Vessel", "ph1": "Phone",
            "a1": "Associate", "a2": "Associate"}
PROPS = {"Person": ["name", "alias", "birthDate", "notes", "informantName", "phone"],
         "Vessel": ["name", "imoNumber", "flag"], "Phone": ["number"],
         "Associate": ["person", "associate", "relationship"]}
SCHEMAS = sorted(PROPS)
SETTINGS = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])

# Weighted towards what agencies mostly exchange, so that many cases get
# through and the projection properties are exercised, not only denials.
handling = st.frozensets(st.sampled_from([HandlingCode.H1, HandlingCode.H2, HandlingCode.H3]))
rare_handling = st.just(frozenset()) | handling
markings = st.builds(
    Marking, tlp=st.sampled_from([TLP.CLEAR, TLP.GREEN, TLP.GREEN, TLP.AMBER, TLP.AMBER,
                                  TLP.AMBER_STRICT, TLP.RED]),
    pap=st.sampled_from(list(PAP)), handling=rare_handling,
    releasable_to=st.none() | st.none() | st.frozensets(st.sampled_from(
        NODES + ["CO", "MX", "US"])),
    originator_control=st.sampled_from([False, False, False, True]),
)


@st.composite
def statements(draw: st.DrawFn, origins: list[str]) -> Statement:
    entity = draw(st.sampled_from(sorted(ENTITIES)))
    schema = ENTITIES[entity]
    prop = draw(st.sampled_from(PROPS[schema]))
    if prop in ("person", "associate", "phone"):
        value = draw(st.sampled_from(sorted(ENTITIES) + ["elsewhere-1"]))
    else:
        value = draw(st.sampled_from(["Juan", "Sea Star", "9074729", "+573001234567"]))
    return Statement(entity, schema, prop, value, "R1", draw(st.sampled_from(origins)),
                     draw(markings))


# Strategies are built once here: building them inside a composite on every
# draw costs far more than the engine does.
ALL_PROPS = sorted({p for props in PROPS.values() for p in props})
schema_sets = st.frozensets(st.sampled_from(SCHEMAS), min_size=2)
prop_sets = st.frozensets(st.sampled_from(ALL_PROPS))
node_sets = st.frozensets(st.sampled_from(NODES))
purpose_sets = st.frozensets(st.sampled_from(PURPOSES), min_size=1)
tlps = st.sampled_from([TLP.GREEN, TLP.AMBER, TLP.AMBER, TLP.AMBER_STRICT, TLP.RED])
paps = st.sampled_from(list(PAP))
modes = st.sampled_from([Mode.PUSH, Mode.PUSH, Mode.PUSH, Mode.ON_REQUEST, Mode.HIT_ONLY])
statuses = st.sampled_from([AgreementStatus.ACTIVE] * 12 + list(AgreementStatus))
# Hypothesis favours boundary values of integers; weighted booleans keep the odds.
often = st.sampled_from([True, True, True, True, False])
rarely = st.sampled_from([False] * 7 + [True])
party_lists = st.lists(st.sampled_from(NODES), min_size=2, max_size=4, unique=True)


@st.composite
def clauses(draw: st.DrawFn, parties: list[str], n: int) -> Clause:
    schemas = draw(schema_sets)
    ordered = sorted(schemas)

    def schema_map() -> dict[str, frozenset[str]]:
        if draw(often):
            return {}
        return {draw(st.sampled_from(ordered)): draw(prop_sets)}

    def who() -> frozenset[str] | None:
        if draw(often):
            return None  # all parties
        return (draw(node_sets) & set(parties)) or None

    return Clause(
        id=f"c{n}", schemas=schemas, properties=schema_map(), redactions=schema_map(),
        purposes=draw(purpose_sets), max_tlp=draw(tlps), senders=who(), recipients=who(),
        handling_allowed=draw(handling), permitted_actions=draw(paps), mode=draw(modes),
        four_eyes=draw(st.booleans()), onward_transfer=draw(node_sets),
        narrative=draw(st.booleans()),
    )


@st.composite
def agreements(draw: st.DrawFn, n: int, healthy: bool) -> Agreement:
    parties = draw(party_lists)
    k = draw(st.integers(1, 3))
    start = NOW + timedelta(days=-30 if healthy else draw(st.sampled_from([-30] * 6 + [-400, 1])))
    a = Agreement(
        id=f"agr-{n}", title="t", parties=tuple(parties), valid_from=start,
        valid_until=start + timedelta(days=365 if healthy else draw(st.sampled_from(
            [365] * 5 + [10]))),
        clauses=tuple(draw(clauses(parties, i)) for i in range(k)),
    )
    if healthy:
        return replace(a, status=AgreementStatus.ACTIVE, signatures={p: "h..s" for p in parties})
    signers = parties[:-1] if draw(rarely) else parties
    revocation = Revocation(parties[0], NOW, "x") if draw(rarely) else None
    return replace(a, status=draw(statuses), signatures={p: "h..s" for p in signers},
                   revocation=revocation)


@st.composite
def scenarios(draw: st.DrawFn, healthy: bool = False) -> dict[str, Any]:
    """``healthy``: every agreement in force (most cases then get through)."""
    count = draw(st.sampled_from([1, 1, 1, 2, 2, 3, 0]))
    agreements_ = [draw(agreements(i, healthy)) for i in range(count or healthy)]
    # mostly two parties of one of the agreements, sometimes anyone
    pool = list(agreements_[0].parties) if agreements_ and draw(often) else NODES
    sender, recipient = draw(st.lists(st.sampled_from(pool), min_size=2, max_size=2,
                                      unique=True))
    if draw(rarely):
        recipient = sender  # a node never "shares" with itself
    others = draw(st.sampled_from(NODES))
    origin = others if draw(rarely) else sender
    stmts = draw(st.lists(statements([origin, origin, sender, others]),
                          min_size=0 if draw(rarely) else 1, max_size=12))
    report = Report(id="R1", origin=origin, title="t", narrative=draw(st.sampled_from(["", "n"])),
                    marking=draw(markings), created=NOW, updated=NOW)
    return {
        "content": ReportContent(report, tuple(stmts)),
        "recipient": recipient,
        "sender": sender,
        "agreements": agreements_,
        "purpose": draw(st.sampled_from(PURPOSES)),
        "action": draw(st.sampled_from([Action.RELEASE, Action.RELEASE, Action.RESPOND,
                                        Action.HIT])),
    }


def run(s: dict[str, Any]) -> Decision:
    return decide(s["content"], s["recipient"], s["agreements"], s["purpose"],
                  sender=s["sender"], now=NOW, action=s["action"])


def in_force(a: Agreement) -> bool:
    return (a.status is AgreementStatus.ACTIVE and a.revocation is None
            and a.valid_from <= NOW < a.valid_until and set(a.signatures) == set(a.parties))


def marking_ok(m: Marking, c: Clause, recipient: str) -> bool:
    return (m.tlp is not TLP.RED and m.tlp <= c.max_tlp and m.handling <= c.handling_allowed
            and (m.releasable_to is None or recipient.upper() in m.releasable_to))


def onward_ok(s: dict[str, Any], origin: str, schema: str | None) -> bool:
    return any(
        in_force(a) and origin in a.parties and s["sender"] in a.parties
        and any(c.sends(origin, s["sender"]) and s["recipient"] in c.onward_transfer
                and (schema is None or schema in c.schemas) for c in a.clauses)
        for a in s["agreements"])


def check_nothing_leaves_that_the_named_clause_does_not_allow(s: dict[str, Any]) -> None:
    d = run(s)
    sender, recipient = s["sender"], s["recipient"]
    content: ReportContent = s["content"]
    if d.outcome is Outcome.DENY:
        assert d.projection is None and d.reason_codes
        return
    a = next(a for a in s["agreements"] if a.id == d.agreement_id)
    c = next(c for c in a.clauses if c.id == d.clause_id)
    # the agreement is in force, both are parties, the clause runs sender -> recipient
    assert in_force(a) and sender in a.parties and recipient in a.parties
    assert c.sends(sender, recipient) and s["purpose"] in c.purposes
    assert s["action"] is not Action.RELEASE or c.mode is not Mode.ON_REQUEST
    report = content.report
    assert marking_ok(report.marking, c, recipient)
    if report.origin != sender:
        assert not report.marking.originator_control and onward_ok(s, report.origin, None)
    if d.outcome is Outcome.HIT_ONLY:
        assert d.projection is None
        return
    p = d.projection
    assert p is not None
    by_id: dict[str, list[Statement]] = {}
    for st_ in content.statements:  # the same statement may come twice, marked differently
        by_id.setdefault(st_.id, []).append(st_)
    kept_entities = {st_.entity_id for st_ in p.statements}
    input_entities = {st_.entity_id for st_ in content.statements}
    for out in p.statements:
        copies = by_id[out.id]  # projection is a subset of the input
        src = copies[0]
        assert (out.entity_id, out.schema, out.prop, out.value) == (
            src.entity_id, src.schema, src.prop, src.value)
        assert c.allows_property(out.schema, out.prop)
        assert not is_source_identifying(out.prop)
        assert all(marking_ok(x.marking, c, recipient) for x in copies)
        assert any(out.marking.at_least_as_restrictive_as(x.marking) for x in copies)
        assert out.marking.pap >= c.permitted_actions
        if src.origin != sender:
            assert not any(x.marking.originator_control for x in copies)
            assert onward_ok(s, src.origin, out.schema)
        if out.value in input_entities or FACTS.is_reference(out.schema, out.prop):
            assert out.value in kept_entities  # no link to an entity that is not travelling
    if not c.narrative:
        assert p.report.narrative == "" and p.report.title == "Report R1"
    assert d.not_for_judicial_use == (report.marking.has(HandlingCode.H1) or any(
        HandlingCode.H1 in x.marking.handling for x in p.statements))


def check_agreements_not_in_force_allow_nothing(s: dict[str, Any]) -> None:
    s["agreements"] = [a for a in s["agreements"] if not in_force(a)]
    assert run(s).outcome is Outcome.DENY


def check_a_non_party_receives_nothing(s: dict[str, Any]) -> None:
    s["recipient"] = "zz"
    d = run(s)
    assert d.outcome is Outcome.DENY and d.reason_codes == ("not_a_party",)


def check_tlp_red_reports_never_leave(s: dict[str, Any]) -> None:
    report = replace(s["content"].report, marking=Marking(tlp=TLP.RED))
    s["content"] = replace(s["content"], report=report)
    d = run(s)
    assert d.outcome is Outcome.DENY


def check_deterministic_and_index_equals_list(s: dict[str, Any]) -> None:
    d = run(s)
    assert d == run(s)
    assert d == run({**s, "agreements": PolicyIndex(s["agreements"])})


def check_the_recipient_accepts_exactly_what_was_allowed(s: dict[str, Any]) -> None:
    d = run(s)
    if d.outcome is not Outcome.ALLOW:
        return
    assert d.projection is not None
    got = decide_on_arrival(d.projection, sender=s["sender"], me=s["recipient"],
                            agreements=s["agreements"], purpose=s["purpose"], now=NOW,
                            action=s["action"])
    assert got.outcome is Outcome.ALLOW, got.reasons
    assert got.projection is not None
    assert {x.id for x in got.projection.statements} == {x.id for x in d.projection.statements}


@SETTINGS
@given(scenarios())
def test_policy_properties(s: dict[str, Any]) -> None:
    """One generated scenario, every property (generation costs more than deciding)."""
    check_nothing_leaves_that_the_named_clause_does_not_allow(dict(s))
    check_deterministic_and_index_equals_list(dict(s))
    check_the_recipient_accepts_exactly_what_was_allowed(dict(s))
    check_agreements_not_in_force_allow_nothing(dict(s))
    check_a_non_party_receives_nothing(dict(s))
    check_tlp_red_reports_never_leave(dict(s))


@SETTINGS
@given(scenarios(healthy=True))
def test_policy_properties_with_agreements_in_force(s: dict[str, Any]) -> None:
    check_nothing_leaves_that_the_named_clause_does_not_allow(dict(s))
    check_the_recipient_accepts_exactly_what_was_allowed(dict(s))
    check_a_non_party_receives_nothing(dict(s))


# -- reuse: nothing remembered between decisions changes one ------------------------
#
# The engine remembers work between calls (the prepared report per content object,
# plans and clause tables per index, selections per audience). The reference below
# decides on a fresh copy of the content with a fresh index, so nothing is shared.

REUSE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TIMES = [NOW, NOW - timedelta(days=45), NOW + timedelta(days=200), NOW + timedelta(days=400)]


def fresh(s: dict[str, Any], recipient: str, purpose: str, at: datetime, action: Action,
          country: str | None = None) -> Decision:
    content: ReportContent = s["content"]
    return decide(ReportContent(content.report, tuple(content.statements)), recipient,
                  PolicyIndex(s["agreements"]), purpose, sender=s["sender"], now=at,
                  action=action, recipient_country=country)


@REUSE
@given(scenarios(), st.sampled_from([None, "MX", "CO"]))
def test_decide_many_is_decide_for_each_recipient(s: dict[str, Any], country: str | None) -> None:
    recipients = [*NODES, "zz", s["sender"]]
    countries = {r: country for r in recipients[::2]}
    many = decide_many(s["content"], recipients, s["agreements"], s["purpose"],
                       sender=s["sender"], now=NOW, action=s["action"], countries=countries)
    assert many == [fresh(s, r, s["purpose"], NOW, s["action"], countries.get(r))
                    for r in recipients]


@REUSE
@given(scenarios(), st.randoms(use_true_random=False))
def test_remembered_work_never_changes_a_decision(s: dict[str, Any], rnd: Any) -> None:
    """Every (recipient, purpose, time, action) on one content object and one index,
    in a random order, equals the decision made from scratch."""
    index = PolicyIndex(s["agreements"])
    asks = [(r, p, t, a) for r in NODES for p in PURPOSES for t in TIMES
            for a in (Action.RELEASE, Action.RESPOND)]
    rnd.shuffle(asks)
    for recipient, purpose, at, action in asks:
        got = decide(s["content"], recipient, index, purpose, sender=s["sender"], now=at,
                     action=action)
        assert got == fresh(s, recipient, purpose, at, action), (recipient, purpose, at)


@REUSE
@given(scenarios(healthy=True), st.randoms(use_true_random=False))
def test_the_order_of_statements_changes_nothing(s: dict[str, Any], rnd: Any) -> None:
    """Same outcome, clause, reasons and withheld counts, and the same statements
    (with the same markings) in the projection, whatever order the report lists them in
    (dangling links are withheld until nothing changes, however they are listed)."""
    content: ReportContent = s["content"]
    shuffled = list(content.statements)
    rnd.shuffle(shuffled)
    a = run(s)
    b = run({**s, "content": ReportContent(content.report, tuple(shuffled))})
    assert (a.outcome, a.agreement_id, a.clause_id, a.reasons, a.reason_codes, a.dropped) == (
        b.outcome, b.agreement_id, b.clause_id, b.reasons, b.reason_codes, b.dropped)
    if a.projection is not None:
        assert b.projection is not None
        assert sorted(map(repr, a.projection.statements)) == sorted(
            map(repr, b.projection.statements))
