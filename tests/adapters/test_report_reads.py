"""A report with its statements in one query reads exactly what the two reads give."""

from __future__ import annotations

from datetime import UTC, datetime

from accord.adapters.store import Store
from accord.adapters.store.statements import statement_rows
from accord.domain.grading import Grading
from accord.domain.markings import TLP, Marking
from accord.domain.report import Report
from accord.domain.statement import Statement

SEEN = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)


def _statements(report_id: str, n: int) -> list[Statement]:
    marking = Marking(tlp=TLP.AMBER)
    return [Statement(f"e{i % 3}", "Person", "name" if i % 2 else "nationality", f"v{n - i}",
                      report_id, "co", marking, Grading.from_dict("B2"),
                      first_seen=SEEN if i == 1 else None, last_seen=SEEN if i == 1 else None)
            for i in range(n)]


def test_reports_with_statements_match_the_separate_reads(store: Store) -> None:
    with store.unit_of_work() as uow:
        for rid, n in (("r-a", 5), ("r-b", 0), ("r-c", 2)):
            uow.reports.add(Report(id=rid, origin="co", title=f"T {rid}"))
            uow.statements.insert(statement_rows(_statements(rid, n)))
        wanted = ["r-c", "r-a", "r-b", "r-missing", "r-a"]
        together = uow.reports.get_many_with_statements(wanted)
        reports = uow.reports.get_many(wanted)
        statements = uow.statements.for_reports(wanted)
    assert set(together) == set(reports) == {"r-a", "r-b", "r-c"}
    for rid, (report, stmts) in together.items():
        assert report == reports[rid]
        assert stmts == statements.get(rid, [])
    assert len(together["r-a"][1]) == 5 and together["r-b"][1] == []
    with store.unit_of_work(write=False) as uow:
        assert uow.reports.get_many_with_statements([]) == {}
