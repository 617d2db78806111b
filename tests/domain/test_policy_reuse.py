"""What the policy engine remembers between decisions never changes a decision.

The engine keeps plans per (sender, recipient, purpose, action) on the index, the
prepared form of the last few reports, and per report the selection of each
clause per audience. These tests pin the cases where remembered work could go
stale; test_policy_properties.py checks the same over random scenarios.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import timedelta

from tests.domain.test_policy import (
    NAME,
    NOW,
    VESSEL,
    active,
    agreement,
    clause,
    content,
    ids,
    in_force,
    stmt,
)

from accord.domain.clause import Mode
from accord.domain.markings import TLP, Marking
from accord.domain.policy import Outcome, PolicyIndex, decide, decide_many, default_schema_facts
from accord.domain.prepared import PreparedContent, positions
from accord.domain.report import ReportContent


def test_a_denial_kept_for_every_report_still_follows_the_time() -> None:
    index = PolicyIndex([active()])
    c = content(NAME)
    d = decide(c, "mx", index, "tax", sender="co", now=NOW)
    assert d.reason_codes == ("purpose_not_allowed",)
    assert decide(content(VESSEL), "mx", index, "tax", sender="co", now=NOW) is d  # kept
    later = decide(c, "mx", index, "tax", sender="co", now=NOW + timedelta(days=400))
    assert later.reason_codes == ("agreement_expired",)


def test_a_report_refused_as_a_whole_after_a_denial_that_named_no_report() -> None:
    index = PolicyIndex([active(clause(mode=Mode.ON_REQUEST))])
    plain = decide(content(NAME), "mx", index, "interdiction", sender="co", now=NOW)
    assert plain.reason_codes == ("mode_on_request",)
    red = content(NAME, marking=Marking(tlp=TLP.RED), report_id="R9")
    d = decide(red, "mx", index, "interdiction", sender="co", now=NOW)
    assert d.reason_codes == ("tlp_red",)
    assert "report R9 is TLP:RED" in d.reasons[0]


def test_recipients_share_a_selection_only_when_the_lists_treat_them_alike() -> None:
    parties = ("co", "mx", "pa", "us")
    index = PolicyIndex([active(parties=parties)])
    to_mx = stmt("p1", "Person", "alias", "Flaco", marking=Marking(
        tlp=TLP.AMBER, releasable_to=frozenset({"MX"})))
    c = content(NAME, to_mx)
    got = {d.recipient: ids(d.projection) for d in decide_many(
        c, ["mx", "pa", "us"], index, "interdiction", sender="co", now=NOW)}
    assert got == {"mx": {NAME.id, to_mx.id}, "pa": {NAME.id}, "us": {NAME.id}}
    # a country code on the list lets a node of that country in, and only it
    d = decide(c, "pa", index, "interdiction", sender="co", now=NOW, recipient_country="MX")
    assert ids(d.projection) == {NAME.id, to_mx.id}


def test_statements_given_in_a_list_are_never_remembered() -> None:
    statements = [NAME]
    c = ReportContent(content().report, statements)  # type: ignore[arg-type]
    index = PolicyIndex([active()])
    assert ids(decide(c, "mx", index, "interdiction", sender="co", now=NOW).projection) == {
        NAME.id}
    statements.append(VESSEL)  # changed in place: the next decision must see it
    assert ids(decide(c, "mx", index, "interdiction", sender="co", now=NOW).projection) == {
        NAME.id, VESSEL.id}


def test_the_same_content_object_is_prepared_once() -> None:
    c = content(NAME, VESSEL)
    facts = default_schema_facts()
    assert PreparedContent.of(c, facts) is PreparedContent.of(c, facts)
    assert PreparedContent.of(replace(c), facts) is not PreparedContent.of(c, facts)


def test_an_index_is_reused_only_for_the_same_agreement_objects() -> None:
    agreements = [active(), active(id="agr-2")]
    c = content(NAME)
    first = decide(c, "mx", agreements, "interdiction", sender="co", now=NOW)
    assert first.outcome is Outcome.ALLOW
    # equal content, new objects: compiled again, and a revision is seen at once
    revised = [in_force(agreement(clause(schemas=frozenset({"Vessel"})))), active(id="agr-2")]
    d = decide(c, "mx", revised, "interdiction", sender="co", now=NOW)
    assert (d.agreement_id, d.clause_id) == ("agr-2", "c1")
    assert PolicyIndex.of(agreements) is PolicyIndex.of(list(agreements))
    assert PolicyIndex.of(revised) is not PolicyIndex.of(agreements)


def test_positions_of_dense_and_sparse_masks() -> None:
    assert positions(0) == []
    assert positions(0b1) == [0]
    assert positions(0b1011) == [0, 1, 3]  # dense
    assert positions(1 << 40 | 1 << 3) == [3, 40]  # sparse
    mask = sum(1 << i for i in range(0, 200, 3))
    assert positions(mask) == list(range(0, 200, 3))


def test_decisions_from_several_threads_agree_with_one_thread() -> None:
    parties = ("co", "mx", "pa", "us")
    index = PolicyIndex([active(parties=parties), active(clause(id="c2", schemas=frozenset(
        {"Vessel"})), parties=("co", "pa"), id="agr-2")])
    reports = [content(NAME, VESSEL, stmt(f"p{i}", "Person", "name", f"N{i}"),
                       report_id=f"R{i}") for i in range(40)]
    asks = [(c, r) for c in reports for r in ("mx", "pa", "us", "zz")]
    expected = [decide(ReportContent(c.report, c.statements), r, PolicyIndex(index.agreements),
                       "interdiction", sender="co", now=NOW) for c, r in asks]
    results: dict[int, list[object]] = {}

    def work(n: int) -> None:
        results[n] = [decide(c, r, index, "interdiction", sender="co", now=NOW)
                      for c, r in asks]

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(got == expected for got in results.values())
